"""Listing and showing what the knowledge base holds."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cyberreg.model import Instrument, Jurisdiction, Mapping, NormCommitment, Requirement
from cyberreg.services.store import Store
from cyberreg.services.views import (
    InstrumentDetail,
    InstrumentSummary,
    JurisdictionDetail,
    JurisdictionSummary,
    MappingView,
    RequirementDetail,
    RequirementView,
)
from cyberreg.store.tables import (
    BodyRow,
    CommitmentRow,
    InstrumentJurisdictionRow,
    InstrumentRow,
    JurisdictionMemberRow,
    JurisdictionRow,
    MappingRow,
    Meta,
    RequirementRow,
    RequirementTopicRow,
)


class NotFound(LookupError):
    """No record has the id asked for."""


def jurisdictions_covering(session: Session, code: str) -> set[str]:
    """`code` and every union or grouping it belongs to: EU law applies in Germany."""
    codes = {code}
    frontier = {code}
    while frontier:
        rows = session.execute(
            select(JurisdictionMemberRow.grouping).where(JurisdictionMemberRow.member.in_(frontier))
        )
        frontier = {r[0] for r in rows} - codes
        codes |= frontier
    return codes


def instrument_ids(
    session: Session, kind: str | None = None, jurisdiction: str | None = None, status: str | None = None
) -> list[str]:
    query = select(InstrumentRow.id).order_by(InstrumentRow.id)
    if kind:
        query = query.where(InstrumentRow.kind == kind)
    if status:
        query = query.where(InstrumentRow.status == status)
    if jurisdiction:
        codes = jurisdictions_covering(session, jurisdiction.upper())
        query = query.where(
            InstrumentRow.id.in_(
                select(InstrumentJurisdictionRow.instrument_id).where(
                    InstrumentJurisdictionRow.code.in_(codes)
                )
            )
        )
    return list(session.scalars(query))


def _summaries(session: Session, ids: list[str]) -> list[InstrumentSummary]:
    if not ids:
        return []
    counts = dict(
        session.execute(
            select(RequirementRow.instrument_id, func.count())
            .where(RequirementRow.instrument_id.in_(ids), RequirementRow.kind == "requirement")
            .group_by(RequirementRow.instrument_id)
        ).all()
    )
    result = []
    for row in session.scalars(
        select(InstrumentRow).where(InstrumentRow.id.in_(ids)).order_by(InstrumentRow.id)
    ):
        inst = Instrument.model_validate(row.record)
        result.append(
            InstrumentSummary(
                id=inst.id,
                kind=inst.kind.value,
                short_title=inst.short_title,
                title=inst.title,
                status=inst.status.value,
                issuer=inst.issuer,
                jurisdictions=list(inst.jurisdictions),
                requirement_count=counts.get(inst.id, 0),
            )
        )
    return result


def list_instruments(
    store: Store, kind: str | None = None, jurisdiction: str | None = None, status: str | None = None
) -> list[InstrumentSummary]:
    with store.session() as session:
        return _summaries(session, instrument_ids(session, kind, jurisdiction, status))


def list_jurisdictions(store: Store) -> list[JurisdictionSummary]:
    with store.session() as session:
        counts = Counter(code for (code,) in session.execute(select(InstrumentJurisdictionRow.code)))
        result = []
        for row in session.scalars(select(JurisdictionRow).order_by(JurisdictionRow.code)):
            j = Jurisdiction.model_validate(row.record)
            result.append(
                JurisdictionSummary(
                    code=j.code,
                    name=j.name,
                    kind=j.kind.value,
                    wto_member=j.wto_member,
                    members=list(j.members),
                    instrument_count=counts.get(j.code, 0),
                )
            )
        return result


def list_requirements(
    store: Store, instrument: str | None = None, topic: str | None = None, include_groups: bool = False
) -> list[RequirementView]:
    with store.session() as session:
        query = select(RequirementRow).order_by(RequirementRow.instrument_id, RequirementRow.position)
        if instrument:
            if session.get(InstrumentRow, instrument) is None:
                raise NotFound(f"no instrument {instrument!r}")
            query = query.where(RequirementRow.instrument_id == instrument)
        if topic:
            query = query.where(
                RequirementRow.id.in_(
                    select(RequirementTopicRow.requirement_id).where(RequirementTopicRow.topic == topic)
                )
            )
        if not include_groups:
            query = query.where(RequirementRow.kind == "requirement")
        return [RequirementView.of(Requirement.model_validate(r.record)) for r in session.scalars(query)]


def _mappings(session: Session, requirement_ids: list[str]) -> list[MappingView]:
    if not requirement_ids:
        return []
    rows = session.scalars(
        select(MappingRow)
        .where(or_(MappingRow.source_id.in_(requirement_ids), MappingRow.target_id.in_(requirement_ids)))
        .order_by(MappingRow.source_id, MappingRow.target_id, MappingRow.provenance)
    )
    return [MappingView.of(Mapping.model_validate(r.record)) for r in rows]


def show(store: Store, entity_id: str) -> InstrumentDetail | RequirementDetail | JurisdictionDetail:
    """One instrument, requirement or jurisdiction by id."""
    with store.session() as session:
        if ":" in entity_id:
            return _show_requirement(session, entity_id)
        row = session.get(InstrumentRow, entity_id)
        if row is not None:
            return _show_instrument(session, row)
        jurisdiction = session.get(JurisdictionRow, entity_id.upper())
        if jurisdiction is not None:
            return _show_jurisdiction(session, jurisdiction)
    raise NotFound(f"no instrument, requirement or jurisdiction with id {entity_id!r}")


def _show_instrument(session: Session, row: InstrumentRow) -> InstrumentDetail:
    inst = Instrument.model_validate(row.record)
    requirements = [
        RequirementView.of(Requirement.model_validate(r.record))
        for r in session.scalars(
            select(RequirementRow)
            .where(RequirementRow.instrument_id == inst.id)
            .order_by(RequirementRow.position)
        )
    ]
    body = session.get(BodyRow, inst.issuer)
    linked_from = []
    for other in session.scalars(
        select(InstrumentRow).where(InstrumentRow.id != inst.id).order_by(InstrumentRow.id)
    ):
        for link in Instrument.model_validate(other.record).links:
            if link.target == inst.id:
                linked_from.append({"source": other.id, "type": link.type.value})
    return InstrumentDetail(
        instrument=inst,
        issuer_name=body.name if body else None,
        requirements=requirements,
        mappings=_mappings(session, [r.id for r in requirements]),
        linked_from=linked_from,
    )


def _show_requirement(session: Session, requirement_id: str) -> RequirementDetail:
    row = session.get(RequirementRow, requirement_id)
    if row is None:
        raise NotFound(f"no requirement with id {requirement_id!r}")
    req = RequirementView.of(Requirement.model_validate(row.record))
    children = [
        RequirementView.of(Requirement.model_validate(r.record))
        for r in session.scalars(
            select(RequirementRow)
            .where(RequirementRow.parent_id == requirement_id)
            .order_by(RequirementRow.position)
        )
    ]
    mappings = _mappings(session, [requirement_id])
    instrument = session.get(InstrumentRow, row.instrument_id)
    return RequirementDetail(
        requirement=req,
        instrument_title=instrument.short_title if instrument else row.instrument_id,
        children=children,
        mappings_out=[m for m in mappings if m.source == requirement_id],
        mappings_in=[m for m in mappings if m.target == requirement_id],
    )


def _show_jurisdiction(session: Session, row: JurisdictionRow) -> JurisdictionDetail:
    j = Jurisdiction.model_validate(row.record)
    covering = jurisdictions_covering(session, j.code)
    commitments = [
        NormCommitment.model_validate(c.record)
        for c in session.scalars(
            select(CommitmentRow).where(CommitmentRow.jurisdiction.in_(covering)).order_by(CommitmentRow.date)
        )
    ]
    return JurisdictionDetail(
        jurisdiction=j,
        member_of=sorted(covering - {j.code}),
        instruments=_summaries(session, instrument_ids(session, jurisdiction=j.code)),
        commitments=commitments,
    )


REVIEW_COUNTER = "mappings:review"
_requirements_cache: dict[tuple[str, str], tuple[str, tuple[Instrument, list[Requirement]]]] = {}


def data_version(store: Store) -> str:
    """Changes whenever any origin's content is rewritten (every write updates its content hash) and
    whenever a suggested mapping is stored or decided (`mappings:review`). A query on a tiny table."""
    with store.session() as session:
        rows = session.execute(
            select(Meta.key, Meta.value).where(
                Meta.key.startswith("content_hash:") | (Meta.key == REVIEW_COUNTER)
            )
        )
        return "|".join(f"{k}={v}" for k, v in sorted(rows.all()))


def instrument_requirements(store: Store, instrument_id: str) -> tuple[Instrument, list[Requirement]]:
    """An instrument and its requirements in written order (groups included); cached per data version."""
    version = data_version(store)
    cached = _requirements_cache.get((store.url, instrument_id))
    if cached is not None and cached[0] == version:
        return cached[1]
    result = _load_instrument_requirements(store, instrument_id)
    if len(_requirements_cache) > 256:
        _requirements_cache.clear()
    _requirements_cache[(store.url, instrument_id)] = (version, result)
    return result


def _load_instrument_requirements(store: Store, instrument_id: str) -> tuple[Instrument, list[Requirement]]:
    with store.session() as session:
        row = session.get(InstrumentRow, instrument_id)
        if row is None:
            raise NotFound(f"no instrument {instrument_id!r}")
        requirements = [
            Requirement.model_validate(r.record)
            for r in session.scalars(
                select(RequirementRow)
                .where(RequirementRow.instrument_id == instrument_id)
                .order_by(RequirementRow.position)
            )
        ]
        return Instrument.model_validate(row.record), requirements


def mappings_between(store: Store, first: list[str], second: list[str]) -> list[MappingView]:
    """Direct mappings with one end in `first` and the other in `second`, either direction."""
    a, b = set(first), set(second)
    with store.session() as session:
        return [
            m
            for m in _mappings(session, sorted(a))
            if (m.source in a and m.target in b) or (m.source in b and m.target in a)
        ]
