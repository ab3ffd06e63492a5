"""A WTO SPS/TBT notification as read from ePing (export workbook, bulk workbook or API) or our own files.

Symbols are stored as canonical text (`G/TBT/N/USA/2211/Add.1`); `parsed_symbol` gives the parsed form.
Text is as printed, cleaned of HTML and Excel escapes; objectives lose their `(TBT)`/`(SPS)` suffix.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, field_validator, model_validator

from cyberreg.model.base import NonEmpty, Record
from cyberreg.monitor.symbols import Area, Symbol, normalize_symbol, parse_symbol

SymbolText = Annotated[str, AfterValidator(normalize_symbol)]
# HS codes: chapter (2 digits), heading (4), subheading (6) or a national line; digits only, no dots.
HsCode = Annotated[str, StringConstraints(pattern=r"^\d{2,10}$")]
# ICS codes: field `33`, group `33.180`, sub-group `33.180.10`.
IcsCode = Annotated[str, StringConstraints(pattern=r"^\d{2}(?:\.\d{3}(?:\.\d{2})?)?$")]
MemberCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,5}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]

DATE_FIELDS = (
    "distribution_date",
    "final_date_for_comments",
    "proposed_adoption_date",
    "proposed_entry_into_force_date",
)


class SourceKind(StrEnum):
    EPING_WORKBOOK = "eping-workbook"  # the ePing export or bulk `Notification_EN.xlsx`
    EPING_API = "eping-api"  # an item of `/eping/notifications/search`
    JSONL = "jsonl"  # our own JSON lines
    CSV = "csv"  # our own CSV
    MANUAL = "manual"  # typed in or hand-extracted


class NotificationSource(Record):
    """Where a notification was read: file and row (1-based, as a spreadsheet shows it) or API id."""

    kind: SourceKind
    file: str | None = None
    row: int | None = None
    id: str | None = None

    def __str__(self) -> str:
        where = self.file or self.kind.value
        if self.row is not None:
            where += f":{self.row}"
        return f"{where} (id {self.id})" if self.id else where


class Notification(Record):
    symbol: SymbolText  # the primary symbol: the notifying member's own
    symbols: list[SymbolText] = []  # every symbol in the cell (joint notifications), primary included
    area: Area
    member: NonEmpty  # as printed: `Kuwait, the State of`
    member_code: MemberCode | None = None  # the code in its symbols: `KWT`, `EU`, `TPKM`
    distribution_date: dt.date
    final_date_for_comments: dt.date | None = None
    proposed_adoption_date: dt.date | None = None
    proposed_entry_into_force_date: dt.date | None = None
    # Text found where a date was expected, by field name: {"proposed_adoption_date": "To be determined"}.
    date_notes: dict[str, str] = {}
    notification_type: str | None = None  # as printed: `Regular notification`, `Addendum to ...`
    title: str = ""
    description: str | None = None
    products: str | None = None
    hs_codes: list[HsCode] = []
    ics_codes: list[IcsCode] = []
    objectives: list[NonEmpty] = []  # as printed, without the `(TBT)`/`(SPS)` suffix
    keywords: list[NonEmpty] = []
    regions_affected: list[NonEmpty] = []
    notified_document: str | None = None  # as printed: usually one or more URLs, one a line
    links: dict[LanguageCode, str] = {}  # link to the notification document by language
    language: LanguageCode = "en"  # the language of the text fields
    source: NotificationSource

    @field_validator("date_notes")
    @classmethod
    def _known_date_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DATE_FIELDS))
        if unknown:
            raise ValueError(f"date notes only for {', '.join(DATE_FIELDS)}; got {', '.join(unknown)}")
        return value

    @field_validator("links")
    @classmethod
    def _urls(cls, value: dict[str, str]) -> dict[str, str]:
        for lang, url in value.items():
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"link for {lang!r} is not an http(s) URL: {url!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Notification:
        if not self.symbols:
            self.__dict__["symbols"] = [self.symbol]
        elif self.symbol not in self.symbols:
            raise ValueError(f"symbol {self.symbol} is not among symbols {', '.join(self.symbols)}")
        primary = parse_symbol(self.symbol)
        if primary.area is not self.area:
            raise ValueError(f"area {self.area.value} does not match symbol {self.symbol}")
        if self.member_code and primary.member and primary.member != self.member_code:
            raise ValueError(f"member code {self.member_code} does not match symbol {self.symbol}")
        return self

    @property
    def parsed_symbol(self) -> Symbol:
        return parse_symbol(self.symbol)

    @property
    def base_symbol(self) -> str:
        """The symbol of the measure this notification belongs to (for grouping follow-ups)."""
        return str(parse_symbol(self.symbol).base)

    @property
    def is_follow_up(self) -> bool:
        return not parse_symbol(self.symbol).is_base
