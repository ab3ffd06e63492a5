"""Trade exposure: import trade flows, then the imports a notified measure or a trade concern covers.

The method is in `cyberreg.monitor.exposure` (pure functions) and docs/monitor.md; this module reads the
database around it. Values are US dollars; BACI's thousands are converted when read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from cyberreg.model.concern import normalize_ims_id
from cyberreg.model.notification import SymbolError, normalize_symbol
from cyberreg.monitor.exposure import (
    Coverage,
    average_imports,
    covered_imports,
    normalize_hs,
    pick_year,
    trade_codes,
)
from cyberreg.services.catalog import NotFound
from cyberreg.services.concerns import list_concerns
from cyberreg.services.store import Store
from cyberreg.sources.trade_flows import read_flows
from cyberreg.store.tables import NotificationRow
from cyberreg.store.tables_trade import (
    WORLD,
    TradeConcernNotificationRow,
    TradeConcernRow,
    TradeDatasetRow,
    TradeFlowRow,
)

_CHUNK = 5000


class TradeImportReport(BaseModel):
    file: str
    dataset: str
    kind: str
    bilateral: bool
    years: list[int]
    rows_read: int
    rows_kept: int
    flows_written: int
    importers: int
    unknown_countries: list[str]


class ExposureReport(BaseModel):
    subject: str  # `notification` or `concern`
    id: str  # the symbol or the IMS id
    title: str
    member: str
    member_code: str | None
    importers: list[str]  # the trade-data importers summed (the EU's member states)
    hs_codes: list[str]  # as given
    hs_source: str  # `notification`, `measure` (other documents of it), `concern`, `notifications`, `none`
    codes: list[str]  # normalised prefixes used
    year_wanted: int | None
    year: int | None
    dataset: str | None
    value_usd: float | None  # None when there is no HS code or no trade data
    products: int
    unmatched: list[str]
    top_products: list[dict[str, Any]]
    caveats: list[str]


class AverageReport(BaseModel):
    """The Secretariat's "average imports per STC", over cyber-related concerns or all."""

    cyber_only: bool
    dataset: str | None
    concerns: int
    with_data: int
    without_codes: int
    without_trade: int
    mean_usd: float | None
    median_usd: float | None
    total_usd: float
    items: list[ExposureReport]


# ---------------------------------------------------------------------------------------------------------
# Import.


def import_trade_flows(
    store: Store,
    path: Path,
    *,
    bilateral: bool = False,
    importers: list[str] | None = None,
    hs_prefixes: list[str] | None = None,
    country_codes: Path | None = None,
    dataset: str | None = None,
) -> TradeImportReport:
    """Replace the data set's years found in the file with the file's flows, in one transaction."""
    table = read_flows(
        path,
        bilateral=bilateral,
        importers=importers,
        hs_prefixes=hs_prefixes,
        country_codes=country_codes,
        dataset=dataset,
    )
    years = table.years
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [{"dataset": table.dataset, **row} for row in table.rows()]
    with store.session() as session, session.begin():
        existing = session.get(TradeDatasetRow, table.dataset)
        if existing is not None and existing.bilateral != table.bilateral:
            held = "bilateral flows" if existing.bilateral else "importer totals"
            raise ValueError(
                f"data set {table.dataset!r} holds {held}; import this file under another --dataset name"
            )
        files = dict(existing.details.get("files", {})) if existing else {}
        files[str(path)] = {"years": years, "rows_read": table.rows_read, "flows": len(rows)}
        all_years = sorted(set(existing.details.get("years", []) if existing else []) | set(years))
        details = {"files": files, "years": all_years, "unit": "USD"}
        if existing is None:
            session.add(
                TradeDatasetRow(
                    name=table.dataset,
                    kind=table.kind,
                    bilateral=table.bilateral,
                    details=details,
                    imported_at=now,
                )
            )
        else:
            existing.details, existing.imported_at = details, now
        session.flush()
        session.execute(
            delete(TradeFlowRow).where(TradeFlowRow.dataset == table.dataset, TradeFlowRow.year.in_(years))
        )
        for start in range(0, len(rows), _CHUNK):
            session.execute(insert(TradeFlowRow), rows[start : start + _CHUNK])
    return TradeImportReport(
        file=str(path),
        dataset=table.dataset,
        kind=table.kind,
        bilateral=table.bilateral,
        years=years,
        rows_read=table.rows_read,
        rows_kept=table.rows_kept,
        flows_written=len(rows),
        importers=len({row["importer"] for row in rows}),
        unknown_countries=sorted(table.unknown_countries),
    )


