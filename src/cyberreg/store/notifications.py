"""Writes notifications: adds new ones, updates changed ones, leaves unchanged ones alone.

Idempotent by content: a notification's hash covers every field but where it was read from, so the
same file imported twice (or the same notification from two files) changes nothing.

Bulk writes (the 100,000-row ePing file) go in chunks, so that only one chunk's rows are held at a time.
On SQLite each chunk is one `executemany` per table with the values SQLAlchemy's column types would bind
(the same stored text), the full-text index is filled by one `INSERT ... SELECT`, and a larger page cache
is used while writing; all of it inside the caller's transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select, text

from cyberreg.model.notification import Notification
from cyberreg.store.tables import (
    NotificationCodeRow,
    NotificationFlagRow,
    NotificationInstrumentRow,
    NotificationRow,
    NotificationTextRow,
)

_CHUNK = 500  # symbols in one `IN (...)`
_WRITE_CHUNK = 2000  # notifications built and written at a time
_BULK_CACHE_KIB = 128 * 1024  # SQLite page cache while writing many notifications


@dataclass(frozen=True)
class Classified:
    """A notification with the classification to store beside it."""

    notification: Notification
    cyber_related: bool
    cyber_score: float
    sector: str
    national_security: bool
    flags: Sequence[str]
    detail: dict[str, Any]  # evidence and classifier version, stored as JSON


@dataclass(frozen=True)
class UpsertResult:
    new: int
    updated: int
    unchanged: int


def content_hash(notification: Notification, classification_version: str = "") -> str:
    body = notification.model_dump_json(exclude={"source"})
    return hashlib.sha256((classification_version + "\n" + body).encode()).hexdigest()


def searchable_text(n: Notification) -> str:
    parts = [
        n.symbol,
        n.member,
        n.title,
        n.description,
        n.products,
        " ".join(n.keywords),
        " ".join(n.objectives),
    ]
    return "\n".join(p for p in parts if p)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_hashes(connection: Connection, symbols: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(symbols, 5 * _CHUNK):
        rows = connection.execute(
            select(NotificationRow.symbol, NotificationRow.content_hash).where(
                NotificationRow.symbol.in_(chunk)
            )
        )
        found.update({symbol: digest for symbol, digest in rows})
    return found


def _fts(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def _remove(connection: Connection, symbols: Sequence[str]) -> None:
    for chunk in _chunks(symbols):
        if _fts(connection):
            # External-content FTS5 needs the old text to delete its index entries.
            connection.execute(_delete_fts_statement(len(chunk)), {f"s{i}": s for i, s in enumerate(chunk)})
        connection.execute(delete(NotificationTextRow).where(NotificationTextRow.symbol.in_(chunk)))
        connection.execute(delete(NotificationCodeRow).where(NotificationCodeRow.symbol.in_(chunk)))
        connection.execute(delete(NotificationFlagRow).where(NotificationFlagRow.symbol.in_(chunk)))
        connection.execute(delete(NotificationRow).where(NotificationRow.symbol.in_(chunk)))


def _delete_fts_statement(count: int) -> Any:
    placeholders = ", ".join(f":s{i}" for i in range(count))
    return text(
        "INSERT INTO notification_fts(notification_fts, rowid, body) "  # noqa: S608 - placeholders only
        f"SELECT 'delete', id, body FROM notification_text WHERE symbol IN ({placeholders})"
    )


def _base_symbol(n: Notification) -> str:
    """`n.base_symbol`: for a (canonical) `G/TBT/N/USA/2211/Rev.1/Add.2`, its first five parts."""
    symbol = n.symbol
    if symbol.startswith(("G/TBT/N/", "G/SPS/N/")):
        parts = symbol.split("/", 5)
        if len(parts) >= 5 and parts[4].isdigit() and parts[3].isalpha():
            return "/".join(parts[:5])
    return n.base_symbol


def _rows(
    items: Sequence[Classified], now: dt.datetime, version: str, *, record_json: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows to insert; with `record_json`, each record already serialised (the same JSON object)."""
    rows, codes, flags, texts = [], [], [], []
    for item in items:
        n = item.notification
        rows.append(
            {
                "symbol": n.symbol,
                "base_symbol": _base_symbol(n),
                "area": n.area.value,
                "member": n.member,
                "member_code": n.member_code,
                "distribution_date": n.distribution_date,
                "final_date_for_comments": n.final_date_for_comments,
                "notification_type": n.notification_type,
                "title": n.title,
                "content_hash": content_hash(n, version),
                "cyber_related": item.cyber_related,
                "cyber_score": item.cyber_score,
                "sector": item.sector,
                "national_security": item.national_security,
                "classification": {**item.detail, "flags": list(item.flags)},
                "record": n.model_dump_json() if record_json else n.model_dump(mode="json"),
                "imported_at": now,
                "updated_at": now,
            }
        )
        codes += [{"symbol": n.symbol, "scheme": "HS", "code": c} for c in dict.fromkeys(n.hs_codes)]
        codes += [{"symbol": n.symbol, "scheme": "ICS", "code": c} for c in dict.fromkeys(n.ics_codes)]
        flags += [{"symbol": n.symbol, "flag": f} for f in dict.fromkeys(item.flags)]
        texts.append({"symbol": n.symbol, "body": searchable_text(n)})
    return rows, codes, flags, texts


