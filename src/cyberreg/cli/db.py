"""`cyberreg db ...`: build and check the database."""

from __future__ import annotations

from pathlib import Path

import typer

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.sources.bundled import BUNDLED_DATA, read_directory

app = typer.Typer(help="Build and check the database.", no_args_is_help=True)

DataOption = typer.Option(
    None, "--data", help="Folder of knowledge-base YAML files (default: the bundled ones)."
)


@app.command()
def build(
    ctx: typer.Context,
    data: Path | None = DataOption,
    force: bool = typer.Option(False, "--force", help="Rewrite even when nothing changed."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Validate the knowledge base, then write it to the database in one transaction.

    A bad file stops the build before anything is written: the previous database stays as it was.
    """
    with handled_errors():
        store = state(ctx).store
        result = store.build(data or BUNDLED_DATA, force=force)
    if as_json:
        emit_json(
            {
                "database": store.url,
                "changed": result.changed,
                "counts": result.counts,
                "content_hash": result.content_hash,
            }
        )
        return
    verb = "built" if result.changed else "unchanged"
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items())
    console.print(f"[green]{verb}[/] {store.url}: {counts}", highlight=False)


@app.command()
def check(
    data: Path | None = DataOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Validate the knowledge base files without touching any database."""
    with handled_errors():
        kb = read_directory(data or BUNDLED_DATA)
    counts = {
        "jurisdictions": len(kb.jurisdictions),
        "bodies": len(kb.bodies),
        "instruments": len(kb.instruments),
        "requirements": len(kb.requirements),
        "mappings": len(kb.mappings),
        "commitments": len(kb.commitments),
    }
    if as_json:
        emit_json({"ok": True, "counts": counts})
    else:
        console.print("[green]ok[/]: " + ", ".join(f"{n} {k}" for k, n in counts.items()), highlight=False)


@app.command()
def path(ctx: typer.Context) -> None:
    """Print the database URL in use (from --db, $CYBERREG_DB, or the per-user default)."""
    typer.echo(state(ctx).store.url)
