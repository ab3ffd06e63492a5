"""The UK DCMS expert mapping of IoT security documents to the UK Code of Practice (open-data JSON).

The file is a JSON array: a header object (`Disclaimer`, `Copyright`, `Version`), then one row per
(excerpt, guideline) with the keys in `COLUMNS`. What becomes what:

- Each source document (`Standard / Recommendation Name` + `Organisation`, white space collapsed)
  -> an `Instrument` `dcms-<slug of the name>` issued by a body `dcms-<slug of the organisation>`.
  Kind, body kind and jurisdiction are guessed from the names; the data gives no status (in-force
  assumed). Each instrument cites its documents' web links and the DCMS data set.
- Rows sharing document, section and excerpt -> one `Requirement`: ref = the section made to fit
  REF_PATTERN (`3.2 Password Management Test` -> `3.2-Password-Management-Test`), `_2`, `_3` ... when
  several excerpts share it (ordered by section and excerpt text, so row order does not matter);
  summary = the excerpt (imported data, kept for matching; not for shipping in the package);
  topics = those of the guidelines it is mapped to (`GUIDELINE_TOPICS`, as in uk-cop-iot.yaml).
- Each (requirement, guideline) -> a `Mapping` to `uk-cop-iot:<n>`, relationship intersects,
  provenance imported. A guideline cell holding several numbers (`1, 2`) gives one mapping each.

Problems are returned, never raised; they name the file, the line where the row starts and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cyberreg.model import (
    Body,
    BodyKind,
    Instrument,
    InstrumentKind,
    Mapping,
    Obligation,
    Provenance,
    Relationship,
    Requirement,
    Source,
    Status,
    Topic,
)
from cyberreg.sources.bundled import KnowledgeBase, Origin
from cyberreg.sources.import_common import ImportResult, RefAllocator, clean_text, shorten, slugify, to_ref
from cyberreg.sources.problems import Problem

GUIDELINE = "DCMS Code of Practice Guidelines Number"
ORGANISATION = "Organisation"
NAME = "Standard / Recommendation Name"
SECTION = "Recommendation Number / Section"
EXCERPT = "Recommendation Extracted from Linked Source"
LINK = "Web Link"
COLUMNS = (GUIDELINE, ORGANISATION, NAME, SECTION, EXCERPT, LINK, "Notes", "Added at Version")
REQUIRED = (GUIDELINE, ORGANISATION, NAME, EXCERPT)

COP_INSTRUMENT = "uk-cop-iot"
ID_PREFIX = "dcms-"
DCMS_SOURCE = Source(
    url="https://www.gov.uk/government/publications/secure-by-design",
    title=(
        "DCMS, Mapping of the 13 guidelines of the Code of Practice for consumer IoT security to "
        "recommendations, guidance and standards (open-data JSON)"
    ),
)
# The topics of each Code of Practice guideline, as given in data/instruments/uk-cop-iot.yaml.
GUIDELINE_TOPICS: dict[int, tuple[Topic, ...]] = {
    1: (Topic.PASSWORDS_AUTHENTICATION,),
    2: (Topic.VULNERABILITY_DISCLOSURE, Topic.VULNERABILITY_HANDLING),
    3: (Topic.SOFTWARE_UPDATES, Topic.SUPPORT_PERIOD),
    4: (Topic.SECURE_STORAGE,),
    5: (Topic.SECURE_COMMUNICATION, Topic.CRYPTOGRAPHY),
    6: (Topic.ATTACK_SURFACE, Topic.ACCESS_CONTROL),
    7: (Topic.SOFTWARE_INTEGRITY,),
    8: (Topic.PERSONAL_DATA,),
    9: (Topic.RESILIENCE,),
    10: (Topic.TELEMETRY, Topic.LOGGING_MONITORING),
    11: (Topic.DATA_DELETION, Topic.PERSONAL_DATA),
    12: (Topic.INSTALLATION,),
    13: (Topic.INPUT_VALIDATION,),
}

# Guesses from names (lower case substrings), first match wins.
_JURISDICTIONS = (
    (("national institute of standards", "nist)", "us national", "u.s.", "us senate", "california",
      "oregon", "city of new york", "homeland security"), "USA"),
    (("european union agency", "enisa", "european commission"), "EU"),
    (("australian government",), "AUS"),
    (("singapore",), "SGP"),
    (("iot acceleration consortium",), "JPN"),
)  # fmt: skip
_BODY_KINDS = (
    (("legislature", "senate", "assembly"), BodyKind.LEGISLATURE),
    (("(etsi)", "(iec)", "ieee", "(ietf)", "w3c", "onem2m", "(ocf)", "research task force"),
     BodyKind.STANDARDS_BODY),
    (("government", "department", "agency", "national institute", "administration", "city of",
      "commission", "authority"), BodyKind.GOVERNMENT_AGENCY),
)  # fmt: skip
_REGULATION_WORDS = ("law", "bill", "act of", "civil code", "improvement act")
_STANDARD_WORDS = ("standard", "specification", "en 303", "best current practice", "technical report")


@dataclass
class _Row:
    line: int | None
    index: int
    document: tuple[str, str]  # (name, organisation)
    section: str
    excerpt: str
    guidelines: list[int]
    link: str


def json_array_with_lines(text: str) -> list[tuple[int, Any]]:
    """The elements of a top-level JSON array, each with the 1-based line where it starts."""
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if text[position : position + 1] != "[":
        raise ValueError("expected a JSON array")
    position += 1
    line, counted = 1, 0
    items: list[tuple[int, Any]] = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text):
            raise ValueError("unterminated JSON array")
        if text[position] == "]":
            return items
        line += text.count("\n", counted, position)
        counted = position
        value, position = decoder.raw_decode(text, position)
        items.append((line, value))


def _guess(text: str, table: tuple[tuple[tuple[str, ...], Any], ...], default: Any) -> Any:
    lowered = f" {text.lower()} "
    return next((value for words, value in table if any(w in lowered for w in words)), default)


def _instrument_kind(name: str, organisation: str) -> InstrumentKind:
    lowered = f" {name.lower()} "
    if any(f" {w}" in lowered for w in _REGULATION_WORDS) or "legislature" in organisation.lower():
        return InstrumentKind.REGULATION
    if "certification" in lowered:
        return InstrumentKind.LABELLING_SCHEME
    if any(w in lowered for w in _STANDARD_WORDS):
        return InstrumentKind.STANDARD
    return InstrumentKind.FRAMEWORK


def _guidelines(value: Any) -> list[int] | None:
    """`"1"` -> [1], `"1, 2"` -> [1, 2]; None when the cell holds no number."""
    numbers = [int(n) for n in re.findall(r"\d+", str(value if value is not None else ""))]
    return list(dict.fromkeys(numbers)) or None


def _rows(items: list[tuple[int, Any]], file: str, problems: list[Problem]) -> tuple[list[_Row], str | None]:
    rows: list[_Row] = []
    version = None
    for index, (line, item) in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(file, line, where, "expected an object"))
            continue
        if index == 0 and GUIDELINE not in item:  # the header
            version = clean_text(item.get("Version")) or None
            continue
        missing = [key for key in REQUIRED if not clean_text(item.get(key))]
        if missing:
            problems.append(Problem(file, line, f"{where}.{missing[0]}", "missing or empty"))
            continue
        numbers = _guidelines(item.get(GUIDELINE))
        if numbers is None or any(n not in GUIDELINE_TOPICS for n in numbers):
            message = f"guideline number must be 1 to 13, got {item.get(GUIDELINE)!r}"
            problems.append(Problem(file, line, f"{where}.{GUIDELINE}", message))
            continue
        document = (clean_text(item[NAME]), clean_text(item[ORGANISATION]))
        section, excerpt = clean_text(item.get(SECTION)), clean_text(item[EXCERPT])
        rows.append(_Row(line, index, document, section, excerpt, numbers, clean_text(item.get(LINK))))
    return rows, version


def _links(rows: list[_Row]) -> list[Source]:
    sources = []
    for link in sorted({row.link for row in rows if row.link.startswith(("http://", "https://"))})[:5]:
        try:
            sources.append(Source(url=link, title="Document as linked by the DCMS mapping"))
        except ValidationError:
            continue
    return sources


def read_dcms_mapping(
    path: Path, *, imported_on: dt.date | None = None, file: str | None = None
) -> ImportResult:
    """Read the DCMS mapping JSON at `path` (`file`, default the file name, names it in problems)."""
    started = time.perf_counter()
    today = imported_on or dt.date.today()
    name = file or path.name
    kb = KnowledgeBase()
    problems: list[Problem] = []
    stats = dict.fromkeys(
        ("rows", "documents", "requirements", "mappings", "duplicate_rows", "skipped_rows"), 0
    )
    try:
        items = json_array_with_lines(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        problems.append(Problem(name, getattr(error, "lineno", None), None, f"malformed JSON: {error}"))
        return ImportResult(kb, problems, stats, time.perf_counter() - started)
    rows, version = _rows(items, name, problems)
    stats["rows"] = len(items) - (1 if version is not None else 0)
    stats["skipped_rows"] = stats["rows"] - len(rows)
    source = DCMS_SOURCE.model_copy(
        update={
            "date_read": today,
            "note": f"DCMS / Copper Horse open data, version {version or 'not given'}",
        }
    )

    by_document: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        by_document[row.document].append(row)
    instrument_ids: set[str] = set()
    bodies: set[str] = set()
    for document in sorted(by_document):
        doc_rows = by_document[document]
        instrument_id = _instrument(
            kb, document, doc_rows, source, today, instrument_ids, bodies, problems, name
        )
        if instrument_id is None:
            stats["skipped_rows"] += len(doc_rows)
            continue
        stats["documents"] += 1
        _requirements(kb, instrument_id, doc_rows, source, version, stats, problems, name)
    return ImportResult(kb, problems, stats, time.perf_counter() - started)


def _instrument(
    kb: KnowledgeBase,
    document: tuple[str, str],
    rows: list[_Row],
    source: Source,
    today: dt.date,
    taken: set[str],
    bodies: set[str],
    problems: list[Problem],
    file: str,
) -> str | None:
    title, organisation = document
    instrument_id = ID_PREFIX + slugify(title, 50)
    if instrument_id in taken:
        instrument_id = ID_PREFIX + slugify(f"{title} {organisation}", 70)
    base, n = instrument_id, 2
    while instrument_id in taken:
        instrument_id, n = f"{base}-{n}", n + 1
    taken.add(instrument_id)
    body_id = ID_PREFIX + slugify(organisation, 50)
    if body_id not in bodies:
        bodies.add(body_id)
        kind = _guess(organisation, _BODY_KINDS, BodyKind.INDUSTRY)
        kb.bodies.append(Body(id=body_id, name=organisation, kind=kind))
    kind = _instrument_kind(title, organisation)
    try:
        instrument = Instrument(
            id=instrument_id,
            kind=kind,
            title=title,
            short_title=shorten(title, 60),
            issuer=body_id,
            jurisdictions=[_guess(f"{organisation} {title}", _JURISDICTIONS, "INTL")],
            status=Status.IN_FORCE,
            summary=(
                f"{title} ({organisation}), one of the documents whose excerpts the DCMS mapping relates "
                "to the guidelines of the UK Code of Practice for consumer IoT security."
            ),
            sources=[*_links(rows), source],
            last_reviewed=today,
            note=(
                "Imported from the DCMS open-data mapping. Kind, issuer kind, jurisdiction and status "
                "(in-force) are guessed from names. Requirement summaries are excerpts of the document, "
                "kept for matching only: do not ship them in the package."
            ),
        )
    except ValidationError as error:
        message = "; ".join(e["msg"] for e in error.errors())
        problems.append(Problem(file, rows[0].line, f"[{rows[0].index}].{NAME}", message))
        return None
    kb.instruments.append(instrument)
    kb.origins[("instrument", instrument_id)] = Origin(file, rows[0].line)
    return instrument_id


def _requirements(
    kb: KnowledgeBase,
    instrument_id: str,
    rows: list[_Row],
    source: Source,
    version: str | None,
    stats: dict[str, int],
    problems: list[Problem],
    file: str,
) -> None:
    groups: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.section, row.excerpt)].append(row)
    kind = next(i.kind for i in kb.instruments if i.id == instrument_id)
    obligation = Obligation.MANDATORY if kind is InstrumentKind.REGULATION else Obligation.RECOMMENDED
    refs = RefAllocator()
    for section, excerpt in sorted(groups):
        members = groups[(section, excerpt)]
        first = members[0]
        guidelines = sorted({n for row in members for n in row.guidelines})
        topics = list(dict.fromkeys(t for n in guidelines for t in GUIDELINE_TOPICS[n]))
        if section and re.search(r"[A-Za-z]{3}", section):
            title = shorten(section, 100)
        else:
            title = shorten(f"{section}: {excerpt}" if section else excerpt, 100)
        try:
            requirement = Requirement(
                instrument=instrument_id,
                ref=refs.take(to_ref(section) or "no-section"),
                title=title,
                summary=excerpt,
                topics=topics,
                obligation=obligation,
            )
        except ValidationError as error:
            message = "; ".join(e["msg"] for e in error.errors())
            problems.append(Problem(file, first.line, f"[{first.index}].{SECTION}", message))
            stats["skipped_rows"] += len(members)
            continue
        kb.requirements.append(requirement)
        kb.origins[("requirement", requirement.id)] = Origin(file, first.line)
        stats["requirements"] += 1
        stats["duplicate_rows"] += sum(len(row.guidelines) for row in members) - len(guidelines)
        for number in guidelines:
            row = next(r for r in members if number in r.guidelines)
            mapping = Mapping(
                source=requirement.id,
                target=f"{COP_INSTRUMENT}:{number}",
                relationship=Relationship.INTERSECTS,
                provenance=Provenance.IMPORTED,
                citation=f"DCMS mapping v{version or '?'}, guideline {number}, row {row.index}",
                sources=[source],
            )
            kb.mappings.append(mapping)
            kb.origins[("mapping", "|".join(mapping.key))] = Origin(file, row.line)
            stats["mappings"] += 1
