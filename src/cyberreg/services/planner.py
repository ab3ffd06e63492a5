"""The multi-market compliance planner: "this product, these markets: what applies, what does it ask,
and which standards get me furthest?"

`plan()` decides, for each market, which instruments apply to the product (the rules are RULES, also
returned in every plan and explained in docs/planner.md), folds the union of their requirements into
clusters of requirements that certainly overlap, marks clusters already covered by what the maker
holds (`have`, through services.coverage), and chooses standards greedily to cover the binding
requirements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select

from cyberreg.crosswalk.algebra import CONVERSE, DR, relationships
from cyberreg.crosswalk.inference import MappingGraph
from cyberreg.model import (
    DateKind,
    Instrument,
    InstrumentKind,
    LabelLevel,
    LinkType,
    Obligation,
    Requirement,
    RequirementKind,
)
from cyberreg.model import Status as InstrumentStatus
from cyberreg.model.instrument import ProductCategory
from cyberreg.services.catalog import NotFound, jurisdictions_covering
from cyberreg.services.coverage import coverage
from cyberreg.services.crosswalk_graph import mapping_graph
from cyberreg.services.store import Store
from cyberreg.store.tables import InstrumentRow, JurisdictionRow, RequirementRow

INTERNATIONAL = "INTL"
GENERAL_CATEGORIES: dict[str, frozenset[str]] = {
    "products-with-digital-elements": frozenset(
        {"consumer-iot", "radio-equipment", "software", "industrial-automation", "telecom-network"}
    ),
}
FEATURE_IMPLIES: dict[str, tuple[str, ...]] = {
    "internet": ("network", "network-connectable", "data-connection"),
    "network-connectable": ("network", "data-connection"),
    "network": ("data-connection",),
    "home-network": ("network", "data-connection"),
    "radio": ("data-connection",),
    "app": ("software",),
    "updates": ("software",),
}
INACTIVE = {InstrumentStatus.REPEALED, InstrumentStatus.WITHDRAWN}
NOT_PRODUCT_RULES = {InstrumentKind.TRADE_AGREEMENT, InstrumentKind.NORMS}  # bind states, not products
KEY_DATES = (
    DateKind.ENTRY_INTO_FORCE,
    DateKind.APPLIES_FROM,
    DateKind.TRANSITION_END,
    DateKind.LAUNCHED,
    DateKind.REPEALED,
    DateKind.WITHDRAWN,
)
SHORTCUT_LINKS = (
    LinkType.DEEMED_COMPLIANCE_WITH,
    LinkType.MUTUAL_RECOGNITION_WITH,
    LinkType.HARMONISED_STANDARD_FOR,
    LinkType.BASED_ON,
)
ROUTE_LINKS = {("harmonised-standard-for", "incoming"), ("deemed-compliance-with", "outgoing")}
RULES = [
    "Jurisdiction: one of the instrument's jurisdictions covers the market (a country is covered by "
    "itself and by every union or grouping it belongs to); international instruments (INTL) are "
    "available in every market but bind none.",
    "Status: repealed and withdrawn instruments never apply; proposed regulations are listed but add no "
    "binding requirement; superseded editions apply with a caveat.",
    "Category: the product's category is in the scope, or the scope lists a general category that "
    "contains it (products-with-digital-elements contains consumer-iot, radio-equipment, software, "
    "industrial-automation and telecom-network). A scope with no category is never guessed to apply.",
    "Features: when the scope lists features, one must be among the product's, widened by implication "
    "(internet implies network, network-connectable and data-connection; network-connectable, network "
    "and home-network imply data-connection; radio implies data-connection; app and updates imply "
    "software). A scope with no features applies to every product of its categories; when the product's "
    "features are not given, the test is skipped with a caveat.",
    "HS codes: compared only when both sides give codes; they match when one is a prefix of the other.",
    "Obligation: regulations are mandatory; labelling schemes, frameworks and standards are voluntary. "
    "A binding requirement has obligation 'mandatory' in a mandatory instrument that is not proposed.",
    "Trade agreements and norms bind states, not products: they are never listed for a product.",
    "Clusters: connected components over pairs of requirements whose known relation (a curated mapping, "
    "or inferred along up to max_hops mappings) is not empty and excludes no_relationship. With have, a "
    "cluster is covered when all its binding members are covered (all members when none is binding), "
    "not covered when none is covered or partly covered, partial otherwise.",
    "Standards: from have, repeatedly add the standard whose addition covers the most still-uncovered "
    "binding requirements (coverage recomputed for the whole set held, so joint mappings count); ties go "
    "to the most newly partly covered, then to the smaller id; stop when none covers one more.",
]

Status = Literal["covered", "partial", "not_covered"]
Phase = Literal["applies", "partly-applies", "upcoming", "proposed"]


class DateView(BaseModel):
    kind: str
    date: dt.date
    note: str | None
    upcoming: bool  # after `today`
    days_from_today: int


class Shortcut(BaseModel):
    type: str
    direction: Literal["outgoing", "incoming"]
    instrument: str  # the other instrument
    meaning: str
    note: str | None = None
    in_plan: bool = False  # the other instrument applies in some market of this plan


class ApplicableInstrument(BaseModel):
    id: str
    short_title: str
    kind: str
    status: str
    obligation: Literal["mandatory", "voluntary"]
    phase: Phase
    why: list[str]
    matched_features: list[str]
    caveats: list[str]
    exclusions: list[str]  # the scope's own exclusions, to check by hand
    routes: list[str]
    levels: list[LabelLevel]
    conformity_note: str | None
    dates: list[DateView]
    shortcuts: list[Shortcut]
    harmonised_standards: list[str]  # standards that give presumption of conformity with this one
    requirements: int
    binding_requirements: int


class NotApplicable(BaseModel):
    id: str
    short_title: str
    kind: str
    reason: str


class MarketPlan(BaseModel):
    market: str
    name: str
    covered_by: list[str]  # the market and the unions or groupings it belongs to
    mandatory: list[ApplicableInstrument]
    voluntary: list[ApplicableInstrument]
    not_applicable: list[NotApplicable]  # product rules whose jurisdiction covers the market


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
    markets: list[str]
    instruments: dict[str, list[ClusterMember]]
    links: list[ClusterLink]
    status: Status | None = None

    @property
    def size(self) -> int:
        return sum(len(m) for m in self.instruments.values())


class UpcomingDate(BaseModel):
    date: dt.date
    instrument: str
    kind: str
    note: str | None
    markets: list[str]


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


class Plan(BaseModel):
    category: str
    features: list[str]
    implied_features: list[str]
    hs: str | None
    have: list[str]
    today: dt.date
    max_hops: int
    rules: list[str]
    markets: list[MarketPlan]
    instruments: list[str]  # every applicable instrument, mandatory first
    mandatory_instruments: list[str]
    clusters: list[Cluster]
    totals: ClusterTotals
    standards: StandardsPlan
    upcoming: list[UpcomingDate]


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


# --- applicability -----------------------------------------------------------------------------


def check_category(category: str) -> str:
    if category not in ProductCategory._value2member_map_:
        raise ValueError(
            f"unknown product category {category!r}; one of: {', '.join(c.value for c in ProductCategory)}"
        )
    return category


def implied_features(features: Iterable[str]) -> list[str]:
    """The product's features widened by FEATURE_IMPLIES, given ones first."""
    out = list(dict.fromkeys(f.strip().lower() for f in features if f.strip()))
    k = 0
    while k < len(out):
        out += [f for f in FEATURE_IMPLIES.get(out[k], ()) if f not in out]
        k += 1
    return out


