"""Pairwise overlap between regimes and the fragmentation index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import plan as plan_cli
from cyberreg.cli.output import State
from cyberreg.reports import planner as report
from cyberreg.services.catalog import NotFound
from cyberreg.services.fragmentation import fragmentation, index_by_category
from cyberreg.services.store import Store

PLANNER_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kb-planner"


@pytest.fixture
def planner_store(tmp_path: Path, kb_dir: Path) -> Store:
    shutil.copytree(PLANNER_FIXTURES, kb_dir, dirs_exist_ok=True)
    store = Store(tmp_path / "planner.db", auto_build=False)
    store.build(kb_dir)
    return store


def test_overlap_is_directional_and_partial_counts_half(planner_store: Store) -> None:
    result = fragmentation(planner_store, ["gamma-regulation", "delta-regulation"])
    # gamma has 5 requirements; delta's d-1 equals g-1 (g-4 is disjoint from d-2): 1/5.
    # delta has 2; gamma's g-1 equals d-1: 1/2.
    assert result.matrix == [[1.0, 0.2], [0.5, 1.0]]
    assert result.mean_overlap == pytest.approx(0.35)
    assert result.index == pytest.approx(0.65)
    pair = next(p for p in result.pairs if p.source == "delta-regulation")
    assert (pair.requirements, pair.covered, pair.partial) == (2, 1, 0)
    # A label whose requirement only intersects d-1: partly covered, weighted 0.5.
    label = fragmentation(planner_store, ["epsilon-label", "delta-regulation"])
    assert label.matrix[0][1] == 0.5


def test_category_regimes_and_index_range(planner_store: Store) -> None:
    result = fragmentation(planner_store, category="consumer-iot")
    assert result.instruments == [
        "delta-regulation",
        "gamma-regulation",
        "iota-regulation",
        "theta-regulation",
    ]
    n = len(result.instruments)
    assert len(result.matrix) == n and all(len(row) == n for row in result.matrix)
    assert result.index is not None and 0.0 <= result.index <= 1.0
    indices = {c.category: c for c in index_by_category(planner_store)}
    assert indices["consumer-iot"].index == result.index
    assert indices["vehicles"].regimes == ["eta-regulation"] and indices["vehicles"].index is None


def test_regimes_without_requirements_are_left_out_of_the_mean(planner_store: Store) -> None:
    result = fragmentation(planner_store, ["omega-label", "delta-regulation"])
    assert result.matrix[0] == [None, None]
    assert result.index == pytest.approx(1.0)  # only delta -> omega is defined, and it is 0


def test_bad_input(planner_store: Store) -> None:
    with pytest.raises(NotFound):
        fragmentation(planner_store, ["nope"])
    with pytest.raises(ValueError, match="give instruments"):
        fragmentation(planner_store, [])
    with pytest.raises(ValueError, match="unknown product category"):
        fragmentation(planner_store, category="toasters")


def test_reports_and_cli(planner_store: Store, tmp_path: Path) -> None:
    result = fragmentation(planner_store, ["gamma-regulation", "delta-regulation"])
    assert report.fragmentation_csv(result).splitlines() == [
        "instrument,gamma-regulation,delta-regulation",
        "gamma-regulation,1.0000,0.2000",
        "delta-regulation,0.5000,1.0000",
    ]
    assert "Fragmentation index: **0.650**" in report.fragmentation_markdown(result)
    page = report.fragmentation_html(result)
    assert page.startswith("<!doctype html>") and "0.650" in page

    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(..., "--db")) -> None:
        ctx.obj = State(db=db)

    app.command()(plan_cli.plan)
    app.command()(plan_cli.fragmentation)
    db = planner_store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    args = [
        "--db",
        db,
        "fragmentation",
        "--instrument",
        "gamma-regulation",
        "--instrument",
        "delta-regulation",
    ]
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["index"] == pytest.approx(0.65)
    target = tmp_path / "m.csv"
    assert runner.invoke(app, [*args, "--format", "csv", "--out", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("instrument,gamma-regulation")
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "fragmentation index 0.650" in table.stdout
    summary = runner.invoke(app, ["--db", db, "fragmentation", "--json"])
    assert [c["category"] for c in json.loads(summary.stdout)] == ["consumer-iot", "vehicles"]
    assert runner.invoke(app, ["--db", db, "fragmentation", "--instrument", "nope"]).exit_code == 3


def test_bundled_matrix_is_square_and_asymmetric(bundled_store: Store) -> None:
    ids = ["uk-psti", "etsi-en-303-645", "uk-cop-iot"]
    result = fragmentation(bundled_store, ids)
    assert len(result.matrix) == 3 and all(len(row) == 3 for row in result.matrix)
    psti_by_en, en_by_psti = result.matrix[0][1], result.matrix[1][0]
    assert psti_by_en == 1.0  # Schedule 2: EN 303 645 meets every PSTI requirement
    assert en_by_psti is not None and en_by_psti < 0.2
    assert result.index is not None and 0.0 <= result.index <= 1.0


def test_bundled_index_per_category(bundled_store: Store) -> None:
    indices = {c.category: c for c in index_by_category(bundled_store)}
    iot = indices["consumer-iot"]
    assert {"uk-psti", "eu-red-da", "eu-cra"} <= set(iot.regimes)
    assert iot.index is not None and 0.0 <= iot.index <= 1.0
