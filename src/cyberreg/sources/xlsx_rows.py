"""Reads the rows of one sheet of an .xlsx workbook fast, as openpyxl's read-only reader gives them.

openpyxl's read-only reader builds a cell object per cell from an ElementTree element, which takes minutes
for the 100,000-row ePing bulk file. Here the workbook's parts are found with openpyxl's own package reader
(content types, relationships, styles, date epoch), the shared strings are read once with ElementTree, and
the sheet XML is scanned with regular expressions in the shapes real exports use:
`<c r="B2" s="7"><v>45819</v></c>`, `<c r="C2" s="9"><f>HYPERLINK(...)</f></c>`, ... Each row is given as
openpyxl's read-only reader gives it with no stored dimension (one value per column up to the row's last
cell, formulas as `Formula("=...")`, numbers in date-formatted cells as datetimes, missing rows as empty
rows). Anything else in the sheet (a comment, CDATA, an entity, a prefixed or unknown element, a shared or
array formula, XML that ends early) hands the sheet to openpyxl's own sheet parser, which reads it from the
start and skips the rows already given. `open_book` raises for a workbook whose parts cannot be found that
way (the caller then lets openpyxl read it, or say why it cannot).
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils.datetime import from_excel, from_ISO8601

SHEET_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MAIN = "{" + SHEET_MAIN + "}"
_CHUNK = 1 << 20  # characters of sheet XML scanned at a time
# _SAFE_XML: the sheet XML is refused here if it holds `<!` (so no DTD, no entity declarations); the
# shared strings are parsed by the same standard-library parser openpyxl uses, whose expat refuses
# entity-expansion attacks and never loads external entities.


class Formula(str):
    """A formula cell's formula, as openpyxl gives it: `=HYPERLINK("url"," text")`."""


class _Unsupported(Exception):
    """Something the fast sheet reader does not read (openpyxl's parser reads the sheet instead)."""


@dataclass(frozen=True)
class Book:
    archive: zipfile.ZipFile
    sheet: str  # the sheet part's path in the archive
    strings: list[str]
    date_styles: frozenset[int]
    timedelta_styles: frozenset[int]
    epoch: dt.datetime


def _text_content(node: Any) -> str:
    """What openpyxl's `Text.from_tree(node).content` gives: the plain `t`, then each run's `t`."""
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        name = child.tag.rpartition("}")[2]
        if name == "t":
            plain = child.text
        elif name == "r":
            text = None
            for part in child:
                if part.tag.rpartition("}")[2] == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return (plain or "") + "".join(runs) if plain is not None else "".join(runs)


def _read_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The shared-string table, as openpyxl's `read_string_table` reads it."""
    strings: list[str] = []
    tag, text_tag = _MAIN + "si", _MAIN + "t"
    with archive.open(name) as source:
        for _, node in ElementTree.iterparse(source):  # noqa: S314 - as openpyxl reads it (see _SAFE_XML)
            if node.tag == tag:
                if len(node) == 1 and node[0].tag == text_tag:
                    text = node[0].text or ""
                else:
                    text = _text_content(node)
                strings.append(text.replace("x005F_", "") if "x005F_" in text else text)
                node.clear()
    return strings