class _BulkInsert:
    """`INSERT INTO table (columns) VALUES (?, ...)` run with `executemany` on the driver, each value
    converted by its column type's bind processor for the dialect, as SQLAlchemy's own `insert` does
    (`serialised` columns are given as JSON text already)."""

    def __init__(
        self, connection: Connection, table: Table, columns: Sequence[str], serialised: Iterable[str] = ()
    ):
        dialect = connection.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        names = list(compiled.positiontup or [])
        if sorted(names) != sorted(columns):
            raise ValueError(f"unexpected parameters for {table.name}: {names}")
        self.sql = str(compiled)
        self.get = operator.itemgetter(*names)
        self.single = len(names) == 1
        skip = set(serialised)
        self.steps: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(names):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and name not in skip:
                self.steps.append((index, process))

    def run(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        get, steps = self.get, self.steps
        values: list[tuple[Any, ...]]
        if self.single:  # itemgetter of one name gives the value, not a tuple
            process = steps[0][1] if steps else None
            values = [(process(get(row)) if process else get(row),) for row in rows]
        elif not steps:
            values = [get(row) for row in rows]
        else:
            values = []
            for row in rows:
                items = list(get(row))
                for index, process in steps:
                    items[index] = process(items[index])
                values.append(tuple(items))
        connection.exec_driver_sql(self.sql, values)


@contextmanager
def _bulk(connection: Connection, count: int) -> Iterator[None]:
    """For many notifications: a larger SQLite page cache, and no cyclic garbage collection (the rows
    built hold no cycles, and collecting would scan every live notification again and again); both as
    they were afterwards."""
    if count < _WRITE_CHUNK:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    previous = None
    try:
        if connection.dialect.name == "sqlite":
            previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
        yield
    finally:
        if previous is not None:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")
        if collecting:
            gc.enable()


_TABLES: tuple[Table, ...] = tuple(
    cast(Table, row.__table__)
    for row in (NotificationRow, NotificationCodeRow, NotificationFlagRow, NotificationTextRow)
)  # in the order of `_rows`' lists


def _insert(connection: Connection, items: Sequence[Classified], now: dt.datetime, version: str) -> None:
    sqlite = _fts(connection)
    first_new_id = 0
    if sqlite:
        first_new_id = connection.execute(
            text("SELECT coalesce(max(id), 0) FROM notification_text")
        ).scalar_one()
    writers: dict[str, _BulkInsert] = {}
    for chunk in _chunks(items, _WRITE_CHUNK):
        for table, rows in zip(_TABLES, _rows(chunk, now, version, record_json=sqlite), strict=True):
            if not rows:
                continue
            if sqlite:
                writer = writers.get(table.name)
                if writer is None:
                    writer = writers[table.name] = _BulkInsert(connection, table, list(rows[0]), {"record"})
                writer.run(connection, rows)
            else:
                for part in _chunks(rows):
                    connection.execute(insert(table), list(part))
    if sqlite:
        connection.execute(
            text(
                "INSERT INTO notification_fts(rowid, body) "
                "SELECT id, body FROM notification_text WHERE id > :first"
            ),
            {"first": first_new_id},
        )


def upsert_notifications(
    connection: Connection, items: Sequence[Classified], classification_version: str = ""
) -> UpsertResult:
    """Add or update `items` inside the caller's transaction. A symbol seen twice keeps the last."""
    latest = {item.notification.symbol: item for item in items}
    existing = _existing_hashes(connection, list(latest))
    new = [i for s, i in latest.items() if s not in existing]
    changed = [
        i
        for s, i in latest.items()
        if s in existing and existing[s] != content_hash(i.notification, classification_version)
    ]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with _bulk(connection, len(new) + len(changed)):
        if changed:
            _remove(connection, [i.notification.symbol for i in changed])
        if new or changed:
            _insert(connection, new + changed, now, classification_version)
    return UpsertResult(new=len(new), updated=len(changed), unchanged=len(latest) - len(new) - len(changed))


def link_instruments(connection: Connection, links: Iterable[tuple[str, str]], origin: str) -> None:
    """Replace the (symbol, instrument id) links of `origin`."""
    connection.execute(delete(NotificationInstrumentRow).where(NotificationInstrumentRow.origin == origin))
    rows = [{"symbol": s, "instrument_id": i, "origin": origin} for s, i in dict.fromkeys(links)]
    if rows:
        connection.execute(insert(NotificationInstrumentRow), rows)
