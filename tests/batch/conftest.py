"""Narrations made in the test (espeak-ng), storyboards from the sample project, and what the
single operations return for each: the bytes every batch result must equal."""

from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from postprod.batch import BatchEvent, Job, describe_job, result_text, timestamps_job
from postprod.research.batch_bench import narration_jobs

NARRATIONS = 20
STORYBOARDS = 5


@dataclass
class WorkerKiller:
    """An `on_event` that records every event and SIGKILLs the first worker that starts a job
    after loading its models, 0.05 s into that job (every job in these tests takes ≥ 0.3 s)."""

    events: list[BatchEvent] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)
    """The id of the job whose worker was killed (one at most)."""

    def __call__(self, e: BatchEvent) -> None:
        self.events.append(e)
        ready = {x.pid for x in self.events if x.kind == "worker_ready"}
        if e.kind == "started" and not self.killed and e.pid in ready:
            self.killed.append(str(e.job_id))
            threading.Timer(0.05, os.kill, args=(e.pid, signal.SIGKILL)).start()


@dataclass
class Workload:
    """Jobs and the exact bytes the single operations give for each."""

    narrations: list[Job]
    storyboards: list[Job]
    corrupt: Job
    expected: dict[str, str]


def storyboard_jobs(sample_media: Path) -> list[Job]:
    """Five storyboards of the sample images: the whole project with its narration metadata
    (a file), and four rotations of two to five images (inline metadata or none)."""
    images = sorted((sample_media / "scenes").glob("*.jpg"))
    jobs = [describe_job(id="storyboard-0", images=images,
                         metadata=sample_media / "describe_metadata.json",
                         request_id="req_01JD00000000000000000000S0")]
    for k in range(1, STORYBOARDS):
        picked = (images[k:] + images[:k])[: 1 + k]
        meta = {"sceneIds": [p.stem for p in picked]} if k % 2 else None
        jobs.append(describe_job(id=f"storyboard-{k}", images=picked, metadata=meta,
                                 request_id=f"req_01JD00000000000000000000S{k}"))
    return jobs


def single_timestamps(job: Job) -> str:
    """The single operation's JSON for a timestamps job, as `postprod timestamps` prints it."""
    from postprod.align import scene_timestamps

    response = scene_timestamps(Path(str(job.audio)), dict(job.metadata or {}), model="tiny.en",
                                request_id=job.request_id)
    return result_text(response.to_json_data())


def single_describe(job: Job) -> str:
    """The single operation's JSON for a describe job, as `postprod describe` prints it."""
    from postprod.describe import describe_scenes

    meta = job.metadata
    if job.metadata_is_path:
        meta = Path(str(meta)).read_bytes()  # type: ignore[assignment]
    response = describe_scenes([Path(p) for p in job.images], meta, request_id=job.request_id)
    return result_text(response.to_json_data())


@pytest.fixture(scope="session")
def workload(tmp_path_factory: pytest.TempPathFactory, sample_media: Path) -> Workload:
    """20 narrations of a few seconds, 5 storyboards, one corrupt narration, and the single
    operations' results (tiny.en), computed once for the batch tests."""
    folder = tmp_path_factory.mktemp("batch-inputs")
    narrations = narration_jobs(folder / "audio", count=NARRATIONS, seconds=7.0)
    storyboards = storyboard_jobs(sample_media)
    broken = folder / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    corrupt = timestamps_job(id="corrupt", audio=broken,
                             metadata=dict(narrations[0].metadata or {}),
                             request_id="req_01JD0000000000000000000BAD")
    expected = {job.id: single_timestamps(job) for job in narrations}
    expected.update({job.id: single_describe(job) for job in storyboards})
    return Workload(narrations=narrations, storyboards=storyboards, corrupt=corrupt,
                    expected=expected)


def single_error(job: Job) -> str:
    """The error envelope the single operation gives for a job that fails."""
    from postprod.align import scene_timestamps
    from postprod.batch.jobs import envelope_text
    from postprod.contract import PostprodError

    try:
        scene_timestamps(Path(str(job.audio)), dict(job.metadata or {}), model="tiny.en",
                         request_id=job.request_id)
    except PostprodError as exc:
        return envelope_text(exc, str(job.request_id))
    raise AssertionError(f"{job.id} did not fail")


def read_error(path: Path) -> dict:
    """An error file's `error` object."""
    return json.loads(path.read_text(encoding="utf-8"))["error"]
