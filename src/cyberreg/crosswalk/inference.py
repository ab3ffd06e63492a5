"""Inference over a graph of typed mappings between requirements.

Nodes are requirement ids; each pair carries the intersection of what its mappings say. A joint
group (mappings sharing a `joint` id) adds a virtual node for the union of its sources. Queries
compose relations along paths of up to `max_hops` hops (`closure`, `infer`, `coverage`); small
graphs can be closed fully by path consistency (`path_consistency`); `contradictions` reports
curated data that cannot all be true. Results depend only on the set of edges, not their order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from cyberreg.crosswalk.algebra import (
    ALL,
    CONVERSE,
    EQ,
    NO_HOPS,
    POPCOUNT,
    PP,
    PPI,
    Entry,
    Goal,
    Groups,
    RelSet,
    compose_path,
    format_relset,
    from_relationship,
    minimal_refuted_core,
    relationships,
    search_paths,
    to_relationship,
)
from cyberreg.crosswalk.algebra import path_consistency as _close
from cyberreg.model.mapping import Mapping, Relationship, ReviewState

DEFAULT_MAX_HOPS = 3
DEFAULT_MAX_COMPONENT = 64  # full path consistency is cubic; larger components get path checks only
JOINT_PREFIX = "joint::"  # cannot collide with a requirement id (a ref never starts with ':')
JOINT_PROVENANCE = "joint-member"  # the hop from a member to its group's union holds by definition
MAX_STRENGTH = 10
COVERS: RelSet = EQ | PPI  # `held COVERS target`: meeting the held requirement meets the target
_UNKNOWN = -1  # a strength of None ranks below every known strength
_GOAL_CACHE_SIZE = 16
_MAX_RENDERED_PATHS = 20


@dataclass(frozen=True, slots=True)
class Edge:
    """One curated mapping, `source relationship target`, independent of the database."""

    source: str
    target: str
    relationship: Relationship
    provenance: str = ""
    strength: int | None = None
    key: tuple[str, ...] = ()  # the mapping's key; defaults to (source, target, provenance)
    joint: str | None = None
    joint_relationship: Relationship | None = None

    def __post_init__(self) -> None:
        if self.source == self.target:
            raise ValueError(f"an edge needs two different nodes: {self.source!r}")
        if (self.joint is None) != (self.joint_relationship is None):
            raise ValueError("`joint` and `joint_relationship` go together")
        object.__setattr__(self, "relationship", Relationship(self.relationship))
        if self.joint_relationship is not None:
            object.__setattr__(self, "joint_relationship", Relationship(self.joint_relationship))
        if not self.key:
            object.__setattr__(self, "key", (self.source, self.target, self.provenance))

    @property
    def sort_key(self) -> tuple[str, str, str, str, int, tuple[str, ...], str, str]:
        return (
            self.source,
            self.target,
            self.relationship.value,
            self.provenance,
            _strength_code(self.strength),
            self.key,
            self.joint or "",
            self.joint_relationship.value if self.joint_relationship else "",
        )


def edges_from_mappings(
    mappings: Iterable[Mapping], *, review_states: Collection[ReviewState] = (ReviewState.ACCEPTED,)
) -> list[Edge]:
    """Engine edges for the mappings in the given review states (curated ones by default)."""
    return [
        Edge(
            source=m.source,
            target=m.target,
            relationship=m.relationship,
            provenance=m.provenance.value,
            strength=m.strength,
            key=m.key,
            joint=m.joint,
            joint_relationship=m.joint_relationship,
        )
        for m in mappings
        if m.review_state in review_states
    ]


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path: what the graph knows about `source ? target`, and from which edges."""

    source: str
    target: str
    relation: RelSet
    strength: int | None
    provenance: str
    edges: tuple[Edge, ...]

    @property
    def relationship(self) -> Relationship | None:
        """The single relationship, or None when the hop only narrows it to several."""
        return to_relationship(self.relation) if POPCOUNT[self.relation] == 1 else None

    def as_tuple(self) -> tuple[str, str, str, str]:
        rel = self.relationship
        return (self.source, rel.value if rel else format_relset(self.relation), self.target, self.provenance)


