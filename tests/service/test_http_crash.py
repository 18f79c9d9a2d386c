"""A worker killed with SIGKILL in the middle of a request charges nothing."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from postprod.service.ledger import Ledger
from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

pytestmark = [pytest.mark.server, pytest.mark.model, pytest.mark.slow]

API = "/postproduction/v1"


def test_sigkill_mid_request_leaves_the_balance(tmp_path: Path, sample_media: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    ledger = Ledger(db_url)
    key = ledger.create_key(tier="enterprise", credits=30, days=1)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings = ServiceSettings(db_url=db_url, whisper_model="tiny.en", warm_up=False,
                               upload_dir=str(uploads))
    files = {"audio": ("narration.wav", (sample_media / "narration.wav").read_bytes(),
                       "audio/wav")}
    meta = (sample_media / "timestamps_metadata.json").read_text()
    outcome: dict[str, object] = {}

    def slow_request(base_url: str) -> None:
        try:
            outcome["response"] = httpx.post(
                f"{base_url}{API}/scene-timestamps", files=files, data={"metadata": meta},
                headers={"X-API-Key": key.api_key}, timeout=120)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    server = ServiceProcess(settings, workers=2, log_path=tmp_path / "service.log")
    server.start()
    try:
        t = threading.Thread(target=slow_request, args=(server.base_url,))
        t.start()
        # The worker logs "<request id> scene-timestamps: running the engine" right before
        # the model runs; kill exactly that worker then.
        pattern = re.compile(r"\[(\d+)\] postprod\.service: (req_\w+) scene-timestamps: "
                             r"running the engine")
        deadline = time.monotonic() + 60
        match = None
        while match is None and time.monotonic() < deadline:
            match = pattern.search(server.log_text())
            time.sleep(0.02)
        assert match, server.log_text()[-3000:]
        worker_pid, request_id = int(match.group(1)), match.group(2)
        assert worker_pid != server.pid
        os.kill(worker_pid, signal.SIGKILL)
        t.join(timeout=60)
        assert "error" in outcome, outcome  # the connection died; no result was delivered
        assert ledger.balance(key.info.key_id) == 30
        assert ledger.charges(key.info.key_id) == []

        # The service goes on (the surviving or restarted worker) and charges normally.
        r = httpx.post(f"{server.base_url}{API}/scene-timestamps", files=files,
                       data={"metadata": meta}, headers={"X-API-Key": key.api_key},
                       timeout=120)
        assert r.status_code == 200, r.text
        assert r.headers["x-credits-used"] == "9" and r.headers["x-credits-remaining"] == "21"
        assert r.headers["x-request-id"] != request_id
    finally:
        server.stop()

    # A fresh process on the same ledger sees the same balance, and the killed worker's
    # upload directory is swept at startup.
    with ServiceProcess(settings, log_path=tmp_path / "service2.log") as again:
        r = httpx.post(f"{again.base_url}{API}/scene-timestamps", files=files,
                       data={"metadata": meta},
                       headers={"X-API-Key": key.api_key, "X-Price-Check": "true"}, timeout=120)
        assert r.json()["data"] == {"cost": 9, "balance": 21, "sufficient": True}
        assert list(uploads.iterdir()) == []
    charges = ledger.charges(key.info.key_id)
    assert [c["credits"] for c in charges] == [9] and charges[0]["requestId"] != request_id
    ledger.close()
