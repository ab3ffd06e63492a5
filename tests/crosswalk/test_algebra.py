import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberreg.crosswalk.algebra import (
    ALL,
    BASE,
    BASE_COMPOSITION,
    COMPOSE,
    DR,
    EMPTY,
    EQ,
    PO,
    PP,
    PPI,
    compose,
    compose_path,
    converse,
    format_relset,
    from_relationship,
    is_singleton,
    members,
    minimal_refuted_core,
    path_consistency,
    relation_between,
    relationships,
    relset,
    to_relationship,
)
from cyberreg.model.mapping import Relationship

# Every non-empty subset of a 5-element universe: enough room to realise every composition.
SETS = [frozenset(c) for r in range(1, 6) for c in itertools.combinations(range(5), r)]


def relations_of_sets(sets: list[frozenset[int]]) -> list[list[int]]:
    return [[relation_between(a, b) for b in sets] for a in sets]


def _brute_force_table() -> dict[tuple[int, int], int]:
    table: dict[tuple[int, int], int] = {}
    rel = {(a, b): relation_between(a, b) for a in SETS for b in SETS}
    for a, b, c in itertools.product(SETS, repeat=3):
        key = (rel[(a, b)], rel[(b, c)])
        table[key] = table.get(key, EMPTY) | rel[(a, c)]
    return table


def test_composition_table_matches_brute_force() -> None:
    table = _brute_force_table()
    assert set(table) == set(itertools.product(BASE, BASE))
    for key, expected in table.items():
        assert BASE_COMPOSITION[key] == expected, (format_relset(key[0]), format_relset(key[1]))


def test_converse_matches_sets() -> None:
    for a, b in itertools.product(SETS, repeat=2):
        assert relation_between(b, a) == converse(relation_between(a, b))


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (PP, PP, PP),
        (PPI, PPI, PPI),
        (DR, PPI, DR),
        (PP, DR, DR),
        (PP, PPI, ALL),
        (PPI, PP, EQ | PP | PPI | PO),
        (PO, PO, ALL),
        (DR, DR, ALL),
        (PO, PP, PO | PP),
        (PPI, PO, PO | PPI),
        (DR, PP, DR | PO | PP),
        (PO, DR, DR | PO | PPI),
    ],
)
def test_named_entries(left: int, right: int, expected: int) -> None:
    assert compose(left, right) == expected


def test_eq_is_the_identity() -> None:
    for s in range(32):
        assert compose(EQ, s) == s
        assert compose(s, EQ) == s


def test_set_composition_laws() -> None:
    for a, b in itertools.product(range(32), repeat=2):
        union = EMPTY
        for x, y in itertools.product(members(a), members(b)):
            union |= BASE_COMPOSITION[(x, y)]
        assert COMPOSE[a][b] == union
        assert converse(compose(a, b)) == compose(converse(b), converse(a))
        if a and b:
            assert compose(a, b)  # composing knowledge never yields a contradiction
    for s in range(1, 32):
        assert compose(ALL, s) == ALL and compose(s, ALL) == ALL
        assert converse(converse(s)) == s
        assert compose(s, converse(s)) & EQ  # a path there and back allows returning to oneself


def test_relationship_round_trip_and_helpers() -> None:
    for rel in Relationship:
        assert to_relationship(from_relationship(rel)) == rel
        assert from_relationship(rel.inverse) == converse(from_relationship(rel))
    assert relset(Relationship.EQUAL, PP) == EQ | PP
    assert relationships(PO | DR) == {Relationship.INTERSECTS, Relationship.NO_RELATIONSHIP}
    assert format_relset(PP | PO) == "{PP,PO}"
    assert format_relset(EMPTY) == "{}"
    assert is_singleton(PPI) and not is_singleton(PP | PPI)
    assert compose_path([]) == EQ
    assert compose_path([PP, PP, EQ]) == PP
    with pytest.raises(ValueError, match="single base relation"):
        to_relationship(PP | PO)
    with pytest.raises(ValueError, match="non-empty"):
        relation_between(frozenset(), frozenset({1}))


def test_path_consistency_refines_and_refutes() -> None:
    matrix, conflict, _ = path_consistency(3, [(0, 1, PP), (1, 2, PP)])
    assert conflict is None
    assert matrix[0][2] == PP and matrix[2][0] == PPI
    _, conflict, support = path_consistency(4, [(0, 1, EQ), (1, 2, EQ), (0, 2, DR), (2, 3, PO)], track=True)
    assert conflict is not None
    assert support == 0b0111  # the unrelated (2, 3) constraint played no part


def test_minimal_refuted_core() -> None:
    cons = [(0, 1, EQ), (1, 2, EQ), (2, 3, PO), (0, 2, DR | PO), (0, 3, PP), (0, 2, DR)]
    assert minimal_refuted_core(cons) == [(0, 1), (1, 2), (0, 2)]
    assert minimal_refuted_core([(0, 1, PP), (1, 2, PP), (0, 2, PP | EQ)]) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.frozensets(st.integers(0, 4), min_size=1), min_size=2, max_size=6),
    st.data(),
)
def test_path_consistency_is_sound(sets: list[frozenset[int]], data: st.DataObject) -> None:
    truth = relations_of_sets(sets)
    pairs = list(itertools.combinations(range(len(sets)), 2))
    shown = data.draw(st.lists(st.sampled_from(pairs), unique=True))
    matrix, conflict, _ = path_consistency(len(sets), [(i, j, truth[i][j]) for i, j in shown])
    assert conflict is None
    for i, j in itertools.product(range(len(sets)), repeat=2):
        assert matrix[i][j] & truth[i][j]
