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

from cyberreg.model import DateKind, Instrument, InstrumentKind, LabelLevel, LinkType, Obligation
from cyberreg.model import Status as InstrumentStatus
from cyberreg.model.instrument import ProductCategory
from cyberreg.services.catalog import NotFound, jurisdictions_covering
from cyberreg.services.crosswalk_graph import mapping_graph
from cyberreg.services.planner_requirements import (
    INACTIVE,
    Catalogue,
    Cluster,
    ClusterTotals,
    StandardsPlan,
    Status,
    build_clusters,
    choose_standards,
    cluster_totals,
    coverage_statuses,
    is_binding_instrument,
    load_catalogue,
)
from cyberreg.services.store import Store
from cyberreg.store.tables import JurisdictionRow

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


class UpcomingDate(BaseModel):
    date: dt.date
    instrument: str
    kind: str
    note: str | None
    markets: list[str]


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
            mutual = link.type is LinkType.MUTUAL_RECOGNITION_WITH
            if mutual and any(s.type == link.type.value and s.instrument == other.id for s in found):
                continue  # mutual recognition stated on both sides: show it once
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
        statuses = coverage_statuses(store, have_ids, ordered, max_hops=max_hops)
    clusters = build_clusters(union, binding, markets_of, graph, statuses, max_hops=max_hops)
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
        totals=cluster_totals(clusters),
        standards=choose_standards(store, cat, mandatory, have_ids, graph, max_hops=max_hops),
        upcoming=upcoming,
    )
