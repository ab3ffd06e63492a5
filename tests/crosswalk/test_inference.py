import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberreg.crosswalk.algebra import (
    ALL,
    BASE,
    DR,
    EQ,
    PO,
    POPCOUNT,
    PP,
    PPI,
    compose,
    compose_path,
    converse,
    is_singleton,
    relation_between,
    to_relationship,
)
from cyberreg.crosswalk.inference import (
    JOINT_PREFIX,
    Edge,
    MappingGraph,
    edges_from_mappings,
)
from cyberreg.model import Mapping, Provenance, Relationship, ReviewState

REL = {
    "=": Relationship.EQUAL,
    "<": Relationship.SUBSET_OF,
    ">": Relationship.SUPERSET_OF,
    "o": Relationship.INTERSECTS,
    "|": Relationship.NO_RELATIONSHIP,
}


def e(source: str, rel: str, target: str, strength: int | None = 5, provenance: str = "expert") -> Edge:
    return Edge(source, target, REL[rel], provenance, strength)


def graph(*edges: Edge) -> MappingGraph:
    return MappingGraph(edges)


# --- bounded inference -------------------------------------------------------------------------


def test_chain_composes_with_derivation() -> None:
    g = graph(e("a", "<", "b", 9), e("b", "<", "c", 4))
    inf = g.infer("a", "c")
    assert inf is not None and inf.relation == PP and not inf.direct
    assert inf.relationships == {Relationship.SUBSET_OF}
    assert inf.best.nodes == ("a", "b", "c")
    assert inf.best.min_strength == 4
    assert inf.best.as_tuples() == [("a", "subset_of", "b", "expert"), ("b", "subset_of", "c", "expert")]
    back = g.infer("c", "a")
    assert back is not None and back.relation == PPI
    assert back.best.as_tuples() == [("c", "superset_of", "b", "expert"), ("b", "superset_of", "a", "expert")]
    assert g.infer("a", "c", max_hops=1) is None
    with pytest.raises(ValueError, match="max_hops"):
        g.infer("a", "c", max_hops=0)
    assert g.infer("a", "nowhere") is None


def test_paths_intersect_and_support_explains_it() -> None:
    g = graph(e("a", "<", "x"), e("x", "o", "c"), e("a", ">", "y"), e("y", "<", "c"))
    inf = g.infer("a", "c")
    assert inf is not None
    assert inf.relation == PO | PP  # {DR,PO,PP} from via x, {EQ,PP,PPi,PO} from via y
    assert inf.best.nodes == ("a", "x", "c") and inf.best.relation == DR | PO | PP
    assert [d.nodes for d in inf.support] == [("a", "x", "c"), ("a", "y", "c")]
    assert len(inf.derivations) == 2


def test_derivation_tie_breaks() -> None:
    # Same relation: fewer hops first, then the stronger weakest hop, then path ids.
    g = graph(e("a", "<", "c", 1), e("a", "<", "x", 10), e("x", "<", "c", 10))
    assert g.infer("a", "c").best.nodes == ("a", "c")  # type: ignore[union-attr]
    g = graph(e("a", "<", "y", 9), e("y", "<", "c", 9), e("a", "<", "b", 9), e("b", "<", "c", 3))
    assert g.infer("a", "c").best.nodes == ("a", "y", "c")  # type: ignore[union-attr]
    g = graph(e("a", "<", "y", 9), e("y", "<", "c", 9), e("a", "<", "b", 9), e("b", "<", "c", 9))
    assert g.infer("a", "c").best.nodes == ("a", "b", "c")  # type: ignore[union-attr]
    g = graph(e("a", "<", "b", None), e("b", "<", "c", 9))
    assert g.infer("a", "c").best.min_strength is None  # type: ignore[union-attr]


def test_mappings_on_one_pair_intersect() -> None:
    g = graph(e("a", "<", "b", 3), e("a", "<", "b", 8, "official"), e("b", "=", "c"))
    assert g.constraint("a", "b") == PP and g.constraint("b", "a") == PPI
    assert g.constraint("a", "zzz") == ALL and g.constraint("a", "a") == EQ
    assert len(g.edges_between("b", "a")) == 2
    hop = g.infer("a", "b").best.hops[0]  # type: ignore[union-attr]
    assert hop.strength == 8 and hop.provenance == "expert+official"
    assert dict(g.neighbours("b")) == {"a": PPI, "c": EQ}
    assert g.contradictions() == []


def test_closure_between_groups_and_order() -> None:
    g = graph(e("a:1", "<", "hub"), e("a:2", "=", "hub"), e("hub", "<", "b:1"), e("b:2", "|", "hub"))
    res = g.closure(["a:1", "a:2", "unknown"], ["b:1", "b:2"])
    assert list(res) == [("a:1", "b:1"), ("a:1", "b:2"), ("a:2", "b:1"), ("a:2", "b:2")]
    assert res[("a:1", "b:2")].relation == DR
    assert res[("a:2", "b:1")].relation == PP
    assert g.closure(["a:1"], ["nothing"]) == {}


