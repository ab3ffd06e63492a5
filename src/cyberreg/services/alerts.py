"""Alerts: saved subscriptions over the notifications, and runs that deliver what newly matches them.

A run (`run_alerts`) takes each subscription, finds the notifications in the database that match it, and
gives each of its channels the ones that channel has not been given yet:

- `atom` / `json`: the file is rewritten with the newest `FEED_SIZE` notifications the channel has been
  given, these included (a feed keeps its recent past; ids are stable, so readers see only the new ones);
- `email`: one message listing the new notifications, over SMTP (settings from `CYBERREG_SMTP_HOST`,
  `_PORT`, `_USER`, `_PASSWORD`, `_FROM`, and `_SECURITY` = `none`, `starttls` or `ssl`);
- `webhook`: one POST of JSON `{event, subscription, generated, count, items}`, signed with
  `X-Cyberreg-Signature: sha256=<HMAC of the body>` when `CYBERREG_WEBHOOK_SECRET` is set.

The rule on failures: state is kept per channel. A channel that delivers records each notification it was
given (`alert_deliveries`) in its own transaction, at once; a channel that fails records nothing but the
error, so the next run gives it the same notifications again, and the channels that succeeded never see
them twice. One failing channel never stops the others or the other subscriptions. Delivery is at least
once: a crash between sending and recording means the next run sends again. A second run with nothing
new in the database delivers nothing and writes no file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel
from sqlalchemy import Connection, delete, insert, or_, select, update

from cyberreg import __version__
from cyberreg.model.notification import Notification
from cyberreg.model.subscription import AlertCriteria, Channel, Subscription
from cyberreg.monitor.classify import Sector
from cyberreg.monitor.products import ProductCodeError, normalize_hs
from cyberreg.reports import alerts as render
from cyberreg.services.catalog import NotFound
from cyberreg.services.store import Store
from cyberreg.store import fulltext
from cyberreg.store.tables import NotificationCodeRow, NotificationRow
from cyberreg.store.tables_alerts import AlertChannelRow, AlertDeliveryRow, SubscriptionRow

FEED_SIZE = 100  # notifications kept in an Atom or JSON file
WEBHOOK_TIMEOUT = 30.0
SMTP_TIMEOUT = 30.0
_CHUNK = 500
_FILES = (Channel.ATOM, Channel.JSON)


class DeliveryError(RuntimeError):
    """A channel could not deliver; the message says why."""


class ChannelState(BaseModel):
    channel: Channel
    target: str
    last_run_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str | None
    delivered: int


class SubscriptionView(BaseModel):
    subscription: Subscription
    criteria: str
    created_at: dt.datetime
    last_run_at: dt.datetime | None
    channels: list[ChannelState]


class ChannelResult(BaseModel):
    channel: Channel
    target: str
    new: int  # notifications this channel had not been given
    status: Literal["delivered", "failed", "nothing new"]
    error: str | None = None


class SubscriptionRun(BaseModel):
    name: str
    matched: int  # notifications matching the subscription, delivered or not
    channels: list[ChannelResult]


class AlertRunReport(BaseModel):
    run_at: dt.datetime
    subscriptions: list[SubscriptionRun]

    @property
    def failures(self) -> list[tuple[str, ChannelResult]]:
        return [(s.name, c) for s in self.subscriptions for c in s.channels if c.status == "failed"]


def _utc_naive(moment: dt.datetime | None) -> dt.datetime:
    """The database's time: UTC without a zone. A naive `moment` is taken as UTC already."""
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


# ---------------------------------------------------------------------------------------------------------
# Subscriptions.


def check_criteria(criteria: AlertCriteria) -> None:
    """Codes against the HS nomenclature, sectors against the classifier's; raises ValueError."""
    for code in criteria.hs:
        try:
            normalize_hs(code)
        except ProductCodeError as error:
            raise ValueError(str(error)) from None
    known = {s.value for s in Sector}
    unknown = [s for s in criteria.sectors if s not in known]
    if unknown:
        raise ValueError(f"unknown sector {unknown[0]!r} (one of {', '.join(sorted(known))})")


