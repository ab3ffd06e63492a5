"""Importing external corpora (CISO Assistant, DCMS, OSCAL, mapping CSV) into the store.

Each source gets its own origin (`import:<source>`), so importing it again replaces only its own rows,
and an unchanged import is skipped by content hash. Mappings whose ends exist neither in the import
nor in the store are reported and left out; the rest loads.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from cyberreg.services.store import Store
from cyberreg.sources import ciso_assistant, dcms, mapping_csv, oscal
from cyberreg.sources.bundled import KnowledgeBase
from cyberreg.sources.import_common import ImportResult
from cyberreg.sources.problems import InputError, Problem
from cyberreg.store.tables import MappingRow, Meta, RequirementRow
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


def _stored_elsewhere(store: Store, origin: str, kb: KnowledgeBase) -> dict[tuple[str, str, str], str]:
    """Mapping keys of `kb` already stored by another origin, with that origin."""
    sources = sorted({m.source for m in kb.mappings})
    found: dict[tuple[str, str, str], str] = {}
    with store.session() as session:
        for start in range(0, len(sources), 500):
            rows = session.execute(
                select(
                    MappingRow.source_id, MappingRow.target_id, MappingRow.provenance, MappingRow.origin
                ).where(MappingRow.source_id.in_(sources[start : start + 500]), MappingRow.origin != origin)
            )
            found.update({(s, t, p): o for s, t, p, o in rows})
    return found


def _drop_unloadable(
    store: Store, origin: str, kb: KnowledgeBase, problems: list[Problem], source: str
) -> None:
    """Leave out mappings whose ends exist nowhere, and mappings another origin already holds."""
    present = _known_requirements(store) | {r.id for r in kb.requirements}
    elsewhere = _stored_elsewhere(store, origin, kb)
    kept = []
    for m in kb.mappings:
        missing = [end for end in (m.source, m.target) if end not in present]
        if missing:
            problems.append(Problem(source, None, "mapping", f"left out: no requirement {missing[0]!r}"))
        elif m.key in elsewhere:
            problems.append(
                Problem(
                    source,
                    None,
                    "mapping",
                    f"left out: {m.source} -> {m.target} is already stored by {elsewhere[m.key]}",
                )
            )
        else:
            kept.append(m)
    kb.mappings = kept


def fingerprint(files: list[Path], options: str = "") -> str:
    """What an import reads: file names and bytes, plus options. Equal fingerprints, equal imports."""
    digest = hashlib.sha256(options.encode())
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _previous(store: Store, origin: str, input_hash: str) -> ImportSummary | None:
    """The summary of the last import of `origin`, if it read exactly the same input."""
    with store.session() as session:
        row = session.get(Meta, f"input:{origin}")
        value = row.value if row else None
    if value is None:
        return None
    stored = json.loads(value)
    if stored.get("input_hash") != input_hash:
        return None
    return ImportSummary.model_validate({**stored["summary"], "changed": False})


def _remember(conn: Connection, summary: ImportSummary, input_hash: str) -> None:
    key = f"input:{summary.origin}"
    value = json.dumps({"input_hash": input_hash, "summary": summary.model_dump(mode="json")})
    conn.execute(delete(Meta).where(Meta.key == key))
    conn.execute(insert(Meta).values(key=key, value=value))


def _import(
    store: Store, origin: str, source: str, files: list[Path], options: str, read: Callable[[], ImportResult]
) -> ImportSummary:
    """Read and write one import, unless the same input was imported before (then nothing is read)."""
    started = time.perf_counter()
    input_hash = fingerprint(files, options)
    previous = _previous(store, origin, input_hash)
    if previous is not None:
        return previous.model_copy(update={"seconds": round(time.perf_counter() - started, 3)})
    result = read()
    problems = list(result.problems)
    _drop_unloadable(store, origin, result.kb, problems, source)
    try:
        with store.connect() as conn, conn.begin():
            written = write_knowledge_base(conn, result.kb, origin=origin)
            summary = ImportSummary(
                source=source,
                origin=origin,
                changed=written.changed,
                counts=written.counts,
                stats=result.stats,
                problems=[str(p) for p in problems],
                seconds=round(time.perf_counter() - started, 3),
            )
            _remember(conn, summary, input_hash)
    except IntegrityError as error:
        detail = str(error.orig) if error.orig else str(error)
        raise InputError(
            [Problem(source, None, None, f"clashes with records already stored: {detail}")]
        ) from None
    return summary


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
    files = _files(paths)
    return _import(
        store,
        "import:ciso-assistant",
        ", ".join(str(p) for p in paths),
        files,
        f"placeholders={placeholders}",
        lambda: ciso_assistant.read_libraries(files, placeholders=placeholders),
    )


def import_dcms(store: Store, path: Path) -> ImportSummary:
    files = _files([path])
    return _import(store, "import:dcms", str(path), files, "", lambda: dcms.read_dcms_mapping(path))


def import_oscal(store: Store, path: Path, *, instrument_id: str | None = None) -> ImportSummary:
    files = _files([path])
    origin = f"import:oscal:{instrument_id or path.stem}"
    return _import(
        store,
        origin,
        str(path),
        files,
        f"id={instrument_id}",
        lambda: oscal.read_catalog(path, instrument_id=instrument_id),
    )


def _read_csv(path: Path) -> ImportResult:
    mappings = mapping_csv.read_mappings_csv(path)
    return ImportResult(kb=KnowledgeBase(mappings=mappings), stats={"mappings": len(mappings)})


def import_mappings_csv(store: Store, path: Path) -> ImportSummary:
    files = _files([path])
    return _import(store, f"import:csv:{path.stem}", str(path), files, "", lambda: _read_csv(path))


IMPORTERS: dict[str, Callable[..., ImportSummary]] = {
    "ciso-assistant": import_ciso_assistant,
    "dcms": import_dcms,
    "oscal": import_oscal,
    "mappings": import_mappings_csv,
}
