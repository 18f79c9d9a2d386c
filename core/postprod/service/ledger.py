"""The service's ledger: API keys (hashed), credit balances, charges and rate-limit events.

One SQLAlchemy 2 schema on an embedded SQLite file by default (WAL, busy timeout) or any
SQLAlchemy URL (PostgreSQL) when several service processes share it. Every write transaction
starts with a write statement, so SQLite takes its write lock at once (no read-then-upgrade
deadlock) and PostgreSQL locks the key's row: concurrent requests of one key are serialised
exactly where it matters (debit, rate limit) and nowhere else.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from ulid import ULID

from ..contract.errors import (
    ApiKeyExpired,
    ApiKeyRequired,
    InsufficientCredits,
    InvalidApiKey,
    RateLimited,
)
from ..contract.limits import TIERS, Tier

KEY_PREFIX = "pp_live_"
"""Every API key starts with this, so a leaked key is recognisable by secret scanners."""

MINUTE_MS = 60_000
DAY_MS = 86_400_000

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


def now_ms() -> int:
    """Wall-clock time in integer milliseconds since the Unix epoch (UTC)."""
    return time.time_ns() // 1_000_000


def hash_key(api_key: str) -> str:
    """The stored form of a key: sha256 hex (keys carry 256 random bits, so no salt is needed)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def default_db_url() -> str:
    """``$POSTPROD_DB_URL``, else ``${XDG_DATA_HOME:-~/.local/share}/postprod/ledger.sqlite3``."""
    env = os.environ.get("POSTPROD_DB_URL")
    if env:
        return env
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'postprod' / 'ledger.sqlite3'}"


@dataclass(frozen=True)
class KeyInfo:
    """One key as the ledger knows it (never the key itself).

    Attributes:
        key_id: public id (``key_`` + ULID) used by ``postprod keys topup/revoke``.
        key_prefix: the first characters of the key, to recognise it in lists.
        tier: ``free``, ``premium`` or ``enterprise``.
        balance: credits left.
        created_at_ms / expires_at_ms: epoch milliseconds (expiry None = never).
        revoked: a revoked key answers INVALID_API_KEY.
    """

    key_id: str
    key_prefix: str
    tier: Tier
    balance: int
    created_at_ms: int
    expires_at_ms: int | None
    revoked: bool
    label: str | None = None

    def to_json_data(self) -> dict[str, Any]:
        """camelCase JSON for the CLI (times as epoch ms)."""
        return {"keyId": self.key_id, "keyPrefix": self.key_prefix, "tier": self.tier,
                "balance": self.balance, "createdAtMs": self.created_at_ms,
                "expiresAtMs": self.expires_at_ms, "revoked": self.revoked,
                **({"label": self.label} if self.label else {})}


@dataclass(frozen=True)
class CreatedKey:
    """A new key: ``api_key`` is shown once and never stored."""

    api_key: str
    info: KeyInfo


@dataclass(frozen=True)
class RateLimit:
    """A traffic quota; None means unlimited for that window."""

    per_minute: int | None = None
    per_day: int | None = None

    @property
    def unlimited(self) -> bool:
        return self.per_minute is None and self.per_day is None


FREE_RATE_LIMIT = RateLimit(per_minute=2, per_day=20)
"""Contract §1.5 (fixed): free keys get 2 requests per minute and 20 per day."""


def _row_to_info(row: Any) -> KeyInfo:
    return KeyInfo(key_id=row.id, key_prefix=row.key_prefix, tier=row.tier,
                   balance=int(row.balance), created_at_ms=int(row.created_at_ms),
                   expires_at_ms=None if row.expires_at_ms is None else int(row.expires_at_ms),
                   revoked=bool(row.revoked), label=row.label)


SQLITE_BUSY_SEC = 30.0
"""How long a SQLite connection waits for a lock (its busy timeout), seconds."""


