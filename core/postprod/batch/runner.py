"""`run`: many Scene Timestamps / Describe Scenes jobs on a local process pool or a Ray cluster,
one result file per job, resumable, with a summary table."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..contract.errors import DuplicateId
from ..contract.limits import as_tier
from ..extras import require_extra
from ..models.whisper import available_cpu_threads
from .jobs import Job
from .queue import BatchEvent, EventCallback, JobQueue
from .work import Outcome, WorkerSettings

SUMMARY_NAME = "summary.csv"
SUMMARY_COLUMNS = ("id", "operation", "status", "code", "audio_sec", "wall_sec", "attempts",
                   "worker", "resumed", "file")

Status = Literal["ok", "error"]


@dataclass(frozen=True)
class JobRow:
    """One line of the summary.

    Attributes:
        id: the job id.
        operation: ``"timestamps"`` or ``"describe"``.
        status: ``"ok"`` (``<id>.json``) or ``"error"`` (``<id>.error.json``).
        code: the error code, for errors.
        audio_sec: audio seconds (decoded length for results, declared length otherwise).
        wall_sec: seconds the job took in its worker (None for resumed jobs).
        attempts: runs in this batch (0 for resumed jobs and unreadable lines).
        worker: ``host:pid`` of the worker that finished it.
        resumed: True when an earlier run's file was kept.
        file: the result or error file name, in the output folder.
    """

    id: str
    operation: str
    status: Status
    code: str | None
    audio_sec: float
    wall_sec: float | None
    attempts: int
    worker: str
    resumed: bool
    file: str


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands.

    Attributes:
        done: jobs finished (resumed ones included).
        total: jobs in the batch.
        failed: of those, jobs with an error file.
        audio_sec_done: audio seconds of the finished jobs.
        audio_sec_total: audio seconds of all jobs (declared lengths).
        elapsed_sec: wall seconds since the batch started.
        left_sec: estimated seconds to go (by the work done so far in this run, weighted by
            audio length or image bytes); None until a job of this run finished.
    """

    done: int
    total: int
    failed: int
    audio_sec_done: float
    audio_sec_total: float
    elapsed_sec: float
    left_sec: float | None


ProgressCallback = Callable[[BatchProgress], None]


@dataclass
class BatchReport:
    """What a batch did.

    Attributes:
        rows: one per job, in the order given.
        ran: jobs run in this call (not resumed).
        workers: workers started (local processes or Ray actors), respawns included.
        backend: ``"local"`` or ``"ray"``.
        wall_sec: wall seconds of the whole call (worker start-up included).
        summary_path: the CSV written.
        events: what the backend did (workers ready and lost, jobs started and lost).
    """

    rows: list[JobRow]
    ran: int
    workers: int
    backend: str
    wall_sec: float
    summary_path: Path
    events: list[BatchEvent] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """Jobs with a result file."""
        return sum(r.status == "ok" for r in self.rows)

    @property
    def failed(self) -> int:
        """Jobs with an error file."""
        return sum(r.status == "error" for r in self.rows)

    def audio_hours_run(self) -> float:
        """Audio hours of the jobs run in this call."""
        return sum(r.audio_sec for r in self.rows if not r.resumed) / 3600


def result_path(out_dir: str | Path, job_id: str) -> Path:
    """``DIR/<id>.json``: a job's response, byte for byte what the single command prints."""
    return Path(out_dir) / f"{job_id}.json"


def error_path(out_dir: str | Path, job_id: str) -> Path:
    """``DIR/<id>.error.json``: a job's error envelope."""
    return Path(out_dir) / f"{job_id}.error.json"


