"""RCC-5 relation algebra over the NIST IR 8477 set relationships.

A requirement is read as a non-empty set (of what it asks). Between two such sets exactly one of
five base relations holds: EQ (equal), PP (proper part: subset_of), PPi (superset_of), PO (partial
overlap: intersects) and DR (disjoint: no_relationship). What we *know* about a pair is a set of
base relations, stored as a 5-bit mask (`RelSet`): 0 is a contradiction, `ALL` is no knowledge.
Also the kernels over integer constraint networks that inference builds on: path consistency
(PC-2) with a minimal refuted core, and a bounded, dominance-pruned path search.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Set

from cyberreg.model.mapping import Relationship

RelSet = int  # bit mask over the five base relations

EQ: RelSet = 1
PP: RelSet = 2
PPI: RelSet = 4
PO: RelSet = 8
DR: RelSet = 16
EMPTY: RelSet = 0
ALL: RelSet = EQ | PP | PPI | PO | DR
BASE: tuple[RelSet, ...] = (EQ, PP, PPI, PO, DR)

_NAMES = {EQ: "EQ", PP: "PP", PPI: "PPi", PO: "PO", DR: "DR"}

_FROM_RELATIONSHIP = {
    Relationship.EQUAL: EQ,
    Relationship.SUBSET_OF: PP,
    Relationship.SUPERSET_OF: PPI,
    Relationship.INTERSECTS: PO,
    Relationship.NO_RELATIONSHIP: DR,
}
_TO_RELATIONSHIP = {bit: rel for rel, bit in _FROM_RELATIONSHIP.items()}

_BASE_CONVERSE = {EQ: EQ, PP: PPI, PPI: PP, PO: PO, DR: DR}

# The RCC-5 composition table: a R1 b and b R2 c give a (R1 o R2) c. EQ rows and columns are
# the identity. tests/crosswalk/test_algebra.py re-derives every entry by brute force.
BASE_COMPOSITION: dict[tuple[RelSet, RelSet], RelSet] = {
    (PP, PP): PP,
    (PP, PPI): ALL,
    (PP, PO): DR | PO | PP,
    (PP, DR): DR,
    (PPI, PP): EQ | PP | PPI | PO,
    (PPI, PPI): PPI,
    (PPI, PO): PO | PPI,
    (PPI, DR): DR | PO | PPI,
    (PO, PP): PO | PP,
    (PO, PPI): DR | PO | PPI,
    (PO, PO): ALL,
    (PO, DR): DR | PO | PPI,
    (DR, PP): DR | PO | PP,
    (DR, PPI): DR,
    (DR, PO): DR | PO | PP,
    (DR, DR): ALL,
}
for _r in BASE:
    BASE_COMPOSITION[(EQ, _r)] = _r
    BASE_COMPOSITION[(_r, EQ)] = _r


def members(relset: RelSet) -> tuple[RelSet, ...]:
    """The base relations in a set, in the fixed order EQ, PP, PPi, PO, DR."""
    return tuple(bit for bit in BASE if relset & bit)


def _converse(relset: RelSet) -> RelSet:
    out = EMPTY
    for bit in members(relset):
        out |= _BASE_CONVERSE[bit]
    return out


def _compose(left: RelSet, right: RelSet) -> RelSet:
    out = EMPTY
    for a in members(left):
        for b in members(right):
            out |= BASE_COMPOSITION[(a, b)]
    return out


# Whole-set tables, so the hot path is a list index, not a loop.
CONVERSE: tuple[RelSet, ...] = tuple(_converse(s) for s in range(32))
COMPOSE: tuple[tuple[RelSet, ...], ...] = tuple(tuple(_compose(a, b) for b in range(32)) for a in range(32))
POPCOUNT: tuple[int, ...] = tuple(bin(s).count("1") for s in range(32))


def converse(relset: RelSet) -> RelSet:
    """What `b ? a` is when `a relset b`."""
    return CONVERSE[relset]


def compose(left: RelSet, right: RelSet) -> RelSet:
    """What `a ? c` can be when `a left b` and `b right c` (union over the members)."""
    return COMPOSE[left][right]


def compose_path(relsets: Iterable[RelSet]) -> RelSet:
    """Compose along a path; an empty path is EQ."""
    out = EQ
    for relset in relsets:
        out = COMPOSE[out][relset]
    return out


def size(relset: RelSet) -> int:
    return POPCOUNT[relset]


def is_singleton(relset: RelSet) -> bool:
    return POPCOUNT[relset] == 1


def from_relationship(relationship: Relationship) -> RelSet:
    return _FROM_RELATIONSHIP[Relationship(relationship)]


def to_relationship(base: RelSet) -> Relationship:
    """The Relationship for one base relation (ValueError for any other set)."""
    try:
        return _TO_RELATIONSHIP[base]
    except KeyError:
        raise ValueError(f"not a single base relation: {format_relset(base)}") from None


def relset(*relationships: Relationship | RelSet) -> RelSet:
    """A set from Relationships and/or masks: `relset(Relationship.EQUAL, PP)`."""
    out = EMPTY
    for item in relationships:
        out |= from_relationship(item) if isinstance(item, Relationship) else item
    return out


def relationships(relset: RelSet) -> frozenset[Relationship]:
    return frozenset(_TO_RELATIONSHIP[bit] for bit in members(relset))


def format_relset(relset: RelSet) -> str:
    """`{PP,PO}`; `{}` for a contradiction."""
    return "{" + ",".join(_NAMES[bit] for bit in members(relset)) + "}"


def relation_between(a: Set[object], b: Set[object]) -> RelSet:
    """The base relation between two non-empty finite sets (the model the algebra describes)."""
    if not a or not b:
        raise ValueError("RCC-5 relates non-empty sets only")
    if a == b:
        return EQ
    if a < b:
        return PP
    if a > b:
        return PPI
    return PO if a & b else DR


# --- constraint networks ----------------------------------------------------------------------


Constraint = tuple[int, int, RelSet]  # (i, j, relation of node i to node j)


def path_consistency(
    n: int, constraints: list[Constraint], *, track: bool = False
) -> tuple[list[list[RelSet]], tuple[int, int] | None, int]:
    """PC-2 over nodes 0..n-1: narrow every pair by composition through every third node until
    nothing changes. Returns the matrix, the first pair found empty (None when consistent) and,
    with `track`, a bit set of the constraints (by position) that emptiness was derived from."""
    matrix = [[ALL] * n for _ in range(n)]
    support = [[0] * n for _ in range(n)]
    for k in range(n):
        matrix[k][k] = EQ
    queue: deque[tuple[int, int]] = deque()
    queued: set[tuple[int, int]] = set()
    for bit, (i, j, rel) in enumerate(constraints):
        new = matrix[i][j] & rel
        matrix[i][j], matrix[j][i] = new, CONVERSE[new]
        if track:
            support[i][j] = support[j][i] = support[i][j] | (1 << bit)
        if not new:
            return matrix, (i, j), support[i][j]
        if (i, j) not in queued:
            queued.add((i, j))
            queue.append((i, j))

    def narrow(a: int, b: int, rel: RelSet, because: int) -> bool:
        """Intersect (a, b) with rel; queue it when it changed; True when it became empty."""
        new = matrix[a][b] & rel
        if new == matrix[a][b]:
            return False
        matrix[a][b], matrix[b][a] = new, CONVERSE[new]
        if track:
            support[a][b] = support[b][a] = support[a][b] | because
        key = (a, b) if a < b else (b, a)
        if key not in queued:
            queued.add(key)
            queue.append(key)
        return not new

    while queue:
        i, j = queue.popleft()
        queued.discard((i, j))
        row_i, row_j, via_ij = matrix[i], matrix[j], COMPOSE[matrix[i][j]]
        for k in range(n):
            if k in (i, j):
                continue
            through_j = via_ij[row_j[k]]
            if row_i[k] & through_j != row_i[k] and narrow(i, k, through_j, support[i][j] | support[j][k]):
                return matrix, (i, k), support[i][k]
            through_i = COMPOSE[matrix[k][i]][matrix[i][j]]
            if matrix[k][j] & through_i != matrix[k][j] and narrow(
                k, j, through_i, support[k][i] | support[i][j]
            ):
                return matrix, (k, j), support[k][j]
    return matrix, None, 0


def minimal_refuted_core(constraints: list[Constraint]) -> list[tuple[int, int]] | None:
    """A minimal set of constraints that path consistency refutes (as pairs), or None when it
    refutes none. Starts from the tracked support of the refutation, then drops by deletion."""

    def refuted(cons: list[Constraint], track: bool) -> tuple[bool, int]:
        nodes = sorted({x for i, j, _ in cons for x in (i, j)})
        local = {g: k for k, g in enumerate(nodes)}
        _, conflict, support = path_consistency(
            len(nodes), [(local[i], local[j], r) for i, j, r in cons], track=track
        )
        return conflict is not None, support

    bad, support = refuted(constraints, True)
    if not bad:
        return None
    core = [c for bit, c in enumerate(constraints) if support >> bit & 1]
    for candidate in list(core):  # deletion: drop whatever is not needed for the refutation
        trial = [c for c in core if c != candidate]
        if refuted(trial, False)[0]:
            core = trial
    return [(i, j) for i, j, _ in core]


# --- bounded path search ----------------------------------------------------------------------

NO_HOPS = 1 << 30  # the min strength code of the empty path (strength codes: -1 unknown, 0..10)
# An entry of the search: (relation from the source, min strength code, node indices of the path).
Entry = tuple[RelSet, int, tuple[int, ...]]
# Per node: (relation, {neighbour: hop strength code}) groups.
Groups = list[tuple[RelSet, dict[int, int]]]
# Query targets; for each node next to one, the relations into them (as bits 1 << relset) and
# its edges into them as (target, relation, hop strength code); targets and those nodes.
Goal = tuple[set[int], dict[int, int], dict[int, list[tuple[int, RelSet, int]]], set[int]]
# For each relation set m, the relation sets r (as bits 1 << r) with m o r not ALL.
_USEFUL = tuple(sum(1 << r for r in range(1, 32) if COMPOSE[m][r] != ALL) for m in range(32))


def search_paths(
    groups: list[Groups], source: int, max_hops: int, goal: Goal | None
) -> dict[int, list[Entry]]:
    """Paths from `source`, level by level, keeping per node only undominated entries.

    An entry (m', s', p') dominates (m, s, p) when m' ⊆ m, p' has no more hops, s' >= s and, at
    equal length, p' <= p. Any extension of the dominated path is then matched by the same
    extension of the dominating one, so the intersection over paths and the best derivation are
    unchanged. With a `goal`, the last hop follows only edges into a target, and the one before
    only reaches targets or nodes with an edge into one that composes informatively.
    """
    targets, into, last, approach = goal if goal is not None else (set(), {}, {}, set())
    kept: dict[int, list[Entry]] = {source: [(EQ, NO_HOPS, (source,))]}
    # One hop: each neighbour once, nothing to dominate; a goal with max_hops 1 wants targets only.
    frontier: list[Entry] = []
    for rel, neighbours in groups[source]:
        useful = _USEFUL[rel]
        for w, strength in neighbours.items():
            if goal is None or max_hops > 2 or w in targets or (max_hops == 2 and into.get(w, 0) & useful):
                one: Entry = (rel, strength, (source, w))
                kept[w] = [one]
                frontier.append(one)
    for level in range(2, max_hops + 1):
        remaining = max_hops - level
        final = goal is not None and remaining == 0
        filtered = goal is not None and remaining == 1
        candidates: list[tuple[int, int, tuple[int, ...], RelSet]] = []
        for mask, strength, path in frontier:
            row = COMPOSE[mask]
            if final:
                for w, rel, hop_strength in last.get(path[-1], ()):
                    new = row[rel]
                    if new != ALL:
                        candidates.append((POPCOUNT[new], -min(strength, hop_strength), (*path, w), new))
                continue
            for rel, neighbours in groups[path[-1]]:
                new = row[rel]
                if new == ALL:  # knows nothing; and ALL composed with anything stays ALL
                    continue
                size = POPCOUNT[new]
                if not filtered:
                    for w, hop_strength in neighbours.items():
                        candidates.append((size, -min(strength, hop_strength), (*path, w), new))
                    continue
                useful = _USEFUL[new]
                for w in neighbours.keys() & approach:  # C-speed: hubs have hundreds of neighbours
                    if w in targets or into[w] & useful:
                        candidates.append((size, -min(strength, neighbours[w]), (*path, w), new))
        candidates.sort()  # dominating entries sort first within a level
        frontier = []
        for _, neg_strength, path, new in candidates:
            w = path[-1]
            entries = kept.get(w)
            entry: Entry = (new, -neg_strength, path)
            if entries is None:
                kept[w] = [entry]
            else:
                for m, s, p in entries:
                    if not m & ~new and s >= -neg_strength and (len(p) < len(path) or p <= path):
                        break
                else:
                    entries.append(entry)
                    frontier.append(entry)
                continue
            frontier.append(entry)
        if not frontier:
            break
    return kept
