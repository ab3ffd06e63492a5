"""Typed mappings between two requirements, with the NIST IR 8477 set relationships."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from cyberreg.model.base import Record, split_requirement_id
from cyberreg.model.source import Source


class Relationship(StrEnum):
    """NIST IR 8477 set-theory relationships, read as `source <relationship> target`."""

    EQUAL = "equal"
    SUBSET_OF = "subset_of"  # everything the source asks, the target asks too (and more)
    SUPERSET_OF = "superset_of"
    INTERSECTS = "intersects"
    NO_RELATIONSHIP = "no_relationship"

    @property
    def inverse(self) -> Relationship:
        return _INVERSE[self]


_INVERSE = {
    Relationship.EQUAL: Relationship.EQUAL,
    Relationship.SUBSET_OF: Relationship.SUPERSET_OF,
    Relationship.SUPERSET_OF: Relationship.SUBSET_OF,
    Relationship.INTERSECTS: Relationship.INTERSECTS,
    Relationship.NO_RELATIONSHIP: Relationship.NO_RELATIONSHIP,
}


class Rationale(StrEnum):
    SYNTACTIC = "syntactic"
    SEMANTIC = "semantic"
    FUNCTIONAL = "functional"


class Provenance(StrEnum):
    OFFICIAL = "official"  # stated by the instrument's issuer (e.g. a deemed-compliance schedule)
    EXPERT = "expert"  # a published expert mapping
    IMPORTED = "imported"  # loaded from an external mapping corpus
    SUGGESTED = "suggested"  # proposed by the matcher; never curated until accepted


class ReviewState(StrEnum):
    ACCEPTED = "accepted"
    PROPOSED = "proposed"
    REJECTED = "rejected"


class Mapping(Record):
    source: str  # requirement id
    target: str  # requirement id
    relationship: Relationship
    rationale: Rationale = Rationale.SEMANTIC
    strength: int | None = Field(default=None, ge=0, le=10)
    provenance: Provenance
    citation: str | None = None  # where in the cited source the mapping is stated
    # Mappings that share a `joint` id hold only together: the union of their sources relates to
    # the target as `joint_relationship` says (PSTI Schedule 2 deems EN 303 645 5.1-1 and 5.1-2
    # together to meet sch1-1; neither alone does).
    joint: str | None = None
    joint_relationship: Relationship | None = None
    sources: list[Source] = []
    review_state: ReviewState = ReviewState.ACCEPTED
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    note: str | None = None

    @field_validator("source", "target")
    @classmethod
    def _is_requirement_id(cls, value: str) -> str:
        split_requirement_id(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> Mapping:
        if self.source == self.target:
            raise ValueError("a mapping needs two different requirements")
        if (self.joint is None) != (self.joint_relationship is None):
            raise ValueError("`joint` and `joint_relationship` go together")
        if self.provenance in (Provenance.OFFICIAL, Provenance.EXPERT) and not self.sources:
            raise ValueError(f"an {self.provenance.value} mapping must cite at least one source")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.provenance.value)
