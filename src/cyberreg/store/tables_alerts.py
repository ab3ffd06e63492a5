"""Alert tables: saved subscriptions, each channel's last-run state, and what each channel was sent.

Defined on the same `Base` as `cyberreg.store.tables`, so that one metadata (and Alembic) sees them;
whatever compares the metadata with the database must import this module. Created by migration 0004.

State is kept per channel, not per subscription: `alert_deliveries` holds (subscription, channel, symbol)
for every notification a channel was given successfully. A channel that fails records nothing, so the
next run gives it the same notifications again, while the channels that succeeded are not repeated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cyberreg.store.tables import Base


class SubscriptionRow(Base):
    """One saved subscription; `record` holds the full `Subscription` model."""

    __tablename__ = "alert_subscriptions"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    record: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AlertChannelRow(Base):
    """The state of one channel of a subscription after its last run."""

    __tablename__ = "alert_channels"
    subscription: Mapped[str] = mapped_column(
        ForeignKey("alert_subscriptions.name", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)  # atom, json, email, webhook
    target: Mapped[str] = mapped_column(Text)  # path, address or URL at the last run
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # notifications delivered so far


class AlertDeliveryRow(Base):
    """A notification that one channel of a subscription was given successfully."""

    __tablename__ = "alert_deliveries"
    subscription: Mapped[str] = mapped_column(
        ForeignKey("alert_subscriptions.name", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(80), primary_key=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
