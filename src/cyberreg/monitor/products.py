"""Product codes of a measure: the Harmonized System (HS 2022) and the International Classification for
Standards (ICS).

The HS nomenclature ships as a compact CSV (`cyberreg/data/hs/hs2022.csv`: code, parent, level, short
description), derived from the public-domain `harmonized-system` data package (UN Comtrade origin,
ODC-PDDL); `write_compact` rebuilds it from that package's `harmonized-system.csv`:

    python -m cyberreg.monitor.products ../shared/data/hs2022/harmonized-system.csv \
        src/cyberreg/data/hs/hs2022.csv

HS codes are digits: a chapter (HS2, `84`), heading (HS4, `8471`) or subheading (HS6, `847130`); longer
codes (8 or 10 digits) are national tariff lines, checked through their HS6 prefix. Written forms such as
`8471.30`, `84 71 30` or `8517.62.00` are accepted, and a leading zero lost by a spreadsheet is put back
(`10121` -> `010121`). ICS codes (`35.030`, `33.180.10`) have no nomenclature here: their format is
checked and they are kept as given.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

HS_LEVELS = (2, 4, 6)
SHORT_DESCRIPTION = 80  # characters kept of a description in the compact file
COMPACT_COLUMNS = ("code", "parent", "level", "description")

_HS_NOISE = re.compile(r"[\s.\-]+")
_ICS = re.compile(r"^\d{2}(?:\.\d{3}(?:\.\d{2})?)?$")


class ProductCodeError(ValueError):
    """Not an HS or ICS code, or not one of the nomenclature."""


@dataclass(frozen=True)
class HsEntry:
    code: str
    parent: str | None  # None for a chapter
    level: int  # 2, 4 or 6
    description: str


class HsNomenclature:
    """The codes of one HS edition, with parent links; lookups by code, children, and prefix expansion."""

    def __init__(self, entries: Iterable[HsEntry], edition: str = "HS2022"):
        self.edition = edition
        self._entries: dict[str, HsEntry] = {}
        self._children: dict[str, list[str]] = {}
        for entry in entries:
            self._entries[entry.code] = entry
            if entry.parent is not None:
                self._children.setdefault(entry.parent, []).append(entry.code)
        for codes in self._children.values():
            codes.sort()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[HsEntry]:
        return iter(sorted(self._entries.values(), key=lambda e: e.code))

    def get(self, code: str) -> HsEntry | None:
        return self._entries.get(code)

    def children(self, code: str) -> list[str]:
        """The codes one level down: `84` -> its headings, `8517` -> its subheadings."""
        return list(self._children.get(code, ()))

    def descendants(self, code: str) -> list[str]:
        found: list[str] = []
        for child in self.children(code):
            found.append(child)
            found.extend(self.descendants(child))
        return sorted(found)


# ---------------------------------------------------------------------------------------------------------
# Reading and writing the nomenclature.


def short_description(text: str, limit: int = SHORT_DESCRIPTION) -> str:
    """A description cut at a word boundary to at most `limit` characters, with `…` when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:(-") + "…"


def read_source(path: str | Path) -> list[HsEntry]:
    """The upstream `harmonized-system.csv` (section, hscode, description, parent, level), full text.

    The `TOTAL` row is dropped; a chapter's parent `TOTAL` becomes None."""
    entries = []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = (row.get("hscode") or "").strip()
            if not code.isdigit():
                continue
            parent = (row.get("parent") or "").strip()
            entries.append(
                HsEntry(
                    code=code,
                    parent=parent if parent.isdigit() else None,
                    level=int(row["level"]),
                    description=" ".join((row.get("description") or "").split()),
                )
            )
    return entries


def read_compact(path: str | Path) -> list[HsEntry]:
    """Our compact file (code, parent, level, short description)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return _compact_rows(handle)


def _compact_rows(handle: Iterable[str]) -> list[HsEntry]:
    reader = csv.DictReader(handle)
    if tuple(reader.fieldnames or ()) != COMPACT_COLUMNS:
        raise ProductCodeError(f"compact HS file must have columns {', '.join(COMPACT_COLUMNS)}")
    return [
        HsEntry(
            code=row["code"],
            parent=row["parent"] or None,
            level=int(row["level"]),
            description=row["description"],
        )
        for row in reader
    ]


def write_compact(entries: Iterable[HsEntry], path: str | Path, limit: int = SHORT_DESCRIPTION) -> int:
    """Write the compact file, sorted by code, descriptions shortened; returns the number of rows."""
    rows = sorted(entries, key=lambda e: e.code)
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COMPACT_COLUMNS)
        for e in rows:
            writer.writerow([e.code, e.parent or "", e.level, short_description(e.description, limit)])
    return len(rows)


@functools.cache
def hs2022() -> HsNomenclature:
    """The bundled HS 2022 nomenclature (6,939 codes), read once."""
    data = resources.files("cyberreg").joinpath("data", "hs", "hs2022.csv")
    text = data.read_text(encoding="utf-8")
    return HsNomenclature(_compact_rows(io.StringIO(text, newline="")), edition="HS2022")


# ---------------------------------------------------------------------------------------------------------
# HS codes.


def _digits(code: str) -> str:
    if not isinstance(code, str):
        raise ProductCodeError(f"an HS code must be text, got {type(code).__name__}")
    compact = _HS_NOISE.sub("", code)
    if not compact.isdigit():
        raise ProductCodeError(f"not an HS code (digits, optionally with dots or spaces): {code!r}")
    if len(compact) % 2:
        compact = "0" + compact  # a leading zero lost by a spreadsheet: 10121 -> 010121
    if not 2 <= len(compact) <= 10:
        raise ProductCodeError(f"an HS code has 2 to 10 digits: {code!r}")
    return compact


def normalize_hs(code: str, nomenclature: HsNomenclature | None = None) -> str:
    """Digits only, a lost leading zero restored, checked against the nomenclature.

    `8471.30` -> `847130`; `1` -> `01`; `8517.62.00` -> `85176200` (a national line whose HS6 exists).
    Raises `ProductCodeError` for text that is not a code or a code the nomenclature does not have."""
    nomenclature = nomenclature or hs2022()
    digits = _digits(code)
    known = digits[:6]
    if known not in nomenclature:
        what = {2: "chapter", 4: "heading"}.get(len(known), "subheading")
        raise ProductCodeError(f"no HS {what} {known} in {nomenclature.edition}: {code!r}")
    return digits


def is_hs(code: str, nomenclature: HsNomenclature | None = None) -> bool:
    try:
        normalize_hs(code, nomenclature)
    except ProductCodeError:
        return False
    return True


def hs_level(code: str) -> int:
    """2 (chapter), 4 (heading), 6 (subheading), or 8/10 for a national line."""
    return len(_digits(code))


def hs_parent(code: str, nomenclature: HsNomenclature | None = None) -> str | None:
    digits = normalize_hs(code, nomenclature)
    if len(digits) > 6:
        return digits[:6]
    entry = (nomenclature or hs2022()).get(digits)
    return entry.parent if entry else None


def hs_ancestors(code: str, nomenclature: HsNomenclature | None = None) -> list[str]:
    """The chapter and heading above a code, outermost first: `847130` -> [`84`, `8471`]."""
    digits = normalize_hs(code, nomenclature)
    return [digits[:n] for n in HS_LEVELS if n < len(digits)]


def expand_hs(code: str, level: int | None = None, nomenclature: HsNomenclature | None = None) -> list[str]:
    """Every code below `code`, sorted: `84` -> its headings and subheadings, `8517` -> its subheadings.

    With `level` (4 or 6) only the codes of that level: `expand_hs("84", 6)` gives HS6 codes only. A code
    with nothing below (an HS6 code or a national line) expands to itself at its own level, else to []."""
    nomenclature = nomenclature or hs2022()
    digits = normalize_hs(code, nomenclature)
    if level is not None and level not in HS_LEVELS:
        raise ProductCodeError(f"level must be one of {HS_LEVELS}, got {level}")
    below = nomenclature.descendants(digits)
    if not below:
        return [digits] if level in (None, len(digits)) else []
    return [c for c in below if level is None or len(c) == level]


def describe_hs(code: str, nomenclature: HsNomenclature | None = None) -> str:
    """The short description of a code; a national line is described by its HS6 subheading."""
    nomenclature = nomenclature or hs2022()
    digits = normalize_hs(code, nomenclature)
    entry = nomenclature.get(digits[:6])
    assert entry is not None  # normalize_hs checked it
    return entry.description


def hs_entry(code: str, nomenclature: HsNomenclature | None = None) -> HsEntry:
    nomenclature = nomenclature or hs2022()
    digits = normalize_hs(code, nomenclature)
    entry = nomenclature.get(digits[:6])
    assert entry is not None
    return entry


def hs_prefix(code: str, nomenclature: HsNomenclature | None = None) -> str:
    """A code used as a filter prefix (`84`, `8517`, `8517.62`): normalised and checked."""
    return normalize_hs(code, nomenclature)


def hs_matches(prefix: str, codes: Iterable[str]) -> bool:
    """True when any of `codes` starts with the (normalised) `prefix`."""
    return any(code.startswith(prefix) for code in codes)


# ---------------------------------------------------------------------------------------------------------
# ICS codes.


def normalize_ics(code: str) -> str:
    """An ICS code as given (surrounding spaces dropped), if its format is right: `35`, `35.030`,
    `33.180.10`. No nomenclature is checked."""
    if not isinstance(code, str):
        raise ProductCodeError(f"an ICS code must be text, got {type(code).__name__}")
    text = code.strip()
    if not _ICS.match(text):
        raise ProductCodeError(f"not an ICS code (NN, NN.NNN or NN.NNN.NN): {code!r}")
    return text


def is_ics(code: str) -> bool:
    try:
        normalize_ics(code)
    except ProductCodeError:
        return False
    return True


def ics_level(code: str) -> int:
    """1 (field), 2 (group) or 3 (sub-group)."""
    return normalize_ics(code).count(".") + 1


def main(argv: list[str] | None = None) -> int:
    """`python -m cyberreg.monitor.products SOURCE_CSV OUT_CSV`: rebuild the compact file."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m cyberreg.monitor.products harmonized-system.csv hs2022.csv\n")
        return 2
    count = write_compact(read_source(args[0]), args[1])
    sys.stdout.write(f"{args[1]}: {count} codes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
