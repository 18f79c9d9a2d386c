"""The ledger's tables (SQLAlchemy Core): keys, ledger entries, rate-limit events.

This is the schema the code expects; the database gets it through the Alembic revisions in
`postprod.service.migrations` (a test checks that upgrading to head gives exactly these
tables). Change a table here AND add a revision (see docs/decisions.md, "Service structure,
settings and migrations").
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

RowId = BigInteger().with_variant(Integer, "sqlite")
"""Row ids: 64-bit on PostgreSQL (BIGSERIAL); SQLite needs exactly INTEGER PRIMARY KEY (its
rowid, already 64-bit) to count up by itself."""

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(40), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("label", String(200), nullable=True),
    Column("last_request_at_ms", BigInteger, nullable=True),
    CheckConstraint("balance >= 0", name="balance_never_negative"),
)

ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("key_id", String(40), ForeignKey("api_keys.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # create | topup | charge
    Column("credits", BigInteger, nullable=False),  # signed: + credit, - charge
    Column("balance_after", BigInteger, nullable=False),
    Column("request_id", String(40), nullable=True, unique=True),
    Column("operation", String(40), nullable=True),
    Column("at_ms", BigInteger, nullable=False),
)
Index("ledger_entries_key", ledger_entries.c.key_id, ledger_entries.c.at_ms)

rate_events = Table(
    "rate_events", metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("key_id", String(40), ForeignKey("api_keys.id"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
)
Index("rate_events_key_time", rate_events.c.key_id, rate_events.c.at_ms)

TABLES = ("api_keys", "ledger_entries", "rate_events")
"""Every table of the schema, parents first."""
