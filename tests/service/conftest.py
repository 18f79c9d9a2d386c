"""Fixtures of the service tests: a real SQLite ledger file, a real uvicorn server process and a
throwaway PostgreSQL server (started once per session, only when a test asks for it)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from postprod.service.ledger import CreatedKey, Ledger
from postprod.service.runner import ServiceProcess, free_port
from postprod.service.settings import ServiceSettings

API = "/postproduction/v1"
REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
TEST_WHISPER_MODEL = "tiny.en"


def assert_tracking(r: httpx.Response, *, used: int, remaining: int | None = None) -> str:
    """The three tracking headers are there and say what they should; returns the id."""
    rid = r.headers.get("x-request-id", "")
    assert REQUEST_ID.match(rid), rid
    assert r.headers.get("x-credits-used") == str(used)
    if remaining is not None:
        assert r.headers.get("x-credits-remaining") == str(remaining)
    else:
        assert r.headers.get("x-credits-remaining", "").isdigit()
    return rid


def assert_envelope(r: httpx.Response, *, status: int, code: str,
                    field: str | None = None) -> dict:
    """A contract error envelope with ``code`` (and ``field``), meta.requestId = header."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "meta"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    assert "Traceback" not in r.text and "/work/" not in r.text
    if field is not None:
        assert body["error"].get("field") == field, body
    assert body["meta"]["requestId"] == r.headers["x-request-id"]
    assert r.headers["x-credits-used"] == "0"
    return body


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite ledger file per test module."""
    return f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.sqlite3'}"


@pytest.fixture(scope="module")
def ledger(db_url: str) -> Iterator[Ledger]:
    led = Ledger(db_url)
    yield led
    led.close()


@pytest.fixture(scope="module")
def make_key(ledger: Ledger) -> Callable[..., CreatedKey]:
    """``make_key(tier, credits, days=1)``: a new key in the module's ledger."""

    def make(tier: str = "enterprise", credits: int = 1000, **kw: object) -> CreatedKey:
        kw.setdefault("days", 1)
        return ledger.create_key(tier=tier, credits=credits, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="module")
def server(db_url: str, ledger: Ledger, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[ServiceProcess]:
    """A uvicorn process on a random free port of 127.0.0.1, serving the module's ledger.

    Models load on first use (warm-up off) so modules that only compose start fast.
    """
    log = tmp_path_factory.mktemp("log") / "service.log"
    settings = ServiceSettings(db_url=db_url, whisper_model=TEST_WHISPER_MODEL, warm_up=False,
                               upload_dir=str(tmp_path_factory.mktemp("uploads")))
    proc = ServiceProcess(settings, log_path=log)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture()
def client(server: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120.0) as c:
        yield c


@pytest.fixture(scope="session")
def compose_manifest(sample_media: Path) -> bytes:
    return (sample_media / "compose.json").read_bytes()


@pytest.fixture(scope="session")
def tracking() -> Callable[..., str]:
    """`assert_tracking` as a fixture (test modules cannot import conftest under importlib)."""
    return assert_tracking


@pytest.fixture(scope="session")
def envelope() -> Callable[..., dict]:
    """`assert_envelope` as a fixture."""
    return assert_envelope


# --- a throwaway PostgreSQL server ----------------------------------------------------------

PG_USER = "postprod"
PG_UNPRIVILEGED = "nobody"  # PostgreSQL refuses to run as root


def _postgres_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``postgres``: on PATH, else Debian's versioned folder."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
        candidates.append(Path(on_path).parent)
    candidates += [Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda d: int(Path(d).parent.name)
                                           if Path(d).parent.name.isdigit() else 0,
                                           reverse=True)]
    for d in candidates:
        if (d / "initdb").is_file() and (d / "postgres").is_file():
            return d
    pytest.fail("PostgreSQL is not installed: no initdb/postgres on PATH or under "
                "/usr/lib/postgresql/*/bin. Install Debian's `postgresql` package "
                "(scripts/setup.sh does).", pytrace=False)


@dataclass(frozen=True)
class PostgresServer:
    """A PostgreSQL server of this test session on 127.0.0.1 (trust auth, user ``postprod``).

    Attributes:
        port: TCP port on 127.0.0.1.
        data_dir: the cluster's files (to check what is stored on disk).
    """

    port: int
    data_dir: Path

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) of ``database``."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE DATABASE, CHECKPOINT)."""
        with psycopg.connect(host="127.0.0.1", port=self.port, user=PG_USER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL (its own data folder, free port, socket inside the folder).

    Under root it runs as the unprivileged ``nobody`` user. Fails, never skips, when PostgreSQL
    is missing: CI installs it. Durability settings are off (fsync): the tests check locking
    and transactions, not crash safety of the disk.
    """
    bin_dir = _postgres_bin_dir()
    as_root = os.geteuid() == 0
    # Under root the server's user must reach its folder: /tmp is world-traversable ($TMPDIR
    # may not be).
    root = Path(tempfile.mkdtemp(prefix="postprod-pg-", dir="/tmp" if as_root else None))
    data, sockets, log = root / "data", root / "sockets", root / "postgres.log"
    sockets.mkdir()
    drop: list[str] = []
    if as_root:
        user = pwd.getpwnam(PG_UNPRIVILEGED)
        for p in (root, sockets):
            os.chown(p, user.pw_uid, user.pw_gid)
        drop = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                "--clear-groups", "--"]
    init = subprocess.run([*drop, str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER,
                           "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
                          capture_output=True, text=True, cwd=root)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}",
                    pytrace=False)
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*drop, str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
             "-p", str(port), "-k", str(sockets), "-c", "max_connections=200",
             "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off"],
            stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = PostgresServer(port=port, data_dir=data)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"postgres exited with {proc.returncode}:\n"
                            f"{log.read_text(errors='replace')[-4000:]}", pytrace=False)
            try:
                server.execute("SELECT 1")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    pytest.fail("postgres did not accept connections within 60 s:\n"
                                f"{log.read_text(errors='replace')[-4000:]}", pytrace=False)
                time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def new_postgres_db(postgres: PostgresServer) -> Callable[[], str]:
    """``new_postgres_db()``: the URL of a new, empty database on the session's server."""

    def make() -> str:
        name = f"ledger_{os.getpid()}_{next(_database_numbers)}"
        postgres.execute(f"CREATE DATABASE {name}")
        return postgres.url(name)

    return make


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def fresh_ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty ledger database per test, once on a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return request.getfixturevalue("new_postgres_db")()
