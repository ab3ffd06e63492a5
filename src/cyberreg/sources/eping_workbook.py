"""Reads WTO ePing notification workbooks: the search-page export and the bulk `Notification_EN.xlsx`.

Both have one sheet (`Notifications`) with a header row; columns are found by name after removing
whitespace and case (`Proposed adoption  date` in the bulk file), never by position. Rows are streamed,
so the ~45 MB bulk file is read once without holding every row: by `xlsx_rows`, which gives each row as
openpyxl's read-only reader does, many times faster; openpyxl itself reads a workbook `xlsx_rows` cannot.

Quirks handled (see shared/data/README.md): `Document symbol` and link cells are `HYPERLINK()` formulas
with no cached value (the text is the second argument, with a leading space); a cell may hold several
symbols separated by `, ` (a joint notification, repeated once per member); text holds the literal
`_x000D_` and sometimes HTML; dates are Excel dates, or `dd/MM/yyyy` text, and an empty deadline is an
empty string; HS and ICS cells hold `code - description; ...` where a description may itself contain
`; `, so codes are taken by pattern; objectives carry a `(TBT)`/`(SPS)` suffix.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import html
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.datetime import from_excel
from pydantic import ValidationError

from cyberreg.model.notification import (
    Notification,
    SourceKind,
    Symbol,
    SymbolError,
    member_code_for,
    split_symbols,
)
from cyberreg.sources.problems import InputError, Problem
from cyberreg.sources.xlsx_rows import Formula, open_book, sheet_rows

# Field key -> accepted header names. Headers are compared by `header_key` (no whitespace, casefolded).
COLUMNS: dict[str, tuple[str, ...]] = {
    "member": ("Notifying Member", "Member"),
    "distribution_date": ("Distribution date", "Date of distribution"),
    "symbol": ("Document symbol", "Symbol"),
    "title": ("Title",),
    "description": ("Description",),
    "products": ("Products covered", "Products"),
    "hs_codes": ("HS code(s)", "HS codes"),
    "ics_codes": ("ICS code(s)", "ICS codes"),
    "objectives": ("Objectives", "Objective"),
    "keywords": ("Keywords",),
    "regions_affected": ("Specific regions or countries likely to be affected", "Regions affected"),
    "final_date_for_comments": ("Final date for comments", "Comment deadline"),
    "proposed_adoption_date": ("Proposed adoption date",),
    "proposed_entry_into_force_date": ("Proposed entry into force date",),
    "notification_type": ("Notification type",),
    "notified_document": ("Notified document",),
    "link_en": ("Link to notification(EN)", "Link to notification", "(EN)"),
    "link_fr": ("Link to notification(FR)", "(FR)"),
    "link_es": ("Link to notification(ES)", "(ES)"),
}
REQUIRED_COLUMNS = ("member", "distribution_date", "symbol", "title")
SHEET_NAME = "Notifications"
HEADER_SEARCH_ROWS = 10


def header_key(name: object) -> str:
    """`Proposed adoption  date` and `proposed adoption date` give the same key."""
    return re.sub(r"\s+", "", str(name)).casefold() if name is not None else ""


_KEY_OF_HEADER = {header_key(name): key for key, names in COLUMNS.items() for name in names}

# ---------------------------------------------------------------------------------------------------------
# Cell values: text, formulas, dates, codes. Shared with the API reader.

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TAG_NAMES = (
    "a|abbr|b|big|blockquote|br|center|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|o:p|ol|p|pre|s|small"
    "|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|tr|tt|u|ul"
)
_TAG = re.compile(r"</?(" + _TAG_NAMES + r")\b(?:\s+[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr"}
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACE_CHARS = str.maketrans(
    {"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\u200b": None, "\ufeff": None}
)


def _unescape_x(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value: Any, *, multiline: bool = False) -> str | None:
    """Text as printed, without `_x000D_`-style escapes, HTML tags or entities; None when empty.

    One line (all whitespace collapsed) unless `multiline`, which keeps line breaks (at most one blank line).
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = value if isinstance(value, str) else str(value)
    if "_x" in text:
        text = _ESCAPE.sub(_unescape_x, text)
    if "<" in text:
        text = _TAG.sub(lambda m: "\n" if m.group(1).lower() in _BLOCK_TAGS else "", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # (in ASCII text only the tab is mapped, and whitespace is collapsed below)
        text = text.translate(_SPACE_CHARS)
    if multiline and "\n" in text:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        if "\n\n\n" in text:
            text = _BLANK_LINES.sub("\n\n", text)
        text = text.strip()
    else:
        text = " ".join(text.split())
    return text or None


_STRING = r'"((?:[^"]|"")*)"'
_HYPERLINK = re.compile(
    r"=?\s*HYPERLINK\(\s*" + _STRING + r"\s*(?:[,;]\s*" + _STRING + r"\s*)?\)\s*", re.IGNORECASE | re.DOTALL
)


_PLAIN_HYPERLINK = re.compile(r'=HYPERLINK\("([^"]*)", ?"([^"]*)"\)')  # the usual shape, no `""` inside


def hyperlink_parts(formula: str) -> tuple[str, str | None] | None:
    """`=HYPERLINK("url"," text")` -> ("url", " text"); None if the formula is not a literal HYPERLINK."""
    if match := _PLAIN_HYPERLINK.fullmatch(formula):  # what the general pattern gives, found faster
        return match.group(1), match.group(2)
    match = _HYPERLINK.fullmatch(formula)
    if not match:
        return None
    target = match.group(1).replace('""', '"')
    text = match.group(2).replace('""', '"') if match.group(2) is not None else None
    return target, text


_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_EXCEL_MAX_SERIAL = 2958465  # 31/12/9999


class CellError(ValueError):
    """A cell's value cannot be read; the message says why."""


def parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    """A cell as (date, None), (None, text) for text that is not a date (`To be determined`), or (None, None).

    Accepts Excel dates (datetime or serial number), `dd/MM/yyyy` and ISO `yyyy-mm-dd[Thh:mm:ss]` text;
    raises `CellError` for text shaped like a date that is not one (`31/02/2025`).
    """
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float):
        if not 1 <= value <= _EXCEL_MAX_SERIAL:
            raise CellError(f"number {value} is not an Excel date")
        converted = from_excel(value)
        return (converted.date() if isinstance(converted, dt.datetime) else converted), None
    text = clean_text(value)
    if text is None:
        return None, None
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day), None
        if match := _ISO.fullmatch(text):
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day), None
    except ValueError as error:
        raise CellError(f"not a valid date: {text!r} ({error})") from error
    if _DATE_LIKE.match(text):
        raise CellError(f"not a date in dd/MM/yyyy or yyyy-mm-dd form: {text!r}")
    return None, text


