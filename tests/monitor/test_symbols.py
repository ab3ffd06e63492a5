"""WTO notification symbols: parsing, canonical form, follow-up chains, sorting, multi-symbol cells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cyberreg.monitor.symbols import (
    Area,
    FollowUp,
    FollowUpKind,
    Symbol,
    SymbolError,
    base_symbol,
    format_symbol,
    member_code_for,
    normalize_symbol,
    parse_symbol,
    split_symbols,
)


def test_parse_base_symbol():
    symbol = parse_symbol("G/TBT/N/USA/2211")
    assert symbol == Symbol(Area.TBT, "USA", 2211)
    assert symbol.is_base and symbol.parent is None and symbol.kind is None
    assert str(symbol) == "G/TBT/N/USA/2211"


def test_parse_follow_up_chain():
    symbol = parse_symbol("G/TBT/N/USA/552/Rev.3/Add.5")
    assert symbol.follow_ups == (FollowUp(FollowUpKind.REVISION, 3), FollowUp(FollowUpKind.ADDENDUM, 5))
    assert symbol.kind is FollowUpKind.ADDENDUM
    assert str(symbol.base) == "G/TBT/N/USA/552"
    assert str(symbol.parent) == "G/TBT/N/USA/552/Rev.3"
    assert [str(s) for s in symbol.chain] == [
        "G/TBT/N/USA/552",
        "G/TBT/N/USA/552/Rev.3",
        "G/TBT/N/USA/552/Rev.3/Add.5",
    ]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (" G/SPS/N/JPN/1345/Add.1", "G/SPS/N/JPN/1345/Add.1"),
        ("g/tbt/n/bra/366/add.1/corr.1", "G/TBT/N/BRA/366/Add.1/Corr.1"),
        ("G / TBT / N / EU / 1100 / Rev. 1", "G/TBT/N/EU/1100/Rev.1"),
        ("G/TBT/N/USA/1\u00a0/Add 2", "G/TBT/N/USA/1/Add.2"),
        ("G/TBT/N/TPKM/510/Suppl.1", "G/TBT/N/TPKM/510/Suppl.1"),
        ("G/TBT/Notif.98/5", "G/TBT/Notif.98/005"),
        ("G/TBT/Notif.00/005/Add.1", "G/TBT/Notif.00/005/Add.1"),
    ],
)
def test_tolerant_parsing_gives_canonical_text(text, canonical):
    assert normalize_symbol(text) == canonical


def test_legacy_symbol_has_year_not_member():
    symbol = parse_symbol("G/TBT/Notif.98/123")
    assert symbol.member is None and symbol.legacy_year == 98 and symbol.number == 123


@pytest.mark.parametrize(
    "text",
    [
        "",
        "GBR/44 (WTO/TBT)",
        "G/TBT/IND66",
        "G/TBT/N/USA",
        "G/TBT/N/USA/12/Amd.1",
        "G/SPS/GEN/204",
        "G/XYZ/N/USA/1",
    ],
)
def test_rejects_non_symbols(text):
    with pytest.raises(SymbolError, match="not a WTO notification symbol"):
        parse_symbol(text)


def test_symbol_error_is_value_error():
    assert issubclass(SymbolError, ValueError)
    with pytest.raises(ValueError):
        Symbol(Area.TBT, "usa", 1)


def test_base_symbol_groups_follow_ups():
    assert base_symbol("G/TBT/N/DOM/227/Rev.1/Add.1") == "G/TBT/N/DOM/227"
    assert parse_symbol("G/SPS/N/COL/378/Add.1").base == parse_symbol("G/SPS/N/COL/378")


def test_sort_key_orders_measures_then_follow_ups():
    texts = [
        "G/TBT/N/USA/2211/Add.1",
        "G/TBT/N/USA/92/Rev.1",
        "G/TBT/N/USA/2211",
        "G/SPS/N/USA/3310/Add.2",
        "G/TBT/N/USA/92",
        "G/TBT/N/USA/2211/Add.1/Corr.1",
        "G/TBT/N/USA/2211/Add.10",
        "G/TBT/N/USA/2211/Add.2",
        "G/TBT/N/BRA/366",
    ]
    ordered = [str(s) for s in sorted(parse_symbol(t) for t in texts)]
    assert ordered == [
        "G/SPS/N/USA/3310/Add.2",
        "G/TBT/N/BRA/366",
        "G/TBT/N/USA/92",
        "G/TBT/N/USA/92/Rev.1",
        "G/TBT/N/USA/2211",
        "G/TBT/N/USA/2211/Add.1",
        "G/TBT/N/USA/2211/Add.1/Corr.1",
        "G/TBT/N/USA/2211/Add.2",
        "G/TBT/N/USA/2211/Add.10",
    ]


def test_split_joint_notification_cell():
    cell = " G/TBT/N/BDI/608, G/TBT/N/KEN/1808, G/TBT/N/RWA/1207, G/TBT/N/TZA/1349, G/TBT/N/UGA/2163"
    symbols = split_symbols(cell)
    assert [s.member for s in symbols] == ["BDI", "KEN", "RWA", "TZA", "UGA"]
    assert split_symbols("G/TBT/N/USA/1, g/tbt/n/usa/1") == [parse_symbol("G/TBT/N/USA/1")]
    assert split_symbols("") == []
    with pytest.raises(SymbolError, match="nonsense"):
        split_symbols("G/TBT/N/USA/1, nonsense")


def test_member_codes_as_eping_prints_names():
    assert member_code_for("Kuwait, the State of") == "KWT"
    assert member_code_for("Chinese Taipei") == "TPKM"
    assert member_code_for("european  union") == "EU"
    assert member_code_for("Tanzania") == "TZA"
    assert member_code_for("Atlantis") is None


# Property tests: the canonical text round-trips, and messy spellings parse to the same symbol.

members = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=5)
numbers = st.integers(min_value=0, max_value=999_999)
follow_ups = st.lists(
    st.builds(FollowUp, st.sampled_from(list(FollowUpKind)), st.integers(min_value=0, max_value=9999)),
    max_size=3,
).map(tuple)
modern = st.builds(Symbol, st.sampled_from(list(Area)), members, numbers, follow_ups)
legacy = st.builds(
    lambda area, number, chain, year: Symbol(area, None, number, chain, year),
    st.sampled_from(list(Area)),
    numbers,
    follow_ups,
    st.integers(min_value=0, max_value=99),
)
symbols = modern | legacy


@given(symbols)
def test_format_parse_round_trip(symbol):
    text = format_symbol(symbol)
    assert parse_symbol(text) == symbol
    assert format_symbol(parse_symbol(text)) == text


@given(symbols, st.data())
def test_messy_spelling_parses_to_same_symbol(symbol, data):
    text = str(symbol)
    messy = "".join(
        (ch.lower() if data.draw(st.booleans()) else ch) + (" " if data.draw(st.booleans()) else "")
        for ch in text
    )
    assert parse_symbol("  " + messy + " ") == symbol


@given(st.lists(modern, min_size=1, max_size=6, unique=True))
def test_split_round_trips_joined_cells(items):
    assert split_symbols(", ".join(str(s) for s in items)) == items


@given(symbols, symbols)
def test_sort_key_is_consistent_with_order(a, b):
    assert (a < b) == (a.sort_key() < b.sort_key())
    assert a.base.sort_key() <= a.sort_key()
