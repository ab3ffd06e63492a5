"""Rank candidate target requirements for a query text, and propose a relationship type.

Each (query, target) pair gets a few scores (`FEATURES`):
- `embedding`: cosine of the query and the target's own text;
- `lexical`: BM25 of the query against the target texts, divided by the best target's score;
- `knn`, `knn_max`, `knn_lexical`: learning from the mapping graph: how much the query resembles
  the source requirements already mapped to the target (mean of the `k` best cosines, the best
  cosine, mean of the `k` best relative BM25 scores over those sources);
- `centroid`: cosine of the query and the mean vector of the target's mapped sources;
- `probe`: a ridge regression from source vectors to their targets (one-hot), fitted on the graph;
- `prior`: how many sources map to the target (log, relative to the most mapped target);
- `has_mapped`: whether any source maps to it.

Mapped sources of the query's own group (its document or instrument) never count, so a query
already in the graph is not its own neighbour, and fitting sees what a new document would see.
The scores are combined linearly with weights fitted by a conditional logit (a softmax over the
targets of each training query, `fit_choice_model`) on training queries only. A binary logistic
model on the softmax probability (its log, its gap to the best, whether it is the best) then gives
each candidate a calibrated probability of being a right target (`Candidate.probability`).
`RelationshipClassifier` proposes a relationship type for a pair with a confidence, from pair
similarities and the relationship mix of the target's mappings.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cyberreg.crosswalk.embedder import Embedder, Vectors
from cyberreg.model.mapping import Relationship

FloatArray = NDArray[np.floating[Any]]  # float64 or float32
FEATURES = (
    "embedding",
    "lexical",
    "knn",
    "knn_max",
    "knn_lexical",
    "centroid",
    "probe",
    "prior",
    "has_mapped",
)
PROBE_RIDGE = 1.0
DEFAULT_K = 3

# ---------------------------------------------------------------------------------------------------------
# Words and BM25.

_WORD = re.compile(r"[a-z][a-z0-9]+|[0-9]+[a-z]*")
STOPWORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "could", "do", "does", "for", "from",
        "has", "have", "if", "in", "into", "is", "it", "its", "may", "must", "no", "not", "of", "on", "or",
        "shall", "should", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
        "this", "those", "to", "under", "was", "were", "when", "where", "which", "while", "who", "will",
        "with", "within", "without", "would", "all", "any", "also", "other", "each",
    )
)  # fmt: skip
_ES_AFTER = ("s", "x", "z", "ch", "sh")


def stem(word: str) -> str:
    """A light, consistent suffix stripper: `devices`, `device` -> `devic`; `updated`, `updates`,
    `updating` -> `updat`; `policies` -> `policy`; `processes` -> `process`."""
    if len(word) > 4:
        if word.endswith("ies"):
            word = word[:-3] + "y"
        elif word.endswith("es") and word[:-2].endswith(_ES_AFTER):
            word = word[:-2]
        elif word.endswith("ing") and len(word) > 5:
            word = word[:-3]
        elif word.endswith("ed") and len(word) > 4:
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-case, stemmed content words of `text`."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25:
    """Okapi BM25 over a fixed list of documents; `scores` gives one score per document."""

    def __init__(
        self, documents: Sequence[str] | Sequence[Counter[str]], k1: float = 1.2, b: float = 0.75
    ) -> None:
        """`documents`: texts, or their word counts."""
        self.size = len(documents)
        counted = [d if isinstance(d, Counter) else Counter(words(d)) for d in documents]
        lengths = np.array([sum(c.values()) for c in counted], dtype=np.float64)
        average = float(lengths.mean()) if self.size and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / average)
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for index, counts in enumerate(counted):
            for term, count in counts.items():
                postings[term][0].append(index)
                postings[term][1].append(count)
        self._postings: dict[str, tuple[NDArray[np.intp], FloatArray]] = {}
        for term, (docs, term_counts) in postings.items():
            idf = math.log(1 + (self.size - len(docs) + 0.5) / (len(docs) + 0.5))
            tf = np.array(term_counts)
            weight = idf * tf * (k1 + 1) / (tf + norm[docs])
            self._postings[term] = (np.array(docs, dtype=np.intp), weight)

    def scores(self, query: str) -> FloatArray:
        out = np.zeros(self.size)
        for term in set(words(query)):
            if term in self._postings:
                docs, weight = self._postings[term]
                out[docs] += weight
        return out

    def relative_scores(self, queries: Sequence[str]) -> FloatArray:
        """Scores of each query (rows) divided by that query's best score (0 when nothing matches)."""
        out = np.zeros((len(queries), self.size))
        for row, query in enumerate(queries):
            scores = self.scores(query)
            best = scores.max(initial=0.0)
            if best > 0:
                out[row] = scores / best
        return out


