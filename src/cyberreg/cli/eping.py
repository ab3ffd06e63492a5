"""`cyberreg eping fetch`: read new notifications from the WTO ePing API and import them.

The API's answer pages are saved as they came (a JSON list of `{items, totalCount, ...}` answers, by
default in the user cache folder) and imported from that file through the notifications service, so
every imported notification names the file it came from and the import can be repeated offline.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import platformdirs
import typer

from cyberreg.cli.output import console, emit_json, fail, handled_errors, state
from cyberreg.model.notification import Area
from cyberreg.services import notifications as service
from cyberreg.sources.eping_api import DEFAULT_BASE_URL, EpingApiError, EpingClient

app = typer.Typer(help="The WTO ePing API: fetch notifications into the database.", no_args_is_help=True)


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date YYYY-MM-DD, got {value!r}", 2) from None


def default_save_path(since: dt.date, until: dt.date | None, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    period = f"{since.isoformat()}_{until.isoformat() if until else 'now'}"
    return Path(platformdirs.user_cache_dir("cyberreg")) / "eping" / f"eping-{period}-{stamp}.json"


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    key: str = typer.Option(
        ...,
        "--key",
        envvar="CYBERREG_EPING_KEY",
        help="ePing API key (Ocp-Apim-Subscription-Key).",
        show_default=False,
    ),
    since: str = typer.Option(..., "--since", help="Distributed on or after YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Distributed on or before YYYY-MM-DD."),
    area: str = typer.Option("TBT", "--area", help="TBT, SPS or ALL."),
    base_url: str = typer.Option(DEFAULT_BASE_URL, "--base-url", help="API root (the path is added)."),
    page_size: int = typer.Option(100, "--page-size", min=1, max=1000),
    timeout: float = typer.Option(30.0, "--timeout", min=1.0, help="Seconds per request."),
    save: Path | None = typer.Option(
        None, "--save", help="Where to keep the API's answer (default: a file in the user cache folder)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Fetch every notification distributed in a period, then import it like `notifications import`.

    Rate limits and server errors are retried with back-off; nothing is imported unless every page
    was read and every item is a valid notification."""
    start = _date(since, "--since")
    end = _date(until, "--until")
    assert start is not None
    chosen = area.strip().upper()
    if chosen not in ("TBT", "SPS", "ALL"):
        raise fail(f"--area must be TBT, SPS or ALL, got {area!r}", 2)
    with handled_errors():
        try:
            with EpingClient(key, base_url=base_url, page_size=page_size, timeout=timeout) as client:
                query = client.query(since=start, until=end, area=None if chosen == "ALL" else Area(chosen))
                pages = list(client.pages(query))
        except EpingApiError as error:
            raise fail(str(error), 1) from None
        path = save or default_save_path(start, end)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
        except OSError as error:
            raise fail(f"cannot save the API answer to {path}: {error.strerror or error}", 1) from None
        report = service.import_notifications(state(ctx).store, path)
    if as_json:
        emit_json({"pages": len(pages), "saved": str(path), "import": report})
        return
    console.print(
        f"{base_url}: {len(pages)} page(s) saved to {path}; read {report.read}, new {report.new}, "
        f"updated {report.updated}, unchanged {report.unchanged}; "
        f"cybersecurity-related {report.cyber_related}",
        highlight=False,
        soft_wrap=True,
    )