def list_datasets(store: Store) -> list[dict[str, Any]]:
    with store.session() as session:
        return [
            {"name": d.name, "kind": d.kind, "bilateral": d.bilateral, "years": d.details.get("years", [])}
            for d in session.scalars(select(TradeDatasetRow).order_by(TradeDatasetRow.name))
        ]


# ---------------------------------------------------------------------------------------------------------
# Exposure.


def _dataset(session: Session, name: str | None) -> TradeDatasetRow | None:
    """The data set asked for, else the only one, else the first BACI one, else the first by name."""
    if name:
        found = session.get(TradeDatasetRow, name)
        if found is None:
            raise NotFound(f"no trade data set {name!r} (see `trade import`)")
        return found
    sets = list(session.scalars(select(TradeDatasetRow).order_by(TradeDatasetRow.name)))
    return next((d for d in sets if d.kind == "baci"), sets[0] if sets else None)


def _years(session: Session, dataset: str) -> list[int]:
    return list(session.scalars(select(TradeFlowRow.year).where(TradeFlowRow.dataset == dataset).distinct()))


def _imports(
    session: Session, dataset: TradeDatasetRow, importers: tuple[str, ...], year: int, prefixes: list[str]
) -> dict[int, dict[str, float]]:
    query = (
        select(TradeFlowRow.hs6, func.sum(TradeFlowRow.value_usd))
        .where(
            TradeFlowRow.dataset == dataset.name,
            TradeFlowRow.year == year,
            TradeFlowRow.importer.in_(importers),
            or_(*(TradeFlowRow.hs6.startswith(p) for p in prefixes)),
        )
        .group_by(TradeFlowRow.hs6)
    )
    if dataset.bilateral and len(importers) > 1:
        query = query.where(TradeFlowRow.exporter.not_in(importers))  # a customs union's outside imports
    lines = {hs6: float(value) for hs6, value in session.execute(query).all()}
    return {year: lines} if lines else {}


def _exposure(
    session: Session,
    *,
    subject: str,
    id: str,
    title: str,
    member: str,
    member_code: str | None,
    hs_codes: list[str],
    hs_source: str,
    year_wanted: int | None,
    dataset_name: str | None,
) -> ExposureReport:
    dataset = _dataset(session, dataset_name)
    caveats: list[str] = []
    year = pick_year(_years(session, dataset.name), year_wanted) if dataset else None
    importers: tuple[str, ...] = ()
    coverage = Coverage(year=None, value_usd=0.0, codes=[], products=0)
    if dataset is None:
        caveats.append("no trade data in the database (see `trade import`)")
    elif not member_code:
        caveats.append(f"no WTO member code known for {member!r}")
    if not hs_codes:
        caveats.append("no HS code, in the record or its notifications")
    if dataset is not None and year is not None and member_code:
        importers = trade_codes(member_code, year)
        coverage = covered_imports(
            _imports(session, dataset, importers, year, _prefixes(hs_codes)), hs_codes, year=year
        )
        if member_code == "EU":
            caveats.append(
                "EU imports from outside the Union (member states' imports from non-members)"
                if dataset.bilateral
                else "EU: member states' total imports, intra-EU trade included (import bilateral data for "
                "extra-EU imports)"
            )
        if coverage.year is None and hs_codes:
            caveats.append(f"no imports by {', '.join(importers)} of these products in {year}")
        if year_wanted is not None and year != year_wanted:
            caveats.append(f"trade data for {year_wanted} not in the data set; {year} used")
    has_value = bool(hs_codes) and coverage.year is not None
    return ExposureReport(
        subject=subject,
        id=id,
        title=title,
        member=member,
        member_code=member_code,
        importers=list(importers),
        hs_codes=hs_codes,
        hs_source=hs_source,
        codes=coverage.codes,
        year_wanted=year_wanted,
        year=coverage.year if has_value else year,
        dataset=dataset.name if dataset else None,
        value_usd=coverage.value_usd if has_value else None,
        products=coverage.products,
        unmatched=coverage.unmatched,
        top_products=[{"hs6": hs6, "value_usd": value} for hs6, value in coverage.top_products],
        caveats=caveats,
    )


