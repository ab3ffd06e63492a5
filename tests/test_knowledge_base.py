"""The bundled knowledge base itself: size, sources, the fixed ids other tools rely on, and search."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from cyberreg.model import InstrumentKind, Provenance, RequirementKind
from cyberreg.services import catalog
from cyberreg.services.search import search
from cyberreg.services.store import Store
from cyberreg.services.views import InstrumentDetail
from cyberreg.sources.bundled import KnowledgeBase, read_directory

FIXED_INSTRUMENT_IDS = [
    "etsi-en-303-645",
    "uk-cop-iot",
    "uk-psti",
    "eu-red-da",
    "eu-cra",
    "nist-ir-8425",
    "us-cyber-trust-mark",
    "sg-cls",
    "jp-jc-star",
    "de-bsi-it-security-label",
    "fi-traficom-label",
    "au-smart-device-rules",
    "iso-iec-27001-2022",
    "iec-62443-4-2",
    "nist-csf-2.0",
    "un-gge-2015-norms",
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return read_directory()


def test_size(kb: KnowledgeBase) -> None:
    used = {code for inst in kb.instruments for code in inst.jurisdictions}
    assert len(used) >= 12, sorted(used)
    assert len(kb.instruments) >= 25
    assert len(kb.requirements) >= 300


def test_every_instrument_has_a_dated_source(kb: KnowledgeBase) -> None:
    for inst in kb.instruments:
        assert inst.sources, inst.id
        assert all(s.date_read for s in inst.sources), inst.id


def test_official_and_expert_mappings_cite_sources(kb: KnowledgeBase) -> None:
    for m in kb.mappings:
        if m.provenance in (Provenance.OFFICIAL, Provenance.EXPERT):
            assert m.sources, m.key


def test_fixed_ids_exist(kb: KnowledgeBase) -> None:
    instruments = {i.id for i in kb.instruments}
    assert [i for i in FIXED_INSTRUMENT_IDS if i not in instruments] == []
    requirements = {r.id for r in kb.requirements}
    expected = (
        ["etsi-en-303-645:5.1-1", "uk-psti:sch1-1", "uk-psti:sch1-2", "uk-psti:sch1-3"]
        + [f"uk-cop-iot:{n}" for n in range(1, 14)]
        + [f"un-gge-2015-norms:{letter}" for letter in "abcdefghijk"]
    )
    assert [r for r in expected if r not in requirements] == []


def test_en_303_645_has_every_provision_group(kb: KnowledgeBase) -> None:
    groups = {
        r.ref
        for r in kb.requirements
        if r.instrument == "etsi-en-303-645" and r.kind is RequirementKind.GROUP
    }
    assert {f"5.{n}" for n in range(1, 14)} | {"6"} <= groups


def test_trade_agreement_provisions_are_coded(kb: KnowledgeBase) -> None:
    agreements = {i.id for i in kb.instruments if i.kind is InstrumentKind.TRADE_AGREEMENT}
    assert len(agreements) >= 11
    for req in kb.requirements:
        if req.instrument in agreements and req.kind is RequirementKind.REQUIREMENT:
            assert req.categories, req.id


def test_asean_commitments_name_the_norms(kb: KnowledgeBase) -> None:
    asean = [c for c in kb.commitments if c.jurisdiction == "ASEAN"]
    assert asean
    assert {n for c in asean for n in c.norms} <= {f"un-gge-2015-norms:{x}" for x in "abcdefghijk"}


def test_default_password_search_ranks_the_password_provisions(bundled_store: Store) -> None:
    top5 = [hit.id for hit in search(bundled_store, "default password", limit=5)]
    assert "etsi-en-303-645:5.1-1" in top5
    assert "uk-psti:sch1-1" in top5


def test_psti_shows_its_requirements_and_deemed_compliance(bundled_store: Store) -> None:
    detail = catalog.show(bundled_store, "uk-psti")
    assert isinstance(detail, InstrumentDetail)
    leaves = [r.id for r in detail.requirements if r.kind == "requirement"]
    assert leaves == ["uk-psti:sch1-1", "uk-psti:sch1-2", "uk-psti:sch1-3"]
    deemed = {(m.source, m.target) for m in detail.mappings if m.provenance == "official"}
    assert ("etsi-en-303-645:5.1-1", "uk-psti:sch1-1") in deemed
    assert ("etsi-en-303-645:5.1-2", "uk-psti:sch1-1") in deemed
    assert ("etsi-en-303-645:5.2-1", "uk-psti:sch1-2") in deemed
    assert ("etsi-en-303-645:5.3-13", "uk-psti:sch1-3") in deemed


def test_en_303_645_summaries_are_not_copies_of_the_standard(kb: KnowledgeBase, shared_data: Path) -> None:
    """Our summaries must be our own words: compare them with the excerpts the DCMS mapping quotes."""
    rows = json.loads((shared_data / "dcms-iot-mapping" / "code-of-practice-mapping-dev.json").read_text())[
        1:
    ]
    excerpts = {}
    for row in rows:
        if row["Standard / Recommendation Name"].startswith("ETSI EN"):
            ref = row["Recommendation Number / Section"].removeprefix("Provision ").strip()
            excerpts[ref] = row["Recommendation Extracted from Linked Source"].lower()
    assert len(excerpts) > 40
    copied = []
    for req in kb.requirements:
        if req.instrument == "etsi-en-303-645" and req.ref in excerpts:
            for text in filter(None, [req.summary, req.title]):
                if difflib.SequenceMatcher(None, text.lower(), excerpts[req.ref]).ratio() > 0.8:
                    copied.append(req.id)
    assert copied == []
