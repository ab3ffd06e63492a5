"""Mapping records as CSV, both ways, with errors located by row line and column."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from cyberreg.model import Mapping, Provenance, Relationship, ReviewState, Source
from cyberreg.sources.bundled import read_directory
from cyberreg.sources.mapping_csv import COLUMNS, parse_mappings_csv, read_mappings_csv, write_mappings_csv
from cyberreg.sources.problems import InputError

HEADER = ",".join(COLUMNS[:10])


def test_columns_in_the_agreed_order() -> None:
    assert COLUMNS[:10] == (
        "source",
        "target",
        "relationship",
        "rationale",
        "strength",
        "provenance",
        "citation",
        "joint",
        "joint_relationship",
        "review_state",
    )


def test_bundled_mappings_round_trip(tmp_path: Path) -> None:
    mappings = read_directory().mappings
    path = tmp_path / "mappings.csv"
    assert write_mappings_csv(mappings, path) == len(mappings)
    assert read_mappings_csv(path) == mappings
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_every_field_round_trips_through_a_stream() -> None:
    mapping = Mapping(
        source="a-b:1",
        target="c-d:x(2)",
        relationship=Relationship.SUBSET_OF,
        rationale="functional",
        strength=0,
        provenance=Provenance.EXPERT,
        citation='Table 2, "row" 3',
        joint="j1",
        joint_relationship=Relationship.SUPERSET_OF,
        sources=[Source(url="https://example.org/a", title="A, with comma", date_read=dt.date(2026, 1, 2))],
        review_state=ReviewState.PROPOSED,
        reviewed_by="someone",
        reviewed_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        note="line one\nline two",
    )
    buffer = io.StringIO()
    write_mappings_csv([mapping], buffer)
    assert read_mappings_csv(buffer.getvalue()) == [mapping]


def test_minimal_columns_and_bare_url_source() -> None:
    text = "source,target,relationship,provenance,sources\nx:1,y:1,equal,expert,https://example.org/s\n"
    [mapping] = read_mappings_csv(text)
    assert str(mapping.sources[0].url) == "https://example.org/s"
    assert mapping.rationale.value == "semantic" and mapping.strength is None


def test_errors_name_row_line_and_column() -> None:
    text = (
        f"{HEADER}\n"
        'x:1,y:1,intersects,semantic,11,imported,"a\nmulti-line citation",,,accepted\n'
        "x:2,y:2,overlaps,semantic,,imported,,,,accepted\n"
        "\n"
        "x:3,y:3,equal,semantic,,expert,,,,accepted\n"
        "x:4,x:4,equal,semantic,,imported,,,,accepted\n"
        "nope,y:5,equal,semantic,,imported,,j,,accepted\n"
        "x:6,y:6,equal\n"
    )
    with pytest.raises(InputError) as caught:
        read_mappings_csv(text, file="m.csv")
    found = {(p.line, p.field) for p in caught.value.problems}
    assert found == {
        (2, "strength"),  # the row starts on line 2 even though it spans two lines
        (4, "relationship"),
        (6, "sources"),  # an expert mapping must cite a source
        (7, "target"),  # a mapping needs two different requirements
        (8, "source"),
        (9, None),
    }
    assert all(p.file == "m.csv" for p in caught.value.problems)
    assert "m.csv:6: sources:" in str(caught.value)


def test_header_problems() -> None:
    _, problems = parse_mappings_csv("source,target,relation,source\n", file="h.csv")
    assert {(p.line, p.field) for p in problems} == {
        (1, "relation"),
        (1, "source"),
        (1, "relationship"),
        (1, "provenance"),
    }
    _, problems = parse_mappings_csv("", file="e.csv")
    assert problems[0].message.startswith("empty file")


def test_bad_sources_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "source,target,relationship,provenance,sources\nx:1,y:1,equal,expert,[{\n", encoding="utf-8"
    )
    _, problems = parse_mappings_csv(path)
    assert problems[0].field == "sources" and problems[0].line == 2
    assert problems[0].file == str(path)
