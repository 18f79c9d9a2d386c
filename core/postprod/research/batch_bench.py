"""`postprod bench batch`: throughput of batch Scene Timestamps (audio hours per hour) with 1 and
2 local workers and on a local Ray cluster, on espeak-ng narrations made on the spot."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..batch.jobs import Job, timestamps_job

PAUSE_SEC = (0.5, 0.8, 0.6, 1.1)
"""Pauses between sentences, cycled, seconds."""


def make_narration(path: str | Path, sentences: list[str], *, wpm: int = 170
                   ) -> dict[str, Any]:
    """Speak ``sentences`` with espeak-ng into a 16-bit WAV; return its Scene Timestamps
    metadata (one scene per sentence: its first four words as start cue, the rest as anchor).
    """
    import soundfile as sf

    from .speech_corpus import RATE, synthesize

    pieces = [np.zeros(int(RATE * 0.3), np.float32)]
    for k, sentence in enumerate(sentences):
        if k:
            pieces.append(np.zeros(int(RATE * PAUSE_SEC[k % len(PAUSE_SEC)]), np.float32))
        pieces.append(synthesize(sentence, voice="en-us", wpm=wpm))
    pieces.append(np.zeros(int(RATE * 0.3), np.float32))
    sf.write(str(path), np.concatenate(pieces), RATE, subtype="PCM_16")
    scenes = []
    for k, sentence in enumerate(sentences):
        words = sentence.split()
        scenes.append({"id": f"s{k}", "startCueText": " ".join(words[:4]),
                       "anchorText": " ".join(words[4:]) or sentence})
    return {"scenes": scenes, "languageCode": "en", "narrationText": " ".join(sentences)}


def narration_jobs(folder: str | Path, *, count: int, seconds: float,
                   request_ids: bool = True) -> list[Job]:
    """``count`` espeak-ng narrations of about ``seconds`` each (different texts and lengths
    from 0.6× to 1×, so "longest first" has something to order) as timestamps jobs.

    Args:
        folder: where the WAV files go.
        count: narrations to make.
        seconds: the longest one's length, about, seconds.
        request_ids: give each job a fixed request id (results then compare byte for byte).
    """
    from .corpus_texts import DEV_PARAGRAPHS, TEST_PARAGRAPHS
    from .speech_corpus import split_sentences

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sentences = [s for p in TEST_PARAGRAPHS + DEV_PARAGRAPHS for s in split_sentences(p)]
    jobs: list[Job] = []
    cursor = 0
    for i in range(count):
        target = seconds * (1.0 - 0.4 * ((i * 7) % count) / max(1, count - 1))
        chosen: list[str] = []
        spoken = 0.0
        while spoken < target or len(chosen) < 2:
            s = sentences[cursor % len(sentences)]
            cursor += 1
            chosen.append(s)
            spoken += len(s.split()) / 170 * 60 + 0.7  # words at 170 wpm plus a pause
        path = folder / f"narration-{i:03d}.wav"
        metadata = make_narration(path, chosen)
        jobs.append(timestamps_job(id=f"narration-{i:03d}", audio=path, metadata=metadata,
                                   request_id=f"req_{i:026d}" if request_ids else None))
    return jobs


def start_local_ray(*, num_cpus: int, tries: int = 3) -> None:
    """A local Ray cluster of ``num_cpus`` CPUs and a 100 MB object store; tried ``tries`` times
    (on a loaded machine the raylet may give up waiting for its agent after 15 s)."""
    import ray

    last: Exception | None = None
    for _ in range(tries):
        try:
            ray.init(num_cpus=num_cpus, object_store_memory=100 * 1024 * 1024,
                     include_dashboard=False, log_to_driver=False)
            return
        except Exception as exc:
            last = exc
            ray.shutdown()
    raise RuntimeError(f"the local Ray cluster did not start: {last}")


@dataclass(frozen=True)
class BenchRow:
    """One configuration measured.

    Attributes:
        backend: ``"local"`` or ``"ray"``.
        workers: workers (processes or actors).
        threads: recogniser threads per worker.
        jobs: jobs run.
        audio_sec: audio in the batch, seconds.
        wall_sec: the whole call, seconds (worker start and model loads included).
        busy_sec: seconds jobs ran inside workers, summed over jobs (worker start-up and
            driver overhead excluded).
        load_avg: the machine's 1-minute load average after the run.
        setup_sec: starting the local Ray cluster, seconds (not in `wall_sec`: a cluster is
            started once and serves many batches).
    """

    backend: str
    workers: int
    threads: int
    jobs: int
    audio_sec: float
    wall_sec: float
    busy_sec: float
    load_avg: float
    setup_sec: float = 0.0

    @property
    def audio_hours_per_hour(self) -> float:
        """Audio hours processed per wall-clock hour (start-up included)."""
        return self.audio_sec / self.wall_sec

    @property
    def per_worker_rate(self) -> float:
        """Audio hours per hour per worker, counting only time jobs ran in workers."""
        return self.audio_sec / self.busy_sec if self.busy_sec > 0 else 0.0


def run_bench(*, narrations: int = 8, seconds: float = 30.0, model: str = "tiny.en",
              ray: bool = True, out_dir: str | Path | None = None,
              echo: Callable[[str], None] = print) -> list[BenchRow]:
    """Make the narrations once, then run the same batch with 1 and 2 local workers and (when
    ``ray``) 2 actors on a local Ray cluster of 2 CPUs, each into a fresh folder."""
    from ..batch.runner import run

    with tempfile.TemporaryDirectory(prefix="postprod-bench-batch-") as tmp:
        root = Path(out_dir) if out_dir is not None else Path(tmp)
        echo(f"making {narrations} narrations of up to ~{seconds:.0f} s (espeak-ng)...")
        jobs = narration_jobs(root / "audio", count=narrations, seconds=seconds)
        configs: list[tuple[str, int, int]] = [("local", 1, 2), ("local", 2, 1)]
        if ray:
            configs.append(("ray", 2, 1))
        rows: list[BenchRow] = []
        ray_start = 0.0
        for backend, workers, threads in configs:
            echo(f"{backend}: {workers} worker(s) × {threads} thread(s)...")
            folder = root / f"results-{backend}-{workers}"
            ray_address = None
            if backend == "ray":
                ray_address = "current"
                t_ray = time.perf_counter()
                start_local_ray(num_cpus=2)
                ray_start = time.perf_counter() - t_ray
            t0 = time.perf_counter()
            try:
                report = run(jobs, out_dir=folder, model=model, workers=workers,
                             threads_per_worker=threads, ray=ray_address,
                             retry_failed=True)
            finally:
                if backend == "ray":
                    import ray as ray_mod

                    ray_mod.shutdown()
            wall = time.perf_counter() - t0
            bad = [r.id for r in report.rows if r.status != "ok"]
            if bad:
                raise RuntimeError(f"{backend} batch failed jobs: {bad}")
            busy = sum(r.wall_sec or 0.0 for r in report.rows)
            rows.append(BenchRow(backend=backend, workers=workers, threads=threads,
                                 jobs=len(report.rows),
                                 audio_sec=sum(r.audio_sec for r in report.rows),
                                 wall_sec=wall, busy_sec=busy, load_avg=os.getloadavg()[0],
                                 setup_sec=ray_start if backend == "ray" else 0.0))
        return rows


def format_table(rows: list[BenchRow], *, nodes: int = 16) -> str:
    """The bench table, the Ray path's overhead over the local pool, and a paper estimate for
    ``nodes`` nodes like this one from the measured per-worker rate."""
    lines = ["backend  workers  threads  jobs  audio min  wall s  audio h/h  per-worker h/h  load",
             "-------  -------  -------  ----  ---------  ------  ---------  --------------  ----"]
    for r in rows:
        lines.append(f"{r.backend:<7}  {r.workers:>7}  {r.threads:>7}  {r.jobs:>4}  "
                     f"{r.audio_sec / 60:>9.2f}  {r.wall_sec:>6.1f}  "
                     f"{r.audio_hours_per_hour:>9.1f}  {r.per_worker_rate:>14.1f}  "
                     f"{r.load_avg:>4.1f}")
    local2 = next((r for r in rows if r.backend == "local" and r.workers == 2), None)
    ray2 = next((r for r in rows if r.backend == "ray"), None)
    if local2 and ray2:
        overhead = ray2.wall_sec / local2.wall_sec - 1
        lines.append(f"Ray overhead over the local pool (2 workers, wall incl. worker start-up): "
                     f"{overhead * 100:+.0f} % ({ray2.wall_sec - local2.wall_sec:+.1f} s); "
                     f"starting the local Ray cluster took {ray2.setup_sec:.1f} s more")
    if local2:
        per_node = local2.audio_hours_per_hour
        lines.append(f"Estimate, {nodes} nodes like this one (2 cores each), at the measured "
                     f"2-worker rate: {nodes * per_node:.0f} audio h/h (paper figure, "
                     "start-up and the driver's file writing not scaled)")
    return "\n".join(lines)