def add_subscription(
    store: Store, subscription: Subscription, *, now: dt.datetime | None = None
) -> Subscription:
    """Save a subscription, file paths made absolute; ValueError if the name is taken or a code unknown."""
    check_criteria(subscription)
    updates = {
        field: str(Path(value).expanduser().resolve())
        for field in ("atom", "json_file")
        if (value := getattr(subscription, field))
    }
    subscription = subscription.model_copy(update=updates)
    created = _utc_naive(now)
    with store.connect() as conn, conn.begin():
        if conn.execute(
            select(SubscriptionRow.name).where(SubscriptionRow.name == subscription.name)
        ).first():
            raise ValueError(f"a subscription named {subscription.name!r} exists: remove it first")
        conn.execute(
            insert(SubscriptionRow),
            [
                {
                    "name": subscription.name,
                    "record": subscription.model_dump(mode="json"),
                    "created_at": created,
                }
            ],
        )
        conn.execute(
            insert(AlertChannelRow),
            [
                {"subscription": subscription.name, "channel": c.value, "target": t, "delivered": 0}
                for c, t in subscription.channels.items()
            ],
        )
    return subscription


def _view(row: SubscriptionRow, channels: Iterable[AlertChannelRow]) -> SubscriptionView:
    subscription = Subscription.model_validate(row.record)
    return SubscriptionView(
        subscription=subscription,
        criteria=subscription.describe(),
        created_at=row.created_at,
        last_run_at=row.last_run_at,
        channels=[
            ChannelState(
                channel=Channel(c.channel),
                target=c.target,
                last_run_at=c.last_run_at,
                last_success_at=c.last_success_at,
                last_error=c.last_error,
                delivered=c.delivered,
            )
            for c in sorted(channels, key=lambda c: list(Channel).index(Channel(c.channel)))
        ],
    )


def list_subscriptions(store: Store) -> list[SubscriptionView]:
    with store.session() as session:
        rows = session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.name)).all()
        channels: dict[str, list[AlertChannelRow]] = {}
        for c in session.scalars(select(AlertChannelRow)):
            channels.setdefault(c.subscription, []).append(c)
        return [_view(row, channels.get(row.name, [])) for row in rows]


def get_subscription(store: Store, name: str) -> SubscriptionView:
    for view in list_subscriptions(store):
        if view.subscription.name == name:
            return view
    raise NotFound(f"no subscription named {name!r}")


def remove_subscription(store: Store, name: str) -> None:
    """Forget a subscription and everything it delivered; NotFound if there is none of that name."""
    with store.connect() as conn, conn.begin():
        if not conn.execute(select(SubscriptionRow.name).where(SubscriptionRow.name == name)).first():
            raise NotFound(f"no subscription named {name!r}")
        conn.execute(delete(AlertDeliveryRow).where(AlertDeliveryRow.subscription == name))
        conn.execute(delete(AlertChannelRow).where(AlertChannelRow.subscription == name))
        conn.execute(delete(SubscriptionRow).where(SubscriptionRow.name == name))


# ---------------------------------------------------------------------------------------------------------
# Matching.


