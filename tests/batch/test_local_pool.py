"""The local process pool with the real tiny.en model: results byte-equal to the single
operations (library and `postprod timestamps`), a corrupt job, a worker killed mid-batch, a
worker over its memory limit, and a rerun that does no work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postprod.batch import BatchEvent, read_jobs, run

from .conftest import WorkerKiller, Workload, read_error, single_error

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_local_pool_matches_single_operations_and_survives_a_killed_worker(
        workload: Workload, tmp_path: Path) -> None:
    jobs = [*workload.narrations[:5], workload.corrupt, workload.storyboards[0]]
    out = tmp_path / "out"
    kill_mid_job = WorkerKiller()
    killed, events = kill_mid_job.killed, kill_mid_job.events

    progress = []
    report = run(jobs, out_dir=out, model="tiny.en", workers=2, on_event=kill_mid_job,
                 progress=progress.append)

    assert report.backend == "local" and report.ran == len(jobs)
    for job in jobs:
        if job.id == "corrupt":
            continue
        assert (out / f"{job.id}.json").read_text(encoding="utf-8") == \
            workload.expected[job.id], job.id
    assert (out / "corrupt.error.json").read_text(encoding="utf-8") == \
        single_error(workload.corrupt)
    assert read_error(out / "corrupt.error.json")["code"] in ("AUDIO_UNDECODABLE",
                                                              "UNSUPPORTED_MEDIA_TYPE")
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    # The killed worker's job ran again on a fresh worker and finished.
    lost = [e for e in events if e.kind == "lost"]
    assert [e.job_id for e in lost] == killed
    assert "SIGKILL" in lost[0].detail
    row = next(r for r in report.rows if r.id == killed[0])
    assert row.attempts == 2 and row.status == ("error" if row.id == "corrupt" else "ok")
    # One model load per worker process: 2 at the start, 1 after the kill, for 7 jobs.
    ready = [e for e in events if e.kind == "worker_ready"]
    assert len(ready) == 3 and len({e.pid for e in ready}) == 3
    assert sum(e.kind == "started" for e in events) == len(jobs) + 1
    # Longest first (the storyboard's 5 images weigh 25 s of audio): first runs in that order.
    heaviest_first = [j.id for j in sorted(jobs, key=lambda j: -j.weight)]
    assert [e.job_id for e in events if e.kind == "started" and e.attempt == 1] == \
        heaviest_first
    assert heaviest_first[0] == "storyboard-0"
    final = progress[-1]
    assert (final.done, final.total, final.failed) == (len(jobs), len(jobs), 1)
    assert final.audio_sec_done == pytest.approx(sum(r.audio_sec for r in report.rows))

    # A rerun does no work: no worker starts, no file is touched.
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    again = run(jobs, out_dir=out, model="tiny.en", workers=2, on_event=events.append)
    assert again.ran == 0 and again.workers == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps
    assert all(r.resumed for r in again.rows)


def test_cli_batch_equals_the_single_command(workload: Workload, tmp_path: Path) -> None:
    job = workload.narrations[1]
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(job.metadata), encoding="utf-8")
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text(json.dumps({"id": "one", "audio": job.audio, "metadata": "meta.json"})
                         + "\n", encoding="utf-8")
    env = {**os.environ, "COLUMNS": "200"}
    batch = subprocess.run([sys.executable, "-m", "postprod", "batch", "timestamps",
                            str(jobs_file), "--out", str(tmp_path / "out"), "--model",
                            "tiny.en", "--workers", "1"],
                           capture_output=True, text=True, timeout=600, env=env)
    assert batch.returncode == 0, batch.stderr
    assert "1 with a result, 0 with an error file" in batch.stdout
    single = subprocess.run([sys.executable, "-m", "postprod", "timestamps", str(job.audio),
                             "--metadata", str(meta), "--model", "tiny.en"],
                            capture_output=True, text=True, timeout=600, env=env)
    assert single.returncode == 0, single.stderr
    written = (tmp_path / "out" / "one.json").read_text(encoding="utf-8")
    rid = json.loads(written)["meta"]["requestId"]
    single_rid = json.loads(single.stdout)["meta"]["requestId"]
    assert written == single.stdout.replace(single_rid, rid)
    assert read_jobs(jobs_file, operation="timestamps")[0].metadata_is_path


def test_a_worker_over_its_memory_limit_is_stopped_and_its_job_written_as_an_error(
        workload: Workload, tmp_path: Path) -> None:
    events: list[BatchEvent] = []
    t0 = time.perf_counter()
    report = run(workload.narrations[:1], out_dir=tmp_path, model="tiny.en", workers=1,
                 memory_limit_mb=64, on_event=events.append)
    assert time.perf_counter() - t0 < 600
    error = read_error(tmp_path / f"{workload.narrations[0].id}.error.json")
    assert error["code"] == "INTERNAL_ERROR"
    assert "memory limit of 64 MB, twice" in error["message"]
    assert [e.kind for e in events if e.kind in ("lost", "worker_lost")] == \
        ["worker_lost", "lost", "worker_lost", "lost"]
    assert report.rows[0].attempts == 2


def test_bench_batch_prints_throughput_for_one_and_two_workers(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "postprod", "bench", "batch", "--narrations",
                           "2", "--seconds", "5", "--no-ray", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split() for line in proc.stdout.splitlines() if line.startswith("local")]
    assert [(r[1], r[2], r[3]) for r in rows] == [("1", "2", "2"), ("2", "1", "2")]
    assert all(float(r[6]) > 0 for r in rows)  # audio hours per hour
    assert "Estimate, 16 nodes" in proc.stdout
    assert len(list((tmp_path / "results-local-2").glob("narration-*.json"))) == 2
