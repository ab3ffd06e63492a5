"""concerns and trade: specific trade concerns, their members and notifications; trade flows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

A branch of its own from 0002 (0004 is another); the project upgrades to all heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Registers the tables on `Base.metadata`, so that comparing the migrated schema with the declared
# tables sees them even when nothing else has imported the module yet.
import cyberreg.store.tables_trade  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trade_concerns",
        sa.Column("ims_id", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("maintaining_member", sa.Text(), nullable=False),
        sa.Column("maintaining_member_code", sa.String(length=8), nullable=True),
        sa.Column("first_raised", sa.Date(), nullable=True),
        sa.Column("last_raised", sa.Date(), nullable=True),
        sa.Column("times_raised", sa.Integer(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("cyber_related", sa.Boolean(), nullable=False),
        sa.Column("cyber_score", sa.Double(), nullable=False),
        sa.Column("sector", sa.String(length=30), nullable=False),
        sa.Column("national_security", sa.Boolean(), nullable=False),
        sa.Column("classification", sa.JSON(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ims_id"),
    )
    with op.batch_alter_table("trade_concerns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_concerns_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_concerns_cyber_related"), ["cyber_related"], unique=False)
        batch_op.create_index(batch_op.f("ix_trade_concerns_first_raised"), ["first_raised"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trade_concerns_maintaining_member_code"), ["maintaining_member_code"], unique=False
        )

    op.create_table(
        "trade_datasets",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("bilateral", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "trade_concern_members",
        sa.Column("ims_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("member", sa.String(length=120), nullable=False),
        sa.Column("member_code", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["ims_id"], ["trade_concerns.ims_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ims_id", "role", "member"),
    )
    with op.batch_alter_table("trade_concern_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_concern_members_member_code"), ["member_code"], unique=False
        )

    op.create_table(
        "trade_concern_notifications",
        sa.Column("ims_id", sa.String(length=40), nullable=False),
        sa.Column("symbol", sa.String(length=80), nullable=False),
        sa.Column("base_symbol", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["ims_id"], ["trade_concerns.ims_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ims_id", "symbol"),
    )
    with op.batch_alter_table("trade_concern_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trade_concern_notifications_base_symbol"), ["base_symbol"], unique=False
        )

    op.create_table(
        "trade_flows",
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("importer", sa.String(length=8), nullable=False),
        sa.Column("exporter", sa.String(length=8), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("value_usd", sa.Float(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["dataset"], ["trade_datasets.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dataset", "year", "importer", "exporter", "hs6"),
    )
    with op.batch_alter_table("trade_flows", schema=None) as batch_op:
        batch_op.create_index("ix_trade_flows_importer", ["importer", "year", "hs6"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trade_flows", schema=None) as batch_op:
        batch_op.drop_index("ix_trade_flows_importer")
    op.drop_table("trade_flows")
    with op.batch_alter_table("trade_concern_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_concern_notifications_base_symbol"))
    op.drop_table("trade_concern_notifications")
    with op.batch_alter_table("trade_concern_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_concern_members_member_code"))
    op.drop_table("trade_concern_members")
    op.drop_table("trade_datasets")
    with op.batch_alter_table("trade_concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_concerns_maintaining_member_code"))
        batch_op.drop_index(batch_op.f("ix_trade_concerns_first_raised"))
        batch_op.drop_index(batch_op.f("ix_trade_concerns_cyber_related"))
        batch_op.drop_index(batch_op.f("ix_trade_concerns_area"))
    op.drop_table("trade_concerns")
