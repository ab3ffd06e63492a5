"""`cyberreg export`: the whole store as JSON, or one table as CSV."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from cyberreg.cli.output import console, handled_errors, state
from cyberreg.services import export as export_service


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


def export(
    ctx: typer.Context,
    format: Format = typer.Option(Format.JSON, "--format", help="json (everything) or csv (one table)."),
    table: str = typer.Option(
        "requirements", help="With csv: instruments, requirements, mappings, jurisdictions."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """Export the knowledge base."""
    with handled_errors():
        store = state(ctx).store
        if format is Format.JSON:
            text = (
                json.dumps(export_service.export_json(store), ensure_ascii=False, indent=2, default=str)
                + "\n"
            )
        else:
            text = export_service.export_csv(store, table)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