def _switch_to_wal(cur: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting up to `SQLITE_BUSY_SEC` for the lock it needs.

    On a new file the switch needs the database to itself, and SQLite answers "database is
    locked" at once, without its busy handler, when waiting could deadlock (another connection
    creating the tables at that moment). That is transient: retry until the timeout.
    """
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_SEC
    delay = 0.01
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    _switch_to_wal(cur)
    cur.execute(f"PRAGMA busy_timeout={round(SQLITE_BUSY_SEC * 1000)}")
    # WAL + NORMAL: a commit survives any process crash; only a power loss may drop the last
    # commits, which un-charges rather than overcharges (see docs/decisions.md, HTTP service).
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


SCHEMA_LOCK_KEY = 0x706F737470726F64
"""PostgreSQL advisory lock taken while the tables are created ("postprod" in ASCII)."""


def create_tables(engine: Engine) -> None:
    """Create the ledger's tables where missing, safely while other processes do the same.

    Checking for a table and creating it are two statements, so processes starting together
    on an empty database would race (SQLite: "table already exists"; PostgreSQL: a duplicate
    key in its catalogue). Each takes a database-wide lock first: SQLite's write lock
    (``BEGIN IMMEDIATE``), PostgreSQL's transaction-scoped advisory lock; the next process
    checks after the first committed and finds the tables.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        metadata.create_all(conn)


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``; SQLite files get WAL and a 30 s busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SEC,
                                                  "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Ledger:
    """Keys, balances, charges and rate-limit events in one database.

    Every method is one short transaction; all are safe to call from many threads and many
    processes at once.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # SQLite has one writer at a time, and a connection that finds the file locked waits in
        # its busy handler, which sleeps in steps of up to 100 ms. Threads of this process
        # queue on a lock instead and wake as soon as the writer before them commits; only
        # other processes meet the busy handler. PostgreSQL locks rows and needs none of this.
        self._write_lock = threading.Lock() if url.startswith("sqlite") else None
        create_tables(self.engine)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (committed on leaving, rolled back on an exception)."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # --- keys -------------------------------------------------------------------------------

    def create_key(
        self,
        *,
        tier: Tier,
        credits: int,
        days: float | None = None,
        expires_at_ms: int | None = None,
        label: str | None = None,
        at_ms: int | None = None,
    ) -> CreatedKey:
        """Make a key with ``credits`` and an expiry ``days`` from now (or ``expires_at_ms``).

        Returns the key once; only its sha256 is stored.
        """
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; allowed: {', '.join(TIERS)}")
        if credits < 0:
            raise ValueError("credits must be >= 0")
        t = now_ms() if at_ms is None else at_ms
        if expires_at_ms is None and days is not None:
            expires_at_ms = t + round(days * DAY_MS)
        api_key = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = f"key_{ULID()}"
        with self._write() as conn:
            conn.execute(insert(api_keys).values(
                id=key_id, key_hash=hash_key(api_key), key_prefix=api_key[:12], tier=tier,
                balance=credits, created_at_ms=t, expires_at_ms=expires_at_ms, revoked=False,
                label=label))
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="create", credits=credits, balance_after=credits, at_ms=t))
        return CreatedKey(api_key=api_key, info=self.get_key(key_id))

    def get_key(self, key_id: str) -> KeyInfo:
        """The key with id ``key_id``; KeyError when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise KeyError(key_id)
        return _row_to_info(row)

    def list_keys(self) -> list[KeyInfo]:
        """Every key, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at_ms,
                                                          api_keys.c.id)).all()
        return [_row_to_info(r) for r in rows]

    def top_up(self, key_id: str, *, credits: int) -> KeyInfo:
        """Add ``credits`` (> 0) to a key's balance; KeyError for an unknown id."""
        if credits <= 0:
            raise ValueError("credits must be > 0")
        with self._write() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                               .values(balance=api_keys.c.balance + credits))
            if res.rowcount != 1:
                raise KeyError(key_id)
            bal = conn.execute(select(api_keys.c.balance)
                               .where(api_keys.c.id == key_id)).scalar_one()
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="topup", credits=credits, balance_after=bal, at_ms=now_ms()))
        return self.get_key(key_id)

    def revoke(self, key_id: str) -> KeyInfo:
        """Revoke a key for good; KeyError for an unknown id."""
        with self._write() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                               .values(revoked=True))
            if res.rowcount != 1:
                raise KeyError(key_id)
        return self.get_key(key_id)

    # --- requests ---------------------------------------------------------------------------

    def authenticate(self, api_key: str | None, *, at_ms: int | None = None) -> KeyInfo:
        """The key behind an ``X-API-Key`` value.

        Raises:
            ApiKeyRequired: no key sent.
            InvalidApiKey: unknown or revoked.
            ApiKeyExpired: past its expiry.
        """
        if api_key is None or not api_key.strip():
            raise ApiKeyRequired("an API key is required in the X-API-Key header",
                                 field="X-API-Key", allowed="a key made by `postprod keys create`")
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys)
                               .where(api_keys.c.key_hash == hash_key(api_key.strip()))).first()
        if row is None or row.revoked:
            raise InvalidApiKey("the API key is not valid (unknown or revoked)",
                                field="X-API-Key", allowed="a current key")
        info = _row_to_info(row)
        t = now_ms() if at_ms is None else at_ms
        if info.expires_at_ms is not None and t >= info.expires_at_ms:
            raise ApiKeyExpired(f"the API key {info.key_prefix}… expired "
                                f"{_ago(t - info.expires_at_ms)} ago",
                                field="X-API-Key", allowed="a key that has not expired")
        return info

    def balance(self, key_id: str) -> int:
        """Credits left on a key (0 for an unknown id)."""
        with self.engine.connect() as conn:
            bal = conn.execute(select(api_keys.c.balance)
                               .where(api_keys.c.id == key_id)).scalar_one_or_none()
        return int(bal or 0)

    def admit(self, key_id: str, *, limit: RateLimit, at_ms: int | None = None) -> None:
        """Count one request against the key's quota, or refuse it with `RateLimited`.

        A sliding window per minute and per day, stored in the ledger so that it holds across
        worker processes. A refused request is not counted, so `Retry-After` is exact.
        """
        if limit.unlimited:
            return
        t = now_ms() if at_ms is None else at_ms
        with self._write() as conn:
            # Write first: takes SQLite's write lock / the key's row lock before counting.
            conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                         .values(last_request_at_ms=t))
            conn.execute(delete(rate_events).where(rate_events.c.key_id == key_id,
                                                   rate_events.c.at_ms <= t - DAY_MS))
            waits: list[tuple[int, str]] = []
            for quota, window, name in ((limit.per_minute, MINUTE_MS, "minute"),
                                        (limit.per_day, DAY_MS, "day")):
                if quota is None:
                    continue
                times = conn.execute(
                    select(rate_events.c.at_ms)
                    .where(rate_events.c.key_id == key_id, rate_events.c.at_ms > t - window)
                    .order_by(rate_events.c.at_ms)).scalars().all()
                if len(times) >= quota:
                    # The slot frees when enough of the oldest events leave the window.
                    frees_at = int(times[len(times) - quota]) + window
                    waits.append((max(1, math.ceil((frees_at - t) / 1000)), f"{quota} per {name}"))
            if waits:
                retry, quota_text = max(waits)
                raise RateLimited(
                    f"rate limit reached ({quota_text} for this key); retry in {retry} s",
                    retry_after_s=retry, allowed=_quota_words(limit))
            conn.execute(insert(rate_events).values(key_id=key_id, at_ms=t))

    def debit(self, key_id: str, *, cost: int, request_id: str, operation: str,
              at_ms: int | None = None) -> int:
        """Charge ``cost`` credits in one transaction; returns the balance after it.

        The conditional update never lets the balance go negative, whatever runs at the same
        time. Raises `InsufficientCredits` (nothing charged) when the balance is short.
        """
        t = now_ms() if at_ms is None else at_ms
        with self._write() as conn:
            res = conn.execute(update(api_keys)
                               .where(api_keys.c.id == key_id, api_keys.c.balance >= cost)
                               .values(balance=api_keys.c.balance - cost))
            if res.rowcount != 1:
                bal = conn.execute(select(api_keys.c.balance)
                                   .where(api_keys.c.id == key_id)).scalar_one_or_none()
                raise insufficient(cost=cost, balance=int(bal or 0))
            bal = int(conn.execute(select(api_keys.c.balance)
                                   .where(api_keys.c.id == key_id)).scalar_one())
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="charge", credits=-cost, balance_after=bal,
                request_id=request_id, operation=operation, at_ms=t))
        return bal

    def charges(self, key_id: str) -> list[dict[str, Any]]:
        """The key's charges, oldest first: request id, operation, credits, balance after."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ledger_entries)
                                .where(ledger_entries.c.key_id == key_id,
                                       ledger_entries.c.kind == "charge")
                                .order_by(ledger_entries.c.id)).all()
        return [{"requestId": r.request_id, "operation": r.operation, "credits": -r.credits,
                 "balanceAfter": r.balance_after, "atMs": r.at_ms} for r in rows]

    def charge_count(self) -> int:
        """Number of charges over all keys (for checks and benchmarks)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ledger_entries)
                                    .where(ledger_entries.c.kind == "charge")).scalar_one())


def insufficient(*, cost: int, balance: int) -> InsufficientCredits:
    """The 402 naming the exact cost and the balance."""
    return InsufficientCredits(
        f"this request costs {cost} credits; the key has {balance}",
        allowed=f"a balance of at least {cost} credits (balance: {balance})")


def _quota_words(limit: RateLimit) -> str:
    parts = []
    if limit.per_minute is not None:
        parts.append(f"{limit.per_minute} requests per minute")
    if limit.per_day is not None:
        parts.append(f"{limit.per_day} per day")
    return " and ".join(parts) + " per key"


def _ago(ms: int) -> str:
    s = ms / 1000
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.0f} h"
    return f"{s / 86400:.0f} days"