# ---------------------------------------------------------------------------------------------------------
# The choice model: a softmax over each query's candidates, one shared weight vector.


def fit_choice_model(
    features: FloatArray,
    labels: FloatArray,
    starts: NDArray[np.intp],
    *,
    l2: float = 1.0,
    sample_weight: FloatArray | None = None,
    iterations: int = 50,
) -> FloatArray:
    """Weights `w` maximising sum_q weight_q sum_c labels_qc log softmax_c(features_qc . w) - l2/2 |w|^2.

    Candidates of all queries are stacked in `features` (rows) and `labels` (each query's labels sum
    to 1); query q owns rows starts[q]:starts[q+1]. Newton's method with step halving; convex.
    """
    n_queries = len(starts)
    bounds = np.append(starts, len(features))
    query_of = np.repeat(np.arange(n_queries), np.diff(bounds))
    qw = np.ones(n_queries) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = np.zeros(features.shape[1])

    def objective(weights: FloatArray) -> tuple[float, FloatArray]:
        logits = features @ weights
        logits = logits - np.maximum.reduceat(logits, starts)[query_of]
        log_norm = np.log(np.add.reduceat(np.exp(logits), starts))
        log_p = logits - log_norm[query_of]
        loss = -float(np.sum(qw[query_of] * labels * log_p)) + 0.5 * l2 * float(weights @ weights)
        return loss, np.exp(log_p)

    loss, p = objective(w)
    for _ in range(iterations):
        rw = qw[query_of]
        grad = features.T @ (rw * (p - labels)) + l2 * w
        mean = np.add.reduceat(features * p[:, None], starts)  # E_p[f] per query
        hess = (features * (rw * p)[:, None]).T @ features - (mean * qw[:, None]).T @ mean
        step = np.linalg.solve(hess + l2 * np.eye(len(w)), grad)
        scale = 1.0
        while scale > 1e-4:
            new_loss, new_p = objective(w - scale * step)
            if new_loss <= loss:
                break
            scale /= 2
        else:
            break
        w, improvement, loss, p = w - scale * step, loss - new_loss, new_loss, new_p
        if improvement < 1e-8 * max(1.0, abs(loss)):
            break
    return w


def fit_logistic(x: FloatArray, y: FloatArray, l2: float = 1.0) -> FloatArray:
    """Binary logistic regression (last weight is the intercept), as a two-way choice model."""
    n, f = x.shape
    design = np.zeros((2 * n, f + 1))
    design[1::2, :f] = x
    design[1::2, f] = 1.0
    labels = np.empty(2 * n)
    labels[0::2], labels[1::2] = 1 - y, y
    return fit_choice_model(design, labels, np.arange(0, 2 * n, 2), l2=l2)


