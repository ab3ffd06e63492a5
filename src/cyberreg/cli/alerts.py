"""`cyberreg alerts ...`: subscriptions to new WTO notifications, their delivery, and deadline calendars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.table import Table

from cyberreg.cli.output import console, emit_json, errors, fail, handled_errors, state
from cyberreg.model.subscription import AlertCriteria, Subscription
from cyberreg.services import alerts as service

app = typer.Typer(
    help="Alerts on new WTO notifications (Atom, JSON, e-mail, webhook) and comment-deadline calendars.",
    no_args_is_help=True,
)
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")
MemberOption = typer.Option([], "--member", help="A member code (GBR, EU) or part of its name; repeatable.")
HsOption = typer.Option([], "--hs", help="HS code prefix (84, 8517, 8517.62); repeatable.")
IcsOption = typer.Option([], "--ics", help="ICS code prefix (35.030); repeatable.")
SectorOption = typer.Option([], "--sector", help="Classifier sector (iot_consumer, ...); repeatable.")
KeywordOption = typer.Option([], "--keyword", help="Words the text must contain; repeatable (any matches).")
CyberOption = typer.Option(False, "--cyber", help="Only cybersecurity-related notifications.")
AreaOption = typer.Option(None, "--area", help="TBT or SPS (default: both).")


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date YYYY-MM-DD, got {value!r}", 2) from None


def _validated(model: type[AlertCriteria], **fields: object) -> AlertCriteria:
    try:
        return model.model_validate({k: v for k, v in fields.items() if v not in (None, [], ())})
    except ValidationError as error:
        messages = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'subscription'}: {e['msg']}" for e in error.errors()
        )
        raise fail(messages, 2) from None


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name for the subscription: letters, digits, . _ -"),
    member: list[str] = MemberOption,
    hs: list[str] = HsOption,
    ics: list[str] = IcsOption,
    sector: list[str] = SectorOption,
    keyword: list[str] = KeywordOption,
    cyber: bool = CyberOption,
    area: str | None = AreaOption,
    since: str | None = typer.Option(
        None, "--since", help="Only notifications distributed on or after YYYY-MM-DD (default: all)."
    ),
    atom: Path | None = typer.Option(None, "--atom", help="Atom feed file to keep up to date."),
    json_out: Path | None = typer.Option(None, "--json-out", help="JSON file to keep up to date."),
    email: str | None = typer.Option(None, "--email", help="E-mail address (SMTP from CYBERREG_SMTP_*)."),
    webhook: str | None = typer.Option(None, "--webhook", help="URL that receives a JSON POST."),
    as_json: bool = JsonOption,
) -> None:
    """Save a subscription: every criterion given must match, any value of a repeated one may.

    Needs at least one channel (--atom, --json-out, --email, --webhook). `alerts run` delivers."""
    subscription = _validated(
        Subscription,
        name=name,
        members=member,
        hs=hs,
        ics=ics,
        sectors=sector,
        keywords=keyword,
        cyber_only=cyber,
        area=area.upper() if area else None,
        since=_date(since, "--since"),
        atom=str(atom) if atom else None,
        json_file=str(json_out) if json_out else None,
        email=email,
        webhook=webhook,
    )
    assert isinstance(subscription, Subscription)
    with handled_errors():
        saved = service.add_subscription(state(ctx).store, subscription)
    if as_json:
        emit_json(saved)
        return
    console.print(
        f"added {saved.name}: {saved.describe()} -> {', '.join(c.value for c in saved.channels)}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Subscriptions, with the state of each channel after the last run."""
    with handled_errors():
        views = service.list_subscriptions(state(ctx).store)
    if as_json:
        emit_json(views)
        return
    table = Table("name", "criteria", "channel", "target", "delivered", "last run", "last error")
    for view in views:
        for index, c in enumerate(view.channels):
            table.add_row(
                view.subscription.name if index == 0 else "",
                view.criteria if index == 0 else "",
                c.channel.value,
                c.target,
                str(c.delivered),
                c.last_run_at.isoformat(sep=" ") if c.last_run_at else "never",
                c.last_error or "",
            )
    if views:
        console.print(table)
    else:
        console.print("no subscriptions (add one with `alerts add`)", highlight=False)


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The subscription to forget, with its delivery state."),
    as_json: bool = JsonOption,
) -> None:
    """Forget a subscription and what it delivered."""
    with handled_errors():
        service.remove_subscription(state(ctx).store, name)
    if as_json:
        emit_json({"removed": name})
    else:
        console.print(f"removed {name}", highlight=False, soft_wrap=True)


@app.command("run")
def run(
    ctx: typer.Context,
    now: str | None = typer.Option(
        None, "--now", help="The run's time, ISO 8601 (default: now; UTC if no zone)."
    ),
    name: list[str] = typer.Option([], "--name", help="Only this subscription; repeatable."),
    as_json: bool = JsonOption,
) -> None:
    """Deliver to each channel the matching notifications it has not been given yet.

    A failing channel is reported (exit code 1) and tried again next run; the others keep their state."""
    moment: dt.datetime | None = None
    if now:
        try:
            moment = dt.datetime.fromisoformat(now)
        except ValueError:
            raise fail(f"--now must be an ISO 8601 time, got {now!r}", 2) from None
    with handled_errors():
        report = service.run_alerts(state(ctx).store, moment, names=name or None)
    if as_json:
        emit_json(report)
    else:
        for sub in report.subscriptions:
            for c in sub.channels:
                line = f"{sub.name} {c.channel.value}: {c.status}"
                if c.new and c.status != "nothing new":
                    line += f" ({c.new} new)"
                console.print(line + (f": {c.error}" if c.error else ""), highlight=False, soft_wrap=True)
        if not report.subscriptions:
            console.print("no subscriptions to run", highlight=False, soft_wrap=True)
    if report.failures:
        errors.print(
            f"{len(report.failures)} channel(s) failed; they will be tried again",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


@app.command("calendar")
def calendar(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The iCalendar file to write, e.g. deadlines.ics."),
    member: list[str] = MemberOption,
    hs: list[str] = HsOption,
    ics: list[str] = IcsOption,
    sector: list[str] = SectorOption,
    keyword: list[str] = KeywordOption,
    cyber: bool = CyberOption,
    area: str | None = AreaOption,
    since: str | None = typer.Option(None, "--since", help="Only notifications distributed on or after."),
    upcoming: str | None = typer.Option(
        None, "--from", help="Only deadlines on or after YYYY-MM-DD (default: all)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Write the final dates for comments of matching notifications as an iCalendar (.ics) file."""
    criteria = _validated(
        AlertCriteria,
        members=member,
        hs=hs,
        ics=ics,
        sectors=sector,
        keywords=keyword,
        cyber_only=cyber,
        area=area.upper() if area else None,
        since=_date(since, "--since"),
    )
    from_date = _date(upcoming, "--from")
    with handled_errors():
        text = service.deadline_calendar(state(ctx).store, criteria, from_date=from_date)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(text.encode("utf-8"))
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror or error}", 1) from None
    events = text.count("BEGIN:VEVENT")
    if as_json:
        emit_json({"file": str(out), "events": events})
    else:
        console.print(f"{out}: {events} comment deadline(s)", highlight=False, soft_wrap=True)
