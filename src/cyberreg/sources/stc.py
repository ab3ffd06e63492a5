"""Reads specific trade concerns (STCs) from CSV or xlsx files laid out like the WTO's STC data.

Two layouts are known and read by the same code:

- the TBT IMS / ePing trade-concern search export: one row per concern, with an id (`IMS ID`), `Title`,
  the `Maintaining member`, `Raised by` / `Raising members`, `Supported by` / `Supporting members`, the
  date first (and last) raised or the meeting dates, the number of times raised, `Status`, related
  notification symbols, HS codes and the minutes where it was discussed;
- the Secretariat's research dataset (World Trade Report 2012, `TBT STCs` workbook): `Item number` (the
  IMS id), `Members maintaining`, `Members concerned` (the raising members), `First date raised` and
  `HS_code`, with one row per concern and product, so rows sharing an id are merged into one concern.

Header names vary between exports and over time, so columns are found by name after dropping case, spaces
and punctuation (`HS code(s)`, `HS_code` and `hs codes` are one column), never by position; the names each
field accepts are in `COLUMNS` (docs/monitor.md lists them with their sources). Cells are tolerant: member
lists separated by `;`, new lines or `, ` (keeping `Korea, Republic of` whole), dates as Excel dates,
`dd/mm/yyyy`, ISO, `March 2019`, `21-22 March 2019` or a bare year (1 January), HS codes as `8517 - Telephone
sets; ...`, `84, 85` or numbers that lost a leading zero (`402` -> `0402`), symbols picked out of any text.

All or nothing: every problem in the file is collected, each naming file, row and column as printed, and
`InputError` is raised before anything is returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from pydantic import ValidationError

from cyberreg.model.concern import ConcernSource, TradeConcern, normalize_ims_id
from cyberreg.model.notification import SymbolError, member_code_for, normalize_symbol
from cyberreg.sources.eping_workbook import (
    CellError,
    clean_text,
    hs_codes_in,
    hyperlink_parts,
    ics_codes_in,
    parse_date,
    split_list,
    split_objectives,
)
from cyberreg.sources.problems import InputError, Problem

# Field -> accepted header names (compared by `column_key`). The first name is the one errors print when
# the column is missing.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ims_id": (
        "IMS ID", "ID", "STC ID", "STC number", "STC No.", "Item number", "Concern ID", "Trade concern ID",
        "Number",
    ),
    "title": ("Title", "STC title", "Concern title", "Concern", "Subject"),
    "description": ("Description", "Summary", "Concern description"),
    "maintaining_member": (
        "Maintaining member", "Maintaining member(s)", "Member maintaining", "Members maintaining",
        "Member(s) maintaining the measure", "Maintaining Members",
    ),
    "raising_members": (
        "Raising members", "Raising member(s)", "Raised by", "Members raising",
        "Member(s) raising the concern", "Members concerned", "Raising member",
    ),
    "supporting_members": (
        "Supporting members", "Supporting member(s)", "Supported by", "Members supporting",
        "Member(s) supporting the concern", "Supporting member",
    ),
    "first_raised": (
        "First raised", "Date first raised", "First date raised", "Date of first raising",
        "First time raised", "First raised date", "Date raised",
    ),
    "last_raised": ("Last raised", "Date last raised", "Last date raised", "Last time raised"),
    "meetings": ("Meeting dates", "Dates raised", "Date(s) raised", "Meetings", "Committee meetings"),
    "times_raised": ("Number of times raised", "Times raised", "Nb times raised", "Frequency"),
    "status": ("Status", "Reported status", "Resolution"),
    "notification_symbols": (
        "Notification symbols", "Related notifications", "Notifications", "Notification symbol(s)",
        "Notified documents", "Document symbol", "Symbols", "G/TBT/N",
    ),
    "hs_codes": ("HS codes", "HS code(s)", "HS_code", "HS", "Products (HS)"),
    "ics_codes": ("ICS codes", "ICS code(s)", "ICS"),
    "objectives": ("Objectives", "Objective(s)", "Stated objectives", "Objective"),
    "keywords": ("Keywords", "Keyword(s)"),
    "minutes": ("Minutes", "Minutes references", "References", "Meeting minutes", "Committee documents"),
    "area": ("Domain", "Committee", "Area", "Agreement"),
}  # fmt: skip
REQUIRED = ("ims_id", "maintaining_member")  # with no title column, a title is made: `STC 301 (India)`
HEADER_SEARCH_ROWS = 10


def column_key(name: object) -> str:
    """`HS code(s)`, `HS_code` and `hs codes` give one key: no case, spaces, punctuation or final `s`."""
    return re.sub(r"[^0-9a-z]", "", str(name).casefold()).removesuffix("s") if name is not None else ""


_KEY_OF_HEADER = {column_key(name): key for key, names in COLUMNS.items() for name in names}

# ---------------------------------------------------------------------------------------------------------
# Cells.

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH = r"(?P<{}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_DATES = re.compile(
    "|".join(
        [
            r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})",
            r"(?P<dmy>\d{1,2}[/.]\d{1,2}[/.]\d{4})",
            r"(?:(?P<d1>\d{1,2})(?:\s*[-\u2013]\s*\d{1,2})?\s+)"
            + _MONTH.format("m1")
            + r",?\s+(?P<y1>\d{4})",
            _MONTH.format("m2") + r"\s+(?P<d2>\d{1,2})(?:\s*[-\u2013]\s*\d{1,2})?,?\s+(?P<y2>\d{4})",
            _MONTH.format("m3") + r",?\s+(?P<y3>\d{4})",
            r"(?<![\d/.-])(?P<m4>\d{1,2})/(?P<y4>\d{4})(?![\d/.-])",
            r"(?<![\d/.-])(?P<y5>(?:19|20)\d{2})(?![\d/.-])",
        ]
    ),
    re.IGNORECASE,
)


def _month(name: str) -> int:
    return next(i for i, full in enumerate(_MONTH_NAMES, 1) if full.startswith(name.lower()[:3]))


def _date_of(match: re.Match[str]) -> dt.date:
    g = match.groupdict()
    if g["iso"]:
        year, month, day = (int(p) for p in g["iso"].split("-"))
        return dt.date(year, month, day)
    if g["dmy"]:
        day, month, year = (int(p) for p in re.split(r"[/.]", g["dmy"]))
        return dt.date(year, month, day)
    for m, d, y in (("m1", "d1", "y1"), ("m2", "d2", "y2"), ("m3", None, "y3")):
        if g[m]:
            return dt.date(int(g[y]), _month(g[m]), int(g[d]) if d else 1)
    if g["m4"]:
        return dt.date(int(g["y4"]), int(g["m4"]), 1)
    return dt.date(int(g["y5"]), 1, 1)


def parse_dates(value: Any) -> list[dt.date]:
    """Every date in a cell: an Excel date, or text holding one or several dates in any known form.

    Raises `CellError` for text with no date, or a date that does not exist (`31/02/2024`)."""
    if isinstance(value, int) and 1900 <= value <= 2100:
        return [dt.date(value, 1, 1)]
    if not isinstance(value, str):
        found, _ = parse_date(value)
        return [found] if found else []
    text = clean_text(value)
    if not text:
        return []
    dates = []
    for match in _DATES.finditer(text):
        try:
            dates.append(_date_of(match))
        except ValueError as error:
            raise CellError(f"not a valid date: {match.group(0)!r} ({error})") from error
    if not dates:
        raise CellError(f"no date found in {text[:60]!r}")
    return dates


def _pad(code: str) -> str:
    """HS codes stored as numbers lose their leading zero: `402` -> `0402`, `10121` -> `010121`."""
    return "0" + code if len(code) % 2 else code


def parse_hs_codes(value: Any) -> list[str]:
    """HS codes (digits only, once each) from a number, `8517 - Telephone sets; ...` or `84, 85`."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        if float(value) != int(value):
            raise CellError(f"not an HS code: {value!r}")
        return [_pad(str(int(value)))]
    text = clean_text(value)
    if not text:
        return []
    codes = hs_codes_in(text)
    if not codes:
        tokens = [t for t in re.split(r"[;,|/\s]+", text) if t]
        if not all(re.fullmatch(r"\d[\d.]*", t) for t in tokens):
            raise CellError(
                f"no HS code found (expected `8517; 8471` or `8517 - description`): {text[:60]!r}"
            )
        codes = [t.replace(".", "") for t in tokens]
    found = [_pad(code) for code in codes]
    bad = [code for code in found if not 2 <= len(code) <= 10]
    if bad:
        raise CellError(f"not an HS code (2 to 10 digits): {', '.join(bad)}")
    return list(dict.fromkeys(found))


