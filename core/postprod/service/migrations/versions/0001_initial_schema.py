"""The ledger's first schema: keys, ledger entries, rate-limit events.

Exactly what `metadata.create_all` made before migrations existed, so a database of that
time is stamped with this revision (rows untouched) and upgraded from here.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("last_request_at_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("balance >= 0", name="balance_never_negative"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=True),
        sa.Column("operation", sa.String(40), nullable=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"]),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ledger_entries_key", "ledger_entries", ["key_id", "at_ms"])
    op.create_table(
        "rate_events",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"]),
    )
    op.create_index("rate_events_key_time", "rate_events", ["key_id", "at_ms"])


def downgrade() -> None:
    op.drop_index("rate_events_key_time", table_name="rate_events")
    op.drop_table("rate_events")
    op.drop_index("ledger_entries_key", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_table("api_keys")
