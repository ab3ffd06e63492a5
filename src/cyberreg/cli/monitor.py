"""`cyberreg concerns|trade|exposure|report tbt`: trade concerns, trade flows, exposure and the TBT report.

Registered by cli/main.py:
    app.add_typer(monitor.concerns_app, name="concerns")
    app.add_typer(monitor.trade_app, name="trade")
    app.command()(monitor.exposure)
    app.add_typer(monitor.report_app, name="report")
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from cyberreg.cli.output import console, emit_json, fail, handled_errors, state
from cyberreg.reports import tbt as tbt_report
from cyberreg.services import analysis
from cyberreg.services import concerns as concern_service
from cyberreg.services import exposure as exposure_service

JsonOption = typer.Option(False, "--json", help="Machine-readable output.")
DATE_FORMATS = ["%Y-%m-%d"]

concerns_app = typer.Typer(
    help="Specific trade concerns (STCs) raised in the WTO TBT Committee: import, list, show.",
    no_args_is_help=True,
)
trade_app = typer.Typer(
    help="Trade flows (CEPII BACI, UN Comtrade) for trade exposure.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports built from the database.", no_args_is_help=True)


def _usd(value: float | None) -> str:
    return tbt_report.money(value)


@concerns_app.command("import")
def concerns_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="An STC export (.csv or .xlsx) from the TBT IMS / ePing."),
    as_json: bool = JsonOption,
) -> None:
    """Add new and update changed concerns; a file with any bad row changes nothing."""
    with handled_errors():
        report = concern_service.import_concerns(state(ctx).store, file)
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report.file}: read {report.read}, new {report.new}, updated {report.updated}, unchanged "
        f"{report.unchanged}; cybersecurity-related by their text {report.cyber_related}; naming a "
        f"notification in the database {report.linked}",
        highlight=False,
    )


@concerns_app.command("list")
def concerns_list(
    ctx: typer.Context,
    cyber: bool = typer.Option(False, "--cyber", help="Only cybersecurity-related concerns."),
    member: str | None = typer.Option(None, help="A member code (CHN, EU) or part of a name, in any role."),
    since: dt.datetime | None = typer.Option(None, formats=DATE_FORMATS, help="First raised on or after."),
    until: dt.datetime | None = typer.Option(None, formats=DATE_FORMATS, help="First raised on or before."),
    as_json: bool = JsonOption,
) -> None:
    """Concerns matching every filter, by IMS id."""
    with handled_errors():
        items = concern_service.list_concerns(
            state(ctx).store,
            cyber=True if cyber else None,
            member=member,
            since=since.date() if since else None,
            until=until.date() if until else None,
        )
    if as_json:
        emit_json(items)
        return
    table = Table(
        "id", "first raised", "maintaining", "raised by", "title", "cyber", title=f"{len(items)} concerns"
    )
    for c in items:
        table.add_row(
            c.ims_id,
            c.first_raised.isoformat() if c.first_raised else "",
            c.maintaining_member_code or c.maintaining_member,
            ", ".join(c.raising_members)[:40],
            c.title[:70],
            "/".join(c.cyber_basis),
        )
    console.print(table)


@concerns_app.command("show")
def concerns_show(
    ctx: typer.Context,
    ims_id: str = typer.Argument(..., help="The IMS id of the concern, e.g. 755."),
    as_json: bool = JsonOption,
) -> None:
    """One concern: its members, dates, classification, notifications and linked instruments."""
    with handled_errors():
        detail = concern_service.show_concern(state(ctx).store, ims_id)
    if as_json:
        emit_json(detail)
        return
    s = detail.summary
    console.rule(f"[bold]STC {s.ims_id}[/]")
    console.print(s.title, highlight=False)
    console.print(
        f"maintained by {s.maintaining_member}; raised by {', '.join(s.raising_members) or '-'}; "
        f"supported by {', '.join(s.supporting_members) or '-'}; first raised {s.first_raised or '-'}, "
        f"{s.times_raised or '?'} times; status {s.status or '-'}",
        highlight=False,
    )
    console.print(f"cybersecurity-related: {'/'.join(s.cyber_basis) or 'no'}", highlight=False)
    for n in detail.notifications:
        console.print(f"  {n.symbol}  {n.date}  {n.title[:80]}", highlight=False)
    for link in detail.instruments:
        console.print(f"  instrument {link['id']} ({link['short_title']}) via {link['via']}", highlight=False)


@trade_app.command("import")
def trade_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A BACI year file (t,i,j,k,v,q) or a UN Comtrade CSV."),
    bilateral: bool = typer.Option(False, "--bilateral", help="Keep exporters (else importer totals)."),
    importer: list[str] | None = typer.Option(None, "--importer", help="Keep only this importer (alpha-3)."),
    hs: list[str] | None = typer.Option(None, "--hs", help="Keep only products under this HS prefix."),
    country_codes: Path | None = typer.Option(
        None, help="BACI country_codes_V*.csv (found beside the file)."
    ),
    dataset: str | None = typer.Option(None, help="Data set name (default: baci-HS22, comtrade, ...)."),
    as_json: bool = JsonOption,
) -> None:
    """Replace the data set's years found in the file with the file's imports."""
    with handled_errors():
        report = exposure_service.import_trade_flows(
            state(ctx).store,
            file,
            bilateral=bilateral,
            importers=importer or None,
            hs_prefixes=hs or None,
            country_codes=country_codes,
            dataset=dataset,
        )
    if as_json:
        emit_json(report)
        return
    console.print(
        f"{report.file}: {report.kind} data set {report.dataset!r}, years "
        f"{', '.join(map(str, report.years))}; read {report.rows_read} rows, kept {report.rows_kept}, "
        f"wrote {report.flows_written} flows for {report.importers} importers",
        highlight=False,
    )


@trade_app.command("datasets")
def trade_datasets(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """The trade-flow data sets in the database."""
    with handled_errors():
        sets = exposure_service.list_datasets(state(ctx).store)
    if as_json:
        emit_json(sets)
        return
    for d in sets:
        kind = f"{d['kind']}, {'bilateral' if d['bilateral'] else 'importer totals'}"
        console.print(f"{d['name']} ({kind}): {', '.join(map(str, d['years']))}", highlight=False)


def exposure(
    ctx: typer.Context,
    symbol: str | None = typer.Option(None, "--symbol", help="A notification symbol: G/TBT/N/GBR/36."),
    concern: str | None = typer.Option(None, "--concern", help="The IMS id of a trade concern."),
    average: bool = typer.Option(False, "--average", help="Average imports per cyber-related concern."),
    all_concerns: bool = typer.Option(False, "--all-concerns", help="With --average: over every concern."),
    year: int | None = typer.Option(None, help="Trade year (default: the year notified or first raised)."),
    dataset: str | None = typer.Option(None, help="Trade data set (default: the BACI one)."),
    as_json: bool = JsonOption,
) -> None:
    """Imports a measure or a trade concern covers: the member's imports of the products it names."""
    if sum(bool(x) for x in (symbol, concern, average)) != 1:
        raise fail("give exactly one of --symbol, --concern or --average", 2)
    store = state(ctx).store
    with handled_errors():
        if average:
            result = exposure_service.average_imports_per_stc(store, cyber=not all_concerns, dataset=dataset)
            if as_json:
                emit_json(result)
                return
            scope = "concern" if all_concerns else "cyber-related concern"
            console.print(
                f"average imports per {scope}: {_usd(result.mean_usd)} "
                f"(median {_usd(result.median_usd)}) over {result.with_data} of {result.concerns}; "
                f"{result.without_codes} without HS codes, "
                f"{result.without_trade} without trade data; data set {result.dataset}",
                highlight=False,
            )
            return
        if symbol:
            item = exposure_service.exposure_for_symbol(store, symbol, year=year, dataset=dataset)
        else:
            item = exposure_service.exposure_for_concern(store, concern or "", year=year, dataset=dataset)
    if as_json:
        emit_json(item)
        return
    console.print(f"{item.id}: {item.title}", highlight=False)
    console.print(
        f"{item.member} ({', '.join(item.importers) or '-'}) imports of HS {', '.join(item.codes) or '-'} "
        f"(from the {item.hs_source}) in {item.year or '-'}: {_usd(item.value_usd)}, "
        f"{item.products} HS6 lines",
        highlight=False,
    )
    for caveat in item.caveats:
        console.print(f"  note: {caveat}", highlight=False)


