"""Importing, listing and showing notifications through the service layer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.services import notifications as service
from cyberreg.services.catalog import NotFound
from cyberreg.services.store import Store
from cyberreg.sources.eping_json import write_jsonl
from cyberreg.sources.problems import InputError


def make(
    symbol: str,
    title: str,
    *,
    date: str = "2024-05-01",
    hs: list[str] | None = None,
    description: str | None = None,
    objectives: list[str] | None = None,
) -> Notification:
    member = symbol.split("/")[3]
    return Notification(
        symbol=symbol,
        area="TBT",
        member=member,
        member_code=member,  # type: ignore[arg-type]
        distribution_date=dt.date.fromisoformat(date),
        title=title,
        description=description,
        hs_codes=hs or [],
        objectives=objectives or [],
        source=NotificationSource(kind="jsonl", file="fixture.jsonl", row=1),  # type: ignore[arg-type]
    )


FIXTURE = [
    make(
        "G/TBT/N/GBR/36",
        "Cyber security requirements for consumer connectable products",
        date="2020-08-24",
        hs=["8517"],
        description="Security requirements for consumer IoT devices.",
    ),
    make(
        "G/TBT/N/GBR/36/Add.1",
        "Cyber security of consumer connectable products: draft regulations",
        date="2021-11-30",
        hs=["8517"],
    ),
    make("G/TBT/N/FRA/1", "Energy labelling of household refrigerators", date="2023-01-10", hs=["8418"]),
    make(
        "G/TBT/N/USA/2041",
        "Cybersecurity labeling for Internet of Things devices",
        date="2023-08-28",
        description="Voluntary cybersecurity labelling programme for IoT products.",
    ),
]


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "n.jsonl"
    write_jsonl(FIXTURE, path)
    return path


@pytest.fixture
def store(tmp_path: Path, kb_dir: Path) -> Store:
    store = Store(tmp_path / "n.db", auto_build=False)
    store.build(kb_dir)
    return store


def test_import_is_idempotent(store: Store, jsonl: Path) -> None:
    first = service.import_notifications(store, jsonl)
    assert (first.read, first.new, first.updated, first.unchanged) == (4, 4, 0, 0)
    again = service.import_notifications(store, jsonl)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 4)


def test_changed_rows_are_updated(store: Store, jsonl: Path, tmp_path: Path) -> None:
    service.import_notifications(store, jsonl)
    changed = [
        *FIXTURE[:3],
        make("G/TBT/N/USA/2041", "Cybersecurity labeling for IoT (revised title)", date="2023-08-28"),
    ]
    path = tmp_path / "changed.jsonl"
    write_jsonl(changed, path)
    report = service.import_notifications(store, path)
    assert (report.new, report.updated, report.unchanged) == (0, 1, 3)
    assert service.show_notification(store, "G/TBT/N/USA/2041").summary.title.endswith("(revised title)")
    # The old title is gone from the full-text index, the new one is in it.
    assert service.list_notifications(store, service.NotificationFilter(text="revised")).total == 1


def test_corrupt_file_leaves_the_database_as_it_was(store: Store, jsonl: Path, tmp_path: Path) -> None:
    service.import_notifications(store, jsonl)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl.read_text().splitlines()[0] + "\n{not json\n")
    with pytest.raises(InputError):
        service.import_notifications(store, bad)
    assert service.list_notifications(store).total == 4
    pdf = tmp_path / "x.pdf"
    pdf.write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        service.import_notifications(store, pdf)


def test_filters(store: Store, jsonl: Path) -> None:
    service.import_notifications(store, jsonl)
    f = service.NotificationFilter
    assert service.list_notifications(store).total == 4
    assert {n.symbol for n in service.list_notifications(store, f(member="GBR")).items} == {
        "G/TBT/N/GBR/36",
        "G/TBT/N/GBR/36/Add.1",
    }
    assert service.list_notifications(store, f(hs="85")).total == 2
    assert service.list_notifications(store, f(hs="8418")).total == 1
    assert service.list_notifications(store, f(since=dt.date(2023, 1, 1))).total == 2
    assert service.list_notifications(store, f(text="refrigerators")).items[0].symbol == "G/TBT/N/FRA/1"
    page = service.list_notifications(store, limit=2, offset=2)
    assert page.total == 4 and len(page.items) == 2
    assert [n.date for n in service.list_notifications(store).items] == sorted(
        (n.date for n in service.list_notifications(store).items), reverse=True
    )


def test_classification_is_stored(store: Store, jsonl: Path) -> None:
    service.import_notifications(store, jsonl)
    cyber = {
        n.symbol for n in service.list_notifications(store, service.NotificationFilter(cyber=True)).items
    }
    assert "G/TBT/N/USA/2041" in cyber
    assert "G/TBT/N/FRA/1" not in cyber
    detail = service.show_notification(store, "G/TBT/N/USA/2041")
    assert detail.summary.cyber_score > 0.5
    assert detail.classification["evidence"]


def test_show_groups_follow_ups(store: Store, jsonl: Path) -> None:
    service.import_notifications(store, jsonl)
    detail = service.show_notification(store, "g/tbt/n/gbr/36/add 1")
    assert [f.symbol for f in detail.follow_ups] == ["G/TBT/N/GBR/36", "G/TBT/N/GBR/36/Add.1"]
    with pytest.raises(NotFound):
        service.show_notification(store, "G/TBT/N/GBR/999")
    with pytest.raises(NotFound):
        service.show_notification(store, "not a symbol")


def test_real_export_imports_twice_without_change(tmp_path: Path, shared_data: Path) -> None:
    store = Store(tmp_path / "real.db", auto_build=False)
    workbook = shared_data / "tbt" / "eping-export-example.xlsx"
    first = service.import_notifications(store, workbook)
    assert (first.read, first.new) == (229, 229)
    again = service.import_notifications(store, workbook)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 229)
    telecom = service.list_notifications(store, service.NotificationFilter(member="IND", hs="8517"))
    assert "G/TBT/N/IND/368" in {n.symbol for n in telecom.items}
