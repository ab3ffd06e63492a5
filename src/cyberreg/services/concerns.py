"""Specific trade concerns (STCs): import, classify, link to notifications and instruments, list, show.

A concern is cyber-related when the notification classifier, run on its title, description, codes,
objectives and keywords (through `concern_as_notification`), says so, or when a notification it names
(any document of the same measure, matched by base symbol) is cyber-related. The first is stored at
import; the second is worked out when asked, so importing notifications later updates it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from cyberreg.model.concern import TradeConcern, normalize_ims_id
from cyberreg.model.notification import (
    Notification,
    NotificationSource,
    SourceKind,
    base_symbol,
    member_code_for,
)
from cyberreg.services.catalog import NotFound
from cyberreg.services.notifications import NotificationSummary, classifier_version
from cyberreg.services.notifications import _summary as notification_summary
from cyberreg.services.store import Store
from cyberreg.sources.stc import read_concerns
from cyberreg.store.tables import InstrumentRow, NotificationInstrumentRow, NotificationRow
from cyberreg.store.tables_trade import (
    TradeConcernMemberRow,
    TradeConcernNotificationRow,
    TradeConcernRow,
)

_CHUNK = 500


class ConcernImportReport(BaseModel):
    file: str
    read: int
    new: int
    updated: int
    unchanged: int
    cyber_related: int  # by the classifier on the concern's own text
    linked: int  # concerns naming a notification that is in the database


class ConcernSummary(BaseModel):
    ims_id: str
    area: str
    title: str
    maintaining_member: str
    maintaining_member_code: str | None
    raising_members: list[str]
    supporting_members: list[str]
    first_raised: dt.date | None
    last_raised: dt.date | None
    times_raised: int | None
    status: str | None
    cyber_related: bool
    cyber_basis: list[str]  # `text` (the classifier on the concern), `notification` (a cyber notification)
    cyber_score: float
    sector: str
    national_security: bool
    notification_symbols: list[str]
    hs_codes: list[str]


class ConcernDetail(BaseModel):
    summary: ConcernSummary
    concern: TradeConcern
    classification: dict[str, Any]
    notifications: list[NotificationSummary]  # every document in the database of the measures it names
    instruments: list[dict[str, str]]  # knowledge-base instruments linked to those notifications


def concern_as_notification(concern: TradeConcern) -> Notification:
    """A notification-shaped view of a concern, for the notification classifier. Its symbol is a stand-in
    (`G/TBT/N/STC/<id>`) and is never stored."""
    digits = re.sub(r"\D", "", concern.ims_id)[:6] or "0"
    return Notification(
        symbol=f"G/{concern.area.value}/N/STC/{int(digits)}",
        area=concern.area,
        member=concern.maintaining_member,
        distribution_date=concern.first_raised or dt.date(1995, 1, 1),
        title=concern.title,
        description=concern.description,
        hs_codes=concern.hs_codes,
        ics_codes=concern.ics_codes,
        objectives=concern.objectives,
        keywords=concern.keywords,
        source=NotificationSource(kind=SourceKind.MANUAL, file=concern.source.file, id=concern.ims_id),
    )


def classify_concern(concern: TradeConcern) -> dict[str, Any]:
    """The classifier's verdict on a concern's text, as stored (flags, evidence, version)."""
    from cyberreg.monitor.classify import classify

    result = classify(concern_as_notification(concern))
    detail = result.model_dump(mode="json", exclude={"symbol"})
    detail["flags"] = [flag.value for flag in result.flag_names]
    return detail


def _hash(concern: TradeConcern, version: str) -> str:
    body = concern.model_dump_json(exclude={"source"})
    return hashlib.sha256((version + "\n" + body).encode()).hexdigest()


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _remove(conn: Connection, ids: list[str]) -> None:
    for chunk in _chunks(ids):
        conn.execute(delete(TradeConcernMemberRow).where(TradeConcernMemberRow.ims_id.in_(chunk)))
        conn.execute(delete(TradeConcernNotificationRow).where(TradeConcernNotificationRow.ims_id.in_(chunk)))
        conn.execute(delete(TradeConcernRow).where(TradeConcernRow.ims_id.in_(chunk)))


def _insert(conn: Connection, concerns: list[TradeConcern], version: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows, members, links = [], [], []
    for c in concerns:
        detail = classify_concern(c)
        rows.append(
            {
                "ims_id": c.ims_id,
                "area": c.area.value,
                "title": c.title,
                "maintaining_member": c.maintaining_member,
                "maintaining_member_code": c.maintaining_member_code,
                "first_raised": c.first_raised,
                "last_raised": c.last_raised,
                "times_raised": c.times_raised,
                "status": c.status,
                "content_hash": _hash(c, version),
                "cyber_related": detail["cyber_related"],
                "cyber_score": detail["cyber_score"],
                "sector": detail["sector"],
                "national_security": detail["national_security"],
                "classification": detail,
                "record": c.model_dump(mode="json"),
                "imported_at": now,
                "updated_at": now,
            }
        )
        for role, names in (
            ("maintaining", [c.maintaining_member, *c.other_maintaining_members]),
            ("raising", c.raising_members),
            ("supporting", c.supporting_members),
        ):
            members += [
                {"ims_id": c.ims_id, "role": role, "member": name[:120], "member_code": _code(name)}
                for name in dict.fromkeys(names)
            ]
        links += [
            {"ims_id": c.ims_id, "symbol": s, "base_symbol": base_symbol(s)}
            for s in dict.fromkeys(c.notification_symbols)
        ]
    for table, items in ((TradeConcernRow, rows), (TradeConcernMemberRow, members)):
        for chunk in _chunks(items):
            conn.execute(insert(table), chunk)
    for chunk in _chunks(links):
        conn.execute(insert(TradeConcernNotificationRow), chunk)


def _code(name: str) -> str | None:
    return member_code_for(name) or (name if re.fullmatch(r"[A-Z]{2,5}", name) else None)


def import_concerns(store: Store, path: Path) -> ConcernImportReport:
    """Add new and update changed concerns; the same file twice changes nothing. All or nothing."""
    concerns = read_concerns(path)
    version = classifier_version()
    latest = {c.ims_id: c for c in concerns}
    with store.connect() as conn, conn.begin():
        existing = dict(conn.execute(select(TradeConcernRow.ims_id, TradeConcernRow.content_hash)).all())
        new = [c for i, c in latest.items() if i not in existing]
        changed = [c for i, c in latest.items() if i in existing and existing[i] != _hash(c, version)]
        _remove(conn, [c.ims_id for c in changed])
        _insert(conn, new + changed, version)
        cyber = conn.execute(
            select(TradeConcernRow.ims_id).where(
                TradeConcernRow.ims_id.in_(list(latest)), TradeConcernRow.cyber_related.is_(True)
            )
        ).all()
    with store.session() as session:
        linked = _linked_notifications(session, list(latest))
    return ConcernImportReport(
        file=str(path),
        read=len(concerns),
        new=len(new),
        updated=len(changed),
        unchanged=len(latest) - len(new) - len(changed),
        cyber_related=len(cyber),
        linked=sum(1 for rows in linked.values() if rows),
    )


def _linked_notifications(session: Session, ids: list[str]) -> dict[str, list[NotificationRow]]:
    """Every notification in the database of the measures each concern names (by base symbol)."""
    query = select(TradeConcernNotificationRow.ims_id, NotificationRow).join(
        NotificationRow, NotificationRow.base_symbol == TradeConcernNotificationRow.base_symbol
    )
    found: dict[str, list[NotificationRow]] = {}
    for chunk in _chunks(ids):
        for ims_id, row in session.execute(query.where(TradeConcernNotificationRow.ims_id.in_(chunk))).all():
            found.setdefault(ims_id, []).append(row)
    return found


def cyber_by_notification(conn: Connection | Session) -> dict[str, str]:
    """Concerns naming a cyber-related notification, with that notification's sector."""
    rows = conn.execute(
        select(TradeConcernNotificationRow.ims_id, NotificationRow.sector, NotificationRow.distribution_date)
        .join(NotificationRow, NotificationRow.base_symbol == TradeConcernNotificationRow.base_symbol)
        .where(NotificationRow.cyber_related.is_(True))
        .order_by(NotificationRow.distribution_date)
    ).all()
    found: dict[str, str] = {}
    for ims_id, sector, _ in rows:
        found.setdefault(ims_id, sector)
    return found


