"""The command line: every command answers in JSON with --json; errors go to stderr, non-zero."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cyberreg.cli.main import app
from cyberreg.services.store import Store

runner = CliRunner()


def run(db: Path | str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def tiny_db(store: Store) -> str:
    return store.url.removeprefix("sqlite:///")


def test_db_build_and_check(tmp_path: Path, kb_dir: Path) -> None:
    db = tmp_path / "cli.db"
    code, out, _ = run(db, "db", "build", "--data", str(kb_dir), "--json")
    assert code == 0
    assert json.loads(out)["counts"]["instruments"] == 2
    code, out, _ = run(db, "db", "build", "--data", str(kb_dir), "--json")
    assert json.loads(out)["changed"] is False
    code, out, _ = run(db, "db", "check", "--data", str(kb_dir))
    assert code == 0 and "ok" in out


def test_db_build_with_bad_data_fails_cleanly(tmp_path: Path, kb_dir: Path) -> None:
    (kb_dir / "instruments" / "bad.yaml").write_text("instrument:\n  id: x\n  colour: blue\n")
    code, out, err = run(tmp_path / "cli.db", "db", "build", "--data", str(kb_dir))
    assert code == 2
    assert out == ""
    assert "instruments/bad.yaml:3: instrument.colour: unknown field" in err
    assert "Traceback" not in err


def test_list_commands_json(tiny_store: Store) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "list", "instruments", "--json")
    assert code == 0
    assert [i["id"] for i in json.loads(out)] == ["alpha-standard", "beta-regulation"]
    code, out, _ = run(db, "list", "jurisdictions", "--json")
    assert {j["code"] for j in json.loads(out)} == {"GBR", "DEU", "EU"}
    code, out, _ = run(db, "list", "requirements", "--instrument", "beta-regulation", "--json")
    assert [r["id"] for r in json.loads(out)] == ["beta-regulation:sch1-1", "beta-regulation:sch1-2"]


def test_list_commands_human(tiny_store: Store) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "list", "instruments", "--kind", "standard")
    assert code == 0 and "alpha-standard" in out and "beta-regulation" not in out


def test_show_json_and_text(tiny_store: Store) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "show", "beta-regulation", "--json")
    data = json.loads(out)
    assert data["type"] == "instrument"
    assert [r["ref"] for r in data["requirements"]] == ["sch1", "sch1-1", "sch1-2"]
    code, out, _ = run(db, "show", "beta-regulation")
    assert code == 0 and "Ban universal default passwords" in out and "sources" in out
    code, out, _ = run(db, "show", "alpha-standard:1-1")
    assert code == 0 and "No shared default passwords" in out


def test_show_unknown_id_is_an_error(tiny_store: Store) -> None:
    code, out, err = run(tiny_db(tiny_store), "show", "no-such-thing")
    assert code == 3
    assert out == ""
    assert "no instrument, requirement or jurisdiction with id 'no-such-thing'" in err


def test_search(tiny_store: Store) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "search", "default password", "--json", "--limit", "2")
    assert code == 0
    assert {h["id"] for h in json.loads(out)} == {"alpha-standard:1-1", "beta-regulation:sch1-1"}
    code, out, _ = run(db, "search", "zebra")
    assert code == 0 and "no match" in out


def test_compare(tiny_store: Store) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "compare", "alpha-standard", "beta-regulation", "--json")
    assert code == 0
    assert json.loads(out)["shared_topics"] == ["passwords-authentication", "vulnerability-disclosure"]
    code, out, _ = run(db, "compare", "alpha-standard", "beta-regulation")
    assert code == 0 and "Passwords" in out
    code, _, err = run(db, "compare", "alpha-standard", "nope")
    assert code == 3 and "no instrument 'nope'" in err


def test_export(tiny_store: Store, tmp_path: Path) -> None:
    db = tiny_db(tiny_store)
    code, out, _ = run(db, "export", "--format", "json")
    assert code == 0 and len(json.loads(out)["instruments"]) == 2
    target = tmp_path / "m.csv"
    code, _, _ = run(db, "export", "--format", "csv", "--table", "mappings", "--out", str(target))
    assert code == 0
    assert target.read_text().splitlines()[0].startswith("source,target,relationship")
    code, _, err = run(db, "export", "--format", "csv", "--table", "nope")
    assert code == 2 and "unknown table" in err


def test_topics() -> None:
    result = runner.invoke(app, ["topics", "--json"])
    assert {"id": "software-updates", "label": "Software updates"} in json.loads(result.stdout)