_HS_ITEM = re.compile(r"(?:^|;)\s*(\d{2}[\d.]*)\s*(?=[-\u2013]\s|;|$)")
_ICS_ITEM = re.compile(r"(?:^|;)\s*(\d{2}(?:\.\d{3}(?:\.\d{2})?)?)\s*(?=[-\u2013]\s|;|$)")
_OBJECTIVE_SUFFIX = re.compile(r"\s*\((?:TBT|SPS)\)\s*$", re.IGNORECASE)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def hs_codes_in(text: str | None) -> list[str]:
    """HS codes (digits only) of a `8517 - Telephone sets; ...; 851762 - ...` cell, in order, once each."""
    if not text:
        return []
    codes = (m.group(1).replace(".", "") for m in _HS_ITEM.finditer(text))
    return _unique([code for code in codes if 2 <= len(code) <= 10])


def ics_codes_in(text: str | None) -> list[str]:
    """ICS codes (dotted) of a `33.180 - Fibre optic communications; ...` cell, in order, once each."""
    return _unique([m.group(1) for m in _ICS_ITEM.finditer(text)]) if text else []


def split_list(text: str | None, *, lines: bool = False) -> list[str]:
    """Items separated by `;` (and by line breaks if `lines`), stripped, once each."""
    if not text:
        return []
    parts = re.split(r"[;\n]" if lines else r";", text)
    return _unique([" ".join(part.split()) for part in parts])