@dataclass(frozen=True, slots=True)
class Derivation:
    """A path and what it establishes on its own: the composition of its hops."""

    hops: tuple[Hop, ...]
    relation: RelSet
    min_strength: int | None  # the weakest hop; None when any hop's strength is unknown

    @property
    def source(self) -> str:
        return self.hops[0].source

    @property
    def target(self) -> str:
        return self.hops[-1].target

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.hops[0].source, *(hop.target for hop in self.hops))

    def as_tuples(self) -> list[tuple[str, str, str, str]]:
        """[(source, relationship, target, provenance), ...]."""
        return [hop.as_tuple() for hop in self.hops]


@dataclass(frozen=True, slots=True)
class JointGroup:
    """Mappings that hold only together; `node` is the virtual node for the union of `members`."""

    id: str
    node: str
    members: tuple[str, ...]
    targets: tuple[str, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Paths between `source` and `target` that cannot all hold.

    kind: "pair" (mappings on one pair disagree), "paths" (the paths' relations do not intersect)
    or "network" (a minimal set of pairs that path consistency refutes; the paths list them).
    """

    source: str
    target: str
    kind: str
    paths: tuple[Derivation, ...]

    @property
    def edges(self) -> tuple[Edge, ...]:
        unique = {edge for path in self.paths for hop in path.hops for edge in hop.edges}
        return tuple(sorted(unique, key=lambda e: e.sort_key))

    @property
    def suspect(self) -> Edge:
        """The weakest edge involved: the first to review."""
        return min(self.edges, key=lambda e: (_strength_code(e.strength), e.sort_key))


class Inference:
    """What the paths found say about `source ? target`; derivations are built on demand."""

    def __init__(self, graph: MappingGraph, source: int, target: int, entries: list[Entry]) -> None:
        self._graph = graph
        self._unsorted = entries
        self.source = graph.nodes[source]
        self.target = graph.nodes[target]
        relation = ALL
        for mask, _, _ in entries:
            relation &= mask
        self.relation: RelSet = relation  # the intersection over all paths found

    @cached_property
    def _entries(self) -> list[Entry]:
        return sorted(self._unsorted, key=_rank)

    def __repr__(self) -> str:
        return f"Inference({self.source!r} {format_relset(self.relation)} {self.target!r})"

    @property
    def contradictory(self) -> bool:
        return self.relation == 0

    @property
    def relationships(self) -> frozenset[Relationship]:
        return relationships(self.relation)

    @property
    def direct(self) -> bool:
        """True when a curated mapping links the pair itself."""
        return any(len(path) == 2 for _, _, path in self._unsorted)

    @cached_property
    def best(self) -> Derivation:
        """The single path that establishes the most (then fewest hops, strongest, path ids)."""
        return self._graph._derivation(self._entries[0])

    @cached_property
    def support(self) -> tuple[Derivation, ...]:
        """A few paths, best first, whose relations intersect to exactly `relation`."""
        chosen = [self._entries[0]]
        current = chosen[0][0]
        while current != self.relation:
            pick = min(self._entries, key=lambda e: (POPCOUNT[current & e[0]], _rank(e)))
            chosen.append(pick)
            current &= pick[0]
        return tuple(self._graph._derivation(entry) for entry in chosen)

    @cached_property
    def derivations(self) -> tuple[Derivation, ...]:
        """Every path kept by the search (dominated paths are dropped), best first."""
        return tuple(self._graph._derivation(entry) for entry in self._entries)


@dataclass
class _Pair:
    relation: RelSet  # low index -> high index
    contributions: list[tuple[RelSet, Edge, str]]  # (relation low -> high, edge, provenance)
    strength: int = _UNKNOWN


class MappingGraph:
    """An immutable graph of edges (plus joint groups), indexed for fast bounded inference."""

    def __init__(self, edges: Iterable[Edge]) -> None:
        unique = sorted(set(edges), key=lambda e: e.sort_key)
        groups: dict[str, list[Edge]] = {}
        for edge in unique:
            if edge.joint is not None:
                groups.setdefault(edge.joint, []).append(edge)
        self.joint_groups: dict[str, JointGroup] = {
            gid: JointGroup(
                id=gid,
                node=JOINT_PREFIX + gid,
                members=tuple(sorted({e.source for e in group})),
                targets=tuple(sorted({e.target for e in group})),
                edges=tuple(group),
            )
            for gid, group in sorted(groups.items())
        }
        ids = {e.source for e in unique} | {e.target for e in unique}
        ids |= {g.node for g in self.joint_groups.values()}
        self.nodes: tuple[str, ...] = tuple(sorted(ids))
        self._index = {node: i for i, node in enumerate(self.nodes)}
        self._pairs: dict[tuple[int, int], _Pair] = {}
        for edge in unique:
            self._add(edge.source, edge.target, from_relationship(edge.relationship), edge, edge.provenance)
            if edge.joint is not None and edge.joint_relationship is not None:
                node = JOINT_PREFIX + edge.joint
                self._add(edge.source, node, EQ | PP, edge, JOINT_PROVENANCE)
                joint_rel = from_relationship(edge.joint_relationship)
                self._add(node, edge.target, joint_rel, edge, edge.provenance)
        self._adj: list[list[tuple[int, RelSet, int]]] = [[] for _ in self.nodes]
        for (i, j), pair in sorted(self._pairs.items()):
            pair.strength = _hop_strength(pair)
            if pair.relation:  # pairs that contradict themselves are reported, not searched
                self._adj[i].append((j, pair.relation, pair.strength))
                self._adj[j].append((i, CONVERSE[pair.relation], pair.strength))
        # The search walks neighbours grouped by relation, so that a whole group whose
        # composition would know nothing (PO after PO, in intersects-heavy corpora) is skipped.
        self._groups: list[Groups] = []
        for row in self._adj:
            row.sort()
            by_rel: dict[RelSet, dict[int, int]] = {}
            for w, rel, strength in row:
                by_rel.setdefault(rel, {})[w] = strength
            self._groups.append(sorted(by_rel.items()))
        self._hops: dict[tuple[int, int], Hop] = {}
        self._goal_cache: dict[frozenset[int], Goal] = {}

    @classmethod
    def from_mappings(
        cls, mappings: Iterable[Mapping], *, review_states: Collection[ReviewState] = (ReviewState.ACCEPTED,)
    ) -> MappingGraph:
        return cls(edges_from_mappings(mappings, review_states=review_states))

    def _add(self, source: str, target: str, relation: RelSet, edge: Edge, provenance: str) -> None:
        i, j = self._index[source], self._index[target]
        if i > j:
            i, j, relation = j, i, CONVERSE[relation]
        pair = self._pairs.get((i, j))
        if pair is None:
            self._pairs[(i, j)] = _Pair(relation, [(relation, edge, provenance)])
        else:
            pair.relation &= relation
            pair.contributions.append((relation, edge, provenance))

    # --- lookups -------------------------------------------------------------------------------

    def __contains__(self, node: object) -> bool:
        return node in self._index

    def constraint(self, source: str, target: str) -> RelSet:
        """What the mappings on this very pair say (ALL when there are none)."""
        i, j = self._index.get(source), self._index.get(target)
        if i is None or j is None or i == j:
            return EQ if source == target else ALL
        pair = self._pairs.get((min(i, j), max(i, j)))
        if pair is None:
            return ALL
        return pair.relation if i < j else CONVERSE[pair.relation]

    def edges_between(self, a: str, b: str) -> tuple[Edge, ...]:
        i, j = self._index.get(a), self._index.get(b)
        pair = None if i is None or j is None else self._pairs.get((min(i, j), max(i, j)))
        return tuple(edge for _, edge, _ in pair.contributions) if pair else ()

    def neighbours(self, node: str) -> list[tuple[str, RelSet]]:
        i = self._index.get(node)
        return [] if i is None else [(self.nodes[w], rel) for w, rel, _ in self._adj[i]]

    def components(self) -> list[tuple[str, ...]]:
        """Connected components (of pairs that are not self-contradictory), largest first."""
        return [tuple(self.nodes[i] for i in comp) for comp in self._components()]

    # --- joint groups --------------------------------------------------------------------------

    def satisfied_joints(self, held: Iterable[str]) -> list[JointGroup]:
        """The joint groups all of whose members are held."""
        have = set(held)
        return [g for g in self.joint_groups.values() if have.issuperset(g.members)]

    def expand_held(self, held: Iterable[str]) -> set[str]:
        """The held requirements plus the virtual nodes of every joint group they complete."""
        have = set(held)
        return have | {g.node for g in self.satisfied_joints(have)}

    # --- bounded inference ---------------------------------------------------------------------

    def closure(
        self,
        sources: Iterable[str],
        targets: Iterable[str] | None = None,
        *,
        max_hops: int = DEFAULT_MAX_HOPS,
    ) -> dict[tuple[str, str], Inference]:
        """Inferences from each source to each target (all nodes when None) along paths of up to
        `max_hops` hops. Pairs with nothing informative (ALL) are omitted; unknown ids are ignored."""
        if max_hops < 1:
            raise ValueError("max_hops must be at least 1")
        src = sorted({self._index[s] for s in sources if s in self._index})
        tgt = None if targets is None else {self._index[t] for t in targets if t in self._index}
        if tgt is not None and not tgt:
            return {}
        goal = None if tgt is None else self._goal(tgt)
        out: dict[tuple[str, str], Inference] = {}
        for s in src:
            kept = search_paths(self._groups, s, max_hops, goal)
            for t in sorted(kept if tgt is None else tgt.intersection(kept)):
                if t != s:
                    out[(self.nodes[s], self.nodes[t])] = Inference(self, s, t, kept[t])
        return out

    def infer(self, source: str, target: str, *, max_hops: int = DEFAULT_MAX_HOPS) -> Inference | None:
        """What paths of up to `max_hops` hops say about `source ? target` (None: nothing)."""
        return self.closure([source], [target], max_hops=max_hops).get((source, target))

    def coverage(
        self, held: Iterable[str], targets: Iterable[str], *, max_hops: int = DEFAULT_MAX_HOPS
    ) -> dict[str, Inference]:
        """For each target covered by a held requirement (or a completed joint group), the best
        inference that shows `held ⊇ target`. Targets that are themselves held are not listed."""
        found: dict[str, Inference] = {}
        for (_, target), inf in self.closure(self.expand_held(held), targets, max_hops=max_hops).items():
            if inf.relation and not inf.relation & ~COVERS:
                old = found.get(target)
                if old is None or _inference_rank(inf) < _inference_rank(old):
                    found[target] = inf
        return dict(sorted(found.items()))

    def _goal(self, targets: set[int], *, cache: bool = True) -> Goal:
        """The backward step from the targets. It costs their total degree (large for hub
        frameworks), so the goals of recent queries are kept."""
        key = frozenset(targets)
        goal = self._goal_cache.pop(key, None)
        if goal is None:
            into: dict[int, int] = {}
            last: dict[int, list[tuple[int, RelSet, int]]] = {}
            for t in key:
                for w, rel, strength in self._adj[t]:
                    rel = CONVERSE[rel]
                    into[w] = into.get(w, 0) | 1 << rel
                    last.setdefault(w, []).append((t, rel, strength))
            goal = (set(key), into, last, set(key).union(into))
        if cache:
            if len(self._goal_cache) >= _GOAL_CACHE_SIZE:
                del self._goal_cache[next(iter(self._goal_cache))]
            self._goal_cache[key] = goal
        return goal

    # --- derivations ---------------------------------------------------------------------------

    def _hop(self, v: int, w: int) -> Hop:
        hop = self._hops.get((v, w))
        if hop is None:
            pair = self._pairs[(min(v, w), max(v, w))]
            provenance = "+".join(sorted({p for _, _, p in pair.contributions}))
            hop = Hop(
                source=self.nodes[v],
                target=self.nodes[w],
                relation=pair.relation if v < w else CONVERSE[pair.relation],
                strength=_strength_value(pair.strength),
                provenance=provenance,
                edges=tuple(edge for _, edge, _ in pair.contributions),
            )
            self._hops[(v, w)] = hop
        return hop

    def _derivation(self, entry: Entry) -> Derivation:
        mask, strength, path = entry
        hops = tuple(self._hop(path[k], path[k + 1]) for k in range(len(path) - 1))
        return Derivation(hops=hops, relation=mask, min_strength=_strength_value(strength))

    def _path_derivation(self, path: tuple[int, ...]) -> Derivation:
        hops = [self._hop(path[k], path[k + 1]) for k in range(len(path) - 1)]
        strength = min(_strength_code(h.strength) for h in hops)
        return self._derivation((compose_path(h.relation for h in hops), strength, path))

    # --- path consistency and contradictions ---------------------------------------------------

    def path_consistency(
        self, nodes: Iterable[str] | None = None, *, max_nodes: int = 500
    ) -> PathConsistency:
        """Full path consistency (PC-2) over the given nodes (all when None) and the pairs
        between them. Cubic in the number of nodes, hence `max_nodes`."""
        idx = sorted({self._index[n] for n in nodes if n in self._index}) if nodes is not None else None
        members = idx if idx is not None else list(range(len(self.nodes)))
        if len(members) > max_nodes:
            raise ValueError(f"{len(members)} nodes is over max_nodes={max_nodes}; use closure()")
        local = {g: k for k, g in enumerate(members)}
        constraints = [
            (local[i], local[j], pair.relation)
            for (i, j), pair in sorted(self._pairs.items())
            if i in local and j in local
        ]
        matrix, conflict, _ = _close(len(members), constraints)
        names = tuple(self.nodes[g] for g in members)
        pair_names = None if conflict is None else (names[conflict[0]], names[conflict[1]])
        return PathConsistency(names, matrix, pair_names)

    def contradictions(
        self, *, max_hops: int = DEFAULT_MAX_HOPS, max_component: int = DEFAULT_MAX_COMPONENT
    ) -> list[Contradiction]:
        """Curated data that cannot all be true: pairs whose mappings disagree, paths of up to
        `max_hops` hops that contradict a pair's mappings, and (in components of up to
        `max_component` nodes with neither) a minimal set of pairs that path consistency refutes."""
        found: dict[frozenset[tuple[str, ...]], Contradiction] = {}

        def report(c: Contradiction) -> None:
            found.setdefault(frozenset(e.key for e in c.edges), c)

        for (i, j), pair in sorted(self._pairs.items()):
            if not pair.relation:
                paths = tuple(self._contribution_path(i, j, c) for c in pair.contributions)
                report(Contradiction(self.nodes[i], self.nodes[j], "pair", paths))
        flagged: set[int] = set()
        for s in range(len(self.nodes)):
            later = [w for w, _, _ in self._adj[s] if w > s]
            if not later:
                continue
            kept = search_paths(self._groups, s, max_hops, self._goal(set(later), cache=False))
            for t in later:
                inf = Inference(self, s, t, kept[t])
                if inf.contradictory:
                    report(Contradiction(inf.source, inf.target, "paths", inf.support))
                    flagged.update(self._index[n] for d in inf.support for n in d.nodes)
        for comp in self._components():
            if len(comp) <= max_component and flagged.isdisjoint(comp):
                contradiction = self._network_contradiction(comp)
                if contradiction is not None:
                    report(contradiction)
        return sorted(
            found.values(), key=lambda c: (c.source, c.target, c.kind, [e.sort_key for e in c.edges])
        )

    def _contribution_path(self, i: int, j: int, contribution: tuple[RelSet, Edge, str]) -> Derivation:
        relation, edge, provenance = contribution
        strength = MAX_STRENGTH if provenance == JOINT_PROVENANCE else edge.strength
        hop = Hop(self.nodes[i], self.nodes[j], relation, strength, provenance, (edge,))
        return Derivation((hop,), relation, strength)

    def _components(self) -> list[list[int]]:
        seen = [False] * len(self.nodes)
        comps: list[list[int]] = []
        for start in range(len(self.nodes)):
            if seen[start] or not self._adj[start]:
                continue
            seen[start] = True
            comp, queue = [start], deque([start])
            while queue:
                for w, _, _ in self._adj[queue.popleft()]:
                    if not seen[w]:
                        seen[w] = True
                        comp.append(w)
                        queue.append(w)
            comps.append(sorted(comp))
        return sorted(comps, key=lambda c: (-len(c), c[0]))

    def _network_contradiction(self, comp: list[int]) -> Contradiction | None:
        pairs = [(i, j) for i in comp for j, _, _ in self._adj[i] if j > i]
        core = minimal_refuted_core([(i, j, self._pairs[(i, j)].relation) for i, j in sorted(pairs)])
        if core is None:
            return None
        # Show the contradiction between the weakest pair's ends: that pair, and the paths around it.
        i, j = min(core, key=lambda p: (self._pairs[p].strength, p))
        rest: dict[int, list[int]] = {}
        for a, b in core:
            if (a, b) != (i, j):
                rest.setdefault(a, []).append(b)
                rest.setdefault(b, []).append(a)
        paths = [(i, j), *sorted(_simple_paths(rest, i, j))[:_MAX_RENDERED_PATHS]]
        derivations = tuple(self._path_derivation(p) for p in paths)
        return Contradiction(self.nodes[i], self.nodes[j], "network", derivations)


class PathConsistency:
    """The path-consistent closure of a small graph: a refined relation for every pair."""

    def __init__(self, nodes: tuple[str, ...], matrix: list[list[RelSet]], conflict: tuple[str, str] | None):
        self.nodes = nodes
        self._index = {n: k for k, n in enumerate(nodes)}
        self._matrix = matrix
        self.conflict = conflict  # a pair whose set became empty, when inconsistent

    @property
    def consistent(self) -> bool:
        return self.conflict is None

    def relation(self, source: str, target: str) -> RelSet:
        if not self.consistent:
            return 0
        i, j = self._index.get(source), self._index.get(target)
        if i is None or j is None:
            return EQ if source == target else ALL
        return self._matrix[i][j]

    def pairs(self) -> Iterator[tuple[str, str, RelSet]]:
        """(source, target, relation) for source < target wherever something is known; nothing
        when inconsistent (see `MappingGraph.contradictions`)."""
        if not self.consistent:
            return
        for i, row in enumerate(self._matrix):
            for j in range(i + 1, len(row)):
                if row[j] != ALL:
                    yield self.nodes[i], self.nodes[j], row[j]


# --- kernels -----------------------------------------------------------------------------------


def _simple_paths(adj: dict[int, list[int]], start: int, goal: int) -> Iterator[tuple[int, ...]]:
    stack: list[tuple[int, tuple[int, ...]]] = [(start, (start,))]
    while stack:
        node, path = stack.pop()
        for nxt in sorted(adj.get(node, ())):
            if nxt == goal:
                yield (*path, nxt)
            elif nxt not in path:
                stack.append((nxt, (*path, nxt)))


def _hop_strength(pair: _Pair) -> int:
    """The strongest mapping that alone establishes the pair's relation; else the weakest one."""
    codes = [
        MAX_STRENGTH if prov == JOINT_PROVENANCE else _strength_code(edge.strength)
        for _, edge, prov in pair.contributions
    ]
    rels = [rel for rel, _, _ in pair.contributions]
    alone = [code for rel, code in zip(rels, codes, strict=True) if rel == pair.relation]
    return max(alone) if alone else min(codes)


def _strength_code(strength: int | None) -> int:
    return _UNKNOWN if strength is None else strength


def _strength_value(code: int) -> int | None:
    return None if code in (_UNKNOWN, NO_HOPS) else code


def _rank(entry: Entry) -> tuple[int, int, int, tuple[int, ...]]:
    mask, strength, path = entry
    return (POPCOUNT[mask], len(path), -strength, path)


def _inference_rank(inf: Inference) -> tuple[int, int, int, str]:
    best = inf.best
    return (POPCOUNT[inf.relation], len(best.hops), -_strength_code(best.min_strength), inf.source)
