"""The jobs waiting for a worker, longest first, and the one-retry rule for jobs whose worker
died under them (killed, crashed, or over its memory limit)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..contract.common import new_request_id
from ..contract.errors import InternalError
from .jobs import Job, envelope_text
from .work import Outcome

MAX_ATTEMPTS = 2
"""A job whose worker dies is run once more; a second loss is written as its error."""


@dataclass(frozen=True)
class BatchEvent:
    """Something a backend did, for progress displays and tests.

    Attributes:
        kind: ``"worker_ready"`` (models loaded), ``"started"`` (a job sent to a worker),
            ``"lost"`` (a worker died with a job), ``"worker_lost"`` (a worker died).
        worker: ``host:pid`` (or the backend's name for a worker not yet reporting).
        pid: the worker's process id, when known.
        job_id: the job concerned, if any.
        attempt: 1 for a job's first run, 2 for its retry.
        detail: a short sentence (why a worker was lost; its model load seconds).
    """

    kind: str
    worker: str = ""
    pid: int | None = None
    job_id: str | None = None
    attempt: int = 0
    detail: str = ""


EventCallback = Callable[[BatchEvent], None]


class JobQueue:
    """Jobs in the order workers take them (heaviest first) and each job's attempt count."""

    def __init__(self, jobs: Iterable[Job]) -> None:
        ordered = sorted(jobs, key=lambda j: -j.weight)  # stable: file order among equals
        self._pending: deque[Job] = deque(ordered)
        self.attempts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def take(self) -> tuple[Job, int] | None:
        """The next job and its attempt number (1 or 2), or None when none is waiting."""
        if not self._pending:
            return None
        job = self._pending.popleft()
        self.attempts[job.id] = self.attempts.get(job.id, 0) + 1
        return job, self.attempts[job.id]

    def lost(self, job: Job, *, reason: str) -> Outcome | None:
        """A worker died running ``job``: queue it again (first loss, at the front), or return
        its error outcome (second loss)."""
        if self.attempts.get(job.id, 0) < MAX_ATTEMPTS:
            self._pending.appendleft(job)
            return None
        return lost_outcome(job, reason=f"{reason}, twice")

    def abandon(self, *, reason: str) -> list[Outcome]:
        """Error outcomes for every waiting job (no worker can be started any more)."""
        out = [lost_outcome(job, reason=reason) for job in self._pending]
        self._pending.clear()
        return out


def lost_outcome(job: Job, *, reason: str) -> Outcome:
    """The error outcome of a job no worker could finish."""
    rid = job.request_id or new_request_id()
    err = InternalError(f"the batch worker running this job stopped ({reason}); "
                        "the rest of the batch went on")
    return Outcome(job_id=job.id, ok=False, text=envelope_text(err, rid), code=err.code,
                   audio_sec=job.audio_sec)
