"""Figures on TBT notifications and trade concerns: the kind the WTO Secretariat quotes.

The unit is the measure, not the document: a notification and its addenda, corrigenda and revisions
(one base symbol) count once, in the year of its earliest document in the database, for the member that
notified it. A measure is cyber-related, national-security or flagged when any of its documents is;
its sector is that of its earliest cyber-related document; its objectives are all its documents'.
Documents are also counted (`documents`). Concerns count once each, in the year first raised; a concern
is cyber-related by its own text or by a cyber-related notification it names (services/concerns.py).

With `until`, only documents distributed (and concerns first raised) on or before that day count, so
the Secretariat's "as of 31 May 2023" figures can be reproduced from the bulk ePing workbook.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import select

from cyberreg.services.concerns import ConcernSummary, list_concerns
from cyberreg.services.exposure import AverageReport, average_imports_per_stc, list_datasets
from cyberreg.services.store import Store
from cyberreg.store.tables import NotificationRow

UNKNOWN = "unknown"


class NotificationFigures(BaseModel):
    cyber_only: bool
    area: str | None
    measures: int  # base symbols
    documents: int  # notifications, follow-ups included
    first_date: dt.date | None
    last_date: dt.date | None
    by_year: dict[str, int]  # ascending years
    by_member: dict[str, int]  # most first
    by_sector: dict[str, int]
    by_objective: dict[str, int]
    since_year: int
    since_count: int
    since_share: float | None
    national_security: int
    national_security_share: float | None


class ConcernFigures(BaseModel):
    cyber_only: bool
    concerns: int
    first_date: dt.date | None
    last_date: dt.date | None
    by_year: dict[str, int]
    by_maintaining_member: dict[str, int]
    by_raising_member: dict[str, int]
    since_year: int
    since_count: int
    since_share: float | None


class ExposureFigures(BaseModel):
    dataset: str | None
    concerns: int
    with_data: int
    without_codes: int
    without_trade: int
    mean_usd: float | None
    median_usd: float | None
    top: list[dict[str, object]]  # the largest concerns: id, title, member, year, value_usd


class TbtFigures(BaseModel):
    generated: dt.date
    until: dt.date | None
    area: str | None
    notifications_all: NotificationFigures
    notifications_cyber: NotificationFigures
    concerns_all: ConcernFigures
    concerns_cyber: ConcernFigures
    flags_by_member: dict[str, dict[str, int]]  # cyber measures: member -> flag -> measures
    exposure_cyber: ExposureFigures | None
    exposure_all: ExposureFigures | None
    notes: list[str]


@dataclass
class _Measure:
    base: str
    date: dt.date
    member: str
    cyber: bool = False
    sector: str = "none"
    sector_date: dt.date | None = None
    national_security: bool = False
    documents: int = 0
    objectives: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _by_year(dates: list[dt.date | None]) -> dict[str, int]:
    counter = Counter(str(d.year) if d else UNKNOWN for d in dates)
    return dict(sorted(counter.items(), key=lambda item: (item[0] == UNKNOWN, item[0])))


def _measures(store: Store, area: str | None, until: dt.date | None) -> list[_Measure]:
    query = select(
        NotificationRow.base_symbol,
        NotificationRow.distribution_date,
        NotificationRow.member,
        NotificationRow.cyber_related,
        NotificationRow.sector,
        NotificationRow.national_security,
        NotificationRow.classification,
        NotificationRow.record,
    )
    if area:
        query = query.where(NotificationRow.area == area.upper())
    if until:
        query = query.where(NotificationRow.distribution_date <= until)
    measures: dict[str, _Measure] = {}
    with store.session() as session:
        for base, date, member, cyber, sector, national, classification, record in session.execute(
            query.order_by(NotificationRow.distribution_date, NotificationRow.symbol)
        ):
            m = measures.setdefault(base, _Measure(base=base, date=date, member=member))
            m.documents += 1
            m.national_security |= bool(national)
            m.objectives.update(record.get("objectives", []))
            if cyber:
                m.cyber = True
                m.flags.update(classification.get("flags", []))
                if m.sector_date is None:
                    m.sector, m.sector_date = sector, date
    return list(measures.values())


def _notification_figures(
    measures: list[_Measure], *, cyber: bool, area: str | None, since: int
) -> NotificationFigures:
    chosen = [m for m in measures if m.cyber or not cyber]
    recent = sum(1 for m in chosen if m.date.year >= since)
    national = sum(1 for m in chosen if m.national_security)
    return NotificationFigures(
        cyber_only=cyber,
        area=area,
        measures=len(chosen),
        documents=sum(m.documents for m in chosen),
        first_date=min((m.date for m in chosen), default=None),
        last_date=max((m.date for m in chosen), default=None),
        by_year=_by_year([m.date for m in chosen]),
        by_member=_ranked(Counter(m.member for m in chosen)),
        by_sector=_ranked(Counter(m.sector for m in chosen if m.cyber)),
        by_objective=_ranked(Counter(o for m in chosen for o in m.objectives)),
        since_year=since,
        since_count=recent,
        since_share=_share(recent, len(chosen)),
        national_security=national,
        national_security_share=_share(national, len(chosen)),
    )


def notification_figures(
    store: Store,
    *,
    cyber: bool = True,
    area: str | None = "TBT",
    since: int = 2020,
    until: dt.date | None = None,
) -> NotificationFigures:
    """Measures by year, member, sector and objective; the share since `since`; national security."""
    return _notification_figures(_measures(store, area, until), cyber=cyber, area=area, since=since)


def flags_by_member(measures: list[_Measure]) -> dict[str, dict[str, int]]:
    found: dict[str, Counter[str]] = {}
    for m in measures:
        if m.cyber and m.flags:
            found.setdefault(m.member, Counter()).update(m.flags)
    order = sorted(found, key=lambda member: (-sum(found[member].values()), member))
    return {member: _ranked(found[member]) for member in order}


def _concern_figures(concerns: list[ConcernSummary], *, cyber: bool, since: int) -> ConcernFigures:
    dates = [c.first_raised for c in concerns]
    known = [d for d in dates if d]
    recent = sum(1 for d in known if d.year >= since)
    return ConcernFigures(
        cyber_only=cyber,
        concerns=len(concerns),
        first_date=min(known, default=None),
        last_date=max(known, default=None),
        by_year=_by_year(dates),
        by_maintaining_member=_ranked(Counter(c.maintaining_member for c in concerns)),
        by_raising_member=_ranked(Counter(m for c in concerns for m in c.raising_members)),
        since_year=since,
        since_count=recent,
        since_share=_share(recent, len(concerns)),
    )


def concern_figures(
    store: Store, *, cyber: bool = True, since: int = 2017, until: dt.date | None = None
) -> ConcernFigures:
    """Concerns by year first raised and by member; the share first raised since `since`."""
    return _concern_figures(
        list_concerns(store, cyber=True if cyber else None, until=until), cyber=cyber, since=since
    )


def _exposure_figures(report: AverageReport, top: int = 10) -> ExposureFigures:
    return ExposureFigures(
        dataset=report.dataset,
        concerns=report.concerns,
        with_data=report.with_data,
        without_codes=report.without_codes,
        without_trade=report.without_trade,
        mean_usd=report.mean_usd,
        median_usd=report.median_usd,
        top=[
            {"id": i.id, "title": i.title, "member": i.member, "year": i.year, "value_usd": i.value_usd}
            for i in report.items
            if i.value_usd is not None
        ][:top],
    )


def tbt_figures(
    store: Store,
    *,
    since: int = 2020,
    stc_since: int = 2017,
    until: dt.date | None = None,
    area: str | None = "TBT",
) -> TbtFigures:
    """Every figure of the TBT report, from one pass over the notifications."""
    measures = _measures(store, area, until)
    all_concerns = list_concerns(store, until=until)
    cyber_concerns = [c for c in all_concerns if c.cyber_related]
    exposure_cyber = exposure_all = None
    if all_concerns and list_datasets(store):
        exposure_cyber = _exposure_figures(average_imports_per_stc(store, cyber=True, until=until))
        exposure_all = _exposure_figures(average_imports_per_stc(store, cyber=False, until=until))
    notes = [
        "A measure is a notification with its follow-ups (one base symbol), counted once, in the year of "
        "its earliest document in the database.",
        "Cyber-related, sector, national security and flags come from cyberreg's rule-based classifier "
        "(with evidence), not from the WTO.",
    ]
    if not all_concerns:
        notes.append("No trade concerns in the database: import the STC export with `concerns import`.")
    if all_concerns and exposure_all is None:
        notes.append("No trade data in the database: import BACI or Comtrade files with `trade import`.")
    return TbtFigures(
        generated=dt.date.today(),
        until=until,
        area=area,
        notifications_all=_notification_figures(measures, cyber=False, area=area, since=since),
        notifications_cyber=_notification_figures(measures, cyber=True, area=area, since=since),
        concerns_all=_concern_figures(all_concerns, cyber=False, since=stc_since),
        concerns_cyber=_concern_figures(cyber_concerns, cyber=True, since=stc_since),
        flags_by_member=flags_by_member(measures),
        exposure_cyber=exposure_cyber,
        exposure_all=exposure_all,
        notes=notes,
    )
