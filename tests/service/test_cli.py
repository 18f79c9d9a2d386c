"""`postprod keys ...`, `postprod serve` and `postprod bench service`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from postprod.cli import main
from postprod.service.ledger import Ledger
from postprod.service.runner import free_port


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_keys_create_list_topup_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    code, out, err = run("keys", "create", "--tier", "premium", "--credits", "500",
                         "--days", "180", "--db", db)
    assert code == 0, err
    created = json.loads(out)
    assert created["apiKey"].startswith("pp_live_") and created["balance"] == 500
    assert created["tier"] == "premium" and "not shown again" in err
    key_id = created["keyId"]
    ledger = Ledger(db)
    assert ledger.authenticate(created["apiKey"]).key_id == key_id
    expires = ledger.get_key(key_id).expires_at_ms
    assert expires is not None
    assert abs(expires - ledger.get_key(key_id).created_at_ms - 180 * 86_400_000) < 1000

    code, out, _ = run("keys", "list", "--db", db)
    assert code == 0 and key_id in out and "premium" in out and "active" in out
    assert created["apiKey"] not in out  # the key itself is never shown again
    code, out, _ = run("keys", "topup", key_id, "--credits", "25", "--db", db)
    assert code == 0 and json.loads(out)["balance"] == 525
    code, out, _ = run("keys", "revoke", key_id, "--db", db)
    assert code == 0 and json.loads(out)["revoked"] is True
    code, out, _ = run("keys", "list", "--json", "--db", db)
    assert json.loads(out)[0]["revoked"] is True
    code, _, err = run("keys", "topup", "key_nope", "--credits", "1", "--db", db)
    assert code != 0 and "no key" in err
    code, _, _ = run("keys", "create", "--tier", "gold", "--credits", "1", "--db", db)
    assert code == 2
    ledger.close()


@pytest.mark.server
def test_postprod_serve_answers_and_stops(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    port = free_port()
    exe = Path(sys.executable).with_name("postprod")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", db,
                             "--no-warm-up", "--model", "tiny.en", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/postproduction/v1/health", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["data"]["status"] == "ok"
        assert (tmp_path / "ledger.sqlite3").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.mark.server
@pytest.mark.slow
def test_bench_service_prints_its_table() -> None:
    code, out, err = run("bench", "service", "--requests", "20", "--concurrency", "4")
    assert code == 0, err
    for row in ("throughput", "latency p50", "latency p99", "library call p50",
                "service overhead per call"):
        assert row in out
    assert "20 (20 ok)" in out
    # Every request charged exactly once: 4 credits each, warm-up and sequential runs too.
    assert "credits charged (4 per request)   " + str(4 * (20 + 20 + 10)) in out