def test_coverage_uses_superset_and_equal_only() -> None:
    g = graph(e("h", ">", "t1"), e("h", "o", "t2"), e("h", "=", "m"), e("m", ">", "t3"), e("h", "<", "t4"))
    cov = g.coverage(["h"], ["t1", "t2", "t3", "t4", "h"])
    assert sorted(cov) == ["t1", "t3"]
    assert cov["t3"].best.nodes == ("h", "m", "t3")


# --- joint groups ------------------------------------------------------------------------------


def _joint_graph() -> MappingGraph:
    def member(source: str) -> Edge:
        return Edge(
            source, "psti:1", Relationship.INTERSECTS, "official", 9, (), "sch2-1", Relationship.SUPERSET_OF
        )

    return graph(member("en:5.1-1"), member("en:5.1-2"), e("psti:1", ">", "other:x"))


def test_joint_group_is_a_virtual_node() -> None:
    g = _joint_graph()
    group = g.joint_groups["sch2-1"]
    assert group.node == JOINT_PREFIX + "sch2-1" and group.node in g
    assert group.members == ("en:5.1-1", "en:5.1-2") and group.targets == ("psti:1",)
    assert g.constraint("en:5.1-1", group.node) == EQ | PP
    assert g.constraint(group.node, "psti:1") == PPI
    assert g.satisfied_joints(["en:5.1-1"]) == []
    assert g.expand_held(["en:5.1-1", "en:5.1-2"]) == {"en:5.1-1", "en:5.1-2", group.node}
    hop = g.infer("en:5.1-1", group.node).best.hops[0]  # type: ignore[union-attr]
    assert hop.provenance == "joint-member" and hop.strength == 10


def test_joint_group_covers_only_when_complete() -> None:
    g = _joint_graph()
    assert g.coverage(["en:5.1-1"], ["psti:1", "other:x"]) == {}
    cov = g.coverage(["en:5.1-1", "en:5.1-2"], ["psti:1", "other:x"])
    assert sorted(cov) == ["other:x", "psti:1"]
    assert cov["other:x"].best.nodes == (JOINT_PREFIX + "sch2-1", "psti:1", "other:x")
    # A member alone only intersects: through the union nothing more follows.
    assert g.infer("en:5.1-1", "psti:1").relation == PO  # type: ignore[union-attr]


# --- adapter and validation --------------------------------------------------------------------


def test_edges_from_mappings() -> None:
    common = {"provenance": Provenance.IMPORTED, "strength": 7}
    mappings = [
        Mapping(source="etsi-en-303-645:5.1-1", target="uk-psti:sch1-1", relationship="intersects",
                joint="psti-sch2-1", joint_relationship="superset_of", **common),
        Mapping(source="etsi-en-303-645:5.1-2", target="uk-psti:sch1-1", relationship="equal",
                review_state=ReviewState.PROPOSED, **common),
    ]  # fmt: skip
    edges = edges_from_mappings(mappings)
    assert len(edges) == 1
    edge = edges[0]
    assert (
        edge.relationship is Relationship.INTERSECTS and edge.joint_relationship is Relationship.SUPERSET_OF
    )
    assert edge.key == mappings[0].key and edge.provenance == "imported" and edge.strength == 7
    assert len(edges_from_mappings(mappings, review_states=list(ReviewState))) == 2
    assert "joint::psti-sch2-1" in MappingGraph.from_mappings(mappings)


def test_edge_validation() -> None:
    assert Edge("a", "b", "equal").key == ("a", "b", "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two different"):
        Edge("a", "a", Relationship.EQUAL)
    with pytest.raises(ValueError, match="go together"):
        Edge("a", "b", Relationship.EQUAL, joint="j")


# --- consistency -------------------------------------------------------------------------------


def test_pair_contradiction() -> None:
    g = graph(e("a", "=", "b", 8), e("a", "|", "b", 2, "imported"), e("b", "<", "c"))
    assert g.constraint("a", "b") == 0
    assert g.infer("a", "b") is None  # a self-contradictory pair is not searched through
    [c] = g.contradictions()
    assert (c.source, c.target, c.kind) == ("a", "b", "pair")
    assert sorted(p.relation for p in c.paths) == [EQ, DR]
    assert c.suspect.relationship is Relationship.NO_RELATIONSHIP


def test_path_contradiction() -> None:
    g = graph(e("a", "=", "b"), e("b", "=", "c"), e("a", "|", "c", 1))
    [c] = g.contradictions()
    assert c.kind == "paths" and len(c.edges) == 3
    assert c.suspect == e("a", "|", "c", 1)
    rel = ALL
    for path in c.paths:
        assert path.relation
        rel &= path.relation
    assert rel == 0
    inf = g.infer("a", "c")
    assert inf is not None and inf.contradictory and len(inf.support) == 2