def open_book(path: Path, sheet_name: str) -> Book:
    """The parts of the workbook to read, found as openpyxl finds them; raises if anything is odd."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = ExcelReader(str(path), read_only=True, data_only=False)
        try:
            reader.read_manifest()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            sheets: list[tuple[str, str | None]] = []  # (name, part); no part for a chart sheet
            for sheet, rel in reader.parser.find_sheets():
                if rel.target in reader.valid_files:
                    sheets.append((sheet.name, None if "chartsheet" in rel.Type else rel.target))
            names = {name.casefold(): index for index, (name, _) in enumerate(sheets)}
            _, part = sheets[names.get(sheet_name.casefold(), 0)]
            if part is None:
                raise _Unsupported("a chart sheet")
            found = reader.package.find(SHARED_STRINGS)
            strings = _read_strings(reader.archive, found.PartName[1:]) if found is not None else []
            return Book(
                reader.archive,
                part,
                strings,
                frozenset(reader.wb._date_formats),
                frozenset(reader.wb._timedelta_formats),
                reader.wb.epoch,
            )
        except BaseException:
            reader.archive.close()
            raise


_ROW_START = re.compile(r"\s*<row((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<&]*\"|'[^'<&]*'))*)\s*(/?)>")
_ROW_NUMBER = re.compile(r"\sr\s*=\s*[\"'](\d+)[\"']")
_ROW_END = "</row>"
_CELL = re.compile(  # the usual shapes, attributes in the usual order
    r'\s*<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="([a-zA-Z]+)")?\s*'
    r"(?:/>|>(?:<f>([^<]*)</f>)?(?:<v>([^<]*)</v>|<v\s*/>)?"
    r'(?:<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_ANY_CELL = re.compile(  # any attributes, any order; children read by _CHILD
    r"\s*<c((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<&]*\"|'[^'<&]*'))*)\s*(?:/>|>(.*?)</c>)", re.DOTALL
)
_ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CHILD = re.compile(
    r"\s*<(f|v|is)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<&]*\"|'[^'<&]*'))*)\s*(?:/>|>(.*?)</\1>)", re.DOTALL
)
_SHEET_DATA = re.compile(r"<sheetData\s*(/?)>")
_ROOT = re.compile(r"\s*<worksheet((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<&]*\"|'[^'<&]*'))*)\s*>")
_SHEET_END = re.compile(r"\s*</sheetData>")
_XML_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_COLUMN_INDEX: dict[str, int] = {}


def _column_index(letters: str) -> int:
    found = _COLUMN_INDEX.get(letters)
    if found is None:
        found = 0
        for letter in letters:
            found = found * 26 + ord(letter) - 64
        _COLUMN_INDEX[letters] = found
    return found


def _unescape(text: str) -> str:
    """XML character and entity references; any other `&` is not read here."""
    if "&" not in text:
        return text
    result = _XML_ENTITY.sub(
        lambda m: (
            _NAMED[m.group(1)] if m.group(1) else chr(int(m.group(2) or m.group(3), 10 if m.group(2) else 16))
        ),
        text,
    )
    if result.count("&") != text.count("&amp;"):
        raise _Unsupported("an entity reference")
    return result


class _FastSheet:
    """Reads the rows of one sheet part (see above); `rows()` gives (row number, cells) as openpyxl's
    `WorkSheetParser.parse` does, each cell as (column, value, is_formula)."""

    def __init__(self, book: Book):
        self.book = book
        self.dates: dict[tuple[float | int, bool], Any] = {}

    def _number(self, text: str, style: int, where: str) -> tuple[Any, bool]:
        value: float | int = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
        if style not in self.book.date_styles:
            return value, False
        key = (value, style in self.book.timedelta_styles)
        if key not in self.dates:
            try:
                self.dates[key] = from_excel(value, self.book.epoch, timedelta=key[1])
            except (OverflowError, ValueError):
                message = (
                    f"Cell {where} is marked as a date but the serial value {value} is outside the limits "
                    "for dates. The cell will be treated as an error."
                )
                warnings.warn(message, stacklevel=2)
                return "#VALUE!", False
        return self.dates[key], False

    def _value(
        self, kind: str | None, style: int, formula: str | None, text: str | None, where: str
    ) -> tuple[Any, bool]:
        """A cell's value as openpyxl's `parse_cell` gives it (data only off), and whether it is a formula."""
        if formula is not None:
            return Formula("=" + _unescape(formula)), True
        if not text:
            return None, False
        if kind is None or kind == "n":
            return self._number(text, style, where)
        if kind == "s":
            return self.book.strings[int(text)], False
        if kind in ("str", "e"):
            return _unescape(text), False
        if kind == "b":
            return bool(int(text)), False
        if kind == "d":
            return from_ISO8601(text), False
        raise _Unsupported(f"cell type {kind!r}")

    def _any_cell(self, attributes: str, body: str | None, counter: int) -> tuple[int, Any, bool]:
        """A cell in any other shape: (column, value, is_formula)."""
        attrs = {
            m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTRIBUTE.finditer(attributes)
        }
        kind, reference, style_text = attrs.get("t"), attrs.get("r"), attrs.get("s")
        if any(name.startswith("xmlns") for name in attrs):
            raise _Unsupported("a namespace declaration on a cell")
        if reference is not None:
            match = re.fullmatch(r"([A-Z]{1,3})\d+", reference)
            if match is None:
                raise _Unsupported(f"cell reference {reference!r}")
            column = _column_index(match.group(1))
        else:
            column = counter + 1
        if style_text is not None and not style_text.isdigit():
            raise _Unsupported(f"cell style {style_text!r}")
        style = int(style_text) if style_text else 0
        children: dict[str, tuple[str, str | None]] = {}
        position, size = 0, len(body or "")
        while body and position < size:
            child = _CHILD.match(body, position)
            if child is None:
                if body[position:].strip():
                    raise _Unsupported("a cell child")
                break
            if child.group(1) in children or (child.group(1) != "f" and child.group(2).strip()):
                raise _Unsupported("a repeated cell child, or attributes on one")
            children[child.group(1)] = (child.group(2), child.group(3))
            position = child.end()
        if "f" in children:
            formula_attributes, formula = children["f"]
            if formula_attributes.strip():
                raise _Unsupported("a shared, array or data-table formula")
            return column, Formula("=" + _unescape(formula or "")), True
        if kind == "inlineStr":
            if "is" not in children:
                return column, None, False
            inline = children["is"][1] or ""
            node = ElementTree.fromstring(f'<is xmlns="{SHEET_MAIN}">{inline}</is>')  # noqa: S314 - no DTD
            return column, _text_content(node), False
        text = children["v"][1] if "v" in children else None
        value, formula_flag = self._value(kind, style, None, text, reference or "")
        return column, value, formula_flag

    def _cells(self, body: str) -> list[tuple[int, Any, bool]]:
        cells: list[tuple[int, Any, bool]] = []
        position, size, counter = 0, len(body), 0
        fast = _CELL.match
        while position < size:
            match = fast(body, position)
            if match is not None:
                letters, style_text, kind, formula, text, inline = match.groups()
                counter = _column_index(letters)
                if formula is not None:
                    cells.append((counter, Formula("=" + _unescape(formula)), True))
                elif kind == "inlineStr":
                    cells.append((counter, None if inline is None else _unescape(inline), False))
                elif not text:
                    cells.append((counter, None, False))
                elif kind == "s":
                    cells.append((counter, self.book.strings[int(text)], False))
                else:
                    style = int(style_text) if style_text else 0
                    value, is_formula = self._value(kind, style, None, text, letters)
                    cells.append((counter, value, is_formula))
                position = match.end()
                continue
            match = _ANY_CELL.match(body, position)
            if match is None:
                if body[position:].strip():
                    raise _Unsupported("a row child")
                break
            counter, value, is_formula = self._any_cell(match.group(1), match.group(2), counter)
            cells.append((counter, value, is_formula))
            position = match.end()
        return cells

    def _text(self) -> Iterator[str]:
        """The sheet XML as text, in chunks, after its XML declaration."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.book.archive.open(self.book.sheet) as source:
            first, last, held = True, "", ""
            while True:
                data = source.read(_CHUNK)
                text = decoder.decode(data, final=not data)
                if first:
                    first = False
                    text = text.removeprefix("\ufeff")
                    if text.startswith("<?xml"):
                        end = text.find("?>")
                        declared = re.search(r"encoding\s*=\s*[\"']([\w.-]+)", text[:end])
                        if end < 0 or (declared and declared.group(1).lower() not in ("utf-8", "utf8")):
                            raise _Unsupported("an encoding other than UTF-8")
                        text = text[end + 2 :]
                text = held + text
                held = ""
                if text.endswith("\r") and data:  # it may begin a CR LF pair: keep it for the next chunk
                    text, held = text[:-1], "\r"
                if "\r" in text:  # line ends are read as XML reads them
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                if "<!" in last + text or "<?" in last + text:
                    raise _Unsupported("a comment, CDATA, DTD or processing instruction")
                if text:
                    last = text[-1]
                    yield text
                if not data:
                    return

    def rows(self) -> Iterator[tuple[int, list[tuple[int, Any, bool]]]]:
        chunks = self._text()
        buffer = ""
        for chunk in chunks:  # the part before the rows: the root element must use the main namespace
            buffer += chunk
            start = _SHEET_DATA.search(buffer)
            if start is not None:
                root = _ROOT.match(buffer)
                if root is None or not re.search(
                    r"\sxmlns\s*=\s*[\"']" + re.escape(SHEET_MAIN) + "[\"']", root.group(1)
                ):
                    raise _Unsupported("a worksheet not in the main namespace")
                root_tag = root.group(0)
                try:  # what comes before the rows must be well formed too
                    head = buffer[root.end() : start.start()]
                    ElementTree.fromstring(root_tag + head + "</worksheet>")  # noqa: S314 - no DTD
                except ElementTree.ParseError as error:
                    raise _Unsupported("the sheet XML before the rows is not well formed") from error
                buffer = buffer[start.end() :]
                break
            if len(buffer) > 50 * _CHUNK:
                raise _Unsupported("no sheetData")
        else:
            raise _Unsupported("no sheetData")
        if start.group(1):  # <sheetData/>: no rows
            self._check_tail(root_tag, buffer, chunks)
            return
        counter = 0
        for chunk in itertools.chain([""], chunks):
            buffer += chunk
            position = 0
            while True:
                row = _ROW_START.match(buffer, position)
                if row is None:
                    end_of_rows = _SHEET_END.match(buffer, position)
                    if end_of_rows is not None:
                        self._check_tail(root_tag, buffer[end_of_rows.end() :], chunks)
                        return
                    if len(buffer) - position > 4096:
                        raise _Unsupported("something other than a row")
                    break
                if row.group(2):  # <row .../>
                    end, body = row.end(), ""
                else:
                    close = buffer.find(_ROW_END, row.end())
                    if close < 0:
                        break  # the row goes on in the next chunk
                    end, body = close + len(_ROW_END), buffer[row.end() : close]
                if "xmlns" in row.group(1):
                    raise _Unsupported("a namespace declaration on a row")
                number = _ROW_NUMBER.search(row.group(1))
                if number is not None:
                    counter = int(number.group(1))
                elif re.search(r"\sr\s*=", row.group(1)):
                    raise _Unsupported("a row number that is not an integer")
                else:
                    counter += 1
                yield counter, self._cells(body) if body else []
                position = end
            buffer = buffer[position:]
        raise _Unsupported("the sheet XML ends early")

    @staticmethod
    def _check_tail(root_tag: str, rest: str, chunks: Iterator[str]) -> None:
        """The XML after the rows must be well formed (openpyxl's parser reads it all)."""
        rest += "".join(chunks)
        try:
            ElementTree.fromstring(root_tag + rest)  # noqa: S314 - no DTD here (`<!` is refused)
        except ElementTree.ParseError as error:
            raise _Unsupported("the sheet XML after the rows is not well formed") from error


