"""Reads the bundled knowledge base (YAML under `cyberreg/data`) into validated records.

Every YAML file is one document whose top-level keys may be:
`jurisdictions`, `bodies` (lists), `instrument` (one) with its `requirements` (list, each without
the `instrument` field), `mappings` (list) and `commitments` (list of norm commitments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cyberreg.model import Body, Instrument, Jurisdiction, Mapping, NormCommitment, Requirement
from cyberreg.sources.problems import InputError, Problem, problems_from_validation, relative
from cyberreg.sources.yaml_lines import LineDict, load_yaml

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data"
TOP_LEVEL_KEYS = ("jurisdictions", "bodies", "instrument", "requirements", "mappings", "commitments")


@dataclass(frozen=True)
class Origin:
    file: str
    line: int | None


@dataclass
class KnowledgeBase:
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    bodies: list[Body] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    commitments: list[NormCommitment] = field(default_factory=list)
    # Where each record was read, keyed by the record's identity in `origin_key`.
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)

    def origin(self, kind: str, key: str) -> Origin | None:
        return self.origins.get((kind, key))


def _validate(
    model: type[BaseModel], raw: Any, file: str, prefix: str, problems: list[Problem], data: Any = None
) -> Any | None:
    """Validate `data` (default: `raw`); locate errors in `raw`, which keeps the YAML lines."""
    try:
        return model.model_validate(raw if data is None else data)
    except ValidationError as error:
        problems.extend(problems_from_validation(error, raw, file, prefix))
        return None


def _line(raw: Any) -> int | None:
    return raw.line if isinstance(raw, LineDict) else None


def _records(doc: LineDict, key: str, file: str, problems: list[Problem]) -> list[tuple[int, Any]]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(file, doc.line_of(key), key, "must be a list"))
        return []
    return list(enumerate(value))


def read_file(path: Path, root: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    """Validate one YAML document and add its records to `kb`; problems go to `problems`."""
    file = relative(path, root)
    try:
        doc = load_yaml(path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(file, line, None, f"malformed YAML: {reason}"))
        return
    if doc is None:
        return
    if not isinstance(doc, LineDict):
        problems.append(Problem(file, 1, None, "expected a mapping at the top level"))
        return
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(TOP_LEVEL_KEYS)
            problems.append(Problem(file, doc.line_of(key), key, f"unknown field (allowed: {allowed})"))

    for index, raw in _records(doc, "jurisdictions", file, problems):
        record = _validate(Jurisdiction, raw, file, f"jurisdictions.{index}", problems)
        if record is not None:
            kb.jurisdictions.append(record)
            kb.origins.setdefault(("jurisdiction", record.code), Origin(file, _line(raw)))
    for index, raw in _records(doc, "bodies", file, problems):
        record = _validate(Body, raw, file, f"bodies.{index}", problems)
        if record is not None:
            kb.bodies.append(record)
            kb.origins.setdefault(("body", record.id), Origin(file, _line(raw)))

    instrument_id = _read_instrument(doc, file, kb, problems)
    for index, raw in _records(doc, "requirements", file, problems):
        if instrument_id is None:
            if index == 0 and "instrument" not in doc:
                problems.append(
                    Problem(
                        file,
                        doc.line_of("requirements"),
                        "requirements",
                        "requirements need an `instrument` in the same file",
                    )
                )
            continue
        if isinstance(raw, LineDict) and "instrument" in raw:
            problems.append(
                Problem(
                    file,
                    raw.line_of("instrument"),
                    f"requirements.{index}.instrument",
                    "unknown field (the file's instrument is implied)",
                )
            )
            continue
        data = dict(raw) if isinstance(raw, dict) else raw
        if isinstance(data, dict):
            data["instrument"] = instrument_id
        record = _validate(Requirement, raw, file, f"requirements.{index}", problems, data)
        if record is not None:
            kb.requirements.append(record)
            kb.origins.setdefault(("requirement", record.id), Origin(file, _line(raw)))
    for index, raw in _records(doc, "mappings", file, problems):
        record = _validate(Mapping, raw, file, f"mappings.{index}", problems)
        if record is not None:
            kb.mappings.append(record)
            kb.origins.setdefault(("mapping", "|".join(record.key)), Origin(file, _line(raw)))
    for index, raw in _records(doc, "commitments", file, problems):
        record = _validate(NormCommitment, raw, file, f"commitments.{index}", problems)
        if record is not None:
            kb.commitments.append(record)
            key = f"{record.jurisdiction}|{','.join(record.norms)}|{record.kind}|{record.date}"
            kb.origins.setdefault(("commitment", key), Origin(file, _line(raw)))


def _read_instrument(doc: LineDict, file: str, kb: KnowledgeBase, problems: list[Problem]) -> str | None:
    raw = doc.get("instrument")
    if raw is None:
        return None
    record = _validate(Instrument, raw, file, "instrument", problems)
    if record is None:
        # Still let requirements be checked against the id the file meant, if it has one.
        return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    kb.instruments.append(record)
    kb.origins.setdefault(("instrument", record.id), Origin(file, _line(raw)))
    return record.id


def read_directory(root: Path = BUNDLED_DATA) -> KnowledgeBase:
    """Read and validate every `*.yaml` below `root`, then check referential integrity.

    Raises `InputError` listing every problem; returns nothing partial.
    """
    from cyberreg.sources.integrity import check_integrity

    kb = KnowledgeBase()
    problems: list[Problem] = []
    paths = sorted(p for p in root.rglob("*.yaml") if p.is_file())
    if not paths:
        raise InputError([Problem(str(root), None, None, "no YAML files found")])
    for path in paths:
        read_file(path, root, kb, problems)
    problems.extend(check_integrity(kb))
    if problems:
        raise InputError(problems)
    return kb


if __name__ == "__main__":  # `python -m cyberreg.sources.bundled [DIR]`: validate and summarise
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else BUNDLED_DATA
    try:
        loaded = read_directory(target)
    except InputError as failure:
        print(failure, file=sys.stderr)
        raise SystemExit(1) from None
    print(
        f"ok: {len(loaded.jurisdictions)} jurisdictions, {len(loaded.bodies)} bodies, "
        f"{len(loaded.instruments)} instruments, {len(loaded.requirements)} requirements, "
        f"{len(loaded.mappings)} mappings, {len(loaded.commitments)} commitments"
    )
