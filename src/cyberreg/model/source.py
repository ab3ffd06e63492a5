"""Where a fact comes from: every instrument and every official mapping carries at least one."""

from __future__ import annotations

import datetime as dt

from pydantic import HttpUrl

from cyberreg.model.base import NonEmpty, Record


class Source(Record):
    url: HttpUrl
    title: NonEmpty
    date_read: dt.date | None = None
    note: str | None = None