def _parser_rows(book: Book) -> Iterator[tuple[int, list[tuple[int, Any, bool]]]]:
    """The same rows, read by openpyxl's own sheet parser."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with book.archive.open(book.sheet) as source:
        parser = WorkSheetParser(
            source,
            book.strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=set(book.date_styles),
            timedelta_formats=set(book.timedelta_styles),
        )
        for number, cells in parser.parse():
            yield (
                number,
                [
                    (
                        cell["column"],
                        Formula(str(cell["value"])) if cell["data_type"] == "f" else cell["value"],
                        cell["data_type"] == "f",
                    )
                    for cell in cells
                ],
            )


def sheet_rows(book: Book) -> Iterator[list[Any]]:
    """Every row of the sheet from the first, as openpyxl's read-only `iter_rows` gives them (with no
    stored dimension): a missing row is an empty row; a row is one value per column up to its last cell."""
    given = 0  # rows of the sheet XML given so far, so that openpyxl's parser can take over
    counter = 1
    try:
        for number, cells in _FastSheet(book).rows():
            given += 1
            yield from _padded(number, cells, counter)
            counter = max(counter, number + 1)
        return
    except _Unsupported:
        pass
    seen = 0
    for number, cells in _parser_rows(book):
        seen += 1
        if seen <= given:
            continue
        yield from _padded(number, cells, counter)
        counter = max(counter, number + 1)


def _padded(number: int, cells: list[tuple[int, Any, bool]], counter: int) -> Iterator[list[Any]]:
    for _ in range(counter, number):
        yield []  # a row missing from the XML
    if counter <= number:
        if not cells:
            yield []
            return
        width = cells[-1][0]
        values: list[Any] = [None] * width
        for column, value, _ in cells:
            if 1 <= column <= width:
                values[column - 1] = value
        yield values