def split_objectives(text: str | None) -> list[str]:
    """`Harmonization (TBT); Food safety (SPS)` -> [`Harmonization`, `Food safety`]."""
    return _unique([_OBJECTIVE_SUFFIX.sub("", item) for item in split_list(text)])


def pick_primary(
    symbols: list[Symbol], member: str, learned: dict[str, str] | None = None
) -> tuple[Symbol, str | None]:
    """The row's own symbol among a joint notification's, and the member's symbol code where known."""
    codes = {symbol.member for symbol in symbols}
    if len(codes) == 1 and None not in codes:
        return symbols[0], symbols[0].member
    wanted = member_code_for(member) or (learned or {}).get(" ".join(member.split()).casefold())
    for symbol in symbols:
        if wanted and symbol.member == wanted:
            return symbol, wanted
    return symbols[0], None


# ---------------------------------------------------------------------------------------------------------
# Workbook reading.


@dataclass(frozen=True)
class _Column:
    index: int
    header: str  # as printed in the file


def _language_of(path: Path) -> str:
    match = re.search(r"_(EN|FR|ES)$", path.stem, re.IGNORECASE)
    return match.group(1).lower() if match else "en"


def _error(file: str, line: int | None, field: str | None, message: str) -> InputError:
    return InputError([Problem(file, line, field, message)])


def _open(path: Path, file: str) -> Any:
    if not path.is_file():
        raise InputError([Problem(file, None, None, "no such file")])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        raise _error(
            file, None, None, f"not a readable .xlsx workbook (corrupt or truncated?): {reason}"
        ) from error


def _openpyxl_rows(workbook: Any) -> Iterator[list[Any]]:
    """The rows of the notification sheet, read by openpyxl (the fallback for odd files)."""
    names = {name.casefold(): name for name in workbook.sheetnames}
    sheet = workbook[names.get(SHEET_NAME.casefold(), workbook.sheetnames[0])]
    sheet.reset_dimensions()  # never trust the stored dimension: read every row present
    for cells in sheet.iter_rows():
        yield [
            Formula(str(cell.value))
            if getattr(cell, "data_type", None) == "f"
            else getattr(cell, "value", None)
            for cell in cells
        ]


