"""The requirement side of the compliance planner: clusters of overlapping requirements and the
greedy choice of standards (the rules are stated in services.planner.RULES and docs/planner.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from cyberreg.crosswalk.algebra import CONVERSE, DR, relationships
from cyberreg.crosswalk.inference import MappingGraph
from cyberreg.model import Instrument, InstrumentKind, LinkType, Obligation, Requirement, RequirementKind
from cyberreg.model import Status as InstrumentStatus
from cyberreg.services.coverage import coverage
from cyberreg.services.store import Store
from cyberreg.store.tables import InstrumentRow, RequirementRow

Status = Literal["covered", "partial", "not_covered"]
INACTIVE = {InstrumentStatus.REPEALED, InstrumentStatus.WITHDRAWN}


def coverage_statuses(
    store: Store, have: list[str], targets: list[str], *, max_hops: int = 3
) -> dict[str, Status]:
    """Requirement id -> status for every requirement of `targets`, given the `have` instruments."""
    if not have or not targets:
        return {}
    return {i.id: i.status for i in coverage(store, have, targets, max_hops=max_hops).items}


def is_binding_instrument(inst: Instrument) -> bool:
    """A regulation that is not merely proposed: its mandatory requirements bind."""
    return inst.kind is InstrumentKind.REGULATION and inst.status is not InstrumentStatus.PROPOSED


class ClusterMember(BaseModel):
    id: str
    instrument: str
    ref: str
    title: str
    obligation: str
    binding: bool
    status: Status | None = None  # with `have` only


class ClusterLink(BaseModel):
    source: str
    target: str
    relation: list[str]  # the possible relationships `source ? target`
    direct: bool


class Cluster(BaseModel):
    id: str
    title: str
    topics: list[str]
    binding: bool
    markets: list[str]  # where a binding member applies (where any member does, if none binds)
    instruments: dict[str, list[ClusterMember]]
    links: list[ClusterLink]
    status: Status | None = None
    size: int = 0  # requirements in the cluster


class Candidate(BaseModel):
    standard: str
    newly_covered: int
    newly_partial: int


class StandardStep(BaseModel):
    step: int
    standard: str
    short_title: str
    newly_covered: list[str]
    newly_partial: list[str]
    covered_total: int
    remaining: int
    runners_up: list[Candidate]
    explanation: str


class PresumptionRoute(BaseModel):
    instrument: str
    via: str
    type: str
    uncovered: int  # binding requirements of `instrument` the greedy choice leaves uncovered


class StandardsPlan(BaseModel):
    binding_total: int
    baseline: list[str]  # `have`
    baseline_covered: int
    steps: list[StandardStep]
    chosen: list[str]
    covered: list[str]
    partial: list[str]
    uncovered: list[str]
    routes: list[PresumptionRoute]  # instrument-level routes the requirement-level count leaves out


class ClusterTotals(BaseModel):
    clusters: int = 0
    binding_clusters: int = 0
    requirements: int = 0
    binding_requirements: int = 0
    covered: int = 0  # binding clusters by status, with `have`
    partial: int = 0
    not_covered: int = 0


# --- loading -----------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Every instrument and its requirements (leaves only), read once."""

    instruments: dict[str, Instrument]
    requirements: dict[str, list[Requirement]] = field(default_factory=dict)

    def leaves(self, instrument_id: str) -> list[Requirement]:
        return self.requirements.get(instrument_id, [])


def load_catalogue(store: Store) -> Catalogue:
    with store.session() as session:
        instruments = {
            row.id: Instrument.model_validate(row.record)
            for row in session.scalars(select(InstrumentRow).order_by(InstrumentRow.id))
        }
        cat = Catalogue(instruments)
        rows = session.scalars(
            select(RequirementRow)
            .where(RequirementRow.kind == RequirementKind.REQUIREMENT.value)
            .order_by(RequirementRow.instrument_id, RequirementRow.position)
        )
        for row in rows:
            req = Requirement.model_validate(row.record)
            cat.requirements.setdefault(req.instrument, []).append(req)
    return cat


