"""`alerts add/list/remove/run/calendar` through a local typer app (the lead registers them in main)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import alerts as alerts_cli
from cyberreg.cli.output import State
from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.services import notifications as notifications_service
from cyberreg.services.store import Store
from cyberreg.sources.eping_json import write_jsonl

runner = CliRunner()


def notification(symbol: str, title: str, date: str, deadline: str | None, hs: list[str]) -> Notification:
    code = symbol.split("/")[3]
    return Notification(
        symbol=symbol,
        area="TBT",
        member=code,
        member_code=code,  # type: ignore[arg-type]
        distribution_date=dt.date.fromisoformat(date),
        final_date_for_comments=dt.date.fromisoformat(deadline) if deadline else None,
        title=title,
        hs_codes=hs,
        source=NotificationSource(kind="manual"),  # type: ignore[arg-type]
    )


@pytest.fixture
def db(tmp_path: Path, kb_dir: Path) -> Path:
    path = tmp_path / "cli.db"
    store = Store(path, auto_build=False)
    store.build(kb_dir)
    data = tmp_path / "n.jsonl"
    write_jsonl(
        [
            notification(
                "G/TBT/N/GBR/36",
                "Cyber security of consumer connectable products",
                "2020-08-24",
                "2020-10-23",
                ["8517"],
            ),
            notification(
                "G/TBT/N/FRA/1", "Energy labelling of refrigerators", "2023-01-10", "2023-03-11", ["8418"]
            ),
        ],
        data,
    )
    notifications_service.import_notifications(store, data)
    store.close()
    return path


def app_for(db: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = State(db=str(db))

    app.add_typer(alerts_cli.app, name="alerts")
    return app


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app_for(db), ["alerts", *args])
    return result.exit_code, result.stdout, result.stderr


def test_add_list_run_remove(db: Path, tmp_path: Path) -> None:
    atom, out = tmp_path / "uk.atom", tmp_path / "uk.json"
    code, stdout, err = run(
        db,
        "add",
        "uk",
        "--member",
        "GBR",
        "--hs",
        "85",
        "--cyber",
        "--atom",
        str(atom),
        "--json-out",
        str(out),
    )
    assert code == 0, err
    assert "added uk: members GBR; HS 85; cybersecurity only -> atom, json" in stdout
    code, stdout, _ = run(db, "list", "--json")
    [view] = json.loads(stdout)
    assert view["subscription"]["name"] == "uk" and [c["channel"] for c in view["channels"]] == [
        "atom",
        "json",
    ]
    code, stdout, _ = run(db, "run", "--now", "2025-07-01T09:00:00Z", "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["run_at"] == "2025-07-01T09:00:00"
    assert [(c["status"], c["new"]) for c in report["subscriptions"][0]["channels"]] == [("delivered", 1)] * 2
    assert atom.exists() and json.loads(out.read_text())["count"] == 1
    code, stdout, _ = run(db, "run")
    assert code == 0 and stdout.count("nothing new") == 2
    code, stdout, _ = run(db, "list")
    assert code == 0 and "uk" in stdout
    code, stdout, _ = run(db, "remove", "uk")
    assert code == 0 and "removed uk" in stdout
    code, _, err = run(db, "remove", "uk")
    assert code == 3 and "no subscription named 'uk'" in err


def test_bad_input_is_reported_without_a_traceback(db: Path, tmp_path: Path) -> None:
    code, stdout, err = run(db, "add", "x", "--member", "GBR")
    assert code == 2 and "at least one channel" in err and stdout == ""
    code, _, err = run(db, "add", "x", "--hs", "7700", "--atom", str(tmp_path / "a.atom"))
    assert code == 2 and "no HS heading 7700" in err
    code, _, err = run(db, "add", "x", "--email", "nobody", "--since", "2025-01-01")
    assert code == 2 and "email" in err
    code, _, err = run(db, "add", "x", "--atom", str(tmp_path / "a.atom"), "--since", "yesterday")
    assert code == 2 and "--since" in err
    code, _, err = run(db, "run", "--now", "noon")
    assert code == 2 and "--now" in err
    assert "Traceback" not in err


def test_a_failed_channel_exits_non_zero(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CYBERREG_SMTP_HOST", raising=False)
    assert run(db, "add", "mail", "--email", "a@example.org")[0] == 0
    code, stdout, err = run(db, "run")
    assert code == 1
    assert "mail email: failed (2 new): e-mail needs an SMTP server" in stdout
    assert "1 channel(s) failed" in err


def test_calendar(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "deadlines.ics"
    code, stdout, err = run(db, "calendar", "--out", str(target), "--hs", "8517", "--json")
    assert code == 0, err
    assert json.loads(stdout) == {"file": str(target), "events": 1}
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and b"DTSTART;VALUE=DATE:20201023" in data
    code, stdout, _ = run(db, "calendar", "--out", str(target), "--from", "2021-01-01")
    assert code == 0 and "1 comment deadline(s)" in stdout
    assert b"20230311" in target.read_bytes()
