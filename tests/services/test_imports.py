"""Importing external corpora through the service: origins, idempotence, dangling mappings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberreg.services import catalog, imports
from cyberreg.services.coverage import coverage
from cyberreg.services.store import Store
from cyberreg.sources.problems import InputError


def test_mapping_csv_round_trip_and_dangling_rows(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        "source,target,relationship,rationale,strength,provenance,citation,joint,joint_relationship,review_state\n"
        "alpha-standard:5.10,beta-regulation:sch1-2,intersects,semantic,,imported,,,,accepted\n"
        "alpha-standard:5.10,nowhere:1,equal,semantic,,imported,,,,accepted\n"
    )
    summary = imports.import_mappings_csv(tiny_store, path)
    assert summary.origin == "import:csv:extra"
    assert summary.counts["mappings"] == 1
    assert any("nowhere:1" in p for p in summary.problems)
    again = imports.import_mappings_csv(tiny_store, path)
    assert not again.changed
    detail = catalog.show(tiny_store, "alpha-standard:5.10")
    assert [m.target for m in detail.mappings_out] == ["beta-regulation:sch1-2"]  # type: ignore[union-attr]


def test_bad_csv_is_rejected_whole(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "source,target,relationship,provenance\nalpha-standard:1-1,beta-regulation:sch1-1,equalish,imported\n"
    )
    with pytest.raises(InputError, match="relationship"):
        imports.import_mappings_csv(tiny_store, path)


def test_missing_path(tiny_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        imports.import_ciso_assistant(tiny_store, [tmp_path / "absent"])


def test_real_ciso_assistant_and_dcms_imports(tmp_path: Path, shared_data: Path) -> None:
    store = Store(tmp_path / "real.db")
    summary = imports.import_ciso_assistant(store, [shared_data / "ciso-assistant"])
    assert summary.counts["instruments"] == 24
    assert summary.counts["requirements"] == 6677
    assert summary.counts["mappings"] == 12551
    assert any("cis-controls-v8" in p for p in summary.problems)
    assert not imports.import_ciso_assistant(store, [shared_data / "ciso-assistant"]).changed
    dcms = imports.import_dcms(store, shared_data / "dcms-iot-mapping" / "code-of-practice-mapping-dev.json")
    assert dcms.counts["mappings"] == 860
    # Imported mappings join the bundled guidelines: the UK Code of Practice now has mapped excerpts.
    guideline = catalog.show(store, "uk-cop-iot:1")
    assert len(guideline.mappings_in) > 10  # type: ignore[union-attr]
    # And the bundled knowledge base still answers as before.
    assert {i.status for i in coverage(store, ["etsi-en-303-645"], ["uk-psti"]).items} == {"covered"}


def test_exported_mappings_import_back(tiny_store: Store, tmp_path: Path) -> None:
    from cyberreg.services import export

    path = tmp_path / "roundtrip.csv"
    path.write_text(export.export_csv(tiny_store, "mappings"))
    other = Store(tmp_path / "other.db", auto_build=False)
    other.build(Path(__file__).resolve().parents[1] / "fixtures" / "kb")
    # Into the same knowledge base: each row is already stored, reported and left out.
    again = imports.import_mappings_csv(other, path)
    assert again.counts["mappings"] == 0 and len(again.problems) == 3
    assert "already stored by bundled" in again.problems[0]
    # Into a store without them: all three load, sources and joint groups intact.
    (path.parent / "kb-no-mappings").mkdir()
    bare = Store(tmp_path / "bare.db", auto_build=False)
    shutil.copytree(
        Path(__file__).resolve().parents[1] / "fixtures" / "kb",
        path.parent / "kb-no-mappings",
        dirs_exist_ok=True,
    )
    (path.parent / "kb-no-mappings" / "mappings" / "beta-deemed.yaml").unlink()
    bare.build(path.parent / "kb-no-mappings")
    loaded = imports.import_mappings_csv(bare, path)
    assert loaded.counts["mappings"] == 3 and loaded.problems == []
    statuses = {i.id: i.status for i in coverage(bare, ["alpha-standard"], ["beta-regulation"]).items}
    assert statuses == {"beta-regulation:sch1-1": "covered", "beta-regulation:sch1-2": "covered"}
