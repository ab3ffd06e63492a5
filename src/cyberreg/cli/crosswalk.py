"""`cyberreg coverage`: what a set of held instruments already meets of target instruments."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.reports import coverage as coverage_report
from cyberreg.services import coverage as coverage_service


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"


STYLE = {"covered": "green", "partial": "yellow", "not_covered": "red"}


def coverage(
    ctx: typer.Context,
    have: list[str] = typer.Option(..., "--have", help="An instrument you meet; repeat for several."),
    target: list[str] = typer.Option(
        ..., "--target", help="An instrument you must meet; repeat for several."
    ),
    max_hops: int = typer.Option(3, min=1, max=6, help="Longest chain of mappings to infer through."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table, json, csv, markdown or html."),
    out: Path | None = typer.Option(None, "--out", help="Write the report to this file."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per target requirement: id, status, via, path."
    ),
) -> None:
    """Coverage and gaps: each target requirement is covered, partly covered or not covered by
    what you hold, with the chain of mappings that shows it."""
    with handled_errors():
        report = coverage_service.coverage(state(ctx).store, have, target, max_hops=max_hops)
    if as_json:
        emit_json(report.items)
        return
    if format is Format.TABLE:
        _print_table(report)
        return
    text = {
        Format.JSON: lambda: report.model_dump_json(indent=2) + "\n",
        Format.CSV: lambda: coverage_report.to_csv(report),
        Format.MARKDOWN: lambda: coverage_report.to_markdown(report),
        Format.HTML: lambda: coverage_report.to_html(report),
    }[format]()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)


def _print_table(report: coverage_service.CoverageReport) -> None:
    table = Table(
        "requirement",
        "title",
        "status",
        "via",
        title=f"{', '.join(report.have)} → {', '.join(report.targets)}",
    )
    for item in report.items:
        style = STYLE[item.status]
        table.add_row(item.id, item.title, f"[{style}]{item.status}[/]", ", ".join(item.via))
    console.print(table)
    for name, totals in report.per_target.items():
        console.print(
            f"{name}: {totals.covered} covered, {totals.partial} partly, "
            f"{totals.not_covered} not covered of {totals.total}",
            highlight=False,
        )


def check(
    ctx: typer.Context,
    max_hops: int = typer.Option(3, min=1, max=6, help="Longest chain of mappings to look through."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Report curated mappings that contradict each other, with the paths that contradict.

    Exits 1 when any contradiction is found, so it can guard a data change in CI."""
    from cyberreg.services.consistency import check_consistency

    with handled_errors():
        found = check_consistency(state(ctx).store, max_hops=max_hops)
    if as_json:
        emit_json(found)
    else:
        for c in found:
            console.print(
                f"[bold]{c.source} ? {c.target}[/] ({c.kind}); review first: {c.suspect}", highlight=False
            )
            for path, relation in zip(c.paths, c.relations, strict=True):
                hops = " → ".join(f"{h.source} {h.relationship} {h.target} [{h.provenance}]" for h in path)
                console.print(f"  {relation}: {hops}", highlight=False)
        console.print(f"{len(found)} contradiction(s)", highlight=False)
    if found:
        raise typer.Exit(1)
