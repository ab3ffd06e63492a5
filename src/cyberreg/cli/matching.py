"""`cyberreg match`, `cyberreg suggest` and `cyberreg eval`: requirement matching from the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from cyberreg.cli.output import console, emit_json, fail, handled_errors, state
from cyberreg.services import matching as service

eval_app = typer.Typer(help="Measure matching quality on real expert data.", no_args_is_help=True)


def match(
    ctx: typer.Context,
    target: str = typer.Option(..., "--target", help="The instrument whose requirements are the candidates."),
    top: int = typer.Option(10, min=1, max=100, help="Candidates per input."),
    as_json: bool = typer.Option(
        False, "--json", help="Write one JSON line per input (the only output form)."
    ),
) -> None:
    """Read JSON lines {"id": ..., "text": ...} on stdin; write one JSON line per input,
    {"id": ..., "candidates": [{"id": ..., "score": ...}, ...]}, best first, using every mapping
    in the database."""
    inputs = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            inputs.append((str(item["id"]), str(item["text"])))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise fail(f'stdin line {number}: expected {{"id": ..., "text": ...}} ({error})', 2) from None
    with handled_errors():
        results = service.match(state(ctx).store, target, inputs, top=top)
    for result in results:
        sys.stdout.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")


def suggest(
    ctx: typer.Context,
    source: str = typer.Option(
        ..., "--source", help="The instrument whose unmapped requirements need mappings."
    ),
    target: str = typer.Option(..., "--target", help="The instrument to map them to."),
    top: int = typer.Option(3, min=1, max=20, help="Suggestions per requirement at most."),
    min_score: float = typer.Option(0.3, min=0.0, max=1.0, help="Lowest calibrated probability kept."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Propose mappings for requirements that have none; they wait in `cyberreg review`."""
    with handled_errors():
        result = service.suggest(state(ctx).store, source, target, top=top, min_score=min_score)
    if as_json:
        emit_json(result)
    else:
        console.print(
            f"{result.added} new suggestion(s), {result.replaced} updated, "
            f"{result.kept_decided} already decided; see `cyberreg review list`",
            highlight=False,
        )


@eval_app.command("dcms")
def eval_dcms(
    file: Path = typer.Argument(..., help="The UK DCMS mapping JSON (a development split)."),
    folds: int = typer.Option(5, min=2, max=20, help="Cross-validation folds, grouped by source document."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Top-1, top-3 and MRR of matching excerpts to UK Code of Practice guidelines, by cross-validation
    grouped by source document, beside a plain MiniLM nearest-neighbour baseline."""
    with handled_errors():
        report = service.evaluate_dcms_file(file, folds)
    if as_json:
        emit_json(report)
        return
    ours, base = report["ours"], report["baseline"]
    assert isinstance(ours, dict) and isinstance(base, dict)
    console.print(
        f"{report['items']} items from {report['documents']} documents, {report['folds']} folds",
        highlight=False,
    )
    console.print(
        f"ours:     top-1 {ours['top1']:.3f}  top-3 {ours['top3']:.3f}  MRR {ours['mrr']:.3f}",
        highlight=False,
    )
    console.print(
        f"baseline: top-1 {base['top1']:.3f}  top-3 {base['top3']:.3f}  MRR {base['mrr']:.3f}",
        highlight=False,
    )