def _find_header(rows: Iterator[list[Any]], file: str) -> tuple[int, dict[str, _Column]]:
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        cells = next(rows, None)
        if cells is None:
            break
        columns: dict[str, _Column] = {}
        for index, value in enumerate(cells):
            key = _KEY_OF_HEADER.get(header_key(value))
            if key and key not in columns:
                columns[key] = _Column(index, " ".join(str(value).split()))
        if "symbol" in columns:
            missing = [COLUMNS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
            if missing:
                raise InputError(
                    [Problem(file, number, name, "column missing from the header row") for name in missing]
                )
            return number, columns
    message = f"no header row naming 'Document symbol' in the first {HEADER_SEARCH_ROWS} rows"
    raise _error(file, None, "Document symbol", message)


# Columns whose cells repeat from row to row in the real files (members, types, objectives, keywords,
# codes): their text is cleaned, and their codes and lists read, once per distinct cell.
_REPEATED = frozenset({"member", "notification_type", "objectives", "keywords", "hs_codes", "ics_codes"})
_clean_repeated = functools.lru_cache(maxsize=4096)(clean_text)


@functools.lru_cache(maxsize=4096)
def _codes_and_lists(function: Any, text: str | None) -> tuple[str, ...]:
    return tuple(function(text))


def _cached(function: Any, text: str | None) -> list[str]:
    """`function(text)` (a pure function giving a list), read once per distinct text."""
    return list(_codes_and_lists(function, text))


class _Row:
    """One data row: raw cell values by field key (formulas as `Formula`), and the problems found in it."""

    def __init__(self, file: str, number: int, cells: list[Any], columns: dict[str, _Column]):
        self.file, self.number, self.cells, self.columns = file, number, cells, columns
        self.problems: list[Problem] = []

    def header(self, key: str) -> str:
        column = self.columns.get(key)
        return column.header if column else COLUMNS[key][0]

    def cell(self, key: str) -> Any:
        column = self.columns.get(key)
        if column is None or column.index >= len(self.cells):
            return None
        return self.cells[column.index]

    def problem(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, self.number, self.header(key) if key else None, message))

    def has_problem(self, key: str) -> bool:
        return any(problem.field == self.header(key) for problem in self.problems)

    def value(self, key: str, *, link: bool = False) -> Any:
        """The cell's value; for a HYPERLINK formula its text (or, for a link, its target)."""
        value = self.cell(key)
        if isinstance(value, Formula) or (isinstance(value, str) and value.startswith("=HYPERLINK(")):
            parts = hyperlink_parts(str(value))
            if parts is None:
                self.problem(key, f"a formula whose value cannot be read: {str(value)[:80]!r}")
                return None
            target, text = parts
            if link:
                return target.strip() if target.strip().startswith("http") else (text or "").strip()
            return text if text is not None else target
        return value

    def text(self, key: str, *, multiline: bool = False) -> str | None:
        value = self.value(key)
        if key in _REPEATED and isinstance(value, str):
            return _clean_repeated(value, multiline=multiline)
        return clean_text(value, multiline=multiline)

    def date(self, key: str) -> tuple[dt.date | None, str | None]:
        try:
            return parse_date(self.value(key))
        except CellError as error:
            self.problem(key, str(error))
            return None, None

    def is_empty(self) -> bool:
        return all(value is None or value == "" for value in self.cells)


def _row_to_notification(
    row: _Row, source_file: str, language: str, learned: dict[str, str]
) -> Notification | None:
    member = row.text("member")
    if member is None and not row.has_problem("member"):
        row.problem("member", "empty")
    symbols: list[Symbol] = []
    symbol_text = row.text("symbol")
    if symbol_text is None:
        if not row.has_problem("symbol"):
            row.problem("symbol", "empty")
    else:
        try:
            symbols = split_symbols(symbol_text)
        except SymbolError as error:
            row.problem("symbol", str(error))
    distribution, note = row.date("distribution_date")
    if distribution is None and not row.has_problem("distribution_date"):
        row.problem("distribution_date", f"not a date: {note!r}" if note else "empty")
    dates: dict[str, dt.date | None] = {}
    date_notes: dict[str, str] = {}
    for key in ("final_date_for_comments", "proposed_adoption_date", "proposed_entry_into_force_date"):
        dates[key], note = row.date(key)
        if note:
            date_notes[key] = note
    links = {}
    for lang in ("en", "fr", "es"):
        url = clean_text(row.value(f"link_{lang}", link=True))
        if url:
            links[lang] = url
    if row.problems or member is None or not symbols or distribution is None:
        return None
    primary, member_code = pick_primary(symbols, member, learned)
    if len(symbols) == 1 and primary.member:
        learned.setdefault(" ".join(member.split()).casefold(), primary.member)
    hs_text, ics_text = row.text("hs_codes"), row.text("ics_codes")
    fields: dict[str, Any] = {
        "symbol": str(primary),
        "symbols": [str(symbol) for symbol in symbols],
        "area": primary.area,
        "member": member,
        "member_code": member_code,
        "distribution_date": distribution,
        **dates,
        "date_notes": date_notes,
        "notification_type": row.text("notification_type"),
        "title": row.text("title") or "",
        "description": row.text("description", multiline=True),
        "products": row.text("products", multiline=True),
        "hs_codes": _cached(hs_codes_in, hs_text),
        "ics_codes": _cached(ics_codes_in, ics_text),
        "objectives": _cached(split_objectives, row.text("objectives")),
        "keywords": _cached(split_list, row.text("keywords")),
        "regions_affected": split_list(row.text("regions_affected", multiline=True), lines=True),
        "notified_document": row.text("notified_document", multiline=True),
        "links": links,
        "language": language,
        "source": {"kind": SourceKind.EPING_WORKBOOK, "file": source_file, "row": row.number},
    }
    if hs_text and not fields["hs_codes"]:
        row.problem("hs_codes", f"no HS code found (expected 'code - description; ...'): {hs_text[:80]!r}")
    if ics_text and not fields["ics_codes"]:
        row.problem("ics_codes", f"no ICS code found (expected 'code - description; ...'): {ics_text[:80]!r}")
    if row.problems:
        return None
    try:
        return Notification.model_validate(fields)
    except ValidationError as error:
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else ""
            key = {"symbols": "symbol", "area": "symbol", "links": "link_en"}.get(name, name)
            row.problem(key if key in COLUMNS else None, item["msg"])
        return None


