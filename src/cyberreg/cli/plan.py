"""`cyberreg plan` and `cyberreg fragmentation`: a multi-market compliance plan for one product, and how
far regimes overlap."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.reports import planner as planner_report
from cyberreg.services import fragmentation as fragmentation_service
from cyberreg.services import planner as planner_service


class PlanFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


class FragmentationFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"


STYLE = {"covered": "green", "partial": "yellow", "not_covered": "red"}


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def plan(
    ctx: typer.Context,
    category: str = typer.Option(..., "--category", help="Product category, e.g. consumer-iot."),
    features: str | None = typer.Option(
        None,
        "--features",
        help="Product features, comma-separated: radio,internet,app,updates,personal-data.",
    ),
    markets: str = typer.Option(..., "--markets", help="Markets, comma-separated: GBR,EU,USA,SGP,JPN,AUS."),
    hs: str | None = typer.Option(None, "--hs", help="The product's HS code (2 to 10 digits)."),
    have: list[str] = typer.Option([], "--have", help="An instrument you already meet; repeat for several."),
    format: PlanFormat = typer.Option(PlanFormat.TABLE, "--format", help="table, json, markdown or html."),
    out: Path | None = typer.Option(None, "--out", help="Write the plan to this file."),
    as_json: bool = typer.Option(False, "--json", help="The whole plan as JSON (same as --format json)."),
) -> None:
    """Plan compliance for one product in several markets: the instruments that apply, each
    obligation once, what you already meet, and the standards that cover most, chosen greedily."""
    with handled_errors():
        result = planner_service.plan(
            state(ctx).store, category, _split(features), _split(markets), hs=hs, have=have
        )
    if as_json:
        emit_json(result)
        return
    if format is PlanFormat.TABLE:
        if out is not None:
            _write(planner_report.plan_markdown(result), out)
        else:
            _print_plan(result)
        return
    render: dict[PlanFormat, Callable[[planner_service.Plan], str]] = {
        PlanFormat.JSON: planner_report.plan_json,
        PlanFormat.MARKDOWN: planner_report.plan_markdown,
        PlanFormat.HTML: planner_report.plan_html,
    }
    _write(render[format](result), out)


def _print_plan(result: planner_service.Plan) -> None:
    console.print(planner_report.plan_title(result), style="bold", markup=False, highlight=False)
    # One section per market: a wide table does not fit a terminal.
    for m in result.markets:
        console.rule(f"{m.market} - {m.name}", style="dim")
        for item in m.mandatory:
            console.print(
                f"  [bold red]mandatory[/] [bold]{item.id}[/] {escape(item.short_title)} ({item.phase}; "
                f"{escape(planner_report.route_text(item))})",
                highlight=False,
            )
            dates = planner_report.dates_text(item)
            if dates and dates != "-":
                console.print(f"      dates: {escape(dates)}", highlight=False)
            for shortcut in item.shortcuts:
                console.print(f"      shortcut: {escape(shortcut.meaning)}", highlight=False)
            if item.harmonised_standards:
                console.print(
                    f"      harmonised standards: {', '.join(item.harmonised_standards)}", highlight=False
                )
        if m.voluntary:
            console.print("  [green]voluntary[/] " + ", ".join(i.id for i in m.voluntary), highlight=False)
        if not m.mandatory and not m.voluntary:
            console.print("  nothing in the knowledge base applies", highlight=False)
    shown, hidden = planner_report.shown_clusters(result)
    clusters = Table("cluster", "status", "markets", "title", "requirements by instrument")
    for c in shown:
        status = f"[{STYLE[c.status]}]{c.status}[/]" if c.status else ("binding" if c.binding else "-")
        clusters.add_row(
            c.id, status, ", ".join(c.markets), escape(c.title), escape(planner_report.members_text(c))
        )
    console.print(clusters)
    t = result.totals
    console.print(
        f"{t.clusters} clusters ({t.binding_clusters} binding, {hidden} voluntary-only not shown) "
        f"from {t.requirements} requirements",
        highlight=False,
    )
    s = result.standards
    for step in s.steps:
        console.print(f"step {step.step}: {step.explanation}", markup=False, highlight=False)
    console.print(
        f"standards: {', '.join(s.chosen) or 'none'}; {len(s.covered)} of {s.binding_total} binding "
        f"requirements covered, {len(s.uncovered)} not",
        highlight=False,
    )
    for r in s.routes:
        console.print(f"route: {r.instrument} via {r.via} ({r.type})", markup=False, highlight=False)


def fragmentation(
    ctx: typer.Context,
    instrument: list[str] = typer.Option([], "--instrument", help="A regime to compare; repeat for several."),
    category: str | None = typer.Option(
        None, "--category", help="Compare the mandatory regimes of this product category."
    ),
    max_hops: int = typer.Option(3, min=1, max=6, help="Longest chain of mappings to infer through."),
    format: FragmentationFormat = typer.Option(
        FragmentationFormat.TABLE, "--format", help="table, json, csv, markdown or html."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the report to this file."),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON (same as --format json)."),
) -> None:
    """How far regimes overlap: for each pair, the share of A's requirements that B meets (partly
    met counts half), and a fragmentation index, 1 - mean overlap, from 0 (one rulebook) to 1 (no
    overlap). Without --instrument or --category: the index of every product category."""
    store = state(ctx).store
    if not instrument and not category:
        with handled_errors():
            indices = fragmentation_service.index_by_category(store, max_hops=max_hops)
        if as_json or format is FragmentationFormat.JSON:
            _write(planner_report.categories_json(indices), out)
        elif format is FragmentationFormat.TABLE and out is None:
            table = Table("category", "mandatory regimes", "pairs", "mean overlap", "index")
            for c in indices:
                table.add_row(
                    c.category,
                    ", ".join(c.regimes),
                    str(c.pairs),
                    planner_report.fmt(c.mean_overlap, 3),
                    planner_report.fmt(c.index, 3),
                )
            console.print(table)
        else:
            _write(planner_report.categories_markdown(indices), out)
        return
    with handled_errors():
        report = fragmentation_service.fragmentation(store, instrument, category, max_hops=max_hops)
    if as_json:
        emit_json(report)
        return
    if format is FragmentationFormat.TABLE and out is None:
        _print_matrix(report)
        return
    render: dict[FragmentationFormat, Callable[[fragmentation_service.FragmentationReport], str]] = {
        FragmentationFormat.TABLE: planner_report.fragmentation_markdown,
        FragmentationFormat.JSON: planner_report.fragmentation_json,
        FragmentationFormat.CSV: planner_report.fragmentation_csv,
        FragmentationFormat.MARKDOWN: planner_report.fragmentation_markdown,
        FragmentationFormat.HTML: planner_report.fragmentation_html,
    }
    _write(render[format](report), out)


def _print_matrix(report: fragmentation_service.FragmentationReport) -> None:
    table = Table("A \\ B", *report.instruments, title="share of A's requirements that B meets")
    for a, row in zip(report.instruments, report.matrix, strict=True):
        table.add_row(a, *(planner_report.fmt(v) for v in row))
    console.print(table)
    console.print(
        f"fragmentation index {planner_report.fmt(report.index, 3)} "
        f"(mean overlap {planner_report.fmt(report.mean_overlap, 3)}; 0 = one rulebook, 1 = no overlap)",
        highlight=False,
    )
