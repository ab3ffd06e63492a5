"""The cyber classifier on real notifications: the ePing export (229 rows) and the 7-row cyber sample.

Labels are ours (tests/fixtures/tbt-gold-labels.csv). These rows were read while labelling and the rules
were written by the same hand, so this is a labelled development set, not a held-out test; the first run
(before any change prompted by these rows) gave F1 0.933 (TP 7, FP 0, FN 1) and sector 5/7.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cyberreg.model.notification import Notification
from cyberreg.monitor.classify import Sector, classify_all
from cyberreg.monitor.evaluate import Evaluation, evaluate, read_gold_labels
from cyberreg.sources.eping_json import notifications_from_api
from cyberreg.sources.eping_workbook import read_workbook

pytestmark = pytest.mark.shared_data

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "tbt-gold-labels.csv"
# The sample's India record lacks its own symbol (a revision of G/TBT/N/IND/218): keyed by the measure.
SAMPLE_SYMBOL_FALLBACK = "G/TBT/N/IND/218"


def shared_file(shared_data: Path, name: str) -> Path:
    path = shared_data / "tbt" / name
    if not path.is_file():
        pytest.skip(f"real data file not found: {path}")
    return path


def sample_notifications(path: Path) -> list[Notification]:
    """The sample's records as API items; a record with no distribution date takes the last date seen."""
    items: list[dict[str, Any]] = []
    for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
        date = record.get("distribution_date") or (record.get("dates_as_seen") or [None])[-1]
        items.append(
            {
                "documentSymbol": record["symbol"] or SAMPLE_SYMBOL_FALLBACK,
                "notifyingMember": record["notifying_member"],
                "distributionDate": date or "2000-01-01",
                "title": record.get("title"),
                "description": record.get("description"),
                "productsFreeText": record.get("products_covered"),
                "hsCodes": record.get("hs_codes", []),
                "icsCodes": record.get("ics_codes", []),
                "objectives": record.get("objectives", []),
            }
        )
    return notifications_from_api({"items": items}, file=path.name)


@pytest.fixture
def real(shared_data: Path) -> list[Notification]:
    export = read_workbook(shared_file(shared_data, "eping-export-example.xlsx"))
    return export + sample_notifications(shared_file(shared_data, "real-notifications-sample.json"))


@pytest.fixture
def report(real: list[Notification]) -> Evaluation:
    return evaluate(classify_all(real), read_gold_labels(GOLD))


def test_every_real_notification_is_labelled(real, report):
    assert len(real) == 236
    assert report.unlabelled == [] and report.missing == []


def test_f1_on_real_notifications(report):
    assert report.confusion.f1 >= 0.90, report.summary()
    assert report.confusion.tp + report.confusion.fn == 8


def test_no_hard_negative_read_as_cyber(report):
    assert report.hard_negatives == 39
    assert report.hard_negative_false_positives == [], report.summary()


def test_sector_of_true_positives(report):
    assert report.sector_total >= 7
    assert report.sector_correct / report.sector_total >= 0.85, report.summary()


def test_sps_notifications_are_never_cyber(real):
    sps = [n for n in real if n.area.value == "SPS"]
    assert len(sps) == 43
    assert not any(result.cyber_related for result in classify_all(sps))


def test_national_security_objective_is_read_but_is_not_cyber(real):
    cited = [n for n in real if any("national security" in o.lower() for o in n.objectives)]
    assert len(cited) == 20
    results = classify_all(cited)
    assert all(r.national_security and not r.cyber_related for r in results)
    assert all(r.sector is Sector.NONE for r in results)


def test_real_cyber_decisions_carry_evidence(real):
    for result in classify_all(real):
        if result.cyber_related:
            assert any(e.weight > 0 for e in result.evidence), result.explain()
