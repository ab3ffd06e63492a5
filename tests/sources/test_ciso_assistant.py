"""CISO Assistant libraries -> instruments, requirements, mappings; missing frameworks, placeholders."""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from cyberreg.model import Jurisdiction, Relationship, RequirementKind, Topic
from cyberreg.sources.bundled import KnowledgeBase, read_directory
from cyberreg.sources.ciso_assistant import PLACEHOLDER, read_libraries
from cyberreg.sources.ciso_assistant import read_directory as read_ca
from cyberreg.sources.import_common import ImportResult, guess_topics, load_yaml_fast, slugify, to_ref
from cyberreg.sources.integrity import check_integrity
from cyberreg.sources.problems import Problem

DAY = dt.date(2026, 11, 23)
FW = "urn:intuitem:risk:framework:"
NODE = "urn:intuitem:risk:req_node:"


@functools.cache
def _jurisdictions() -> tuple[Jurisdiction, ...]:
    return tuple(read_directory().jurisdictions)


def integrity(fragment: KnowledgeBase) -> list[Problem]:
    """Integrity problems of an imported fragment, with the bundled jurisdictions it refers to."""
    merged = KnowledgeBase(
        jurisdictions=list(_jurisdictions()),
        bodies=fragment.bodies,
        instruments=fragment.instruments,
        requirements=fragment.requirements,
        mappings=fragment.mappings,
        origins=fragment.origins,
    )
    return check_integrity(merged)


def node(fw: str, tail: str, *, ref: str | None = None, parent: str | None = None, **extra: Any) -> dict:
    item: dict[str, Any] = {"urn": f"{NODE}{fw}:{tail}", "assessable": extra.pop("assessable", True)}
    if ref is not None:
        item["ref_id"] = ref
    if parent is not None:
        item["parent_urn"] = f"{NODE}{fw}:{parent}"
    item.update(extra)
    return item


def framework_file(tmp: Path, fw: str, nodes: list[dict], provider: str = "NIST", ref_id: str = "") -> Path:
    doc = {
        "urn": f"urn:intuitem:risk:library:{fw}",
        "ref_id": fw,
        "name": f"Library {fw}",
        "provider": provider,
        "version": 1,
        "publication_date": "2024-01-01",
        "objects": {
            "framework": {
                "urn": f"{FW}{fw}",
                "ref_id": ref_id or fw.upper(),
                "name": f"Framework {fw}",
                "description": f"The {fw} framework.",
                "requirement_nodes": nodes,
            }
        },
    }
    path = tmp / f"{fw}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def mapping_file(
    tmp: Path, name: str, source: str, target: str, pairs: list[tuple], single: bool = False
) -> Path:
    items = []
    for pair in pairs:
        src, dst, relationship, *extra = pair
        item = {
            "source_requirement_urn": f"{NODE}{source}:{src}",
            "target_requirement_urn": f"{NODE}{target}:{dst}",
            "relationship": relationship,
        }
        if extra:
            item.update(extra[0])
        items.append(item)
    mapping_set = {
        "urn": f"urn:intuitem:risk:req_mapping_set:{name}",
        "ref_id": name,
        "name": name,
        "source_framework_urn": f"{FW}{source}",
        "target_framework_urn": f"{FW}{target}",
        "requirement_mappings": items,
    }
    objects = (
        {"requirement_mapping_set": mapping_set} if single else {"requirement_mapping_sets": [mapping_set]}
    )
    doc = {"urn": f"urn:intuitem:risk:library:{name}", "name": name, "provider": "x", "objects": objects}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path) -> list[Path]:
    alpha = framework_file(
        tmp_path,
        "alpha",
        [
            node("alpha", "gv", ref="GV", name="Govern", assessable=False),
            node("alpha", "gv.1", ref="GV 1", parent="gv", name="Passwords are unique"),
            node("alpha", "gv.1.a", ref="GV 1.a", parent="gv.1", description="Log every login attempt."),
            node("alpha", "node9", parent="gv", description="A node without a reference id."),
        ],
    )
    beta = framework_file(
        tmp_path,
        "beta",
        [
            node("beta", "1", ref="1", name="Updates", description="Software updates are signed."),
            node("beta", "2", ref="2", name="Something unusual"),
        ],
        provider="ISO/IEC",
        ref_id="ISO/IEC 99999:2024",
    )
    pairs = [
        ("gv.1", "1", "equal", {"strength_of_relationship": 7, "rationale": "syntactic"}),
        ("gv.1.a", "1", "subset"),
        ("node9", "2", "superset", {"annotation": "see note"}),
        ("gv.1", "2", "intersect"),
        ("gv.1.a", "2", "not_related"),
    ]
    mapping = mapping_file(tmp_path, "map-alpha-beta", "alpha", "beta", pairs)
    return [alpha, beta, mapping]


