"""Alert outputs: Atom 1.0 with stable ids, JSON, iCalendar (RFC 5545) with stable UIDs, e-mail text."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import icalendar
import pytest

from cyberreg.model.notification import Notification, NotificationSource
from cyberreg.reports import alerts as render

A = "{http://www.w3.org/2005/Atom}"
GENERATED = dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.UTC)


def make(
    symbol: str,
    title: str,
    *,
    date: str = "2025-06-10",
    deadline: str | None = "2025-08-09",
    member: str | None = None,
    link: bool = True,
    description: str | None = None,
) -> Notification:
    code = symbol.split("/")[3]
    return Notification(
        symbol=symbol,
        area="TBT",
        member=member or code,
        member_code=code,  # type: ignore[arg-type]
        distribution_date=dt.date.fromisoformat(date),
        final_date_for_comments=dt.date.fromisoformat(deadline) if deadline else None,
        title=title,
        description=description,
        hs_codes=["8517", "851762"],
        ics_codes=["35.030"],
        links={"en": f"https://docs.wto.org/{code}.pdf"} if link else {},
        source=NotificationSource(kind="manual"),  # type: ignore[arg-type]
    )


ITEMS = [
    make(
        "G/TBT/N/GBR/36",
        "Security of connectable products; passwords, updates & <reporting>",
        date="2025-06-10",
        member="United Kingdom",
        description="Requirements, in three parts; see Schedule 1.\nSecond line.",
    ),
    make("G/TBT/N/USA/2041", "Cyber Trust Mark", date="2025-06-20", deadline=None, link=False),
    make(
        "G/TBT/N/VNM/300",
        "Quy chuẩn kỹ thuật quốc gia về an toàn thông tin cho camera giám sát sử dụng giao thức internet "
        "(IP camera) — yêu cầu bảo mật cơ bản",
        date="2025-05-02",
        deadline="2025-07-01",
        member="Viet Nam",
    ),
]


def test_atom_is_a_valid_feed_with_stable_ids() -> None:
    text = render.atom_feed(ITEMS, name="uk-iot", generated=GENERATED, self_url="file:///tmp/uk.atom")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == f"{A}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{A}{required}") is not None, required
    assert feed.findtext(f"{A}author/{A}name") == "cyberreg"
    assert feed.findtext(f"{A}id") == render.feed_id("uk-iot")
    assert feed.findtext(f"{A}updated") == "2025-06-20T00:00:00Z"  # the newest entry
    assert feed.find(f"{A}link[@rel='self']") is not None
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [
        render.entry_id(s) for s in ("G/TBT/N/USA/2041", "G/TBT/N/GBR/36", "G/TBT/N/VNM/300")
    ]
    for entry in entries:
        for required in ("id", "title", "updated", "author", "content"):
            assert entry.find(f"{A}{required}") is not None, required
        assert entry.findtext(f"{A}id", "").startswith("urn:uuid:")
    uk = entries[1]
    assert uk.findtext(f"{A}title") == "G/TBT/N/GBR/36: " + ITEMS[0].title  # escaped and read back
    assert uk.find(f"{A}link[@rel='alternate']").get("href") == "https://docs.wto.org/GBR.pdf"  # type: ignore[union-attr]
    assert {c.get("term") for c in uk.findall(f"{A}category")} == {"TBT", "GBR", "8517", "851762", "35.030"}
    assert uk.findtext(f"{A}author/{A}name") == "United Kingdom"
    # Same input, same bytes; ids do not depend on the feed or the order.
    assert (
        render.atom_feed(
            list(reversed(ITEMS)), name="uk-iot", generated=GENERATED, self_url="file:///tmp/uk.atom"
        )
        == text
    )
    other = ET.fromstring(render.atom_feed(ITEMS[:1], name="other", generated=GENERATED))
    assert other.findtext(f"{A}entry/{A}id") == render.entry_id("G/TBT/N/GBR/36")
    assert other.findtext(f"{A}id") != feed.findtext(f"{A}id")


def test_empty_feed_and_control_characters() -> None:
    feed = ET.fromstring(render.atom_feed([], name="quiet", generated=GENERATED))
    assert feed.findtext(f"{A}updated") == "2025-07-01T08:30:00Z"
    assert feed.findall(f"{A}entry") == []
    odd = make("G/TBT/N/GBR/37", "Title with a \x0b vertical tab and \x00 nul")
    parsed = ET.fromstring(render.atom_feed([odd], name="x", generated=GENERATED))
    assert parsed.findtext(f"{A}entry/{A}title") == "G/TBT/N/GBR/37: Title with a  vertical tab and  nul"


def test_json_document() -> None:
    data = json.loads(render.json_document(ITEMS, name="uk-iot", generated=GENERATED))
    assert data["subscription"] == "uk-iot" and data["count"] == 3
    assert data["generated"] == "2025-07-01T08:30:00Z"
    first = data["items"][0]
    assert first["symbol"] == "G/TBT/N/USA/2041" and first["final_date_for_comments"] is None
    assert data["items"][1]["link"] == "https://docs.wto.org/GBR.pdf"
    assert data["items"][1]["hs_codes"] == ["8517", "851762"]


def test_icalendar_is_valid_rfc5545() -> None:
    raw = render.deadline_calendar(ITEMS, generated=GENERATED)
    data = raw.encode("utf-8")
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # every line ends in CRLF, no bare LF
    assert all(len(line) <= 75 for line in lines)
    assert all(not line.startswith(b" ") or i > 0 for i, line in enumerate(lines))
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and "cyberreg" in str(calendar["PRODID"])
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [
        render.deadline_uid("G/TBT/N/VNM/300"),
        render.deadline_uid("G/TBT/N/GBR/36"),
    ]  # by deadline; the USA one has none
    vnm, uk = events
    assert vnm.decoded("DTSTART") == dt.date(2025, 7, 1)
    assert vnm.decoded("DTEND") == dt.date(2025, 7, 2)
    assert vnm.decoded("DTSTAMP") == GENERATED
    assert str(vnm["SUMMARY"]).startswith("Comments due: G/TBT/N/VNM/300 (VNM) Quy chuẩn")  # folded, unfolded
    assert "camera giám sát" in str(vnm["SUMMARY"])
    assert str(uk["SUMMARY"]) == "Comments due: G/TBT/N/GBR/36 (GBR) " + ITEMS[0].title  # ; , & unescaped
    assert "Requirements, in three parts; see Schedule 1." in str(uk["DESCRIPTION"])
    assert str(uk["URL"]) == "https://docs.wto.org/GBR.pdf"
    alarm = next(iter(uk.walk("VALARM")))
    assert alarm.decoded("TRIGGER") == -dt.timedelta(days=7)
    assert render.deadline_calendar(list(reversed(ITEMS)), generated=GENERATED) == raw


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("a;b,c\\d", "a\\;b\\,c\\\\d"), ("line\r\nnext", "line\\nnext"), ("tab\there", "tab\there")],
)
def test_ical_text_escaping(text: str, escaped: str) -> None:
    assert render.ical_text(text) == escaped


def test_folding_never_splits_a_character() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = render.fold(line)
    parts = folded.encode("utf-8").split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert "".join(p.decode("utf-8")[1:] if i else p.decode("utf-8") for i, p in enumerate(parts)) == line


def test_email_text() -> None:
    assert render.email_subject("uk-iot", 1) == "[cyberreg] uk-iot: 1 new WTO notification"
    body = render.email_body(ITEMS, name="uk-iot", criteria="members GBR", generated=GENERATED)
    assert body.startswith('cyberreg alert "uk-iot": 3 new WTO notifications')
    assert "G/TBT/N/GBR/36 (United Kingdom), distributed 2025-06-10, comments by 2025-08-09" in body
    assert "  HS: 8517, 851762" in body
    short = render.email_body(ITEMS, name="uk-iot", criteria="", generated=GENERATED, limit=1)
    assert "G/TBT/N/USA/2041" in short and "G/TBT/N/GBR/36" not in short
    assert short.rstrip().endswith("... and 2 more: see `cyberreg notifications list`.")
