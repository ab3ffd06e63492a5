"""Specific trade concerns: reading the STC layouts, importing, classifying, linking, listing, the CLI.

The concerns below are made up for the tests in the layouts of the TBT IMS / ePing export and of the
Secretariat's research dataset; their ids, dates and members are not real records.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import monitor
from cyberreg.cli.output import State
from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.services import concerns as service
from cyberreg.services import notifications
from cyberreg.services.catalog import NotFound
from cyberreg.services.store import Store
from cyberreg.sources.eping_json import write_jsonl
from cyberreg.sources.problems import InputError
from cyberreg.sources.stc import column_key, parse_dates, parse_hs_codes, read_concerns, split_members

IMS_HEADER = [
    "IMS ID",
    "Title",
    "Maintaining  member",  # double space, as exports sometimes have
    "Raised by",
    "supported BY",
    "Dates raised",
    "Number of times raised",
    "Status",
    "Related notifications",
    "HS code(s)",
    "Minutes",
]
IMS_ROWS = [
    [
        "ID 9001",
        "Made-up Land - Cybersecurity certification of network equipment",
        "China",
        "United States of America, Japan",
        "Korea, Republic of; European Union",
        "21-22 March 2018; 20-21 June 2018",
        "2",
        "Not reported",
        "G/TBT/N/CHN/1022, G/TBT/N/CHN/1022/Add.1",
        "8471 - Automatic data processing machines; 8517 - Telephone sets",
        "G/TBT/M/74, para. 2.12; G/TBT/M/75",
    ],
    [
        "9002",
        "Labelling requirements for consumer connectable products",
        "United Kingdom",
        "China",
        "",
        "03/11/2021",
        "",
        "",
        "G/TBT/N/GBR/36/Add.1",
        "84, 85",
        "",
    ],
    [
        "9003",
        "Energy labelling of refrigerators",
        "European Union",
        "Brazil",
        "",
        "June 2019",
        "1",
        "Resolved",
        "Not notified",
        "8418",
        "",
    ],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.fixture
def ims_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "stc-export.csv", IMS_HEADER, IMS_ROWS)


@pytest.fixture
def research_xlsx(tmp_path: Path) -> Path:
    """The research dataset's layout: one row per concern and HS code, codes as numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "TBT STCs"
    sheet.append(["World Trade Report 2012 - made-up rows for tests"])
    sheet.append(["Item number", "Members maintaining", "Members concerned", "First date raised", "HS_code"])
    sheet.append([301, "India", "European Union; United States", dt.datetime(2013, 3, 20), 8517])
    sheet.append([301, "India", "Japan", dt.datetime(2013, 3, 20), 8471])
    sheet.append([302, "Indonesia", "Canada", dt.datetime(2011, 6, 15), 402])  # HS 0402 lost its zero
    path = tmp_path / "research.xlsx"
    workbook.save(path)
    return path


def make(symbol: str, title: str, date: str, hs: list[str] | None = None) -> Notification:
    member = symbol.split("/")[3]
    return Notification(
        symbol=symbol,
        area="TBT",
        member=member,
        member_code=member,  # type: ignore[arg-type]
        distribution_date=dt.date.fromisoformat(date),
        title=title,
        hs_codes=hs or [],
        source=NotificationSource(kind="jsonl", file="fixture.jsonl", row=1),  # type: ignore[arg-type]
    )


NOTIFICATIONS = [
    make("G/TBT/N/GBR/36", "Cyber security requirements for consumer connectable products", "2020-08-24"),
    make("G/TBT/N/GBR/36/Add.1", "Product security: draft regulations", "2021-11-30", ["8517"]),
    make("G/TBT/N/CHN/1022", "Information security technology for network products", "2017-01-10"),
]


@pytest.fixture
def store(tmp_path: Path, kb_dir: Path) -> Store:
    store = Store(tmp_path / "c.db", auto_build=False)
    store.build(kb_dir)
    return store


