"""The Alembic migrations build exactly the schema the tables declare, and run down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from cyberreg.store import migrate
from cyberreg.store.schema import Base


def test_migrations_match_the_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The FTS5 index and its shadow tables are made by the migration, not declared as tables.
    diff = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith(("search_fts", "notification_fts")))
    ]
    assert diff == []
    assert "search_fts" in inspect(engine).get_table_names()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # a no-op on an up-to-date database
    assert "instruments" in inspect(engine).get_table_names()
