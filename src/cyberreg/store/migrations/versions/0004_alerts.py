"""alerts: subscriptions, per-channel state and delivered notifications

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

A branch of its own from 0002 (0003 is another); the project upgrades to all heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "alert_channels",
        sa.Column("subscription", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subscription"], ["alert_subscriptions.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription", "channel"),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("subscription", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("symbol", sa.String(length=80), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subscription"], ["alert_subscriptions.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription", "channel", "symbol"),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_deliveries_delivered_at"), ["delivered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_delivered_at"))
    op.drop_table("alert_deliveries")
    op.drop_table("alert_channels")
    op.drop_table("alert_subscriptions")
