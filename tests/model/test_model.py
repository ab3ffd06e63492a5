from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from cyberreg.model import (
    Instrument,
    Jurisdiction,
    Mapping,
    Relationship,
    Requirement,
    RequirementKind,
    Scope,
)
from cyberreg.model.base import split_requirement_id

SOURCE = {"url": "https://example.org/x", "title": "X"}


def instrument(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "x-standard",
        "kind": "standard",
        "title": "X",
        "short_title": "X",
        "issuer": "x-body",
        "jurisdictions": ["GBR"],
        "status": "in-force",
        "summary": "x",
        "sources": [SOURCE],
        "last_reviewed": "2026-11-23",
    }
    data.update(changes)
    return data


def test_instrument_needs_a_source() -> None:
    with pytest.raises(ValidationError, match="sources"):
        Instrument.model_validate(instrument(sources=[]))


def test_instrument_ids_are_lower_case_slugs() -> None:
    assert Instrument.model_validate(instrument(id="nist-csf-2.0")).id == "nist-csf-2.0"
    for bad in ("Upper", "with space", "trailing-", "a_b"):
        with pytest.raises(ValidationError):
            Instrument.model_validate(instrument(id=bad))


def test_unknown_fields_are_errors() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Instrument.model_validate(instrument(colour="blue"))


def test_key_dates_are_found_by_kind() -> None:
    inst = Instrument.model_validate(instrument(dates=[{"kind": "applies-from", "date": "2024-04-29"}]))
    assert inst.date_of("applies-from") == dt.date(2024, 4, 29)  # type: ignore[arg-type]
    assert inst.date_of("adopted") is None  # type: ignore[arg-type]


def test_hs_codes_are_two_four_or_six_digits() -> None:
    assert Scope(hs_codes=["85", "8517", "851762"]).hs_codes == ["85", "8517", "851762"]
    with pytest.raises(ValidationError, match="HS code"):
        Scope(hs_codes=["8517.62"])


def test_requirement_id_joins_instrument_and_ref() -> None:
    req = Requirement(
        instrument="etsi-en-303-645", ref="5.1-1", title="t", topics=["passwords-authentication"]
    )
    assert req.id == "etsi-en-303-645:5.1-1"
    assert split_requirement_id(req.id) == ("etsi-en-303-645", "5.1-1")
    with pytest.raises(ValueError):
        split_requirement_id("no-colon")


def test_requirements_need_a_topic_but_groups_do_not() -> None:
    with pytest.raises(ValidationError, match="topic"):
        Requirement(instrument="x", ref="1", title="t")
    assert Requirement(instrument="x", ref="1", title="t", kind=RequirementKind.GROUP).topics == []


def test_requirement_topics_come_from_the_taxonomy() -> None:
    with pytest.raises(ValidationError):
        Requirement(instrument="x", ref="1", title="t", topics=["astrology"])


def test_relationship_inverse() -> None:
    assert Relationship.SUBSET_OF.inverse is Relationship.SUPERSET_OF
    for rel in Relationship:
        assert rel.inverse.inverse is rel


def test_official_mappings_cite_a_source() -> None:
    base = {"source": "a:1", "target": "b:1", "relationship": "equal"}
    with pytest.raises(ValidationError, match="source"):
        Mapping.model_validate({**base, "provenance": "official"})
    assert Mapping.model_validate({**base, "provenance": "suggested"}).review_state == "accepted"


def test_mapping_needs_two_different_requirements() -> None:
    with pytest.raises(ValidationError, match="two different"):
        Mapping.model_validate(
            {"source": "a:1", "target": "a:1", "relationship": "equal", "provenance": "imported"}
        )


def test_joint_and_joint_relationship_go_together() -> None:
    base = {"source": "a:1", "target": "b:1", "relationship": "intersects", "provenance": "imported"}
    with pytest.raises(ValidationError, match="joint"):
        Mapping.model_validate({**base, "joint": "g1"})
    assert Mapping.model_validate({**base, "joint": "g1", "joint_relationship": "superset_of"}).joint == "g1"


def test_countries_use_alpha3_codes_and_only_groupings_have_members() -> None:
    with pytest.raises(ValidationError, match="alpha-3"):
        Jurisdiction(code="GB", name="UK", kind="country")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="members"):
        Jurisdiction(code="GBR", name="UK", kind="country", members=["USA"])  # type: ignore[arg-type]
