"""Importing external corpora (CISO Assistant, DCMS, OSCAL, mapping CSV) into the store.

Each source gets its own origin (`import:<source>`), so importing it again replaces only its own rows,
and an unchanged import is skipped by content hash. Mappings whose ends exist neither in the import
nor in the store are reported and left out; the rest loads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cyberreg.services.store import Store
from cyberreg.sources import ciso_assistant, dcms, mapping_csv, oscal
from cyberreg.sources.bundled import KnowledgeBase
from cyberreg.sources.import_common import ImportResult
from cyberreg.sources.problems import InputError, Problem
from cyberreg.store.tables import RequirementRow
from cyberreg.store.writer import write_knowledge_base


class ImportSummary(BaseModel):
    source: str
    origin: str
    changed: bool
    counts: dict[str, int]
    stats: dict[str, int]
    problems: list[str]
    seconds: float


def _known_requirements(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(RequirementRow.id)))


def _drop_dangling(kb: KnowledgeBase, known: set[str], problems: list[Problem], source: str) -> None:
    present = known | {r.id for r in kb.requirements}
    kept = []
    for m in kb.mappings:
        missing = [end for end in (m.source, m.target) if end not in present]
        if missing:
            problems.append(Problem(source, None, "mapping", f"left out: no requirement {missing[0]!r}"))
        else:
            kept.append(m)
    kb.mappings = kept


def _write(store: Store, result: ImportResult, origin: str, source: str, started: float) -> ImportSummary:
    problems = list(result.problems)
    _drop_dangling(result.kb, _known_requirements(store), problems, source)
    try:
        with store.connect() as conn, conn.begin():
            written = write_knowledge_base(conn, result.kb, origin=origin)
    except IntegrityError as error:
        detail = str(error.orig) if error.orig else str(error)
        raise InputError(
            [Problem(source, None, None, f"clashes with records already stored: {detail}")]
        ) from None
    return ImportSummary(
        source=source,
        origin=origin,
        changed=written.changed,
        counts=written.counts,
        stats=result.stats,
        problems=[str(p) for p in problems],
        seconds=round(time.perf_counter() - started, 3),
    )


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError([Problem(str(path), None, None, "no such file or folder")])
    return found


def import_ciso_assistant(store: Store, paths: list[Path], *, placeholders: bool = False) -> ImportSummary:
    started = time.perf_counter()
    files = _files(paths)
    result = ciso_assistant.read_libraries(files, placeholders=placeholders)
    return _write(store, result, "import:ciso-assistant", ", ".join(str(p) for p in paths), started)


def import_dcms(store: Store, path: Path) -> ImportSummary:
    started = time.perf_counter()
    return _write(store, dcms.read_dcms_mapping(path), "import:dcms", str(path), started)


def import_oscal(store: Store, path: Path, *, instrument_id: str | None = None) -> ImportSummary:
    started = time.perf_counter()
    result = oscal.read_catalog(path, instrument_id=instrument_id)
    ids = [i.id for i in result.kb.instruments]
    origin = f"import:oscal:{ids[0] if ids else path.stem}"
    return _write(store, result, origin, str(path), started)


def import_mappings_csv(store: Store, path: Path) -> ImportSummary:
    started = time.perf_counter()
    mappings = mapping_csv.read_mappings_csv(path)
    result = ImportResult(kb=KnowledgeBase(mappings=mappings), stats={"mappings": len(mappings)})
    return _write(store, result, f"import:csv:{path.stem}", str(path), started)


IMPORTERS: dict[str, Callable[..., ImportSummary]] = {
    "ciso-assistant": import_ciso_assistant,
    "dcms": import_dcms,
    "oscal": import_oscal,
    "mappings": import_mappings_csv,
}
