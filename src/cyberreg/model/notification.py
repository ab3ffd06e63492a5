"""A WTO SPS/TBT notification, and the notification symbols that name it.

A notification is read from ePing (export workbook, bulk workbook or API) or from our own files. Symbols
are stored as canonical text (`G/TBT/N/USA/2211/Add.1`); `parsed_symbol` gives the parsed `Symbol`.
Text is as printed, cleaned of HTML and Excel escapes; objectives lose their `(TBT)`/`(SPS)` suffix.

Symbols: the *base* symbol (`G/TBT/N/USA/2211`) names the measure; addenda, revisions, corrigenda and
supplements hang below it as a chain (`/Rev.1/Add.2` is the second addendum to the first revision).
Parsing is tolerant of spaces, case and a missing dot (`g/tbt/n/usa/ 2211/add 1`); `str()` gives the
canonical form. TBT notifications of 1995-1999 used another scheme (`G/TBT/Notif.98/123`); those parse
too, with no member and the year in `legacy_year`. The symbol code lives here, in the model layer, because
the model validates symbols; `cyberreg.monitor.symbols` re-exports it for the monitor.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, StringConstraints, field_validator, model_validator

from cyberreg.model.base import NonEmpty, Record


class Area(StrEnum):
    TBT = "TBT"
    SPS = "SPS"


class FollowUpKind(StrEnum):
    ADDENDUM = "Add"
    REVISION = "Rev"
    CORRIGENDUM = "Corr"
    SUPPLEMENT = "Suppl"


_KIND_BY_UPPER = {kind.value.upper(): kind for kind in FollowUpKind}
_KIND_ORDER = {
    FollowUpKind.ADDENDUM: 0,
    FollowUpKind.CORRIGENDUM: 1,
    FollowUpKind.REVISION: 2,
    FollowUpKind.SUPPLEMENT: 3,
}


class SymbolError(ValueError):
    """The text is not a WTO SPS/TBT notification symbol."""


class FollowUp(NamedTuple):
    kind: FollowUpKind
    number: int

    def __str__(self) -> str:
        return f"{self.kind.value}.{self.number}"


_FOLLOW = r"/(ADD|REV|CORR|SUPPL)\.?(\d{1,4})"
_MODERN = re.compile(r"G/(TBT|SPS)/N/([A-Z]{2,5})/(\d{1,6})((?:" + _FOLLOW + r")*)", re.IGNORECASE)
_LEGACY = re.compile(r"G/(TBT|SPS)/NOTIF\.?(\d{2})[./](\d{1,6})((?:" + _FOLLOW + r")*)", re.IGNORECASE)
_FOLLOW_ONE = re.compile(_FOLLOW, re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Symbol:
    """One parsed notification symbol. Build with `parse_symbol`; `str()` gives the canonical text."""

    area: Area
    member: str | None  # the WTO code in the symbol: `USA`, `EU`, `TPKM`; None for 1995-1999 symbols
    number: int
    follow_ups: tuple[FollowUp, ...] = ()
    legacy_year: int | None = None  # two-digit year of a `G/TBT/Notif.yy/n` symbol

    def __post_init__(self) -> None:
        if (self.member is None) == (self.legacy_year is None):
            raise SymbolError("a symbol has either a member code or (1995-1999 form) a year, not both")
        if self.member is not None and not re.fullmatch(r"[A-Z]{2,5}", self.member):
            raise SymbolError(f"member code must be 2 to 5 capital letters, got {self.member!r}")
        if self.number < 0 or any(f.number < 0 for f in self.follow_ups):
            raise SymbolError("symbol numbers cannot be negative")

    @classmethod
    def parse(cls, text: str) -> Symbol:
        return parse_symbol(text)

    def __str__(self) -> str:
        if self.legacy_year is not None:
            head = f"G/{self.area.value}/Notif.{self.legacy_year:02d}/{self.number:03d}"
        else:
            head = f"G/{self.area.value}/N/{self.member}/{self.number}"
        return head + "".join(f"/{follow_up}" for follow_up in self.follow_ups)

    @property
    def base(self) -> Symbol:
        """The symbol of the measure itself, without follow-ups: the key for grouping."""
        return Symbol(self.area, self.member, self.number, (), self.legacy_year)

    @property
    def is_base(self) -> bool:
        return not self.follow_ups

    @property
    def parent(self) -> Symbol | None:
        """The document this one follows up (`/Rev.1/Add.2` -> `/Rev.1`); None for a base symbol."""
        if not self.follow_ups:
            return None
        return Symbol(self.area, self.member, self.number, self.follow_ups[:-1], self.legacy_year)

    @property
    def chain(self) -> tuple[Symbol, ...]:
        """Every symbol from the base down to this one: base, `/Rev.1`, `/Rev.1/Add.2`."""
        return tuple(
            Symbol(self.area, self.member, self.number, self.follow_ups[:depth], self.legacy_year)
            for depth in range(len(self.follow_ups) + 1)
        )

    @property
    def kind(self) -> FollowUpKind | None:
        """The kind of the last follow-up (`Add` for `/Rev.1/Add.2`); None for a base symbol."""
        return self.follow_ups[-1].kind if self.follow_ups else None

    def sort_key(self) -> tuple[str, str, int, int, tuple[tuple[int, int], ...]]:
        """Area, member, number, then the base before its follow-ups (a prefix sorts first)."""
        return (
            self.area.value,
            self.member or "",
            self.legacy_year if self.legacy_year is not None else -1,
            self.number,
            tuple((_KIND_ORDER[f.kind], f.number) for f in self.follow_ups),
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Symbol):
            return NotImplemented
        return self.sort_key() < other.sort_key()


def _follow_ups(text: str) -> tuple[FollowUp, ...]:
    return tuple(
        FollowUp(_KIND_BY_UPPER[m.group(1).upper()], int(m.group(2))) for m in _FOLLOW_ONE.finditer(text)
    )


@functools.lru_cache(maxsize=1 << 16)
def parse_symbol(text: str) -> Symbol:
    """Parse one symbol, tolerant of spaces and case; raises `SymbolError` if it is not one."""
    if not isinstance(text, str):
        raise SymbolError(f"a symbol must be text, got {type(text).__name__}")
    compact = _SPACES.sub("", text.replace("\u00a0", " "))
    if match := _MODERN.fullmatch(compact):
        area, member, number, rest = match.group(1, 2, 3, 4)
        return Symbol(Area(area.upper()), member.upper(), int(number), _follow_ups(rest))
    if match := _LEGACY.fullmatch(compact):
        area, year, number, rest = match.group(1, 2, 3, 4)
        return Symbol(Area(area.upper()), None, int(number), _follow_ups(rest), int(year))
    raise SymbolError(
        f"not a WTO notification symbol (expected G/TBT/N/<MEMBER>/<n>[/Add.n|/Rev.n|/Corr.n|/Suppl.n]): "
        f"{text!r}"
    )


def format_symbol(symbol: Symbol) -> str:
    return str(symbol)


def normalize_symbol(text: str) -> str:
    """The canonical text of a symbol: ` g/tbt/n/usa/2211/add 1` -> `G/TBT/N/USA/2211/Add.1`."""
    return str(parse_symbol(text))


def base_symbol(text: str) -> str:
    """The canonical base symbol of a measure: `G/TBT/N/USA/2211/Rev.1/Add.2` -> `G/TBT/N/USA/2211`."""
    return str(parse_symbol(text).base)


def split_symbols(cell: str) -> list[Symbol]:
    """All symbols in a cell holding one or several separated by `, ` (also `;` or new lines).

    Duplicates are dropped, the order kept. Raises `SymbolError` naming the first part that is not a symbol.
    """
    found: list[Symbol] = []
    for part in _SEPARATORS.split(cell.replace("\u00a0", " ")):
        if not part.strip():
            continue
        symbol = parse_symbol(part)
        if symbol not in found:
            found.append(symbol)
    return found


def symbol_sort_key(text: str) -> tuple[str, str, int, int, tuple[tuple[int, int], ...]]:
    return parse_symbol(text).sort_key()


# WTO members as ePing prints them, with the code their notification symbols use. Most codes are
# ISO 3166 alpha-3; the EU is `EU`, Chinese Taipei `TPKM`. Used to pick a row's own symbol out of a
# joint notification (one symbol per member in one cell).
_MEMBERS = """
AFG Afghanistan|ALB Albania|AGO Angola|ATG Antigua and Barbuda|ARG Argentina|ARM Armenia|AUS Australia
AUT Austria|BHR Bahrain, Kingdom of|BHR Bahrain|BGD Bangladesh|BRB Barbados|BEL Belgium|BLZ Belize
BEN Benin|BOL Bolivia, Plurinational State of|BOL Bolivia|BWA Botswana|BRA Brazil|BRN Brunei Darussalam
BGR Bulgaria|BFA Burkina Faso|BDI Burundi|CPV Cabo Verde|KHM Cambodia|CMR Cameroon|CAN Canada
CAF Central African Republic|TCD Chad|CHL Chile|CHN China|COL Colombia|COM Comoros|COG Congo
CRI Costa Rica|CIV Côte d'Ivoire|CIV Cote d'Ivoire|HRV Croatia|CUB Cuba|CYP Cyprus|CZE Czech Republic
CZE Czechia|COD Democratic Republic of the Congo|DNK Denmark|DJI Djibouti|DMA Dominica
DOM Dominican Republic|ECU Ecuador|EGY Egypt|SLV El Salvador|EST Estonia|SWZ Eswatini|EU European Union
FJI Fiji|FIN Finland|FRA France|GAB Gabon|GMB The Gambia|GMB Gambia|GEO Georgia|DEU Germany|GHA Ghana
GRC Greece|GRD Grenada|GTM Guatemala|GIN Guinea|GNB Guinea-Bissau|GUY Guyana|HTI Haiti|HND Honduras
HKG Hong Kong, China|HUN Hungary|ISL Iceland|IND India|IDN Indonesia|IRL Ireland|ISR Israel|ITA Italy
JAM Jamaica|JPN Japan|JOR Jordan|KAZ Kazakhstan|KEN Kenya|KOR Korea, Republic of|KOR Republic of Korea
KWT Kuwait, the State of|KWT Kuwait|KGZ Kyrgyz Republic|LAO Lao People's Democratic Republic|LVA Latvia
LSO Lesotho|LBR Liberia|LIE Liechtenstein|LTU Lithuania|LUX Luxembourg|MAC Macao, China|MDG Madagascar
MWI Malawi|MYS Malaysia|MDV Maldives|MLI Mali|MLT Malta|MRT Mauritania|MUS Mauritius|MEX Mexico
MDA Moldova, Republic of|MDA Republic of Moldova|MNG Mongolia|MNE Montenegro|MAR Morocco|MOZ Mozambique
MMR Myanmar|NAM Namibia|NPL Nepal|NLD Netherlands|NZL New Zealand|NIC Nicaragua|NER Niger|NGA Nigeria
MKD North Macedonia|NOR Norway|OMN Oman|PAK Pakistan|PAN Panama|PNG Papua New Guinea|PRY Paraguay
PER Peru|PHL Philippines|POL Poland|PRT Portugal|QAT Qatar|ROU Romania|RUS Russian Federation
RWA Rwanda|KNA Saint Kitts and Nevis|LCA Saint Lucia|VCT Saint Vincent and the Grenadines|WSM Samoa
SAU Saudi Arabia, Kingdom of|SAU Saudi Arabia|SEN Senegal|SYC Seychelles|SLE Sierra Leone
SGP Singapore|SVK Slovak Republic|SVN Slovenia|SLB Solomon Islands|ZAF South Africa|ESP Spain
LKA Sri Lanka|SUR Suriname|SWE Sweden|CHE Switzerland|TPKM Chinese Taipei|TJK Tajikistan
TZA Tanzania|TZA United Republic of Tanzania|THA Thailand|TLS Timor-Leste|TGO Togo|TON Tonga
TTO Trinidad and Tobago|TUN Tunisia|TUR Türkiye|TUR Turkey|UGA Uganda|UKR Ukraine
ARE United Arab Emirates|GBR United Kingdom|USA United States of America|USA United States
URY Uruguay|VUT Vanuatu|VEN Venezuela, Bolivarian Republic of|VEN Venezuela|VNM Viet Nam
YEM Yemen|ZMB Zambia|ZWE Zimbabwe
"""


def _member_key(name: str) -> str:
    return _SPACES.sub(" ", name.replace("\u00a0", " ")).strip().casefold().replace("\u2019", "'")


MEMBER_CODES: dict[str, str] = {
    _member_key(name): code
    for code, _, name in (entry.strip().partition(" ") for entry in _MEMBERS.replace("\n", "|").split("|"))
    if code
}


def member_code_for(name: str) -> str | None:
    """The symbol code of a WTO member named as ePing prints it (`Kuwait, the State of` -> `KWT`)."""
    return MEMBER_CODES.get(_member_key(name))


# ---------------------------------------------------------------------------------------------------------
# Notifications.

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
