"""Alembic environment: runs on the connection that `cyberreg.store.migrate` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cyberreg.store.schema import Base

config = context.config
target_metadata = Base.metadata
# Full-text indexes (FTS5 tables and their shadow tables) are made by hand in migrations.
_HAND_MADE = ("search_fts", "notification_fts")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(_HAND_MADE))


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
