"""Figures on notifications and concerns, the TBT report, and the same figures on the real ePing export.

The generated notifications and concerns are made up for the tests. The real-data counts were checked by
hand: reading `eping-export-example.xlsx` with openpyxl alone (no cyberreg code), its 186 TBT rows hold
184 measures (member and base symbol; addenda whose measure is not in the file count as measures), all
distributed 2-11 June 2025, 40 of them Malawi's and 24 the United States'; 20 name the objective
`National security requirements` (four joint East African Community notifications, five members each).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import monitor
from cyberreg.cli.output import State
from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.reports import tbt as report
from cyberreg.services import analysis, concerns, notifications
from cyberreg.services.store import Store
from cyberreg.sources.eping_json import notifications_from_api, write_jsonl


def make(
    symbol: str, member: str, title: str, date: str, *, objectives: list[str] | None = None, text: str = ""
) -> Notification:
    return Notification(
        symbol=symbol,
        area=symbol.split("/")[1],  # type: ignore[arg-type]
        member=member,
        distribution_date=dt.date.fromisoformat(date),
        title=title,
        description=text or None,
        objectives=objectives or [],
        source=NotificationSource(kind="jsonl", file="fixture.jsonl", row=1),  # type: ignore[arg-type]
    )


NATIONAL = ["National security requirements", "Protection of human health or safety"]
GENERATED = [
    make("G/TBT/N/GBR/36", "United Kingdom", "Cybersecurity of consumer connectable products", "2020-08-24"),
    make("G/TBT/N/GBR/36/Add.1", "United Kingdom", "Cybersecurity of connectable products", "2021-11-30"),
    make("G/TBT/N/USA/2041", "United States of America", "Cybersecurity labelling for IoT", "2023-08-28"),
    make(
        "G/TBT/N/CHN/1500",
        "China",
        "Cybersecurity of network products",
        "2018-03-01",
        objectives=NATIONAL,
        text="Products shall use domestic cryptographic algorithms and be tested in national laboratories.",
    ),
    make(
        "G/TBT/N/IND/218",
        "India",
        "Cybersecurity testing of telecommunication equipment",
        "2019-05-02",
        objectives=NATIONAL,
    ),
    make("G/TBT/N/FRA/1", "France", "Energy labelling of household refrigerators", "2023-01-10"),
    make("G/SPS/N/FRA/2", "France", "Maximum residue limits for pesticides", "2023-01-11"),
    make("G/TBT/N/ABC/1", "Made-up <Land>", "Cybersecurity of smart meters", "2024-02-02"),
]
STCS = (
    "IMS ID,Title,Maintaining member,Raised by,First raised\n"
    "701,China - Cybersecurity law and its implementing measures,China,Japan,2018-03-01\n"
    "702,India - Cybersecurity testing of telecom equipment,India,Canada,2021-06-01\n"
    "703,Peru - Labelling of alcoholic beverages,Peru,Chile,2015-03-01\n"
)


@pytest.fixture
def store(tmp_path: Path, kb_dir: Path) -> Store:
    store = Store(tmp_path / "a.db", auto_build=False)
    store.build(kb_dir)
    path = tmp_path / "n.jsonl"
    write_jsonl(GENERATED, path)
    notifications.import_notifications(store, path)
    (tmp_path / "stc.csv").write_text(STCS)
    concerns.import_concerns(store, tmp_path / "stc.csv")
    return store


def test_notification_figures_count_measures_not_documents(store: Store):
    cyber = analysis.notification_figures(store)
    assert (cyber.measures, cyber.documents) == (5, 6)
    assert cyber.by_year == {"2018": 1, "2019": 1, "2020": 1, "2023": 1, "2024": 1}
    assert cyber.since_count == 3 and cyber.since_share == 0.6
    assert cyber.national_security == 2 and cyber.national_security_share == 0.4
    assert cyber.by_member["United Kingdom"] == 1
    assert cyber.by_objective["National security requirements"] == 2
    assert sum(cyber.by_sector.values()) == 5
    every = analysis.notification_figures(store, cyber=False)
    assert every.measures == 6 and every.by_year["2023"] == 2  # the SPS notification is left out
    both = analysis.notification_figures(store, cyber=False, area=None)
    assert both.measures == 7


def test_until_counts_as_of_a_day(store: Store):
    early = analysis.notification_figures(store, until=dt.date(2019, 12, 31), since=2019)
    assert early.measures == 2 and early.since_count == 1
    stc = analysis.concern_figures(store, until=dt.date(2019, 12, 31))
    assert stc.concerns == 1


def test_concern_figures(store: Store):
    cyber = analysis.concern_figures(store)
    assert cyber.concerns == 2 and cyber.by_year == {"2018": 1, "2021": 1}
    assert cyber.since_share == 1.0
    every = analysis.concern_figures(store, cyber=False, since=2017)
    assert every.concerns == 3 and every.since_count == 2
    assert every.by_raising_member == {"Canada": 1, "Chile": 1, "Japan": 1}


def test_tbt_figures_and_flags(store: Store):
    figures = analysis.tbt_figures(store)
    assert figures.notifications_cyber.measures == 5
    assert figures.flags_by_member["China"] == {
        "local_testing_or_certification": 1,
        "national_crypto_algorithms": 1,
    }
    assert figures.exposure_cyber is None
    assert any("No trade data" in note for note in figures.notes)


def test_report_is_self_contained_and_escapes_text(store: Store):
    figures = analysis.tbt_figures(store)
    page = report.to_html(figures)
    assert page.count("<svg") >= 8
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert re.findall(r"(?:src|href)=\"https?:", page) == []
    assert "Made-up <Land>" not in page and "Made-up &lt;Land&gt;" in page
    embedded = re.search(r'<script type="application/json" id="figures">(.*?)</script>', page, re.S)
    assert embedded and json.loads(embedded.group(1))["notifications_cyber"]["measures"] == 5
    assert json.loads(report.to_json(figures))["concerns_cyber"]["concerns"] == 2


def test_chart_helpers():
    assert report.money(159.8e9) == "USD 159.8 bn" and report.money(None) == "n/a"
    assert report.percent(0.6) == "60%"
    assert "no data" in report.column_chart([], title="Empty")
    svg = report.bar_chart([("a <b>", 3.0)], title="T & U")
    assert "a &lt;b&gt;" in svg and "T &amp; U" in svg


def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(..., "--db")) -> None:
        ctx.obj = State(db=db)

    app.add_typer(monitor.report_app, name="report")
    return app


def test_cli_report(store: Store, tmp_path: Path):
    db = store.url.removeprefix("sqlite:///")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli_app(), ["--db", db, "report", "tbt", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["notifications_cyber"]["measures"] == 5
    assert out.read_text().startswith("<!doctype html>")
    plain = CliRunner().invoke(
        cli_app(), ["--db", db, "report", "tbt", "--out", str(out), "--until", "2019-12-31"]
    )
    assert plain.exit_code == 0 and "2 cyber-related measures" in " ".join(plain.output.split())


# ---------------------------------------------------------------------------------------------------------
# The real ePing export (and the dated records of the real cyber sample).


def real_sample(path: Path) -> list[Notification]:
    """The sample's records that carry their own symbol and a distribution date, as API items."""
    items: list[dict[str, Any]] = []
    for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
        date = record.get("distribution_date") or (record.get("dates_as_seen") or [None])[-1]
        if not record.get("symbol") or not date:
            continue
        items.append(
            {
                "documentSymbol": record["symbol"],
                "notifyingMember": record["notifying_member"],
                "distributionDate": date,
                "title": record.get("title"),
                "description": record.get("description"),
                "productsFreeText": record.get("products_covered"),
                "hsCodes": record.get("hs_codes", []),
                "icsCodes": record.get("ics_codes", []),
                "objectives": record.get("objectives", []),
            }
        )
    return notifications_from_api({"items": items}, file=path.name)