def _prefixes(hs_codes: list[str]) -> list[str]:
    return normalize_hs(hs_codes) or ["--"]


def exposure_for_symbol(
    store: Store, symbol: str, *, year: int | None = None, dataset: str | None = None
) -> ExposureReport:
    """The notifying member's imports of the products a notification covers (its measure's HS codes)."""
    try:
        canonical = normalize_symbol(symbol)
    except SymbolError as error:
        raise NotFound(str(error)) from None
    with store.session() as session:
        row = session.get(NotificationRow, canonical)
        if row is None:
            raise NotFound(f"no notification {canonical!r} in the database")
        codes, source = list(row.record.get("hs_codes", [])), "notification"
        if not codes:
            family = session.scalars(
                select(NotificationRow).where(NotificationRow.base_symbol == row.base_symbol)
            )
            codes = list(dict.fromkeys(c for r in family for c in r.record.get("hs_codes", [])))
            source = "measure" if codes else "none"
        return _exposure(
            session,
            subject="notification",
            id=canonical,
            title=row.title,
            member=row.member,
            member_code=row.member_code,
            hs_codes=codes,
            hs_source=source,
            year_wanted=year or row.distribution_date.year,
            dataset_name=dataset,
        )


def _concern_codes(session: Session, row: TradeConcernRow) -> tuple[list[str], str]:
    codes = list(row.record.get("hs_codes", []))
    if codes:
        return codes, "concern"
    found = session.scalars(
        select(NotificationRow)
        .join(
            TradeConcernNotificationRow,
            TradeConcernNotificationRow.base_symbol == NotificationRow.base_symbol,
        )
        .where(TradeConcernNotificationRow.ims_id == row.ims_id)
    )
    codes = list(dict.fromkeys(c for n in found for c in n.record.get("hs_codes", [])))
    return codes, "notifications" if codes else "none"


def _concern_exposure(
    session: Session, row: TradeConcernRow, year: int | None, dataset: str | None
) -> ExposureReport:
    codes, source = _concern_codes(session, row)
    return _exposure(
        session,
        subject="concern",
        id=row.ims_id,
        title=row.title,
        member=row.maintaining_member,
        member_code=row.maintaining_member_code,
        hs_codes=codes,
        hs_source=source,
        year_wanted=year or (row.first_raised.year if row.first_raised else None),
        dataset_name=dataset,
    )


def exposure_for_concern(
    store: Store, ims_id: str, *, year: int | None = None, dataset: str | None = None
) -> ExposureReport:
    """The maintaining member's imports of the products a concern (or its notifications) names."""
    key = normalize_ims_id(ims_id)
    with store.session() as session:
        row = session.get(TradeConcernRow, key)
        if row is None:
            raise NotFound(f"no trade concern {key!r} in the database")
        return _concern_exposure(session, row, year, dataset)


def average_imports_per_stc(
    store: Store, *, cyber: bool = True, dataset: str | None = None, until: dt.date | None = None
) -> AverageReport:
    """Mean imports per concern (cyber-related ones, or all; first raised by `until`), over those with
    HS codes and trade data."""
    wanted = {s.ims_id for s in list_concerns(store, cyber=True if cyber else None, until=until)}
    with store.session() as session:
        rows = session.scalars(select(TradeConcernRow).where(TradeConcernRow.ims_id.in_(wanted))).all()
        items = [_concern_exposure(session, row, None, dataset) for row in rows]
        chosen = _dataset(session, dataset)
    with_codes = [item for item in items if item.hs_codes]
    average = average_imports(
        [item.value_usd for item in with_codes], without_codes=len(items) - len(with_codes)
    )
    items.sort(key=lambda item: -(item.value_usd or 0.0))
    return AverageReport(
        cyber_only=cyber,
        dataset=chosen.name if chosen else None,
        concerns=average.concerns,
        with_data=average.with_data,
        without_codes=average.without_codes,
        without_trade=average.without_trade,
        mean_usd=average.mean_usd,
        median_usd=average.median_usd,
        total_usd=average.total_usd,
        items=items,
    )


__all__ = [
    "WORLD",
    "AverageReport",
    "ExposureReport",
    "TradeImportReport",
    "average_imports_per_stc",
    "exposure_for_concern",
    "exposure_for_symbol",
    "import_trade_flows",
    "list_datasets",
]
