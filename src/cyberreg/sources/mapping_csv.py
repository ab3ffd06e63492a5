"""Mapping records as CSV, both ways.

Columns, in this order (`COLUMNS`): source, target, relationship, rationale, strength, provenance,
citation, joint, joint_relationship, review_state, then sources, note, reviewed_by, reviewed_at.
`sources` is a JSON list of `{url, title, date_read, note}` objects (a bare URL is read as one
source titled by its URL), because official and expert mappings must cite one. Empty cells are
empty values. On reading, only source, target, relationship and provenance columns are required;
unknown columns are errors. Every problem names the file, the line where the row starts and the
column; `read_mappings_csv` raises `InputError` with all of them and returns nothing partial.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from cyberreg.model import Mapping
from cyberreg.sources.problems import InputError, Problem

COLUMNS = (
    "source",
    "target",
    "relationship",
    "rationale",
    "strength",
    "provenance",
    "citation",
    "joint",
    "joint_relationship",
    "review_state",
    "sources",
    "note",
    "reviewed_by",
    "reviewed_at",
)
REQUIRED = ("source", "target", "relationship", "provenance")
# Model-level errors (no field in their location) are pinned to the column they concern.
_MESSAGE_COLUMNS = {"cite at least one source": "sources", "two different requirements": "target"}
_MESSAGE_COLUMNS["`joint` and `joint_relationship` go together"] = "joint_relationship"


def mapping_to_row(mapping: Mapping) -> dict[str, str]:
    """One mapping as CSV cells (all text)."""
    data = mapping.model_dump(mode="json")
    row = {column: "" if data.get(column) is None else str(data[column]) for column in COLUMNS}
    row["sources"] = json.dumps(data["sources"], ensure_ascii=False) if mapping.sources else ""
    return row


def write_mappings_csv(mappings: Iterable[Mapping], target: Path | TextIO) -> int:
    """Write `mappings` with a header row; returns how many rows were written."""
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8", newline="") as handle:
            return write_mappings_csv(mappings, handle)
    writer = csv.DictWriter(target, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for mapping in mappings:
        writer.writerow(mapping_to_row(mapping))
        count += 1
    return count


def _sources(cell: str) -> Any:
    cell = cell.strip()
    if not cell:
        return []
    if cell.startswith(("http://", "https://")):
        return [{"url": cell, "title": cell}]
    return json.loads(cell)


def _problems_of(error: ValidationError, file: str, line: int) -> list[Problem]:
    found = []
    for item in error.errors():
        column = str(item["loc"][0]) if item["loc"] else None
        message = item["msg"].removeprefix("Value error, ")
        if column is None:
            column = next((c for text, c in _MESSAGE_COLUMNS.items() if text in message), None)
        if item["loc"] and len(item["loc"]) > 1:
            message = f"{'.'.join(str(p) for p in item['loc'][1:])}: {message}"
        found.append(Problem(file, line, column, message))
    return found


def parse_mappings_csv(
    source: Path | TextIO | str, *, file: str | None = None
) -> tuple[list[Mapping], list[Problem]]:
    """Read mappings from a path, an open text stream or CSV text; returns (mappings, problems)."""
    if isinstance(source, Path):
        name = file or str(source)
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            return [], [Problem(name, None, None, f"cannot read: {error}")]
        return parse_mappings_csv(text, file=name)
    name = file or "<csv>"
    handle = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(name, 1, None, "empty file: expected a header row")]
    problems: list[Problem] = []
    columns = [c.strip() for c in header]
    for column in columns:
        if column not in COLUMNS:
            problems.append(Problem(name, 1, column, f"unknown column (allowed: {', '.join(COLUMNS)})"))
        elif columns.count(column) > 1:
            problems.append(Problem(name, 1, column, "column given twice"))
    for column in REQUIRED:
        if column not in columns:
            problems.append(Problem(name, 1, column, "required column missing"))
    if problems:
        return [], sorted(set(problems))
    mappings: list[Mapping] = []
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.append(Problem(name, start, None, f"expected {len(columns)} cells, found {len(cells)}"))
            continue
        data: dict[str, Any] = {c: v.strip() for c, v in zip(columns, cells, strict=True) if v.strip()}
        try:
            data["sources"] = _sources(data.get("sources", ""))
        except ValueError as error:
            problems.append(Problem(name, start, "sources", f"not a JSON list of sources: {error}"))
            continue
        try:
            mappings.append(Mapping.model_validate(data))
        except ValidationError as error:
            problems.extend(_problems_of(error, name, start))
    return mappings, problems


def read_mappings_csv(source: Path | TextIO | str, *, file: str | None = None) -> list[Mapping]:
    """Every mapping of a CSV file, or `InputError` listing every problem (row line and column)."""
    mappings, problems = parse_mappings_csv(source, file=file)
    if problems:
        raise InputError(problems)
    return mappings
