"""ePing API JSON -> `Notification`, and our own JSON-lines and CSV files of notifications, both ways.

The API (`/eping/notifications/search`) answers `{items, totalCount, currentPage, pageSize}`. No official
schema is public; field names come from client code, and values are read tolerantly: a list field may
hold strings or `{id, code, name}` objects, a date may be `2025-06-11T00:00:00` or `11/06/2025`, `area`
may be `TBT`/`SPS` or the domain id (1 TBT, 2 SPS). Plain-text variants (`titlePlain`, ...) are preferred
over the HTML ones.

Our own files hold `Notification` fields: JSON lines (one `model_dump_json` a line) and CSV (one column
per field, `source` split into `source_kind`, `source_file`, `source_row`, `source_id`; lists and dicts
as JSON text). Both read back to equal records; problems name file, line and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO, get_origin

from pydantic import ValidationError

from cyberreg.model.notification import (
    Area,
    Notification,
    NotificationSource,
    SourceKind,
    Symbol,
    SymbolError,
    split_symbols,
)
from cyberreg.sources.eping_workbook import (
    CellError,
    clean_text,
    hs_codes_in,
    ics_codes_in,
    parse_date,
    pick_primary,
    split_list,
    split_objectives,
)
from cyberreg.sources.problems import InputError, Problem

API_DOMAINS = {1: Area.TBT, 2: Area.SPS}
_MEMBER_CODE = re.compile(r"^[A-Z]{2,5}$")


# ---------------------------------------------------------------------------------------------------------
# ePing API items.


def _name(value: Any) -> str | None:
    """A list element as text: a string, or the `name` (else `code`, `text`) of an object."""
    if isinstance(value, Mapping):
        for key in ("name", "code", "text", "value"):
            if value.get(key) not in (None, ""):
                return clean_text(value[key])
        return None
    return clean_text(value)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_list(clean_text(value))
    if isinstance(value, list):
        return list(dict.fromkeys(name for name in map(_name, value) if name))
    name = _name(value)
    return [name] if name else []


def _codes(value: Any, kind: str) -> tuple[list[str], list[str]]:
    """HS (`kind='hs'`) or ICS codes of an API list; returns (codes, items that hold no code)."""
    extract = hs_codes_in if kind == "hs" else ics_codes_in
    items = value if isinstance(value, list) else [value] if value not in (None, "") else []
    codes: list[str] = []
    bad: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            raw = item.get("code")
            text = clean_text(raw) if raw not in (None, "") else _name(item)
        else:
            text = clean_text(item)
        found = extract(text)
        if not found and text:
            bad.append(text)
        codes.extend(code for code in found if code not in codes)
    return codes, bad


def _first(item: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def _api_area(value: Any) -> Area | None:
    if isinstance(value, Mapping):
        value = _first(value, "name", "code", "id")
    if isinstance(value, int) and not isinstance(value, bool):
        return API_DOMAINS.get(value)
    text = clean_text(value)
    if text is None:
        return None
    if text.isdigit():
        return API_DOMAINS.get(int(text))
    return Area(text.upper()) if text.upper() in Area.__members__ else None


def notification_from_api(
    item: Mapping[str, Any], *, file: str = "<eping-api>", where: str = "", language: str = "en"
) -> Notification:
    """One API item as a `Notification`; raises `InputError` naming `file` and `where.<apiField>`."""
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(file, None, f"{where}.{field}" if where else field, message))

    if not isinstance(item, Mapping):
        raise InputError([Problem(file, None, where or None, "an item must be a JSON object")])
    member = _name(item.get("notifyingMember"))
    if member is None:
        problem("notifyingMember", "empty")
    symbols: list[Symbol] = []
    symbol_text = clean_text(item.get("documentSymbol"))
    if symbol_text is None:
        problem("documentSymbol", "empty")
    else:
        try:
            symbols = split_symbols(symbol_text)
        except SymbolError as error:
            problem("documentSymbol", str(error))
    dates: dict[str, dt.date | None] = {}
    notes: dict[str, str] = {}
    for field, api_key in (
        ("distribution_date", "distributionDate"),
        ("final_date_for_comments", "commentDeadlineDate"),
        ("proposed_adoption_date", "proposedAdoptionDate"),
        ("proposed_entry_into_force_date", "proposedEntryIntoForceDate"),
    ):
        try:
            value, note = parse_date(item.get(api_key))
        except CellError as error:
            problem(api_key, str(error))
            continue
        dates[field] = None if value is not None and value.year <= 1 else value  # .NET DateTime.MinValue
        if note:
            notes[field] = note
    if dates.get("distribution_date") is None and not any(
        (p.field or "").endswith("distributionDate") for p in problems
    ):
        problem("distributionDate", "empty or not a date")
    notes.pop("distribution_date", None)
    hs_codes, bad_hs = _codes(item.get("hsCodes"), "hs")
    ics_codes, bad_ics = _codes(item.get("icsCodes"), "ics")
    for bad, field in ((bad_hs, "hsCodes"), (bad_ics, "icsCodes")):
        if bad:
            problem(field, f"no code in {bad[0][:80]!r}")
    area = _api_area(item.get("area"))
    if item.get("area") not in (None, "") and area is None:
        problem("area", f"not TBT or SPS: {item.get('area')!r}")
    if problems or member is None or not symbols:
        raise InputError(problems)
    primary, member_code = pick_primary(symbols, member)
    if member_code is None:
        given = clean_text(item.get("notifyingMemberCode"))
        if given and _MEMBER_CODE.match(given) and primary.member in (None, given):
            member_code = given
    links: dict[str, str] = {}
    link = item.get("linkToNotification")
    if isinstance(link, Mapping):
        links = {str(lang).lower(): str(url) for lang, url in link.items() if url}
    elif clean_text(link):
        links = {language: str(clean_text(link))}
    description = _first(item, "descriptionPlain", "description")
    products = _first(item, "productsFreeTextPlain", "productsFreeText")
    raw_id = item.get("id")
    fields: dict[str, Any] = {
        "symbol": str(primary),
        "symbols": [str(symbol) for symbol in symbols],
        "area": area or primary.area,
        "member": member,
        "member_code": member_code,
        **dates,
        "date_notes": notes,
        "notification_type": _name(item.get("notificationType")),
        "title": clean_text(_first(item, "titlePlain", "title")) or "",
        "description": clean_text(description, multiline=True),
        "products": clean_text(products, multiline=True),
        "hs_codes": hs_codes,
        "ics_codes": ics_codes,
        "objectives": split_objectives("; ".join(_texts(item.get("objectives")))),
        "keywords": _texts(item.get("keywords")),
        "regions_affected": _texts(item.get("countriesAffected")),
        "notified_document": clean_text(
            _first(item, "notifiedDocument", "notifiedDocumentLink"), multiline=True
        ),
        "links": links,
        "language": language,
        "source": NotificationSource(
            kind=SourceKind.EPING_API,
            file=None if file == "<eping-api>" else file,
            id=None if raw_id in (None, "") else str(raw_id),
        ),
    }
    try:
        return Notification.model_validate(fields)
    except ValidationError as error:
        raise InputError(
            [
                Problem(file, None, ".".join(filter(None, [where, *map(str, e["loc"])])) or None, e["msg"])
                for e in error.errors()
            ]
        ) from error


def api_items(payload: Any) -> list[Any]:
    """The items of an API answer `{items: [...]}`, a list of such answers, or a bare list of items."""
    if isinstance(payload, Mapping):
        items = payload.get("items")
        return list(items) if isinstance(items, list) else []
    if isinstance(payload, list):
        if payload and all(isinstance(page, Mapping) and "items" in page for page in payload):
            return [item for page in payload for item in api_items(page)]
        return list(payload)
    return []


def notifications_from_api(
    payload: Any, *, file: str = "<eping-api>", language: str = "en"
) -> list[Notification]:
    """Every item of an API answer as a `Notification`, or `InputError` listing every problem."""
    if not isinstance(payload, Mapping | list) or (isinstance(payload, Mapping) and "items" not in payload):
        raise InputError([Problem(file, None, "items", "not an ePing API answer ({items, totalCount, ...})")])
    found: list[Notification] = []
    problems: list[Problem] = []
    for index, item in enumerate(api_items(payload)):
        try:
            found.append(notification_from_api(item, file=file, where=f"items[{index}]", language=language))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return found


def read_api_json(path: str | Path, *, language: str = "en") -> list[Notification]:
    """A saved API answer (or list of answers) from a JSON file."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), None, None, f"cannot read: {error}")]) from error
    except json.JSONDecodeError as error:
        raise InputError([Problem(str(path), error.lineno, None, f"not JSON: {error.msg}")]) from error
    return notifications_from_api(payload, file=str(path), language=language)


