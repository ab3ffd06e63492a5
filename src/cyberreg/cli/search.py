"""`cyberreg search TEXT`, `cyberreg compare A B` and `cyberreg topics`."""

from __future__ import annotations

import typer
from rich.table import Table

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.model.taxonomy import TOPIC_LABELS
from cyberreg.services import compare as compare_service
from cyberreg.services import search as search_service

JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


def search(
    ctx: typer.Context,
    text: str = typer.Argument(..., help='Words to look for, e.g. "default password".'),
    kind: str | None = typer.Option(None, help="Only instruments of this kind (and their requirements)."),
    jurisdiction: str | None = typer.Option(
        None, help="Only this jurisdiction's instruments (GBR, EU, ...)."
    ),
    topic: str | None = typer.Option(None, help="Only requirements on this topic."),
    limit: int = typer.Option(20, min=1, max=500, help="How many results at most."),
    as_json: bool = JsonOption,
) -> None:
    """Search instruments and requirements, best match first."""
    with handled_errors():
        hits = search_service.search(
            state(ctx).store, text, kind=kind, jurisdiction=jurisdiction, topic=topic, limit=limit
        )
    if as_json:
        emit_json(hits)
        return
    if not hits:
        console.print(f"no match for {text!r}", highlight=False)
        return
    table = Table("#", "id", "title", "score", title=f"{len(hits)} results for {text!r}")
    table.columns[1].no_wrap = True
    for rank, hit in enumerate(hits, 1):
        also = f" [dim](also {', '.join(hit.also_in)})[/]" if hit.also_in else ""
        table.add_row(str(rank), hit.id, hit.title + also, f"{hit.score:.2f}")
    console.print(table)


def compare(
    ctx: typer.Context,
    left: str = typer.Argument(..., help="An instrument id."),
    right: str = typer.Argument(..., help="Another instrument id."),
    as_json: bool = JsonOption,
) -> None:
    """Two instruments' requirements side by side, topic by topic, with the mappings between them."""
    with handled_errors():
        result = compare_service.compare(state(ctx).store, left, right)
    if as_json:
        emit_json(result)
        return
    table = Table(
        "topic",
        result.left.short_title,
        result.right.short_title,
        "mapped",
        title=f"{result.left.id} vs {result.right.id}",
        show_lines=True,
    )
    for row in result.rows:
        table.add_row(
            row.label,
            "\n".join(f"{r.ref} {r.title}" for r in row.left) or "[dim]—[/]",
            "\n".join(f"{r.ref} {r.title}" for r in row.right) or "[dim]—[/]",
            "\n".join(
                f"{m.source.split(':', 1)[1]} {m.relationship} {m.target.split(':', 1)[1]}"
                for m in row.mappings
            ),
        )
    console.print(table)
    console.print(
        f"shared topics: {len(result.shared_topics)}; only in {result.left.id}: "
        f"{len(result.left_only_topics)}; only in {result.right.id}: {len(result.right_only_topics)}; "
        f"direct mappings: {len(result.mappings)}",
        highlight=False,
    )


def topics(as_json: bool = JsonOption) -> None:
    """The controlled taxonomy of requirement topics."""
    if as_json:
        emit_json([{"id": t.value, "label": label} for t, label in TOPIC_LABELS.items()])
        return
    for t, label in TOPIC_LABELS.items():
        console.print(f"{t.value:28} {label}", highlight=False)
