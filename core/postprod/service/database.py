"""The ledger's database: the engine (SQLite pragmas included), write transactions, and the
upgrade to the newest schema revision at start.

One SQLAlchemy 2 engine on an embedded SQLite file by default (WAL, busy timeout) or any
SQLAlchemy URL (PostgreSQL) when several service processes share it. Every write transaction
starts with a write statement, so SQLite takes its write lock at once (no read-then-upgrade
deadlock) and PostgreSQL locks the key's row: concurrent requests of one key are serialised
exactly where it matters (debit, rate limit) and nowhere else.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from .schema import TABLES

SQLITE_BUSY_SEC = 30.0
"""How long a SQLite connection waits for a lock (its busy timeout), seconds."""

SCHEMA_LOCK_KEY = 0x706F737470726F64
"""PostgreSQL advisory lock taken while the schema is upgraded ("postprod" in ASCII)."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""The Alembic scripts, shipped inside the package so that an installed wheel can upgrade."""

BASELINE_REVISION = "0001"
"""The revision whose schema equals what `create_all` made before migrations existed."""


def _switch_to_wal(cur: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting up to `SQLITE_BUSY_SEC` for the lock it needs.

    On a new file the switch needs the database to itself, and SQLite answers "database is
    locked" at once, without its busy handler, when waiting could deadlock (another connection
    creating the tables at that moment). That is transient: retry until the timeout.
    """
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


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``; SQLite files get WAL, a 30 s busy timeout, NORMAL
    synchronous mode and foreign keys on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SEC,
                                                  "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration for the packaged migrations (``url`` for its command line)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def lock_schema(conn: Connection) -> None:
    """Take a database-wide lock for the rest of ``conn``'s transaction."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest schema revision, safely while other processes do too.

    Reading the revision and changing the schema are several statements, so processes
    starting together would race; each takes a database-wide lock first (SQLite's write lock,
    ``BEGIN IMMEDIATE``; PostgreSQL's transaction-scoped advisory lock) and runs the whole
    upgrade in that one transaction: the next process finds the schema at head and does
    nothing. A database made before migrations existed (the ledger's tables, no
    ``alembic_version``) is recorded as the baseline revision first, its rows untouched.

    Raises:
        RuntimeError: the database holds some of the ledger's tables but not all of them
            and no revision record (not a ledger this code made).
    """
    cfg = alembic_config()
    with engine.begin() as conn:
        lock_schema(conn)
        cfg.attributes["connection"] = conn
        if MigrationContext.configure(conn).get_current_revision() is None:
            present = set(inspect(conn).get_table_names()) & set(TABLES)
            if present == set(TABLES):
                command.stamp(cfg, BASELINE_REVISION)
            elif present:
                raise RuntimeError(
                    f"the database has the ledger tables {sorted(present)} but not "
                    f"{sorted(set(TABLES) - present)}, and no schema revision: not a ledger "
                    "this service made; refusing to change it")
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first upgrade)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Database:
    """The ledger's engine and its write transactions, upgraded to head when opened.

    Attributes:
        url: the SQLAlchemy URL.
        engine: the SQLAlchemy engine (its connection pool).
    """

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        # SQLite has one writer at a time, and a connection that finds the file locked waits in
        # its busy handler, which sleeps in steps of up to 100 ms. Threads of this process
        # queue on a lock instead and wake as soon as the writer before them commits; only
        # other processes meet the busy handler. PostgreSQL locks rows and needs none of this.
        self._write_lock = threading.Lock() if url.startswith("sqlite") else None
        if upgrade:
            upgrade_to_head(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
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
