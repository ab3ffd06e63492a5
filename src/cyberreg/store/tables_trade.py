"""Tables of the trade-measures monitor: specific trade concerns (STCs) and trade flows.

Defined on `cyberreg.store.tables.Base`, so one metadata (and one Alembic history, revision 0003)
covers them. Concerns keep their full record as JSON in `record`, like notifications; members and
notification symbols get their own rows for queries. Trade flows are imports by year, importer, exporter
and HS6 product in US dollars; an import that keeps only importer totals uses the exporter `WLD`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cyberreg.store.tables import Base

WORLD = "WLD"  # the exporter of rows that hold an importer's imports from every partner


class TradeConcernRow(Base):
    """One specific trade concern, with the classification of its text."""

    __tablename__ = "trade_concerns"
    ims_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    area: Mapped[str] = mapped_column(String(3), index=True)
    title: Mapped[str] = mapped_column(Text)
    maintaining_member: Mapped[str] = mapped_column(Text)
    maintaining_member_code: Mapped[str | None] = mapped_column(String(8), index=True)
    first_raised: Mapped[dt.date | None] = mapped_column(Date, index=True)
    last_raised: Mapped[dt.date | None] = mapped_column(Date)
    times_raised: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    cyber_related: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    cyber_score: Mapped[float] = mapped_column(default=0.0)
    sector: Mapped[str] = mapped_column(String(30), default="none")
    national_security: Mapped[bool] = mapped_column(Boolean, default=False)
    classification: Mapped[dict[str, Any]]
    record: Mapped[dict[str, Any]]
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TradeConcernMemberRow(Base):
    """A member in a concern: `maintaining`, `raising` or `supporting`."""

    __tablename__ = "trade_concern_members"
    ims_id: Mapped[str] = mapped_column(
        ForeignKey("trade_concerns.ims_id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(12), primary_key=True)
    member: Mapped[str] = mapped_column(String(120), primary_key=True)  # as printed
    member_code: Mapped[str | None] = mapped_column(String(8), index=True)


class TradeConcernNotificationRow(Base):
    """A notification symbol a concern names; `base_symbol` joins it to every document of the measure."""

    __tablename__ = "trade_concern_notifications"
    ims_id: Mapped[str] = mapped_column(
        ForeignKey("trade_concerns.ims_id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(80), primary_key=True)
    base_symbol: Mapped[str] = mapped_column(String(80), index=True)


class TradeDatasetRow(Base):
    """A trade-flow data set as imported: `baci-HS22`, `comtrade`; which years it holds and in what unit."""

    __tablename__ = "trade_datasets"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # `baci` or `comtrade`
    bilateral: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]]  # files read, years, row counts
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TradeFlowRow(Base):
    """Imports of one HS6 product by one importer from one exporter (or `WLD`) in one year, in USD."""

    __tablename__ = "trade_flows"
    __table_args__ = (Index("ix_trade_flows_importer", "importer", "year", "hs6"),)
    dataset: Mapped[str] = mapped_column(
        ForeignKey("trade_datasets.name", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    importer: Mapped[str] = mapped_column(String(8), primary_key=True)
    exporter: Mapped[str] = mapped_column(String(8), primary_key=True)
    hs6: Mapped[str] = mapped_column(String(6), primary_key=True)
    value_usd: Mapped[float] = mapped_column(Float)
    quantity: Mapped[float | None] = mapped_column(Float)
