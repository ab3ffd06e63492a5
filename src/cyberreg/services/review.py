"""Suggested mappings: stored apart from curated ones, and curated only once someone accepts them.

A suggestion is a mapping with provenance `suggested` and review state `proposed`. The crosswalk
engine reads accepted mappings only, so a suggestion changes no coverage until it is accepted.
Accepting or rejecting records who and when; a decided suggestion is never overwritten by a later
run of the matcher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import Connection, and_, delete, insert, select, update

from cyberreg.model import Mapping, Provenance, ReviewState
from cyberreg.services.catalog import REVIEW_COUNTER, NotFound
from cyberreg.services.store import Store
from cyberreg.services.views import MappingView
from cyberreg.store.tables import MappingRow, Meta

ORIGIN = "suggested"


class StoreResult(BaseModel):
    added: int
    replaced: int
    kept_decided: int


def _bump(conn: Connection) -> None:
    """Move the review counter, so that cached graphs see the change."""
    current = conn.execute(select(Meta.value).where(Meta.key == REVIEW_COUNTER)).scalar_one_or_none()
    conn.execute(delete(Meta).where(Meta.key == REVIEW_COUNTER))
    conn.execute(insert(Meta).values(key=REVIEW_COUNTER, value=str(int(current or 0) + 1)))


def store_suggestions(store: Store, suggestions: Iterable[Mapping]) -> StoreResult:
    """Add suggestions; a proposed one on the same pair is replaced, a decided one is kept."""
    added = replaced = kept = 0
    with store.connect() as conn, conn.begin():
        for m in suggestions:
            if m.provenance is not Provenance.SUGGESTED or m.review_state is not ReviewState.PROPOSED:
                raise ValueError(f"{m.source} -> {m.target}: a suggestion must be `suggested` and `proposed`")
            where = and_(
                MappingRow.source_id == m.source,
                MappingRow.target_id == m.target,
                MappingRow.provenance == Provenance.SUGGESTED.value,
            )
            existing = conn.execute(select(MappingRow.id, MappingRow.review_state).where(where)).first()
            values = {
                "relationship": m.relationship.value,
                "strength": m.strength,
                "record": m.model_dump(mode="json"),
                "review_state": m.review_state.value,
            }
            if existing is None:
                conn.execute(
                    insert(MappingRow).values(
                        source_id=m.source,
                        target_id=m.target,
                        provenance=m.provenance.value,
                        joint=None,
                        origin=ORIGIN,
                        version=1,
                        **values,
                    )
                )
                added += 1
            elif existing.review_state == ReviewState.PROPOSED.value:
                conn.execute(
                    update(MappingRow)
                    .where(MappingRow.id == existing.id)
                    .values(version=MappingRow.version + 1, **values)
                )
                replaced += 1
            else:
                kept += 1
        _bump(conn)
    return StoreResult(added=added, replaced=replaced, kept_decided=kept)


def list_suggestions(
    store: Store, state: ReviewState | None = ReviewState.PROPOSED, instrument: str | None = None
) -> list[MappingView]:
    with store.session() as session:
        query = select(MappingRow.record).where(MappingRow.provenance == Provenance.SUGGESTED.value)
        if state is not None:
            query = query.where(MappingRow.review_state == state.value)
        if instrument:
            query = query.where(
                MappingRow.source_id.startswith(f"{instrument}:")
                | MappingRow.target_id.startswith(f"{instrument}:")
            )
        rows = session.scalars(query.order_by(MappingRow.source_id, MappingRow.target_id))
        return [MappingView.of(Mapping.model_validate(r)) for r in rows]


def decide(
    store: Store, source: str, target: str, *, accept: bool, by: str, now: dt.datetime | None = None
) -> MappingView:
    """Accept or reject one suggestion, recording who and when."""
    if not by.strip():
        raise ValueError("say who decides (--by)")
    when = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    state = ReviewState.ACCEPTED if accept else ReviewState.REJECTED
    with store.connect() as conn, conn.begin():
        row = conn.execute(
            select(MappingRow.id, MappingRow.record).where(
                MappingRow.source_id == source,
                MappingRow.target_id == target,
                MappingRow.provenance == Provenance.SUGGESTED.value,
            )
        ).first()
        if row is None:
            raise NotFound(f"no suggested mapping {source} -> {target}")
        mapping = Mapping.model_validate(row.record).model_copy(
            update={"review_state": state, "reviewed_by": by.strip(), "reviewed_at": when}
        )
        conn.execute(
            update(MappingRow)
            .where(MappingRow.id == row.id)
            .values(
                review_state=state.value,
                reviewed_by=mapping.reviewed_by,
                reviewed_at=when,
                record=mapping.model_dump(mode="json"),
                version=MappingRow.version + 1,
            )
        )
        _bump(conn)
    return MappingView.of(mapping)
