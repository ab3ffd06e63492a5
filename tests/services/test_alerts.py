"""Alert subscriptions and runs: matching, files, e-mail to a local SMTP server, webhooks to a local HTTP
server, idempotent runs, and per-channel state when a channel fails. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.model.subscription import AlertCriteria, Channel, Subscription
from cyberreg.reports import alerts as render
from cyberreg.services import alerts as service
from cyberreg.services import notifications as notifications_service
from cyberreg.services.catalog import NotFound
from cyberreg.services.store import Store
from cyberreg.sources.eping_json import write_jsonl

A = "{http://www.w3.org/2005/Atom}"
NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)


def make(
    symbol: str,
    title: str,
    *,
    date: str = "2024-05-01",
    deadline: str | None = None,
    hs: list[str] | None = None,
    ics: list[str] | None = None,
    description: str | None = None,
    member: str | None = None,
) -> Notification:
    code = symbol.split("/")[3]
    return Notification(
        symbol=symbol,
        area="TBT",
        member=member or code,
        member_code=code,  # type: ignore[arg-type]
        distribution_date=dt.date.fromisoformat(date),
        final_date_for_comments=dt.date.fromisoformat(deadline) if deadline else None,
        title=title,
        description=description,
        hs_codes=hs or [],
        ics_codes=ics or [],
        source=NotificationSource(kind="jsonl", file="fixture.jsonl", row=1),  # type: ignore[arg-type]
    )


FIXTURE = [
    make(
        "G/TBT/N/GBR/36",
        "Cyber security requirements for consumer connectable products",
        date="2020-08-24",
        deadline="2020-10-23",
        hs=["8517"],
        ics=["35.030"],
        description="Security requirements for consumer IoT devices.",
        member="United Kingdom",
    ),
    make("G/TBT/N/FRA/1", "Energy labelling of household refrigerators", date="2023-01-10", hs=["8418"]),
    make(
        "G/TBT/N/USA/2041",
        "Cybersecurity labeling for Internet of Things devices",
        date="2023-08-28",
        deadline="2023-10-10",
        hs=["851762"],
        description="Voluntary cybersecurity labelling programme for IoT products.",
    ),
]
LATER = make(
    "G/TBT/N/GBR/36/Add.1",
    "Cyber security of consumer connectable products: draft regulations",
    date="2021-11-30",
    hs=["8517"],
    member="United Kingdom",
)


def load(store: Store, tmp_path: Path, notifications: list[Notification], name: str = "n.jsonl") -> None:
    path = tmp_path / name
    write_jsonl(notifications, path)
    notifications_service.import_notifications(store, path)


@pytest.fixture
def store(tmp_path: Path, kb_dir: Path) -> Store:
    store = Store(tmp_path / "alerts.db", auto_build=False)
    store.build(kb_dir)
    load(store, tmp_path, FIXTURE)
    return store


# ---------------------------------------------------------------------------------------------------------
# Local servers.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("CYBERREG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CYBERREG_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("CYBERREG_SMTP_FROM", "monitor@example.org")
    for name in ("CYBERREG_SMTP_USER", "CYBERREG_SMTP_PASSWORD", "CYBERREG_SMTP_SECURITY"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Hook:
    url: str = ""
    statuses: list[int] = field(default_factory=list)  # answered in turn; 204 once they run out
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------------------
# Subscriptions.


def test_add_list_remove(store: Store, tmp_path: Path) -> None:
    sub = Subscription(name="uk-iot", members=["GBR"], hs=["85.17"], atom="feeds/uk.atom")
    saved = service.add_subscription(store, sub, now=NOW)
    assert saved.hs == ["8517"]
    assert Path(saved.atom or "").is_absolute()
    views = service.list_subscriptions(store)
    assert [v.subscription.name for v in views] == ["uk-iot"]
    assert views[0].criteria == "members GBR; HS 8517"
    assert [(c.channel, c.delivered, c.last_run_at) for c in views[0].channels] == [(Channel.ATOM, 0, None)]
    with pytest.raises(ValueError, match="exists"):
        service.add_subscription(store, sub)
    service.remove_subscription(store, "uk-iot")
    assert service.list_subscriptions(store) == []
    with pytest.raises(NotFound):
        service.remove_subscription(store, "uk-iot")


def test_bad_subscriptions_are_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least one channel"):
        Subscription(name="none")
    for bad in (
        {"email": "not-an-address"},
        {"webhook": "ftp://x"},
        {"hs": ["85x"]},
        {"ics": ["35030"]},
        {"name": "has space"},
    ):
        with pytest.raises(ValidationError):
            Subscription.model_validate({"name": "x", "atom": "a.xml", **bad})
    with pytest.raises(ValueError, match="no HS heading 7700"):
        service.add_subscription(store, Subscription(name="x", hs=["7700"], atom=str(tmp_path / "a")))
    with pytest.raises(ValueError, match="unknown sector 'toys'"):
        service.add_subscription(store, Subscription(name="x", sectors=["toys"], atom=str(tmp_path / "a")))
    assert service.list_subscriptions(store) == []


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (AlertCriteria(), ["G/TBT/N/USA/2041", "G/TBT/N/FRA/1", "G/TBT/N/GBR/36"]),
        (AlertCriteria(members=["GBR", "usa"]), ["G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]),
        (AlertCriteria(members=["United King"]), ["G/TBT/N/GBR/36"]),
        (AlertCriteria(hs=["85"]), ["G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]),
        (AlertCriteria(hs=["851762"]), ["G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]),  # GBR lists 8517
        (AlertCriteria(hs=["851711"]), ["G/TBT/N/GBR/36"]),
        (AlertCriteria(hs=["8418", "851711"]), ["G/TBT/N/FRA/1", "G/TBT/N/GBR/36"]),
        (AlertCriteria(ics=["35"]), ["G/TBT/N/GBR/36"]),
        (AlertCriteria(keywords=["refrigerators"]), ["G/TBT/N/FRA/1"]),
        (
            AlertCriteria(keywords=["labelling programme", "refrigerators"]),
            ["G/TBT/N/USA/2041", "G/TBT/N/FRA/1"],
        ),
        (AlertCriteria(cyber_only=True), ["G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]),
        (AlertCriteria(cyber_only=True, since=dt.date(2023, 1, 1)), ["G/TBT/N/USA/2041"]),
        (AlertCriteria(members=["FRA"], cyber_only=True), []),
        (AlertCriteria(area="SPS"), []),  # type: ignore[arg-type]
    ],
)
def test_matching(store: Store, criteria: AlertCriteria, expected: list[str]) -> None:
    assert [n.symbol for n in service.matching_notifications(store, criteria)] == expected


def test_codes_match_above_and_below(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [make("G/TBT/N/KOR/9", "Electrical equipment", hs=["85"], ics=["33"])], "kor.jsonl")
    found = service.matching_notifications(store, AlertCriteria(hs=["8517"]))
    assert [n.symbol for n in found] == ["G/TBT/N/KOR/9", "G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]
    found = service.matching_notifications(store, AlertCriteria(ics=["33.180.10"]))
    assert [n.symbol for n in found] == ["G/TBT/N/KOR/9"]
    assert service.matching_notifications(store, AlertCriteria(hs=["90"])) == []


def test_sector_matching(store: Store) -> None:
    sectors = {n.sector for n in notifications_service.list_notifications(store).items}
    for sector in sectors:
        found = service.matching_notifications(store, AlertCriteria(sectors=[sector]))
        listed = notifications_service.list_notifications(
            store, notifications_service.NotificationFilter(sector=sector)
        )
        assert {n.symbol for n in found} == {n.symbol for n in listed.items}


# ---------------------------------------------------------------------------------------------------------
# Runs.


def test_file_channels_and_idempotent_runs(store: Store, tmp_path: Path) -> None:
    atom, out = tmp_path / "feeds" / "uk.atom", tmp_path / "feeds" / "uk.json"
    service.add_subscription(
        store, Subscription(name="uk", members=["GBR"], atom=str(atom), json_file=str(out))
    )
    service.add_subscription(
        store, Subscription(name="fridges", hs=["8418"], json_file=str(tmp_path / "f.json"))
    )
    first = service.run_alerts(store, NOW)
    assert [(s.name, s.matched) for s in first.subscriptions] == [("fridges", 1), ("uk", 1)]
    assert {(c.channel, c.status, c.new) for c in first.subscriptions[1].channels} == {
        (Channel.ATOM, "delivered", 1),
        (Channel.JSON, "delivered", 1),
    }
    feed = ET.parse(atom).getroot()
    assert [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")] == [render.entry_id("G/TBT/N/GBR/36")]
    assert [i["symbol"] for i in json.loads(out.read_text())["items"]] == ["G/TBT/N/GBR/36"]
    written = atom.stat().st_mtime_ns, atom.read_bytes()

    second = service.run_alerts(store, NOW + dt.timedelta(hours=1))
    assert {c.status for s in second.subscriptions for c in s.channels} == {"nothing new"}
    assert (atom.stat().st_mtime_ns, atom.read_bytes()) == written  # not rewritten

    load(store, tmp_path, [LATER], "later.jsonl")
    third = service.run_alerts(store, NOW + dt.timedelta(hours=2), names=["uk"])
    assert [(c.status, c.new) for c in third.subscriptions[0].channels] == [
        ("delivered", 1),
        ("delivered", 1),
    ]
    ids = [e.findtext(f"{A}id") for e in ET.parse(atom).getroot().findall(f"{A}entry")]
    assert ids == [render.entry_id("G/TBT/N/GBR/36/Add.1"), render.entry_id("G/TBT/N/GBR/36")]  # kept, stable

    view = service.get_subscription(store, "uk")
    assert view.last_run_at == dt.datetime(2025, 7, 1, 11, 0)
    assert [(c.delivered, c.last_success_at, c.last_error) for c in view.channels] == [
        (2, dt.datetime(2025, 7, 1, 11, 0), None)
    ] * 2
    assert service.get_subscription(store, "fridges").last_run_at == dt.datetime(2025, 7, 1, 10, 0)
    with pytest.raises(NotFound):
        service.run_alerts(store, NOW, names=["nope"])


def test_email_over_smtp(store: Store, smtp: Inbox) -> None:
    service.add_subscription(store, Subscription(name="cyber", cyber_only=True, email="analyst@example.org"))
    report = service.run_alerts(store, NOW)
    assert report.failures == []
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert smtp.recipients == [["analyst@example.org"]]
    assert message["Subject"] == "[cyberreg] cyber: 2 new WTO notifications"
    assert message["From"] == "monitor@example.org"
    body = message.get_content()  # type: ignore[attr-defined]
    assert body.index("G/TBT/N/USA/2041") < body.index("G/TBT/N/GBR/36")
    assert "Criteria: cybersecurity only" in body
    again = service.run_alerts(store, NOW)
    assert again.subscriptions[0].channels[0].status == "nothing new"
    assert len(smtp.messages) == 1


def test_webhook_posts_signed_json(store: Store, hook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERREG_WEBHOOK_SECRET", "s3cret")
    service.add_subscription(store, Subscription(name="iot", hs=["8517"], webhook=hook.url))
    report = service.run_alerts(store, NOW)
    assert report.subscriptions[0].channels[0].status == "delivered"
    ((headers, body),) = hook.posts
    payload = json.loads(body)
    assert payload["event"] == "new_notifications" and payload["subscription"] == "iot"
    assert [i["symbol"] for i in payload["items"]] == ["G/TBT/N/USA/2041", "G/TBT/N/GBR/36"]
    assert headers["content-type"] == "application/json"
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["x-cyberreg-signature"] == f"sha256={expected}"
    service.run_alerts(store, NOW)
    assert len(hook.posts) == 1


def test_a_failing_channel_keeps_the_others_state(store: Store, tmp_path: Path, hook: Hook) -> None:
    atom = tmp_path / "iot.atom"
    hook.statuses = [500]
    service.add_subscription(store, Subscription(name="iot", hs=["8517"], atom=str(atom), webhook=hook.url))
    first = service.run_alerts(store, NOW)
    results = {c.channel: c for c in first.subscriptions[0].channels}
    assert results[Channel.ATOM].status == "delivered"
    assert results[Channel.WEBHOOK].status == "failed"
    assert "HTTP 500" in (results[Channel.WEBHOOK].error or "")
    assert [name for name, _ in first.failures] == ["iot"]
    state = {c.channel: c for c in service.get_subscription(store, "iot").channels}
    assert state[Channel.WEBHOOK].delivered == 0 and "HTTP 500" in (state[Channel.WEBHOOK].last_error or "")
    assert state[Channel.ATOM].delivered == 2

    load(store, tmp_path, [LATER], "later.jsonl")
    second = service.run_alerts(store, NOW + dt.timedelta(hours=1))
    results = {c.channel: c for c in second.subscriptions[0].channels}
    assert (results[Channel.ATOM].status, results[Channel.ATOM].new) == ("delivered", 1)  # only the new one
    assert (results[Channel.WEBHOOK].status, results[Channel.WEBHOOK].new) == ("delivered", 3)  # all again
    assert len(json.loads(hook.posts[-1][1])["items"]) == 3
    state = {c.channel: c for c in service.get_subscription(store, "iot").channels}
    assert state[Channel.WEBHOOK].last_error is None and state[Channel.WEBHOOK].delivered == 3
    third = service.run_alerts(store, NOW + dt.timedelta(hours=2))
    assert {c.status for c in third.subscriptions[0].channels} == {"nothing new"}


def test_unreachable_and_unconfigured_channels_fail_cleanly(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CYBERREG_SMTP_HOST", raising=False)
    service.add_subscription(
        store,
        Subscription(
            name="all",
            email="a@example.org",
            webhook=f"http://127.0.0.1:{free_port()}/nobody",
            json_file=str(tmp_path / "ok.json"),
        ),
    )
    report = service.run_alerts(store, NOW)
    results = {c.channel: c for c in report.subscriptions[0].channels}
    assert "CYBERREG_SMTP_HOST" in (results[Channel.EMAIL].error or "")
    assert results[Channel.WEBHOOK].status == "failed" and "ConnectError" in (
        results[Channel.WEBHOOK].error or ""
    )
    assert results[Channel.JSON].status == "delivered"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    service.add_subscription(store, Subscription(name="bad-path", atom=str(blocked / "x.atom")))
    result = service.run_alerts(store, NOW, names=["bad-path"]).subscriptions[0].channels[0]
    assert result.status == "failed" and result.error


def test_smtp_password_is_not_sent_in_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = service.SmtpSettings.from_env(
        {"CYBERREG_SMTP_HOST": "mail.example.org", "CYBERREG_SMTP_USER": "u", "CYBERREG_SMTP_PASSWORD": "p"}
    )
    assert settings.security == "none" and settings.port == 25
    with pytest.raises(service.DeliveryError, match="unencrypted"):
        service.send_email(settings, email.message.EmailMessage())
    assert (
        service.SmtpSettings.from_env({"CYBERREG_SMTP_HOST": "h", "CYBERREG_SMTP_PORT": "587"}).security
        == "starttls"
    )
    assert (
        service.SmtpSettings.from_env({"CYBERREG_SMTP_HOST": "h", "CYBERREG_SMTP_PORT": "465"}).security
        == "ssl"
    )
    with pytest.raises(service.DeliveryError, match="PORT"):
        service.SmtpSettings.from_env({"CYBERREG_SMTP_HOST": "h", "CYBERREG_SMTP_PORT": "x"})


def test_deadline_calendar(store: Store) -> None:
    text = service.deadline_calendar(store, AlertCriteria(cyber_only=True), generated=NOW)
    assert text.count("BEGIN:VEVENT") == 2
    assert text.index(render.deadline_uid("G/TBT/N/GBR/36")) < text.index(
        render.deadline_uid("G/TBT/N/USA/2041")
    )
    upcoming = service.deadline_calendar(store, AlertCriteria(), generated=NOW, from_date=dt.date(2023, 1, 1))
    assert upcoming.count("BEGIN:VEVENT") == 1 and "G/TBT/N/USA/2041" in upcoming
