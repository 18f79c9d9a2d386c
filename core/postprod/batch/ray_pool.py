"""The Ray backend: one actor per worker holding its models, fed one job at a time; an actor
that dies takes only its running job with it, which is retried once on a new actor.

Workers read inputs by path: on a cluster, jobs must name files every node sees (shared
storage); results come back through Ray and are written by the driver.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

from ..contract.errors import EngineUnavailable
from ..extras import install_hint
from ..models.whisper import available_cpu_threads
from .jobs import Job
from .queue import BatchEvent, EventCallback, JobQueue
from .work import Outcome, Worker, WorkerSettings

POLL_SEC = 1.0
"""How long the driver waits for any actor before looking again, seconds."""


class BatchActor:
    """The body of a Ray actor: a `Worker` (models loaded once, in the constructor)."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.worker = Worker(settings)

    def ready(self) -> tuple[str, int, float]:
        """``(host:pid, pid, model load seconds)`` once the models are loaded."""
        return self.worker.name, self.worker.pid, self.worker.load_sec

    def run(self, job: Job) -> Outcome:
        """One job's outcome (never raises for the job's own faults)."""
        return self.worker.run(job)


def import_ray() -> Any:
    """The `ray` module, or ENGINE_UNAVAILABLE naming the extra that installs it."""
    try:
        import ray
    except ImportError as exc:
        raise EngineUnavailable("Ray is not installed", allowed=install_hint(["ray"])) from exc
    return ray


class RayPool:
    """Actors on a Ray cluster: ``address`` is ``"auto"`` (the cluster this machine belongs to),
    ``"ray://HOST:10001"`` (Ray Client), or None to use the connection this process already has
    (e.g. made by ``ray.init(...)``)."""

    def __init__(self, settings: WorkerSettings, *, address: str | None,
                 workers: int | None) -> None:
        self.settings = settings
        self.address = address
        self.workers = workers

    def run(self, queue: JobQueue, *, on_outcome: Callable[[Outcome], None],
            on_event: EventCallback) -> None:
        """Run every job of ``queue``; each outcome goes to ``on_outcome`` as it arrives."""
        if len(queue) == 0:
            return
        ray = import_ray()
        connected_here = False
        if not ray.is_initialized():
            try:
                if self.address is not None and self.address.startswith("ray://"):
                    ray.init(address=self.address)  # Ray Client: the server's own settings
                else:
                    ray.init(address=self.address, log_to_driver=False,
                             logging_level=logging.WARNING)
            except Exception as exc:
                raise EngineUnavailable(
                    f"cannot connect to the Ray cluster at {self.address!r} ({exc})",
                    allowed="--ray auto on a cluster node, or ray://HOST:10001") from None
            connected_here = True
        try:
            self._run(ray, queue, on_outcome=on_outcome, on_event=on_event)
        finally:
            if connected_here:
                ray.shutdown()

    def _actor_count(self, ray: Any) -> int:
        if self.workers is not None:
            return max(1, self.workers)
        cpus = float(ray.cluster_resources().get("CPU", 1))
        return max(1, int(cpus // self.settings.cpu_threads))

    def _run(self, ray: Any, queue: JobQueue, *, on_outcome: Callable[[Outcome], None],
             on_event: EventCallback) -> None:
        from ray.exceptions import RayError

        actor_cls = ray.remote(num_cpus=self.settings.cpu_threads, max_restarts=0,
                               max_task_retries=0,
                               runtime_env={"env_vars": worker_env()})(BatchActor)
        size = min(self._actor_count(ray), len(queue))
        actors: dict[int, Any] = {}
        names: dict[int, tuple[str, int | None]] = {}
        inflight: dict[Any, tuple[int, Job | None, int]] = {}
        idle: set[int] = set()
        next_slot = 0
        starts_left = size + 2 * len(queue)

        def start() -> None:
            nonlocal next_slot
            slot = next_slot
            next_slot += 1
            actor = actor_cls.remote(self.settings)
            actors[slot] = actor
            names[slot] = (f"ray-actor-{slot}", None)
            inflight[actor.ready.remote()] = (slot, None, 0)

        def feed(slot: int) -> None:
            taken = queue.take()
            if taken is None:
                return
            job, attempt = taken
            inflight[actors[slot].run.remote(job)] = (slot, job, attempt)
            name, pid = names[slot]
            on_event(BatchEvent(kind="started", worker=name, pid=pid, job_id=job.id,
                                attempt=attempt))

        for _ in range(size):
            start()
        try:
            # Actors still waiting for a CPU (more asked for than the cluster has free) do not
            # keep the batch open once every job is done.
            while len(queue) or any(job is not None for _, job, _ in inflight.values()):
                done, _ = ray.wait(list(inflight), num_returns=1, timeout=POLL_SEC)
                for ref in done:
                    slot, job, attempt = inflight.pop(ref)
                    try:
                        value = ray.get(ref)
                    except RayError as exc:
                        reason = f"the Ray actor died ({type(exc).__name__})"
                        name, pid = names[slot]
                        on_event(BatchEvent(kind="worker_lost", worker=name, pid=pid,
                                            detail=reason))
                        if job is not None:
                            on_event(BatchEvent(kind="lost", worker=name, pid=pid,
                                                job_id=job.id, attempt=attempt, detail=reason))
                            failed = queue.lost(job, reason=reason)
                            if failed is not None:
                                on_outcome(failed)
                        idle.discard(slot)
                        _kill(ray, actors.pop(slot))
                        if len(queue) and starts_left > 0:
                            starts_left -= 1
                            start()
                        elif len(queue) and not actors:
                            for out in queue.abandon(reason="no Ray actor could be started"):
                                on_outcome(out)
                        continue
                    if job is None:
                        names[slot] = (value[0], value[1])
                        on_event(BatchEvent(kind="worker_ready", worker=value[0], pid=value[1],
                                            detail=f"models loaded in {value[2]:.1f} s"))
                    else:
                        on_outcome(value)
                    idle.add(slot)
                while idle and len(queue):  # includes jobs a dead actor gave back
                    feed(idle.pop())
        finally:
            for actor in actors.values():
                _kill(ray, actor)


def worker_env() -> dict[str, str]:
    """Environment for the actors: this process's OpenMP thread count (its core count when
    unset). Ray would set ``OMP_NUM_THREADS=1``, under which OpenBLAS takes its one-thread path
    and the recogniser's mel features round differently, so a batch on Ray would no longer be
    byte-equal to the single command run where it runs."""
    return {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS") or str(available_cpu_threads())}


def _kill(ray: Any, actor: Any) -> None:
    with contextlib.suppress(Exception):  # already gone
        ray.kill(actor, no_restart=True)
