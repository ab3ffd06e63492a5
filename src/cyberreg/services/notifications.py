"""WTO TBT/SPS notifications: import, classify, list, show."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, or_, select

from cyberreg.model import Instrument
from cyberreg.model.notification import Notification, SymbolError, normalize_symbol
from cyberreg.services.catalog import NotFound
from cyberreg.services.store import Store
from cyberreg.sources import eping_json, eping_workbook
from cyberreg.sources.problems import InputError, Problem
from cyberreg.store import fulltext
from cyberreg.store.notifications import Classified, link_instruments, upsert_notifications
from cyberreg.store.tables import (
    InstrumentRow,
    NotificationCodeRow,
    NotificationFlagRow,
    NotificationInstrumentRow,
    NotificationRow,
)

READERS: dict[str, Callable[[Path], list[Notification]]] = {
    ".xlsx": eping_workbook.read_workbook,
    ".json": eping_json.read_api_json,
    ".jsonl": eping_json.read_jsonl,
    ".csv": eping_json.read_csv,
}


class ImportReport(BaseModel):
    file: str
    read: int
    new: int
    updated: int
    unchanged: int
    cyber_related: int


class NotificationSummary(BaseModel):
    symbol: str
    base_symbol: str
    area: str
    member: str
    member_code: str | None
    date: dt.date
    final_date_for_comments: dt.date | None
    notification_type: str | None
    title: str
    cyber_related: bool
    cyber_score: float
    sector: str
    national_security: bool
    flags: list[str]


class NotificationPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[NotificationSummary]


class NotificationDetail(BaseModel):
    summary: NotificationSummary
    notification: Notification
    classification: dict[str, Any]
    follow_ups: list[NotificationSummary]  # every notification of the same measure, this one included
    instruments: list[dict[str, str]]


def read_notifications(path: Path) -> list[Notification]:
    """Every notification in a file (ePing workbook, ePing API JSON, our JSON lines or CSV).

    All or nothing: a corrupt file or a bad row raises `InputError` before anything is written."""
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "no such file")])
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        kinds = ", ".join(sorted(READERS))
        raise InputError(
            [Problem(str(path), None, None, f"unknown file type {path.suffix!r} (expected {kinds})")]
        )
    return reader(path)


def classifier_version() -> str:
    """A fingerprint of the classifier's rules: when they change, the next import re-classifies."""
    from cyberreg.monitor import classify

    return hashlib.sha256(Path(classify.__file__).read_bytes()).hexdigest()[:16]


def classify_all(notifications: list[Notification]) -> tuple[list[Classified], str]:
    from cyberreg.monitor.classify import classify

    items = []
    for n in notifications:
        result = classify(n)
        items.append(
            Classified(
                notification=n,
                cyber_related=result.cyber_related,
                cyber_score=result.cyber_score,
                sector=result.sector.value,
                national_security=result.national_security,
                flags=[f.value for f in result.flag_names],
                detail=result.model_dump(mode="json", exclude={"symbol"}),
            )
        )
    return items, classifier_version()


def import_notifications(store: Store, path: Path) -> ImportReport:
    notifications = read_notifications(path)
    items, version = classify_all(notifications)
    with store.connect() as conn, conn.begin():
        result = upsert_notifications(conn, items, version)
        _link_curated(conn)
    return ImportReport(
        file=str(path),
        read=len(notifications),
        new=result.new,
        updated=result.updated,
        unchanged=result.unchanged,
        cyber_related=sum(1 for i in items if i.cyber_related),
    )


def _link_curated(conn: Any) -> None:
    """Links that the knowledge base states: each instrument lists the notifications it was notified as."""
    links = []
    for row in conn.execute(select(InstrumentRow.record)):
        inst = Instrument.model_validate(row.record)
        links += [(normalize_symbol(n.symbol), inst.id) for n in inst.notifications]
    link_instruments(conn, links, origin="bundled")


def _summary(row: NotificationRow) -> NotificationSummary:
    return NotificationSummary(
        symbol=row.symbol,
        base_symbol=row.base_symbol,
        area=row.area,
        member=row.member,
        member_code=row.member_code,
        date=row.distribution_date,
        final_date_for_comments=row.final_date_for_comments,
        notification_type=row.notification_type,
        title=row.title,
        cyber_related=row.cyber_related,
        cyber_score=round(row.cyber_score, 3),
        sector=row.sector,
        national_security=row.national_security,
        flags=list(row.classification.get("flags", [])),
    )


class NotificationFilter(BaseModel):
    """Filters on notifications; an alert subscription is a saved one."""

    cyber: bool | None = None
    member: str | None = None  # a member code (GBR) or part of its name
    sector: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    area: str | None = None
    hs: str | None = None  # HS code prefix
    ics: str | None = None  # ICS code prefix
    flag: str | None = None
    text: str | None = None  # words in title, description, products or keywords