def load(paths: list[Path], **options: Any) -> ImportResult:
    return read_libraries(paths, imported_on=DAY, **options)


def test_framework_becomes_instrument_and_requirements(library: list[Path]) -> None:
    result = load(library)
    assert result.problems == []
    by_id = {i.id: i for i in result.kb.instruments}
    assert set(by_id) == {"ca-alpha", "ca-iso-iec-99999-2024"}  # ref_id slugs, prefixed
    assert by_id["ca-iso-iec-99999-2024"].kind.value == "standard"
    assert f"{FW}alpha" in (by_id["ca-alpha"].sources[0].note or "")
    reqs = {r.id: r for r in result.kb.requirements}
    assert set(reqs) == {
        "ca-alpha:GV",
        "ca-alpha:GV-1",
        "ca-alpha:GV-1.a",
        "ca-alpha:node9",  # no ref_id: the URN tail
        "ca-iso-iec-99999-2024:1",
        "ca-iso-iec-99999-2024:2",
    }
    assert reqs["ca-alpha:GV"].kind is RequirementKind.GROUP
    # GV 1.a sits under GV 1, which is assessable: it hangs from the nearest group, GV.
    assert reqs["ca-alpha:GV-1.a"].parent == "GV"
    assert reqs["ca-alpha:GV-1"].topics == [Topic.PASSWORDS_AUTHENTICATION]
    assert Topic.LOGGING_MONITORING in reqs["ca-alpha:GV-1.a"].topics
    assert reqs["ca-iso-iec-99999-2024:2"].topics == [Topic.GOVERNANCE]  # the documented fallback
    assert reqs["ca-alpha:node9"].title == "A node without a reference id."
    assert integrity(result.kb) == []
    assert result.stats["frameworks"] == 2
    assert result.stats["requirements"] == 6


def test_mapping_set_relationships_strength_and_notes(library: list[Path]) -> None:
    result = load(library)
    found = {(m.source, m.target): m for m in result.kb.mappings}
    alpha, beta = "ca-alpha", "ca-iso-iec-99999-2024"
    assert found[(f"{alpha}:GV-1", f"{beta}:1")].relationship is Relationship.EQUAL
    assert found[(f"{alpha}:GV-1", f"{beta}:1")].strength == 7
    assert found[(f"{alpha}:GV-1", f"{beta}:1")].rationale.value == "syntactic"
    assert found[(f"{alpha}:GV-1.a", f"{beta}:1")].relationship is Relationship.SUBSET_OF
    assert found[(f"{alpha}:node9", f"{beta}:2")].relationship is Relationship.SUPERSET_OF
    assert found[(f"{alpha}:node9", f"{beta}:2")].note == "annotation: see note"
    assert found[(f"{alpha}:GV-1", f"{beta}:2")].relationship is Relationship.INTERSECTS
    assert found[(f"{alpha}:GV-1.a", f"{beta}:2")].relationship is Relationship.NO_RELATIONSHIP
    for mapping in result.kb.mappings:
        assert mapping.provenance.value == "imported"
        assert "map-alpha-beta" in (mapping.citation or "")
        assert mapping.sources and "map-alpha-beta" in (mapping.sources[0].note or "")
    assert result.stats["sets"] == 1
    assert result.stats["pairs"] == result.stats["mappings"] == 5


def test_missing_framework_is_a_clear_problem_and_the_rest_loads(library: list[Path], tmp_path: Path) -> None:
    orphan = mapping_file(
        tmp_path, "map-alpha-gamma", "alpha", "gamma", [("gv.1", "x", "equal")], single=True
    )
    result = load([*library, orphan])
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.file == "map-alpha-gamma.yaml"
    assert problem.line is not None
    assert problem.field == "objects.requirement_mapping_set.target_framework_urn"
    assert f"{FW}gamma" in problem.message and "nothing of this file" in problem.message
    assert result.stats["mappings"] == 5  # the other file still loads
    assert result.stats["skipped_files"] == 1
    assert not any("gamma" in m.target for m in result.kb.mappings)


