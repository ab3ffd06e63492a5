"""The DCMS mapping of IoT documents to the UK Code of Practice guidelines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cyberreg.model import Relationship, Topic
from cyberreg.sources.bundled import KnowledgeBase, read_directory
from cyberreg.sources.dcms import json_array_with_lines, read_dcms_mapping
from cyberreg.sources.integrity import check_integrity

DAY = dt.date(2026, 11, 23)
HEADER = {"Disclaimer": ["For guidance only."], "Copyright": "Authors keep it.", "Version": "4.0"}


def row(
    guideline: str, section: str, excerpt: str, name: str = "Doc One", org: str = "Org A"
) -> dict[str, str]:
    return {
        "DCMS Code of Practice Guidelines Number": guideline,
        "Organisation": org,
        "Standard / Recommendation Name": name,
        "Recommendation Number / Section": section,
        "Recommendation Extracted from Linked Source": excerpt,
        "Web Link": "https://example.org/doc-one.pdf",
        "Notes": "",
        "Added at Version": "1",
    }


def write(tmp_path: Path, rows: list[Any], header: bool = True) -> Path:
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(([HEADER] if header else []) + rows, indent=1), encoding="utf-8")
    return path


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


ROWS = [
    row("1", "3.2 Password Management", "Passwords are unique per device."),
    row("5", "3.2 Password Management", "Passwords are unique per device."),  # same excerpt, 2nd guideline
    row("1", "3.2 Password Management", "A second excerpt under the same section."),
    row("2, 3", "7", "Publish a disclosure policy and keep software updated."),
    row("4", "", "An excerpt without a section."),
    row("4", "1", "Stored  keys are\nprotected.", name="Doc   Two", org="Org B"),
    row("6", "1", "Another document with the same name.", name="Doc Two", org="Org B"),
]


def test_rows_become_requirements_and_guideline_mappings(tmp_path: Path) -> None:
    result = read_dcms_mapping(write(tmp_path, ROWS), imported_on=DAY)
    assert result.problems == []
    assert sorted(i.id for i in result.kb.instruments) == ["dcms-doc-one", "dcms-doc-two"]
    reqs = {r.id: r for r in result.kb.requirements}
    assert set(reqs) == {
        "dcms-doc-one:3.2-Password-Management",
        "dcms-doc-one:3.2-Password-Management_2",
        "dcms-doc-one:7",
        "dcms-doc-one:no-section",
        "dcms-doc-two:1",
        "dcms-doc-two:1_2",
    }
    # Ordered by excerpt within a section: "A second ..." comes before "Passwords ...".
    assert reqs["dcms-doc-one:3.2-Password-Management_2"].summary == "Passwords are unique per device."
    assert reqs["dcms-doc-two:1"].summary == "Another document with the same name."
    assert reqs["dcms-doc-one:3.2-Password-Management_2"].topics == [
        Topic.PASSWORDS_AUTHENTICATION,
        Topic.SECURE_COMMUNICATION,
        Topic.CRYPTOGRAPHY,
    ]
    targets = sorted(
        m.target for m in result.kb.mappings if m.source == "dcms-doc-one:3.2-Password-Management_2"
    )
    assert targets == ["uk-cop-iot:1", "uk-cop-iot:5"]
    assert sorted(m.target for m in result.kb.mappings if m.source == "dcms-doc-one:7") == [
        "uk-cop-iot:2",
        "uk-cop-iot:3",
    ]
    assert all(m.relationship is Relationship.INTERSECTS for m in result.kb.mappings)
    assert all(m.provenance.value == "imported" and "v4.0" in (m.citation or "") for m in result.kb.mappings)
    assert result.stats == {
        "rows": 7,
        "documents": 2,
        "requirements": 6,
        "mappings": 8,
        "duplicate_rows": 0,
        "skipped_rows": 0,
    }
    assert check_integrity(with_bundled(result.kb)) == []


def test_row_order_does_not_matter(tmp_path: Path) -> None:
    forward = read_dcms_mapping(write(tmp_path, ROWS), imported_on=DAY)
    backward = read_dcms_mapping(write(tmp_path, ROWS[::-1]), imported_on=DAY)
    assert [r.model_dump() for r in forward.kb.requirements] == [
        r.model_dump() for r in backward.kb.requirements
    ]
    assert {m.key for m in forward.kb.mappings} == {m.key for m in backward.kb.mappings}


def test_bad_rows_are_problems_with_lines(tmp_path: Path) -> None:
    rows = [
        row("14", "1", "Out of range."),
        row("x", "1", "No number."),
        {**row("1", "1", "ok"), "Recommendation Extracted from Linked Source": " "},
        "not an object",
        row("1", "2", "Fine."),
    ]
    path = write(tmp_path, rows)
    result = read_dcms_mapping(path, imported_on=DAY)
    assert result.stats["skipped_rows"] == 4
    assert result.stats["requirements"] == 1
    problems = {p.field: p for p in result.problems}
    assert (
        "guideline number must be 1 to 13, got '14'"
        in problems["[1].DCMS Code of Practice Guidelines Number"].message
    )
    assert "[2].DCMS Code of Practice Guidelines Number" in problems
    assert problems["[3].Recommendation Extracted from Linked Source"].message == "missing or empty"
    assert problems["[4]"].message == "expected an object"
    lines = path.read_text(encoding="utf-8").splitlines()
    for problem in result.problems:
        assert problem.line is not None and lines[problem.line - 1].strip().startswith(("{", '"not'))


def test_json_array_with_lines() -> None:
    assert json_array_with_lines('[\n {"a": 1},\n\n 2 ]') == [(2, {"a": 1}), (4, 2)]
    with pytest.raises(ValueError, match="array"):
        json_array_with_lines('{"a": 1}')


def test_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[{", encoding="utf-8")
    result = read_dcms_mapping(path)
    assert result.problems and result.problems[0].message.startswith("malformed JSON")


@pytest.mark.shared_data
def test_real_dcms_mapping(shared_data: Path) -> None:
    path = shared_data / "dcms-iot-mapping" / "code-of-practice-mapping-dev.json"
    if not path.is_file():
        pytest.skip(f"DCMS mapping not found at {path}")
    result = read_dcms_mapping(path, imported_on=DAY)
    assert result.problems == []
    # 862 rows; 63 (name, organisation) pairs, 60 once white space is collapsed; 837 distinct
    # (document, section, excerpt) requirements; 2 rows repeat a requirement's guideline.
    assert result.stats == {
        "rows": 862,
        "documents": 60,
        "requirements": 837,
        "mappings": 860,
        "duplicate_rows": 2,
        "skipped_rows": 0,
    }
    assert {m.target for m in result.kb.mappings} == {f"uk-cop-iot:{n}" for n in range(1, 14)}
    etsi = [r for r in result.kb.requirements if r.ref == "Provision-5.1-1"]
    assert etsi and etsi[0].instrument.startswith("dcms-etsi-en-303.645")
    assert check_integrity(with_bundled(result.kb)) == []
