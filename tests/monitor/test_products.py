"""HS and ICS codes: normalising, validating, expanding and describing; the shipped HS 2022 file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberreg.monitor import products
from cyberreg.monitor.products import (
    HsEntry,
    HsNomenclature,
    ProductCodeError,
    describe_hs,
    expand_hs,
    hs2022,
    normalize_hs,
    normalize_ics,
)


def test_the_shipped_nomenclature_loads() -> None:
    hs = hs2022()
    assert len(hs) == 6939
    assert sum(1 for e in hs if e.level == 2) == 97
    assert hs.get("84") == HsEntry(
        "84", None, 2, "Machinery and mechanical appliances, boilers, nuclear reactors; parts thereof"
    )
    assert hs.get("851762") is not None and hs.get("851762").parent == "8517"  # type: ignore[union-attr]
    assert "77" not in hs  # chapter 77 is reserved


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("8517", "8517"),
        ("8471.30", "847130"),
        (" 84 71 30 ", "847130"),
        ("8517.62.00", "85176200"),
        ("85176200", "85176200"),
        ("1", "01"),
        ("10121", "010121"),  # a leading zero lost by a spreadsheet
        ("0101.21", "010121"),
        ("8517-62", "851762"),
    ],
)
def test_normalize_hs(given: str, expected: str) -> None:
    assert normalize_hs(given) == expected


@pytest.mark.parametrize("bad", ["", "abc", "85x7", "77", "8599", "851799", "12345678901", "0000"])
def test_normalize_hs_rejects(bad: str) -> None:
    with pytest.raises(ProductCodeError):
        normalize_hs(bad)


def test_expand() -> None:
    chapter = expand_hs("84")
    assert "8471" in chapter and "847130" in chapter and "8517" not in chapter
    assert all(code.startswith("84") for code in chapter)
    assert chapter == sorted(chapter)
    headings = expand_hs("84", level=4)
    assert "8471" in headings and all(len(c) == 4 for c in headings)
    assert set(expand_hs("84", level=6)) == {c for c in chapter if len(c) == 6}
    telephones = expand_hs("8517")
    assert telephones == expand_hs("8517", level=6)
    assert {"851711", "851713", "851762", "851771"} <= set(telephones)
    assert all(len(c) == 6 and c.startswith("8517") for c in telephones)
    assert expand_hs("851762") == ["851762"]
    assert expand_hs("851762", level=4) == []
    assert expand_hs("85176200") == ["85176200"]
    with pytest.raises(ProductCodeError):
        expand_hs("84", level=5)


def test_describe_and_relatives() -> None:
    assert describe_hs("84").startswith("Machinery and mechanical appliances")
    assert describe_hs("8517.62.00") == describe_hs("851762")
    assert len(describe_hs("8517")) <= products.SHORT_DESCRIPTION
    assert describe_hs("8517").endswith("…")
    assert products.hs_ancestors("847130") == ["84", "8471"]
    assert products.hs_parent("847130") == "8471"
    assert products.hs_parent("84") is None
    assert products.hs_parent("85176200") == "851762"
    assert products.hs_level("8471.30") == 6
    assert products.is_hs("8517") and not products.is_hs("7700")


def test_ics_codes_are_kept_as_given() -> None:
    assert normalize_ics(" 35.030 ") == "35.030"
    assert normalize_ics("33.180.10") == "33.180.10"
    assert normalize_ics("35") == "35"
    assert products.ics_level("33.180.10") == 3
    for bad in ("35030", "35.03", "3.030", "35.030.1", "35,030", ""):
        assert not products.is_ics(bad)
        with pytest.raises(ProductCodeError):
            normalize_ics(bad)


def test_short_description() -> None:
    assert products.short_description("Short text") == "Short text"
    cut = products.short_description("word " * 40, limit=30)
    assert len(cut) <= 30 and cut.endswith("…") and "  " not in cut


def test_own_nomenclature(tmp_path: Path) -> None:
    entries = [
        HsEntry("01", None, 2, "Animals; live"),
        HsEntry("0101", "01", 4, "Horses"),
        HsEntry("010121", "0101", 6, "Horses; pure-bred breeding animals"),
    ]
    path = tmp_path / "mini.csv"
    assert products.write_compact(entries, path) == 3
    mini = HsNomenclature(products.read_compact(path), edition="mini")
    assert expand_hs("1", nomenclature=mini) == ["0101", "010121"]
    with pytest.raises(ProductCodeError, match="mini"):
        normalize_hs("84", mini)


@pytest.mark.shared_data
def test_shipped_file_agrees_with_the_source(shared_data: Path, tmp_path: Path) -> None:
    source = products.read_source(shared_data / "hs2022" / "harmonized-system.csv")
    assert len(source) == 6939
    shipped = {e.code: e for e in hs2022()}
    assert set(shipped) == {e.code for e in source}
    for full in source:
        ours = shipped[full.code]
        assert (ours.parent, ours.level) == (full.parent, full.level), full.code
        assert ours.description == products.short_description(full.description), full.code
        assert full.description.startswith(ours.description.removesuffix("…")), full.code
    # Rebuilding from the source gives the shipped bytes.
    rebuilt = tmp_path / "hs2022.csv"
    assert products.main([str(shared_data / "hs2022" / "harmonized-system.csv"), str(rebuilt)]) == 0
    shipped_path = Path(products.__file__).resolve().parents[1] / "data" / "hs" / "hs2022.csv"
    assert rebuilt.read_bytes() == shipped_path.read_bytes()