def test_placeholders_keep_the_graph_whole(library: list[Path], tmp_path: Path) -> None:
    pairs = [("gv.1", "x-1", "equal"), ("gv.1.a", "x-1", "intersect"), ("gv", "x 2", "subset")]
    orphan = mapping_file(tmp_path, "map-alpha-gamma", "alpha", "gamma", pairs)
    reverse = mapping_file(tmp_path, "map-gamma-delta", "gamma", "delta", [("x-1", "d", "superset")])
    result = load([*library, orphan, reverse], placeholders=True)
    assert result.problems == []
    placeholders = [i for i in result.kb.instruments if i.title.startswith(PLACEHOLDER)]
    assert sorted(i.id for i in placeholders) == ["ca-delta", "ca-gamma"]
    gamma = [r for r in result.kb.requirements if r.instrument == "ca-gamma"]
    assert sorted(r.ref for r in gamma) == ["x-1", "x-2"]  # one per URN, made to fit REF_PATTERN
    assert all(r.title.startswith(PLACEHOLDER) and f"{NODE}gamma:" in r.title for r in gamma)
    assert result.stats["placeholder_frameworks"] == 2
    assert result.stats["placeholder_requirements"] == 3
    assert result.stats["mappings"] == 9
    assert integrity(result.kb) == []


def test_pair_to_a_missing_node_of_a_present_framework_is_reported(
    library: list[Path], tmp_path: Path
) -> None:
    pairs = [("gv.1", "1", "equal"), ("gv.1", "404", "intersect"), ("nope", "2", "equal")]
    dangling = mapping_file(tmp_path, "map-dangling", "alpha", "beta", pairs)
    for placeholders in (False, True):
        result = load([library[0], library[1], dangling], placeholders=placeholders)
        assert result.stats["dangling_pairs"] == 2
        assert result.stats["mappings"] == 1
        messages = " | ".join(p.message for p in result.problems)
        assert f"{NODE}alpha:nope is not in framework {FW}alpha" in messages
        assert f"{NODE}beta:404 is not in framework {FW}beta" in messages
        assert {p.field for p in result.problems} == {
            "objects.requirement_mapping_sets.0.requirement_mappings.1.target_requirement_urn",
            "objects.requirement_mapping_sets.0.requirement_mappings.2.source_requirement_urn",
        }
        assert all(p.line for p in result.problems)


def test_result_does_not_depend_on_file_order(library: list[Path], tmp_path: Path) -> None:
    orphan = mapping_file(tmp_path, "a-first-map", "gamma", "beta", [("g", "1", "equal")])
    paths = [*library, orphan]
    results = []
    for seed in range(4):
        shuffled = paths[:]
        random.Random(seed).shuffle(shuffled)
        results.append(load(shuffled, placeholders=True))
    dumps = [
        (
            [i.model_dump() for i in r.kb.instruments],
            [q.model_dump() for q in r.kb.requirements],
            [m.model_dump() for m in r.kb.mappings],
            r.problems,
            r.stats,
        )
        for r in results
    ]
    assert all(d == dumps[0] for d in dumps[1:])


def test_duplicates_conflicts_bad_strength_and_bad_yaml(library: list[Path], tmp_path: Path) -> None:
    pairs = [
        ("gv.1", "1", "equal"),
        ("gv.1", "1", "equal"),
        ("gv.1", "1", "intersect"),
        ("node9", "1", "equal", {"strength_of_relationship": 90}),
        ("node9", "2", "overlaps"),
    ]
    messy = mapping_file(tmp_path, "map-messy", "alpha", "beta", pairs)
    broken = tmp_path / "broken.yaml"
    broken.write_text("urn: x\nobjects:\n  framework: [unclosed\n", encoding="utf-8")
    result = load([library[0], library[1], messy, broken])
    assert result.stats["duplicate_pairs"] == 2
    assert result.stats["mappings"] == 2
    by_file: dict[str, list[Problem]] = {}
    for problem in result.problems:
        by_file.setdefault(problem.file, []).append(problem)
    assert by_file["broken.yaml"][0].message.startswith("malformed YAML")
    assert by_file["broken.yaml"][0].line is not None
    messages = " | ".join(p.message for p in by_file["map-messy.yaml"])
    assert "given again as intersects (first as equal)" in messages
    assert "unknown relationship 'overlaps'" in messages
    assert "strength outside 0-10 (e.g. 90)" in messages
    strength_free = [m for m in result.kb.mappings if m.source.endswith("node9")]
    assert strength_free and strength_free[0].strength is None


