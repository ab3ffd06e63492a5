"""The `cyberreg` command: global options and the command groups."""

from __future__ import annotations

import typer

from cyberreg import __version__
from cyberreg.cli import (
    alerts,
    catalog,
    crosswalk,
    db,
    eping,
    export,
    imports,
    matching,
    monitor,
    notifications,
    plan,
    review,
    search,
)
from cyberreg.cli.output import State

app = typer.Typer(
    name="cyberreg",
    help="Cybersecurity measures, standards and trade rules, side by side.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cyberreg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db_option: str | None = typer.Option(
        None, "--db", envvar="CYBERREG_DB", help="Database file or URL (default: a per-user SQLite file)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    ctx.obj = State(db=db_option)


app.add_typer(db.app, name="db")
app.add_typer(catalog.list_app, name="list")
app.add_typer(notifications.app, name="notifications")
app.add_typer(imports.app, name="import")
app.add_typer(review.app, name="review")
app.add_typer(alerts.app, name="alerts")
app.add_typer(eping.app, name="eping")
app.add_typer(monitor.concerns_app, name="concerns")
app.add_typer(monitor.trade_app, name="trade")
app.add_typer(monitor.report_app, name="report")
app.command()(monitor.exposure)
app.command()(catalog.show)
app.command()(search.search)
app.command()(search.compare)
app.command()(crosswalk.coverage)
app.command()(plan.plan)
app.command()(plan.fragmentation)
app.command()(matching.match)
app.command()(matching.suggest)
app.add_typer(matching.eval_app, name="eval")
app.command("consistency")(crosswalk.check)
app.command()(search.topics)
app.command()(export.export)