def summarize(row: TradeConcernRow, by_notification: dict[str, str]) -> ConcernSummary:
    record = row.record
    basis = (["text"] if row.cyber_related else []) + (
        ["notification"] if row.ims_id in by_notification else []
    )
    sector = row.sector if row.cyber_related else by_notification.get(row.ims_id, row.sector)
    return ConcernSummary(
        ims_id=row.ims_id,
        area=row.area,
        title=row.title,
        maintaining_member=row.maintaining_member,
        maintaining_member_code=row.maintaining_member_code,
        raising_members=record.get("raising_members", []),
        supporting_members=record.get("supporting_members", []),
        first_raised=row.first_raised,
        last_raised=row.last_raised,
        times_raised=row.times_raised,
        status=row.status,
        cyber_related=bool(basis),
        cyber_basis=basis,
        cyber_score=round(row.cyber_score, 3),
        sector=sector,
        national_security=row.national_security,
        notification_symbols=record.get("notification_symbols", []),
        hs_codes=record.get("hs_codes", []),
    )


def _id_key(ims_id: str) -> tuple[int, str]:
    return (int(ims_id), "") if ims_id.isdigit() else (1 << 30, ims_id)


def list_concerns(
    store: Store,
    *,
    cyber: bool | None = None,
    member: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[ConcernSummary]:
    """Concerns matching every filter, by IMS id. `member`: a code or part of a name, in any role."""
    with store.session() as session:
        query = select(TradeConcernRow)
        if member:
            wanted = select(TradeConcernMemberRow.ims_id).where(
                (TradeConcernMemberRow.member_code == member.upper())
                | TradeConcernMemberRow.member.ilike(f"%{member}%")
            )
            query = query.where(TradeConcernRow.ims_id.in_(wanted))
        if since:
            query = query.where(TradeConcernRow.first_raised >= since)
        if until:
            query = query.where(TradeConcernRow.first_raised <= until)
        rows = session.scalars(query).all()
        by_notification = cyber_by_notification(session)
    summaries = [summarize(row, by_notification) for row in rows]
    if cyber is not None:
        summaries = [s for s in summaries if s.cyber_related is cyber]
    return sorted(summaries, key=lambda s: _id_key(s.ims_id))


def show_concern(store: Store, ims_id: str) -> ConcernDetail:
    try:
        key = normalize_ims_id(ims_id)
    except ValueError as error:
        raise NotFound(str(error)) from None
    with store.session() as session:
        row = session.get(TradeConcernRow, key)
        if row is None:
            raise NotFound(f"no trade concern {key!r} in the database")
        notifications = _linked_notifications(session, [key]).get(key, [])
        by_notification = cyber_by_notification(session)
        bases = {base_symbol(s) for s in row.record.get("notification_symbols", [])}
        links = [
            (symbol, instrument, title)
            for symbol, instrument, title in session.execute(
                select(
                    NotificationInstrumentRow.symbol,
                    NotificationInstrumentRow.instrument_id,
                    InstrumentRow.short_title,
                ).join(InstrumentRow, InstrumentRow.id == NotificationInstrumentRow.instrument_id)
            ).all()
            if base_symbol(symbol) in bases
        ]
        return ConcernDetail(
            summary=summarize(row, by_notification),
            concern=TradeConcern.model_validate(row.record),
            classification=dict(row.classification),
            notifications=[
                notification_summary(n) for n in sorted(notifications, key=lambda n: n.distribution_date)
            ],
            instruments=[{"id": i, "short_title": t, "via": s} for s, i, t in links],
        )
