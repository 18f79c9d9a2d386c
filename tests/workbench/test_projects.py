"""Projects on disk, the bundle zip, background jobs, FLAC conversion and transcription."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import opentimelineio as otio
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from postprod import project as projects
from postprod.bundle import build_bundle, media_names
from postprod.contract import PostprodError
from postprod.pipeline import build_compose_manifest

APP = Path(__file__).resolve().parents[2] / "workbench" / "app.py"


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTPROD_WORKBENCH_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("POSTPROD_PROJECT_DIR", raising=False)


def _tree(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


def test_project_round_trip_export_and_import(tmp_path: Path, sample_media: Path) -> None:
    root = tmp_path / "projects"
    folder = projects.new_project(root=root, name="Home from orbit")
    still = projects.copy_in(folder, sample_media / "scenes" / "01_astronaut.jpg")
    data = {"name": "Home from orbit", "scenes": [still], "narration": None,
            "starts_ms": [0, 1200], "settings": {"tier": "premium"}}
    projects.save_project(folder, data)
    on_disk = json.loads((folder / "project.json").read_text())
    assert on_disk["scenes"][0]["path"].startswith("files/")  # relative: the folder can move
    loaded = projects.load_project(folder)
    assert loaded["scenes"][0]["path"] == still["path"] and loaded["starts_ms"] == [0, 1200]
    assert [p.name for p in projects.list_projects(root)] == ["Home from orbit"]

    copy = projects.import_zip(root=root, data=projects.export_zip(folder))
    assert copy != folder
    again = projects.load_project(copy)
    assert Path(again["scenes"][0]["path"]).read_bytes() == Path(still["path"]).read_bytes()
    assert again["settings"] == {"tier": "premium"}


@pytest.mark.parametrize(("entries", "message"), [
    ({"project.json": "{}", "../evil.txt": "x"}, "outside a project"),
    ({"files/a.jpg": "x"}, "no project.json"),
])
def test_import_refuses_foreign_zips(tmp_path: Path, entries: dict, message: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    with pytest.raises(PostprodError) as err:
        projects.import_zip(root=tmp_path, data=buf.getvalue())
    assert message in err.value.message and err.value.field == "project_zip"
    with pytest.raises(PostprodError, match="not a zip"):
        projects.import_zip(root=tmp_path, data=b"PK no zip")


def test_bundle_media_resolve_inside_it(tmp_path: Path, sample_media: Path) -> None:
    truth = json.loads((sample_media / "narration_truth.json").read_text())
    scenes = truth["scenes"]
    starts = [0] + [s["onsetMs"] for s in scenes[1:]]
    timestamps = {"data": {"scenes": [{"index": i, "id": s["id"], "startMs": starts[i]}
                                      for i, s in enumerate(scenes)],
                           "transitions": [], "warnings": []},
                  "meta": {"requestId": "req_01JD0000000000000000000000",
                           "audioDurationMs": truth["durationMs"], "startOffsetMs": 0,
                           "languageCode": "en"}}
    stills = sorted((sample_media / "scenes").glob("*.jpg"))
    names = media_names([*(p.name for p in stills[:-1]), "my still (1).jpg", "narration.wav"])
    sources = [*stills, sample_media / "narration.wav"]
    paths = [f"media/{n}" for n in names]
    manifest = build_compose_manifest(
        scene_images=paths[:-1], timestamps=timestamps, narration_path=paths[-1],
        narration_duration_sec=truth["durationMs"] / 1000, project_name="Home from orbit")
    bundle = build_bundle(manifest=manifest, media=dict(zip(paths, sources, strict=True)))
    assert bundle.file_name == "home-from-orbit.zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as zf:
        zf.extractall(tmp_path / "out")
    (otio_file,) = (tmp_path / "out").glob("*/*.otio")
    assert {p.suffix for p in otio_file.parent.iterdir() if p.is_file()} == {
        ".otio", ".xml", ".edl"}
    timeline = otio.adapters.read_from_file(str(otio_file))
    refs = {c.media_reference.target_url for c in timeline.find_clips()}
    assert len(refs) == 6
    for url in refs:
        assert (otio_file.parent / unquote(url)).is_file(), url
    with pytest.raises(PostprodError, match="no file for the item path"):
        build_bundle(manifest=manifest, media=dict(zip(paths[1:], sources[1:], strict=True)))


def test_media_names_keep_the_producers_names_unique() -> None:
    assert media_names(["a/b/Sunset.jpg", "sunset.jpg", "x\\sunset.jpg", "weird:name?.png"]) == [
        "Sunset.jpg", "sunset-2.jpg", "sunset-3.jpg", "weird_name_.png"]


def test_jobs_report_progress_cancel_and_persist(tmp_path: Path) -> None:
    from postprod.progress import Progress
    from workbench import jobs

    folder = projects.new_project(root=tmp_path, name="jobs")
    gate = threading.Event()

    def work(progress):
        for i in range(1, 1000):
            progress(Progress("transcribe", i / 1000, "recognising speech"))
            gate.wait(0.01)
        return {"never": True}

    job = jobs.start(project=folder, kind="align", label="Aligning", work=work,
                     params={"transcribe_span": (0.0, 1.0)})
    with pytest.raises(jobs.JobBusy):  # one job per project
        jobs.start(project=folder, kind="describe", label="Describing", work=work)
    while job.progress is None or job.progress.fraction < 0.1:
        time.sleep(0.01)
    assert jobs.audio_fraction(job) == pytest.approx(job.progress.fraction)
    assert jobs.eta_sec(job) is not None
    jobs.cancel(folder)
    assert jobs.wait(folder) is job and job.status == "cancelled"
    on_disk = json.loads((folder / "jobs" / "align.json").read_text())
    assert on_disk["status"] == "cancelled" and on_disk["id"] == job.id

    def fails(progress):
        raise projects.ValidationFailed("bad cue", field="scenes[1].anchorText")

    jobs.start(project=folder, kind="align", label="Aligning", work=fails)
    failed = jobs.wait(folder)
    assert failed is not None and failed.error is not None
    assert failed.error["code"] == "VALIDATION_ERROR"
    assert failed.error["field"] == "scenes[1].anchorText"


def _tone_wav(seconds: float, rate: int = 16_000) -> bytes:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * rate)) / rate
    y = 0.2 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(t.size)
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def test_over_cap_wav_is_offered_as_flac_and_the_sample_opens_as_a_copy(
        sample_media: Path) -> None:
    before = _tree(sample_media)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.sidebar.selectbox(key="tier").select("free").run()
    wav = _tone_wav(170)  # 5.44 MB of 16 kHz 16-bit mono, over the free tier's 5 MB
    assert len(wav) > 5_000_000
    at.file_uploader(key="narration_upload").upload("voice.wav", wav, "audio/wav").run()
    assert not at.exception, at.exception
    assert "over the free tier's 5.00 MB" in "\n".join(w.value for w in at.warning)
    at.button(key="convert_flac").click().run()
    assert not at.exception, at.exception
    narration = at.session_state["narration"]
    assert narration["name"] == "voice.flac" and narration["size"] < 5_000_000
    assert "error" not in narration
    original, rate = sf.read(io.BytesIO(wav), dtype="int16")
    converted, rate2 = sf.read(narration["path"], dtype="int16")
    assert rate2 == rate and np.array_equal(converted, original)  # lossless
    assert not [w for w in at.warning if "over the free tier" in w.value]

    # the sample: a copy in a new project folder, nothing written in sample_media/
    at.button(key="open_sample").click().run()
    assert not at.exception, at.exception
    folder = Path(at.session_state["project_dir"])
    assert all(Path(s["path"]).is_relative_to(folder) for s in at.session_state["scenes"])
    assert _tree(sample_media) == before


def test_workbench_dir_opens_the_saved_project(monkeypatch, sample_media: Path) -> None:
    from workbench import session

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.button(key="open_sample").click().run()
    at.sidebar.selectbox(key="tier").select("premium").run()
    folder = Path(at.session_state["project_dir"])
    monkeypatch.setenv(session.PROJECT_DIR_ENV, str(folder))  # as `postprod workbench DIR`
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.run()
    assert not again.exception, again.exception
    assert again.session_state["project_dir"] == str(folder)
    assert [s["name"] for s in again.session_state["scenes"]] == [
        p.name for p in sorted((sample_media / "scenes").glob("*.jpg"))]
    assert again.sidebar.selectbox(key="tier").value == "premium"


@pytest.mark.model
def test_transcribe_narration_gives_script_text(sample_media: Path) -> None:
    from postprod import transcribe_narration

    seen = []
    out = transcribe_narration(str(sample_media / "narration.wav"), model="tiny.en",
                               progress=seen.append)
    assert out["languageCode"] == "en" and out["words"] > 80
    assert "astronaut" in out["text"] and "rocket" in out["text"]
    assert seen[0].stage == "decode" and seen[-1].fraction == 1.0
    with pytest.raises(PostprodError) as err:
        transcribe_narration(b"not audio" * 20, model="tiny.en")
    assert err.value.code == "UNSUPPORTED_MEDIA_TYPE"