def sigmoid(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ---------------------------------------------------------------------------------------------------------
# The matcher.


@dataclass(frozen=True)
class MappedSource:
    """A source requirement already mapped to some targets; `group` is its document or instrument."""

    text: str
    targets: tuple[str, ...]
    group: str = ""


@dataclass(frozen=True)
class Query:
    """A text to match; for fitting, `targets` are its right answers.

    Mapped sources of the same (non-empty) `group` are never used as evidence for it: give training
    queries their document or instrument, or they will find themselves among the neighbours."""

    text: str
    group: str = ""
    targets: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    target: str
    score: float  # the fused score; comparable within one query only
    probability: float  # calibrated probability that the target is a right one
    features: dict[str, float] = field(default_factory=dict)


# Starting weights before any fit: embedding and neighbour similarity, roughly as fitted on DCMS.
DEFAULT_WEIGHTS = np.array([3.0, 0.7, 2.8, 2.8, 2.5, 3.5, 4.6, -0.4, 0.0])


class Matcher:
    """Ranks `targets` (id -> text) for query texts, learning from `mapped` sources."""

    def __init__(
        self,
        embedder: Embedder,
        targets: Mapping[str, str],
        mapped: Sequence[MappedSource] = (),
        *,
        k: int = DEFAULT_K,
        target_vectors: Vectors | None = None,
        mapped_vectors: Vectors | None = None,
        use: Sequence[str] = FEATURES,
    ) -> None:
        self.embedder = embedder
        self.k = k
        self._unused = [i for i, name in enumerate(FEATURES) if name not in use]
        self.target_ids = list(targets)
        self._index = {t: i for i, t in enumerate(self.target_ids)}
        texts = [targets[t] for t in self.target_ids]
        self.target_vectors = embedder.embed(texts) if target_vectors is None else target_vectors
        self.target_bm25 = BM25(texts)
        self.weights = DEFAULT_WEIGHTS.copy()
        self.weights[self._unused] = 0.0
        # Calibration: logistic model on (softmax log-probability, its gap to the best, is best).
        self.calibration = np.array([1.0, 0.0, 0.0, 0.0])
        self._set_mapped(mapped, mapped_vectors)

    def _set_mapped(self, mapped: Sequence[MappedSource], vectors: Vectors | None) -> None:
        kept = [m for m in mapped if any(t in self._index for t in m.targets)]
        self.mapped = kept
        if vectors is not None and len(kept) != len(mapped):
            vectors = vectors[[i for i, m in enumerate(mapped) if any(t in self._index for t in m.targets)]]
        dim = self.embedder.dimension
        if vectors is None:
            vectors = self.embedder.embed([m.text for m in kept]) if kept else np.zeros((0, dim), np.float32)
        self.mapped_vectors = vectors
        self.mapped_bm25 = BM25([m.text for m in kept])
        groups = sorted({m.group for m in kept})
        self._group_index = {g: i for i, g in enumerate(groups)}
        self._mapped_group = np.array([self._group_index[m.group] for m in kept], dtype=np.intp)
        # Edges (mapped source -> target), sorted by target for segment reductions.
        pairs = sorted(
            (self._index[t], s) for s, m in enumerate(kept) for t in set(m.targets) if t in self._index
        )
        self._edge_target = np.array([p[0] for p in pairs], dtype=np.intp)
        self._edge_source = np.array([p[1] for p in pairs], dtype=np.intp)
        n_targets = len(self.target_ids)
        self._sums = np.zeros((n_targets, dim))
        np.add.at(self._sums, self._edge_target, self.mapped_vectors[self._edge_source])
        self._group_sums: dict[int, FloatArray] = {}
        self._group_counts: dict[int, FloatArray] = {}
        edge_group = self._mapped_group[self._edge_source]
        for g in np.unique(edge_group):
            sel = edge_group == g
            sums = np.zeros((n_targets, dim))
            np.add.at(sums, self._edge_target[sel], self.mapped_vectors[self._edge_source[sel]])
            self._group_sums[int(g)] = sums
            counts = np.bincount(self._edge_target[sel], minlength=n_targets)
            self._group_counts[int(g)] = counts.astype(np.float64)
        self._counts = np.bincount(self._edge_target, minlength=n_targets).astype(np.float64)
        # Probe: ridge regression W = (X'X + r I)^-1 X'Y from source vectors to their targets;
        # leaving a group out subtracts its part of X'X and X'Y.
        y = np.zeros((len(kept), n_targets))
        y[self._edge_source, self._edge_target] = 1.0
        y /= np.maximum(y.sum(axis=1, keepdims=True), 1.0)
        x = self.mapped_vectors.astype(np.float64)
        self._gram, self._cross = x.T @ x + PROBE_RIDGE * np.eye(dim), x.T @ y
        self._probe_parts = {}
        for g in np.unique(self._mapped_group):
            xg, yg = x[self._mapped_group == g], y[self._mapped_group == g]
            self._probe_parts[int(g)] = (xg.T @ xg, xg.T @ yg)
        self._probes: dict[int, FloatArray] = {}

    # -- features --------------------------------------------------------------------------------------

    def features(self, queries: Sequence[Query], vectors: Vectors | None = None) -> FloatArray:
        """Scores of every (query, target) pair: shape [queries, targets, len(FEATURES)]."""
        q_vec = self.embedder.embed([q.text for q in queries]) if vectors is None else vectors
        n_q, n_t = len(queries), len(self.target_ids)
        out = np.zeros((n_q, n_t, len(FEATURES)))
        out[:, :, 0] = q_vec @ self.target_vectors.T
        out[:, :, 1] = self.target_bm25.relative_scores([q.text for q in queries])
        if not self.mapped:
            out[:, :, 2:6] = out[:, :, :1]  # no graph: neighbours fall back to the target text
            out[:, :, self._unused] = 0.0
            return out
        # A query's own group is left out; a query without a group leaves nothing out.
        groups = np.array([self._group_index.get(q.group, -1) if q.group else -1 for q in queries])
        sims = q_vec @ self.mapped_vectors.T  # [q, sources]
        lex = self.mapped_bm25.relative_scores([q.text for q in queries])
        same = self._mapped_group[None, :] == groups[:, None]
        sims[same], lex[same] = -np.inf, -np.inf
        edge_sims, edge_lex = sims[:, self._edge_source], lex[:, self._edge_source]
        knn, knn_max, knn_present = self._top_k_mean(edge_sims)
        out[:, :, 2], out[:, :, 3] = knn, knn_max
        out[:, :, 4] = self._top_k_mean(edge_lex)[0]
        for row, g in enumerate(groups):
            sums = self._sums - self._group_sums[g] if g in self._group_sums else self._sums
            counts = self._counts - self._group_counts[g] if g in self._group_counts else self._counts
            norms = np.linalg.norm(sums, axis=1)
            out[row, :, 5] = np.where(norms > 0, (sums @ q_vec[row]) / np.maximum(norms, 1e-12), 0.0)
            out[row, :, 7] = np.log1p(counts) / max(math.log1p(counts.max(initial=0.0)), 1e-9)
        for g in np.unique(groups):
            these = np.flatnonzero(groups == g)
            out[these, :, 6] = q_vec[these] @ self._probe(int(g))
        out[:, :, 8] = knn_present
        out[:, :, self._unused] = 0.0  # ablations: unused features (and so their weights) stay 0
        return out

    def _probe(self, group: int) -> FloatArray:
        """Probe weights [dimension, targets] fitted without the mapped sources of `group`."""
        if group not in self._probes:
            gram, cross = self._gram, self._cross
            if group in self._probe_parts:
                gram, cross = gram - self._probe_parts[group][0], cross - self._probe_parts[group][1]
            self._probes[group] = np.linalg.solve(gram, cross)
        return self._probes[group]

    def _top_k_mean(self, edge_scores: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per target (edges are sorted by target): mean of the k best, the best, whether any.

        Excluded edges score -inf and are skipped."""
        n_q, n_t = edge_scores.shape[0], len(self.target_ids)
        mean, best, present = np.zeros((n_q, n_t)), np.zeros((n_q, n_t)), np.zeros((n_q, n_t))
        targets, starts = np.unique(self._edge_target, return_index=True)
        ends = np.append(starts[1:], len(self._edge_target))
        for target, start, end in zip(targets, starts, ends, strict=True):
            part = edge_scores[:, start:end]
            if end - start > self.k:
                part = -np.partition(-part, self.k - 1, axis=1)[:, : self.k]
            valid = np.isfinite(part)
            count = valid.sum(axis=1)
            mean[:, target] = np.where(valid, part, 0.0).sum(axis=1) / np.maximum(count, 1)
            best[:, target] = np.where(count > 0, np.where(valid, part, -np.inf).max(axis=1), 0.0)
            present[:, target] = count > 0
        return mean, best, present

    # -- fitting and ranking ---------------------------------------------------------------------------

    def fit(self, queries: Sequence[Query], vectors: Vectors | None = None, *, l2: float = 1.0) -> Matcher:
        """Fit the fusion weights and the calibration on training queries (those with targets)."""
        use = [i for i, q in enumerate(queries) if any(t in self._index for t in q.targets)]
        if not use:
            return self
        chosen = [queries[i] for i in use]
        feats = self.features(chosen, None if vectors is None else vectors[use])
        labels = np.array([[1.0 if t in q.targets else 0.0 for t in self.target_ids] for q in chosen])
        labels /= labels.sum(axis=1, keepdims=True)
        n_t = len(self.target_ids)
        starts = np.arange(0, len(chosen) * n_t, n_t)
        self.weights = fit_choice_model(feats.reshape(-1, feats.shape[-1]), labels.ravel(), starts, l2=l2)
        outcome = (labels > 0).ravel().astype(np.float64)
        self.calibration = fit_logistic(self._calibration_inputs(feats @ self.weights), outcome, l2=0.1)
        return self

    @staticmethod
    def _calibration_inputs(scores: FloatArray) -> FloatArray:
        """Per (query, target) row: log softmax, its gap to the query's best, whether it is the best."""
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return np.stack([log_p, shifted, (shifted == 0).astype(np.float64)], axis=-1).reshape(-1, 3)

    def _probability(self, scores: FloatArray) -> FloatArray:
        z = self._calibration_inputs(scores) @ self.calibration[:3] + self.calibration[3]
        return sigmoid(z).reshape(scores.shape)

    def score(
        self, queries: Sequence[Query], vectors: Vectors | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Fused scores and calibrated probabilities, both [queries, targets]."""
        feats = self.features(queries, vectors)
        scores = feats @ self.weights
        return scores, self._probability(scores)

    def rank(self, query: str | Query, top: int = 10) -> list[Candidate]:
        """The `top` best targets for one query, best first."""
        q = Query(query) if isinstance(query, str) else query
        feats = self.features([q])[0]
        scores = feats @ self.weights
        prob = self._probability(scores[None, :])[0]
        order = np.argsort(-scores, kind="stable")[:top]
        named = [dict(zip(FEATURES, row.tolist(), strict=True)) for row in feats]
        return [Candidate(self.target_ids[i], float(scores[i]), float(prob[i]), named[i]) for i in order]


# ---------------------------------------------------------------------------------------------------------
# Relationship types.

RELATIONS = (Relationship.EQUAL, Relationship.SUBSET_OF, Relationship.SUPERSET_OF, Relationship.INTERSECTS)
# fmt: off
RELATION_FEATURES = (
    "cosine", "source_covered", "target_covered", "length_ratio", "shared_words",
    *(f"source_view_{r.value}" for r in RELATIONS), "source_degree",
    *(f"target_view_{r.value}" for r in RELATIONS), "target_degree",
)
# fmt: on
_SMOOTHING = 2.0


@dataclass(frozen=True)
class TypedPair:
    """A typed mapping `source relationship target` between two requirements (ids and texts).

    `group` is the mapping set it belongs to: when fitting, a pair's own group never counts as
    evidence about it."""

    source: str
    target: str
    source_text: str
    target_text: str
    relationship: Relationship
    group: str = ""


def pair_features(cosine: float, source_text: str, target_text: str) -> list[float]:
    """Similarity features of one (source, target) pair: cosine, word coverage both ways, lengths."""
    s, t = set(words(source_text)), set(words(target_text))
    shared = len(s & t)
    return [
        cosine,
        shared / max(len(s), 1),
        shared / max(len(t), 1),
        math.log((len(s) + 1) / (len(t) + 1)),
        math.log1p(shared),
    ]


class RelationshipClassifier:
    """Multinomial logistic regression over `RELATIONS` for a (source, target) pair.

    Evidence: pair similarities and, from the mapping graph, each end's *view*: how the requirement
    relates to the others it is mapped to (`source_view_subset_of` high: the source is usually the
    narrower side). Probabilities are fitted without class weights, so they stay calibrated; the
    decision divides them by the class prior to the power `alpha` (fitted for macro-F1 by
    `fit`), which lifts the rare types against `intersects`."""

    def __init__(self, l2: float = 1.0, alpha: float = 0.5) -> None:
        self.l2, self.alpha = l2, alpha
        self.weights: FloatArray = np.zeros((len(RELATIONS), len(RELATION_FEATURES) + 1))
        self.class_prior = np.full(len(RELATIONS), 1.0 / len(RELATIONS))
        self._views: dict[str, Counter[int]] = {}
        self._group_views: dict[tuple[str, str], Counter[int]] = {}
        self._base = np.full(len(RELATIONS), 1.0 / len(RELATIONS))

    def learn_graph(self, pairs: Iterable[TypedPair]) -> None:
        """Count each requirement's view of its known mappings (the inverse type for the target end)."""
        views: dict[str, Counter[int]] = defaultdict(Counter)
        group_views: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
        seen: set[tuple[str, str]] = set()
        for pair in pairs:
            if pair.relationship not in RELATIONS:
                continue
            for node, other, rel in (
                (pair.source, pair.target, pair.relationship),
                (pair.target, pair.source, pair.relationship.inverse),
            ):
                if (node, other) in seen:
                    continue
                seen.add((node, other))
                views[node][RELATIONS.index(rel)] += 1
                group_views[(node, pair.group)][RELATIONS.index(rel)] += 1
        total = Counter[int]()
        for view in views.values():
            total.update(view)
        base = np.array([total[i] + 1.0 for i in range(len(RELATIONS))])
        self._base = base / base.sum()
        self._views, self._group_views = dict(views), dict(group_views)

    def _view(self, node: str, exclude_group: str | None) -> list[float]:
        counts = self._views.get(node, Counter())
        if exclude_group is not None:
            counts = counts - self._group_views.get((node, exclude_group), Counter())
        n = sum(counts.values())
        mix = [(counts[i] + _SMOOTHING * self._base[i]) / (n + _SMOOTHING) for i in range(len(RELATIONS))]
        return [*mix, math.log1p(n)]

    def rows(
        self, pairs: Sequence[TypedPair], cosines: Sequence[float], *, exclude_own_group: bool
    ) -> FloatArray:
        """The feature rows of `pairs` (their labels unused); fitting excludes each pair's own group."""
        out = []
        for pair, cosine in zip(pairs, cosines, strict=True):
            group = pair.group if exclude_own_group else None
            source_view = self._view(pair.source, group)
            target_view = self._view(pair.target, group)
            out.append(
                [*pair_features(cosine, pair.source_text, pair.target_text), *source_view, *target_view]
            )
        return np.array(out, dtype=np.float64).reshape(len(out), len(RELATION_FEATURES))

    def fit_rows(self, x: FloatArray, y: NDArray[np.intp]) -> RelationshipClassifier:
        n, c = len(x), len(RELATIONS)
        f = x.shape[1] + 1
        xb = np.hstack([x, np.ones((n, 1))])
        design = np.zeros((n * c, c * f))
        for k in range(c):
            design[k::c, k * f : (k + 1) * f] = xb
        labels = np.zeros(n * c)
        labels[np.arange(n) * c + y] = 1.0
        self.weights = fit_choice_model(design, labels, np.arange(0, n * c, c), l2=self.l2).reshape(c, f)
        counts = np.bincount(y, minlength=c) + 1.0
        self.class_prior = counts / counts.sum()
        return self

    def fit(
        self,
        pairs: Sequence[TypedPair],
        cosines: Sequence[float],
        alphas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    ) -> RelationshipClassifier:
        """Learn the graph from `pairs` and fit on them, each row without its own group's evidence;
        `alpha` is chosen for macro-F1 by leave-one-group-out over the pairs' groups."""
        self.learn_graph(pairs)
        x = self.rows(pairs, cosines, exclude_own_group=True)
        y = np.array([RELATIONS.index(p.relationship) for p in pairs], dtype=np.intp)
        groups = np.array([p.group for p in pairs])
        held: list[tuple[NDArray[np.intp], FloatArray, FloatArray]] = []
        for g in np.unique(groups):
            test = groups == g
            if test.all():
                continue
            inner = RelationshipClassifier(self.l2).fit_rows(x[~test], y[~test])
            held.append((np.flatnonzero(test), inner.probabilities(x[test]), inner.class_prior))
        if held:
            truth = y[np.concatenate([h[0] for h in held])]

            def score(alpha: float) -> float:
                guess = np.concatenate(
                    [np.argmax(p / prior[None, :] ** alpha, axis=1) for _, p, prior in held]
                )
                return macro_f1(truth, guess, len(RELATIONS))

            self.alpha = float(max(alphas, key=score))
        return self.fit_rows(x, y)

    def probabilities(self, rows: FloatArray) -> FloatArray:
        logits = np.hstack([rows, np.ones((len(rows), 1))]) @ self.weights.T
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def predict(
        self, pairs: Sequence[TypedPair], cosines: Sequence[float]
    ) -> tuple[list[Relationship], FloatArray]:
        """The proposed type of each pair (its `relationship` is ignored) and all type probabilities."""
        p = self.probabilities(self.rows(pairs, cosines, exclude_own_group=False))
        decision = np.argmax(p / self.class_prior[None, :] ** self.alpha, axis=1)
        return [RELATIONS[i] for i in decision], p

    def propose(
        self, source: str, target: str, source_text: str, target_text: str, cosine: float
    ) -> tuple[Relationship, float]:
        """The proposed type of `source ? target` and its calibrated probability."""
        pair = TypedPair(source, target, source_text, target_text, Relationship.INTERSECTS)
        (relationship,), p = self.predict([pair], [cosine])
        return relationship, float(p[0, RELATIONS.index(relationship)])


def macro_f1(y_true: NDArray[np.intp], y_pred: NDArray[np.intp], n_classes: int) -> float:
    """Mean F1 over the classes that occur in `y_true` or `y_pred`."""
    scores = []
    for c in range(n_classes):
        tp = int(np.sum((y_true == c) & (y_pred == c)))
        fp = int(np.sum((y_true != c) & (y_pred == c)))
        fn = int(np.sum((y_true == c) & (y_pred != c)))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0
