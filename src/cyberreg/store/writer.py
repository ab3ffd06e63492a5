"""Writes a validated knowledge base into the store, replacing only rows of the same origin."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from cyberreg.model import Instrument, Requirement, RequirementKind
from cyberreg.model.taxonomy import TOPIC_LABELS
from cyberreg.sources.bundled import KnowledgeBase
from cyberreg.store import fulltext
from cyberreg.store.tables import (
    BUNDLED,
    BodyRow,
    CommitmentNormRow,
    CommitmentRow,
    InstrumentJurisdictionRow,
    InstrumentRow,
    JurisdictionMemberRow,
    JurisdictionRow,
    MappingRow,
    Meta,
    RequirementRow,
    RequirementTopicRow,
    SearchDocumentRow,
)


@dataclass(frozen=True)
class WriteResult:
    changed: bool
    content_hash: str
    counts: dict[str, int]


def content_hash(kb: KnowledgeBase) -> str:
    digest = hashlib.sha256()
    for group in (kb.jurisdictions, kb.bodies, kb.instruments, kb.requirements, kb.mappings, kb.commitments):
        for record in group:
            digest.update(record.model_dump_json().encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _dump(record: object) -> dict:
    return record.model_dump(mode="json")  # type: ignore[attr-defined]


def _meta_key(origin: str) -> str:
    return f"content_hash:{origin}"


def stored_hash(connection: Connection, origin: str = BUNDLED) -> str | None:
    return connection.execute(select(Meta.value).where(Meta.key == _meta_key(origin))).scalar_one_or_none()


def _clear(connection: Connection, origin: str) -> None:
    # Children first: some databases enforce foreign keys without cascading deletes.
    bundled_commitments = select(CommitmentRow.id).where(CommitmentRow.origin == origin)
    connection.execute(
        delete(CommitmentNormRow).where(CommitmentNormRow.commitment_id.in_(bundled_commitments))
    )
    connection.execute(delete(CommitmentRow).where(CommitmentRow.origin == origin))
    connection.execute(delete(MappingRow).where(MappingRow.origin == origin))
    own_requirements = select(RequirementRow.id).where(RequirementRow.origin == origin)
    connection.execute(
        delete(RequirementTopicRow).where(RequirementTopicRow.requirement_id.in_(own_requirements))
    )
    connection.execute(delete(RequirementRow).where(RequirementRow.origin == origin))
    own_instruments = select(InstrumentRow.id).where(InstrumentRow.origin == origin)
    connection.execute(
        delete(InstrumentJurisdictionRow).where(InstrumentJurisdictionRow.instrument_id.in_(own_instruments))
    )
    connection.execute(delete(InstrumentRow).where(InstrumentRow.origin == origin))
    connection.execute(delete(BodyRow).where(BodyRow.origin == origin))
    own_jurisdictions = select(JurisdictionRow.code).where(JurisdictionRow.origin == origin)
    connection.execute(
        delete(JurisdictionMemberRow).where(JurisdictionMemberRow.grouping.in_(own_jurisdictions))
    )
    connection.execute(delete(JurisdictionRow).where(JurisdictionRow.origin == origin))
    connection.execute(delete(SearchDocumentRow).where(SearchDocumentRow.origin == origin))


def _instrument_document(inst: Instrument) -> dict:
    body = " ".join(
        filter(None, [inst.id, inst.title, inst.summary, inst.scope.summary, " ".join(inst.jurisdictions)])
    )
    return {
        "entity_id": inst.id,
        "entity_type": "instrument",
        "instrument_id": inst.id,
        "title": inst.short_title,
        "body": body,
    }


def _requirement_document(req: Requirement, instrument: Instrument, parent: Requirement | None) -> dict:
    # The enclosing heading gives a provision its context: EN 303 645 5.1-1 sits under
    # "No universal default passwords" without repeating those words itself.
    topics = " ".join(TOPIC_LABELS[t] for t in req.topics)
    context = parent.title if parent else None
    body = " ".join(filter(None, [req.id, req.summary, context, topics, instrument.short_title]))
    return {
        "entity_id": req.id,
        "entity_type": "group" if req.kind is RequirementKind.GROUP else "requirement",
        "instrument_id": req.instrument,
        "title": req.title,
        "body": body,
    }


def write_knowledge_base(
    connection: Connection, kb: KnowledgeBase, origin: str = BUNDLED, force: bool = False
) -> WriteResult:
    """Replace every row of `origin` with `kb`, inside the caller's transaction.

    Skips all work when the stored content hash equals this knowledge base's (unless `force`).
    """
    digest = content_hash(kb)
    counts = {
        "jurisdictions": len(kb.jurisdictions),
        "bodies": len(kb.bodies),
        "instruments": len(kb.instruments),
        "requirements": len(kb.requirements),
        "mappings": len(kb.mappings),
        "commitments": len(kb.commitments),
    }
    if not force and stored_hash(connection, origin) == digest:
        return WriteResult(False, digest, counts)

    _clear(connection, origin)
    if kb.jurisdictions:
        connection.execute(
            insert(JurisdictionRow),
            [
                {
                    "code": j.code,
                    "name": j.name,
                    "kind": j.kind.value,
                    "wto_member": j.wto_member,
                    "record": _dump(j),
                    "origin": origin,
                }
                for j in kb.jurisdictions
            ],
        )
        members = [{"grouping": j.code, "member": m} for j in kb.jurisdictions for m in j.members]
        if members:
            connection.execute(insert(JurisdictionMemberRow), members)
    if kb.bodies:
        connection.execute(
            insert(BodyRow),
            [
                {
                    "id": b.id,
                    "name": b.name,
                    "kind": b.kind.value,
                    "jurisdiction": b.jurisdiction,
                    "record": _dump(b),
                    "origin": origin,
                }
                for b in kb.bodies
            ],
        )
    instruments = {i.id: i for i in kb.instruments}
    if kb.instruments:
        connection.execute(
            insert(InstrumentRow),
            [
                {
                    "id": i.id,
                    "kind": i.kind.value,
                    "title": i.title,
                    "short_title": i.short_title,
                    "issuer": i.issuer,
                    "status": i.status.value,
                    "last_reviewed": i.last_reviewed,
                    "record": _dump(i),
                    "origin": origin,
                }
                for i in kb.instruments
            ],
        )
        connection.execute(
            insert(InstrumentJurisdictionRow),
            [{"instrument_id": i.id, "code": code} for i in kb.instruments for code in i.jurisdictions],
        )
    if kb.requirements:
        connection.execute(
            insert(RequirementRow),
            [
                {
                    "id": r.id,
                    "instrument_id": r.instrument,
                    "ref": r.ref,
                    "parent_id": r.parent_id,
                    "position": position,
                    "kind": r.kind.value,
                    "title": r.title,
                    "summary": r.summary,
                    "obligation": r.obligation.value,
                    "conditional": r.conditional,
                    "record": _dump(r),
                    "origin": origin,
                }
                for position, r in enumerate(kb.requirements)
            ],
        )
        topics = [
            {"requirement_id": r.id, "topic": t.value}
            for r in kb.requirements
            for t in dict.fromkeys(r.topics)
        ]
        if topics:
            connection.execute(insert(RequirementTopicRow), topics)
    if kb.mappings:
        connection.execute(
            insert(MappingRow),
            [
                {
                    "source_id": m.source,
                    "target_id": m.target,
                    "relationship": m.relationship.value,
                    "provenance": m.provenance.value,
                    "review_state": m.review_state.value,
                    "strength": m.strength,
                    "joint": m.joint,
                    "reviewed_by": m.reviewed_by,
                    "reviewed_at": m.reviewed_at,
                    "record": _dump(m),
                    "origin": origin,
                }
                for m in kb.mappings
            ],
        )
    for c in kb.commitments:
        commitment_id = connection.execute(
            insert(CommitmentRow)
            .values(
                jurisdiction=c.jurisdiction, kind=c.kind.value, date=c.date, record=_dump(c), origin=origin
            )
            .returning(CommitmentRow.id)
        ).scalar_one()
        connection.execute(
            insert(CommitmentNormRow),
            [{"commitment_id": commitment_id, "norm_id": n} for n in dict.fromkeys(c.norms)],
        )

    documents = [_instrument_document(i) for i in kb.instruments]
    by_id = {r.id: r for r in kb.requirements}
    documents += [
        _requirement_document(r, instruments[r.instrument], by_id.get(r.parent_id or ""))
        for r in kb.requirements
    ]
    if documents:
        connection.execute(insert(SearchDocumentRow), [{**d, "origin": origin} for d in documents])
    fulltext.rebuild(connection)

    key = _meta_key(origin)
    if connection.execute(select(Meta.key).where(Meta.key == key)).first():
        connection.execute(update(Meta).where(Meta.key == key).values(value=digest))
    else:
        connection.execute(insert(Meta).values(key=key, value=digest))
    return WriteResult(True, digest, counts)