def category_match(inst: Instrument, category: str) -> str | None:
    """How the instrument's scope takes in the category, or None."""
    listed = [c.value for c in inst.scope.product_categories]
    if category in listed:
        return f"category {category} is in scope"
    general = next((g for g in listed if category in GENERAL_CATEGORIES.get(g, ())), None)
    return f"category {category} falls under {general}" if general else None


@dataclass
class _Verdict:
    reason: str | None = None  # why not, when it does not apply
    why: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


def _scope_verdict(inst: Instrument, category: str, features: list[str], hs: str | None) -> _Verdict:
    verdict = _Verdict()
    scope = inst.scope
    if inst.status in INACTIVE:
        verdict.reason = f"status is {inst.status.value}"
        return verdict
    if not scope.product_categories:
        verdict.reason = "its scope records no product category"
        return verdict
    how = category_match(inst, category)
    if how is None:
        cats = ", ".join(c.value for c in scope.product_categories)
        verdict.reason = f"category {category} is not in scope ({cats})"
        return verdict
    verdict.why.append(how)
    if scope.features and features:
        verdict.matched = [f for f in scope.features if f in features]
        if not verdict.matched:
            verdict.reason = f"none of its scope features ({', '.join(scope.features)}) is the product's"
            return verdict
        verdict.why.append("features " + ", ".join(verdict.matched))
    elif scope.features:
        verdict.caveats.append(f"features not given; scope needs one of {', '.join(scope.features)}")
    else:
        verdict.why.append("scope sets no feature condition")
    if scope.hs_codes and hs:
        if not any(hs.startswith(c) or c.startswith(hs) for c in scope.hs_codes):
            verdict.reason = f"HS codes {', '.join(scope.hs_codes)} do not match {hs}"
            return verdict
        verdict.why.append(f"HS {hs} matches {', '.join(scope.hs_codes)}")
    if inst.status is InstrumentStatus.SUPERSEDED:
        verdict.caveats.append("this edition is superseded: check which edition the market accepts")
    return verdict


