"""`postprod bench service`: Compose OTIO through a real server versus the bare library call."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..service.ledger import Ledger
from ..service.runner import ServiceProcess
from ..service.settings import ServiceSettings

COMPOSE_PATH = "/postproduction/v1/compose-otio"
HEALTH_PATH = "/postproduction/v1/health"

BUILTIN_MANIFEST: dict[str, Any] = {
    "project": {"name": "Bench timeline", "fps": 25, "resolution": {"w": 1920, "h": 1080}},
    "folder": {"items": [
        *({"id": f"still-{i}", "kind": "image", "path": f"scenes/{i:02d}.jpg"}
          for i in range(1, 6)),
        {"id": "narration", "kind": "audio", "path": "narration.wav", "durationSec": 45.0}]},
    "intent": {
        "sequence": [{"itemId": f"still-{i}", "durationSec": 9.0,
                      **({"transitionIn": {"type": "crossfade", "durationSec": 0.5}}
                         if i > 1 else {})} for i in range(1, 6)],
        "audioLayers": [{"itemId": "narration", "fromSec": 0, "toSec": 45.0,
                         "role": "narration"}]},
}


@dataclass(frozen=True)
class ServiceBench:
    """Figures of one run (latencies in milliseconds)."""

    requests: int
    concurrency: int
    workers: int
    ok: int
    wall_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    sequential_p50_ms: float
    health_p50_ms: float
    library_p50_ms: float
    manifest: str
    credits_charged: int

    @property
    def overhead_ms(self) -> float:
        """Service latency at concurrency 1 minus the library call, same manifest."""
        return self.sequential_p50_ms - self.library_p50_ms


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def _load_manifest(path: Path | None) -> tuple[dict[str, Any], str]:
    if path is None:
        sample = Path("sample_media/compose.json")
        if sample.is_file():
            path = sample
    if path is None:
        return BUILTIN_MANIFEST, "built-in 5 stills + narration"
    return json.loads(path.read_text()), str(path)


async def _drive(base_url: str, api_key: str, body: bytes | None, *, total: int,
                 concurrency: int) -> tuple[list[float], int, float]:
    """Send ``total`` compose requests (health checks when ``body`` is None), ``concurrency``
    at a time; returns latencies (ms), how many answered 200, and the wall time (s)."""
    latencies: list[float] = []
    ok = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            nonlocal ok
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                if body is None:
                    r = await client.get(HEALTH_PATH)
                else:
                    r = await client.post(COMPOSE_PATH, content=body, headers=headers)
                latencies.append((time.perf_counter() - t0) * 1000)
                ok += r.status_code == 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return latencies, ok, wall


def run_service_bench(*, concurrency: int = 8, requests: int = 400,
                      manifest_path: Path | None = None, workers: int = 1) -> ServiceBench:
    """Start a server on a fresh SQLite ledger and measure Compose OTIO through it.

    Args:
        concurrency: requests in flight at once for the throughput run.
        requests: requests in the throughput run (the sequential run uses min(requests, 100)).
        manifest_path: the manifest; sample_media/compose.json or a built-in one when None.
        workers: uvicorn worker processes.
    """
    from ..compose import compose_otio

    manifest, manifest_name = _load_manifest(manifest_path)
    body = json.dumps(manifest).encode("utf-8")
    sequential = min(requests, 100)
    warm = 10

    lib_times: list[float] = []
    for i in range(warm + sequential):
        t0 = time.perf_counter()
        compose_otio(body, tier="enterprise")
        if i >= warm:
            lib_times.append((time.perf_counter() - t0) * 1000)

    with tempfile.TemporaryDirectory(prefix="postprod-bench-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}"
        ledger = Ledger(db_url)
        credits = 4 * (requests + sequential + warm)
        key = ledger.create_key(tier="enterprise", credits=credits, days=1)
        settings = ServiceSettings(db_url=db_url, warm_up=False)
        with ServiceProcess(settings, workers=workers,
                            log_path=Path(tmp) / "service.log") as server:
            asyncio.run(_drive(server.base_url, key.api_key, body, total=warm, concurrency=1))
            seq, _, _ = asyncio.run(_drive(server.base_url, key.api_key, body,
                                           total=sequential, concurrency=1))
            health, _, _ = asyncio.run(_drive(server.base_url, key.api_key, None,
                                              total=sequential, concurrency=1))
            lat, ok, wall = asyncio.run(_drive(server.base_url, key.api_key, body,
                                               total=requests, concurrency=concurrency))
        charged = credits - ledger.balance(key.info.key_id)
        ledger.close()

    return ServiceBench(
        requests=requests, concurrency=concurrency, workers=workers, ok=ok, wall_s=wall,
        rps=ok / wall if wall > 0 else 0.0, p50_ms=_percentile(lat, 0.5),
        p99_ms=_percentile(lat, 0.99), sequential_p50_ms=statistics.median(seq),
        health_p50_ms=statistics.median(health),
        library_p50_ms=statistics.median(lib_times), manifest=manifest_name,
        credits_charged=charged)


def format_table(b: ServiceBench) -> str:
    """The figures as a plain-text table."""
    rows = [
        ("manifest", b.manifest),
        ("workers", str(b.workers)),
        (f"requests (concurrency {b.concurrency})", f"{b.requests} ({b.ok} ok)"),
        ("throughput", f"{b.rps:.1f} req/s"),
        ("latency p50", f"{b.p50_ms:.1f} ms"),
        ("latency p99", f"{b.p99_ms:.1f} ms"),
        ("library call p50 (in process)", f"{b.library_p50_ms:.1f} ms"),
        ("service p50 at concurrency 1", f"{b.sequential_p50_ms:.1f} ms"),
        ("service overhead per call", f"{b.overhead_ms:.1f} ms"),
        ("  of which HTTP + client floor", f"{b.health_p50_ms:.1f} ms (GET /health p50)"),
        ("credits charged (4 per request)", str(b.credits_charged)),
    ]
    width = max(len(k) for k, _ in rows)
    line = "-" * (width + 3 + max(len(v) for _, v in rows))
    return "\n".join([line, *(f"{k:<{width}}   {v}" for k, v in rows), line])
