"""The ledger on a real SQLite file and on a real PostgreSQL server: keys, expiry, revocation,
debits, rate-limit windows (each test runs on both unless it says otherwise)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from postprod.contract.errors import (
    ApiKeyExpired,
    ApiKeyRequired,
    InsufficientCredits,
    InvalidApiKey,
    RateLimited,
)
from postprod.service.ledger import KEY_PREFIX, Ledger, hash_key
from postprod.service.ratelimit import DAY_MS, FREE_RATE_LIMIT, RateLimit, RateLimiter


@pytest.fixture()
def led(fresh_ledger_url: str) -> Ledger:
    ledger = Ledger(fresh_ledger_url)
    yield ledger
    ledger.close()


def _stored_bytes(led: Ledger, request: pytest.FixtureRequest) -> list[bytes]:
    """Every file the database keeps: the SQLite file (and its WAL), or the whole PostgreSQL
    cluster folder after a checkpoint (tables, indexes and write-ahead log)."""
    if led.engine.dialect.name == "sqlite":
        path = Path(led.engine.url.database or "")
        files = [path, path.with_name(path.name + "-wal")]
    else:
        server = request.getfixturevalue("postgres")
        server.execute("CHECKPOINT")
        files = [p for p in server.data_dir.rglob("*") if p.is_file()]
    return [p.read_bytes() for p in files if p.exists()]


def test_key_is_shown_once_and_stored_hashed(led: Ledger, request: pytest.FixtureRequest
                                             ) -> None:
    created = led.create_key(tier="premium", credits=500, days=180)
    assert created.api_key.startswith(KEY_PREFIX) and len(created.api_key) > 40
    assert created.info.balance == 500 and created.info.tier == "premium"
    stored = _stored_bytes(led, request)
    assert any(hash_key(created.api_key).encode() in raw for raw in stored)  # the scan sees rows
    assert not any(created.api_key.encode() in raw for raw in stored)
    assert not any(created.api_key[len(KEY_PREFIX):].encode() in raw for raw in stored)
    with led.engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
    assert stored == hash_key(created.api_key)
    assert led.authenticate(created.api_key).key_id == created.info.key_id


def test_sqlite_file_runs_in_wal_mode(tmp_path: Path) -> None:
    led = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    with led.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one().lower() == "wal"
        assert int(conn.execute(text("PRAGMA busy_timeout")).scalar_one()) >= 1000
    led.close()


def test_missing_unknown_revoked_and_expired_keys(led: Ledger) -> None:
    with pytest.raises(ApiKeyRequired):
        led.authenticate(None)
    with pytest.raises(ApiKeyRequired):
        led.authenticate("  ")
    with pytest.raises(InvalidApiKey):
        led.authenticate(KEY_PREFIX + "not-a-key")
    k = led.create_key(tier="free", credits=10, days=1)
    led.revoke(k.info.key_id)
    with pytest.raises(InvalidApiKey):
        led.authenticate(k.api_key)
    t0 = 1_800_000_000_000
    e = led.create_key(tier="free", credits=10, days=2, at_ms=t0)
    assert led.authenticate(e.api_key, at_ms=t0 + 2 * DAY_MS - 1).key_id == e.info.key_id
    with pytest.raises(ApiKeyExpired):
        led.authenticate(e.api_key, at_ms=t0 + 2 * DAY_MS)


def test_topup_and_list(led: Ledger) -> None:
    a = led.create_key(tier="free", credits=3)
    b = led.create_key(tier="enterprise", credits=0)
    assert led.top_up(b.info.key_id, credits=7).balance == 7
    assert [k.key_id for k in led.list_keys()] == [a.info.key_id, b.info.key_id]
    with pytest.raises(KeyError):
        led.top_up("key_missing", credits=1)
    with pytest.raises(ValueError):
        led.top_up(a.info.key_id, credits=0)


def test_debit_is_exact_and_never_negative(led: Ledger) -> None:
    k = led.create_key(tier="premium", credits=10)
    kid = k.info.key_id
    assert led.debit(kid, cost=4, request_id="req_a", operation="compose-otio") == 6
    assert led.debit(kid, cost=6, request_id="req_b", operation="compose-otio") == 0
    with pytest.raises(InsufficientCredits) as exc:
        led.debit(kid, cost=1, request_id="req_c", operation="compose-otio")
    assert "1" in (exc.value.allowed or "") and "balance: 0" in (exc.value.allowed or "")
    assert led.balance(kid) == 0
    assert [c["requestId"] for c in led.charges(kid)] == ["req_a", "req_b"]


def test_a_failed_debit_transaction_charges_nothing(led: Ledger) -> None:
    k = led.create_key(tier="premium", credits=10)
    kid = k.info.key_id
    assert led.debit(kid, cost=4, request_id="req_same", operation="compose-otio") == 6
    # The balance update succeeds, then the ledger entry's unique request id fails: the whole
    # transaction rolls back, the update included.
    with pytest.raises(IntegrityError):
        led.debit(kid, cost=4, request_id="req_same", operation="compose-otio")
    assert led.balance(kid) == 6
    assert [c["requestId"] for c in led.charges(kid)] == ["req_same"]


def _all_at_once(job: Callable[[int], None], *, n: int) -> None:
    """Run ``job(0)`` … ``job(n - 1)`` in n threads and wait for all of them."""
    threads = [threading.Thread(target=job, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def test_ledgers_opened_at_once_on_an_empty_database(fresh_ledger_url: str) -> None:
    """Several processes starting together each create the tables if missing; none fails."""
    start = threading.Barrier(6)
    errors: list[BaseException] = []
    opened: list[Ledger] = []

    def one(_: int) -> None:
        start.wait()
        try:
            opened.append(Ledger(fresh_ledger_url))
        except BaseException as e:
            errors.append(e)

    _all_at_once(one, n=6)
    for led in opened:
        led.close()
    assert errors == []
    led = Ledger(fresh_ledger_url)
    assert led.create_key(tier="free", credits=1).info.balance == 1
    led.close()


def test_concurrent_debits_from_threads_never_overdraw(led: Ledger) -> None:
    k = led.create_key(tier="premium", credits=40)
    wins: list[int] = []
    losses: list[int] = []

    def one(i: int) -> None:
        try:
            led.debit(k.info.key_id, cost=4, request_id=f"req_{i}", operation="compose-otio")
            wins.append(i)
        except InsufficientCredits:
            losses.append(i)

    _all_at_once(one, n=30)
    assert len(wins) == 10 and len(losses) == 20
    assert led.balance(k.info.key_id) == 0
    assert len(led.charges(k.info.key_id)) == 10


def test_free_quota_two_per_minute_sliding(led: Ledger) -> None:
    kid = led.create_key(tier="free", credits=0).info.key_id
    t = 1_800_000_000_000
    RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t)
    RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t + 10_000)
    with pytest.raises(RateLimited) as exc:
        RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t + 20_000)
    assert exc.value.retry_after_s == 40  # the first request leaves the window at t + 60 s
    # A refused request is not counted: one second after the first leaves, one slot is free.
    RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t + 60_001)
    with pytest.raises(RateLimited) as exc:
        RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t + 60_002)
    assert exc.value.retry_after_s == 10


def test_free_quota_twenty_per_day(led: Ledger) -> None:
    kid = led.create_key(tier="free", credits=0).info.key_id
    t0 = 1_800_000_000_000
    for i in range(20):  # every 5 minutes: the minute quota never bites
        RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t0 + i * 300_000)
    last = t0 + 19 * 300_000
    with pytest.raises(RateLimited) as exc:
        RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=last + 300_000)
    assert exc.value.retry_after_s == (t0 + DAY_MS - (last + 300_000)) // 1000
    assert "20 per day" in exc.value.message
    RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t0 + DAY_MS + 1)


def test_quota_is_per_key_and_paid_default_is_unlimited(led: Ledger) -> None:
    a = led.create_key(tier="free", credits=0).info.key_id
    b = led.create_key(tier="free", credits=0).info.key_id
    t = 1_800_000_000_000
    for kid in (a, a, b, b):
        RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t)
    paid = led.create_key(tier="enterprise", credits=0).info.key_id
    for i in range(50):
        RateLimiter(led.db).admit(paid, limit=RateLimit(), at_ms=t + i)
    configured = RateLimit(per_minute=3)
    for i in range(3):
        RateLimiter(led.db).admit(paid, limit=configured, at_ms=t + 100 + i)
    with pytest.raises(RateLimited):
        RateLimiter(led.db).admit(paid, limit=configured, at_ms=t + 200)


def test_concurrent_admits_never_exceed_the_quota(led: Ledger) -> None:
    kid = led.create_key(tier="free", credits=0).info.key_id
    t = 1_800_000_000_000
    admitted: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(12)

    def one(i: int) -> None:
        start.wait()
        try:
            RateLimiter(led.db).admit(kid, limit=FREE_RATE_LIMIT, at_ms=t + i)
            admitted.append(i)
        except RateLimited:
            refused.append(i)

    _all_at_once(one, n=12)
    assert len(admitted) == 2 and len(refused) == 10
