"""The handle that services work through: a database URL, its engine, and a fresh schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.orm import Session

from cyberreg.sources.bundled import BUNDLED_DATA, read_directory
from cyberreg.store import migrate
from cyberreg.store.engine import make_engine, resolve_url
from cyberreg.store.tables import BUNDLED, Meta
from cyberreg.store.writer import WriteResult, write_knowledge_base


class Store:
    """One database. Opening it applies pending migrations; with `auto_build`, an empty database
    is first filled from the bundled knowledge base so that every command works on a fresh install."""

    def __init__(self, db: str | Path | None = None, *, auto_build: bool = True):
        self.url = resolve_url(db)
        self.engine: Engine = make_engine(self.url)
        self._ready = False
        self._auto_build = auto_build

    def _prepare(self) -> None:
        if self._ready:
            return
        migrate.upgrade(self.engine)
        self._ready = True
        if self._auto_build and not self.is_built():
            self.build()

    def is_built(self, origin: str = BUNDLED) -> bool:
        if not inspect(self.engine).has_table("meta"):
            return False
        with self.engine.connect() as conn:
            key = f"content_hash:{origin}"
            return conn.execute(select(Meta.value).where(Meta.key == key)).first() is not None

    def build(self, data_dir: Path = BUNDLED_DATA, *, force: bool = False) -> WriteResult:
        """Validate every file first, then replace the bundled rows in one transaction.

        A bad file raises `InputError` before anything is written, so the database is untouched.
        """
        kb = read_directory(data_dir)
        migrate.upgrade(self.engine)
        self._ready = True
        with self.engine.begin() as conn:
            return write_knowledge_base(conn, kb, force=force)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        self._prepare()
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[Session]:
        self._prepare()
        with Session(self.engine) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