_SYMBOL = re.compile(
    r"G\s*/\s*(?:TBT|SPS)\s*/\s*(?:N\s*/\s*[A-Za-z]{2,5}\s*/\s*\d{1,6}|Notif\.?\s*\d{2}\s*[./]\s*\d{1,6})"
    r"(?:\s*/\s*(?:Add|Rev|Corr|Suppl)\.?\s*\d{1,4})*",
    re.IGNORECASE,
)


def parse_symbols(value: Any) -> list[str]:
    """Notification symbols picked out of a cell (`G/TBT/N/CHN/1022, G/TBT/N/CHN/1022/Add.1`).

    Text without any symbol (`Not notified`) gives none; text that starts one but does not finish it
    (`G/TBT/N/CHN/`) raises `CellError`."""
    text = clean_text(value)
    if not text:
        return []
    found = []
    for match in _SYMBOL.finditer(text):
        try:
            found.append(normalize_symbol(match.group(0)))
        except SymbolError as error:
            raise CellError(str(error)) from error
    if not found and re.search(r"G\s*/\s*(TBT|SPS)\s*/\s*N", text, re.IGNORECASE):
        raise CellError(f"no complete notification symbol in {text[:60]!r}")
    return list(dict.fromkeys(found))


def split_members(value: Any) -> list[str]:
    """Members separated by `;`, new lines or commas (`Korea, Republic of` and `Hong Kong, China` kept)."""
    text = clean_text(value, multiline=True)
    if not text:
        return []
    found: list[str] = []
    for part in re.split(r"[;\n]+", text):
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        i = 0
        while i < len(pieces):
            for n in (3, 2, 1):
                candidate = ", ".join(pieces[i : i + n])
                if n == 1 or (i + n <= len(pieces) and member_code_for(candidate)):
                    found.append(candidate)
                    i += n
                    break
    return list(dict.fromkeys(found))


