"""Building the database: idempotent, transactional, and a bad file leaves it untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cyberreg.services.store import Store
from cyberreg.sources.problems import InputError
from cyberreg.store.engine import resolve_url, sqlite_path


def table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("instruments", "requirements", "mappings", "search_documents", "jurisdictions")
        }


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_build_writes_everything(tmp_path: Path, kb_dir: Path) -> None:
    store = Store(tmp_path / "a.db", auto_build=False)
    result = store.build(kb_dir)
    assert result.changed
    assert table_counts(tmp_path / "a.db") == {
        "instruments": 2,
        "requirements": 8,
        "mappings": 3,
        "search_documents": 10,
        "jurisdictions": 3,
    }


def test_build_is_idempotent(tmp_path: Path, kb_dir: Path) -> None:
    store = Store(tmp_path / "a.db", auto_build=False)
    first = store.build(kb_dir)
    before = table_counts(tmp_path / "a.db")
    second = store.build(kb_dir)
    assert not second.changed
    assert second.content_hash == first.content_hash
    assert table_counts(tmp_path / "a.db") == before
    forced = store.build(kb_dir, force=True)
    assert forced.changed
    assert table_counts(tmp_path / "a.db") == before


def test_bad_file_leaves_previous_database_untouched(tmp_path: Path, kb_dir: Path) -> None:
    db = tmp_path / "a.db"
    store = Store(db, auto_build=False)
    store.build(kb_dir)
    before = dump(db)
    path = kb_dir / "instruments" / "beta-regulation.yaml"
    path.write_text(path.read_text().replace("Ban universal default passwords", "Changed title"))
    (kb_dir / "instruments" / "bad.yaml").write_text("instrument: {id: Bad Id}\n")
    with pytest.raises(InputError):
        store.build(kb_dir)
    store.close()
    assert dump(db) == before


def test_changed_data_replaces_old_rows(tmp_path: Path, kb_dir: Path) -> None:
    store = Store(tmp_path / "a.db", auto_build=False)
    store.build(kb_dir)
    (kb_dir / "mappings" / "beta-deemed.yaml").unlink()
    assert store.build(kb_dir).changed
    assert table_counts(tmp_path / "a.db")["mappings"] == 0


def test_auto_build_fills_an_empty_database(tmp_path: Path) -> None:
    from cyberreg.services import catalog

    store = Store(tmp_path / "fresh.db")
    assert len(catalog.list_instruments(store)) >= 25


def test_db_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERREG_DB", str(tmp_path / "env.db"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert sqlite_path("postgresql://u@h/db") is None
    assert sqlite_path("sqlite:///:memory:") is None