def phase(inst: Instrument, today: dt.date) -> Phase:
    if inst.status is InstrumentStatus.PROPOSED:
        return "proposed"
    starts = [d.date for d in inst.dates if d.kind is DateKind.APPLIES_FROM] or [
        d.date for d in inst.dates if d.kind in (DateKind.ENTRY_INTO_FORCE, DateKind.LAUNCHED)
    ]
    past, future = any(d <= today for d in starts), any(d > today for d in starts)
    if past and future:
        return "partly-applies"
    if future or (not starts and inst.status is InstrumentStatus.ADOPTED):
        return "upcoming"
    return "applies"


def is_binding_instrument(inst: Instrument) -> bool:
    return inst.kind is InstrumentKind.REGULATION and inst.status is not InstrumentStatus.PROPOSED


def _meaning(link: LinkType, this: str, other: str, outgoing: bool) -> str:
    a, b = (this, other) if outgoing else (other, this)  # the link reads `a type b`
    return {
        LinkType.DEEMED_COMPLIANCE_WITH: f"conforming to {b} is deemed to meet {a}",
        LinkType.MUTUAL_RECOGNITION_WITH: f"{a} and {b} recognise each other",
        LinkType.HARMONISED_STANDARD_FOR: f"applying {a} gives presumption of conformity with {b}",
        LinkType.BASED_ON: f"{a} is based on {b}",
    }.get(link, f"{a} {link.value} {b}")


def _shortcuts(inst: Instrument, cat: Catalogue) -> list[Shortcut]:
    found = [
        Shortcut(
            type=link.type.value,
            direction="outgoing",
            instrument=link.target,
            meaning=_meaning(link.type, inst.id, link.target, True),
            note=link.note,
        )
        for link in inst.links
        if link.type in SHORTCUT_LINKS
    ]
    for other in cat.instruments.values():
        for link in other.links:
            if link.target == inst.id and link.type in SHORTCUT_LINKS:
                found.append(
                    Shortcut(
                        type=link.type.value,
                        direction="incoming",
                        instrument=other.id,
                        meaning=_meaning(link.type, inst.id, other.id, False),
                        note=link.note,
                    )
                )
    return found


def _dates(inst: Instrument, today: dt.date) -> list[DateView]:
    return [
        DateView(
            kind=d.kind.value,
            date=d.date,
            note=d.note,
            upcoming=d.date > today,
            days_from_today=(d.date - today).days,
        )
        for d in sorted(inst.dates, key=lambda d: d.date)
        if d.kind in KEY_DATES
    ]


