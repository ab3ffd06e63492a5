from __future__ import annotations

import pytest

from cyberreg.services import catalog, compare, export
from cyberreg.services.store import Store
from cyberreg.services.views import InstrumentDetail, JurisdictionDetail, RequirementDetail


def test_list_instruments_filters(tiny_store: Store) -> None:
    assert [i.id for i in catalog.list_instruments(tiny_store)] == ["alpha-standard", "beta-regulation"]
    assert [i.id for i in catalog.list_instruments(tiny_store, kind="regulation")] == ["beta-regulation"]
    # Germany is in the EU, so EU instruments apply there.
    assert [i.id for i in catalog.list_instruments(tiny_store, jurisdiction="DEU")] == ["alpha-standard"]
    assert catalog.list_instruments(tiny_store, status="repealed") == []


def test_requirement_counts_exclude_groups(tiny_store: Store) -> None:
    counts = {i.id: i.requirement_count for i in catalog.list_instruments(tiny_store)}
    assert counts == {"alpha-standard": 4, "beta-regulation": 2}


def test_list_requirements(tiny_store: Store) -> None:
    ids = [r.id for r in catalog.list_requirements(tiny_store, topic="passwords-authentication")]
    assert ids == ["alpha-standard:1-1", "alpha-standard:1-2", "beta-regulation:sch1-1"]
    with pytest.raises(catalog.NotFound):
        catalog.list_requirements(tiny_store, instrument="nope")


def test_show_instrument_lists_requirements_and_mappings(tiny_store: Store) -> None:
    detail = catalog.show(tiny_store, "beta-regulation")
    assert isinstance(detail, InstrumentDetail)
    assert [r.ref for r in detail.requirements] == ["sch1", "sch1-1", "sch1-2"]
    assert {(m.source, m.target) for m in detail.mappings} == {
        ("alpha-standard:1-1", "beta-regulation:sch1-1"),
        ("alpha-standard:1-2", "beta-regulation:sch1-1"),
        ("alpha-standard:2-1", "beta-regulation:sch1-2"),
    }
    alpha = catalog.show(tiny_store, "alpha-standard")
    assert isinstance(alpha, InstrumentDetail)
    assert alpha.linked_from == [{"source": "beta-regulation", "type": "deemed-compliance-with"}]


def test_show_requirement_and_jurisdiction(tiny_store: Store) -> None:
    req = catalog.show(tiny_store, "alpha-standard:1")
    assert isinstance(req, RequirementDetail)
    assert [c.ref for c in req.children] == ["1-1", "1-2"]
    leaf = catalog.show(tiny_store, "beta-regulation:sch1-2")
    assert isinstance(leaf, RequirementDetail)
    assert [m.source for m in leaf.mappings_in] == ["alpha-standard:2-1"]
    deu = catalog.show(tiny_store, "deu")
    assert isinstance(deu, JurisdictionDetail)
    assert deu.member_of == ["EU"]
    assert [i.id for i in deu.instruments] == ["alpha-standard"]


def test_show_unknown_id(tiny_store: Store) -> None:
    for unknown in ("nope", "alpha-standard:99"):
        with pytest.raises(catalog.NotFound):
            catalog.show(tiny_store, unknown)


def test_compare_groups_by_primary_topic(tiny_store: Store) -> None:
    result = compare.compare(tiny_store, "alpha-standard", "beta-regulation")
    rows = {row.topic: row for row in result.rows}
    assert list(rows) == ["passwords-authentication", "vulnerability-disclosure", "telemetry"]
    assert [r.ref for r in rows["passwords-authentication"].left] == ["1-1", "1-2"]
    assert [r.ref for r in rows["passwords-authentication"].right] == ["sch1-1"]
    assert len(rows["passwords-authentication"].mappings) == 2
    assert result.left_only_topics == ["telemetry"]
    assert result.right_only_topics == []
    assert len(result.mappings) == 3


def test_export_json_and_csv(tiny_store: Store) -> None:
    data = export.export_json(tiny_store)
    assert [i["id"] for i in data["instruments"]] == ["alpha-standard", "beta-regulation"]
    assert len(data["instruments"][0]["requirements"]) == 5
    assert len(data["mappings"]) == 3
    csv_text = export.export_csv(tiny_store, "requirements")
    lines = csv_text.splitlines()
    assert lines[0].startswith("id,instrument,ref")
    assert lines[1].startswith("alpha-standard:1,alpha-standard,1,")
    assert len(lines) == 9
    with pytest.raises(ValueError, match="unknown table"):
        export.export_csv(tiny_store, "nope")
