"""The multi-market compliance planner: applicability, clusters, the greedy choice, reports and CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import plan as plan_cli
from cyberreg.cli.output import State
from cyberreg.reports import planner as report
from cyberreg.services.catalog import NotFound
from cyberreg.services.planner import Plan, implied_features, plan
from cyberreg.services.store import Store

PLANNER_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kb-planner"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def planner_store(tmp_path: Path, kb_dir: Path) -> Store:
    """The tiny knowledge base plus made-up regimes, labels and standards for the planner."""
    shutil.copytree(PLANNER_FIXTURES, kb_dir, dirs_exist_ok=True)
    store = Store(tmp_path / "planner.db", auto_build=False)
    store.build(kb_dir)
    return store


def tiny_plan(store: Store, have: Sequence[str] = ()) -> Plan:
    return plan(store, "consumer-iot", "radio,internet", "GBR,EU,SGP", hs="851762", have=have, today=TODAY)


def by_market(result: Plan) -> dict[str, tuple[list[str], list[str], dict[str, str]]]:
    return {
        m.market: (
            [i.id for i in m.mandatory],
            [i.id for i in m.voluntary],
            {n.id: n.reason for n in m.not_applicable},
        )
        for m in result.markets
    }


# --- applicability -----------------------------------------------------------------------------


def test_scope_rules_decide_what_applies_in_each_market(planner_store: Store) -> None:
    markets = by_market(tiny_plan(planner_store))
    assert markets["GBR"][:2] == (["delta-regulation"], ["kappa-standard", "zeta-standard"])
    assert markets["EU"][:2] == (["gamma-regulation"], ["alpha-standard", "kappa-standard", "zeta-standard"])
    assert markets["SGP"][:2] == ([], ["epsilon-label", "kappa-standard", "zeta-standard"])
    reasons = {**markets["GBR"][2], **markets["EU"][2]}
    assert reasons == {
        "beta-regulation": "its scope records no product category",
        "eta-regulation": "category consumer-iot is not in scope (vehicles)",
        "iota-regulation": "HS codes 8528 do not match 851762",
        "omega-label": "status is withdrawn",
        "theta-regulation": "none of its scope features (money-transfer) is the product's",
    }


def test_a_country_takes_in_its_union_and_hs_is_checked_only_when_given(planner_store: Store) -> None:
    result = plan(planner_store, "consumer-iot", "radio", "DEU", today=TODAY)
    (deu,) = result.markets
    assert deu.covered_by == ["DEU", "EU", "INTL"]
    # No HS code given: the made-up iota regulation (HS 8528) is not ruled out.
    assert [i.id for i in deu.mandatory] == ["gamma-regulation", "iota-regulation"]
    gamma = deu.mandatory[0]
    assert gamma.why == [
        "jurisdiction EU covers DEU",
        "category consumer-iot is in scope",
        "features radio",
    ]


def test_instrument_details_dates_routes_and_shortcuts(planner_store: Store) -> None:
    result = tiny_plan(planner_store)
    eu = next(m for m in result.markets if m.market == "EU")
    gamma = eu.mandatory[0]
    assert gamma.obligation == "mandatory" and gamma.phase == "upcoming"
    assert gamma.routes == ["self-declaration", "third-party-assessment"]
    assert [level.id for level in gamma.levels] == ["basic", "high"]
    assert [(d.kind, d.upcoming) for d in gamma.dates] == [
        ("entry-into-force", False),
        ("applies-from", True),
        ("transition-end", True),
    ]
    assert gamma.dates[1].days_from_today == (dt.date(2027, 6, 1) - TODAY).days
    assert gamma.harmonised_standards == ["zeta-standard"]
    assert gamma.binding_requirements == 4  # g-4 is only recommended
    gbr = next(m for m in result.markets if m.market == "GBR")
    delta = gbr.mandatory[0]
    assert delta.phase == "applies"
    assert {(s.type, s.direction, s.instrument, s.in_plan) for s in delta.shortcuts} == {
        ("deemed-compliance-with", "outgoing", "alpha-standard", True),
        ("mutual-recognition-with", "incoming", "epsilon-label", True),
    }
    assert "conforming to alpha-standard is deemed to meet delta-regulation" in [
        s.meaning for s in delta.shortcuts
    ]
    assert [(u.date, u.instrument, u.kind) for u in result.upcoming] == [
        (dt.date(2027, 6, 1), "gamma-regulation", "applies-from"),
        (dt.date(2028, 1, 1), "gamma-regulation", "transition-end"),
    ]


def test_features_are_widened_and_may_be_left_out(planner_store: Store) -> None:
    assert implied_features(["internet", "app"]) == [
        "internet",
        "app",
        "network",
        "network-connectable",
        "data-connection",
        "software",
    ]
    result = plan(planner_store, "consumer-iot", None, "EU", hs="8517.62", today=TODAY)
    eu = result.markets[0]
    assert result.hs == "851762"
    # Without features the feature test is skipped, with a caveat; theta now applies.
    assert "theta-regulation" in [i.id for i in eu.mandatory]
    gamma = next(i for i in eu.mandatory if i.id == "gamma-regulation")
    assert gamma.caveats == ["features not given; scope needs one of radio"]


def test_bad_input_is_refused(planner_store: Store) -> None:
    with pytest.raises(ValueError, match="unknown product category"):
        plan(planner_store, "toasters", "radio", "EU")
    with pytest.raises(ValueError, match="unknown market 'XYZ'"):
        plan(planner_store, "consumer-iot", "radio", "EU,XYZ")
    with pytest.raises(ValueError, match="HS code"):
        plan(planner_store, "consumer-iot", "radio", "EU", hs="85a7")
    with pytest.raises(NotFound):
        plan(planner_store, "consumer-iot", "radio", "EU", have=["nope"])


# --- clusters and coverage ---------------------------------------------------------------------


def members(result: Plan) -> list[list[str]]:
    return [[m.id for ms in c.instruments.values() for m in ms] for c in result.clusters]


def test_overlapping_requirements_fold_into_one_cluster_each(planner_store: Store) -> None:
    result = tiny_plan(planner_store)
    assert members(result)[:4] == [
        ["delta-regulation:d-1", "gamma-regulation:g-1", "alpha-standard:1-1", "epsilon-label:e-1"],
        ["delta-regulation:d-2", "kappa-standard:k-2", "zeta-standard:z-2"],
        ["gamma-regulation:g-3", "kappa-standard:k-1", "zeta-standard:z-1"],
        ["gamma-regulation:g-2", "alpha-standard:2-1"],
    ]
    first = result.clusters[0]
    assert first.id == "C1" and first.binding and first.title == "Delta: no default passwords"
    assert first.markets == ["EU", "GBR"]  # where it binds; the label (SGP) binds nobody
    inferred = next(lk for lk in first.links if lk.target == "alpha-standard:1-1" and not lk.direct)
    assert inferred.source == "delta-regulation:d-1" and inferred.relation == ["subset_of"]
    # `no_relationship` never joins: the recommended g-4 stays alone.
    assert ["gamma-regulation:g-4"] in members(result)
    every = [i for group in members(result) for i in group]
    assert len(every) == len(set(every)) == result.totals.requirements
    assert result.totals.binding_clusters == 5 and result.totals.binding_requirements == 6
    assert all(c.status is None for c in result.clusters)


def test_have_marks_clusters_covered(planner_store: Store) -> None:
    result = tiny_plan(planner_store, have=["alpha-standard"])
    status = {c.id: c.status for c in result.clusters if c.binding}
    assert status == {
        "C1": "covered",
        "C2": "not_covered",
        "C3": "not_covered",
        "C4": "covered",
        "C5": "not_covered",
    }
    first = result.clusters[0]
    # The label's requirement is only partly met, but the cluster's binding members are covered.
    assert {m.id: m.status for ms in first.instruments.values() for m in ms}["epsilon-label:e-1"] == "partial"
    assert (result.totals.covered, result.totals.partial, result.totals.not_covered) == (2, 0, 3)


# --- greedy choice -----------------------------------------------------------------------------


def test_greedy_choice_is_explained_and_breaks_ties_by_id(planner_store: Store) -> None:
    standards = tiny_plan(planner_store).standards
    assert standards.binding_total == 6 and standards.baseline_covered == 0
    assert standards.chosen == ["alpha-standard", "kappa-standard"]
    first, second = standards.steps
    assert first.newly_covered == ["delta-regulation:d-1", "gamma-regulation:g-1", "gamma-regulation:g-2"]
    assert [(c.standard, c.newly_covered) for c in first.runners_up] == [
        ("kappa-standard", 2),
        ("zeta-standard", 2),
    ]
    # kappa and zeta cover the same two requirements: the smaller id wins.
    assert second.newly_covered == ["delta-regulation:d-2", "gamma-regulation:g-3"]
    assert second.explanation.startswith("kappa-standard covers 2 more binding requirement(s)")
    assert standards.uncovered == ["gamma-regulation:g-5"]
    assert [(r.instrument, r.via, r.type, r.uncovered) for r in standards.routes] == [
        ("gamma-regulation", "zeta-standard", "harmonised-standard-for", 1)
    ]


def test_greedy_choice_starts_from_what_is_held(planner_store: Store) -> None:
    standards = tiny_plan(planner_store, have=["alpha-standard"]).standards
    assert standards.baseline == ["alpha-standard"] and standards.baseline_covered == 3
    assert standards.chosen == ["kappa-standard"]
    assert standards.steps[0].step == 1 and standards.steps[0].covered_total == 5


# --- reports and CLI ---------------------------------------------------------------------------


def test_reports_render_every_format(planner_store: Store) -> None:
    result = tiny_plan(planner_store, have=["alpha-standard"])
    assert json.loads(report.plan_json(result))["standards"]["chosen"] == ["kappa-standard"]
    text = report.plan_markdown(result)
    assert text.startswith("# Compliance plan: consumer-iot (radio, internet) in GBR, EU, SGP")
    assert "| C1 | yes | covered | EU, GBR | Delta: no default passwords |" in text
    assert "1. **kappa-standard** (Kappa)" in text
    assert "gamma-regulation via zeta-standard (harmonised-standard-for)" in text
    page = report.plan_html(result)
    assert page.startswith("<!doctype html>") and "kappa-standard" in page
    assert "http" not in page.split("<body>")[0]  # no external resources


def test_html_escapes_data(planner_store: Store) -> None:
    result = tiny_plan(planner_store)
    result.clusters[0].title = '<script>alert(1)</script>" onmouseover="x'
    result.markets[0].mandatory[0].why = ["<img src=x onerror=alert(1)>"]
    page = report.plan_html(result)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(..., "--db")) -> None:
        ctx.obj = State(db=db)

    app.command()(plan_cli.plan)
    app.command()(plan_cli.fragmentation)
    return app


def test_cli_plan_formats_and_errors(planner_store: Store, tmp_path: Path) -> None:
    db = planner_store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    base = ["--db", db, "plan", "--category", "consumer-iot", "--features", "radio,internet"]
    base += ["--markets", "GBR,EU,SGP", "--hs", "851762"]
    out = runner.invoke(cli(), [*base, "--have", "alpha-standard", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["have"] == ["alpha-standard"] and data["mandatory_instruments"] == [
        "delta-regulation",
        "gamma-regulation",
    ]
    table = runner.invoke(cli(), base)
    assert table.exit_code == 0 and "delta-regulation" in table.stdout and "alpha-standard" in table.stdout
    for fmt, marker in (("markdown", "# Compliance plan"), ("html", "<!doctype html>"), ("json", '"rules"')):
        target = tmp_path / f"plan.{fmt}"
        done = runner.invoke(cli(), [*base, "--format", fmt, "--out", str(target)])
        assert done.exit_code == 0, done.output
        assert marker in target.read_text(encoding="utf-8")
    bad = runner.invoke(cli(), ["--db", db, "plan", "--category", "consumer-iot", "--markets", "XYZ"])
    assert bad.exit_code == 2
    missing = runner.invoke(cli(), [*base, "--have", "nope"])
    assert missing.exit_code == 3


# --- the bundled knowledge base ----------------------------------------------------------------


def bundled_plan(store: Store, have: Sequence[str] = ()) -> Plan:
    return plan(store, "consumer-iot", "radio,internet", "GBR,EU", have=have)


def test_bundled_radio_product_for_gbr_and_eu(bundled_store: Store) -> None:
    result = bundled_plan(bundled_store)
    gbr, eu = result.markets
    assert "uk-psti" in [i.id for i in gbr.mandatory]
    assert {"eu-red-da", "eu-cra"} <= {i.id for i in eu.mandatory}
    assert "etsi-en-303-645" in [i.id for i in gbr.voluntary]
    red = next(i for i in eu.mandatory if i.id == "eu-red-da")
    assert {"en-18031-1", "en-18031-2"} <= set(red.harmonised_standards)
    psti = gbr.mandatory[0]
    assert "etsi-en-303-645" in [s.instrument for s in psti.shortcuts if s.type == "deemed-compliance-with"]


def test_bundled_psti_clusters_are_covered_by_en_303_645(bundled_store: Store) -> None:
    result = bundled_plan(bundled_store, have=["etsi-en-303-645"])
    psti = [c for c in result.clusters if "uk-psti" in c.instruments]
    assert len(psti) == 3
    assert {c.status for c in psti} == {"covered"}
    sch1_1 = next(c for c in psti if "uk-psti:sch1-1" in [m.id for m in c.instruments["uk-psti"]])
    assert {"etsi-en-303-645:5.1-1", "etsi-en-303-645:5.1-2"} <= {
        m.id for m in sch1_1.instruments["etsi-en-303-645"]
    }


def test_bundled_greedy_plan_is_deterministic(bundled_store: Store) -> None:
    first = bundled_plan(bundled_store).standards
    again = bundled_plan(bundled_store).standards
    assert first == again
    assert "etsi-en-303-645" in first.chosen
    assert {"uk-psti:sch1-1", "uk-psti:sch1-2", "uk-psti:sch1-3"} <= set(first.covered)
    for step in first.steps:
        assert step.newly_covered and step.explanation.startswith(step.standard)