def _applicable(inst: Instrument, verdict: _Verdict, cat: Catalogue, today: dt.date) -> ApplicableInstrument:
    leaves = cat.leaves(inst.id)
    binding = is_binding_instrument(inst)
    shortcuts = _shortcuts(inst, cat)
    return ApplicableInstrument(
        id=inst.id,
        short_title=inst.short_title,
        kind=inst.kind.value,
        status=inst.status.value,
        obligation="mandatory" if inst.kind is InstrumentKind.REGULATION else "voluntary",
        phase=phase(inst, today),
        why=verdict.why,
        matched_features=verdict.matched,
        caveats=verdict.caveats,
        exclusions=list(inst.scope.exclusions),
        routes=[r.value for r in inst.conformity.routes],
        levels=list(inst.conformity.levels),
        conformity_note=inst.conformity.note,
        dates=_dates(inst, today),
        shortcuts=shortcuts,
        harmonised_standards=[
            s.instrument
            for s in shortcuts
            if s.type == LinkType.HARMONISED_STANDARD_FOR.value and s.direction == "incoming"
        ],
        requirements=len(leaves),
        binding_requirements=sum(r.obligation is Obligation.MANDATORY for r in leaves) if binding else 0,
    )


def _market(
    store: Store,
    cat: Catalogue,
    market: str,
    category: str,
    features: list[str],
    hs: str | None,
    today: dt.date,
) -> MarketPlan:
    with store.session() as session:
        row = session.get(JurisdictionRow, market)
        if row is None:
            raise ValueError(f"unknown market {market!r}: use a jurisdiction code such as GBR or EU")
        name = row.name
        covering = jurisdictions_covering(session, market) | {INTERNATIONAL}
    plan = MarketPlan(
        market=market, name=name, covered_by=sorted(covering), mandatory=[], voluntary=[], not_applicable=[]
    )
    for inst in cat.instruments.values():
        where = [j for j in inst.jurisdictions if j in covering]
        if not where or inst.kind in NOT_PRODUCT_RULES:
            continue
        verdict = _scope_verdict(inst, category, features, hs)
        if verdict.reason is not None:
            plan.not_applicable.append(
                NotApplicable(
                    id=inst.id, short_title=inst.short_title, kind=inst.kind.value, reason=verdict.reason
                )
            )
            continue
        verdict.why.insert(0, f"jurisdiction {', '.join(where)} covers {market}")
        item = _applicable(inst, verdict, cat, today)
        (plan.mandatory if item.obligation == "mandatory" else plan.voluntary).append(item)
    return plan


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
    max_hops: int,
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
        markets = sorted({mk for inst in per for mk in markets_of.get(inst, [])})
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


def _totals(clusters: list[Cluster]) -> ClusterTotals:
    t = ClusterTotals(clusters=len(clusters))
    for c in clusters:
        t.requirements += c.size
        t.binding_requirements += sum(m.binding for ms in c.instruments.values() for m in ms)
        if c.binding:
            t.binding_clusters += 1
            if c.status is not None:
                setattr(t, c.status, getattr(t, c.status) + 1)
    return t


# --- greedy choice of standards ----------------------------------------------------------------


def _cover(
    store: Store, held: list[str], targets: list[str], wanted: set[str], max_hops: int
) -> tuple[set[str], set[str]]:
    if not held or not targets:
        return set(), set()
    report = coverage(store, held, targets, max_hops=max_hops)
    covered = {i.id for i in report.items if i.id in wanted and i.status == "covered"}
    partial = {i.id for i in report.items if i.id in wanted and i.status == "partial"}
    return covered, partial


