"""Fixtures of the service tests: a real SQLite ledger file and a real uvicorn server process."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from postprod.service.ledger import CreatedKey, Ledger
from postprod.service.runner import ServiceProcess
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
