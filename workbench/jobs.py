"""Long work (Describe, Align, Transcribe) as background jobs tied to a project, not to a tab.

A job runs in a worker thread of the app's process. Its progress lives in this module (shared by
every browser session), and its outcome is also written to ``<project>/jobs/<kind>.json``, so a
reloaded tab, a second tab or a lost websocket finds the running job or its result. One job per
project at a time; Cancel stops it at its next progress report.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postprod.progress import Progress, ProgressCallback
from postprod.project import JOBS_DIR
from workbench.session import error_dict

Work = Callable[[ProgressCallback], Any]
"""The job's body: takes a progress callback, returns JSON-ready data."""


class JobCancelled(Exception):
    """Raised inside the worker by the progress callback once Cancel was pressed."""


class JobBusy(Exception):
    """The project already has a running job."""


@dataclass
class Job:
    """One background job.

    Attributes:
        id: unique id (``job_<hex>``).
        kind: ``describe``, ``align`` or ``transcribe``.
        project: the project folder (str).
        label: what the page shows while it runs.
        params: what the page needs to apply the result (fingerprints, choices).
        started: wall-clock start, seconds since the epoch.
        status: ``running``, ``done``, ``error`` or ``cancelled``.
        progress: the last progress report.
        result: the job's JSON data when done.
        error: the contract error (as data) when it failed.
        finished: wall-clock end, or None.
    """

    id: str
    kind: str
    project: str
    label: str
    params: dict[str, Any]
    started: float
    status: str = "running"
    progress: Progress | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def elapsed_sec(self) -> float:
        """Seconds since the start (until the end once finished)."""
        return (self.finished or time.time()) - self.started

    def to_json_data(self) -> dict[str, Any]:
        """The job as written to ``jobs/<kind>.json``."""
        p = self.progress
        return {"id": self.id, "kind": self.kind, "label": self.label, "params": self.params,
                "started": self.started, "finished": self.finished, "status": self.status,
                "progress": {"stage": p.stage, "fraction": p.fraction, "message": p.message}
                if p else None, "result": self.result, "error": self.error}


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def _key(project: str | Path) -> str:
    return str(Path(project).resolve())


def current(project: str | Path) -> Job | None:
    """The project's latest job in this process (running or finished), else its last job on
    disk (a job that was running when the app stopped reads as an error)."""
    with _LOCK:
        job = _JOBS.get(_key(project))
    if job is not None:
        return job
    return _from_disk(Path(project))


def _from_disk(folder: Path) -> Job | None:
    found: list[Job] = []
    for path in sorted((folder / JOBS_DIR).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            job = Job(id=data["id"], kind=data["kind"], project=str(folder),
                      label=data["label"], params=data.get("params") or {},
                      started=float(data["started"]), status=data["status"],
                      result=data.get("result"), error=data.get("error"),
                      finished=data.get("finished"))
        except (ValueError, KeyError, TypeError):
            continue
        if job.status == "running":
            job.status = "error"
            job.error = {"code": "INTERNAL_ERROR", "field": None, "allowed": None,
                         "details": [], "message": "the app stopped while this job ran; "
                                                   "start it again"}
        found.append(job)
    return max(found, key=lambda j: j.started) if found else None


def _write(job: Job) -> None:
    folder = Path(job.project) / JOBS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{job.kind}.json.part"
    tmp.write_text(json.dumps(job.to_json_data(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / f"{job.kind}.json")


def start(*, project: str | Path, kind: str, label: str, work: Work,
          params: dict[str, Any] | None = None) -> Job:
    """Start ``work`` in a worker thread for ``project``.

    Raises:
        JobBusy: the project already has a running job.
    """
    key = _key(project)
    with _LOCK:
        running = _JOBS.get(key)
        if running is not None and running.status == "running":
            raise JobBusy(f"{running.label} is still running")
        job = Job(id=f"job_{secrets.token_hex(6)}", kind=kind, project=key, label=label,
                  params=dict(params or {}), started=time.time())
        _JOBS[key] = job

    last_write: list[float | str] = [0.0, ""]  # when and at which stage it was last saved

    def on_progress(p: Progress) -> None:
        job.progress = p
        now = time.monotonic()
        if p.stage != last_write[1] or now - float(last_write[0]) > 1.0:
            last_write[:] = [now, p.stage]  # on disk too: how far it got, for a restart
            with contextlib.suppress(OSError):
                _write(job)
        if job.cancel_event.is_set():
            raise JobCancelled

    def body() -> None:
        try:
            job.result = work(on_progress)
            job.status = "done"
        except JobCancelled:
            job.status = "cancelled"
        except BaseException as exc:
            job.error = error_dict(exc)
            job.status = "error"
        finally:
            job.finished = time.time()
            with contextlib.suppress(OSError):
                _write(job)

    _write(job)
    job.thread = threading.Thread(target=body, name=f"postprod-{kind}-{job.id}", daemon=True)
    job.thread.start()
    return job


def cancel(project: str | Path) -> None:
    """Ask the project's running job to stop (at its next progress report)."""
    job = current(project)
    if job is not None and job.status == "running":
        job.cancel_event.set()


def wait(project: str | Path, *, timeout_sec: float = 600) -> Job | None:
    """Block until the project's job ends (for scripts and tests); returns it."""
    job = current(project)
    if job is not None and job.thread is not None:
        job.thread.join(timeout_sec)
    return job


def eta_sec(job: Job) -> float | None:
    """Seconds left, from the pace so far of the stage that reports a fraction; None early on."""
    p = job.progress
    if p is None or job.status != "running" or p.fraction < 0.08:
        return None
    return max(0.0, job.elapsed_sec * (1 - p.fraction) / p.fraction)


def audio_fraction(job: Job) -> float | None:
    """Fraction of the narration recognised so far (Align and Transcribe), else None."""
    p = job.progress
    if p is None:
        return None
    if p.stage == "transcribe":
        lo, hi = map(float, job.params.get("transcribe_span", (0.0, 1.0)))
        return min(1.0, max(0.0, (p.fraction - lo) / max(hi - lo, 1e-9)))
    if p.stage in ("align",):
        return 1.0
    return 0.0 if p.stage == "decode" else None