def choose_standards(
    store: Store,
    cat: Catalogue,
    targets: list[str],
    have: list[str],
    graph: MappingGraph,
    max_hops: int,
) -> StandardsPlan:
    """Greedy set cover of the binding requirements of `targets` by standards, from `have`."""
    wanted_list = [r.id for t in targets for r in cat.leaves(t) if r.obligation is Obligation.MANDATORY]
    wanted = set(wanted_list)
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
                newly_covered=sorted(gain, key=wanted_list.index),
                newly_partial=sorted(gain_partial, key=wanted_list.index),
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
                    + (f"; next best {scored[1][0]} ({len(scored[1][1])})" if len(scored) > 1 else "")
                ),
            )
        )
    uncovered = [w for w in wanted_list if w not in covered]
    routes = []
    for t in targets:
        left = sum(r.startswith(t + ":") for r in uncovered)
        if not left:
            continue
        for s in _shortcuts(cat.instruments[t], cat):
            if (s.type, s.direction) in ROUTE_LINKS:
                routes.append(PresumptionRoute(instrument=t, via=s.instrument, type=s.type, uncovered=left))
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


# --- the plan ----------------------------------------------------------------------------------


def _split(values: Sequence[str] | str | None) -> list[str]:
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else [v for x in values for v in x.split(",")]
    return list(dict.fromkeys(v.strip() for v in items if v.strip()))


def plan(
    store: Store,
    category: str,
    features: Sequence[str] | str | None,
    markets: Sequence[str] | str,
    hs: str | None = None,
    have: Sequence[str] = (),
    *,
    today: dt.date | None = None,
    max_hops: int = 3,
) -> Plan:
    """A compliance plan for one product (category, features, optional HS code) in several markets."""
    today = today or dt.date.today()
    category = check_category(category.strip().lower())
    given = [f.lower() for f in _split(features)]
    widened = implied_features(given)
    market_codes = [m.upper() for m in _split(markets)]
    if not market_codes:
        raise ValueError("give at least one market")
    hs_code = hs.replace(".", "").replace(" ", "") if hs else None
    if hs_code is not None and not (hs_code.isdigit() and 2 <= len(hs_code) <= 10):
        raise ValueError(f"an HS code has 2 to 10 digits, got {hs!r}")
    have_ids = _split(have)
    cat = load_catalogue(store)
    for h in have_ids:
        if h not in cat.instruments:
            raise NotFound(f"no instrument {h!r}")

    market_plans = [_market(store, cat, m, category, widened, hs_code, today) for m in market_codes]
    markets_of: dict[str, list[str]] = {}
    for mp in market_plans:
        for item in [*mp.mandatory, *mp.voluntary]:
            markets_of.setdefault(item.id, []).append(mp.market)
    for mp in market_plans:
        for item in [*mp.mandatory, *mp.voluntary]:
            for s in item.shortcuts:
                s.in_plan = s.instrument in markets_of
    ordered = sorted(markets_of, key=lambda i: (not is_binding_instrument(cat.instruments[i]), i))
    mandatory = [i for i in ordered if is_binding_instrument(cat.instruments[i])]
    binding = {r.id for i in mandatory for r in cat.leaves(i) if r.obligation is Obligation.MANDATORY}
    union = [r for i in ordered for r in cat.leaves(i)]

    graph = mapping_graph(store)
    statuses: dict[str, Status] | None = None
    if have_ids:
        report = coverage(store, have_ids, ordered, max_hops=max_hops) if ordered else None
        statuses = {item.id: item.status for item in report.items} if report else {}
    clusters = build_clusters(union, binding, markets_of, graph, statuses, max_hops)
    upcoming = sorted(
        (
            UpcomingDate(date=d.date, instrument=i, kind=d.kind, note=d.note, markets=markets_of[i])
            for i in ordered
            for d in _dates(cat.instruments[i], today)
            if d.upcoming
        ),
        key=lambda u: (u.date, u.instrument, u.kind),
    )
    return Plan(
        category=category,
        features=given,
        implied_features=[f for f in widened if f not in given],
        hs=hs_code,
        have=have_ids,
        today=today,
        max_hops=max_hops,
        rules=RULES,
        markets=market_plans,
        instruments=ordered,
        mandatory_instruments=mandatory,
        clusters=clusters,
        totals=_totals(clusters),
        standards=choose_standards(store, cat, mandatory, have_ids, graph, max_hops),
        upcoming=upcoming,
    )