# --- clusters ----------------------------------------------------------------------------------


def _components(
    ids: list[str], graph: MappingGraph, max_hops: int
) -> tuple[dict[str, str], list[ClusterLink]]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = {i: k for k, i in enumerate(ids)}
    in_graph = [i for i in ids if i in graph]
    closure = graph.closure(in_graph, in_graph, max_hops=max_hops) if in_graph else {}
    links: dict[tuple[str, str], ClusterLink] = {}
    for (s, t), inf in sorted(closure.items()):
        if not inf.relation or inf.relation & DR:
            continue
        a, b = (s, t) if order[s] < order[t] else (t, s)
        if (a, b) in links:
            continue
        rel = inf.relation if a == s else CONVERSE[inf.relation]
        links[(a, b)] = ClusterLink(
            source=a, target=b, relation=sorted(r.value for r in relationships(rel)), direct=inf.direct
        )
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=order.__getitem__)] = min(ra, rb, key=order.__getitem__)
    return {i: find(i) for i in ids}, [
        links[k] for k in sorted(links, key=lambda k: (order[k[0]], order[k[1]]))
    ]


def _fold(statuses: list[Status]) -> Status:
    if all(s == "covered" for s in statuses):
        return "covered"
    if all(s == "not_covered" for s in statuses):
        return "not_covered"
    return "partial"


def build_clusters(
    reqs: list[Requirement],
    binding: set[str],
    markets_of: dict[str, list[str]],
    graph: MappingGraph,
    statuses: dict[str, Status] | None,
    *,
    max_hops: int = 3,
) -> list[Cluster]:
    """Connected components of certainly-overlapping requirements, binding ones first."""
    ids = [r.id for r in reqs]
    by_id = {r.id: r for r in reqs}
    root, links = _components(ids, graph, max_hops)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(root[i], []).append(i)
    clusters: list[Cluster] = []
    for members in groups.values():
        member_set = set(members)
        bound = [m for m in members if m in binding]
        lead = by_id[(bound or members)[0]]
        per: dict[str, list[ClusterMember]] = {}
        for m in members:
            r = by_id[m]
            per.setdefault(r.instrument, []).append(
                ClusterMember(
                    id=m,
                    instrument=r.instrument,
                    ref=r.ref,
                    title=r.title,
                    obligation=r.obligation.value,
                    binding=m in binding,
                    status=statuses.get(m) if statuses is not None else None,
                )
            )
        topics = list(dict.fromkeys(t.value for m in [lead.id, *members] for t in by_id[m].topics))
        where = {by_id[m].instrument for m in bound} or set(per)  # where it binds, if it does
        markets = sorted({mk for inst in where for mk in markets_of.get(inst, [])})
        status = None
        if statuses is not None:
            status = _fold([statuses.get(m, "not_covered") for m in (bound or members)])
        clusters.append(
            Cluster(
                id="",
                title=lead.title,
                topics=topics,
                binding=bool(bound),
                markets=markets,
                instruments=per,
                links=[lk for lk in links if lk.source in member_set],
                status=status,
                size=len(members),
            )
        )
    position = {i: k for k, i in enumerate(ids)}
    clusters.sort(
        key=lambda c: (
            not c.binding,
            -len(c.instruments),
            -c.size,
            min(position[m.id] for ms in c.instruments.values() for m in ms),
        )
    )
    for k, c in enumerate(clusters, 1):
        c.id = f"C{k}"
    return clusters


def cluster_totals(clusters: list[Cluster]) -> ClusterTotals:
    t = ClusterTotals(clusters=len(clusters))
    for c in clusters:
        t.requirements += c.size
        t.binding_requirements += sum(m.binding for ms in c.instruments.values() for m in ms)
        if c.binding:
            t.binding_clusters += 1
            if c.status is not None:
                setattr(t, c.status, getattr(t, c.status) + 1)
    return t