@pytest.mark.shared_data
def test_figures_from_the_real_export(shared_data: Path, tmp_path: Path, kb_dir: Path):
    export = shared_data / "tbt" / "eping-export-example.xlsx"
    sample = shared_data / "tbt" / "real-notifications-sample.json"
    if not export.is_file() or not sample.is_file():
        pytest.skip("the real ePing export or the cyber sample is missing from shared data")
    store = Store(tmp_path / "real.db", auto_build=False)
    store.build(kb_dir)
    notifications.import_notifications(store, export)
    every = analysis.notification_figures(store, cyber=False)
    assert (every.measures, every.documents) == (184, 186)
    assert every.by_year == {"2025": 184}
    assert (every.first_date, every.last_date) == (dt.date(2025, 6, 2), dt.date(2025, 6, 11))
    assert list(every.by_member.items())[:2] == [("Malawi", 40), ("United States of America", 24)]
    assert every.national_security == 20 and every.by_objective["National security requirements"] == 20
    assert analysis.notification_figures(store).measures == 0  # no row of the export reads as cyber

    path = tmp_path / "sample.jsonl"
    write_jsonl(real_sample(sample), path)
    notifications.import_notifications(store, path)
    cyber = analysis.notification_figures(store)
    # GBR/36 (2020), GBR/44 (2021), CHE/270 and VNM/239 (2022), USA/2041 (2023), USA/2139 (2024).
    assert cyber.measures == 6
    assert cyber.by_year == {"2020": 1, "2021": 1, "2022": 2, "2023": 1, "2024": 1}
    assert cyber.by_member == {
        "United Kingdom": 2,
        "United States of America": 2,
        "Switzerland": 1,
        "Viet Nam": 1,
    }
    assert cyber.since_share == 1.0 and cyber.national_security_share == 0.0
    figures = analysis.tbt_figures(store)
    assert figures.notifications_all.measures == 190
    assert "<svg" in report.to_html(figures)
