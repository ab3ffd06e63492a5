"""Requirement matching on tiny hand-made fixtures with the hashing embedder (no model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cyberreg.crosswalk.embedder import HashingEmbedder
from cyberreg.crosswalk.evaluate_matching import (
    calibration,
    grouped_folds,
    knn_baseline_scores,
    ranking_metrics,
    read_dcms_items,
    requirement_text,
)
from cyberreg.crosswalk.matching import (
    BM25,
    FEATURES,
    MappedSource,
    Matcher,
    Query,
    RelationshipClassifier,
    TypedPair,
    fit_choice_model,
    macro_f1,
    words,
)
from cyberreg.model import Relationship, Requirement, Topic

EMBEDDER = HashingEmbedder(dimension=512)
TARGETS = {
    "cop:1": "No default passwords. Every device has a unique password, never a universal factory default.",
    "cop:3": "Keep software updated. Updates are delivered securely and in good time.",
    "cop:5": "Communicate securely. Data is encrypted in transit with well managed keys.",
    "cop:9": "Make systems resilient to outages of network and power.",
}
MAPPED = [
    MappedSource("Rate limiting protects the service from denial of service floods.", ("cop:9",), "doc-a"),
    MappedSource(
        "Throttle requests so that a flood of traffic cannot exhaust the device.", ("cop:9",), "doc-b"
    ),
    MappedSource("Use TLS for every connection to the cloud.", ("cop:5",), "doc-a"),
    MappedSource("Firmware images are signed and updates are installed automatically.", ("cop:3",), "doc-b"),
    MappedSource("Factory credentials must differ per unit.", ("cop:1",), "doc-c"),
]


def rank_of(matcher: Matcher, query: Query, target: str) -> int:
    return [c.target for c in matcher.rank(query, top=len(TARGETS))].index(target) + 1


def test_words_stems_and_drops_stopwords() -> None:
    assert words("The Passwords are updated by the devices") == ["password", "updat", "devic"]
    assert words("update device policies processes access") == [
        "updat",
        "devic",
        "policy",
        "process",
        "access",
    ]


def test_bm25_prefers_the_document_with_the_rare_shared_word() -> None:
    bm25 = BM25(list(TARGETS.values()))
    scores = bm25.relative_scores(["unique password for each device"])[0]
    assert scores.argmax() == 0 and scores.max() == 1.0
    assert not bm25.relative_scores(["zzz"]).any()


def test_ranks_the_obvious_target_first_without_a_graph() -> None:
    matcher = Matcher(EMBEDDER, TARGETS)
    ranked = matcher.rank("Devices must not share a universal default password", top=2)
    assert ranked[0].target == "cop:1" and len(ranked) == 2
    assert ranked[0].score >= ranked[1].score
    assert 0.0 <= ranked[1].probability <= ranked[0].probability <= 1.0
    assert set(ranked[0].features) == set(FEATURES)


def test_graph_learning_lifts_a_target_with_mapped_neighbours() -> None:
    query = Query("Rate limiting of requests protects software update servers from floods.", "doc-new")
    without = Matcher(EMBEDDER, TARGETS)
    with_graph = Matcher(EMBEDDER, TARGETS, MAPPED)
    assert rank_of(without, query, "cop:3") == 1  # shares `software update` with cop:3's own text
    assert rank_of(with_graph, query, "cop:9") == 1


def test_mapped_sources_of_the_query_group_are_never_its_neighbours() -> None:
    matcher = Matcher(EMBEDDER, TARGETS, MAPPED)
    text = MAPPED[0].text
    knn = FEATURES.index("knn_max")
    same_group = matcher.features([Query(text, "doc-a")])[0]
    other_group = matcher.features([Query(text, "doc-z")])[0]
    nine = list(TARGETS).index("cop:9")
    assert other_group[nine, knn] > 0.99  # sees itself
    assert same_group[nine, knn] < 0.99  # only doc-b's neighbour remains
    five = list(TARGETS).index("cop:5")
    assert same_group[five, FEATURES.index("has_mapped")] == 0.0  # doc-a's only cop:5 source is hidden


def test_a_query_without_group_leaves_no_mapped_source_out() -> None:
    mapped = [MappedSource(m.text, m.targets) for m in MAPPED]  # no groups
    matcher = Matcher(EMBEDDER, TARGETS, mapped)
    feats = matcher.features([Query(MAPPED[0].text)])[0]
    assert feats[list(TARGETS).index("cop:9"), FEATURES.index("knn_max")] > 0.99


def test_fit_learns_weights_that_rank_training_answers_first() -> None:
    queries = [
        Query("Throttle traffic to survive floods", "doc-x", frozenset({"cop:9"})),
        Query("Encrypt connections with TLS", "doc-y", frozenset({"cop:5"})),
        Query("Signed firmware updates", "doc-z", frozenset({"cop:3"})),
        Query("Per unit factory credentials", "doc-w", frozenset({"cop:1"})),
    ]
    matcher = Matcher(EMBEDDER, TARGETS, MAPPED).fit(queries)
    assert np.isfinite(matcher.weights).all()
    scores, prob = matcher.score([Query(q.text, q.group) for q in queries])
    truth = [{list(TARGETS).index(next(iter(q.targets)))} for q in queries]
    assert ranking_metrics(scores, truth).top1 == 1.0
    assert ((prob >= 0) & (prob <= 1)).all()


def test_ablation_keeps_unused_features_at_zero() -> None:
    matcher = Matcher(EMBEDDER, TARGETS, MAPPED, use=("embedding", "lexical"))
    feats = matcher.features([Query("rate limiting", "doc-q")])
    assert not feats[:, :, 2:].any()
    assert not matcher.weights[2:].any()


def test_choice_model_recovers_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    n_queries, n_choices = 200, 5
    feats = rng.normal(size=(n_queries * n_choices, 2))
    right = (feats[:, 0].reshape(n_queries, n_choices)).argmax(axis=1)
    labels = np.zeros((n_queries, n_choices))
    labels[np.arange(n_queries), right] = 1.0
    w = fit_choice_model(feats, labels.ravel(), np.arange(0, n_queries * n_choices, n_choices), l2=0.1)
    assert w[0] > 3 and abs(w[1]) < 1


def test_knn_baseline_is_the_mean_of_the_k_best_cosines() -> None:
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    mapped = np.array([[1, 0], [0.6, 0.8], [0, 1], [0.8, 0.6]], dtype=np.float32)
    scores = knn_baseline_scores(q, mapped, [("a",), ("a",), ("b",), ("a",)], ["a", "b", "c"], k=2)
    assert np.allclose(scores, [[0.9, 0.0, -1.0]])


@given(st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=60), st.integers(2, 6))
def test_grouped_folds_never_split_a_document(groups: list[str], n_folds: int) -> None:
    folds = grouped_folds(groups, n_folds)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    for test in folds:
        train = np.setdiff1d(np.arange(len(groups)), test)
        assert not {groups[i] for i in test} & {groups[i] for i in train}


def test_ranking_metrics_and_calibration() -> None:
    scores = np.array([[3.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0]])
    m = ranking_metrics(scores, [{0}, {1, 0}])
    assert (m.top1, m.top3, m.mrr, m.n) == (0.5, 1.0, (1 + 1 / 3) / 2, 2)
    brier, ece, table = calibration(np.array([0.9, 0.1]), np.array([1.0, 0.0]))
    assert np.isclose(brier, 0.01) and np.isclose(ece, 0.1) and len(table) == 2


def test_macro_f1_weighs_rare_classes_equally() -> None:
    y = np.array([0, 0, 0, 0, 1])
    assert macro_f1(y, np.zeros(5, dtype=np.intp), 2) == 0.5 * (2 * 4 / (2 * 4 + 1))
    assert macro_f1(y, y, 2) == 1.0


def _pair(source: str, target: str, rel: Relationship, group: str, i: int) -> TypedPair:
    return TypedPair(f"s{i}", f"t{i}", source, target, rel, group)


def test_relationship_classifier_learns_types_from_overlap() -> None:
    topics = ["password", "update", "encryption", "logging", "backup", "inventory", "training", "access"]
    pairs, i = [], 0
    for group in ("g1", "g2", "g3"):
        for topic in topics:
            base = f"{topic} policy for {group} devices"
            wide = f"{base} including review audit retention scope ownership exceptions reporting"
            rows = [
                (base, base, Relationship.EQUAL),
                (base, wide, Relationship.SUBSET_OF),
                (wide, base, Relationship.SUPERSET_OF),
                (f"{topic} rules alpha beta", f"{topic} rules gamma delta", Relationship.INTERSECTS),
            ]
            for source, target, rel in rows:
                pairs.append(_pair(source, target, rel, group, i))
                i += 1
    cos = [
        float(a @ b)
        for a, b in zip(
            EMBEDDER.embed([p.source_text for p in pairs]),
            EMBEDDER.embed([p.target_text for p in pairs]),
            strict=True,
        )
    ]
    classifier = RelationshipClassifier().fit(pairs, cos)
    assert classifier.alpha in (0.0, 0.25, 0.5, 0.75, 1.0)
    predicted, prob = classifier.predict(pairs, cos)
    accuracy = np.mean([p == q.relationship for p, q in zip(predicted, pairs, strict=True)])
    assert accuracy > 0.9
    assert np.allclose(prob.sum(axis=1), 1.0)
    relationship, confidence = classifier.propose("x", "y", "backup policy", "backup policy", 1.0)
    assert relationship is Relationship.EQUAL and 0.5 < confidence <= 1.0


def test_read_dcms_items_groups_rows_and_skips_the_header(tmp_path: Path) -> None:
    row = {
        "DCMS Code of Practice Guidelines Number": "1",
        "Organisation": "Org",
        "Standard / Recommendation Name": "Doc  A",
        "Recommendation Number / Section": "3.2 Passwords",
        "Recommendation Extracted from Linked Source": "Unique passwords.",
    }
    rows = [
        {"Version": "4.0"},
        row,
        {**row, "DCMS Code of Practice Guidelines Number": "4"},
        {**row, "Standard / Recommendation Name": "Doc B"},
    ]
    path = tmp_path / "dcms.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    items = read_dcms_items(path)
    assert [(i.document, sorted(i.targets)) for i in items] == [
        ("Doc A", ["uk-cop-iot:1", "uk-cop-iot:4"]),
        ("Doc B", ["uk-cop-iot:1"]),
    ]
    assert items[0].text == "3.2 Passwords: Unique passwords."


def test_requirement_text_does_not_repeat_a_shortened_title() -> None:
    req = Requirement(
        instrument="ca-x",
        ref="ID.AM-1",
        title="ID.AM-1 Physical devices are inventoried",
        summary="Physical devices are inventoried.",
        topics=[Topic.GOVERNANCE],
    )
    assert requirement_text(req) == "Physical devices are inventoried."
    other = req.model_copy(update={"title": "Asset inventory", "summary": "Devices are listed."})
    assert requirement_text(other) == "Asset inventory. Devices are listed."
