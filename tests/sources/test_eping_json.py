"""ePing API JSON items -> Notification; our JSON lines and CSV both ways; the real cyber sample."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyberreg.model.notification import Notification, NotificationSource, SourceKind
from cyberreg.monitor.symbols import Area, SymbolError, parse_symbol
from cyberreg.sources.eping_json import (
    CSV_COLUMNS,
    api_items,
    iter_jsonl,
    notification_from_api,
    notification_to_row,
    notifications_from_api,
    read_api_json,
    read_csv,
    read_jsonl,
    write_csv,
    write_jsonl,
)
from cyberreg.sources.problems import InputError


def api_item(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": 123456,
        "documentSymbol": "G/TBT/N/GBR/36",
        "area": "TBT",
        "notificationType": "Regular notification",
        "notifyingMember": "United Kingdom",
        "notifyingMemberCode": "GBR",
        "distributionDate": "2020-08-24T00:00:00",
        "commentDeadlineDate": "2020-10-23T00:00:00",
        "proposedAdoptionDate": None,
        "proposedEntryIntoForceDate": "0001-01-01T00:00:00",
        "title": "<p>Consumer <b>IoT</b> security</p>",
        "titlePlain": "Consumer IoT security",
        "description": "<p>Policy &amp; proposals</p>",
        "descriptionPlain": None,
        "productsFreeText": "Consumer IoT products",
        "hsCodes": [
            {"id": 1, "code": "84", "name": "Machinery"},
            {"id": 2, "code": "85", "name": "Electrical"},
        ],
        "icsCodes": ["33.180 - Fibre optic communications", {"code": "97.030", "name": "Home electronics"}],
        "keywords": [{"id": 5, "name": "Consumer information"}, "Cybersecurity", "Cybersecurity"],
        "objectives": [
            {"id": 1, "name": "Consumer information, labelling (TBT)"},
            {"id": 2, "name": "Other"},
        ],
        "countriesAffected": [],
        "linkToNotification": "https://docs.wto.org/dol2fe/Pages/SS/directdoc.aspx?filename=q:/G/TBTN20/GBR36.pdf",
    }
    item.update(overrides)
    return item


def test_api_item_to_notification():
    found = notification_from_api(api_item())
    assert found.symbol == "G/TBT/N/GBR/36" and found.area is Area.TBT and found.member_code == "GBR"
    assert found.member == "United Kingdom"
    assert found.distribution_date == dt.date(2020, 8, 24)
    assert found.final_date_for_comments == dt.date(2020, 10, 23)
    assert found.proposed_adoption_date is None and found.proposed_entry_into_force_date is None
    assert found.title == "Consumer IoT security"
    assert found.description == "Policy & proposals"
    assert found.hs_codes == ["84", "85"] and found.ics_codes == ["33.180", "97.030"]
    assert found.keywords == ["Consumer information", "Cybersecurity"]
    assert found.objectives == ["Consumer information, labelling", "Other"]
    assert found.links == {
        "en": "https://docs.wto.org/dol2fe/Pages/SS/directdoc.aspx?filename=q:/G/TBTN20/GBR36.pdf"
    }
    assert found.source == NotificationSource(kind=SourceKind.EPING_API, id="123456")


def test_api_tolerates_other_value_shapes():
    found = notification_from_api(
        api_item(
            area=2,
            documentSymbol=" g/sps/n/jpn/1345/add.1",
            notifyingMember={"name": "Japan"},
            notifyingMemberCode="C392",
            distributionDate="11/06/2025",
            commentDeadlineDate="",
            proposedAdoptionDate="To be determined",
            titlePlain=None,
            keywords="Food safety; Animal health",
            objectives=["Food safety (SPS)"],
            countriesAffected=[{"name": "France, Guadeloupe Islands"}],
            hsCodes=["0406 - Cheese; curd"],
            icsCodes=None,
            linkToNotification={"EN": "https://x.org/e.pdf", "fr": "https://x.org/f.pdf"},
        ),
        language="en",
    )
    assert found.area is Area.SPS and found.symbol == "G/SPS/N/JPN/1345/Add.1"
    assert found.member_code == "JPN"  # from the symbol; the API's numeric code is not a symbol code
    assert found.distribution_date == dt.date(2025, 6, 11) and found.final_date_for_comments is None
    assert found.date_notes == {"proposed_adoption_date": "To be determined"}
    assert found.title == "Consumer IoT security"  # HTML `title` stripped when no `titlePlain`
    assert found.keywords == ["Food safety", "Animal health"] and found.objectives == ["Food safety"]
    assert found.regions_affected == ["France, Guadeloupe Islands"]
    assert found.hs_codes == ["0406"] and found.ics_codes == []
    assert found.links == {"en": "https://x.org/e.pdf", "fr": "https://x.org/f.pdf"}


def test_api_joint_notification_picks_the_members_symbol():
    found = notification_from_api(
        api_item(
            documentSymbol="G/TBT/N/BDI/608, G/TBT/N/KEN/1808",
            notifyingMember="Kenya",
            notifyingMemberCode="",
        )
    )
    assert found.symbol == "G/TBT/N/KEN/1808" and found.member_code == "KEN" and len(found.symbols) == 2


def test_api_page_problems_name_file_item_and_field():
    page = {
        "items": [
            api_item(),
            api_item(documentSymbol="GBR/44 (WTO/TBT)"),
            api_item(distributionDate=None, hsCodes=["Telephones"]),
            api_item(area="SPS"),
        ],
        "totalCount": 4,
        "currentPage": 1,
        "pageSize": 50,
    }
    with pytest.raises(InputError) as caught:
        notifications_from_api(page, file="page1.json")
    located = [(p.file, p.field) for p in caught.value.problems]
    assert located == [
        ("page1.json", "items[1].documentSymbol"),
        ("page1.json", "items[2].distributionDate"),
        ("page1.json", "items[2].hsCodes"),
        ("page1.json", "items[3]"),
    ]
    assert "area SPS does not match symbol" in caught.value.problems[-1].message
    assert len(notifications_from_api({"items": [api_item()], "totalCount": 1})) == 1
    assert api_items([{"items": [1, 2]}, {"items": [3]}]) == [1, 2, 3]


def test_read_api_json_file(tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"items": [api_item()], "totalCount": 1, "currentPage": 1, "pageSize": 50}))
    (found,) = read_api_json(path)
    assert found.source.file == str(path) and found.source.id == "123456"
    path.write_text('{"items": [\n  {"id": 1,\n')
    with pytest.raises(InputError) as caught:
        read_api_json(path)
    assert caught.value.problems[0].line == 3 and "not JSON" in caught.value.problems[0].message
    path.write_text('{"results": []}')
    with pytest.raises(InputError, match="not an ePing API answer"):
        read_api_json(path)


# Our own files.


def sample_notifications() -> list[Notification]:
    return [
        notification_from_api(api_item()),
        Notification(
            symbol="G/TBT/N/KEN/1808",
            symbols=["G/TBT/N/BDI/608", "G/TBT/N/KEN/1808"],
            area=Area.TBT,
            member="Kenya",
            member_code="KEN",
            distribution_date=dt.date(2025, 6, 9),
            proposed_adoption_date=None,
            date_notes={"proposed_adoption_date": "To be determined"},
            title='Fortified wheat flour, "Specification"; amendment',
            description='Line one,\nline two; with "quotes" and ü\n\nand a paragraph',
            hs_codes=["8517", "851762"],
            ics_codes=["67.060"],
            objectives=["Consumer information, labelling"],
            keywords=["Human health"],
            regions_affected=["France, Guadeloupe Islands"],
            notified_document="https://a.org/1.pdf\nhttps://a.org/2.pdf",
            links={"en": "https://a.org/e", "es": "https://a.org/s"},
            language="en",
            source=NotificationSource(kind=SourceKind.EPING_WORKBOOK, file="export.xlsx", row=23),
        ),
    ]


def test_jsonl_round_trip(tmp_path):
    items = sample_notifications()
    path = tmp_path / "notifications.jsonl"
    assert write_jsonl(items, path) == 2
    assert read_jsonl(path) == items


def test_csv_round_trip(tmp_path):
    items = sample_notifications()
    path = tmp_path / "notifications.csv"
    assert write_csv(items, path) == 2
    assert read_csv(path) == items
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert tuple(header) == CSV_COLUMNS and "source_row" in header and "source" not in header
    row = notification_to_row(items[1])
    assert (
        row["hs_codes"] == '["8517", "851762"]'
        and row["source_row"] == "23"
        and row["final_date_for_comments"] == ""
    )


def test_jsonl_problems_name_line_and_field(tmp_path):
    good = sample_notifications()[0].model_dump_json()
    bad_code = json.loads(good) | {"hs_codes": ["85.17"]}
    unknown = json.loads(good) | {"colour": "blue"}
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([good, json.dumps(bad_code), "{not json", "", json.dumps(unknown)]) + "\n")
    with pytest.raises(InputError) as caught:
        read_jsonl(path)
    assert [(p.line, p.field, p.message) for p in caught.value.problems][1:] == [
        (3, None, "not a JSON object"),
        (5, "colour", "unknown field"),
    ]
    assert (caught.value.problems[0].line, caught.value.problems[0].field) == (2, "hs_codes.0")
    problems: list = []
    assert len(list(iter_jsonl(path, problems))) == 1 and len(problems) == 3


def test_csv_problems_name_record_start_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(sample_notifications(), path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # Record 2 spans several lines (text with line breaks); break its date and its source kind.
    broken = "".join(lines).replace("2025-06-09", "2025-02-30").replace("eping-workbook", "spreadsheet")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (3, "distribution_date"),
        (3, "source_kind"),
    ]

    path.write_text("symbol,area,member,distribution_date,colour\n", encoding="utf-8")
    with pytest.raises(InputError) as header:
        read_csv(path)
    assert [(p.line, p.field, p.message) for p in header.value.problems] == [(1, "colour", "unknown column")]

    write_csv(sample_notifications()[:1], path)
    text = path.read_text(encoding="utf-8")
    assert '"[""84"", ""85""]"' in text
    path.write_text(text.replace('"[""84"", ""85""]"', '"[84,"'), encoding="utf-8")
    with pytest.raises(InputError) as column:
        read_csv(path)
    assert [(p.line, p.field) for p in column.value.problems] == [(2, "hs_codes")]


def test_missing_files(tmp_path):
    for reader in (read_csv, read_jsonl):
        with pytest.raises(InputError, match="cannot read"):
            reader(tmp_path / "absent")


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n,;\"'"), max_size=40
)
words = st.text(alphabet="abcdefghij ,", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=texts,
    description=st.none() | texts.filter(bool),
    keywords=st.lists(words, max_size=3),
    hs=st.lists(st.from_regex(r"\d{2}(\d{2}){0,2}", fullmatch=True), max_size=3),
    day=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_csv_and_jsonl_round_trip_any_text(tmp_path, title, description, keywords, hs, day):
    item = Notification(
        symbol="G/TBT/N/USA/1/Add.1",
        area=Area.TBT,
        member="United States of America",
        distribution_date=day,
        title=title,
        description=description,
        keywords=keywords,
        hs_codes=hs,
        source=NotificationSource(kind=SourceKind.MANUAL),
    )
    write_csv([item], tmp_path / "x.csv")
    write_jsonl([item], tmp_path / "x.jsonl")
    assert read_csv(tmp_path / "x.csv") == [item]
    assert read_jsonl(tmp_path / "x.jsonl") == [item]


# The real data, when the shared folder is present.


def shared_data() -> Path:
    env = os.environ.get("CYBERREG_SHARED_DATA")
    return Path(env) if env else (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()


def shared_file(name: str) -> Path:
    path = shared_data() / "tbt" / name
    if not path.is_file():
        pytest.skip(
            f"real data {name} not found at {path} (set CYBERREG_SHARED_DATA to the shared data folder)"
        )
    return path


def as_api_item(record: dict) -> dict:
    """A hand-extracted form record (fields named after the form boxes) in the API item shape."""
    return {
        "documentSymbol": record["symbol"],
        "notifyingMember": record["notifying_member"],
        "distributionDate": record["distribution_date"],
        "commentDeadlineDate": record.get("final_date_for_comments"),
        "proposedAdoptionDate": record.get("proposed_adoption"),
        "proposedEntryIntoForceDate": record.get("proposed_entry_into_force"),
        "title": record.get("title"),
        "description": record.get("description"),
        "productsFreeText": record.get("products_covered"),
        "hsCodes": record.get("hs_codes", []),
        "icsCodes": record.get("ics_codes", []),
        "objectives": record.get("objectives", []),
    }


@pytest.mark.shared_data
def test_real_cyber_sample(tmp_path):
    records = json.loads(shared_file("real-notifications-sample.json").read_text(encoding="utf-8"))["records"]
    assert len(records) == 7
    with_symbol = [r for r in records if r["symbol"]]
    assert [str(parse_symbol(r["symbol"]).base) for r in with_symbol] == [
        "G/TBT/N/GBR/36",
        "G/TBT/N/GBR/44",
        "G/TBT/N/USA/2041",
        "G/TBT/N/USA/2139",
        "G/TBT/N/CHE/270",
        "G/TBT/N/VNM/239",
    ]
    with pytest.raises(SymbolError):
        parse_symbol(records[1]["symbol_as_seen"])  # "GBR/44 (WTO/TBT)" lacks the prefix
    india = records[5]
    assert india["symbol"] is None
    assert parse_symbol(india["related_symbols"][1].split(" (")[0]).member == "IND"
    with pytest.raises(SymbolError):
        parse_symbol("G/TBT/IND66")  # as the mirror wrote it

    dated = [as_api_item(r) for r in records if r["symbol"] and r.get("distribution_date")]
    found = notifications_from_api({"items": dated}, file="real-notifications-sample.json")
    by_symbol = {n.symbol: n for n in found}
    assert set(by_symbol) == {
        "G/TBT/N/GBR/36",
        "G/TBT/N/USA/2041",
        "G/TBT/N/USA/2139",
        "G/TBT/N/CHE/270",
        "G/TBT/N/VNM/239",
    }
    assert by_symbol["G/TBT/N/GBR/36"].hs_codes == ["84", "85"]
    assert by_symbol["G/TBT/N/GBR/36"].ics_codes == ["33.180", "33.040.40", "97.030"]
    assert (
        by_symbol["G/TBT/N/CHE/270"].ics_codes == ["33"] and by_symbol["G/TBT/N/CHE/270"].member_code == "CHE"
    )
    aviation = by_symbol["G/TBT/N/USA/2139"]
    assert aviation.final_date_for_comments == dt.date(2024, 10, 21)
    assert aviation.date_notes == {
        "proposed_adoption_date": "To be determined",
        "proposed_entry_into_force_date": "To be determined",
    }
    assert by_symbol["G/TBT/N/USA/2041"].objectives[0] == "Consumer information, labelling"
    write_csv(found, tmp_path / "cyber.csv")
    write_jsonl(found, tmp_path / "cyber.jsonl")
    assert read_csv(tmp_path / "cyber.csv") == found == read_jsonl(tmp_path / "cyber.jsonl")


@pytest.mark.shared_data
def test_real_export_round_trips_through_our_files(tmp_path):
    from cyberreg.sources.eping_workbook import read_workbook

    found = read_workbook(shared_file("eping-export-example.xlsx"))
    assert write_csv(found, tmp_path / "all.csv") == 229
    assert write_jsonl(found, tmp_path / "all.jsonl") == 229
    assert read_csv(tmp_path / "all.csv") == found
    assert read_jsonl(tmp_path / "all.jsonl") == found