def _broader(scheme: str, code: str) -> list[str]:
    """The codes above `code`: HS `851762` -> `85`, `8517`; ICS `35.030.10` -> `35`, `35.030`."""
    if scheme == "HS":
        return [code[:n] for n in range(2, len(code), 2)]
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def matching_symbols(conn: Connection, criteria: AlertCriteria) -> list[str]:
    """Symbols of the notifications matching every criterion, newest first.

    A code criterion matches a notification listing that code, a code below it, or a code above it: a
    subscription to HS 8517 gets notifications on 851762 and those on the whole of chapter 85."""
    query = select(NotificationRow.symbol)
    if criteria.cyber_only:
        query = query.where(NotificationRow.cyber_related.is_(True))
    if criteria.area:
        query = query.where(NotificationRow.area == criteria.area.value)
    if criteria.since:
        query = query.where(NotificationRow.distribution_date >= criteria.since)
    if criteria.members:
        query = query.where(
            or_(
                *(
                    or_(NotificationRow.member_code == m.upper(), NotificationRow.member.ilike(f"%{m}%"))
                    for m in criteria.members
                )
            )
        )
    if criteria.sectors:
        query = query.where(NotificationRow.sector.in_(criteria.sectors))
    for scheme, prefixes in (("HS", criteria.hs), ("ICS", criteria.ics)):
        if prefixes:
            broader = sorted({c for p in prefixes for c in _broader(scheme, p)})
            codes = select(NotificationCodeRow.symbol).where(
                NotificationCodeRow.scheme == scheme,
                or_(
                    NotificationCodeRow.code.in_(broader),
                    *(NotificationCodeRow.code.startswith(p, autoescape=True) for p in prefixes),
                ),
            )
            query = query.where(NotificationRow.symbol.in_(codes))
    query = query.order_by(NotificationRow.distribution_date.desc(), NotificationRow.symbol)
    symbols = list(conn.execute(query).scalars())
    if criteria.keywords:
        wanted: set[str] = set()
        for keyword in criteria.keywords:
            wanted.update(fulltext.search_notifications(conn, keyword))
        symbols = [s for s in symbols if s in wanted]
    return symbols


def _load(conn: Connection, symbols: Sequence[str]) -> list[Notification]:
    found: dict[str, Notification] = {}
    for start in range(0, len(symbols), _CHUNK):
        chunk = list(symbols[start : start + _CHUNK])
        for symbol, record in conn.execute(
            select(NotificationRow.symbol, NotificationRow.record).where(NotificationRow.symbol.in_(chunk))
        ):
            found[symbol] = Notification.model_validate(record)
    return [found[s] for s in symbols if s in found]


def matching_notifications(
    store: Store, criteria: AlertCriteria, *, limit: int | None = None
) -> list[Notification]:
    """The notifications matching `criteria`, newest first (a preview of what a subscription gets)."""
    check_criteria(criteria)
    with store.connect() as conn:
        symbols = matching_symbols(conn, criteria)
        return _load(conn, symbols[:limit] if limit is not None else symbols)


def deadline_calendar(
    store: Store,
    criteria: AlertCriteria | None = None,
    *,
    generated: dt.datetime | None = None,
    from_date: dt.date | None = None,
) -> str:
    """An iCalendar (RFC 5545) text of the comment deadlines of matching notifications, on or after
    `from_date` when given."""
    criteria = criteria or AlertCriteria()
    dated = [
        n
        for n in matching_notifications(store, criteria)
        if n.final_date_for_comments and (from_date is None or n.final_date_for_comments >= from_date)
    ]
    return render.deadline_calendar(dated, generated=_utc_naive(generated).replace(tzinfo=dt.UTC))


