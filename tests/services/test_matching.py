"""Matching through the service: cached vectors, suggestions waiting for review, the CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cyberreg.cli.main import app
from cyberreg.crosswalk.embedder import HashingEmbedder, minilm_available
from cyberreg.services import matching, review
from cyberreg.services.store import Store


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed(texts)


def test_vectors_are_cached_and_only_new_texts_embedded(tiny_store: Store) -> None:
    embedder = CountingEmbedder()
    first = matching.embed_cached(tiny_store, embedder, ["alpha", "beta"])
    assert embedder.embedded == 2
    again = matching.embed_cached(tiny_store, embedder, ["beta", "alpha", "gamma"])
    assert embedder.embedded == 3  # only "gamma" was new
    assert (again[1] == first[0]).all()


def test_match_ranks_the_obvious_target_first(tiny_store: Store) -> None:
    results = matching.match(
        tiny_store,
        "beta-regulation",
        [("q1", "universal default passwords are banned"), ("q2", "report security issues")],
        embedder=HashingEmbedder(),
    )
    assert [r.id for r in results] == ["q1", "q2"]
    assert results[0].candidates[0].id == "beta-regulation:sch1-1"
    assert results[1].candidates[0].id == "beta-regulation:sch1-2"
    assert all(0.0 <= c.score <= 1.0 for r in results for c in r.candidates)


def test_suggestions_wait_for_review(tiny_store: Store) -> None:
    result = matching.suggest(
        tiny_store, "alpha-standard", "beta-regulation", min_score=0.0, embedder=HashingEmbedder()
    )
    assert result.added >= 1
    proposed = review.list_suggestions(tiny_store)
    # Requirements already mapped into the target get no suggestion.
    assert {m.source for m in proposed} == {"alpha-standard:5.10"}
    assert all(m.provenance == "suggested" and m.review_state == "proposed" for m in proposed)


@pytest.mark.skipif(
    not minilm_available(), reason="the MiniLM package is not installed (make install does it)"
)
def test_cli_match_contract(tiny_store: Store) -> None:
    db = tiny_store.url.removeprefix("sqlite:///")
    stdin = '{"id": "x", "text": "no universal default passwords"}\n\n{"id": "y", "text": "telemetry"}\n'
    out = CliRunner().invoke(app, ["--db", db, "match", "--target", "beta-regulation", "--json"], input=stdin)
    assert out.exit_code == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["x", "y"]
    assert lines[0]["candidates"][0] == {
        "id": "beta-regulation:sch1-1",
        "score": lines[0]["candidates"][0]["score"],
    }
    bad = CliRunner().invoke(app, ["--db", db, "match", "--target", "beta-regulation"], input="{nope\n")
    assert bad.exit_code == 2 and "stdin line 1" in bad.stderr


@pytest.mark.skipif(
    not minilm_available(), reason="the MiniLM package is not installed (make install does it)"
)
def test_dcms_evaluation_beats_the_baseline(shared_data: Path) -> None:
    report = matching.evaluate_dcms_file(
        shared_data / "dcms-iot-mapping" / "code-of-practice-mapping-dev.json"
    )
    ours, baseline = report["ours"], report["baseline"]
    assert isinstance(ours, dict) and isinstance(baseline, dict)
    assert ours["top1"] >= 0.80
    assert ours["top1"] > baseline["top1"]
