"""How well the matcher finds the right targets, measured on expert mappings it never saw.

DCMS (`evaluate_dcms`): the UK DCMS mapping of excerpts of ~60 IoT security documents to the 13
guidelines of the UK Code of Practice. Rows sharing document, section and excerpt are one item whose
right answers are all their guidelines. Cross-validation is grouped by source document: the mapped
excerpts of a test document are never in the graph, and the fusion weights and calibration are
fitted on the training documents only (features of training items leave their own document out
too). Targets are our own guideline texts (uk-cop-iot.yaml). In the same run a plain baseline is
measured: MiniLM, the mean of the 3 most similar mapped excerpts per guideline.

CISO Assistant (`evaluate_ciso`): typed mapping sets between frameworks. Folds are the framework
pairs: for a test pair no mapping between the two frameworks is in the graph or in any fit. A
sample of each set's source requirements is ranked against all requirements of the target
framework (recall@10 of the true targets), and every mapping of the pair gets a proposed
relationship type (macro-F1: ~90 % of the labels are `intersects`).
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from cyberreg.crosswalk.embedder import Embedder, Vectors
from cyberreg.crosswalk.matching import (
    FEATURES,
    RELATIONS,
    FloatArray,
    MappedSource,
    Matcher,
    Query,
    RelationshipClassifier,
    TypedPair,
    fit_choice_model,
    macro_f1,
)
from cyberreg.model.mapping import Relationship
from cyberreg.model.requirement import Requirement
from cyberreg.sources.bundled import BUNDLED_DATA

COP_FILE = BUNDLED_DATA / "instruments" / "uk-cop-iot.yaml"
DCMS_FILE = "dcms-iot-mapping/code-of-practice-mapping-dev.json"
_DCMS = {
    "guideline": "DCMS Code of Practice Guidelines Number",
    "document": "Standard / Recommendation Name",
    "section": "Recommendation Number / Section",
    "excerpt": "Recommendation Extracted from Linked Source",
}

# ---------------------------------------------------------------------------------------------------------
# Metrics and folds.


@dataclass(frozen=True)
class RankingMetrics:
    top1: float
    top3: float
    mrr: float
    n: int


def ranking_metrics(scores: FloatArray, truths: Sequence[set[int]]) -> RankingMetrics:
    """Top-1, top-3 (any right answer among the first k) and MRR (first right answer)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    first = np.array(
        [
            next(r for r, j in enumerate(row) if j in truth) + 1
            for row, truth in zip(order, truths, strict=True)
        ]
    )
    return RankingMetrics(
        float(np.mean(first == 1)), float(np.mean(first <= 3)), float(np.mean(1 / first)), len(first)
    )


