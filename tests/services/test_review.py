"""Suggested mappings count only once accepted; decisions record who and when."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from cyberreg.cli.main import app
from cyberreg.model import Mapping
from cyberreg.services import review
from cyberreg.services.catalog import NotFound
from cyberreg.services.coverage import coverage
from cyberreg.services.store import Store


def suggestion(source: str, target: str, relationship: str = "superset_of") -> Mapping:
    return Mapping.model_validate(
        {
            "source": source,
            "target": target,
            "relationship": relationship,
            "provenance": "suggested",
            "review_state": "proposed",
            "strength": 7,
            "note": "matcher confidence 0.71",
        }
    )


def telemetry_status(store: Store) -> str:
    items = coverage(store, ["beta-regulation"], ["alpha-standard"]).items
    return next(i.status for i in items if i.id == "alpha-standard:5.10")


def test_suggestions_count_only_when_accepted(tiny_store: Store) -> None:
    assert telemetry_status(tiny_store) == "not_covered"
    result = review.store_suggestions(
        tiny_store, [suggestion("beta-regulation:sch1-2", "alpha-standard:5.10")]
    )
    assert result.added == 1
    assert telemetry_status(tiny_store) == "not_covered"  # proposed: not curated
    when = dt.datetime(2026, 11, 23, 12, 0)
    view = review.decide(
        tiny_store, "beta-regulation:sch1-2", "alpha-standard:5.10", accept=True, by="ana", now=when
    )
    assert (view.review_state, view.reviewed_by, view.reviewed_at) == (
        "accepted",
        "ana",
        "2026-11-23T12:00:00",
    )
    assert telemetry_status(tiny_store) == "covered"


def test_decided_suggestions_are_not_overwritten(tiny_store: Store) -> None:
    pair = ("beta-regulation:sch1-2", "alpha-standard:5.10")
    review.store_suggestions(tiny_store, [suggestion(*pair)])
    assert review.store_suggestions(tiny_store, [suggestion(*pair, "intersects")]).replaced == 1
    review.decide(tiny_store, *pair, accept=False, by="ben")
    again = review.store_suggestions(tiny_store, [suggestion(*pair)])
    assert again.kept_decided == 1
    assert [m.review_state for m in review.list_suggestions(tiny_store, None)] == ["rejected"]
    assert review.list_suggestions(tiny_store) == []


def test_errors(tiny_store: Store) -> None:
    with pytest.raises(NotFound):
        review.decide(tiny_store, "a:1", "b:1", accept=True, by="ana")
    with pytest.raises(ValueError, match="who"):
        review.decide(tiny_store, "a:1", "b:1", accept=True, by=" ")
    curated = Mapping.model_validate(
        {"source": "a:1", "target": "b:1", "relationship": "equal", "provenance": "imported"}
    )
    with pytest.raises(ValueError, match="suggestion"):
        review.store_suggestions(tiny_store, [curated])


def test_cli_review(tiny_store: Store) -> None:
    review.store_suggestions(tiny_store, [suggestion("beta-regulation:sch1-2", "alpha-standard:5.10")])
    db = tiny_store.url.removeprefix("sqlite:///")
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", db, "review", "list", "--json"])
    assert [m["target"] for m in json.loads(listed.stdout)] == ["alpha-standard:5.10"]
    done = runner.invoke(
        app, ["--db", db, "review", "accept", "beta-regulation:sch1-2", "alpha-standard:5.10", "--by", "ana"]
    )
    assert done.exit_code == 0 and "accepted" in done.stdout
    missing = runner.invoke(app, ["--db", db, "review", "reject", "x:1", "y:1"])
    assert missing.exit_code == 3