def presumption_links(cat: Catalogue, instrument_id: str) -> list[tuple[str, LinkType]]:
    """Instrument-level routes to conformity: standards harmonised for it, and what it deems enough."""
    found: list[tuple[str, LinkType]] = [
        (link.target, link.type)
        for link in cat.instruments[instrument_id].links
        if link.type is LinkType.DEEMED_COMPLIANCE_WITH
    ]
    found += [
        (other.id, link.type)
        for other in cat.instruments.values()
        for link in other.links
        if link.target == instrument_id and link.type is LinkType.HARMONISED_STANDARD_FOR
    ]
    return sorted(found)


# --- greedy choice of standards ----------------------------------------------------------------


def _cover(
    store: Store, held: list[str], targets: list[str], wanted: set[str], max_hops: int
) -> tuple[set[str], set[str]]:
    statuses = coverage_statuses(store, held, targets, max_hops=max_hops)
    covered = {i for i, status in statuses.items() if i in wanted and status == "covered"}
    partial = {i for i, status in statuses.items() if i in wanted and status == "partial"}
    return covered, partial


def choose_standards(
    store: Store,
    cat: Catalogue,
    targets: list[str],
    have: list[str],
    graph: MappingGraph,
    *,
    max_hops: int = 3,
) -> StandardsPlan:
    """Greedy set cover of the binding requirements of `targets` by standards, from `have`."""
    wanted_list = [r.id for t in targets for r in cat.leaves(t) if r.obligation is Obligation.MANDATORY]
    wanted = set(wanted_list)
    position = {w: k for k, w in enumerate(wanted_list)}
    covered, partial = _cover(store, have, targets, wanted, max_hops)
    baseline = len(covered)
    candidates = sorted(
        i.id
        for i in cat.instruments.values()
        if i.kind is InstrumentKind.STANDARD
        and i.status not in INACTIVE
        and i.id not in have
        and any(r.id in graph for r in cat.leaves(i.id))
    )
    chosen: list[str] = []
    steps: list[StandardStep] = []
    while candidates and len(covered) < len(wanted):
        scored = []
        for cand in candidates:
            cov, part = _cover(store, [*have, *chosen, cand], targets, wanted, max_hops)
            scored.append((cand, cov - covered, part - partial - covered, cov, part))
        scored.sort(key=lambda s: (-len(s[1]), -len(s[2]), s[0]))
        best, gain, gain_partial, cov, part = scored[0]
        if not gain:
            break
        chosen.append(best)
        candidates.remove(best)
        covered, partial = cov, part - cov
        remaining = len(wanted) - len(covered)
        steps.append(
            StandardStep(
                step=len(steps) + 1,
                standard=best,
                short_title=cat.instruments[best].short_title,
                newly_covered=sorted(gain, key=position.__getitem__),
                newly_partial=sorted(gain_partial, key=position.__getitem__),
                covered_total=len(covered),
                remaining=remaining,
                runners_up=[
                    Candidate(standard=s[0], newly_covered=len(s[1]), newly_partial=len(s[2]))
                    for s in scored[1:4]
                    if s[1] or s[2]
                ],
                explanation=(
                    f"{best} covers {len(gain)} more binding requirement(s)"
                    + (f" and partly covers {len(gain_partial)} more" if gain_partial else "")
                    + f"; {len(covered)} of {len(wanted)} covered, {remaining} left"
                    + (f"; next best {scored[1][0]} ({len(scored[1][1])} covered)" if len(scored) > 1 else "")
                ),
            )
        )
    uncovered = [w for w in wanted_list if w not in covered]
    routes = []
    for t in targets:
        left = sum(r.startswith(t + ":") for r in uncovered)
        if not left:
            continue
        routes += [
            PresumptionRoute(instrument=t, via=via, type=kind.value, uncovered=left)
            for via, kind in presumption_links(cat, t)
        ]
    return StandardsPlan(
        binding_total=len(wanted),
        baseline=list(have),
        baseline_covered=baseline,
        steps=steps,
        chosen=chosen,
        covered=[w for w in wanted_list if w in covered],
        partial=[w for w in wanted_list if w in partial and w not in covered],
        uncovered=uncovered,
        routes=routes,
    )
