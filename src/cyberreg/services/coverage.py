"""Coverage and gaps: "I meet these instruments; what of those others do I already meet?"

A target requirement is `covered` when a held requirement (or a completed joint group, such as the
two EN 303 645 provisions that PSTI Schedule 2 deems together to meet its first requirement) is
certainly a superset of it or equal to it, directly or through inferred paths; `partial` when some
held requirement certainly overlaps it (the relation excludes `no_relationship`) without covering
it; `not_covered` otherwise. Inference keeps sets of possible relationships and never guesses.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel

from cyberreg.crosswalk.algebra import DR, EQ, PPI, relationships
from cyberreg.crosswalk.inference import Inference, MappingGraph
from cyberreg.model import Requirement, RequirementKind
from cyberreg.services.catalog import instrument_requirements
from cyberreg.services.crosswalk_graph import mapping_graph
from cyberreg.services.store import Store

Status = Literal["covered", "partial", "not_covered"]
# Relation sets are bit masks (algebra.EQ, PPI, DR are single-bit masks).
COVERS = EQ | PPI
NO_OVERLAP = DR


class Hop(BaseModel):
    source: str
    relationship: str  # one relationship, or several joined by "|" when only a set is known
    target: str
    provenance: str


class CoverageItem(BaseModel):
    id: str
    instrument: str
    ref: str
    title: str
    topics: list[str]
    obligation: str
    status: Status
    relation: list[str]  # what is known of `held ? target`: the possible relationships
    via: list[str]  # the held requirements the evidence starts from
    path: list[Hop]  # the best derivation, hop by hop
    direct: bool


class Totals(BaseModel):
    covered: int = 0
    partial: int = 0
    not_covered: int = 0

    @property
    def total(self) -> int:
        return self.covered + self.partial + self.not_covered

    def add(self, status: Status) -> None:
        setattr(self, status, getattr(self, status) + 1)


class CoverageReport(BaseModel):
    have: list[str]
    targets: list[str]
    max_hops: int
    items: list[CoverageItem]
    per_target: dict[str, Totals]
    per_topic: dict[str, Totals]


def _leaves(store: Store, instrument_ids: list[str]) -> list[Requirement]:
    found: list[Requirement] = []
    for instrument_id in dict.fromkeys(instrument_ids):
        _, requirements = instrument_requirements(store, instrument_id)
        found += [r for r in requirements if r.kind is RequirementKind.REQUIREMENT]
    return found


def _via(graph: MappingGraph, inference: Inference, held: set[str]) -> list[str]:
    start = inference.best.nodes[0]
    if start in held:
        return [start]
    group = next((g for g in graph.joint_groups.values() if g.node == start), None)
    return sorted(group.members) if group else [start]


def _hops(inference: Inference) -> list[Hop]:
    return [
        Hop(source=s, relationship=r, target=t, provenance=p) for s, r, t, p in inference.best.as_tuples()
    ]


def _rank(inf: Inference) -> tuple[int, int, int, str]:
    """Best evidence first: the fewest possible relations, then fewer hops, then stronger links."""
    strength = inf.best.min_strength
    return (
        bin(inf.relation).count("1"),
        len(inf.best.hops),
        -(strength if strength is not None else -1),
        inf.best.nodes[0],
    )


def coverage(store: Store, have: list[str], targets: list[str], *, max_hops: int = 3) -> CoverageReport:
    """How far the requirements of the `have` instruments go towards those of the `targets`."""
    held = {r.id for r in _leaves(store, have)}
    target_reqs = _leaves(store, targets)
    graph = mapping_graph(store)
    target_ids = [r.id for r in target_reqs]
    # One closure from everything held (joint groups it completes included) serves both statuses.
    covering: dict[str, Inference] = {}
    overlapping: dict[str, Inference] = {}
    for (_, target), candidate in graph.closure(
        graph.expand_held(held), target_ids, max_hops=max_hops
    ).items():
        if candidate.contradictory or not candidate.relation or candidate.relation & NO_OVERLAP:
            continue
        bucket = covering if not candidate.relation & ~COVERS else overlapping
        if target not in bucket or _rank(candidate) < _rank(bucket[target]):
            bucket[target] = candidate

    items: list[CoverageItem] = []
    per_target: dict[str, Totals] = {t: Totals() for t in dict.fromkeys(targets)}
    per_topic: dict[str, Totals] = {}
    for req in target_reqs:
        status: Status
        inf: Inference | None
        if req.id in held:
            status, inf = "covered", None
        elif req.id in covering:
            status, inf = "covered", covering[req.id]
        elif req.id in overlapping:  # overlaps for certain, covers not
            status, inf = "partial", overlapping[req.id]
        else:
            status, inf = "not_covered", None
        items.append(
            CoverageItem(
                id=req.id,
                instrument=req.instrument,
                ref=req.ref,
                title=req.title,
                topics=[t.value for t in req.topics],
                obligation=req.obligation.value,
                status=status,
                relation=sorted(r.value for r in relationships(inf.relation))
                if inf
                else (["equal"] if req.id in held else []),
                via=_via(graph, inf, held) if inf else ([req.id] if req.id in held else []),
                path=_hops(inf) if inf else [],
                direct=inf.direct if inf else req.id in held,
            )
        )
        per_target[req.instrument].add(status)
        for topic in req.topics[:1]:
            per_topic.setdefault(topic.value, Totals()).add(status)
    return CoverageReport(
        have=list(dict.fromkeys(have)),
        targets=list(dict.fromkeys(targets)),
        max_hops=max_hops,
        items=items,
        per_target=per_target,
        per_topic=dict(sorted(per_topic.items())),
    )


def status_counts(report: CoverageReport) -> Counter[str]:
    return Counter(item.status for item in report.items)
