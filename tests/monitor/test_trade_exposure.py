"""Trade exposure, the pure part: HS prefixes, year choice, covered imports and the average per STC.

All figures here are made up for the tests; none is a real trade value.
"""

from __future__ import annotations

import math

import pytest

from cyberreg.monitor.exposure import (
    average_imports,
    combine,
    covered_imports,
    eu_members,
    expand_hs,
    normalize_hs,
    pick_year,
    trade_codes,
)

IMPORTS = {
    2018: {"847130": 100.0, "851762": 50.0, "851713": 25.0, "010121": 7.0},
    2021: {"847130": 200.0, "851762": 80.0, "300490": 9.0},
}


def test_normalize_hs_makes_prefixes_of_hs6():
    assert normalize_hs(["85", "8517", "851762", "85176200", "402", "8.471", ""]) == ["0402", "8471", "85"]
    assert normalize_hs(["8517.62", "847130"]) == ["847130", "851762"]
    assert normalize_hs([]) == []


def test_expand_hs_covers_every_subheading_under_a_chapter_or_heading():
    universe = ["847130", "851762", "851713", "010121", "300490"]
    assert expand_hs(["85"], universe) == ["851713", "851762"]
    assert expand_hs(["8471", "0101"], universe) == ["010121", "847130"]
    assert expand_hs(["9999"], universe) == []
    assert expand_hs([], universe) == []


@pytest.mark.parametrize(
    ("available", "target", "expected"),
    [
        ([2018, 2021], 2021, 2021),
        ([2018, 2021], 2020, 2018),  # the latest earlier year
        ([2018, 2021], 2016, 2018),  # nothing earlier: the earliest later one
        ([2018, 2021], None, 2021),
        ([], 2020, None),
    ],
)
def test_pick_year(available, target, expected):
    assert pick_year(available, target) == expected


def test_covered_imports_sums_the_hs6_lines_under_the_codes():
    coverage = covered_imports(IMPORTS, ["85", "8471"], year=2018)
    assert coverage.year == 2018
    assert coverage.value_usd == 175.0
    assert coverage.products == 3
    assert coverage.codes == ["8471", "85"]
    assert coverage.unmatched == []
    assert coverage.top_products[0] == ("847130", 100.0)


def test_covered_imports_uses_the_nearest_earlier_year_and_reports_unmatched_codes():
    coverage = covered_imports(IMPORTS, ["8517", "9018"], year=2020)
    assert coverage.year == 2018
    assert coverage.value_usd == 75.0
    assert coverage.unmatched == ["9018"]


def test_covered_imports_without_codes_or_data():
    assert not covered_imports(IMPORTS, [], year=2018).has_data
    empty = covered_imports({}, ["85"], year=2018)
    assert empty.year is None and empty.value_usd == 0.0 and not empty.has_data


def test_eu_membership_follows_the_year():
    assert "GBR" in eu_members(2019) and "GBR" not in eu_members(2020)
    assert "HRV" not in eu_members(2012) and "HRV" in eu_members(2013)
    assert len(eu_members(2022)) == 27
    assert trade_codes("EU", 2022) == eu_members(2022)
    assert trade_codes("TPKM", 2022) == ("TWN",)
    assert trade_codes("USA", 2022) == ("USA",)


def test_combine_sums_importers():
    total = combine(
        [{2020: {"851762": 1.0}}, {2020: {"851762": 2.0, "847130": 3.0}}, {2021: {"847130": 4.0}}]
    )
    assert total == {2020: {"851762": 3.0, "847130": 3.0}, 2021: {"847130": 4.0}}


def test_average_counts_concerns_without_data_apart_never_as_zero():
    average = average_imports([100.0, 300.0, None], without_codes=2)
    assert average.concerns == 5
    assert average.with_data == 2
    assert average.without_trade == 1
    assert average.without_codes == 2
    assert math.isclose(average.mean_usd or 0, 200.0)
    assert average.median_usd == 200.0
    assert average.total_usd == 400.0
    nothing = average_imports([None])
    assert nothing.mean_usd is None and nothing.with_data == 0
