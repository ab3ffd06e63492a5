"""Alert outputs over notifications: an Atom 1.0 feed, a JSON document, an iCalendar file of comment
deadlines, and the plain text of an alert e-mail.

Every output is a function of its inputs only (the time of generation is passed in), so the same
notifications give the same bytes. Ids are stable: an entry's Atom id and a deadline's iCalendar UID are
UUIDs derived (version 5) from the notification symbol, a feed's id from the subscription name, so a feed
reader or calendar recognises an item it has seen even when the file is rewritten.

- Atom (RFC 4287): feed `id`, `title`, `updated`, `author`; each entry `id`, `title`, `updated`
  (the distribution date, midnight UTC), `published`, `author` (the notifying member), `summary`,
  `content`, a `link rel="alternate"` to the notification document when there is one, and categories for
  the member code, the area and each HS and ICS code.
- iCalendar (RFC 5545): one all-day `VEVENT` on each final date for comments, with a display alarm a week
  before; text escaped, lines folded at 75 octets, CRLF line ends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import Any

from cyberreg import __version__
from cyberreg.model.notification import Notification

ATOM_NS = "http://www.w3.org/2005/Atom"
# Namespace of every id we derive; fixed for good, or every feed reader would see new items.
ID_NAMESPACE = uuid.UUID("6f1c2a2e-5b0e-4f4e-9a55-2f5f0c9e7d31")
PRODID = f"-//cyberreg//WTO TBT comment deadlines {__version__}//EN"

EMAIL_ITEMS = 200  # notifications written out in one e-mail
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def notification_uuid(symbol: str, kind: str = "notification") -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"{kind}:{symbol}")


def entry_id(symbol: str) -> str:
    """The Atom id of a notification: `urn:uuid:...`, the same in every feed and every run."""
    return f"urn:uuid:{notification_uuid(symbol)}"


def feed_id(name: str) -> str:
    return f"urn:uuid:{notification_uuid(name, 'subscription')}"


def deadline_uid(symbol: str) -> str:
    return f"{notification_uuid(symbol, 'deadline')}@cyberreg"


def link_of(n: Notification) -> str | None:
    """The notification document in its own language, else English, else any."""
    return n.links.get(n.language) or n.links.get("en") or next(iter(n.links.values()), None)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def rfc3339(moment: dt.datetime | dt.date) -> str:
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(), dt.UTC)
    return _utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(text: str | None) -> str:
    return _XML_INVALID.sub("", text or "")


def _short(text: str | None, limit: int = 400) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _ordered(notifications: Iterable[Notification]) -> list[Notification]:
    """Newest first, then by symbol, each symbol once."""
    unique = {n.symbol: n for n in notifications}
    by_symbol = sorted(unique.values(), key=lambda n: n.parsed_symbol.sort_key())
    return sorted(by_symbol, key=lambda n: n.distribution_date, reverse=True)


def notification_lines(n: Notification) -> list[str]:
    """A notification as a few lines of text: who, when, what, codes, link."""
    when = f"distributed {n.distribution_date.isoformat()}"
    if n.final_date_for_comments:
        when += f", comments by {n.final_date_for_comments.isoformat()}"
    lines = [f"{n.symbol} ({n.member}), {when}", n.title or "(no title)"]
    if n.notification_type:
        lines.append(f"Type: {n.notification_type}")
    if n.products:
        lines.append(f"Products: {_short(n.products, 300)}")
    if n.hs_codes:
        lines.append(f"HS: {', '.join(n.hs_codes)}")
    if n.ics_codes:
        lines.append(f"ICS: {', '.join(n.ics_codes)}")
    if n.description:
        lines.append(_short(n.description, 600))
    if link := link_of(n):
        lines.append(link)
    return lines


# ---------------------------------------------------------------------------------------------------------
# Atom.


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = _clean(text)
    return element


def atom_feed(
    notifications: Iterable[Notification],
    *,
    name: str,
    generated: dt.datetime,
    title: str | None = None,
    subtitle: str | None = None,
    self_url: str | None = None,
) -> str:
    """An Atom 1.0 feed of notifications, newest first. `updated` is the newest entry's date, or
    `generated` for an empty feed; `self_url` is the feed's own address (a `file:` URI will do)."""
    ET.register_namespace("", ATOM_NS)
    items = _ordered(notifications)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id(name))
    _sub(feed, "title", title or f"WTO notifications: {name}")
    if subtitle:
        _sub(feed, "subtitle", subtitle)
    _sub(feed, "updated", rfc3339(items[0].distribution_date if items else generated))
    author = _sub(feed, "author")
    _sub(author, "name", "cyberreg")
    _sub(feed, "generator", "cyberreg", version=__version__)
    if self_url:
        _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for n in items:
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(n.symbol))
        _sub(entry, "title", f"{n.symbol}: {n.title}" if n.title else n.symbol)
        stamp = rfc3339(n.distribution_date)
        _sub(entry, "updated", stamp)
        _sub(entry, "published", stamp)
        who = _sub(entry, "author")
        _sub(who, "name", n.member)
        if link := link_of(n):
            _sub(entry, "link", rel="alternate", href=link)
        _sub(entry, "category", term=n.area.value, label=f"WTO {n.area.value} notification")
        if n.member_code:
            _sub(entry, "category", term=n.member_code, label=n.member, scheme="urn:cyberreg:wto-member")
        for code in n.hs_codes:
            _sub(entry, "category", term=code, scheme="urn:cyberreg:hs")
        for code in n.ics_codes:
            _sub(entry, "category", term=code, scheme="urn:cyberreg:ics")
        summary = _short(n.description) if n.description else n.title
        if summary:
            _sub(entry, "summary", summary, type="text")
        _sub(entry, "content", "\n".join(notification_lines(n)), type="text")
    ET.indent(feed, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


# ---------------------------------------------------------------------------------------------------------
# JSON.


def notification_item(n: Notification) -> dict[str, Any]:
    """A notification as the plain JSON object that the JSON file and the webhook carry."""
    return {
        "id": str(notification_uuid(n.symbol)),
        "symbol": n.symbol,
        "symbols": list(n.symbols),
        "area": n.area.value,
        "member": n.member,
        "member_code": n.member_code,
        "distribution_date": n.distribution_date.isoformat(),
        "final_date_for_comments": n.final_date_for_comments.isoformat()
        if n.final_date_for_comments
        else None,
        "notification_type": n.notification_type,
        "title": n.title,
        "description": n.description,
        "products": n.products,
        "hs_codes": list(n.hs_codes),
        "ics_codes": list(n.ics_codes),
        "keywords": list(n.keywords),
        "objectives": list(n.objectives),
        "link": link_of(n),
    }


def json_payload(
    notifications: Iterable[Notification], *, name: str, generated: dt.datetime, event: str = "notifications"
) -> dict[str, Any]:
    items = [notification_item(n) for n in _ordered(notifications)]
    return {
        "event": event,
        "subscription": name,
        "generated": rfc3339(generated),
        "count": len(items),
        "items": items,
    }


def json_document(notifications: Iterable[Notification], *, name: str, generated: dt.datetime) -> str:
    """The JSON file of a subscription: `{event, subscription, generated, count, items}`, newest first."""
    payload = json_payload(notifications, name=name, generated=generated)
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------------------------
# iCalendar.


def ical_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return "".join(ch for ch in value.replace("\n", "\\n") if ch == "\t" or (ord(ch) >= 32 and ch != "\x7f"))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at `limit` octets (UTF-8), never inside a character; CRLF then a space."""
    pieces: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        room = limit if not pieces else limit - 1  # a continuation line starts with a space
        if size + width > room:
            pieces.append(current)
            current, size = "", 0
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _ical_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _ical_stamp(moment: dt.datetime) -> str:
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


def deadline_calendar(
    notifications: Iterable[Notification],
    *,
    generated: dt.datetime,
    name: str = "WTO TBT comment deadlines",
    alarm_days: int | None = 7,
) -> str:
    """An iCalendar file with one all-day event on the final date for comments of each notification
    that has one, sorted by date then symbol. `generated` is every event's DTSTAMP."""
    dated = [n for n in _ordered(notifications) if n.final_date_for_comments]
    dated.sort(key=lambda n: (n.final_date_for_comments, n.parsed_symbol.sort_key()))
    stamp = _ical_stamp(generated)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_text(name)}",
    ]
    for n in dated:
        day = n.final_date_for_comments
        assert day is not None
        who = n.member_code or n.member
        lines += [
            "BEGIN:VEVENT",
            f"UID:{deadline_uid(n.symbol)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_ical_date(day)}",
            f"DTEND;VALUE=DATE:{_ical_date(day + dt.timedelta(days=1))}",
            f"SUMMARY:{ical_text(f'Comments due: {n.symbol} ({who}) {n.title}'.strip())}",
            f"DESCRIPTION:{ical_text(chr(10).join(notification_lines(n)))}",
            f"CATEGORIES:{ical_text('WTO ' + n.area.value)},{ical_text('comment deadline')}",
            "TRANSP:TRANSPARENT",
        ]
        link = link_of(n)
        if link and not re.search(r"[\s\"<>]", link):
            lines.append(f"URL:{link}")
        if alarm_days:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"TRIGGER:-P{alarm_days}D",
                f"DESCRIPTION:{ical_text(f'WTO comments due in {alarm_days} days: {n.symbol}')}",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------------------------------------------------
# E-mail.


def email_subject(name: str, count: int) -> str:
    return f"[cyberreg] {name}: {count} new WTO notification{'s' if count != 1 else ''}"


def email_body(
    notifications: Sequence[Notification],
    *,
    name: str,
    criteria: str,
    generated: dt.datetime,
    limit: int = EMAIL_ITEMS,
) -> str:
    """The plain text of an alert e-mail: a header, then each notification, newest first (at most
    `limit`; a last line counts the others)."""
    items = _ordered(notifications)
    out = [
        f'cyberreg alert "{name}": {len(items)} new WTO notification{"s" if len(items) != 1 else ""}',
        f"Criteria: {criteria}",
        f"Run at: {rfc3339(generated)}",
        "",
    ]
    for n in items[:limit]:
        lines = notification_lines(n)
        out.append(lines[0])
        out += [f"  {line}" for line in lines[1:]]
        out.append("")
    if len(items) > limit:
        out += [f"... and {len(items) - limit} more: see `cyberreg notifications list`.", ""]
    return "\n".join(out)
