"""OSCAL catalogs in and out, mapping collections out, checked with compliance-trestle's OSCAL models."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cyberreg.model import Mapping, Provenance, Relationship, RequirementKind
from cyberreg.sources.bundled import KnowledgeBase, read_directory
from cyberreg.sources.import_common import clean_text
from cyberreg.sources.integrity import check_integrity
from cyberreg.sources.oscal import (
    NS,
    RELATIONSHIP_TOKENS,
    catalog_to_oscal,
    control_id,
    mapping_collection_to_oscal,
    read_catalog,
    write_json,
)

DAY = dt.date(2026, 11, 23)
MOMENT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def trestle_catalog(document: dict[str, Any]) -> Any:
    """Load an exported catalog with compliance-trestle's pydantic OSCAL models (independent check)."""
    from trestle.oscal.catalog import Catalog

    return Catalog.model_validate(json.loads(json.dumps(document["catalog"])))


def trestle_mapping_collection(document: dict[str, Any]) -> Any:
    from trestle.oscal.mapping import MappingCollection

    return MappingCollection.model_validate(json.loads(json.dumps(document["mapping-collection"])))


def with_bundled(fragment: KnowledgeBase) -> KnowledgeBase:
    bundled = read_directory()
    return KnowledgeBase(
        jurisdictions=bundled.jurisdictions,
        bodies=bundled.bodies + fragment.bodies,
        instruments=bundled.instruments + fragment.instruments,
        requirements=bundled.requirements + fragment.requirements,
        mappings=fragment.mappings,
        origins=fragment.origins,
    )


def normalised(requirements: list[Any]) -> list[dict[str, Any]]:
    out = []
    for requirement in sorted(requirements, key=lambda r: r.ref):
        data = requirement.model_dump()
        data["title"] = clean_text(data["title"])
        data["summary"] = clean_text(data["summary"]) if data["summary"] else None
        out.append(data)
    return out


SMALL = {
    "catalog": {
        "uuid": "6b0e0b7e-1d8b-4a9c-9f3e-3f1c2b6b9a10",
        "metadata": {
            "title": "Small Catalog",
            "last-modified": "2024-01-01T00:00:00Z",
            "version": "1",
            "oscal-version": "1.1.2",
        },
        "groups": [
            {
                "id": "fam",
                "title": "Family",
                "groups": [
                    {
                        "id": "sub",
                        "title": "Sub family",
                        "controls": [
                            {
                                "id": "fam-1",
                                "title": "Passwords",
                                "props": [
                                    {"name": "label", "value": "FAM-01", "class": "zero-padded"},
                                    {"name": "label", "value": "FAM-1"},
                                ],
                                "params": [
                                    {"id": "p1", "label": "frequency"},
                                    {"id": "p2", "select": {"choice": ["daily", "weekly"]}},
                                ],
                                "parts": [
                                    {
                                        "id": "fam-1_smt",
                                        "name": "statement",
                                        "parts": [
                                            {
                                                "id": "a",
                                                "name": "item",
                                                "props": [{"name": "label", "value": "a."}],
                                                "prose": "Change   passwords {{ insert: param, p1 }};",
                                            },
                                            {
                                                "id": "b",
                                                "name": "item",
                                                "props": [{"name": "label", "value": "b."}],
                                                "prose": "Review {{ insert: param, p2 }}.",
                                            },
                                        ],
                                    },
                                    {
                                        "id": "fam-1_gdn",
                                        "name": "guidance",
                                        "prose": "Not part of the summary.",
                                    },
                                ],
                                "controls": [
                                    {
                                        "id": "fam-1.1",
                                        "title": "Length",
                                        "parts": [{"name": "statement", "prose": "Long ones."}],
                                    }
                                ],
                            },
                            {
                                "id": "fam-2",
                                "title": "Gone",
                                "props": [{"name": "status", "value": "withdrawn"}],
                            },
                        ],
                    }
                ],
            }
        ],
        "controls": [{"id": "top", "title": "Top-level control"}],
    }
}