# ---------------------------------------------------------------------------------------------------------
# Our own JSON lines and CSV.


def _problems(
    error: ValidationError, file: str, line: int | None, names: Mapping[str, str] | None = None
) -> list[Problem]:
    found = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        if names and loc and loc[0] == "source" and len(loc) > 1:
            loc = [f"source_{loc[1]}", *loc[2:]]
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        found.append(Problem(file, line, ".".join(loc) or None, message))
    return found


def _open_text(path: Path, newline: str | None = None) -> TextIO:
    try:
        return path.open(encoding="utf-8", newline=newline)
    except OSError as error:
        raise InputError([Problem(str(path), None, None, f"cannot read: {error}")]) from error


def write_jsonl(notifications: Iterable[Notification], path: str | Path) -> int:
    """Write one notification a line; returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for notification in notifications:
            out.write(notification.model_dump_json() + "\n")
            count += 1
    return count


def iter_jsonl(path: str | Path, problems: list[Problem] | None = None) -> Iterator[Notification]:
    """Stream a JSON-lines file; bad lines go to `problems` (or raise `InputError` when it is None)."""
    file = str(path)
    with _open_text(Path(path)) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Notification.model_validate_json(line)
                continue
            except ValidationError as error:
                found = _problems(error, file, number)
                if any(item["type"] == "json_invalid" for item in error.errors()):
                    found = [Problem(file, number, None, "not a JSON object")]
            except UnicodeDecodeError as error:
                found = [Problem(file, number, None, f"not UTF-8: {error}")]
            if problems is None:
                raise InputError(found)
            problems.extend(found)


def read_jsonl(path: str | Path) -> list[Notification]:
    problems: list[Problem] = []
    found = list(iter_jsonl(path, problems))
    if problems:
        raise InputError(problems)
    return found


_SOURCE_COLUMNS = ("source_kind", "source_file", "source_row", "source_id")
CSV_COLUMNS: tuple[str, ...] = (
    *(name for name in Notification.model_fields if name != "source"),
    *_SOURCE_COLUMNS,
)
_JSON_COLUMNS = {
    name
    for name, info in Notification.model_fields.items()
    if name != "source" and get_origin(info.annotation) in (list, dict)
}


def notification_to_row(notification: Notification) -> dict[str, str]:
    """One CSV row: text as is, dates ISO, lists and dicts as JSON, None as an empty cell."""
    data = notification.model_dump(mode="json")
    source = data.pop("source")
    row: dict[str, str] = {}
    for name, value in data.items():
        if name in _JSON_COLUMNS:
            row[name] = json.dumps(value, ensure_ascii=False)
        else:
            row[name] = "" if value is None else str(value)
    for key in ("kind", "file", "row", "id"):
        row[f"source_{key}"] = "" if source.get(key) is None else str(source[key])
    return row


class ColumnError(ValueError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def row_to_fields(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A CSV row back into `Notification` fields (validate with `Notification.model_validate`)."""
    fields: dict[str, Any] = {}
    source: dict[str, Any] = {}
    for name, value in row.items():
        if name is None:
            continue
        text = value or ""
        if name in _SOURCE_COLUMNS:
            if text:
                source[name.removeprefix("source_")] = text
        elif name in _JSON_COLUMNS:
            if text.strip():
                try:
                    fields[name] = json.loads(text)
                except json.JSONDecodeError as error:
                    raise ColumnError(name, f"not JSON ({error.msg}): {text[:60]!r}") from error
        elif text or name == "title":
            fields[name] = text
    fields["source"] = source
    return fields


