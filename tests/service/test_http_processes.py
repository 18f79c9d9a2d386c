"""Two service processes on one ledger (a SQLite file; a PostgreSQL database served to two
`postprod serve --db postgresql+psycopg://…` processes): credits and free-tier quotas hold across
them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from postprod.service.ledger import Ledger
from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

pytestmark = pytest.mark.server

API = "/postproduction/v1"
COMPOSE = f"{API}/compose-otio"
JSON_CT = {"Content-Type": "application/json"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Ledger, ServiceProcess, ServiceProcess]]:
    """One ledger and two service processes (separate ports) serving it.

    SQLite: a file, uvicorn started directly. PostgreSQL: an empty database and two
    `postprod serve --db …` processes. Both start at the same moment and create the tables.
    """
    root = tmp_path_factory.mktemp("two-processes")
    cli = request.param == "postgresql"
    db_url = (request.getfixturevalue("new_postgres_db")() if cli
              else f"sqlite:///{root / 'ledger.sqlite3'}")
    settings = ServiceSettings(db_url=db_url, warm_up=False, upload_dir=str(root / "uploads"))
    a = ServiceProcess(settings, log_path=root / "a.log", via_cli=cli)
    b = ServiceProcess(settings, log_path=root / "b.log", via_cli=cli)
    ledger: Ledger | None = None
    try:
        with ThreadPoolExecutor(2) as pool:
            for started in [pool.submit(a.start), pool.submit(b.start)]:
                started.result()
        ledger = Ledger(db_url)
        yield ledger, a, b
    finally:
        b.stop()
        a.stop()
        if ledger is not None:
            ledger.close()


def test_fifty_requests_over_two_processes_on_credits_for_ten(shared, sample_media: Path
                                                              ) -> None:
    ledger, a, b = shared
    assert a.pid != b.pid
    key = ledger.create_key(tier="enterprise", credits=40, days=1)
    body = (sample_media / "compose.json").read_bytes()

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=25)
        async with httpx.AsyncClient(timeout=120.0, limits=limits) as ca, \
                httpx.AsyncClient(timeout=120.0, limits=limits) as cb:
            return await asyncio.gather(*(
                (ca if i % 2 else cb).post((a if i % 2 else b).base_url + COMPOSE, content=body,
                                           headers={**JSON_CT, "X-API-Key": key.api_key})
                for i in range(50)))

    responses = asyncio.run(fire())
    codes = [r.status_code for r in responses]
    assert codes.count(200) == 10 and codes.count(402) == 40, sorted(codes)
    assert ledger.balance(key.info.key_id) == 0
    assert len(ledger.charges(key.info.key_id)) == 10
    assert sorted(int(r.headers["x-credits-remaining"]) for r in responses
                  if r.status_code == 200) == list(range(0, 40, 4))


def test_free_quota_counts_requests_to_either_process(shared, sample_media: Path) -> None:
    ledger, a, b = shared
    key = ledger.create_key(tier="free", credits=100, days=1)
    body = (sample_media / "compose.json").read_bytes()
    headers = {**JSON_CT, "X-API-Key": key.api_key}
    with httpx.Client(timeout=60.0) as c:
        assert c.post(a.base_url + COMPOSE, content=body, headers=headers).status_code == 200
        assert c.post(b.base_url + COMPOSE, content=body, headers=headers).status_code == 200
        for server in (a, b):  # the third and fourth of this minute, on either process
            r = c.post(server.base_url + COMPOSE, content=body, headers=headers)
            assert r.status_code == 429, r.text
            assert r.json()["error"]["code"] == "RATE_LIMITED"
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert r.headers["x-credits-used"] == "0"
            assert r.headers["x-credits-remaining"] == "92"
    assert ledger.balance(key.info.key_id) == 92