def run(jobs: Iterable[Job], *, out_dir: str | Path, tier: str = "enterprise",
        model: str = "base", calibration_file: str | Path | None = None,
        captioner_dir: str | Path | None = None, workers: int | None = None,
        ray: str | None = None, threads_per_worker: int | None = None,
        memory_limit_mb: int | None = 4096, retry_failed: bool = False,
        progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None) -> BatchReport:
    """Run every job not finished yet; write ``<id>.json`` or ``<id>.error.json`` for each.

    Args:
        jobs: from `read_jobs`, `timestamps_job` / `describe_job`, or `sweep_jobs`.
        out_dir: the results folder (created); also holds `summary.csv`.
        tier: limits applied to every job (as ``--tier`` of the single commands).
        model: speech recogniser of Scene Timestamps (``"tiny.en"``, ``"base"``, a folder).
        calibration_file: window calibration for Scene Timestamps; None = shipped.
        captioner_dir: image-to-text model folder for Describe Scenes; None = default.
        workers: worker count; None = the cores here (local) or the cluster's CPUs divided
            by ``threads_per_worker`` (Ray).
        ray: None for the local pool; ``"auto"`` or ``"ray://HOST:10001"`` for a Ray cluster;
            ``"current"`` for the connection this process already made with ``ray.init``.
        threads_per_worker: recogniser threads per worker; None = cores / workers (local),
            1 (Ray).
        memory_limit_mb: a worker whose resident memory passes this stops; its job is retried
            once on a fresh worker, then written as an error. None = unbounded.
        retry_failed: run jobs again that have an error file (default: a rerun skips them,
            like finished ones).
        progress: receives a `BatchProgress` after each job.
        on_event: receives each `BatchEvent` of the backend.

    Returns:
        `BatchReport`; the same rows are in ``out_dir/summary.csv``.

    Raises:
        DuplicateId: two jobs with one id.
        ValidationFailed: an unknown tier.
        EngineUnavailable: Ray is asked for but not installed or not reachable; a memory
            limit without psutil (the `batch` extra).
    """
    t0 = time.perf_counter()
    checked_tier = as_tier(tier)
    if memory_limit_mb is not None:
        require_extra("batch", purpose="a batch with a worker memory limit")
    job_list = list(jobs)
    _check_unique(job_list)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, JobRow] = {}
    to_run: list[Job] = []
    for job in job_list:
        kept = _resumed_row(out, job, retry_failed=retry_failed)
        if kept is not None:
            rows[job.id] = kept
        elif job.invalid is not None:
            _write_atomic(error_path(out, job.id), job.invalid)
            _remove(result_path(out, job.id))
            rows[job.id] = JobRow(id=job.id, operation=job.operation, status="error",
                                  code=_error_code(job.invalid), audio_sec=0.0, wall_sec=None,
                                  attempts=0, worker="", resumed=False,
                                  file=error_path(out, job.id).name)
        else:
            to_run.append(job)

    events: list[BatchEvent] = []
    queue = JobQueue(to_run)
    by_id = {j.id: j for j in job_list}
    weighted = any(j.weight > 0 for j in to_run)
    weights = {j.id: (j.weight if weighted else 1.0) for j in to_run}
    weight_total = sum(weights.values())
    audio_total = sum(j.audio_sec for j in job_list)
    state = {"weight_done": 0.0, "audio_done": sum(r.audio_sec for r in rows.values())}

    def tell() -> None:
        if progress is None:
            return
        elapsed = time.perf_counter() - t0
        done_w = state["weight_done"]
        left = (elapsed * (weight_total - done_w) / done_w) if done_w > 0 else None
        progress(BatchProgress(done=len(rows), total=len(job_list),
                               failed=sum(r.status == "error" for r in rows.values()),
                               audio_sec_done=state["audio_done"], audio_sec_total=audio_total,
                               elapsed_sec=elapsed, left_sec=left))

    def on_outcome(outcome: Outcome) -> None:
        job = by_id[outcome.job_id]
        target = result_path(out, job.id) if outcome.ok else error_path(out, job.id)
        _write_atomic(target, outcome.text)
        _remove(error_path(out, job.id) if outcome.ok else result_path(out, job.id))
        rows[job.id] = JobRow(id=job.id, operation=job.operation,
                              status="ok" if outcome.ok else "error", code=outcome.code,
                              audio_sec=outcome.audio_sec, wall_sec=outcome.wall_sec,
                              attempts=queue.attempts.get(job.id, 0), worker=outcome.worker,
                              resumed=False, file=target.name)
        state["weight_done"] += weights.get(job.id, 0.0)
        state["audio_done"] += outcome.audio_sec
        tell()

    def event(e: BatchEvent) -> None:
        events.append(e)
        if on_event is not None:
            on_event(e)

    tell()
    backend_name = "local" if ray is None else "ray"
    if to_run:
        settings = WorkerSettings(
            operations=tuple(sorted({j.operation for j in to_run})),
            tier=checked_tier, model=model,
            calibration_file=str(calibration_file) if calibration_file else None,
            captioner_dir=str(captioner_dir) if captioner_dir else None,
            cpu_threads=_threads(threads_per_worker, workers, ray=ray),
            memory_limit_mb=memory_limit_mb)
        if ray is None:
            from .local import LocalPool

            LocalPool(settings, workers=workers or available_cpu_threads()).run(
                queue, on_outcome=on_outcome, on_event=event)
        else:
            from .ray_pool import RayPool

            RayPool(settings, address=None if ray == "current" else ray,
                    workers=workers).run(queue, on_outcome=on_outcome, on_event=event)
    ordered = [rows[j.id] for j in job_list]
    summary = out / SUMMARY_NAME
    _write_atomic(summary, summary_csv(ordered))
    return BatchReport(rows=ordered, ran=len(to_run),
                       workers=sum(e.kind == "worker_ready" for e in events),
                       backend=backend_name, wall_sec=time.perf_counter() - t0,
                       summary_path=summary, events=events)


