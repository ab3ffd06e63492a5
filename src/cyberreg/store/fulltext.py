"""Full-text search over `search_documents`: FTS5 with BM25 on SQLite, a LIKE fallback elsewhere
until the PostgreSQL tsvector index lands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, column, func, select, text

_TOKEN = re.compile(r"[\w][\w.\-]*", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    entity_id: str
    entity_type: str
    instrument_id: str | None
    title: str
    score: float  # higher is better
    snippet: str


def tokens(query: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(query)]


def rebuild(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_fts(search_fts) VALUES('rebuild')"))


def _fts_query(words: list[str], operator: str) -> str:
    # Each token quoted, so user text can never be read as FTS5 syntax.
    return f" {operator} ".join('"' + w.replace('"', '""') + '"' for w in words)


def search(
    connection: Connection, query: str, candidates: set[str] | None = None, limit: int = 20
) -> list[Hit]:
    """Rank documents for `query`: all words first; if nothing matches all of them, any word.

    `candidates`, when given, restricts results to those entity ids (filters applied by the caller).
    """
    words = tokens(query)
    if not words:
        return []
    if connection.dialect.name != "sqlite":
        return _search_like(connection, words, candidates, limit)
    for operator in ("AND", "OR"):
        hits = _search_fts(connection, _fts_query(words, operator), candidates, limit)
        if hits:
            return hits
    return []


def _search_fts(connection: Connection, match: str, candidates: set[str] | None, limit: int) -> list[Hit]:
    # BM25 column weights: a title match weighs eight times a body match. Group headings rank a
    # little below the provisions they hold (BM25 ranks are negative: nearer zero is worse).
    sql = text(
        "SELECT d.entity_id, d.entity_type, d.instrument_id, d.title, "
        "bm25(search_fts, 8.0, 1.0) * (CASE d.entity_type WHEN 'group' THEN 0.7 ELSE 1.0 END) AS rank, "
        "snippet(search_fts, 1, '[', ']', ' … ', 12) AS snip "
        "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid "
        "WHERE search_fts MATCH :match ORDER BY rank, d.entity_id"
    )
    hits = []
    for row in connection.execute(sql, {"match": match}):
        if candidates is not None and row.entity_id not in candidates:
            continue
        hits.append(
            Hit(row.entity_id, row.entity_type, row.instrument_id, row.title, -float(row.rank), row.snip)
        )
        if len(hits) >= limit:
            break
    return hits


def _search_like(
    connection: Connection, words: list[str], candidates: set[str] | None, limit: int
) -> list[Hit]:
    rows = connection.execute(
        text("SELECT entity_id, entity_type, instrument_id, title, body FROM search_documents")
    )
    scored = []
    for row in rows:
        if candidates is not None and row.entity_id not in candidates:
            continue
        title, body = row.title.lower(), row.body.lower()
        score = sum(8.0 * title.count(w) + body.count(w) for w in words)
        if score:
            scored.append(Hit(row.entity_id, row.entity_type, row.instrument_id, row.title, score, ""))
    scored.sort(key=lambda h: (-h.score, h.entity_id))
    return scored[:limit]


def notifications_matching(dialect: str, query: str) -> Any:
    """A subquery of the symbols of notifications whose text has every word of `query`, for use in
    `symbol IN (...)` (FTS5 on SQLite; LIKE elsewhere until the tsvector index lands)."""
    from cyberreg.store.tables import NotificationTextRow

    words = tokens(query) or [""]
    if dialect != "sqlite":
        return select(NotificationTextRow.symbol).where(
            *[func.lower(NotificationTextRow.body).like(f"%{w}%") for w in words]
        )
    return (
        text(
            "SELECT t.symbol FROM notification_fts JOIN notification_text t ON t.id = notification_fts.rowid "
            "WHERE notification_fts MATCH :match"
        )
        .bindparams(match=_fts_query(words, "AND"))
        .columns(column("symbol", String))
    )


def search_notifications(connection: Connection, query: str) -> list[str]:
    """Symbols of notifications whose text has every word of `query`."""
    if not tokens(query):
        return []
    return [
        str(s) for s in connection.execute(notifications_matching(connection.dialect.name, query)).scalars()
    ]
