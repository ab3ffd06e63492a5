"""Compliance plans and fragmentation reports as JSON, Markdown and self-contained HTML (and CSV for
the overlap matrix)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from cyberreg.reports.render import csv_text, html, markdown_table
from cyberreg.services.fragmentation import CategoryIndex, FragmentationReport
from cyberreg.services.planner import ApplicableInstrument, DateView, Plan
from cyberreg.services.planner_requirements import Cluster

NONE = "-"
STATUS_LABEL = {"covered": "covered", "partial": "partly covered", "not_covered": "not covered"}


def fmt(value: float | None, digits: int = 2) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def date_text(d: DateView) -> str:
    when = f" (in {d.days_from_today} days)" if d.upcoming else ""
    return f"{d.kind} {d.date.isoformat()}{when}"


def dates_text(item: ApplicableInstrument) -> str:
    return "; ".join(date_text(d) for d in item.dates) or NONE


def route_text(item: ApplicableInstrument) -> str:
    routes = ", ".join(item.routes) or NONE
    if item.levels:
        routes += " (levels " + ", ".join(level.id for level in item.levels) + ")"
    return routes


def shortcuts_text(item: ApplicableInstrument) -> str:
    return "; ".join(s.meaning + (" [in this plan]" if s.in_plan else "") for s in item.shortcuts) or NONE


def members_text(cluster: Cluster) -> str:
    return "; ".join(
        f"{inst}: {', '.join(m.ref for m in members)}" for inst, members in cluster.instruments.items()
    )


def shown_clusters(plan: Plan) -> tuple[list[Cluster], int]:
    """Clusters worth a row: binding ones, and voluntary ones that join several instruments."""
    shown = [c for c in plan.clusters if c.binding or len(c.instruments) > 1]
    return shown, len(plan.clusters) - len(shown)


def plan_title(plan: Plan) -> str:
    features = f" ({', '.join(plan.features)})" if plan.features else ""
    return f"Compliance plan: {plan.category}{features} in {', '.join(m.market for m in plan.markets)}"


# --- plan --------------------------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    return plan.model_dump_json(indent=2) + "\n"


def _instrument_rows(items: Iterable[ApplicableInstrument]) -> list[list[str]]:
    return [
        [
            f"{i.id} ({i.short_title})",
            i.phase,
            route_text(i),
            dates_text(i),
            shortcuts_text(i),
            "; ".join(i.caveats) or NONE,
        ]
        for i in items
    ]


def plan_markdown(plan: Plan) -> str:
    head = ["instrument", "phase", "conformity route", "key dates", "shortcuts", "caveats"]
    held = ", ".join(plan.have) or "nothing declared"
    implied = f" (implied: {', '.join(plan.implied_features)})" if plan.implied_features else ""
    parts = [
        f"# {plan_title(plan)}",
        "",
        f"Features: {', '.join(plan.features) or 'not given'}{implied}. HS code: {plan.hs or 'not given'}. "
        f"Held: {held}. As of {plan.today.isoformat()}.",
        "",
        markdown_table(
            ["market", "mandatory", "voluntary"],
            (
                [
                    f"{m.market} ({m.name})",
                    ", ".join(i.id for i in m.mandatory) or NONE,
                    ", ".join(i.id for i in m.voluntary) or NONE,
                ]
                for m in plan.markets
            ),
        ),
    ]
    for m in plan.markets:
        parts += [f"## {m.market}: {m.name}", "", f"Covered by: {', '.join(m.covered_by)}.", ""]
        if m.mandatory:
            parts += ["### Mandatory", "", markdown_table(head, _instrument_rows(m.mandatory))]
        if m.voluntary:
            parts += ["### Voluntary", "", markdown_table(head, _instrument_rows(m.voluntary))]
        if m.not_applicable:
            parts += [
                "### Considered, not applicable",
                "",
                markdown_table(["instrument", "reason"], ([n.id, n.reason] for n in m.not_applicable)),
            ]
    if plan.upcoming:
        parts += [
            "## Upcoming dates",
            "",
            markdown_table(
                ["date", "instrument", "kind", "markets", "note"],
                (
                    [u.date.isoformat(), u.instrument, u.kind, ", ".join(u.markets), u.note or ""]
                    for u in plan.upcoming
                ),
            ),
        ]
    t = plan.totals
    shown, hidden = shown_clusters(plan)
    parts += [
        "## Requirements, each obligation once",
        "",
        f"{t.requirements} requirements of {len(plan.instruments)} instruments fold into {t.clusters} "
        f"clusters; {t.binding_clusters} clusters hold the {t.binding_requirements} binding requirements."
        + (
            f" Of the binding clusters, {t.covered} are covered, {t.partial} partly covered and "
            f"{t.not_covered} not covered by {held}."
            if plan.have
            else ""
        ),
        "",
        markdown_table(
            ["cluster", "binding", "status", "markets", "title", "requirements by instrument"],
            (
                [
                    c.id,
                    "yes" if c.binding else "no",
                    STATUS_LABEL[c.status] if c.status else NONE,
                    ", ".join(c.markets),
                    c.title,
                    members_text(c),
                ]
                for c in shown
            ),
        ),
    ]
    if hidden:
        note = f"{hidden} further clusters hold one voluntary instrument's requirements each (see JSON)."
        parts += [note, ""]
    parts += _standards_markdown(plan)
    parts += ["## How applicability is decided", "", *(f"- {rule}" for rule in plan.rules), ""]
    return "\n".join(parts)


def _standards_markdown(plan: Plan) -> list[str]:
    s = plan.standards
    lines = ["## Standards, chosen greedily", ""]
    if not s.binding_total:
        return [*lines, "No binding requirement applies in these markets.", ""]
    if s.baseline:
        held = ", ".join(s.baseline)
        lines += [
            f"Held ({held}): {s.baseline_covered} of {s.binding_total} binding requirements covered.",
            "",
        ]
    for step in s.steps:
        lines.append(f"{step.step}. **{step.standard}** ({step.short_title}): {step.explanation}.")
        lines.append(f"   Newly covered: {', '.join(step.newly_covered)}.")
    if not s.steps:
        lines.append("No standard in the knowledge base covers one more binding requirement.")
    lines += [
        "",
        f"Result: {len(s.covered)} of {s.binding_total} binding requirements covered, {len(s.partial)} "
        f"partly, {len(s.uncovered)} not covered by requirement-level mappings.",
        "",
    ]
    if s.routes:
        lines += [
            "Instrument-level routes not counted above:",
            "",
            *(
                f"- {r.instrument} via {r.via} ({r.type}); {r.uncovered} binding requirements left"
                for r in s.routes
            ),
            "",
        ]
    return lines


def plan_html(plan: Plan) -> str:
    shown, hidden = shown_clusters(plan)
    return html(
        "planner.html.j2",
        plan=plan,
        title=plan_title(plan),
        shown=shown,
        hidden=hidden,
        status_label=STATUS_LABEL,
        dates_text=dates_text,
        route_text=route_text,
        date_text=date_text,
    )


# --- fragmentation -----------------------------------------------------------------------------


def fragmentation_json(report: FragmentationReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def fragmentation_csv(report: FragmentationReport) -> str:
    """The matrix: one row per regime A, one column per regime B, cell = overlap(A, B)."""
    return csv_text(
        ["instrument", *report.instruments],
        (
            [a, *(None if v is None else fmt(v, 4) for v in row)]
            for a, row in zip(report.instruments, report.matrix, strict=True)
        ),
    )


def fragmentation_markdown(report: FragmentationReport) -> str:
    subject = f"mandatory regimes for {report.category}" if report.category else "the given regimes"
    parts = [
        f"# Fragmentation of {subject}",
        "",
        f"Fragmentation index: **{fmt(report.index, 3)}** (mean overlap {fmt(report.mean_overlap, 3)}). "
        f"{report.formula}.",
        "",
        "Rows are regime A, columns regime B; a cell is the share of A's requirements that B meets.",
        "",
        markdown_table(
            ["A \\ B", *report.instruments],
            ([a, *(fmt(v) for v in row)] for a, row in zip(report.instruments, report.matrix, strict=True)),
        ),
        "## Pairs",
        "",
        markdown_table(
            ["A", "B", "requirements of A", "covered", "partly", "overlap"],
            (
                [p.source, p.target, p.requirements, p.covered, p.partial, fmt(p.overlap, 3)]
                for p in report.pairs
            ),
        ),
    ]
    return "\n".join(parts)


def fragmentation_html(report: FragmentationReport) -> str:
    return html("fragmentation.html.j2", report=report, fmt=fmt)


def categories_markdown(indices: list[CategoryIndex]) -> str:
    return "# Fragmentation index by product category\n\n" + markdown_table(
        ["category", "mandatory regimes", "pairs", "mean overlap", "index"],
        (
            [c.category, ", ".join(c.regimes), c.pairs, fmt(c.mean_overlap, 3), fmt(c.index, 3)]
            for c in indices
        ),
    )


def categories_json(indices: list[CategoryIndex]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in indices], indent=2) + "\n"
