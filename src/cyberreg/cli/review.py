"""`cyberreg review ...`: list, accept and reject suggested mappings."""

from __future__ import annotations

import getpass
from enum import StrEnum

import typer
from rich.table import Table

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.model import ReviewState
from cyberreg.services import review as service

app = typer.Typer(
    help="Review suggested mappings: only accepted ones count as curated.", no_args_is_help=True
)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


class StateChoice(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ALL = "all"


def _who(by: str | None) -> str:
    return by or getpass.getuser()


@app.command("list")
def list_(
    ctx: typer.Context,
    state_: StateChoice = typer.Option(
        StateChoice.PROPOSED, "--state", help="proposed, accepted, rejected or all."
    ),
    instrument: str | None = typer.Option(None, help="Only suggestions with one end in this instrument."),
    as_json: bool = JsonOption,
) -> None:
    """Suggested mappings, with their proposed relationship and confidence."""
    chosen = None if state_ is StateChoice.ALL else ReviewState(state_.value)
    with handled_errors():
        rows = service.list_suggestions(state(ctx).store, chosen, instrument)
    if as_json:
        emit_json(rows)
        return
    table = Table(
        "source",
        "relationship",
        "target",
        "strength",
        "state",
        "decided by",
        title=f"{len(rows)} suggestions",
    )
    for m in rows:
        table.add_row(
            m.source,
            m.relationship,
            m.target,
            "" if m.strength is None else str(m.strength),
            m.review_state,
            m.reviewed_by or "",
        )
    console.print(table)


def _decide(
    ctx: typer.Context, source: str, target: str, accept: bool, by: str | None, as_json: bool
) -> None:
    with handled_errors():
        view = service.decide(state(ctx).store, source, target, accept=accept, by=_who(by))
    if as_json:
        emit_json(view)
    else:
        console.print(
            f"{view.review_state}: {view.source} {view.relationship} {view.target} "
            f"(by {view.reviewed_by}, {view.reviewed_at})",
            highlight=False,
        )


@app.command()
def accept(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="Source requirement id."),
    target: str = typer.Argument(..., help="Target requirement id."),
    by: str | None = typer.Option(None, help="Who decides (default: the current user)."),
    as_json: bool = JsonOption,
) -> None:
    """Accept a suggestion: it becomes a curated mapping and counts in coverage from now on."""
    _decide(ctx, source, target, True, by, as_json)


@app.command()
def reject(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="Source requirement id."),
    target: str = typer.Argument(..., help="Target requirement id."),
    by: str | None = typer.Option(None, help="Who decides (default: the current user)."),
    as_json: bool = JsonOption,
) -> None:
    """Reject a suggestion: it is kept, marked rejected, and never suggested as new again."""
    _decide(ctx, source, target, False, by, as_json)