def write_csv(notifications: Iterable[Notification], path: str | Path) -> int:
    """Write a header and one row per notification (UTF-8); returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for notification in notifications:
            writer.writerow(notification_to_row(notification))
            count += 1
    return count


def iter_csv(path: str | Path, problems: list[Problem] | None = None) -> Iterator[Notification]:
    """Stream our CSV; problems name file, the line where the record starts, and the column."""
    file = str(path)
    with _open_text(Path(path), newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as error:
            raise InputError([Problem(file, 1, None, f"not a CSV file: {error}")]) from error
        unknown = [name for name in header if name not in CSV_COLUMNS]
        missing = [name for name in ("symbol", "area", "member", "distribution_date") if name not in header]
        if unknown or missing:
            raise InputError(
                [Problem(file, 1, name, "unknown column") for name in unknown]
                + [Problem(file, 1, name, "missing column") for name in missing]
            )
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as error:
                raise InputError([Problem(file, start, None, f"unreadable CSV: {error}")]) from error
            if row is None:
                return
            found: list[Problem]
            try:
                yield Notification.model_validate(row_to_fields(row))
                continue
            except ColumnError as error:
                found = [Problem(file, start, error.column, str(error))]
            except ValidationError as error:
                found = _problems(error, file, start, names={"source": "source_"})
            if problems is None:
                raise InputError(found)
            problems.extend(found)


def read_csv(path: str | Path) -> list[Notification]:
    problems: list[Problem] = []
    found = list(iter_csv(path, problems))
    if problems:
        raise InputError(problems)
    return found