@pytest.fixture
def with_notifications(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "n.jsonl"
    write_jsonl(NOTIFICATIONS, path)
    notifications.import_notifications(store, path)
    return store


# ---------------------------------------------------------------------------------------------------------
# Reading.


def test_reads_the_ims_layout(ims_csv: Path):
    first, second, third = read_concerns(ims_csv)
    assert first.ims_id == "9001"
    assert first.maintaining_member == "China" and first.maintaining_member_code == "CHN"
    assert first.raising_members == ["United States of America", "Japan"]
    assert first.supporting_members == ["Korea, Republic of", "European Union"]
    assert first.meetings == [dt.date(2018, 3, 21), dt.date(2018, 6, 20)]
    assert (first.first_raised, first.last_raised, first.times_raised) == (
        dt.date(2018, 3, 21),
        dt.date(2018, 6, 20),
        2,
    )
    assert first.notification_symbols == ["G/TBT/N/CHN/1022", "G/TBT/N/CHN/1022/Add.1"]
    assert first.base_symbols == ["G/TBT/N/CHN/1022"]
    assert first.hs_codes == ["8471", "8517"]
    assert first.minutes == ["G/TBT/M/74, para. 2.12", "G/TBT/M/75"]
    assert first.member_codes["supporting"] == ["KOR", "EU"]
    assert second.first_raised == dt.date(2021, 11, 3) and second.times_raised == 1
    assert second.hs_codes == ["84", "85"]
    assert third.notification_symbols == [] and third.first_raised == dt.date(2019, 6, 1)
    assert first.source.rows == [2] and third.source.rows == [4]


def test_reads_the_research_layout_and_merges_rows_of_one_concern(research_xlsx: Path):
    india, indonesia = read_concerns(research_xlsx)
    assert india.ims_id == "301" and india.source.rows == [3, 4] and india.source.sheet == "TBT STCs"
    assert india.raising_members == ["European Union", "United States", "Japan"]
    assert india.hs_codes == ["8517", "8471"]
    assert india.first_raised == dt.date(2013, 3, 20)
    assert india.title == "STC 301 (India)"  # no title column: a stand-in names the concern
    assert indonesia.hs_codes == ["0402"]


def test_header_matching_ignores_case_spaces_and_punctuation():
    assert column_key("HS code(s)") == column_key("hs  codes") == column_key("HS_code")
    assert column_key("Maintaining  member") == column_key("maintaining member")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("21-22 March 2018", [dt.date(2018, 3, 21)]),
        ("March 21, 2018; 5 Nov 2019", [dt.date(2018, 3, 21), dt.date(2019, 11, 5)]),
        ("2019-06-20", [dt.date(2019, 6, 20)]),
        ("20/06/2019", [dt.date(2019, 6, 20)]),
        ("06/2019", [dt.date(2019, 6, 1)]),
        (2019, [dt.date(2019, 1, 1)]),
        (dt.datetime(2020, 2, 3), [dt.date(2020, 2, 3)]),
        ("", []),
    ],
)
def test_dates_in_any_known_form(cell, expected):
    assert parse_dates(cell) == expected


def test_hs_codes_and_members_in_their_usual_shapes():
    assert parse_hs_codes(402) == ["0402"]
    assert parse_hs_codes("8517.62; 8471") == ["851762", "8471"]
    assert parse_hs_codes("85 - Electrical machinery; 8471 - ADP machines") == ["85", "8471"]
    assert split_members("Korea, Republic of, Hong Kong, China, Japan") == [
        "Korea, Republic of",
        "Hong Kong, China",
        "Japan",
    ]
    assert split_members("Canada\nMexico; Canada") == ["Canada", "Mexico"]


def test_a_bad_file_is_rejected_whole_naming_file_row_and_column(tmp_path: Path):
    rows = [list(r) for r in IMS_ROWS]
    rows[0][5] = "31/02/2018"  # no such date
    rows[1][8] = "G/TBT/N/GBR/"  # an unfinished symbol
    rows[2][1] = ""  # no title
    path = write_csv(tmp_path / "bad.csv", IMS_HEADER, rows)
    with pytest.raises(InputError) as caught:
        read_concerns(path)
    text = str(caught.value)
    assert f"{path}:2: Dates raised: not a valid date" in text
    assert f"{path}:3: Related notifications:" in text
    assert f"{path}:4: Title: empty for STC 9003" in text


def test_a_missing_required_column_is_named(tmp_path: Path):
    path = write_csv(tmp_path / "no-member.csv", ["IMS ID", "Title"], [["1", "x"]])
    with pytest.raises(InputError, match="Maintaining member: column missing"):
        read_concerns(path)


def test_unknown_files_are_refused(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        read_concerns(tmp_path / "absent.csv")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unknown file type"):
        read_concerns(tmp_path / "x.pdf")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match=r"not a readable \.xlsx"):
        read_concerns(tmp_path / "broken.xlsx")


# ---------------------------------------------------------------------------------------------------------
# Importing, classifying, linking.


