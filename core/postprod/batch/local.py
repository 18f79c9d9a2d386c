"""The local backend: worker processes on this machine, each loading its models once, fed one
job at a time over a pipe so a dead worker's job is known exactly and retried once."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from .jobs import Job
from .queue import BatchEvent, EventCallback, JobQueue
from .work import MEMORY_EXIT_CODE, Outcome, Worker, WorkerSettings

POLL_SEC = 1.0
"""How often the driver looks at its workers when none has reported, seconds."""


def _worker_main(conn: Connection, settings: WorkerSettings) -> None:
    """A worker process: load the models, report ready, then answer one job per message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    worker = Worker(settings)
    conn.send(("ready", worker.name, worker.pid, worker.load_sec))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(("done", worker.run(job)))


@dataclass
class _Slot:
    proc: Any  # multiprocessing.Process of the spawn context
    conn: Connection
    name: str
    job: Job | None = None
    attempt: int = 0
    dead: bool = False


class LocalPool:
    """A pool of ``workers`` processes (spawned, so no model state is inherited)."""

    def __init__(self, settings: WorkerSettings, *, workers: int) -> None:
        self.settings = settings
        self.workers = max(1, workers)
        self._ctx = mp.get_context("spawn")

    def _start(self) -> _Slot:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_worker_main, args=(child, self.settings),
                                 name="postprod-batch-worker", daemon=True)
        proc.start()
        child.close()
        return _Slot(proc=proc, conn=parent, name=f"local:{proc.pid}")

    def run(self, queue: JobQueue, *, on_outcome: Callable[[Outcome], None],
            on_event: EventCallback) -> None:
        """Run every job of ``queue``; each outcome goes to ``on_outcome`` as it arrives."""
        size = min(self.workers, len(queue))
        if size == 0:
            return
        slots = [self._start() for _ in range(size)]
        starts_left = size + 2 * len(queue)  # respawns are bounded even if workers keep dying
        try:
            while len(queue) or any(s.job is not None for s in slots):
                for s in slots:
                    if s.job is None and not s.dead and len(queue):
                        taken = queue.take()
                        if taken is None:
                            break
                        s.job, s.attempt = taken
                        try:
                            s.conn.send(s.job)
                        except OSError:  # died meanwhile: the job counts as lost with it
                            s.dead = True
                        on_event(BatchEvent(kind="started", worker=s.name, pid=s.proc.pid,
                                            job_id=s.job.id, attempt=s.attempt))
                by_handle: dict[Any, _Slot] = {}
                for s in slots:
                    by_handle[s.conn] = s
                    by_handle[s.proc.sentinel] = s
                for handle in wait(list(by_handle), timeout=POLL_SEC):
                    s = by_handle[handle]
                    if not s.dead:
                        self._drain(s, on_outcome, on_event)
                survivors: list[_Slot] = []
                for s in slots:
                    if not s.dead and s.proc.is_alive():
                        survivors.append(s)
                        continue
                    self._drain(s, on_outcome, on_event)
                    s.dead = True
                    s.proc.join(timeout=5)
                    reason = _death_reason(s.proc.exitcode, self.settings)
                    on_event(BatchEvent(kind="worker_lost", worker=s.name, pid=s.proc.pid,
                                        detail=reason))
                    if s.job is not None:
                        on_event(BatchEvent(kind="lost", worker=s.name, pid=s.proc.pid,
                                            job_id=s.job.id, attempt=s.attempt, detail=reason))
                        failed = queue.lost(s.job, reason=reason)
                        if failed is not None:
                            on_outcome(failed)
                        s.job = None
                    s.conn.close()
                    if len(queue) and starts_left > 0:
                        starts_left -= 1
                        survivors.append(self._start())
                slots = survivors
                if not slots and len(queue):
                    for out in queue.abandon(reason="no worker could be started"):
                        on_outcome(out)
        finally:
            _stop(slots)

    @staticmethod
    def _drain(s: _Slot, on_outcome: Callable[[Outcome], None],
               on_event: EventCallback) -> None:
        """Read every message the worker has sent; a closed pipe marks it dead."""
        try:
            while s.conn.poll():
                msg = s.conn.recv()
                if msg[0] == "ready":
                    s.name = msg[1]
                    on_event(BatchEvent(kind="worker_ready", worker=msg[1], pid=msg[2],
                                        detail=f"models loaded in {msg[3]:.1f} s"))
                elif msg[0] == "done":
                    s.job = None
                    on_outcome(msg[1])
        except (EOFError, OSError):
            s.dead = True


def _death_reason(exitcode: int | None, settings: WorkerSettings) -> str:
    if exitcode == MEMORY_EXIT_CODE:
        return f"over the per-worker memory limit of {settings.memory_limit_mb} MB"
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def _stop(slots: list[_Slot]) -> None:
    for s in slots:
        try:
            if s.proc.is_alive():
                s.conn.send(None)
        except (OSError, ValueError):
            pass
    for s in slots:
        s.proc.join(timeout=10)
        if s.proc.is_alive():
            s.proc.kill()
            s.proc.join(timeout=5)
        with contextlib.suppress(OSError):
            s.conn.close()
