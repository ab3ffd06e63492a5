"""Jurisdictions: countries by ISO 3166 alpha-3 code, WTO members such as the EU, and groupings."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, model_validator

from cyberreg.model.base import NonEmpty, Record

# `GBR`, `USA`, `EU`, `ASEAN`, `CPTPP`: upper-case letters, 2 to 12 of them.
JurisdictionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,11}$")]


class JurisdictionKind(StrEnum):
    COUNTRY = "country"  # an ISO 3166 alpha-3 code
    CUSTOMS_TERRITORY = "customs-territory"  # e.g. a separate customs territory that is a WTO member
    UNION = "union"  # a WTO member that is itself a union of states (the EU)
    GROUPING = "grouping"  # a set of jurisdictions that acts together (ASEAN, the CPTPP parties)


class Jurisdiction(Record):
    code: JurisdictionCode
    name: NonEmpty
    kind: JurisdictionKind
    wto_member: bool = False
    members: list[JurisdictionCode] = []
    note: str | None = None

    @model_validator(mode="after")
    def _check_code(self) -> Jurisdiction:
        if self.kind is JurisdictionKind.COUNTRY and len(self.code) != 3:
            raise ValueError(f"a country's code must be ISO 3166 alpha-3, got {self.code!r}")
        if self.members and self.kind not in (JurisdictionKind.UNION, JurisdictionKind.GROUPING):
            raise ValueError("only a union or grouping has members")
        return self