def iter_workbook(
    path: str | Path, problems: list[Problem] | None = None, *, language: str | None = None
) -> Iterator[Notification]:
    """Stream the notifications of an ePing workbook, one per data row.

    A bad row is appended to `problems` (one `Problem` per bad cell, naming file, row and column) and
    skipped; without a `problems` list the first bad row raises `InputError`. A file that cannot be read
    (missing, not xlsx, corrupt, truncated, no header) always raises `InputError`.
    """
    path = Path(path)
    file = str(path)
    rows: Iterator[list[Any]]
    try:
        book = open_book(path, SHEET_NAME)
    except Exception:  # not found the usual way: openpyxl reads it, or says why it cannot
        workbook = _open(path, file)
        rows, close = _openpyxl_rows(workbook), workbook.close
    else:
        rows, close = sheet_rows(book), book.archive.close
    try:
        number = 0
        try:
            number, columns = _find_header(rows, file)
        except InputError:
            raise
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            raise _error(
                file, None, None, f"cannot read the sheet (corrupt or truncated?): {reason}"
            ) from error
        learned: dict[str, str] = {}
        lang = language or _language_of(path)
        while True:
            try:
                cells = next(rows, None)
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                message = f"cannot read the workbook after row {number} (corrupt or truncated?): {reason}"
                raise _error(file, number + 1, None, message) from error
            if cells is None:
                return
            number += 1
            row = _Row(file, number, cells, columns)
            if row.is_empty():
                continue
            notification = _row_to_notification(row, path.name, lang, learned)
            if notification is not None:
                yield notification
            elif problems is None:
                raise InputError(row.problems)
            else:
                problems.extend(row.problems)
    finally:
        close()


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """While reading a whole workbook: the notifications hold no reference cycles, and collecting would
    scan every notification read so far, again and again (a third of the time for 100,000 rows)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def validate_workbook(path: str | Path, *, language: str | None = None) -> int:
    """Read a whole workbook; return how many notifications it holds, or raise `InputError` with every
    problem (file, row, column) found."""
    problems: list[Problem] = []
    with _no_cyclic_gc():
        count = sum(1 for _ in iter_workbook(path, problems, language=language))
    if problems:
        raise InputError(problems)
    return count


def read_workbook(path: str | Path, *, language: str | None = None) -> list[Notification]:
    """Every notification of a workbook, or `InputError` listing every problem: all or nothing."""
    problems: list[Problem] = []
    with _no_cyclic_gc():
        notifications = list(iter_workbook(path, problems, language=language))
    if problems:
        raise InputError(problems)
    return notifications
