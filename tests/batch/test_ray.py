"""The Ray backend on a local Ray cluster started here (2 CPUs, small object store): 20
narrations and 5 storyboards byte-equal to the single operations, a corrupt job, an actor killed
mid-batch, and a rerun that does no work. One cluster for the module, shut down at the end."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postprod.batch import BatchEvent, run

from .conftest import WorkerKiller, Workload, single_error

pytestmark = [pytest.mark.model, pytest.mark.slow]

OBJECT_STORE_BYTES = 80 * 1024 * 1024
"""Ray's object store for the test cluster; results are a few kB each."""


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A local Ray cluster of 2 CPUs for this module.

    On a loaded machine the raylet gives its agents 15 s to start and sometimes gives up
    ("node timed out during startup"): the start is tried up to three times.
    """
    import ray

    last: Exception | None = None
    for _ in range(3):
        try:
            ray.init(num_cpus=2, object_store_memory=OBJECT_STORE_BYTES,
                     include_dashboard=False, log_to_driver=False)
            break
        except Exception as exc:
            last = exc
            ray.shutdown()
    else:
        raise RuntimeError(f"the local Ray cluster did not start: {last}")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_batch_is_byte_equal_to_single_operations_and_resumes(
        ray_cluster: Any, workload: Workload, tmp_path: Path) -> None:
    assert ray_cluster.cluster_resources()["CPU"] == 2
    jobs = [*workload.narrations, *workload.storyboards, workload.corrupt]
    out = tmp_path / "out"
    events: list[BatchEvent] = []
    report = run(jobs, out_dir=out, model="tiny.en", ray="current", on_event=events.append)

    assert report.backend == "ray" and report.ran == len(jobs) == 26
    assert report.ok == 25 and report.failed == 1
    for job in [*workload.narrations, *workload.storyboards]:
        assert (out / f"{job.id}.json").read_text(encoding="utf-8") == \
            workload.expected[job.id], job.id
    assert (out / "corrupt.error.json").read_text(encoding="utf-8") == \
        single_error(workload.corrupt)
    # Two actors (the cluster's 2 CPUs, 1 each), each loading its models once for 26 jobs.
    ready = [e for e in events if e.kind == "worker_ready"]
    assert len(ready) == 2 and len({e.worker for e in ready}) == 2
    assert {r.worker for r in report.rows} == {e.worker for e in ready}
    assert (out / "summary.csv").read_text(encoding="utf-8").count("\n") == 27

    # A rerun does no work: no actor, no file touched.
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    events.clear()
    again = run(jobs, out_dir=out, model="tiny.en", ray="current", on_event=events.append)
    assert again.ran == 0 and events == []
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps


def test_an_actor_killed_mid_batch_loses_only_its_job_which_runs_again(
        ray_cluster: Any, workload: Workload, tmp_path: Path) -> None:
    jobs = workload.narrations[:6]
    kill_mid_job = WorkerKiller()
    killed, events = kill_mid_job.killed, kill_mid_job.events

    report = run(jobs, out_dir=tmp_path, model="tiny.en", ray="current",
                 on_event=kill_mid_job)
    assert report.ok == len(jobs) and report.failed == 0
    for job in jobs:
        assert (tmp_path / f"{job.id}.json").read_text(encoding="utf-8") == \
            workload.expected[job.id], job.id
    lost = [e for e in events if e.kind == "lost"]
    assert [e.job_id for e in lost] == killed
    assert next(r for r in report.rows if r.id == killed[0]).attempts == 2
    assert sum(e.kind == "worker_ready" for e in events) == 3  # 2 + the replacement
    assert not list(tmp_path.glob("*.error.json"))


def test_cli_joins_the_running_cluster_with_ray_auto(ray_cluster: Any, workload: Workload,
                                                     tmp_path: Path) -> None:
    jobs = workload.narrations[6:8]
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text("".join(
        json.dumps({"id": j.id, "audio": j.audio, "metadata": j.metadata,
                    "requestId": j.request_id}) + "\n" for j in jobs), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "postprod", "batch", "timestamps",
                           str(jobs_file), "--out", str(out), "--model", "tiny.en",
                           "--ray", "auto"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 with a result, 0 with an error file; 2 run now (ray, 2 workers" in proc.stdout
    for job in jobs:
        assert (out / f"{job.id}.json").read_text(encoding="utf-8") == workload.expected[job.id]


def test_more_actors_than_free_cpus_still_finishes(ray_cluster: Any, workload: Workload,
                                                    tmp_path: Path) -> None:
    # The third actor never gets a CPU on this 2-CPU cluster; the batch must not wait for it.
    jobs = workload.narrations[8:10]
    report = run(jobs, out_dir=tmp_path, model="tiny.en", ray="current", workers=3)
    assert report.ok == 2 and report.workers <= 2
