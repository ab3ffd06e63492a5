"""What services return: plain, serialisable views of stored records."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cyberreg.model import Instrument, Jurisdiction, Mapping, NormCommitment, Requirement


class InstrumentSummary(BaseModel):
    id: str
    kind: str
    short_title: str
    title: str
    status: str
    issuer: str
    jurisdictions: list[str]
    requirement_count: int


class RequirementView(BaseModel):
    id: str
    instrument: str
    ref: str
    parent: str | None
    kind: str
    title: str
    summary: str | None
    topics: list[str]
    obligation: str
    conditional: bool
    categories: list[str] = []

    @classmethod
    def of(cls, req: Requirement) -> RequirementView:
        return cls(
            id=req.id,
            instrument=req.instrument,
            ref=req.ref,
            parent=req.parent_id,
            kind=req.kind.value,
            title=req.title,
            summary=req.summary,
            topics=[t.value for t in req.topics],
            obligation=req.obligation.value,
            conditional=req.conditional,
            categories=[c.value for c in req.categories],
        )


class MappingView(BaseModel):
    source: str
    target: str
    relationship: str
    provenance: str
    review_state: str
    rationale: str
    strength: int | None
    joint: str | None
    joint_relationship: str | None
    citation: str | None
    note: str | None
    sources: list[dict[str, Any]]
    reviewed_by: str | None = None
    reviewed_at: str | None = None

    @classmethod
    def of(cls, m: Mapping) -> MappingView:
        return cls(
            source=m.source,
            target=m.target,
            relationship=m.relationship.value,
            provenance=m.provenance.value,
            review_state=m.review_state.value,
            rationale=m.rationale.value,
            strength=m.strength,
            joint=m.joint,
            joint_relationship=m.joint_relationship.value if m.joint_relationship else None,
            citation=m.citation,
            note=m.note,
            sources=[s.model_dump(mode="json") for s in m.sources],
            reviewed_by=m.reviewed_by,
            reviewed_at=m.reviewed_at.isoformat() if m.reviewed_at else None,
        )


class InstrumentDetail(BaseModel):
    type: str = "instrument"
    instrument: Instrument
    issuer_name: str | None
    requirements: list[RequirementView]
    mappings: list[MappingView]  # every mapping with one end in this instrument
    linked_from: list[dict[str, str]]  # links of other instruments that point here


class RequirementDetail(BaseModel):
    type: str = "requirement"
    requirement: RequirementView
    instrument_title: str
    children: list[RequirementView]
    mappings_out: list[MappingView]
    mappings_in: list[MappingView]


class JurisdictionDetail(BaseModel):
    type: str = "jurisdiction"
    jurisdiction: Jurisdiction
    member_of: list[str]
    instruments: list[InstrumentSummary]
    commitments: list[NormCommitment]


class JurisdictionSummary(BaseModel):
    code: str
    name: str
    kind: str
    wto_member: bool
    members: list[str]
    instrument_count: int


class SearchResult(BaseModel):
    id: str
    type: str
    instrument: str | None
    title: str
    score: float
    snippet: str
    also_in: list[str] = []  # the same requirement in sibling instruments
