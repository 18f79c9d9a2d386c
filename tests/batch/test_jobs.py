"""Jobs files, resuming and the summary, without any model: unreadable lines become error files,
finished jobs are never run again, and a sweep grid becomes jobs."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from postprod.batch import read_jobs, run, sweep_jobs, sweep_results, timestamps_job
from postprod.contract import PostprodError
from postprod.contract.errors import DuplicateId


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def test_lines_become_jobs_with_absolute_paths_and_errors(tmp_path: Path,
                                                          sample_media: Path) -> None:
    (tmp_path / "a.wav").write_bytes((sample_media / "narration.wav").read_bytes())
    jobs_file = write_lines(tmp_path / "jobs.jsonl", [
        {"id": "ep01", "audio": "a.wav", "metadata": "meta.json", "requestId": "req_x",
         "options": {"min_cue_score": 0.5}},
        "",
        "{not json",
        {"id": "ep02", "audio": "a.wav"},
        {"id": "../escape", "audio": "a.wav", "metadata": {}},
        {"id": "ep03", "audio": "a.wav", "metadata": {}, "options": {"beam": 2}},
        [1, 2],
    ])
    jobs = read_jobs(jobs_file, operation="timestamps")
    assert [j.id for j in jobs] == ["ep01", "line-3", "ep02", "line-5", "ep03", "line-7"]
    first = jobs[0]
    assert first.invalid is None
    assert first.audio == str(tmp_path / "a.wav")
    assert first.metadata == str(tmp_path / "meta.json") and first.metadata_is_path
    assert first.options == {"min_cue_score": 0.5}
    assert first.audio_sec == pytest.approx(45.25, abs=0.05)
    errors = {j.id: json.loads(j.invalid)["error"] for j in jobs[1:] if j.invalid}
    assert errors["line-3"]["code"] == "INVALID_JSON"
    assert errors["ep02"] == {"code": "VALIDATION_ERROR", "message": "metadata: Field required",
                              "field": "metadata", "allowed": "required", "details": []}
    assert errors["line-5"]["field"] == "id"
    assert errors["ep03"]["field"] == "options.beam"
    assert "beam_size" in errors["ep03"]["allowed"]
    assert errors["line-7"]["code"] == "VALIDATION_ERROR"


def test_duplicate_ids_refuse_the_whole_file(tmp_path: Path) -> None:
    jobs_file = write_lines(tmp_path / "jobs.jsonl", [
        {"id": "a", "images": ["x.jpg"]}, {"id": "b", "images": ["x.jpg"]},
        {"id": "a", "images": ["y.jpg"]}])
    with pytest.raises(DuplicateId) as info:
        read_jobs(jobs_file, operation="describe")
    assert "lines 1 and 3" in info.value.message


def test_an_id_that_would_collide_with_an_error_file_is_refused() -> None:
    with pytest.raises(PostprodError) as info:
        timestamps_job(id="ep01.error", audio="a.wav", metadata={})
    assert info.value.field == "id"


def test_unreadable_lines_are_written_and_finished_jobs_are_not_run_again(
        tmp_path: Path) -> None:
    jobs_file = write_lines(tmp_path / "jobs.jsonl", [
        "oops", {"id": "done", "images": ["x.jpg"]}, {"id": "failed", "images": ["y.jpg"]}])
    out = tmp_path / "out"
    out.mkdir()
    (out / "done.json").write_text('{"data": {}, "meta": {"requestId": "r"}}\n')
    (out / "failed.error.json").write_text(
        '{"error": {"code": "IMAGE_UNDECODABLE", "message": "m"}, "meta": {"requestId": "r"}}\n')
    events = []
    report = run(read_jobs(jobs_file, operation="describe"), out_dir=out, on_event=events.append)
    assert report.ran == 0 and report.workers == 0 and events == []
    assert json.loads((out / "line-1.error.json").read_text())["error"]["code"] == "INVALID_JSON"
    with open(out / "summary.csv", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert rows["done"]["status"] == "ok" and rows["done"]["resumed"] == "yes"
    assert rows["failed"]["code"] == "IMAGE_UNDECODABLE" and rows["failed"]["resumed"] == "yes"
    assert rows["line-1"]["status"] == "error" and rows["line-1"]["resumed"] == "no"


def test_cli_reports_errors_with_exit_status_2(tmp_path: Path) -> None:
    jobs_file = write_lines(tmp_path / "jobs.jsonl", ["[]"])
    proc = subprocess.run([sys.executable, "-m", "postprod", "batch", "describe",
                           str(jobs_file), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "0 with a result, 1 with an error file" in proc.stdout
    assert (tmp_path / "out" / "line-1.error.json").is_file()


def test_cli_refuses_a_jobs_file_with_duplicate_ids_in_the_envelope(tmp_path: Path) -> None:
    jobs_file = write_lines(tmp_path / "jobs.jsonl", [{"id": "a", "images": ["x.jpg"]}] * 2)
    proc = subprocess.run([sys.executable, "-m", "postprod", "batch", "describe",
                           str(jobs_file), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["code"] == "DUPLICATE_ID"
    assert not (tmp_path / "out").exists()


def test_a_sweep_grid_becomes_one_job_per_recording_and_point(tmp_path: Path,
                                                              sample_media: Path) -> None:
    from postprod.research.sweeps import settings_grid

    grid = settings_grid(min_cue_score=[0.5, 0.62], onset_refinement=[True, False])
    jobs = sweep_jobs(recordings={
        "sample": (sample_media / "narration.wav", sample_media / "timestamps_metadata.json"),
        "again": (sample_media / "narration.wav", {"scenes": [{"startCueText": "a",
                                                              "anchorText": "b"}]}),
    }, grid=grid, base={"beam_size": 1})
    assert [j.id for j in jobs][:5] == ["sample--000", "sample--001", "sample--002",
                                        "sample--003", "again--000"]
    assert jobs[1].options == {"beam_size": 1, "min_cue_score": 0.5, "onset_refinement": False}
    assert all(j.operation == "timestamps" for j in jobs)
    with pytest.raises(PostprodError):
        sweep_jobs(recordings={"x": ("a.wav", {})}, grid=[{"no_such_knob": 1}])
    (tmp_path / "sample--001.error.json").write_text(
        '{"error": {"code": "AUDIO_EMPTY", "message": "m"}, "meta": {"requestId": "r"}}')
    rows = sweep_results(tmp_path, jobs[:2])
    assert rows[0]["response"] is None and rows[0]["error"] is None
    assert rows[1]["error"]["code"] == "AUDIO_EMPTY"
    assert rows[1]["recording"] == "sample" and rows[1]["point"] == 1
