"""The bodies that issue instruments: agencies, legislatures, standards bodies, organisations."""

from __future__ import annotations

from enum import StrEnum

from cyberreg.model.base import NonEmpty, Record, Slug
from cyberreg.model.jurisdiction import JurisdictionCode


class BodyKind(StrEnum):
    LEGISLATURE = "legislature"
    GOVERNMENT_AGENCY = "government-agency"
    STANDARDS_BODY = "standards-body"
    INTERNATIONAL_ORGANISATION = "international-organisation"
    INDUSTRY = "industry"


class Body(Record):
    id: Slug
    name: NonEmpty
    short_name: str | None = None
    kind: BodyKind
    jurisdiction: JurisdictionCode | None = None
    url: str | None = None