def test_import_is_idempotent_and_all_or_nothing(store: Store, ims_csv: Path, tmp_path: Path):
    first = service.import_concerns(store, ims_csv)
    assert (first.read, first.new, first.updated, first.unchanged) == (3, 3, 0, 0)
    again = service.import_concerns(store, ims_csv)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    rows = [list(r) for r in IMS_ROWS]
    rows[2][6] = "many"  # not a count
    rows[0][1] = "A new title"
    with pytest.raises(InputError, match="Number of times raised"):
        service.import_concerns(store, write_csv(tmp_path / "bad.csv", IMS_HEADER, rows))
    assert service.show_concern(store, "9001").summary.title.startswith("Made-up Land")
    rows[2][6] = "3"
    changed = service.import_concerns(store, write_csv(tmp_path / "changed.csv", IMS_HEADER, rows))
    assert (changed.new, changed.updated, changed.unchanged) == (0, 2, 1)


def test_cyber_by_text_and_by_notification(with_notifications: Store, ims_csv: Path):
    report = service.import_concerns(with_notifications, ims_csv)
    assert report.cyber_related == 1  # 9001's title; 9002's says nothing about security
    assert report.linked == 2
    cyber = {c.ims_id: c for c in service.list_concerns(with_notifications, cyber=True)}
    assert set(cyber) == {"9001", "9002"}
    assert cyber["9001"].cyber_basis == ["text", "notification"]
    assert cyber["9002"].cyber_basis == ["notification"]  # G/TBT/N/GBR/36 is cyber-related
    assert cyber["9002"].sector == "iot_consumer"
    assert [c.ims_id for c in service.list_concerns(with_notifications, cyber=False)] == ["9003"]


def test_concern_links_every_document_of_the_measures_it_names(with_notifications: Store, ims_csv: Path):
    service.import_concerns(with_notifications, ims_csv)
    detail = service.show_concern(with_notifications, "ID 9002")
    assert [n.symbol for n in detail.notifications] == ["G/TBT/N/GBR/36", "G/TBT/N/GBR/36/Add.1"]
    assert detail.concern.raising_members == ["China"]
    assert detail.classification["cyber_related"] is False


def test_filters(store: Store, ims_csv: Path):
    service.import_concerns(store, ims_csv)
    assert [c.ims_id for c in service.list_concerns(store, member="KOR")] == ["9001"]
    assert [c.ims_id for c in service.list_concerns(store, member="brazil")] == ["9003"]
    assert [c.ims_id for c in service.list_concerns(store, since=dt.date(2019, 1, 1))] == ["9002", "9003"]
    assert [c.ims_id for c in service.list_concerns(store, until=dt.date(2018, 12, 31))] == ["9001"]
    with pytest.raises(NotFound):
        service.show_concern(store, "12345")


def test_concerns_reach_instruments_through_notifications(bundled_db: Path, tmp_path: Path, ims_csv: Path):
    copy = tmp_path / "bundled.db"
    shutil.copy(bundled_db, copy)
    store = Store(copy, auto_build=False)
    path = tmp_path / "n.jsonl"
    write_jsonl(NOTIFICATIONS, path)
    notifications.import_notifications(store, path)
    service.import_concerns(store, ims_csv)
    detail = service.show_concern(store, "9002")
    assert {"id": "uk-psti", "short_title": "UK PSTI", "via": "G/TBT/N/GBR/36"} in detail.instruments


def test_adapter_gives_the_classifier_a_notification_shape(ims_csv: Path):
    concern = read_concerns(ims_csv)[0]
    as_notification = service.concern_as_notification(concern)
    assert as_notification.symbol == "G/TBT/N/STC/9001"
    assert as_notification.title == concern.title and as_notification.hs_codes == concern.hs_codes
    assert service.classify_concern(concern)["cyber_related"] is True


# ---------------------------------------------------------------------------------------------------------
# Command line (a local app: cli/main.py registers these for real).


def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(..., "--db")) -> None:
        ctx.obj = State(db=db)

    app.add_typer(monitor.concerns_app, name="concerns")
    return app


def test_cli(store: Store, ims_csv: Path, tmp_path: Path):
    db = store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    app = cli_app()
    result = runner.invoke(app, ["--db", db, "concerns", "import", str(ims_csv)])
    assert result.exit_code == 0, result.output
    assert "read 3, new 3" in result.output
    listed = runner.invoke(app, ["--db", db, "concerns", "list", "--cyber", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [c["ims_id"] for c in json.loads(listed.output)] == ["9001"]
    shown = runner.invoke(app, ["--db", db, "concerns", "show", "9001"])
    assert shown.exit_code == 0 and "STC 9001" in shown.output
    missing = runner.invoke(app, ["--db", db, "concerns", "show", "4444"])
    assert missing.exit_code == 3
    bad = write_csv(tmp_path / "bad.csv", ["IMS ID", "Title", "Maintaining member"], [["1", "", "Peru"]])
    failed = runner.invoke(app, ["--db", db, "concerns", "import", str(bad)])
    assert failed.exit_code == 2