FIVE_CYCLE = [
    e("n0", "<", "n1"),
    e("n0", "=", "n3"),
    e("n1", "=", "n4"),
    e("n2", "|", "n3"),
    e("n2", ">", "n4"),
]


def test_network_contradiction_beyond_the_hop_limit() -> None:
    g = MappingGraph(FIVE_CYCLE)
    [c] = g.contradictions(max_hops=3)
    assert c.kind == "network" and len(c.edges) == 5
    assert len(c.paths[0].hops) == 1 and len(c.paths[1].hops) == 4
    assert not c.paths[0].relation & c.paths[1].relation
    [c] = g.contradictions(max_hops=4)
    assert c.kind == "paths"
    assert g.contradictions(max_hops=3, max_component=4) == []  # too big for the full check
    assert not g.path_consistency().consistent
    assert list(g.path_consistency().pairs()) == []


def test_path_consistency_on_a_small_graph() -> None:
    g = graph(e("a", "<", "b"), e("b", "<", "c"), e("c", "<", "d"), e("x", "o", "y"))
    pc = g.path_consistency()
    assert pc.consistent and pc.relation("a", "d") == PP and pc.relation("d", "a") == PPI
    assert pc.relation("a", "x") == ALL and pc.relation("a", "zzz") == ALL
    assert ("a", "d", PP) in set(pc.pairs())
    assert g.path_consistency(["a", "b", "c"]).relation("a", "d") == ALL
    assert g.components() == [("a", "b", "c", "d"), ("x", "y")]
    with pytest.raises(ValueError, match="max_nodes"):
        g.path_consistency(max_nodes=3)


# --- properties --------------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, frozenset[int]], list[Edge], set[tuple[str, str]]]:
    """Requirements as random subsets of a small universe; some of their true relations shown,
    and maybe a joint group whose relationship is the true one of its members' union."""
    sets = draw(st.lists(st.frozensets(st.integers(0, 4), min_size=1), min_size=3, max_size=7))
    named = {f"r{i}": s for i, s in enumerate(sets)}
    edges, shown = [], set()
    for i, j in itertools.combinations(range(len(sets)), 2):
        if draw(st.booleans()):
            a, b = (f"r{i}", f"r{j}") if draw(st.booleans()) else (f"r{j}", f"r{i}")
            rel = to_relationship(relation_between(named[a], named[b]))
            edges.append(Edge(a, b, rel, "expert", draw(st.none() | st.integers(0, 10))))
            shown |= {(a, b), (b, a)}
    if draw(st.booleans()):
        *members, target = draw(st.permutations(sorted(named)))[:3]
        union = named[members[0]] | named[members[1]]
        joint_rel = to_relationship(relation_between(union, named[target]))
        for m in members:
            rel = to_relationship(relation_between(named[m], named[target]))
            edges.append(Edge(m, target, rel, "official", 9, (), "j", joint_rel))
            shown |= {(m, target), (target, m)}
        named[JOINT_PREFIX + "j"] = union
    return named, edges, shown


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_inference_is_sound_and_as_tight_as_one_composition(world) -> None:
    named, edges, shown = world
    g = MappingGraph(edges)
    res = g.closure(g.nodes, g.nodes)
    pc = g.path_consistency()
    assert pc.consistent and g.contradictions() == []
    for a, c in itertools.permutations(named, 2):
        truth = relation_between(named[a], named[c])
        inf = res.get((a, c))
        inferred = inf.relation if inf else ALL
        assert truth & inferred
        assert truth & pc.relation(a, c)
        assert pc.relation(a, c) & ~inferred == 0  # full PC is at least as tight
        if (a, c) in shown:
            continue
        for b in named:
            if (a, b) in shown and (b, c) in shown:
                composed = compose(relation_between(named[a], named[b]), relation_between(named[b], named[c]))
                if is_singleton(composed):
                    assert inferred == composed


@st.composite
def random_graphs(draw: st.DrawFn) -> list[Edge]:
    """Any relations at all (often contradictory), a few pairs with several mappings, and joint
    groups (whose membership hops are the only non-singleton pair relations)."""
    n = draw(st.integers(2, 6))
    pairs = draw(st.lists(st.sampled_from(list(itertools.permutations(range(n), 2))), max_size=14))
    edges = []
    for a, b in pairs:
        joint = draw(st.sampled_from([None, None, "j1", "j2"]))
        edges.append(
            Edge(
                f"n{a}",
                f"n{b}",
                to_relationship(draw(st.sampled_from(BASE))),
                draw(st.sampled_from(["expert", "imported"])),
                draw(st.none() | st.integers(0, 10)),
                joint=joint,
                joint_relationship=None if joint is None else to_relationship(draw(st.sampled_from(BASE))),
            )
        )
    return edges


