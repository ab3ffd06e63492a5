"""Requirements: the provisions, clauses, controls, articles or norms inside an instrument."""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from cyberreg.model.base import NonEmpty, Record, Ref, Slug, requirement_id
from cyberreg.model.taxonomy import Topic


class Obligation(StrEnum):
    MANDATORY = "mandatory"
    RECOMMENDED = "recommended"
    INFORMATIVE = "informative"  # headings, definitions, and text that obliges nobody


class RequirementKind(StrEnum):
    GROUP = "group"  # a heading that holds other requirements (EN 303 645 clause 5.1)
    REQUIREMENT = "requirement"  # something one can meet or miss


class AgreementCategory(StrEnum):
    """How trade-agreement cybersecurity provisions are coded (the five categories of the seeds)."""

    CYBER_TRADE_LINK = "cyber-trade-link"
    CAPACITY_BUILDING = "capacity-building"
    OPERATIONAL_COLLABORATION = "operational-collaboration"
    RISK_BASED_APPROACHES = "risk-based-approaches"
    CONSENSUS_STANDARDS = "consensus-standards"


class Requirement(Record):
    instrument: Slug
    ref: Ref  # the reference as printed, without spaces
    parent: Ref | None = None  # the ref of the enclosing group in the same instrument
    kind: RequirementKind = RequirementKind.REQUIREMENT
    title: NonEmpty  # our own short title
    summary: str | None = None  # our own words, never the standard's text
    topics: list[Topic] = []
    obligation: Obligation = Obligation.MANDATORY
    conditional: bool = False  # applies only when a condition holds (EN 303 645 "C" provisions)
    categories: list[AgreementCategory] = []  # only for trade-agreement provisions

    @property
    def id(self) -> str:
        return requirement_id(self.instrument, self.ref)

    @property
    def parent_id(self) -> str | None:
        return requirement_id(self.instrument, self.parent) if self.parent else None

    @model_validator(mode="after")
    def _check(self) -> Requirement:
        if self.parent == self.ref:
            raise ValueError(f"requirement {self.ref!r} cannot be its own parent")
        if self.kind is RequirementKind.REQUIREMENT and not self.topics:
            raise ValueError("a requirement needs at least one topic")
        return self
