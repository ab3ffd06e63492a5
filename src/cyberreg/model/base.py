"""Shared pydantic configuration and id patterns for the domain model."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Lower-case slug: `etsi-en-303-645`, `nist-csf-2.0`.
SLUG_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"
# Reference as printed, without spaces: `5.1-1`, `sch1-1`, `A.5.1`, `GV.OC-01`, `annex1-p1-2a`.
REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.()/_'-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Ref = Annotated[str, StringConstraints(pattern=REF_PATTERN, max_length=80)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

_REQUIREMENT_ID = re.compile(SLUG_PATTERN[:-1] + ":" + REF_PATTERN[1:])


def requirement_id(instrument_id: str, ref: str) -> str:
    """The stable id of a requirement: `<instrument-id>:<reference as printed>`."""
    return f"{instrument_id}:{ref}"


def split_requirement_id(value: str) -> tuple[str, str]:
    """Split `etsi-en-303-645:5.1-1` into its instrument id and reference."""
    if not _REQUIREMENT_ID.match(value):
        raise ValueError(f"not a requirement id (expected '<instrument-id>:<ref>'): {value!r}")
    instrument, _, ref = value.partition(":")
    return instrument, ref


class Record(BaseModel):
    """Base for every record: unknown fields are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