def _filtered(connection: Any, query: Select[Any], f: NotificationFilter) -> Select[Any]:
    if f.cyber is not None:
        query = query.where(NotificationRow.cyber_related.is_(f.cyber))
    if f.member:
        query = query.where(
            or_(
                NotificationRow.member_code == f.member.upper(), NotificationRow.member.ilike(f"%{f.member}%")
            )
        )
    if f.sector:
        query = query.where(NotificationRow.sector == f.sector)
    if f.since:
        query = query.where(NotificationRow.distribution_date >= f.since)
    if f.until:
        query = query.where(NotificationRow.distribution_date <= f.until)
    if f.area:
        query = query.where(NotificationRow.area == f.area.upper())
    for scheme, prefix in (("HS", f.hs), ("ICS", f.ics)):
        if prefix:
            code = prefix.replace(".", "") if scheme == "HS" else prefix
            # A range, not LIKE 'prefix%', so that the index on code serves it.
            upper = code[:-1] + chr(ord(code[-1]) + 1)
            query = query.where(
                NotificationRow.symbol.in_(
                    select(NotificationCodeRow.symbol).where(
                        NotificationCodeRow.scheme == scheme,
                        NotificationCodeRow.code >= code,
                        NotificationCodeRow.code < upper,
                    )
                )
            )
    if f.flag:
        query = query.where(
            NotificationRow.symbol.in_(
                select(NotificationFlagRow.symbol).where(NotificationFlagRow.flag == f.flag)
            )
        )
    if f.text:
        query = query.where(
            NotificationRow.symbol.in_(fulltext.notifications_matching(connection.dialect.name, f.text))
        )
    return query


def list_notifications(
    store: Store, filters: NotificationFilter | None = None, *, limit: int = 50, offset: int = 0
) -> NotificationPage:
    """Notifications matching every filter given, newest first."""
    with store.session() as session:
        query = _filtered(session.connection(), select(NotificationRow), filters or NotificationFilter())
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(NotificationRow.distribution_date.desc(), NotificationRow.symbol)
            .limit(limit)
            .offset(offset)
        )
        return NotificationPage(total=total, offset=offset, limit=limit, items=[_summary(r) for r in rows])


def show_notification(store: Store, symbol: str) -> NotificationDetail:
    try:
        canonical = normalize_symbol(symbol)
    except SymbolError as error:
        raise NotFound(str(error)) from None
    with store.session() as session:
        row = session.get(NotificationRow, canonical)
        if row is None:
            raise NotFound(f"no notification {canonical!r} in the database")
        family = session.scalars(
            select(NotificationRow).where(NotificationRow.base_symbol == row.base_symbol)
        ).all()
        links = session.execute(
            select(NotificationInstrumentRow.instrument_id, InstrumentRow.short_title)
            .join(InstrumentRow, InstrumentRow.id == NotificationInstrumentRow.instrument_id)
            .where(NotificationInstrumentRow.symbol.in_([r.symbol for r in family]))
        ).all()
        return NotificationDetail(
            summary=_summary(row),
            notification=Notification.model_validate(row.record),
            classification=dict(row.classification),
            follow_ups=[
                _summary(r)
                for r in sorted(
                    family, key=lambda r: Notification.model_validate(r.record).parsed_symbol.sort_key()
                )
            ],
            instruments=[{"id": i, "short_title": t} for i, t in dict.fromkeys(links)],
        )


class EvaluationReport(BaseModel):
    files: list[str]
    labelled: int
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int
    hard_negatives: int
    hard_negatives_misread: list[str]
    misclassified: list[str]
    summary: str


def evaluate_classifier(paths: list[Path], gold_path: Path) -> EvaluationReport:
    """Classify the notifications in `paths` and score them against hand labels (symbol, label)."""
    from cyberreg.monitor.evaluate import evaluate_notifications, read_gold_labels

    gold = read_gold_labels(gold_path)
    notifications = [n for path in paths for n in read_notifications(path)]
    result = evaluate_notifications(notifications, gold)
    c = result.confusion
    return EvaluationReport(
        files=[str(p) for p in paths],
        labelled=c.total,
        precision=round(c.precision, 4),
        recall=round(c.recall, 4),
        f1=round(c.f1, 4),
        tp=c.tp,
        fp=c.fp,
        fn=c.fn,
        tn=c.tn,
        hard_negatives=result.hard_negatives,
        hard_negatives_misread=list(result.hard_negative_false_positives),
        misclassified=[str(m) for m in result.misclassified],
        summary=result.summary(),
    )
