"""What states have said they will do about a set of norms (e.g. ASEAN and the UN GGE 2015 norms)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

from cyberreg.model.base import NonEmpty, Record
from cyberreg.model.jurisdiction import JurisdictionCode
from cyberreg.model.source import Source


class CommitmentKind(StrEnum):
    SUBSCRIBED = "subscribed"  # agreed in principle to the norms
    ENDORSED = "endorsed"
    IMPLEMENTING = "implementing"  # a plan, checklist or body to put the norm into practice
    REPORTED = "reported"  # reported on its implementation (e.g. to the UN)


class NormCommitment(Record):
    jurisdiction: JurisdictionCode
    norms: list[str] = Field(min_length=1)  # requirement ids of the norms concerned
    kind: CommitmentKind
    date: dt.date | None = None
    summary: NonEmpty  # in our own words
    sources: list[Source] = Field(min_length=1)