def test_fast_yaml_loader(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(
        "a: 5.10\nb: true\nc: null\nd: ''\ne: &x [1, 'two']\nf: *x\ng:\n  h: ~\n  i: 2024-01-01\n",
        encoding="utf-8",
    )
    doc = load_yaml_fast(path)
    assert doc == {
        "a": "5.10",  # numbers stay text, as everywhere in the project
        "b": True,
        "c": None,
        "d": "",
        "e": ["1", "two"],
        "f": ["1", "two"],
        "g": {"h": None, "i": "2024-01-01"},
    }
    assert doc.line == 1 and doc["g"].line == 8


def test_helpers() -> None:
    assert to_ref("SR 1.1") == "SR-1.1"
    assert to_ref("(a)") == "a"
    assert to_ref("  ") is None
    assert to_ref("x" * 100) is not None and len(to_ref("x" * 100) or "") <= 80
    assert slugify("ISO/IEC 27001:2022") == "iso-iec-27001-2022"
    assert slugify("NIST CSF 2.0") == "nist-csf-2.0"
    assert guess_topics("Nothing matches here") == [Topic.GOVERNANCE]
    assert guess_topics("x", "", ["Secure boot"]) == [Topic.SOFTWARE_INTEGRITY]


# ---------------------------------------------------------------------------------------------------------
# The real 76 library files in shared/data/ciso-assistant.


@pytest.fixture
def ca_dir(shared_data: Path) -> Path:
    path = shared_data / "ciso-assistant"
    if not path.is_dir():
        pytest.skip(f"CISO Assistant libraries not found in {shared_data}")
    return path


@pytest.mark.shared_data
def test_real_libraries_counts_and_missing_frameworks(ca_dir: Path) -> None:
    started = time.perf_counter()
    for path in sorted(ca_dir.glob("*.yaml")):
        load_yaml_fast(path)
    parse_seconds = time.perf_counter() - started
    result = read_ca(ca_dir, imported_on=DAY)
    assert parse_seconds < 10, f"parsing took {parse_seconds:.1f} s"
    assert result.seconds < 20, f"import took {result.seconds:.1f} s"
    stats = result.stats
    assert stats["files"] == 76
    assert stats["frameworks"] == 24
    assert stats["requirements"] == 6677
    assert stats["sets"] == 92
    assert stats["pairs"] == 76555
    # Only 10 mapping files have both frameworks among the files; 42 cite an absent one.
    assert stats["skipped_files"] == 42
    assert stats["mappings"] == 12551
    assert stats["dangling_pairs"] == 240  # 120 pairs, in both directions, cite missing nodes
    missing = {p.message.split()[1] for p in result.problems if "not among the files read" in p.message}
    assert f"{FW}cis-controls-v8" in missing
    assert f"{FW}annex-technical-and-methodological-requirements-nis2" in missing
    assert len(result.kb.requirements) == 6677
    share = sum(m.relationship is Relationship.INTERSECTS for m in result.kb.mappings) / stats["mappings"]
    assert 0.9 < share < 0.93
    assert integrity(result.kb) == []


@pytest.mark.shared_data
def test_real_libraries_with_placeholders(ca_dir: Path) -> None:
    result = read_ca(ca_dir, imported_on=DAY, placeholders=True)
    stats = result.stats
    assert stats["skipped_files"] == 0
    assert stats["placeholder_frameworks"] == 25
    assert stats["placeholder_requirements"] == 6965
    # 76,555 pairs = 74,650 kept + 1,665 exact repeats + 240 citing missing nodes.
    assert stats["mappings"] == 74650
    assert stats["duplicate_pairs"] == 1665
    assert stats["mappings"] + stats["duplicate_pairs"] + stats["dangling_pairs"] == stats["pairs"]
    counts = {r: 0 for r in Relationship}
    for mapping in result.kb.mappings:
        counts[mapping.relationship] += 1
    assert counts[Relationship.INTERSECTS] / stats["mappings"] > 0.95
    assert integrity(result.kb) == []
