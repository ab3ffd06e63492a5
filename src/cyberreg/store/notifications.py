"""Writes notifications: adds new ones, updates changed ones, leaves unchanged ones alone.

Idempotent by content: a notification's hash covers every field but where it was read from, so the
same file imported twice (or the same notification from two files) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from cyberreg.model.notification import Notification
from cyberreg.store.tables import (
    NotificationCodeRow,
    NotificationFlagRow,
    NotificationInstrumentRow,
    NotificationRow,
    NotificationTextRow,
)

_CHUNK = 500


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
    for chunk in _chunks(symbols):
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


def _insert(connection: Connection, items: Sequence[Classified], now: dt.datetime, version: str) -> None:
    rows, codes, flags, texts = [], [], [], []
    for item in items:
        n = item.notification
        rows.append(
            {
                "symbol": n.symbol,
                "base_symbol": n.base_symbol,
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
                "record": n.model_dump(mode="json"),
                "imported_at": now,
                "updated_at": now,
            }
        )
        codes += [{"symbol": n.symbol, "scheme": "HS", "code": c} for c in dict.fromkeys(n.hs_codes)]
        codes += [{"symbol": n.symbol, "scheme": "ICS", "code": c} for c in dict.fromkeys(n.ics_codes)]
        flags += [{"symbol": n.symbol, "flag": f} for f in dict.fromkeys(item.flags)]
        texts.append({"symbol": n.symbol, "body": searchable_text(n)})
    for chunk in _chunks(rows):
        connection.execute(insert(NotificationRow), list(chunk))
    for chunk in _chunks(codes):
        connection.execute(insert(NotificationCodeRow), list(chunk))
    for chunk in _chunks(flags):
        connection.execute(insert(NotificationFlagRow), list(chunk))
    first_new_id = connection.execute(text("SELECT coalesce(max(id), 0) FROM notification_text")).scalar_one()
    for chunk in _chunks(texts):
        connection.execute(insert(NotificationTextRow), list(chunk))
    if _fts(connection):
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