@report_app.command("tbt")
def report_tbt(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Where to write the HTML report."),
    as_json: bool = typer.Option(False, "--json", help="Also print the figures as JSON."),
    since: int = typer.Option(2020, help="Share of cyber-related measures notified since this year."),
    stc_since: int = typer.Option(2017, help="Share of cyber-related concerns first raised since this year."),
    until: dt.datetime | None = typer.Option(None, formats=DATE_FORMATS, help="Count only up to this day."),
    area: str = typer.Option("TBT", help="TBT, SPS or ALL."),
) -> None:
    """The TBT monitor report: measures, concerns and trade exposure, with charts that work offline."""
    with handled_errors():
        figures = analysis.tbt_figures(
            state(ctx).store,
            since=since,
            stc_since=stc_since,
            until=until.date() if until else None,
            area=None if area.upper() == "ALL" else area.upper(),
        )
        out.write_text(tbt_report.to_html(figures), encoding="utf-8")
    if as_json:
        emit_json(figures)
        return
    c = figures.notifications_cyber
    console.print(
        f"wrote {out}: {c.measures} cyber-related measures ({tbt_report.percent(c.since_share)} since "
        f"{c.since_year}, {tbt_report.percent(c.national_security_share)} national security); "
        f"{figures.concerns_cyber.concerns} cyber-related concerns",
        highlight=False,
    )
