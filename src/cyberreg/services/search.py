"""One search across instruments and requirements, with filters."""

from __future__ import annotations

from sqlalchemy import select

from cyberreg.services.catalog import instrument_ids
from cyberreg.services.store import Store
from cyberreg.services.views import SearchResult
from cyberreg.store import fulltext
from cyberreg.store.tables import RequirementRow, RequirementTopicRow


def search(
    store: Store,
    text: str,
    *,
    kind: str | None = None,
    jurisdiction: str | None = None,
    topic: str | None = None,
    limit: int = 20,
) -> list[SearchResult]:
    """Ranked matches for `text`. `kind` and `jurisdiction` filter by instrument (a country also
    matches the unions it belongs to); `topic` keeps only requirements on that topic. A requirement
    repeated word for word in sibling instruments (EN 18031-1, -2 and -3 share many) is listed once,
    with the others in `also_in`."""
    candidates: set[str] | None = None
    with store.session() as session:
        if kind or jurisdiction:
            allowed = set(instrument_ids(session, kind=kind, jurisdiction=jurisdiction))
            requirements = session.scalars(
                select(RequirementRow.id).where(RequirementRow.instrument_id.in_(allowed))
            )
            candidates = allowed | set(requirements)
        if topic:
            on_topic = set(
                session.scalars(
                    select(RequirementTopicRow.requirement_id).where(RequirementTopicRow.topic == topic)
                )
            )
            candidates = on_topic if candidates is None else candidates & on_topic
        # Fetch extra hits: identical requirements shared by sibling instruments collapse into one.
        hits = fulltext.search(session.connection(), text, candidates, limit * 4)
    results: list[SearchResult] = []
    seen: dict[tuple[str, str], SearchResult] = {}
    for h in hits:
        key = (h.entity_id.partition(":")[2], h.title)
        if h.entity_type != "instrument" and key in seen:
            seen[key].also_in.append(h.entity_id)
            continue
        result = SearchResult(
            id=h.entity_id,
            type=h.entity_type,
            instrument=h.instrument_id,
            title=h.title,
            score=round(h.score, 4),
            snippet=h.snippet,
        )
        if len(results) < limit:
            results.append(result)
            seen[key] = result
    return results
