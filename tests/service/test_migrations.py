"""The ledger's schema comes from Alembic revisions: upgrades from an empty database and from the
schema `create_all` made before migrations existed (with keys, balances and ledger entries in
it), on SQLite and on PostgreSQL; the server then works on the upgraded database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from postprod.service.database import (
    BASELINE_REVISION,
    alembic_config,
    current_revision,
    upgrade_to_head,
)
from postprod.service.ledger import Ledger
from postprod.service.runner import ServiceProcess
from postprod.service.schema import TABLES, metadata
from postprod.service.settings import ServiceSettings

DATA = Path(__file__).with_name("data")
API = "/postproduction/v1"
PREMIUM_KEY = "pp_live_frozenPremiumKey000000000000000000000002"
FREE_KEY = "pp_live_frozenFreeKey0000000000000000000000000001"
REVOKED_KEY = "pp_live_frozenEnterpriseKey0000000000000000003"


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _statements(name: str) -> list[str]:
    lines = [ln for ln in (DATA / name).read_text().splitlines()
             if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _old_database(url: str) -> Engine:
    """A ledger as the service made it before migrations: the frozen DDL of its dialect, and
    rows (keys, ledger entries, rate-limit events)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for stmt in (_statements(f"ledger_schema_v0_{engine.dialect.name}.sql")
                     + _statements("ledger_rows_v0.sql")):
            conn.exec_driver_sql(stmt)
    return engine


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ledger table, in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} "
                                                              "ORDER BY id"))]
    return out


def _schema_differences(engine: Engine) -> list[Any]:
    """What differs between the database and `schema.metadata` (Alembic's autogenerate)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[Any] = compare_metadata(ctx, metadata)
    return diffs


def test_revisions_are_one_linear_history_from_the_baseline() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    base = [r.revision for r in script.walk_revisions() if r.down_revision is None]
    assert base == [BASELINE_REVISION]
    # Shipped inside the package, so an installed wheel can upgrade.
    assert Path(script.dir).is_relative_to(Path(sys.modules["postprod"].__file__ or "").parent)


def _catalog(engine: Engine) -> list[tuple[Any, ...]]:
    """The database's own description of the ledger's tables: SQLite's stored DDL, or
    PostgreSQL's columns (types, defaults, nullability), indexes and constraints."""
    if engine.dialect.name == "sqlite":
        sql = ("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'alembic%' "
               "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        sql = ("SELECT 'column', table_name || '.' || column_name, data_type || "
               "coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable "
               "|| ' ' || coalesce(column_default, '') FROM information_schema.columns "
               "WHERE table_schema = 'public' AND table_name <> 'alembic_version' "
               "UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes "
               "WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
               "UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) "
               "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
               "AND conname NOT LIKE 'alembic_version%' ORDER BY 1, 2")
    with engine.connect() as conn:
        return [tuple(" ".join(str(v).split()) for v in row) for row in conn.execute(text(sql))]


def test_the_first_revision_makes_exactly_the_previous_schema(
        fresh_ledger_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    old = _old_database(fresh_ledger_url)
    other = (f"sqlite:///{tmp_path / 'migrated.sqlite3'}" if old.dialect.name == "sqlite"
             else request.getfixturevalue("new_postgres_db")())
    led = Ledger(other)
    try:
        assert _catalog(led.engine) == _catalog(old)
        assert len(_catalog(old)) >= 5
    finally:
        led.close()
        old.dispose()


def test_upgrade_from_an_empty_database(fresh_ledger_url: str) -> None:
    led = Ledger(fresh_ledger_url)
    try:
        assert current_revision(led.engine) == _head()
        assert set(TABLES) <= set(inspect(led.engine).get_table_names())
        assert _schema_differences(led.engine) == []
        # A second start finds the schema at head and changes nothing.
        upgrade_to_head(led.engine)
        assert current_revision(led.engine) == _head()
        k = led.create_key(tier="premium", credits=9)
        assert led.debit(k.info.key_id, cost=4, request_id="req_x", operation="compose-otio") == 5
    finally:
        led.close()


def test_processes_starting_together_upgrade_once(fresh_ledger_url: str) -> None:
    code = ("import sys; from postprod.service.ledger import Ledger; "
            "Ledger(sys.argv[1]).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, fresh_ledger_url],
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    engine = create_engine(fresh_ledger_url)
    try:
        assert current_revision(engine) == _head()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.server  # starts the service on the upgraded database
def test_upgrade_from_the_previous_schema_keeps_every_row(fresh_ledger_url: str,
                                                          compose_manifest: bytes,
                                                          tmp_path: Path) -> None:
    old = _old_database(fresh_ledger_url)
    before = _rows(old)
    assert current_revision(old) is None
    assert [len(before[t]) for t in TABLES] == [3, 6, 2]
    old.dispose()

    led = Ledger(fresh_ledger_url)  # stamps the baseline, upgrades to head
    try:
        assert current_revision(led.engine) == _head()
        assert _rows(led.engine) == before  # every key, balance, entry and event, unchanged
        assert _schema_differences(led.engine) == []
        balances = {k.key_id[-1]: k.balance for k in led.list_keys()}
        assert balances == {"1": 7, "2": 120, "3": 0}
        assert led.authenticate(FREE_KEY).tier == "free"
        [c1, c2] = led.charges("key_01JF0000000000000000000001")
        assert (c1["requestId"], c2["balanceAfter"]) == ("req_01JF00000000000000000000A1", 7)

        # The server runs on the upgraded database: a charged request, a refused key.
        settings = ServiceSettings(db_url=fresh_ledger_url, whisper_model="tiny.en",
                                   warm_up=False, upload_dir=str(tmp_path / "uploads"))
        with ServiceProcess(settings, log_path=tmp_path / "service.log") as server:
            ok = httpx.post(f"{server.base_url}{API}/compose-otio", content=compose_manifest,
                            headers={"X-API-Key": PREMIUM_KEY,
                                     "Content-Type": "application/json"}, timeout=60)
            assert ok.status_code == 200, ok.text
            assert ok.headers["x-credits-used"] == "4"
            assert ok.headers["x-credits-remaining"] == "116"
            revoked = httpx.post(f"{server.base_url}{API}/compose-otio",
                                 content=compose_manifest,
                                 headers={"X-API-Key": REVOKED_KEY,
                                          "Content-Type": "application/json"}, timeout=60)
            assert revoked.status_code == 401
            assert revoked.json()["error"]["code"] == "INVALID_API_KEY"
        after = _rows(led.engine)
        assert after["api_keys"] != before["api_keys"]  # the premium balance moved
        assert after["ledger_entries"][:6] == before["ledger_entries"]
        new_entry = after["ledger_entries"][6]
        assert new_entry[0] > before["ledger_entries"][-1][0]  # the row id sequence continues
        assert led.charges("key_01JF0000000000000000000002")[-1]["requestId"] == \
            ok.headers["x-request-id"]
        assert led.balance("key_01JF0000000000000000000002") == 116
    finally:
        led.close()


def test_a_foreign_database_is_refused(fresh_ledger_url: str) -> None:
    """Some ledger tables without a revision record is no ledger this service made: the
    upgrade refuses it rather than guess."""
    engine = create_engine(fresh_ledger_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(_statements(f"ledger_schema_v0_{engine.dialect.name}.sql")[0])
        with pytest.raises(RuntimeError, match="not a ledger this service made"):
            upgrade_to_head(engine)
        assert current_revision(engine) is None
    finally:
        engine.dispose()