# ---------------------------------------------------------------------------------------------------------
# Delivery.


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "cyberreg@localhost"
    security: Literal["none", "starttls", "ssl"] = "none"
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if environ is None else environ
        host = env.get("CYBERREG_SMTP_HOST", "").strip()
        if not host:
            raise DeliveryError("e-mail needs an SMTP server: set CYBERREG_SMTP_HOST (and _PORT, _FROM, ...)")
        try:
            port = int(env.get("CYBERREG_SMTP_PORT", "") or 25)
        except ValueError:
            raise DeliveryError(
                f"CYBERREG_SMTP_PORT is not a number: {env['CYBERREG_SMTP_PORT']!r}"
            ) from None
        security = (env.get("CYBERREG_SMTP_SECURITY") or "").strip().lower() or (
            "ssl" if port == 465 else "starttls" if port == 587 else "none"
        )
        if security not in ("none", "starttls", "ssl"):
            raise DeliveryError(f"CYBERREG_SMTP_SECURITY must be none, starttls or ssl, not {security!r}")
        return cls(
            host=host,
            port=port,
            user=env.get("CYBERREG_SMTP_USER") or None,
            password=env.get("CYBERREG_SMTP_PASSWORD") or None,
            sender=env.get("CYBERREG_SMTP_FROM") or "cyberreg@localhost",
            security=security,  # type: ignore[arg-type]
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send_email(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one message; the password is never sent unencrypted except to this machine."""
    if settings.user and settings.security == "none" and not _is_loopback(settings.host):
        raise DeliveryError(
            "refusing to send the SMTP password unencrypted: set CYBERREG_SMTP_SECURITY=starttls or ssl"
        )
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def _email(
    sub: Subscription, new: list[Notification], now: dt.datetime, env: Mapping[str, str] | None
) -> None:
    settings = SmtpSettings.from_env(env)
    assert sub.email is not None
    message = EmailMessage()
    message["Subject"] = render.email_subject(sub.name, len(new))
    message["From"] = settings.sender
    message["To"] = sub.email
    message["X-Cyberreg-Subscription"] = sub.name
    message.set_content(
        render.email_body(new, name=sub.name, criteria=sub.describe(), generated=now.replace(tzinfo=dt.UTC))
    )
    send_email(settings, message)


def post_webhook(url: str, payload: Mapping[str, Any], *, secret: str | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"cyberreg/{__version__}"}
    if secret:
        digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        headers["X-Cyberreg-Signature"] = f"sha256={digest}"
    response = httpx.post(url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
    if response.status_code >= 300:
        raise DeliveryError(
            f"webhook answered HTTP {response.status_code}: {' '.join(response.text.split())[:200]}"
        )


def _webhook(
    sub: Subscription, new: list[Notification], now: dt.datetime, env: Mapping[str, str] | None
) -> None:
    assert sub.webhook is not None
    payload = render.json_payload(
        new, name=sub.name, generated=now.replace(tzinfo=dt.UTC), event="new_notifications"
    )
    secret = (os.environ if env is None else env).get("CYBERREG_WEBHOOK_SECRET") or None
    post_webhook(sub.webhook, payload, secret=secret)


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file beside `path`, then rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    temporary.replace(path)


def _window(conn: Connection, name: str, channel: Channel, new: list[Notification]) -> list[Notification]:
    """The newest FEED_SIZE notifications this channel was given before, with the new ones."""
    before = (
        select(NotificationRow.symbol)
        .join(AlertDeliveryRow, AlertDeliveryRow.symbol == NotificationRow.symbol)
        .where(AlertDeliveryRow.subscription == name, AlertDeliveryRow.channel == channel.value)
        .order_by(NotificationRow.distribution_date.desc(), NotificationRow.symbol)
        .limit(FEED_SIZE)
    )
    merged = {n.symbol: n for n in _load(conn, list(conn.execute(before).scalars()))}
    merged.update({n.symbol: n for n in new})
    newest = sorted(merged.values(), key=lambda n: n.parsed_symbol.sort_key())
    return sorted(newest, key=lambda n: n.distribution_date, reverse=True)[:FEED_SIZE]


def _deliver(
    sub: Subscription,
    channel: Channel,
    new: list[Notification],
    window: list[Notification],
    now: dt.datetime,
    env: Mapping[str, str] | None,
) -> None:
    """Give `new` to one channel; a file channel writes `window` (the recent past and `new`)."""
    stamp = now.replace(tzinfo=dt.UTC)
    if channel is Channel.ATOM:
        assert sub.atom is not None
        path = Path(sub.atom)
        feed = render.atom_feed(
            window, name=sub.name, generated=stamp, subtitle=sub.describe(), self_url=path.resolve().as_uri()
        )
        write_atomically(path, feed)
    elif channel is Channel.JSON:
        assert sub.json_file is not None
        write_atomically(Path(sub.json_file), render.json_document(window, name=sub.name, generated=stamp))
    elif channel is Channel.EMAIL:
        _email(sub, new, now, env)
    else:
        _webhook(sub, new, now, env)


def _record(
    conn: Connection,
    name: str,
    channel: Channel,
    target: str,
    now: dt.datetime,
    symbols: Sequence[str],
    error: str | None,
) -> None:
    """One channel's outcome, in the caller's transaction: deliveries on success, the error otherwise."""
    row = conn.execute(
        select(AlertChannelRow.delivered).where(
            AlertChannelRow.subscription == name, AlertChannelRow.channel == channel.value
        )
    ).first()
    values: dict[str, Any] = {"target": target, "last_run_at": now, "last_error": error}
    if error is None:
        values["last_success_at"] = now
        values["delivered"] = (row[0] if row else 0) + len(symbols)
        rows = [
            {"subscription": name, "channel": channel.value, "symbol": s, "delivered_at": now}
            for s in symbols
        ]
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(AlertDeliveryRow), rows[start : start + _CHUNK])
    if row is None:
        conn.execute(
            insert(AlertChannelRow),
            [{"subscription": name, "channel": channel.value, "delivered": 0, **values}],
        )
    else:
        conn.execute(
            update(AlertChannelRow)
            .where(AlertChannelRow.subscription == name, AlertChannelRow.channel == channel.value)
            .values(**values)
        )


def _delivered(conn: Connection, name: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for channel, symbol in conn.execute(
        select(AlertDeliveryRow.channel, AlertDeliveryRow.symbol).where(AlertDeliveryRow.subscription == name)
    ):
        found.setdefault(channel, set()).add(symbol)
    return found


def _run_one(
    store: Store, sub: Subscription, now: dt.datetime, env: Mapping[str, str] | None
) -> SubscriptionRun:
    with store.connect() as conn:
        matched = matching_symbols(conn, sub)
        delivered = _delivered(conn, sub.name)
    results = []
    for channel, target in sub.channels.items():
        pending = [s for s in matched if s not in delivered.get(channel.value, set())]
        error: str | None = None
        if pending:
            with store.connect() as conn:  # read, then let go of the database while delivering
                new = _load(conn, pending)
                window = _window(conn, sub.name, channel, new) if channel in _FILES else []
            try:
                _deliver(sub, channel, new, window, now, env)
            except DeliveryError as failure:
                error = str(failure)
            except (OSError, httpx.HTTPError, ValueError) as failure:
                error = f"{type(failure).__name__}: {failure}"
        with store.connect() as conn, conn.begin():
            _record(conn, sub.name, channel, target, now, pending, error)
        status: Literal["delivered", "failed", "nothing new"] = (
            "failed" if error else "delivered" if pending else "nothing new"
        )
        results.append(
            ChannelResult(channel=channel, target=target, new=len(pending), status=status, error=error)
        )
    with store.connect() as conn, conn.begin():
        conn.execute(update(SubscriptionRow).where(SubscriptionRow.name == sub.name).values(last_run_at=now))
    return SubscriptionRun(name=sub.name, matched=len(matched), channels=results)


def run_alerts(
    store: Store,
    now: dt.datetime | None = None,
    *,
    names: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AlertRunReport:
    """Deliver to every channel of every subscription (or of `names`) what it has not been given yet.

    `now` (default: the current time; a naive time is UTC) is recorded as the run's time. `environ`
    stands in for `os.environ` when reading SMTP and webhook settings. See the module text for the rule
    on failures; `AlertRunReport.failures` lists the channels that failed."""
    moment = _utc_naive(now)
    with store.session() as session:
        rows = session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.name)).all()
        subscriptions = [Subscription.model_validate(r.record) for r in rows]
    if names is not None:
        missing = sorted(set(names) - {s.name for s in subscriptions})
        if missing:
            raise NotFound(f"no subscription named {missing[0]!r}")
        subscriptions = [s for s in subscriptions if s.name in set(names)]
    return AlertRunReport(
        run_at=moment, subscriptions=[_run_one(store, sub, moment, environ) for sub in subscriptions]
    )
