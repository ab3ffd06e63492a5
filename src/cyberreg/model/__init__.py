"""The validated domain model: every record that enters the store passes through here."""

from cyberreg.model.body import Body, BodyKind
from cyberreg.model.instrument import (
    ConformityRoute,
    DateKind,
    Instrument,
    InstrumentKind,
    InstrumentLink,
    KeyDate,
    LabelLevel,
    LinkType,
    Objective,
    Route,
    Scope,
    Status,
)
from cyberreg.model.jurisdiction import Jurisdiction, JurisdictionKind
from cyberreg.model.mapping import Mapping, Provenance, Rationale, Relationship, ReviewState
from cyberreg.model.norm import CommitmentKind, NormCommitment
from cyberreg.model.requirement import AgreementCategory, Obligation, Requirement, RequirementKind
from cyberreg.model.source import Source
from cyberreg.model.taxonomy import TOPICS, Topic

__all__ = [
    "TOPICS",
    "AgreementCategory",
    "Body",
    "BodyKind",
    "CommitmentKind",
    "ConformityRoute",
    "DateKind",
    "Instrument",
    "InstrumentKind",
    "InstrumentLink",
    "Jurisdiction",
    "JurisdictionKind",
    "KeyDate",
    "LabelLevel",
    "LinkType",
    "Mapping",
    "NormCommitment",
    "Objective",
    "Obligation",
    "Provenance",
    "Rationale",
    "Relationship",
    "Requirement",
    "RequirementKind",
    "ReviewState",
    "Route",
    "Scope",
    "Source",
    "Status",
    "Topic",
]
