"""The tables. Queryable fields are columns; the full validated record is kept as JSON in `record`.

`origin` says where a row came from (`bundled` for the YAML knowledge base, `import:<source>` for
importers) so that rebuilding one source never touches another's rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BUNDLED = "bundled"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class JurisdictionRow(Base):
    __tablename__ = "jurisdictions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))
    wto_member: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class JurisdictionMemberRow(Base):
    __tablename__ = "jurisdiction_members"
    grouping: Mapped[str] = mapped_column(
        ForeignKey("jurisdictions.code", ondelete="CASCADE"), primary_key=True
    )
    member: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


class BodyRow(Base):
    __tablename__ = "bodies"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str | None] = mapped_column(String(12))
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class InstrumentRow(Base):
    __tablename__ = "instruments"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(Text)
    short_title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    last_reviewed: Mapped[dt.date] = mapped_column(Date)
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class InstrumentJurisdictionRow(Base):
    __tablename__ = "instrument_jurisdictions"
    instrument_id: Mapped[str] = mapped_column(
        ForeignKey("instruments.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


class RequirementRow(Base):
    __tablename__ = "requirements"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the instrument, as written
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    obligation: Mapped[str] = mapped_column(String(20))
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class RequirementTopicRow(Base):
    __tablename__ = "requirement_topics"
    requirement_id: Mapped[str] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class MappingRow(Base):
    __tablename__ = "mappings"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "provenance", name="uq_mapping"),
        Index("ix_mapping_target", "target_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign keys: a mapping of one origin may point at requirements of another (an imported
    # mapping to a bundled guideline), and rebuilding one origin must not silently delete the other's.
    source_id: Mapped[str] = mapped_column(String(200), index=True)
    target_id: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(20))
    provenance: Mapped[str] = mapped_column(String(20), index=True)
    review_state: Mapped[str] = mapped_column(String(20))
    strength: Mapped[int | None] = mapped_column(Integer)
    joint: Mapped[str | None] = mapped_column(String(100))
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # for optimistic concurrency
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class CommitmentRow(Base):
    __tablename__ = "norm_commitments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date | None] = mapped_column(Date)
    record: Mapped[dict[str, Any]]
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class CommitmentNormRow(Base):
    __tablename__ = "norm_commitment_norms"
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("norm_commitments.id", ondelete="CASCADE"), primary_key=True
    )
    norm_id: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class SearchDocumentRow(Base):
    """One searchable text per entity. SQLite indexes it with FTS5 (`search_fts`, external content)."""

    __tablename__ = "search_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    instrument_id: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED, index=True)


class NotificationRow(Base):
    """One WTO SPS/TBT notification, with its classification. `record` holds the full model."""

    __tablename__ = "notifications"
    symbol: Mapped[str] = mapped_column(String(80), primary_key=True)
    base_symbol: Mapped[str] = mapped_column(String(80), index=True)
    area: Mapped[str] = mapped_column(String(3), index=True)
    member: Mapped[str] = mapped_column(Text)
    member_code: Mapped[str | None] = mapped_column(String(8), index=True)
    distribution_date: Mapped[dt.date] = mapped_column(Date, index=True)
    final_date_for_comments: Mapped[dt.date | None] = mapped_column(Date)
    notification_type: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    cyber_related: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    cyber_score: Mapped[float] = mapped_column(default=0.0)
    sector: Mapped[str] = mapped_column(String(30), default="none", index=True)
    national_security: Mapped[bool] = mapped_column(Boolean, default=False)
    classification: Mapped[dict[str, Any]]  # flags, evidence and the classifier's version
    record: Mapped[dict[str, Any]]
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class NotificationCodeRow(Base):
    """HS and ICS codes of a notification, one a row, for prefix filters."""

    __tablename__ = "notification_codes"
    symbol: Mapped[str] = mapped_column(
        ForeignKey("notifications.symbol", ondelete="CASCADE"), primary_key=True
    )
    scheme: Mapped[str] = mapped_column(String(3), primary_key=True)  # "HS" or "ICS"
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class NotificationFlagRow(Base):
    __tablename__ = "notification_flags"
    symbol: Mapped[str] = mapped_column(
        ForeignKey("notifications.symbol", ondelete="CASCADE"), primary_key=True
    )
    flag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class NotificationInstrumentRow(Base):
    """A notification linked to an instrument of the knowledge base (G/TBT/N/GBR/... -> uk-psti)."""

    __tablename__ = "notification_instruments"
    symbol: Mapped[str] = mapped_column(String(80), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    origin: Mapped[str] = mapped_column(String(60), default=BUNDLED)


class NotificationTextRow(Base):
    """The searchable text of a notification; SQLite indexes it with FTS5 (`notification_fts`)."""

    __tablename__ = "notification_text"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[str] = mapped_column(Text)