def calibration(
    prob: FloatArray, outcome: FloatArray, bins: int = 10
) -> tuple[float, float, list[tuple[float, float, int]]]:
    """Brier score, expected calibration error and the reliability table (mean p, rate, count)."""
    prob, outcome = np.ravel(prob), np.ravel(outcome)
    brier = float(np.mean((prob - outcome) ** 2))
    edges = np.minimum((prob * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        sel = edges == b
        if sel.any():
            table.append((float(prob[sel].mean()), float(outcome[sel].mean()), int(sel.sum())))
            ece += sel.mean() * abs(prob[sel].mean() - outcome[sel].mean())
    return brier, float(ece), table


def grouped_folds(groups: Sequence[str], n_folds: int) -> list[NDArray[np.intp]]:
    """Test indices of each fold; a group never spans two folds. Largest groups first, each to the
    fold with fewest rows so far (ties: lowest fold), so folds are balanced and deterministic."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    folds: list[list[int]] = [[] for _ in range(min(n_folds, len(by_group)))]
    for g in sorted(by_group, key=lambda g: (-len(by_group[g]), g)):
        min(folds, key=len).extend(by_group[g])
    return [np.array(sorted(f), dtype=np.intp) for f in folds]


def knn_baseline_scores(
    query_vectors: Vectors,
    mapped_vectors: Vectors,
    mapped_targets: Sequence[Iterable[str]],
    target_ids: Sequence[str],
    k: int = 3,
) -> FloatArray:
    """The plain baseline: per target, the mean of the k best cosines to its mapped sources."""
    sims = query_vectors @ mapped_vectors.T
    out = np.full((len(query_vectors), len(target_ids)), -1.0)
    columns: dict[str, list[int]] = defaultdict(list)
    for i, targets in enumerate(mapped_targets):
        for target in targets:
            columns[target].append(i)
    for j, target in enumerate(target_ids):
        if cols := columns.get(target):
            part = np.sort(sims[:, cols], axis=1)[:, ::-1][:, :k]
            out[:, j] = part.mean(axis=1)
    return out


# ---------------------------------------------------------------------------------------------------------
# DCMS.


@dataclass(frozen=True)
class DcmsItem:
    document: str
    section: str
    excerpt: str
    targets: frozenset[str]

    @property
    def text(self) -> str:
        return f"{self.section}: {self.excerpt}" if self.section else self.excerpt


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def read_dcms_items(path: Path) -> list[DcmsItem]:
    """Rows grouped into items by (document, section, excerpt); guidelines become `uk-cop-iot:<n>`."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    targets: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in rows:
        if not isinstance(row, dict) or _DCMS["guideline"] not in row:
            continue  # the header
        key = (
            _clean(row[_DCMS["document"]]),
            _clean(row.get(_DCMS["section"])),
            _clean(row[_DCMS["excerpt"]]),
        )
        for number in str(row[_DCMS["guideline"]]).replace(";", ",").split(","):
            if number.strip().isdigit():
                targets[key].add(f"uk-cop-iot:{int(number)}")
    return [DcmsItem(d, s, e, frozenset(t)) for (d, s, e), t in sorted(targets.items()) if t]


def cop_guidelines(path: Path = COP_FILE) -> dict[str, str]:
    """Our own text of each guideline (`title. summary`), keyed by requirement id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    instrument = data["instrument"]["id"]
    return {
        f"{instrument}:{r['ref']}": f"{r['title']}. {r.get('summary') or ''}".strip()
        for r in data["requirements"]
    }


@dataclass
class DcmsReport:
    ours: RankingMetrics
    baseline: RankingMetrics
    ablations: dict[str, RankingMetrics]
    brier: float
    ece: float
    reliability: list[tuple[float, float, int]]
    weights: list[list[float]]
    items: int
    documents: int
    folds: int
    seconds: float


def evaluate_dcms(
    embedder: Embedder, path: Path, n_folds: int = 5, k: int = 3, *, ablations: bool = True
) -> DcmsReport:
    started = time.perf_counter()
    items = read_dcms_items(path)
    guidelines = cop_guidelines()
    target_ids = list(guidelines)
    target_vectors = embedder.embed([guidelines[t] for t in target_ids])
    with_section = embedder.embed([i.text for i in items])
    excerpt_only = embedder.embed([i.excerpt for i in items])
    truths = [{target_ids.index(t) for t in i.targets} for i in items]
    variants: dict[str, tuple[Sequence[str], bool]] = {
        "ours": (FEATURES, True),
        "ours, excerpt only": (FEATURES, False),
        "no graph (target texts only)": (_TEXT_FEATURES, True),
        "graph only (kNN features)": (_GRAPH_FEATURES, True),
    }
    if not ablations:
        variants = {"ours": variants["ours"]}
    scores = {name: np.zeros((len(items), len(target_ids))) for name in [*variants, "baseline"]}
    prob = np.zeros((len(items), len(target_ids)))
    weights = []
    for test in grouped_folds([i.document for i in items], n_folds):
        train = np.setdiff1d(np.arange(len(items)), test)
        for name, (use, section) in variants.items():
            vectors = with_section if section else excerpt_only
            texts = [items[j].text if section else items[j].excerpt for j in range(len(items))]
            mapped = [MappedSource(texts[j], tuple(items[j].targets), items[j].document) for j in train]
            matcher = Matcher(
                embedder,
                guidelines,
                mapped,
                k=k,
                target_vectors=target_vectors,
                mapped_vectors=vectors[train],
                use=use,
            )
            queries = [Query(texts[j], items[j].document, items[j].targets) for j in range(len(items))]
            matcher.fit([queries[j] for j in train], vectors[train])
            s, p = matcher.score([queries[j] for j in test], vectors[test])
            scores[name][test] = s
            if name == "ours":
                prob[test] = p
                weights.append([round(float(w), 3) for w in matcher.weights])
        scores["baseline"][test] = knn_baseline_scores(
            excerpt_only[test], excerpt_only[train], [items[j].targets for j in train], target_ids, k=3
        )
    outcome = np.array([[1.0 if t in i.targets else 0.0 for t in target_ids] for i in items])
    brier, ece, table = calibration(prob, outcome)
    return DcmsReport(
        ours=ranking_metrics(scores["ours"], truths),
        baseline=ranking_metrics(scores["baseline"], truths),
        ablations={n: ranking_metrics(scores[n], truths) for n in variants if n != "ours"},
        brier=brier,
        ece=ece,
        reliability=table,
        weights=weights,
        items=len(items),
        documents=len({i.document for i in items}),
        folds=n_folds,
        seconds=time.perf_counter() - started,
    )


_TEXT_FEATURES = ("embedding", "lexical")
_GRAPH_FEATURES = tuple(f for f in FEATURES if f not in _TEXT_FEATURES)


# ---------------------------------------------------------------------------------------------------------
# CISO Assistant.


def requirement_text(requirement: Requirement) -> str:
    """Title and summary, without repeating a title that only shortens the summary."""
    title, summary = requirement.title, requirement.summary or ""
    stem = title.rstrip("…").split(" ", 1)[-1] if title.startswith(requirement.ref.split("-")[0]) else title
    if summary and (summary.startswith(title.rstrip("…")) or summary.startswith(stem.rstrip("…"))):
        return summary
    return f"{title.rstrip('. ')}. {summary}" if summary else title


def _pair_key(a: str, b: str) -> str:
    return " <-> ".join(sorted((a, b)))


@dataclass
class CisoData:
    """Requirement texts and vectors of the frameworks that typed mappings connect."""

    texts: dict[str, str]
    framework_of: dict[str, str]
    members: dict[str, list[str]]  # framework -> its requirement ids
    edges: dict[tuple[str, str], Relationship]  # (source, target) -> relationship
    sets: dict[tuple[str, str], dict[str, set[str]]]  # (source fw, target fw) -> source -> targets
    vectors: Vectors
    position: dict[str, int]

    def vec(self, ids: Sequence[str]) -> Vectors:
        return self.vectors[[self.position[x] for x in ids]]

    def pair_of(self, edge: tuple[str, str]) -> str:
        return _pair_key(self.framework_of[edge[0]], self.framework_of[edge[1]])


def load_ciso(embedder: Embedder, directory: Path) -> CisoData:
    from cyberreg.sources.ciso_assistant import read_directory

    kb = read_directory(directory).kb
    req = {r.id: r for r in kb.requirements}
    framework_of = {r.id: r.instrument for r in kb.requirements}
    edges: dict[tuple[str, str], Relationship] = {}
    for mapping in kb.mappings:
        if mapping.source in req and mapping.target in req:
            edges.setdefault((mapping.source, mapping.target), mapping.relationship)
    frameworks = sorted({framework_of[x] for edge in edges for x in edge})
    members = {f: [r.id for r in kb.requirements if r.instrument == f] for f in frameworks}
    texts = {x: requirement_text(req[x]) for f in frameworks for x in members[f]}
    ids = sorted(texts)
    sets: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s, t in edges:
        sets[(framework_of[s], framework_of[t])][s].add(t)
    vectors = embedder.embed([texts[x] for x in ids])
    return CisoData(
        texts, framework_of, members, edges, dict(sets), vectors, {x: i for i, x in enumerate(ids)}
    )


def _matchers_without(embedder: Embedder, data: CisoData, held: str) -> dict[str, Matcher]:
    """One matcher per target framework; the graph lacks every mapping of the `held` pair.

    A mapped source's group is its framework pair, so a query leaves its own pair's mappings out."""
    kept = [e for e in data.edges if data.pair_of(e) != held]
    into: dict[tuple[str, str], set[str]] = defaultdict(set)  # (source, pair) -> targets
    for s, t in kept:  # the graph is read both ways
        into[(s, data.pair_of((s, t)))].add(t)
        into[(t, data.pair_of((s, t)))].add(s)
    matchers = {}
    for framework in sorted({t for _, t in data.sets}):
        mapped = [
            (
                MappedSource(
                    data.texts[o], tuple(sorted(x for x in ts if data.framework_of[x] == framework)), g
                ),
                o,
            )
            for (o, g), ts in sorted(into.items())
            if data.framework_of[o] != framework and any(data.framework_of[x] == framework for x in ts)
        ]
        matchers[framework] = Matcher(
            embedder,
            {x: data.texts[x] for x in data.members[framework]},
            [m for m, _ in mapped],
            target_vectors=data.vec(data.members[framework]),
            mapped_vectors=data.vec([o for _, o in mapped]),
        )
    return matchers


def _fusion_weights(
    data: CisoData, matchers: dict[str, Matcher], held: str, sample: dict[tuple[str, str], list[str]]
) -> FloatArray:
    """Weights fitted on other pairs' sampled queries (each leaving its own pair out), pooled."""
    feats, labels, starts, offset = [], [], [], 0
    for (src_fw, tgt_fw), chosen in sample.items():
        group = _pair_key(src_fw, tgt_fw)
        if group == held:
            continue
        matcher = matchers[tgt_fw]
        queries = [Query(data.texts[x], group) for x in chosen]
        for f, x in zip(matcher.features(queries, data.vec(chosen)), chosen, strict=True):
            right = np.array([t in data.sets[(src_fw, tgt_fw)][x] for t in matcher.target_ids], dtype=float)
            feats.append(f)
            labels.append(right / right.sum())
            starts.append(offset)
            offset += len(f)
    return fit_choice_model(np.vstack(feats), np.concatenate(labels), np.array(starts, dtype=np.intp))


def _recall_at(
    scores: FloatArray, target_ids: Sequence[str], truths: Sequence[set[str]], k: int
) -> list[float]:
    ranked = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [
        len({target_ids[j] for j in row} & truth) / len(truth)
        for row, truth in zip(ranked, truths, strict=True)
    ]


def _typed_pairs(data: CisoData, edges: Sequence[tuple[str, str]]) -> tuple[list[TypedPair], list[float]]:
    pairs = [
        TypedPair(s, t, data.texts[s], data.texts[t], data.edges[(s, t)], data.pair_of((s, t)))
        for s, t in sorted(edges)
        if data.edges[(s, t)] in RELATIONS
    ]
    cosines = [
        float(data.vectors[data.position[p.source]] @ data.vectors[data.position[p.target]]) for p in pairs
    ]
    return pairs, cosines


@dataclass
class CisoReport:
    recall_at_10: float
    recall_at_10_knn_baseline: float
    recall_at_10_embedding_only: float
    relation_macro_f1: float
    relation_macro_f1_majority: float
    relation_accuracy: float
    relation_brier: float
    relation_f1_by_type: dict[str, float]
    relation_counts: dict[str, int]
    per_set: dict[str, float] = field(default_factory=dict)
    queries: int = 0
    pairs: int = 0
    sets: int = 0
    seconds: float = 0.0


def evaluate_ciso(
    embedder: Embedder, directory: Path, *, queries_per_set: int = 60, train_per_set: int = 40, seed: int = 0
) -> CisoReport:
    started = time.perf_counter()
    data = load_ciso(embedder, directory)
    rng = random.Random(seed)  # noqa: S311 (sampling, not security)
    tests = {
        key: sorted(rng.sample(sorted(v), min(queries_per_set, len(v))))
        for key, v in sorted(data.sets.items())
    }
    trains = {
        key: sorted(rng.sample(sorted(v), min(train_per_set, len(v)))) for key, v in sorted(data.sets.items())
    }
    recalls: dict[str, list[float]] = {"ours": [], "knn": [], "embedding": []}
    per_set: dict[str, float] = {}
    y_true: list[int] = []
    y_pred: list[int] = []
    probs: list[FloatArray] = []
    for held in sorted({_pair_key(*key) for key in data.sets}):
        matchers = _matchers_without(embedder, data, held)
        weights = _fusion_weights(data, matchers, held, trains)
        for (src_fw, tgt_fw), chosen in tests.items():
            if _pair_key(src_fw, tgt_fw) != held:
                continue
            matcher = matchers[tgt_fw]
            matcher.weights = weights
            vectors = data.vec(chosen)
            truths = [data.sets[(src_fw, tgt_fw)][x] for x in chosen]
            ours = _recall_at(
                matcher.score([Query(data.texts[x], held) for x in chosen], vectors)[0],
                matcher.target_ids,
                truths,
                10,
            )
            sources = [m.targets for m in matcher.mapped]
            knn = knn_baseline_scores(vectors, matcher.mapped_vectors, sources, matcher.target_ids)
            recalls["ours"] += ours
            recalls["knn"] += _recall_at(knn, matcher.target_ids, truths, 10)
            recalls["embedding"] += _recall_at(
                vectors @ matcher.target_vectors.T, matcher.target_ids, truths, 10
            )
            per_set[f"{src_fw} -> {tgt_fw}"] = float(np.mean(ours))
        # Relationship types: fitted on every other pair's mappings, proposed for this pair's.
        train_pairs, train_cos = _typed_pairs(data, [e for e in data.edges if data.pair_of(e) != held])
        test_pairs, test_cos = _typed_pairs(data, [e for e in data.edges if data.pair_of(e) == held])
        classifier = RelationshipClassifier().fit(train_pairs, train_cos)
        predicted, p = classifier.predict(test_pairs, test_cos)
        y_true += [RELATIONS.index(pair.relationship) for pair in test_pairs]
        y_pred += [RELATIONS.index(r) for r in predicted]
        probs.append(p)
    y, yhat = np.array(y_true), np.array(y_pred)
    majority = np.full_like(y, int(np.bincount(y).argmax()))
    return CisoReport(
        recall_at_10=float(np.mean(recalls["ours"])),
        recall_at_10_knn_baseline=float(np.mean(recalls["knn"])),
        recall_at_10_embedding_only=float(np.mean(recalls["embedding"])),
        relation_macro_f1=macro_f1(y, yhat, len(RELATIONS)),
        relation_macro_f1_majority=macro_f1(y, majority, len(RELATIONS)),
        relation_accuracy=float(np.mean(y == yhat)),
        relation_brier=float(np.mean(np.sum((np.vstack(probs) - np.eye(len(RELATIONS))[y]) ** 2, axis=1))),
        relation_f1_by_type={
            r.value: macro_f1((y == i).astype(np.intp), (yhat == i).astype(np.intp), 2)
            for i, r in enumerate(RELATIONS)
        },
        relation_counts={r.value: int(np.sum(y == i)) for i, r in enumerate(RELATIONS)},
        per_set=per_set,
        queries=len(recalls["ours"]),
        pairs=len(y),
        sets=len(tests),
        seconds=time.perf_counter() - started,
    )
