"""Coverage and gaps through the service, the reports and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cyberreg.cli.main import app
from cyberreg.reports import coverage as report
from cyberreg.services.coverage import coverage
from cyberreg.services.store import Store


def test_joint_mappings_cover_only_together(tiny_store: Store) -> None:
    result = coverage(tiny_store, ["alpha-standard"], ["beta-regulation"])
    status = {i.id: i for i in result.items}
    assert status["beta-regulation:sch1-1"].status == "covered"
    assert status["beta-regulation:sch1-1"].via == ["alpha-standard:1-1", "alpha-standard:1-2"]
    assert status["beta-regulation:sch1-2"].status == "covered"
    assert status["beta-regulation:sch1-2"].path[0].provenance == "official"
    assert result.per_target["beta-regulation"].covered == 2


def test_reverse_direction_is_only_partial(tiny_store: Store) -> None:
    result = coverage(tiny_store, ["beta-regulation"], ["alpha-standard"])
    status = {i.id: i.status for i in result.items}
    # The regulation's requirement is a subset of the standard's: meeting it covers only part.
    assert status["alpha-standard:2-1"] == "partial"
    assert status["alpha-standard:5.10"] == "not_covered"


def test_psti_is_covered_by_en_303_645_through_schedule_2(bundled_store: Store) -> None:
    result = coverage(bundled_store, ["etsi-en-303-645"], ["uk-psti"])
    assert [(i.id, i.status) for i in result.items] == [
        ("uk-psti:sch1-1", "covered"),
        ("uk-psti:sch1-2", "covered"),
        ("uk-psti:sch1-3", "covered"),
    ]
    for item in result.items:
        assert {hop.provenance for hop in item.path} == {"official"}
    assert result.items[2].via == ["etsi-en-303-645:5.3-13"]


def test_reports_render_every_format(tiny_store: Store) -> None:
    result = coverage(tiny_store, ["alpha-standard"], ["beta-regulation"])
    assert report.to_csv(result).splitlines()[0].startswith("id,instrument,ref,title")
    assert "| beta-regulation | 2 | 0 | 0 | 2 |" in report.to_markdown(result)
    page = report.to_html(result)
    assert page.startswith("<!doctype html>") and "beta-regulation:sch1-1" in page


def test_html_report_escapes_imported_text(tiny_store: Store) -> None:
    result = coverage(tiny_store, ["alpha-standard"], ["beta-regulation"])
    result.items[0].title = '<script>alert(1)</script>" onmouseover="x'
    page = report.to_html(result)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_cli_json_lists_each_target_requirement(bundled_db: Path) -> None:
    out = CliRunner().invoke(
        app,
        ["--db", str(bundled_db), "coverage", "--have", "etsi-en-303-645", "--target", "uk-psti", "--json"],
    )
    assert out.exit_code == 0
    items = json.loads(out.stdout)
    assert {i["id"]: i["status"] for i in items} == {
        "uk-psti:sch1-1": "covered",
        "uk-psti:sch1-2": "covered",
        "uk-psti:sch1-3": "covered",
    }
    assert all({"id", "status", "via", "path"} <= set(i) for i in items)


def test_cli_formats_and_errors(tiny_store: Store, tmp_path: Path) -> None:
    db = tiny_store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    args = ["--db", db, "coverage", "--have", "alpha-standard", "--target", "beta-regulation"]
    assert "covered" in runner.invoke(app, args).stdout
    target = tmp_path / "r.html"
    assert runner.invoke(app, [*args, "--format", "html", "--out", str(target)]).exit_code == 0
    assert "<table>" in target.read_text()
    full = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert full["per_target"]["beta-regulation"]["covered"] == 2
    bad = runner.invoke(app, ["--db", db, "coverage", "--have", "nope", "--target", "beta-regulation"])
    assert bad.exit_code == 3 and "no instrument 'nope'" in bad.stderr


def test_consistency_reports_contradicting_paths(tiny_store: Store, kb_dir: Path, tmp_path: Path) -> None:
    from cyberreg.services.consistency import check_consistency

    assert check_consistency(tiny_store) == []
    # alpha 2-1 is a superset of beta sch1-2; claiming they are disjoint contradicts it.
    (kb_dir / "mappings" / "contradiction.yaml").write_text(
        "mappings:\n  - {source: 'beta-regulation:sch1-2', target: 'alpha-standard:2-1', "
        "relationship: no_relationship, provenance: imported}\n"
    )
    store = Store(tmp_path / "c.db", auto_build=False)
    store.build(kb_dir)
    found = check_consistency(store)
    assert len(found) == 1
    assert {found[0].source, found[0].target} == {"alpha-standard:2-1", "beta-regulation:sch1-2"}
    out = CliRunner().invoke(app, ["--db", store.url.removeprefix("sqlite:///"), "consistency"])
    assert out.exit_code == 1 and "1 contradiction" in out.stdout


def test_partial_needs_certain_overlap(bundled_store: Store) -> None:
    """A chain whose possible relations include no_relationship proves no overlap at all."""
    result = coverage(bundled_store, ["uk-psti"], ["uk-cop-iot"])
    for item in result.items:
        if item.status == "partial":
            assert "no_relationship" not in item.relation, item
