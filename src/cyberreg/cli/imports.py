"""`cyberreg import ...`: load external corpora of requirements and mappings."""

from __future__ import annotations

from pathlib import Path

import typer

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.services import imports as service
from cyberreg.services.imports import ImportSummary

app = typer.Typer(help="Import requirements and mappings from other tools' formats.", no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


def _report(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        emit_json(summary)
        return
    verb = "imported" if summary.changed else "unchanged"
    counts = ", ".join(f"{n} {k}" for k, n in summary.counts.items() if n)
    console.print(
        f"[green]{verb}[/] {summary.source} as {summary.origin}: {counts} ({summary.seconds:.1f} s)",
        highlight=False,
    )
    if summary.problems:
        console.print(f"[yellow]{len(summary.problems)} problem(s)[/]; first ones:", highlight=False)
        for problem in summary.problems[:20]:
            console.print(f"  {problem}", highlight=False, markup=False)


@app.command("ciso-assistant")
def ciso_assistant(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Library YAML files or folders of them."),
    placeholders: bool = typer.Option(
        False, "--placeholders", help="Create placeholder requirements for frameworks that are absent."
    ),
    as_json: bool = JsonOption,
) -> None:
    """CISO Assistant libraries: frameworks and requirement mapping sets. A mapping set whose
    framework is absent is reported and skipped (unless --placeholders); the rest loads."""
    with handled_errors():
        _report(service.import_ciso_assistant(state(ctx).store, paths, placeholders=placeholders), as_json)


@app.command("dcms")
def dcms(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The UK DCMS IoT security mapping JSON."),
    as_json: bool = JsonOption,
) -> None:
    """The UK DCMS expert mapping: each excerpt becomes a requirement of its source document,
    mapped to its UK Code of Practice guideline (provenance imported)."""
    with handled_errors():
        _report(service.import_dcms(state(ctx).store, file), as_json)


@app.command("oscal")
def oscal(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="An OSCAL catalog (JSON)."),
    instrument_id: str | None = typer.Option(None, "--id", help="The instrument id to give it."),
    as_json: bool = JsonOption,
) -> None:
    """An OSCAL catalog: groups and controls become requirements."""
    with handled_errors():
        _report(service.import_oscal(state(ctx).store, file, instrument_id=instrument_id), as_json)


@app.command("mappings")
def mappings(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A CSV of mappings (as `cyberreg export --format csv --table mappings`)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Mappings from CSV, checked row by row."""
    with handled_errors():
        _report(service.import_mappings_csv(state(ctx).store, file), as_json)