def parse_count(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CellError(f"not a number: {value!r}") from None
    if number != int(number) or number < 1:
        raise CellError(f"expected a whole number of at least 1, got {value!r}")
    return int(number)


def parse_area(value: Any) -> str | None:
    text = (clean_text(value) or "").upper()
    if not text:
        return None
    if "SPS" in text or "SANITARY" in text:
        return "SPS"
    if "TBT" in text or "TECHNICAL" in text:
        return "TBT"
    raise CellError(f"expected TBT or SPS, got {value!r}")


# ---------------------------------------------------------------------------------------------------------
# Tables: CSV or the first xlsx sheet with a recognisable header row.


@dataclass
class _Table:
    sheet: str | None
    header_row: int
    columns: dict[str, tuple[int, str]]  # field -> (index, header as printed)
    rows: Iterator[tuple[int, list[Any]]]
    workbook: Any = None  # an open xlsx workbook, closed once the rows are read


def _header_columns(cells: list[Any]) -> dict[str, tuple[int, str]]:
    columns: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(cells):
        key = _KEY_OF_HEADER.get(column_key(value))
        if key and key not in columns:
            columns[key] = (index, " ".join(str(value).split()))
    return columns


def _looks_like_header(columns: dict[str, tuple[int, str]]) -> bool:
    return len(columns) >= 2 and ("ims_id" in columns or "title" in columns)


def _cell_value(cell: Any) -> Any:
    value = getattr(cell, "value", cell)
    if isinstance(value, str) and value.lstrip().upper().startswith("=HYPERLINK("):
        parts = hyperlink_parts(value.strip())
        if parts is not None:
            target, text = parts
            return text if text is not None else target
    return value


def _csv_table(path: Path, file: str) -> _Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        cells = next(reader, None)
        if cells is None:
            break
        columns = _header_columns(cells)
        if _looks_like_header(columns):

            def rows(line: int = reader.line_num + 1) -> Iterator[tuple[int, list[Any]]]:
                for record in reader:
                    yield line, list(record)
                    line = reader.line_num + 1

            return _Table(None, number, columns, rows())
    raise InputError([Problem(file, None, None, _no_header_message())])


def _no_header_message() -> str:
    return (
        f"no header row naming an STC id ({COLUMNS['ims_id'][0]!r}) or title in the first "
        f"{HEADER_SEARCH_ROWS} rows"
    )


def _xlsx_table(path: Path, file: str) -> _Table:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        raise InputError([Problem(file, None, None, f"not a readable .xlsx workbook: {reason}")]) from error
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows()
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            cells = next(rows, None)
            if cells is None:
                break
            columns = _header_columns([_cell_value(c) for c in cells])
            if _looks_like_header(columns):

                def data(
                    rows: Iterator[Any] = rows, first: int = number + 1
                ) -> Iterator[tuple[int, list[Any]]]:
                    for line, cells in enumerate(rows, first):
                        yield line, [_cell_value(c) for c in cells]

                return _Table(sheet.title, number, columns, data(), workbook)
    workbook.close()
    raise InputError([Problem(file, None, None, _no_header_message())])


# ---------------------------------------------------------------------------------------------------------
# Rows and concerns.


@dataclass
class _Partial:
    """What the rows of one concern said, merged."""

    rows: list[int] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def first(self, key: str, value: Any) -> None:
        if value not in (None, "", []) and self.values.get(key) in (None, ""):
            self.values[key] = value

    def extend(self, key: str, items: list[Any]) -> None:
        self.values[key] = list(dict.fromkeys([*self.values.get(key, []), *items]))


_LISTS = ("raising_members", "supporting_members", "notification_symbols", "hs_codes", "ics_codes")
_TEXT_LISTS = ("objectives", "keywords", "minutes")


def _read_row(
    file: str, number: int, cells: list[Any], columns: dict[str, tuple[int, str]], problems: list[Problem]
) -> tuple[str, dict[str, Any]] | None:
    def raw(key: str) -> Any:
        column = columns.get(key)
        return cells[column[0]] if column and column[0] < len(cells) else None

    def problem(key: str, message: str) -> None:
        problems.append(
            Problem(file, number, columns[key][1] if key in columns else COLUMNS[key][0], message)
        )

    if all(value in (None, "") or (isinstance(value, str) and not value.strip()) for value in cells):
        return None
    ims = clean_text(raw("ims_id"))
    if not ims:
        problem("ims_id", "empty")
        return None
    try:
        ims = normalize_ims_id(ims)
    except ValueError as error:
        problem("ims_id", str(error))
        return None
    values: dict[str, Any] = {
        "title": clean_text(raw("title")),
        "description": clean_text(raw("description"), multiline=True),
        "status": clean_text(raw("status")),
        "objectives": split_objectives(clean_text(raw("objectives"))),
        "keywords": split_list(clean_text(raw("keywords"))),
        "minutes": split_list(clean_text(raw("minutes"), multiline=True), lines=True),
    }
    members = split_members(raw("maintaining_member"))
    values["maintaining_member"] = members[0] if members else None
    values["other_maintaining_members"] = members[1:]
    values["raising_members"] = split_members(raw("raising_members"))
    values["supporting_members"] = split_members(raw("supporting_members"))
    parsers = {
        "notification_symbols": parse_symbols,
        "hs_codes": parse_hs_codes,
        "ics_codes": lambda v: ics_codes_in(clean_text(v)),
        "times_raised": parse_count,
        "area": parse_area,
        "meetings": parse_dates,
        "first_raised": parse_dates,
        "last_raised": parse_dates,
    }
    for key, parse in parsers.items():
        try:
            values[key] = parse(raw(key))
        except CellError as error:
            problem(key, str(error))
            values[key] = [] if key in (*_LISTS, "meetings") else None
    if raw("ics_codes") not in (None, "") and not values["ics_codes"]:
        problem("ics_codes", f"no ICS code found: {str(raw('ics_codes'))[:60]!r}")
    for key in ("first_raised", "last_raised"):
        dates = values[key] or []
        values[key] = (min(dates) if key == "first_raised" else max(dates)) if dates else None
    return ims, values


def _merge(partial: _Partial, values: dict[str, Any]) -> None:
    for key in ("title", "description", "status", "maintaining_member", "area", "times_raised"):
        partial.first(key, values[key])
    known = partial.values.get("maintaining_member")
    others = [
        m for m in [values["maintaining_member"], *values["other_maintaining_members"]] if m and m != known
    ]
    partial.extend("other_maintaining_members", others)
    for key in (*_LISTS, *_TEXT_LISTS, "meetings"):
        partial.extend(key, values[key])
    for key, pick in (("first_raised", min), ("last_raised", max), ("times_raised", max)):
        found = [v for v in (partial.values.get(key), values[key]) if v is not None]
        partial.values[key] = pick(found) if found else None


def _concern(
    file: str, table: _Table, ims: str, partial: _Partial, problems: list[Problem]
) -> TradeConcern | None:
    values = dict(partial.values)
    first_row = partial.rows[0]
    missing = False
    if "title" not in table.columns and values.get("maintaining_member"):
        values["title"] = f"STC {ims} ({values['maintaining_member']})"
    for key in ("title", "maintaining_member"):
        if not values.get(key):
            name = table.columns[key][1] if key in table.columns else COLUMNS[key][0]
            problems.append(Problem(file, first_row, name, f"empty for STC {ims}"))
            missing = True
    if missing:
        return None
    if not values.get("area"):
        symbols = values.get("notification_symbols") or []
        values["area"] = "SPS" if symbols and symbols[0].startswith("G/SPS") else "TBT"
    values["source"] = ConcernSource(file=file, sheet=table.sheet, rows=partial.rows)
    try:
        return TradeConcern.model_validate({"ims_id": ims, **values})
    except ValidationError as error:
        for item in error.errors():
            key = str(item["loc"][0]) if item["loc"] else ""
            header: str | None = table.columns[key][1] if key in table.columns else None
            problems.append(Problem(file, first_row, header, f"STC {ims}: {item['msg']}"))
        return None


def _read_table(file: str, table: _Table, problems: list[Problem]) -> dict[str, _Partial]:
    missing = [
        Problem(file, table.header_row, COLUMNS[key][0], "column missing from the header row")
        for key in REQUIRED
        if key not in table.columns
    ]
    if missing:
        raise InputError(missing)
    partials: dict[str, _Partial] = {}
    for number, cells in table.rows:
        read = _read_row(file, number, cells, table.columns, problems)
        if read is None:
            continue
        ims, values = read
        partial = partials.setdefault(ims, _Partial())
        partial.rows.append(number)
        _merge(partial, values)
    return partials


def read_concerns(path: str | Path) -> list[TradeConcern]:
    """Every concern in a CSV or xlsx file, in the order first seen; rows sharing an id are merged.

    Raises `InputError` listing every problem (file, row, column) when any row is bad."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError([Problem(file, None, None, "no such file")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_table(path, file)
    elif suffix in (".csv", ".tsv", ".txt"):
        table = _csv_table(path, file)
    else:
        raise InputError(
            [Problem(file, None, None, f"unknown file type {suffix!r} (expected .csv or .xlsx)")]
        )
    problems: list[Problem] = []
    try:
        partials = _read_table(file, table, problems)
    finally:
        if table.workbook is not None:
            table.workbook.close()
    concerns = [_concern(file, table, ims, partial, problems) for ims, partial in partials.items()]
    if problems:
        raise InputError(problems)
    if not concerns:
        raise InputError([Problem(file, None, None, "no concern found below the header row")])
    return [c for c in concerns if c is not None]
