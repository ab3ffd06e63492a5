"""The loader's errors: one clear message per problem, naming file, line and field; nothing loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberreg.sources.bundled import read_directory
from cyberreg.sources.problems import InputError


def problems_for(kb_dir: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_directory(kb_dir)
    return [str(p) for p in caught.value.problems]


def test_fixture_knowledge_base_loads(kb_dir: Path) -> None:
    kb = read_directory(kb_dir)
    assert [i.id for i in kb.instruments] == ["alpha-standard", "beta-regulation"]
    assert len(kb.requirements) == 8
    assert {m.joint for m in kb.mappings} == {"beta-1", None}


def test_numbers_stay_strings_so_refs_keep_their_zeros(kb_dir: Path) -> None:
    kb = read_directory(kb_dir)
    assert "alpha-standard:5.10" in {r.id for r in kb.requirements}


def test_malformed_yaml_names_file_and_line(kb_dir: Path) -> None:
    (kb_dir / "instruments" / "broken.yaml").write_text("instrument:\n  id: [unclosed\n")
    [problem] = problems_for(kb_dir)
    assert problem.startswith("instruments/broken.yaml:")
    assert "malformed YAML" in problem


def test_unknown_field_names_file_line_and_field(kb_dir: Path) -> None:
    path = kb_dir / "instruments" / "beta-regulation.yaml"
    path.write_text(path.read_text().replace("  status: in-force\n", "  status: in-force\n  colour: blue\n"))
    [problem] = problems_for(kb_dir)
    assert problem == "instruments/beta-regulation.yaml:9: instrument.colour: unknown field"


def test_bad_value_in_a_requirement_names_its_line(kb_dir: Path) -> None:
    path = kb_dir / "instruments" / "alpha-standard.yaml"
    path.write_text(path.read_text().replace("topics: [telemetry]", "topics: [astrology]"))
    [problem] = problems_for(kb_dir)
    assert problem.startswith("instruments/alpha-standard.yaml:38: requirements.4.topics.0:")


def test_duplicate_id_is_reported_with_both_places(kb_dir: Path) -> None:
    source = kb_dir / "instruments" / "beta-regulation.yaml"
    (kb_dir / "instruments" / "copy.yaml").write_text(source.read_text())
    problems = problems_for(kb_dir)
    assert any("duplicate instrument id 'beta-regulation'" in p for p in problems)
    assert any("duplicate requirement id 'beta-regulation:sch1-1'" in p for p in problems)


def test_mapping_to_a_missing_requirement(kb_dir: Path) -> None:
    path = kb_dir / "mappings" / "beta-deemed.yaml"
    path.write_text(
        path.read_text().replace('target: "beta-regulation:sch1-2"', 'target: "beta-regulation:sch9"')
    )
    [problem] = problems_for(kb_dir)
    assert problem.startswith("mappings/beta-deemed.yaml:8: target:")
    assert "missing requirement 'beta-regulation:sch9'" in problem


def test_dangling_references_each_give_one_problem(kb_dir: Path) -> None:
    path = kb_dir / "instruments" / "beta-regulation.yaml"
    text = path.read_text().replace("issuer: beta-ministry", "issuer: nobody")
    text = text.replace("jurisdictions: [GBR]", "jurisdictions: [FRA]")
    text = text.replace("target: alpha-standard", "target: gamma")
    text = text.replace("parent: sch1, title: Say", "parent: sch7, title: Say")
    path.write_text(text)
    problems = problems_for(kb_dir)
    assert len(problems) == 4
    joined = "\n".join(problems)
    for expected in (
        "unknown body 'nobody'",
        "unknown jurisdiction 'FRA'",
        "unknown instrument 'gamma'",
        "unknown parent 'sch7'",
    ):
        assert expected in joined


def test_parent_must_be_a_group(kb_dir: Path) -> None:
    path = kb_dir / "instruments" / "alpha-standard.yaml"
    path.write_text(path.read_text().replace('  - ref: "2-1"\n', '  - ref: "2-1"\n    parent: "1-1"\n'))
    [problem] = problems_for(kb_dir)
    assert "parent '1-1' is not a group" in problem


def test_requirements_without_an_instrument(kb_dir: Path) -> None:
    (kb_dir / "orphans.yaml").write_text("requirements:\n  - {ref: a, title: A, topics: [telemetry]}\n")
    [problem] = problems_for(kb_dir)
    assert problem == "orphans.yaml:1: requirements: requirements need an `instrument` in the same file"


def test_unknown_top_level_key(kb_dir: Path) -> None:
    (kb_dir / "odd.yaml").write_text("instrumentz: {}\n")
    [problem] = problems_for(kb_dir)
    assert problem.startswith("odd.yaml:1: instrumentz: unknown field")


def test_every_problem_is_reported_at_once(kb_dir: Path) -> None:
    (kb_dir / "odd.yaml").write_text("instrumentz: {}\n")
    (kb_dir / "instruments" / "broken.yaml").write_text(": : :\n")
    assert len(problems_for(kb_dir)) == 2


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert "no YAML files" in problems_for(tmp_path)[0]
