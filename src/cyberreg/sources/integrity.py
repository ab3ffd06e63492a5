"""Referential integrity of a whole knowledge base: unique ids and no dangling references."""

from __future__ import annotations

from collections.abc import Iterable

from cyberreg.model import JurisdictionKind, Requirement, RequirementKind
from cyberreg.sources.bundled import KnowledgeBase, Origin
from cyberreg.sources.problems import Problem


def _problem(origin: Origin | None, field: str, message: str) -> Problem:
    if origin is None:
        return Problem("<unknown>", None, field, message)
    return Problem(origin.file, origin.line, field, message)


def _duplicates(keys: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for key in keys:
        (repeated if key in seen else seen).add(key)
    return repeated


def check_integrity(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    # Duplicates: the origin recorded is the first; name it so both places can be found.
    for kind, keys in (
        ("jurisdiction", [j.code for j in kb.jurisdictions]),
        ("body", [b.id for b in kb.bodies]),
        ("instrument", [i.id for i in kb.instruments]),
        ("requirement", [r.id for r in kb.requirements]),
        ("mapping", ["|".join(m.key) for m in kb.mappings]),
    ):
        for key in sorted(_duplicates(keys)):
            first = kb.origin(kind, key)
            where = f" (first defined at {first.file}:{first.line})" if first else ""
            problems.append(_problem(first, "id", f"duplicate {kind} id {key!r}{where}"))

    jurisdictions = {j.code: j for j in kb.jurisdictions}
    bodies = {b.id for b in kb.bodies}
    instruments = {i.id: i for i in kb.instruments}
    requirements = {r.id: r for r in kb.requirements}

    for j in kb.jurisdictions:
        for member in j.members:
            if member not in jurisdictions:
                problems.append(
                    _problem(kb.origin("jurisdiction", j.code), "members", f"unknown jurisdiction {member!r}")
                )
            elif jurisdictions[member].kind is JurisdictionKind.GROUPING:
                problems.append(
                    _problem(
                        kb.origin("jurisdiction", j.code),
                        "members",
                        f"{member!r} is a grouping; list its members instead",
                    )
                )
    for b in kb.bodies:
        if b.jurisdiction and b.jurisdiction not in jurisdictions:
            problems.append(
                _problem(kb.origin("body", b.id), "jurisdiction", f"unknown jurisdiction {b.jurisdiction!r}")
            )

    for inst in kb.instruments:
        origin = kb.origin("instrument", inst.id)
        if inst.issuer not in bodies:
            problems.append(_problem(origin, "issuer", f"unknown body {inst.issuer!r}"))
        for code in inst.jurisdictions:
            if code not in jurisdictions:
                problems.append(_problem(origin, "jurisdictions", f"unknown jurisdiction {code!r}"))
        for link in inst.links:
            if link.target not in instruments:
                problems.append(_problem(origin, "links.target", f"unknown instrument {link.target!r}"))
            elif link.target == inst.id:
                problems.append(_problem(origin, "links.target", "an instrument cannot link to itself"))

    for req in kb.requirements:
        origin = kb.origin("requirement", req.id)
        if req.parent is not None:
            parent = requirements.get(f"{req.instrument}:{req.parent}")
            if parent is None:
                problems.append(
                    _problem(origin, "parent", f"unknown parent {req.parent!r} in {req.instrument}")
                )
            elif parent.kind is not RequirementKind.GROUP:
                problems.append(_problem(origin, "parent", f"parent {req.parent!r} is not a group"))
    problems.extend(_cycles(kb, requirements))

    for m in kb.mappings:
        origin = kb.origin("mapping", "|".join(m.key))
        for end in ("source", "target"):
            value = getattr(m, end)
            if value not in requirements:
                problems.append(_problem(origin, end, f"mapping to a missing requirement {value!r}"))

    norm_ids = {r.id for r in kb.requirements if instruments.get(r.instrument) is not None}
    for c in kb.commitments:
        origin = kb.origin("commitment", f"{c.jurisdiction}|{','.join(c.norms)}|{c.kind}|{c.date}")
        if c.jurisdiction not in jurisdictions:
            problems.append(_problem(origin, "jurisdiction", f"unknown jurisdiction {c.jurisdiction!r}"))
        for norm in c.norms:
            if norm not in norm_ids:
                problems.append(_problem(origin, "norms", f"unknown norm {norm!r}"))
    return problems


def _cycles(kb: KnowledgeBase, requirements: dict[str, Requirement]) -> list[Problem]:
    problems = []
    for req in kb.requirements:
        seen = {req.id}
        node: Requirement | None = req
        while node is not None and node.parent is not None:
            parent_id = f"{node.instrument}:{node.parent}"
            if parent_id in seen:
                problems.append(
                    _problem(kb.origin("requirement", req.id), "parent", f"parent chain of {req.id!r} loops")
                )
                break
            seen.add(parent_id)
            node = requirements.get(parent_id)
    return problems
