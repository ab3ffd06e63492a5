"""A specific trade concern (STC) raised in the WTO TBT (or SPS) Committee.

Members raise an STC about a measure another member maintains; the Committee minutes record each time
it is discussed. The WTO keeps them in the TBT Information Management System (IMS) and ePing, each
under an IMS id (`755`). A concern names the measure's notifications where it was notified (often not),
the products concerned (HS codes, often only in the notifications) and the minutes where it was discussed
(`G/TBT/M/80, para. 2.45`).

Members are kept as printed (`Korea, Republic of`); `member_code_for` gives the code their notification
symbols use. Dates: a concern is raised at Committee meetings; `first_raised` and `last_raised` are the
first and last meeting dates known (or the dates the source gives), `meetings` every date known.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from cyberreg.model.base import NonEmpty, Record
from cyberreg.model.notification import (
    Area,
    HsCode,
    IcsCode,
    MemberCode,
    SymbolText,
    base_symbol,
    member_code_for,
)

_IMS_ID = re.compile(r"^(?:(?:IMS|STC)\s*)?(?:ID|No\.?|number)?\s*#?\s*(\d{1,6})$", re.IGNORECASE)


def normalize_ims_id(value: str) -> str:
    """`ID 755`, `IMS ID 755`, ` 755 `, `755.0` -> `755`; other ids are kept as printed, trimmed."""
    text = " ".join(str(value).split())
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    match = _IMS_ID.fullmatch(text)
    if match:
        return str(int(match.group(1)))
    if not text:
        raise ValueError("an STC id cannot be empty")
    return text


ImsId = Annotated[str, AfterValidator(normalize_ims_id)]


class ConcernSource(Record):
    """Where a concern was read: file, sheet and the rows (1-based, as a spreadsheet shows them)."""

    file: str
    sheet: str | None = None
    rows: list[int] = []

    def __str__(self) -> str:
        where = f"{self.file}[{self.sheet}]" if self.sheet else self.file
        return f"{where}:{','.join(str(r) for r in self.rows)}" if self.rows else where


class TradeConcern(Record):
    ims_id: ImsId  # the IMS / ePing id of the STC: `755`
    area: Area = Area.TBT
    title: NonEmpty
    description: str | None = None
    maintaining_member: NonEmpty  # as printed: `China`, `European Union`
    maintaining_member_code: MemberCode | None = None  # the code its notification symbols use
    other_maintaining_members: list[NonEmpty] = []  # rare: a concern about several members' measures
    raising_members: list[NonEmpty] = []
    supporting_members: list[NonEmpty] = []
    first_raised: dt.date | None = None
    last_raised: dt.date | None = None
    meetings: list[dt.date] = []  # every Committee meeting date known, ascending
    times_raised: int | None = Field(default=None, ge=1)
    status: str | None = None  # as printed: `Resolved`, `Not reported`, `Partially resolved`
    notification_symbols: list[SymbolText] = []
    hs_codes: list[HsCode] = []
    ics_codes: list[IcsCode] = []
    objectives: list[NonEmpty] = []
    keywords: list[NonEmpty] = []
    minutes: list[NonEmpty] = []  # references as printed: `G/TBT/M/80, para. 2.45`
    source: ConcernSource

    @model_validator(mode="after")
    def _consistent(self) -> TradeConcern:
        if self.maintaining_member_code is None:
            name = self.maintaining_member
            self.__dict__["maintaining_member_code"] = member_code_for(name) or _code_as_printed(name)
        if self.meetings:
            meetings = sorted(set(self.meetings))
            self.__dict__["meetings"] = meetings
            if self.first_raised is None:
                self.__dict__["first_raised"] = meetings[0]
            if self.last_raised is None:
                self.__dict__["last_raised"] = meetings[-1]
            if self.times_raised is None:
                self.__dict__["times_raised"] = len(meetings)
        if self.first_raised and self.last_raised and self.last_raised < self.first_raised:
            raise ValueError(f"last raised {self.last_raised} is before first raised {self.first_raised}")
        return self

    @property
    def base_symbols(self) -> list[str]:
        """The measures' symbols (`G/TBT/N/CHN/1022`), once each, for linking to notifications."""
        return list(dict.fromkeys(base_symbol(symbol) for symbol in self.notification_symbols))

    @property
    def first_year(self) -> int | None:
        return self.first_raised.year if self.first_raised else None

    @property
    def member_codes(self) -> dict[str, list[str]]:
        """Member codes by role (`maintaining`, `raising`, `supporting`); unknown names left out."""
        roles = {
            "maintaining": [self.maintaining_member, *self.other_maintaining_members],
            "raising": self.raising_members,
            "supporting": self.supporting_members,
        }
        return {
            role: [code for name in names if (code := member_code_for(name) or _code_as_printed(name))]
            for role, names in roles.items()
        }


def _code_as_printed(name: str) -> str | None:
    """A member given by its code (`CHN`, `EU`, `TPKM`) rather than its name."""
    return name if re.fullmatch(r"[A-Z]{2,5}", name) else None