def test_read_small_catalog(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    result = read_catalog(path, imported_on=DAY)
    assert result.problems == []
    assert result.stats == {"groups": 2, "controls": 3, "withdrawn": 1}
    instrument = result.kb.instruments[0]
    assert instrument.id == "oscal-small-catalog" and instrument.version == "1"
    reqs = {r.ref: r for r in result.kb.requirements}
    assert set(reqs) == {"fam", "sub", "FAM-1", "fam-1.1", "top"}
    assert reqs["sub"].parent == "fam" and reqs["sub"].kind is RequirementKind.GROUP
    assert reqs["FAM-1"].parent == "sub"
    assert reqs["FAM-1"].summary == "a. Change passwords [frequency]; b. Review [Selection: daily; weekly]."
    assert reqs["fam-1.1"].parent == "sub"  # an enhancement hangs from its control's group
    assert reqs["fam-1.1"].title == "Passwords | Length"
    assert reqs["top"].parent is None and reqs["top"].topics
    assert result.kb.bodies[0].id == "oscal-small-catalog"  # no party: a body named after the catalog


@pytest.mark.shared_data
def test_real_nist_low_baseline(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "oscal" / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"
    if not path.is_file():
        pytest.skip(f"OSCAL catalog not found at {path}")
    result = read_catalog(
        path, instrument_id="nist-sp-800-53-low", issuer="nist", jurisdiction="USA", imported_on=DAY
    )
    assert result.problems == []
    # 18 families; 149 controls of which 18 are enhancements (IA-2(1), ...).
    assert result.stats == {"groups": 18, "controls": 149, "withdrawn": 0}
    reqs = {r.ref: r for r in result.kb.requirements}
    assert reqs["AC-2"].title == "Account Management" and reqs["AC-2"].parent == "ac"
    assert reqs["AC-2"].summary is not None and reqs["AC-2"].summary.startswith("a. Define and document")
    assert "[prerequisites and criteria]" in reqs["AC-2"].summary
    assert not any("{{" in (r.summary or "") for r in result.kb.requirements)
    assert reqs["IA-2(1)"].parent == "ia"
    assert reqs["IA-2(1)"].title.endswith("| Multi-factor Authentication to Privileged Accounts")
    assert result.kb.instruments[0].version == "5.1.1+u4"
    assert check_integrity(with_bundled(result.kb)) == []

    # Out again: trestle loads it, and reading it back gives the same requirements.
    document = catalog_to_oscal(result.kb.instruments[0], result.kb.requirements)
    catalog = trestle_catalog(document)
    assert len(catalog.groups) == 18
    write_json(document, tmp_path / "low.json")
    again = read_catalog(tmp_path / "low.json", instrument_id="nist-sp-800-53-low", issuer="nist")
    assert normalised(again.kb.requirements) == normalised(result.kb.requirements)


def test_export_every_bundled_instrument_round_trips(tmp_path: Path) -> None:
    kb = read_directory()
    for instrument in kb.instruments:
        document = catalog_to_oscal(instrument, kb.requirements, last_modified=MOMENT)
        trestle_catalog(document)
        assert document == catalog_to_oscal(instrument, kb.requirements, last_modified=MOMENT)  # stable
        path = tmp_path / f"{instrument.id}.json"
        write_json(document, path)
        back = read_catalog(path, instrument_id=instrument.id, issuer=instrument.issuer)
        assert back.problems == []
        own = [r for r in kb.requirements if r.instrument == instrument.id]
        assert normalised(back.kb.requirements) == normalised(own), instrument.id


def test_group_holding_groups_and_controls_gets_a_synthetic_group() -> None:
    kb = read_directory()
    instrument = next(i for i in kb.instruments if i.id == "iso-iec-29147")
    document = catalog_to_oscal(instrument, kb.requirements)
    trestle_catalog(document)
    synthetic = [
        g
        for top in document["catalog"]["groups"]
        for g in top.get("groups", [])
        if {"name": "synthetic-group", "value": "true", "ns": NS} in g.get("props", [])
    ]
    assert synthetic and all("controls" in g for g in synthetic)


def test_control_ids_are_tokens() -> None:
    assert control_id("AC-2(1)") == "AC-2.1"
    assert control_id("5.1-1") == "_5.1-1"
    assert control_id("annex1-p1-2a") == "annex1-p1-2a"
    assert control_id("A/B'c") == "A_B_c"


def test_mapping_collection_of_bundled_mappings() -> None:
    kb = read_directory()
    document = mapping_collection_to_oscal(kb.mappings, title="Bundled mappings", last_modified=MOMENT)
    collection = trestle_mapping_collection(document)
    joints = {(m.joint, m.target) for m in kb.mappings if m.joint}
    assert sum(len(m.maps) for m in collection.mappings) == len(kb.mappings) + len(joints)
    assert document == mapping_collection_to_oscal(
        kb.mappings, title="Bundled mappings", last_modified=MOMENT
    )
    # Every id-ref names a control of the catalog exported for its instrument.
    ids = {}
    for instrument in kb.instruments:
        catalog = catalog_to_oscal(instrument, kb.requirements)["catalog"]
        found: set[str] = set()
        stack = [*catalog.get("groups", []), *catalog.get("controls", [])]
        while stack:
            item = stack.pop()
            found.add(item["id"])
            stack += item.get("groups", []) + item.get("controls", [])
        ids[instrument.id] = found
    for mapping in document["mapping-collection"]["mappings"]:
        source = mapping["source-resource"]["href"].removesuffix(".oscal.json")
        target = mapping["target-resource"]["href"].removesuffix(".oscal.json")
        for item in mapping["maps"]:
            assert {s["id-ref"] for s in item["sources"]} <= ids[source]
            assert {t["id-ref"] for t in item["targets"]} <= ids[target]
    tokens = {item["relationship"] for m in document["mapping-collection"]["mappings"] for item in m["maps"]}
    assert tokens <= {"equal-to", "subset-of", "superset-of", "intersects-with"}
    joint_maps = [
        i for m in document["mapping-collection"]["mappings"] for i in m["maps"] if len(i["sources"]) > 1
    ]
    assert len(joint_maps) == len(joints)
    psti = next(i for i in joint_maps if {"name": "joint", "value": "psti-sch2-1", "ns": NS} in i["props"])
    assert psti["relationship"] == "superset-of"
    assert [s["id-ref"] for s in psti["sources"]] == ["_5.1-1", "_5.1-2"]


def test_mapping_collection_details() -> None:
    mappings = [
        Mapping(
            source="a:1",
            target="b:1",
            relationship=Relationship.NO_RELATIONSHIP,
            provenance=Provenance.SUGGESTED,
        ),
        Mapping(
            source="a:2",
            target="b:1",
            relationship=Relationship.EQUAL,
            provenance=Provenance.SUGGESTED,
            strength=8,
            note="why",
        ),
    ]
    document = mapping_collection_to_oscal(mappings, title="Suggestions", last_modified=MOMENT)
    trestle_mapping_collection(document)
    collection = document["mapping-collection"]
    assert collection["provenance"]["method"] == "automation"
    assert collection["metadata"]["last-modified"] == "2026-11-23T12:00:00Z"
    maps = collection["mappings"][0]["maps"]
    assert [m["relationship"] for m in maps] == [RELATIONSHIP_TOKENS[m.relationship] for m in mappings]
    assert [m["relationship"] for m in maps] == ["no-relationship", "equal-to"]
    assert {"name": "strength", "value": "8", "ns": NS} in maps[1]["props"]
    assert maps[1]["remarks"] == "why"
    with pytest.raises(ValueError, match="at least one"):
        mapping_collection_to_oscal([], title="none")
