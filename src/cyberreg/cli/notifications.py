"""`cyberreg notifications ...`: import, list and show WTO TBT/SPS notifications."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from cyberreg.cli.output import console, emit_json, handled_errors, state
from cyberreg.services import notifications as service

app = typer.Typer(help="WTO TBT/SPS notifications: import, classify, list, show.", no_args_is_help=True)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="An ePing workbook (.xlsx), ePing API JSON, or our .jsonl / .csv."),
    as_json: bool = JsonOption,
) -> None:
    """Add new and update changed notifications; importing the same file twice changes nothing.

    A corrupt or truncated file is reported and leaves the database as it was."""
    with handled_errors():
        report = service.import_notifications(state(ctx).store, file)
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report.file}: read {report.read}, new {report.new}, updated {report.updated}, "
        f"unchanged {report.unchanged}; cybersecurity-related {report.cyber_related}",
        highlight=False,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    cyber: bool = typer.Option(False, "--cyber", help="Only cybersecurity-related notifications."),
    member: str | None = typer.Option(None, help="A member code (GBR, EU) or part of its name."),
    sector: str | None = typer.Option(None, help="iot_consumer, telecom_network, vehicles, ..."),
    since: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Distributed on or after."),
    until: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Distributed on or before."),
    area: str | None = typer.Option(None, help="TBT or SPS."),
    hs: str | None = typer.Option(None, help="HS code prefix, e.g. 8517."),
    ics: str | None = typer.Option(None, help="ICS code prefix, e.g. 35.030."),
    flag: str | None = typer.Option(
        None, help="A trade-restrictiveness flag, e.g. local_testing_or_certification."
    ),
    text: str | None = typer.Option(None, "--text", help="Words in the title or description."),
    limit: int = typer.Option(50, min=1, max=10_000),
    offset: int = typer.Option(0, min=0),
    as_json: bool = JsonOption,
) -> None:
    """Notifications matching every filter, newest first."""
    with handled_errors():
        filters = service.NotificationFilter(
            cyber=True if cyber else None,
            member=member,
            sector=sector,
            since=since.date() if since else None,
            until=until.date() if until else None,
            area=area,
            hs=hs,
            ics=ics,
            flag=flag,
            text=text,
        )
        page = service.list_notifications(state(ctx).store, filters, limit=limit, offset=offset)
    if as_json:
        emit_json(page.items)
        return
    table = Table(
        "symbol",
        "date",
        "member",
        "title",
        "cyber",
        "sector",
        "flags",
        title=f"{page.total} notifications (showing {len(page.items)} from {page.offset})",
    )
    for n in page.items:
        table.add_row(
            n.symbol,
            n.date.isoformat(),
            n.member_code or n.member,
            n.title[:80],
            f"{n.cyber_score:.2f}" if n.cyber_related else "",
            n.sector if n.cyber_related else "",
            ", ".join(n.flags),
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    symbol: str = typer.Argument(..., help="A notification symbol, e.g. G/TBT/N/GBR/36."),
    as_json: bool = JsonOption,
) -> None:
    """One notification: its classification with evidence, follow-ups and linked instruments."""
    with handled_errors():
        detail = service.show_notification(state(ctx).store, symbol)
    if as_json:
        emit_json(detail)
        return
    n = detail.notification
    console.rule(f"[bold]{n.symbol}[/]")
    console.print(
        f"{n.member}, distributed {n.distribution_date}"
        + (f", comments by {n.final_date_for_comments}" if n.final_date_for_comments else ""),
        highlight=False,
    )
    console.print(n.title, highlight=False)
    if n.description:
        console.print(n.description, highlight=False)
    s = detail.summary
    console.print(
        f"[bold]cybersecurity[/] {'yes' if s.cyber_related else 'no'} (score {s.cyber_score:.2f}), "
        f"sector {s.sector}, national security {'cited' if s.national_security else 'not cited'}",
        highlight=False,
    )
    for name, evidence in detail.classification.get("evidence", {}).items():
        console.print(f"  {name}: {evidence}", highlight=False)
    if len(detail.follow_ups) > 1:
        console.print(
            "[bold]same measure[/] " + ", ".join(f.symbol for f in detail.follow_ups), highlight=False
        )
    for inst in detail.instruments:
        console.print(f"[bold]instrument[/] {inst['id']} ({inst['short_title']})", highlight=False)


@app.command("eval")
def eval_(
    files: list[Path] = typer.Argument(..., help="Notification files (.xlsx, .json, .jsonl, .csv)."),
    gold: Path = typer.Option(..., "--gold", help="Hand labels: CSV with symbol,cyber_related,sector,..."),
    as_json: bool = JsonOption,
) -> None:
    """Score the cybersecurity classifier against hand labels: precision, recall, F1, misreads."""
    with handled_errors():
        report = service.evaluate_classifier(files, gold)
    if as_json:
        emit_json(report)
    else:
        console.print(report.summary, highlight=False)
