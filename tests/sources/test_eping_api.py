"""The ePing API client against a fake ePing on 127.0.0.1: paging, retries, failures, the CLI command.

The fake speaks the API's shape: `GET /eping/notifications/search?page=&pageSize=...` with the key in
`Ocp-Apim-Subscription-Key`, answering `{items, totalCount, currentPage, pageSize}`. It can be told to
answer a list of statuses first (429 with Retry-After, 500, ...). Nothing here leaves this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from typer.testing import CliRunner

from cyberreg.cli import eping as eping_cli
from cyberreg.cli.output import State
from cyberreg.model.notification import Area
from cyberreg.services import notifications as notifications_service
from cyberreg.services.store import Store
from cyberreg.sources import eping_api
from cyberreg.sources.eping_api import EpingApiError, EpingClient, retry_after
from cyberreg.sources.problems import InputError

KEY = "test-key-123"


def api_item(n: int, member: str = "GBR", name: str = "United Kingdom") -> dict[str, Any]:
    return {
        "id": 1000 + n,
        "documentSymbol": f" G/TBT/N/{member}/{n}",
        "area": "TBT",
        "notificationType": {"id": 1, "name": "Regular notification"},
        "notifyingMember": name,
        "notifyingMemberCode": member,
        "distributionDate": f"2025-06-{1 + n % 28:02d}T00:00:00",
        "commentDeadlineDate": f"2025-08-{1 + n % 28:02d}T00:00:00",
        "titlePlain": f"Security requirements for connectable products, part {n}",
        "descriptionPlain": "Requirements on passwords and security updates of consumer IoT devices.",
        "hsCodes": [{"id": 1, "code": "8517", "name": "Telephone sets"}],
        "icsCodes": ["35.030 - IT Security"],
        "keywords": [{"id": 3, "name": "Cybersecurity"}],
        "objectives": [{"id": 2, "name": "Consumer information, labelling (TBT)"}],
        "linkToNotification": f"https://docs.wto.org/{member}-{n}.pdf",
    }


@dataclass
class FakeEping:
    items: list[dict[str, Any]] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answered before the pages
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def fake() -> Iterator[FakeEping]:
    state = FakeEping()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            state.requests.append(
                {"path": parts.path, "query": query, "key": self.headers.get("Ocp-Apim-Subscription-Key")}
            )
            if parts.path != "/eping/notifications/search":
                self._send(404, b'{"message": "Resource not found"}')
                return
            if self.headers.get("Ocp-Apim-Subscription-Key") != KEY:
                self._send(
                    401, b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}'
                )
                return
            if state.script:
                status, headers = state.script.pop(0)
                if status == 200 and headers.get("body") is not None:
                    self._send(200, headers["body"].encode())
                    return
                self._send(status, b'{"message": "try later"}', headers)
                return
            page, size = int(query.get("page", 1)), int(query.get("pageSize", 10))
            chunk = state.items[(page - 1) * size : page * size]
            body = {"items": chunk, "totalCount": len(state.items), "currentPage": page, "pageSize": size}
            self._send(200, json.dumps(body).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(fake: FakeEping, sleeps: Sleeps | None = None, **options: Any) -> EpingClient:
    return EpingClient(KEY, base_url=fake.url, sleep=sleeps if sleeps is not None else Sleeps(), **options)


def test_pages_through_everything(fake: FakeEping) -> None:
    fake.items = [api_item(n) for n in range(1, 24)]
    with client(fake, page_size=10) as api:
        found = list(api.notifications(since=dt.date(2025, 6, 1), until=dt.date(2025, 6, 30)))
    assert [n.symbol for n in found] == [f"G/TBT/N/GBR/{n}" for n in range(1, 24)]
    assert [r["query"]["page"] for r in fake.requests] == ["1", "2", "3"]
    first = fake.requests[0]
    assert first["key"] == KEY
    assert first["query"] == {
        "language": "1",
        "pageSize": "10",
        "domainIds": "1",
        "distributionDateFrom": "2025-06-01",
        "distributionDateTo": "2025-06-30",
        "page": "1",
    }
    n = found[0]
    assert (n.member_code, n.area, n.hs_codes, n.ics_codes) == ("GBR", Area.TBT, ["8517"], ["35.030"])
    assert n.final_date_for_comments == dt.date(2025, 8, 2)
    assert n.source.id == "1001" and n.source.kind == "eping-api"


def test_an_empty_answer_and_an_exact_last_page(fake: FakeEping) -> None:
    with client(fake) as api:
        assert list(api.notifications()) == []
    assert len(fake.requests) == 1
    fake.items = [api_item(n) for n in range(1, 21)]
    fake.requests.clear()
    with client(fake, page_size=10) as api:
        assert len(list(api.notifications(area=None))) == 20
    assert len(fake.requests) == 2  # totalCount reached: no third request
    assert "domainIds" not in fake.requests[0]["query"]


def test_429_then_success_honours_retry_after(fake: FakeEping) -> None:
    fake.items = [api_item(1)]
    fake.script = [(429, {"Retry-After": "2"}), (503, {})]
    sleeps = Sleeps()
    with client(fake, sleeps, backoff=0.5) as api:
        found = list(api.notifications())
    assert [n.symbol for n in found] == ["G/TBT/N/GBR/1"]
    assert sleeps == [2.0, 1.0]  # Retry-After, then back-off 0.5 * 2**1
    assert len(fake.requests) == 3


def test_retry_after_is_capped_and_read_as_a_date() -> None:
    now = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after("Sun, 01 Jun 2025 12:00:30 GMT", now) == 30.0
    assert retry_after("7") == 7.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_500_gives_up_cleanly(fake: FakeEping) -> None:
    fake.items = [api_item(1)]
    fake.script = [(500, {})] * 10
    sleeps = Sleeps()
    with (
        client(fake, sleeps, max_retries=3, backoff=1.0, max_wait=3.0) as api,
        pytest.raises(EpingApiError) as info,
    ):
        list(api.notifications())
    assert "gave up after 4 attempts" in str(info.value) and "HTTP 500" in str(info.value)
    assert info.value.status == 500
    assert sleeps == [1.0, 2.0, 3.0]  # 1, 2, then 4 capped at max_wait
    assert len(fake.requests) == 4


def test_refusals_fail_at_once_with_a_clear_message(fake: FakeEping) -> None:
    with (
        EpingClient("wrong", base_url=fake.url, sleep=Sleeps()) as api,
        pytest.raises(EpingApiError, match="API key was refused"),
    ):
        list(api.notifications())
    assert len(fake.requests) == 1
    with (
        EpingClient(KEY, base_url=fake.url + "/nothing", sleep=Sleeps()) as api,
        pytest.raises(EpingApiError, match=r"404.*check the base URL"),
    ):
        list(api.notifications())
    fake.script = [(200, {"body": "<html>maintenance</html>"})]
    with client(fake) as api, pytest.raises(EpingApiError, match="not JSON"):
        list(api.notifications())
    fake.script = [(200, {"body": '{"error": "no items"}'})]
    with client(fake) as api, pytest.raises(EpingApiError, match="not an answer"):
        list(api.notifications())
    with pytest.raises(ValueError, match="key"):
        EpingClient(" ")


def test_timeouts_and_refused_connections_are_retried_then_reported() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    with (
        EpingClient(KEY, base_url=f"http://127.0.0.1:{port}", sleep=sleeps, max_retries=2, timeout=2) as api,
        pytest.raises(EpingApiError, match="could not connect"),
    ):
        list(api.notifications())
    assert len(sleeps) == 2


def test_bad_items_are_reported_or_collected(fake: FakeEping) -> None:
    bad = api_item(2)
    bad["documentSymbol"] = "not a symbol"
    fake.items = [api_item(1), bad, api_item(3)]
    with client(fake) as api, pytest.raises(InputError, match=r"page\[1\]\.items\[1\]\.documentSymbol"):
        list(api.notifications())
    problems: list[Any] = []
    with client(fake) as api:
        found = list(api.notifications(problems=problems))
    assert [n.symbol for n in found] == ["G/TBT/N/GBR/1", "G/TBT/N/GBR/3"]
    assert len(problems) == 1


def test_fetch_notifications_in_one_go(fake: FakeEping) -> None:
    fake.items = [api_item(n) for n in range(1, 4)]
    found = eping_api.fetch_notifications(KEY, since=dt.date(2025, 6, 1), base_url=fake.url, page_size=2)
    assert len(found) == 3


def cli_app(db: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = State(db=str(db))

    app.add_typer(eping_cli.app, name="eping")
    return app


def test_cli_fetch_imports_through_the_service(fake: FakeEping, tmp_path: Path, kb_dir: Path) -> None:
    fake.items = [api_item(n) for n in range(1, 6)]
    db = tmp_path / "cli.db"
    Store(db, auto_build=False).build(kb_dir)
    saved = tmp_path / "answer.json"
    runner = CliRunner()
    args = ["eping", "fetch", "--key", KEY, "--since", "2025-06-01", "--base-url", fake.url]
    result = runner.invoke(cli_app(db), [*args, "--page-size", "2", "--save", str(saved), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["pages"] == 3 and out["import"]["new"] == 5
    assert len(json.loads(saved.read_text())) == 3  # the pages as they came
    store = Store(db, auto_build=False)
    assert notifications_service.list_notifications(store).total == 5
    again = runner.invoke(cli_app(db), [*args, "--save", str(saved), "--json"])
    assert json.loads(again.stdout)["import"]["unchanged"] == 5
    refused = runner.invoke(
        cli_app(db),
        [
            "eping",
            "fetch",
            "--key",
            "wrong",
            "--since",
            "2025-06-01",
            "--base-url",
            fake.url,
            "--save",
            str(tmp_path / "x.json"),
        ],
    )
    assert refused.exit_code == 1 and "API key was refused" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x.json").exists()
    bad_date = runner.invoke(
        cli_app(db), ["eping", "fetch", "--key", KEY, "--since", "June", "--base-url", fake.url]
    )
    assert bad_date.exit_code == 2
