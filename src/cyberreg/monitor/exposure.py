"""Trade exposure: the imports a measure or a specific trade concern covers. Pure functions, no database.

Method (docs/monitor.md):

- the imports a notified measure covers are the notifying member's imports, from all partners, of the
  products its HS codes name; a chapter (`85`) or heading (`8517`) covers every HS6 subheading under it
  (`851762`, ...), a national line (`85176200`) counts as its HS6 (`851762`);
- for a concern, the same for the member maintaining the measure, with the concern's HS codes or, failing
  those, the HS codes of the notifications it names;
- the year is the one the measure was notified (or the concern first raised) when trade data has it, else
  the latest earlier year, else the earliest later one;
- the European Union's imports are the sum of its member states' (as members in that year) imports from
  outside the Union when the data are bilateral, and their total imports (intra-EU trade included, an
  overstatement) when they are not; Chinese Taipei (`TPKM` in WTO symbols) is `TWN` in trade data;
- the Secretariat's "average imports per STC" is the mean, over the concerns that have HS codes and trade
  data, of those imports; concerns without either are counted apart, never as zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# year -> HS6 code -> imports in USD, for one importer (or a group summed).
Imports = Mapping[int, Mapping[str, float]]

# Member states of the European Union and the years they were members (inclusive) for trade data.
_EU_FROM = {
    **dict.fromkeys(("BEL", "DEU", "FRA", "ITA", "LUX", "NLD", "DNK", "IRL", "GRC", "PRT", "ESP"), 1957),
    **dict.fromkeys(("AUT", "FIN", "SWE"), 1995),
    **dict.fromkeys(("CYP", "CZE", "EST", "HUN", "LVA", "LTU", "MLT", "POL", "SVK", "SVN"), 2004),
    **dict.fromkeys(("BGR", "ROU"), 2007),
    "HRV": 2013,
    "GBR": 1973,
}
_EU_UNTIL = {"GBR": 2019}  # the United Kingdom left on 31 January 2020
# WTO symbol codes whose trade-data code differs.
TRADE_CODE = {"TPKM": "TWN"}


def eu_members(year: int) -> tuple[str, ...]:
    """The EU member states in `year` (alpha-3), sorted."""
    return tuple(
        sorted(code for code, start in _EU_FROM.items() if start <= year <= _EU_UNTIL.get(code, 9999))
    )


def trade_codes(member_code: str, year: int) -> tuple[str, ...]:
    """The importers in trade data that make up a WTO member: `EU` -> its member states, `TPKM` -> `TWN`."""
    if member_code == "EU":
        return eu_members(year)
    return (TRADE_CODE.get(member_code, member_code),)


def normalize_hs(codes: Iterable[str]) -> list[str]:
    """HS codes as prefixes of HS6: digits only, a lost leading zero restored (`402` -> `0402`), national
    lines cut to HS6, and a code dropped when a shorter one in the list already covers it. Sorted."""
    found: set[str] = set()
    for code in codes:
        digits = "".join(ch for ch in str(code) if ch.isdigit())
        if len(digits) % 2:
            digits = "0" + digits
        if len(digits) >= 2:
            found.add(digits[:6])
    return sorted(
        code for code in found if not any(code != other and code.startswith(other) for other in found)
    )


def expand_hs(codes: Iterable[str], universe: Iterable[str]) -> list[str]:
    """The HS6 codes of `universe` that `codes` (chapters, headings or subheadings) cover, sorted."""
    prefixes = tuple(normalize_hs(codes))
    return sorted({hs6 for hs6 in universe if prefixes and hs6.startswith(prefixes)})


def pick_year(available: Iterable[int], target: int | None) -> int | None:
    """`target` if available, else the latest earlier year, else the earliest later one; with no target,
    the latest year. None when nothing is available."""
    years = sorted(set(available))
    if not years:
        return None
    if target is None:
        return years[-1]
    earlier = [y for y in years if y <= target]
    return earlier[-1] if earlier else years[0]


@dataclass(frozen=True)
class Coverage:
    """The imports some HS codes cover in one year."""

    year: int | None
    value_usd: float
    codes: list[str]  # the HS prefixes used, normalised
    products: int  # HS6 lines with imports under them
    unmatched: list[str] = field(default_factory=list)  # prefixes under which nothing was imported
    top_products: list[tuple[str, float]] = field(default_factory=list)  # the largest HS6 lines

    @property
    def has_data(self) -> bool:
        return self.year is not None and bool(self.codes)


def covered_imports(
    imports: Imports, hs_codes: Iterable[str], *, year: int | None = None, top: int = 5
) -> Coverage:
    """The imports of the products `hs_codes` name, in `year` (or the nearest year, see `pick_year`)."""
    codes = normalize_hs(hs_codes)
    chosen = pick_year(imports.keys(), year)
    if chosen is None or not codes:
        return Coverage(year=chosen, value_usd=0.0, codes=codes, products=0, unmatched=codes)
    prefixes = tuple(codes)
    lines = {hs6: value for hs6, value in imports[chosen].items() if hs6.startswith(prefixes)}
    unmatched = [code for code in codes if not any(hs6.startswith(code) for hs6 in lines)]
    largest = sorted(lines.items(), key=lambda item: (-item[1], item[0]))[:top]
    return Coverage(
        year=chosen,
        value_usd=float(sum(lines.values())),
        codes=codes,
        products=len(lines),
        unmatched=unmatched,
        top_products=largest,
    )


def combine(parts: Iterable[Imports]) -> dict[int, dict[str, float]]:
    """Several importers' imports summed (the EU's member states)."""
    total: dict[int, dict[str, float]] = {}
    for part in parts:
        for year, lines in part.items():
            slot = total.setdefault(year, {})
            for hs6, value in lines.items():
                slot[hs6] = slot.get(hs6, 0.0) + value
    return total


@dataclass(frozen=True)
class Average:
    """The Secretariat's statistic: mean imports per concern, over the concerns with data."""

    concerns: int  # every concern considered
    with_data: int  # those with HS codes and trade data
    without_codes: int  # no HS code, in the concern or its notifications
    without_trade: int  # HS codes but no trade data for the maintaining member
    mean_usd: float | None
    median_usd: float | None
    total_usd: float


def average_imports(values: Sequence[float | None], *, without_codes: int = 0) -> Average:
    """`values`: one per concern with HS codes, None when trade data are missing for it."""
    known = [v for v in values if v is not None]
    return Average(
        concerns=len(values) + without_codes,
        with_data=len(known),
        without_codes=without_codes,
        without_trade=len(values) - len(known),
        mean_usd=statistics.fmean(known) if known else None,
        median_usd=statistics.median(known) if known else None,
        total_usd=float(sum(known)),
    )