def _walks(g: MappingGraph, source: str, max_hops: int) -> dict[str, list[tuple]]:
    """Brute force: every walk up to max_hops hops, ranked as the engine ranks derivations."""
    found: dict[str, list[tuple]] = {}
    stack: list[tuple[str, ...]] = [(source,)]
    while stack:
        path = stack.pop()
        if len(path) > 1:
            hops = [g.infer(a, b, max_hops=1).best.hops[0] for a, b in itertools.pairwise(path)]  # type: ignore[union-attr]
            rel = compose_path(h.relation for h in hops)
            strength = min(-1 if h.strength is None else h.strength for h in hops)
            if rel != ALL and path[-1] != source:
                found.setdefault(path[-1], []).append((POPCOUNT[rel], len(path), -strength, path, rel))
        if len(path) <= max_hops:
            stack.extend((*path, w) for w, _ in g.neighbours(path[-1]))
    return found


@settings(max_examples=150, deadline=None)
@given(random_graphs(), st.integers(1, 3), st.data())
def test_pruned_search_equals_brute_force(edges: list[Edge], max_hops: int, data: st.DataObject) -> None:
    g = MappingGraph(edges)
    if not g.nodes:
        return
    targets = data.draw(st.lists(st.sampled_from(g.nodes), unique=True, min_size=1))
    full = g.closure(g.nodes, None, max_hops=max_hops)
    some = g.closure(g.nodes, targets, max_hops=max_hops)
    reached = set()
    for source in g.nodes:
        for target, walks in _walks(g, source, max_hops).items():
            reached.add((source, target))
            rel = ALL
            for walk in walks:
                rel &= walk[-1]
            best = min(walks)
            for res in [full] + ([some] if target in targets else []):
                inf = res[(source, target)]
                assert inf.relation == rel
                assert inf.best.nodes == best[3] and inf.best.relation == best[4]
                assert (inf.best.min_strength if inf.best.min_strength is not None else -1) == -best[2]
    assert set(full) == reached
    assert set(some) == {(s, t) for s, t in reached if t in targets}


def _summary(g: MappingGraph) -> tuple:
    closure = {
        pair: (
            inf.relation,
            inf.best.as_tuples(),
            inf.best.min_strength,
            [d.as_tuples() for d in inf.support],
        )
        for pair, inf in g.closure(g.nodes, g.nodes).items()
    }
    contradictions = [
        (c.source, c.target, c.kind, [p.as_tuples() for p in c.paths]) for c in g.contradictions()
    ]
    return closure, contradictions, g.components()


@settings(max_examples=40, deadline=None)
@given(random_graphs(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_edge_order(edges: list[Edge], rnd) -> None:
    joint = Edge("n0", "n9", Relationship.INTERSECTS, "official", 9, (), "j", Relationship.SUPERSET_OF)
    edges = [
        *edges,
        joint,
        Edge("n1", "n9", Relationship.SUBSET_OF, "official", 9, (), "j", Relationship.SUPERSET_OF),
    ]
    shuffled = list(edges)
    rnd.shuffle(shuffled)
    assert _summary(MappingGraph(edges)) == _summary(MappingGraph(shuffled))


def test_converse_consistency_of_closure() -> None:
    g = graph(e("a", "<", "b"), e("b", "o", "c"), e("c", "=", "d"), e("a", "|", "e"))
    res = g.closure(g.nodes)
    for (s, t), inf in res.items():
        assert res[(t, s)].relation == converse(inf.relation)
    assert res[("a", "d")].relation == DR | PO | PP
    assert res[("d", "a")].relation == DR | PO | PPI


@pytest.mark.parametrize(("x", "x_strength"), [("a", 1), ("c", 9)])
def test_dominance_keeps_a_wider_path_that_a_continuation_makes_best(x: str, x_strength: int) -> None:
    # At v, the path through the joint node knows {EQ,PPi} and the path through x knows PPi, at
    # the same length; after v > t both know PPi. The joint path is stronger (x_strength=1), or
    # as strong and earlier in path order: pruning it at v would lose the best derivation.
    def member(source: str) -> Edge:
        return Edge(source, "b", Relationship.INTERSECTS, "expert", 9, (), "j", Relationship.EQUAL)

    g = graph(
        e("s", "=", "b", 9),
        member("v"),
        member("w"),
        e("s", ">", x, x_strength),
        e(x, ">", "x2", x_strength),
        e("x2", ">", "v", x_strength),
        e("v", ">", "t", 9),
    )
    inf = g.infer("s", "t", max_hops=4)
    assert inf is not None and inf.relation == PPI
    assert inf.best.nodes == ("s", "b", JOINT_PREFIX + "j", "v", "t")
