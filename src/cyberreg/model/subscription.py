"""An alert subscription: a saved notification filter, with keywords, and where to deliver what matches.

Matching: every criterion given must hold (AND); within one criterion any value may match (OR). So
`members=[GBR, EU], hs=[8517], cyber_only=True` matches cybersecurity-related notifications of the UK or
the EU that list an HS code under 8517. An empty criterion does not restrict.

- `members`: a member code (`GBR`, `EU`) or part of the member's name as ePing prints it;
- `hs`: HS codes, digits (`84`, `8517`, `851762`; dots and spaces are dropped); a notification matches
  when it lists the code, one below it (`851762` for `8517`) or one above it (the chapter `85`);
- `ics`: ICS codes as given (`35.030`, `33.180`), matched the same way;
- `sectors`: classifier sectors (`iot_consumer`, `telecom_network`, ...);
- `keywords`: words or phrases; a notification matches one when its text has every word of it;
- `cyber_only`: only notifications the classifier marks cybersecurity-related;
- `area`: `TBT` or `SPS` (None: both);
- `since`: only notifications distributed on or after this date (None: all in the database).

Channels, any number but at least one: an Atom feed file, a JSON file, an e-mail address, a webhook URL.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, field_validator, model_validator

from cyberreg.model.base import Record
from cyberreg.model.notification import Area

SubscriptionName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", strip_whitespace=True)
]
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_ICS = re.compile(r"^\d{2}(?:\.\d{3}(?:\.\d{2})?)?$")


class Channel(StrEnum):
    ATOM = "atom"
    JSON = "json"
    EMAIL = "email"
    WEBHOOK = "webhook"


def _hs_prefix(value: str) -> str:
    digits = re.sub(r"[\s.\-]+", "", value)
    if not digits.isdigit() or not 1 <= len(digits) <= 10:
        raise ValueError(f"not an HS code prefix (2 to 10 digits): {value!r}")
    return digits.zfill(len(digits) + len(digits) % 2)  # `1` -> `01`, `10121` -> `010121`


def _ics_prefix(value: str) -> str:
    text = value.strip()
    if not _ICS.match(text):
        raise ValueError(f"not an ICS code (NN, NN.NNN or NN.NNN.NN): {value!r}")
    return text


def _email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.match(text):
        raise ValueError(f"not an e-mail address: {value!r}")
    return text


def _url(value: str) -> str:
    text = value.strip()
    if not re.match(r"^https?://[^\s/]+", text):
        raise ValueError(f"a webhook must be an http(s) URL: {value!r}")
    return text


HsPrefix = Annotated[str, AfterValidator(_hs_prefix)]
IcsPrefix = Annotated[str, AfterValidator(_ics_prefix)]
Word = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class AlertCriteria(Record):
    """Which notifications: the filter part of a subscription, also used for deadline calendars."""

    members: list[Word] = []
    hs: list[HsPrefix] = []
    ics: list[IcsPrefix] = []
    sectors: list[Word] = []
    keywords: list[Word] = []
    cyber_only: bool = False
    area: Area | None = None
    since: dt.date | None = None

    @field_validator("members", "hs", "ics", "sectors", "keywords")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def describe(self) -> str:
        """The criteria in a line: `members GBR, EU; HS 8517; cybersecurity only`."""
        parts = []
        for label, values in (
            ("members", self.members),
            ("HS", self.hs),
            ("ICS", self.ics),
            ("sectors", self.sectors),
            ("keywords", self.keywords),
        ):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if self.cyber_only:
            parts.append("cybersecurity only")
        if self.area:
            parts.append(self.area.value)
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        return "; ".join(parts) or "every notification"


class Subscription(AlertCriteria):
    """A named, saved set of criteria and the channels that receive what newly matches it."""

    name: SubscriptionName
    atom: str | None = None  # path of an Atom 1.0 feed file, rewritten when something new matches
    json_file: str | None = None  # path of a JSON file, rewritten likewise
    email: Annotated[str, AfterValidator(_email)] | None = None
    webhook: Annotated[str, AfterValidator(_url)] | None = None

    @model_validator(mode="after")
    def _has_a_channel(self) -> Subscription:
        if not self.channels:
            raise ValueError("a subscription needs at least one channel: atom, json_file, email or webhook")
        return self

    @property
    def channels(self) -> dict[Channel, str]:
        """Each configured channel and its target (path, address or URL)."""
        found = {
            Channel.ATOM: self.atom,
            Channel.JSON: self.json_file,
            Channel.EMAIL: self.email,
            Channel.WEBHOOK: self.webhook,
        }
        return {channel: target for channel, target in found.items() if target}

    @property
    def criteria(self) -> AlertCriteria:
        return AlertCriteria.model_validate(self.model_dump(include=set(AlertCriteria.model_fields)))