def summary_csv(rows: Iterable[JobRow]) -> str:
    """The summary table as CSV text (header + one line per job; seconds to 3 decimals)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    for r in rows:
        writer.writerow([r.id, r.operation, r.status, r.code or "", f"{r.audio_sec:.3f}",
                         "" if r.wall_sec is None else f"{r.wall_sec:.3f}", r.attempts,
                         r.worker, "yes" if r.resumed else "no", r.file])
    return buf.getvalue()


def _threads(threads: int | None, workers: int | None, *, ray: str | None) -> int:
    if threads is not None:
        return max(1, threads)
    if ray is not None:
        return 1
    cores = available_cpu_threads()
    return max(1, cores // max(1, workers or cores))


def _check_unique(jobs: list[Job]) -> None:
    seen: dict[str, int] = {}
    for i, job in enumerate(jobs):
        if job.id in seen:
            raise DuplicateId(f"job id {job.id!r} is used by jobs {seen[job.id]} and {i}",
                              field=f"jobs[{i}].id", allowed="one id per job")
        seen[job.id] = i


def _resumed_row(out: Path, job: Job, *, retry_failed: bool) -> JobRow | None:
    done = result_path(out, job.id)
    if done.is_file():
        audio = job.audio_sec
        try:
            meta = json.loads(done.read_text(encoding="utf-8")).get("meta", {})
            if "audioDurationMs" in meta:
                audio = meta["audioDurationMs"] / 1000
        except (OSError, ValueError, AttributeError):
            pass
        return JobRow(id=job.id, operation=job.operation, status="ok", code=None,
                      audio_sec=audio, wall_sec=None, attempts=0, worker="", resumed=True,
                      file=done.name)
    failed = error_path(out, job.id)
    if failed.is_file() and not retry_failed:
        return JobRow(id=job.id, operation=job.operation, status="error",
                      code=_error_code(failed.read_text(encoding="utf-8")),
                      audio_sec=job.audio_sec, wall_sec=None, attempts=0, worker="",
                      resumed=True, file=failed.name)
    return None


def _error_code(envelope: str) -> str | None:
    try:
        code = json.loads(envelope)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target, flush to disk, then rename: readers see all or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
