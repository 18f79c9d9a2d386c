"""Every workbench page under Streamlit's AppTest, on the real library and the sample project."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import soundfile as sf
from PIL import Image
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "workbench" / "app.py"
TIMEOUT = 240


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch) -> None:
    """Uploads of each test go to its own folder; the sample project is the repo's."""
    monkeypatch.setenv("POSTPROD_WORKBENCH_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("POSTPROD_PROJECT_DIR", raising=False)


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _open_sample(at: AppTest) -> AppTest:
    at.button(key="open_sample").click().run()
    assert not at.exception, at.exception
    return at


def _finish(at: AppTest) -> AppTest:
    """Wait for the project's background job (Describe, Align, Transcribe), then rerun the page
    as its progress fragment would once the job ends."""
    from workbench import jobs

    job = jobs.wait(at.session_state["project_dir"])
    assert job is not None and job.status != "running"
    at.run()
    assert not at.exception, at.exception
    return at


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return buf.getvalue()


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


# --- Project ------------------------------------------------------------------------------------

def test_project_page_opens_the_sample_in_file_order(sample_media: Path) -> None:
    at = _open_sample(_app())
    scenes = at.session_state["scenes"]
    assert [s["name"] for s in scenes] == sorted(p.name for p in
                                                 (sample_media / "scenes").glob("*.jpg"))
    assert at.session_state["narration"]["name"] == "narration.wav"
    assert at.session_state["music"]["name"] == "music_loop.wav"
    assert at.session_state["narration_text"] == (sample_media / "narration.txt").read_text(
        encoding="utf-8").strip()
    assert at.session_state["project_name"] == json.loads(
        (sample_media / "compose.json").read_text())["project"]["name"]
    captions = _texts(at.caption)
    assert "enterprise tier: up to **100 images**, **100.00 MB** in total" in captions
    assert "5 scenes · narration: narration.wav" in _texts(at.sidebar.caption)
    prices = _texts(at.markdown).replace("**", "")
    for line in ("Describe: 5 credits", "Align: 9 credits", "Compose: 4 credits"):
        assert line in prices


def test_tier_switch_changes_the_limits_shown() -> None:
    at = _open_sample(_app())
    at.sidebar.selectbox(key="tier").select("free").run()
    captions = _texts(at.caption)
    assert "free tier: up to **5 images**, **5.00 MB** in total" in captions
    assert "audio up to **5.00 MB** and **5 min**" in captions
    assert not at.warning  # the sample fits the free tier


def test_scenes_reorder_and_remove() -> None:
    at = _open_sample(_app())
    names = [s["name"] for s in at.session_state["scenes"]]
    at.button(key="down_0").click().run()
    assert [s["name"] for s in at.session_state["scenes"]] == [names[1], names[0], *names[2:]]
    at.button(key="up_4").click().run()
    assert [s["name"] for s in at.session_state["scenes"]][3:] == [names[4], names[3]]
    at.button(key="remove_0").click().run()
    assert [s["name"] for s in at.session_state["scenes"]] == [names[0], names[2], names[4],
                                                                names[3]]
    assert at.button(key="up_0").disabled and at.button(key="down_3").disabled


def test_uploads_are_stored_by_hash_and_survive_page_changes(tmp_path: Path) -> None:
    at = _app()
    red, blue = _jpeg((200, 20, 20)), _jpeg((20, 20, 200))
    at.file_uploader(key="scene_upload").set_value(
        [("b_second.jpg", blue, "image/jpeg"), ("a_first.jpg", red, "image/jpeg")]).run()
    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 16000)).astype(np.float32) * 0.3
    wav = io.BytesIO()
    sf.write(wav, tone, 16000, format="WAV")
    at.file_uploader(key="narration_upload").upload("voice.wav", wav.getvalue(),
                                                    "audio/wav").run()
    at.file_uploader(key="narration_text_upload").upload(
        "script.txt", b"One scene. Two scenes.", "text/plain").run()
    assert not at.exception, at.exception
    scenes = at.session_state["scenes"]
    assert [s["name"] for s in scenes] == ["a_first.jpg", "b_second.jpg"]  # a batch by name
    for scene, data in zip(scenes, (red, blue), strict=True):
        path = Path(scene["path"])
        assert path.read_bytes() == data
        assert path.is_relative_to(tmp_path / "store") and scene["sha256"][:16] in path.parts
    assert at.session_state["narration"]["name"] == "voice.wav"
    assert at.session_state["narration_text"] == "One scene. Two scenes."

    at.switch_page("views/describe.py").run()
    assert not at.exception, at.exception
    at.switch_page("views/project.py").run()
    assert [s["name"] for s in at.session_state["scenes"]] == ["a_first.jpg", "b_second.jpg"]
    assert at.session_state["narration"]["name"] == "voice.wav"
    # a removed scene stays removed although the uploader still holds its file
    at.button(key="remove_0").click().run()
    assert [s["name"] for s in at.session_state["scenes"]] == ["b_second.jpg"]


def test_pages_without_a_project_point_back() -> None:
    at = _app()
    for page in ("views/describe.py", "views/align.py", "views/compose.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        info = _texts(at.info)
        assert "first" in info or "yet" in info, info


# --- Compose (from a given alignment) -----------------------------------------------------------

def _truth_timestamps(sample_media: Path) -> dict:
    """A Scene Timestamps result placing each cut at the narration's measured scene onset."""
    truth = json.loads((sample_media / "narration_truth.json").read_text())
    scenes = truth["scenes"]
    starts = [0] + [s["onsetMs"] for s in scenes[1:]]
    return {
        "data": {
            "scenes": [{"index": i, "id": s["id"], "startMs": starts[i]}
                       for i, s in enumerate(scenes)],
            "transitions": [{"fromSceneId": scenes[i - 1]["id"], "toSceneId": scenes[i]["id"],
                             "atMs": starts[i], "window": {"startMs": starts[i] - 250,
                                                          "endMs": starts[i] + 150},
                             "confidence": 0.9, "basis": "startCue"}
                            for i in range(1, len(scenes))],
            "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000",
                 "audioDurationMs": truth["durationMs"], "startOffsetMs": 0,
                 "languageCode": "en"}}


def _with_alignment(sample_media: Path) -> AppTest:
    at = _open_sample(_app())
    ts = _truth_timestamps(sample_media)
    at.session_state["timestamps_result"] = ts
    at.session_state["starts_ms"] = [s["startMs"] for s in ts["data"]["scenes"]]
    return at


def test_compose_page_builds_and_offers_downloads(sample_media: Path) -> None:
    at = _with_alignment(sample_media)
    at.switch_page("views/compose.py").run()
    assert not at.exception, at.exception
    assert "Compose: 4 credits" in _texts(at.markdown)
    at.selectbox(key="compose_fps").select(30.0).run()
    at.button(key="run_compose").click().run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    composed = at.session_state["compose_result"]
    timeline = otio.adapters.read_from_string(composed["otio_json"], "otio_json")
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = list(video.find_clips(shallow_search=True))
    assert [c.name for c in clips] == ["astronaut", "rocket", "deep_field", "coffee", "cat"]
    starts = at.session_state["starts_ms"]
    for clip, start_ms in zip(clips, starts, strict=True):
        assert abs(clip.range_in_parent().start_time.to_seconds() - start_ms / 1000) <= 1 / 60
    assert clips[0].range_in_parent().start_time.rate == 30
    audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    assert len(audio) == 2  # narration and the looped music bed
    labels = [b.label for b in at.get("download_button")]
    assert labels[:3] == [f"Download {composed['file_name']}", "Download JSON response",
                          "Download manifest (API request)"]
    assert any(label.endswith(".xml") or label.endswith(".edl") or label.endswith(".fcpxml")
               for label in labels[3:])
    # the producer's own file names, relative to the timeline (no private store paths)
    folder = composed["manifest"]["folder"]
    assert "mediaRootPath" not in folder
    assert [i["path"] for i in folder["items"]][:5] == [
        f"media/{p.name}" for p in sorted((sample_media / "scenes").glob("*.jpg"))]
    assert "bundle" in " ".join(labels)
    assert len(at.get("plotly_chart")) == 1
    assert not at.warning
    moved = list(starts)
    moved[1] += 200
    at.session_state["starts_ms"] = moved
    at.run()
    assert "changed since this timeline was built" in _texts(at.warning)
    # a media folder on the editing machine: the exports point at the producer's names in it
    at.text_input(key="media_folder_input").input("/Volumes/Footage/orbit film").run()
    at.button(key="run_compose").click().run()
    composed = at.session_state["compose_result"]
    assert composed["manifest"]["folder"]["mediaRootPath"] == "/Volumes/Footage/orbit film"
    assert "file:///Volumes/Footage/orbit%20film/01_astronaut.jpg" in composed["otio_json"]
    assert "store" not in composed["otio_json"] and "/tmp" not in composed["otio_json"]


def test_compose_target_editor_reaches_the_manifest_and_the_exports(sample_media: Path) -> None:
    at = _with_alignment(sample_media)
    at.switch_page("views/compose.py").run()
    at.selectbox(key="compose_target").select("fcpx").run()
    at.button(key="run_compose").click().run()
    assert not at.exception, at.exception
    composed = at.session_state["compose_result"]
    assert composed["manifest"]["output"]["targetConsumer"] == "fcpx"
    labels = [b.label for b in at.get("download_button")]
    assert any(label.endswith(".fcpxml") for label in labels), labels
    at.selectbox(key="compose_target").select("resolve").run()
    assert "changed since this timeline was built" in _texts(at.warning)
    at.button(key="run_compose").click().run()
    composed = at.session_state["compose_result"]
    assert composed["manifest"]["output"]["targetConsumer"] == "resolve"
    timeline = otio.adapters.read_from_string(composed["otio_json"], "otio_json")
    assert timeline.global_start_time is not None
    assert timeline.global_start_time.to_seconds() == 3600  # Resolve's 01:00:00:00
    at.switch_page("views/align.py").run()
    at.switch_page("views/compose.py").run()
    assert at.selectbox(key="compose_target").value == "resolve"  # kept across pages


def test_compose_page_refuses_blocking_starts(sample_media: Path) -> None:
    at = _with_alignment(sample_media)
    starts = list(at.session_state["starts_ms"])
    starts[2] = starts[1] - 10
    at.session_state["starts_ms"] = starts
    at.switch_page("views/compose.py").run()
    assert not at.exception, at.exception
    assert "cannot make a timeline" in _texts(at.error)
    assert "scene 2 (deep_field)" in _texts(at.error)
    assert at.session_state["timestamps_result"] is not None  # nothing lost
    assert any(link.label == "Go to Align to fix the starts" for link in at.get("page_link"))


def test_compose_error_names_the_field_and_keeps_the_page(sample_media: Path) -> None:
    at = _with_alignment(sample_media)
    at.switch_page("views/compose.py").run()
    at.button(key="run_compose").click().run()
    first = at.session_state["compose_result"]["otio_json"]
    # 24 fps with a 2 s crossfade: stills have handles, so this composes; a crossfade longer
    # than a scene must be refused by the library with the field named.
    at.number_input(key="compose_crossfade").set_value(2.0).run()
    ts = at.session_state["timestamps_result"]
    starts = [s["startMs"] for s in ts["data"]["scenes"]]
    starts[2] = starts[1] + 1000  # a 1 s scene cannot take a 2 s crossfade on both sides
    at.session_state["starts_ms"] = starts
    at.run()
    at.button(key="run_compose").click().run()
    assert not at.exception, at.exception
    errors = _texts(at.error)
    assert "TRANSITION_TOO_LONG" in errors or "VALIDATION_ERROR" in errors, errors
    assert "field: `intent.sequence[" in errors
    assert at.session_state["compose_result"]["otio_json"] == first  # the last good result stays
    # the error belongs to the input that failed: a shorter crossfade clears it
    at.number_input(key="compose_crossfade").set_value(0.0).run()
    assert not at.error, _texts(at.error)


# --- Align (real recogniser, tiny.en) -----------------------------------------------------------

def _with_project_cues() -> AppTest:
    at = _open_sample(_app())
    at.switch_page("views/describe.py").run()
    at.button(key="project_cues").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def aligned() -> AppTest:
    """The sample project aligned once with tiny.en through the Align page."""
    at = _with_project_cues()
    at.switch_page("views/align.py").run()
    at.radio(key="align_model").set_value("tiny.en").run()
    at.button(key="run_align").click().run()
    assert not at.exception, at.exception
    return _finish(at)


@pytest.mark.model
def test_align_page_runs_and_draws(aligned: AppTest, sample_media: Path) -> None:
    at = aligned
    assert "Aligning with tiny.en: done in" in _texts(at.success)
    assert not at.error, _texts(at.error)
    result = at.session_state["timestamps_result"]
    ids = [s["id"] for s in json.loads(
        (sample_media / "timestamps_metadata.json").read_text())["scenes"]]
    assert [s["id"] for s in result["data"]["scenes"]] == ids
    assert at.session_state["starts_ms"] == [s["startMs"] for s in result["data"]["scenes"]]
    truth = json.loads((sample_media / "narration_truth.json").read_text())["scenes"]
    for start, scene in zip(at.session_state["starts_ms"][1:], truth[1:], strict=True):
        assert scene["pauseBeforeStartMs"] - 500 <= start <= scene["onsetMs"] + 500
    assert "Align: 9 credits" in _texts(at.markdown)
    assert len(at.get("plotly_chart")) == 2 and len(at.get("audio")) >= 1  # overview, panels
    assert "Starts are in order" in _texts(at.success)
    assert "Steps done: aligned" in _texts(at.sidebar.caption)
    at.switch_page("views/compose.py").run()
    at.switch_page("views/align.py").run()
    assert at.radio(key="align_model").value == "tiny.en"  # the choice survives page changes
    assert at.session_state["timestamps_result"] == result


@pytest.mark.model
def test_align_review_nudges_selection_and_checks(aligned: AppTest) -> None:
    at = aligned
    starts = list(at.session_state["starts_ms"])
    # a click on the plot near cut 2 picks it for audition
    at.session_state["align_plot"] = {"selection": {"points": [{"x": starts[2] / 1000 + 0.05}],
                                                    "point_indices": [0], "box": [],
                                                    "lasso": []}}
    at.run()
    assert at.selectbox(key=f"audition_cut_{at.session_state['cut_box']}").value == 2
    at.button(key="nudge_p100").click().run()
    assert at.session_state["starts_ms"][2] == starts[2] + 100
    shown = _texts(at.markdown)
    assert f"Cut 2 starts **{starts[2] + 100} ms** · aligned at {starts[2]} ms" in shown
    assert "moved **+100 ms**" in shown
    at.button(key="nudge_m500").click().run()
    assert at.session_state["starts_ms"][2] == starts[2] - 400
    assert not at.error
    # moved before the previous scene: blocking, named, and Compose refuses it too
    moved = list(at.session_state["starts_ms"])
    moved[2] = moved[1] - 1
    at.session_state["starts_ms"] = moved
    at.run()
    assert "scene 2" in _texts(at.error) and "not after" in _texts(at.error)
    at.button(key="reset_starts").click().run()
    assert at.session_state["starts_ms"] == starts
    assert "Starts are in order" in _texts(at.success)


@pytest.mark.model
def test_align_error_names_the_field_and_keeps_the_result(aligned: AppTest) -> None:
    at = aligned
    before = at.session_state["timestamps_result"]
    cues_ok = [dict(r) for r in at.session_state["cues"]]
    cues = [dict(r) for r in at.session_state["cues"]]
    cues[1]["startCueText"] = "   "
    at.session_state["cues"] = cues
    at.run()
    assert "scene 1 (rocket): start cue" in _texts(at.warning)
    assert "changed since this alignment" in _texts(at.warning)
    at.button(key="run_align").click().run()
    _finish(at)
    err = _texts(at.error)
    assert "VALIDATION_ERROR" in err and "scenes[1].startCueText" in err, err
    assert at.session_state["timestamps_result"] == before
    assert len(at.get("plotly_chart")) == 2  # the last good alignment is still drawn
    # the error belongs to the cues that failed: fixing them clears it, before any new run
    at.session_state["cues"] = cues_ok
    at.run()
    assert not at.error, _texts(at.error)


@pytest.mark.model
def test_align_again_keeps_or_drops_the_nudges(aligned: AppTest) -> None:
    at = aligned
    aligned_starts = [s["startMs"] for s in at.session_state["timestamps_result"]["data"][
        "scenes"]]
    nudged = list(aligned_starts)
    nudged[2] += 300
    at.session_state["starts_ms"] = nudged
    built = {"file_name": "kept.otio", "otio_json": "{}", "response": {}, "manifest": {}}
    at.session_state["compose_result"] = built
    at.run()
    keep = at.radio(key="align_keep_nudges")
    assert keep.value is True  # the default keeps them
    assert "You moved 1 start(s) by hand" in keep.label
    at.button(key="run_align").click().run()
    _finish(at)
    assert at.session_state["starts_ms"] == nudged
    # "start over": the same outcome applied without the nudges (no third recognition)
    from workbench import jobs, steps

    at.radio(key="align_keep_nudges").set_value(False).run()
    again = jobs.Job(id="job_startover", kind="align", project=at.session_state["project_dir"],
                     label="Aligning", params={"keep_nudges": False}, started=0.0,
                     status="done", result=at.session_state["timestamps_result"])
    assert steps.apply_job(at.session_state, again)
    assert not steps.apply_job(at.session_state, again)  # applied once
    assert at.session_state["starts_ms"] == aligned_starts
    assert at.session_state["compose_result"] == built  # the built timeline is kept


def test_editor_deltas_apply_to_the_kept_rows() -> None:
    from workbench.steps import apply_cue_edits, apply_start_edits

    rows = [{"sceneId": "a", "anchorText": "x", "startCueText": "x", "description": "d",
             "cueSource": "describe"}]
    edited = apply_cue_edits(rows, {"edited_rows": {0: {"anchorText": "new anchor",
                                                        "description": "ignored"}},
                                    "added_rows": [], "deleted_rows": []})
    assert edited == [{"sceneId": "a", "anchorText": "new anchor", "startCueText": "x",
                       "description": "d", "cueSource": "edited"}]
    assert rows[0]["anchorText"] == "x"
    assert apply_start_edits([0, 5000, 9000], {"edited_rows": {"1": {"startMs": 5120.4},
                                                               "7": {"startMs": 1}}}) == [
        0, 5120, 9000]


# --- Describe (real library) --------------------------------------------------------------------

@pytest.mark.model
def test_describe_page_describes_in_order_with_cues(sample_media: Path) -> None:
    at = _open_sample(_app())
    at.switch_page("views/describe.py").run()
    assert "Describe: 5 credits" in _texts(at.markdown)
    at.button(key="run_describe").click().run()
    _finish(at)
    assert "Describing scenes: done in" in _texts(at.success)
    assert not at.error, _texts(at.error)
    result = at.session_state["describe_result"]
    scenes = result["data"]["scenes"]
    assert [s["index"] for s in scenes] == [0, 1, 2, 3, 4]
    assert [s["sceneId"] for s in scenes] == ["astronaut", "rocket", "deep_field", "coffee",
                                              "cat"]
    cues = at.session_state["cues"]
    narration = (sample_media / "narration.txt").read_text(encoding="utf-8")
    for row in cues:
        assert row["description"]
        assert row["anchorText"] and row["anchorText"] in narration
        assert row["anchorText"].startswith(row["startCueText"]) and row["startCueText"]
    # the grid shows each scene's description and cues
    markdown = _texts(at.markdown)
    assert all(f"**{row['description']}**" in markdown for row in cues)
    from workbench.steps import missing_cues

    assert missing_cues(cues) == []


def test_describe_paid_controls_are_disabled_on_free_with_the_reason() -> None:
    at = _open_sample(_app())
    at.sidebar.selectbox(key="tier").select("free").run()
    at.switch_page("views/describe.py").run()
    assert not at.exception, at.exception
    style = at.selectbox(key="describe_style_free")
    assert style.options == ["short", "normal"]
    assert at.multiselect(key="describe_extra").disabled
    reasons = _texts(at.caption)
    assert "*detailed* style: available on the premium and enterprise tiers, not on free" in \
        reasons
    assert "extra detail: available on the premium and enterprise tiers" in reasons

    at.sidebar.selectbox(key="tier").select("premium").run()
    assert at.selectbox(key="describe_style_paid").options == ["short", "normal", "detailed"]
    at.selectbox(key="describe_style_paid").select("detailed").run()
    at.multiselect(key="describe_extra").select(1).select(3).run()
    assert "Describe: 7 credits on the premium tier" in _texts(at.markdown).replace("**", "")


def _describe_fails(at: AppTest, *, cues_before: object) -> str:
    """Press Describe expecting a failure shown on the page: the cues stay as they were and no
    result is stored. Returns the error text."""
    at.button(key="run_describe").click().run()
    _finish(at)
    assert at.session_state["cues"] == cues_before
    assert at.session_state["describe_result"] is None
    return _texts(at.error)


@pytest.mark.model
def test_describe_over_the_free_limit_names_the_field_and_keeps_the_cues() -> None:
    at = _with_project_cues()
    cues_before = at.session_state["cues"]
    at.switch_page("views/project.py").run()
    at.file_uploader(key="scene_upload").upload("06_extra.jpg", _jpeg((10, 200, 10)),
                                                "image/jpeg").run()
    at.sidebar.selectbox(key="tier").select("free").run()
    assert "Over this tier's Describe limits" in _texts(at.warning)
    at.switch_page("views/describe.py").run()
    warning = _texts(at.warning)  # the price check says so, and Describe cannot start
    assert "over the free tier's limits: **TIER_LIMIT_EXCEEDED** (`images" in warning, warning
    assert at.button(key="run_describe").disabled
    assert at.session_state["cues"] == cues_before


@pytest.mark.model
def test_describe_captioner_setting_reaches_the_library(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.describe.test_captioner import VOCAB, tiny_captioner

    monkeypatch.delenv("POSTPROD_CAPTIONER_DIR", raising=False)
    at = _with_project_cues()
    cues_before = at.session_state["cues"]
    # a folder that is not there: a readable error, the cues kept, nothing described
    at.text_input(key="captioner_dir").input(str(tmp_path / "no-such-model")).run()
    err = _describe_fails(at, cues_before=cues_before)
    assert "**ENGINE_UNAVAILABLE**" in err and "no-such-model" in err, err
    assert "allowed: a local transformers image-to-text model folder" in err
    # a real (tiny, random) image-to-text model: its words lead every description
    folder = tiny_captioner(tmp_path / "captioner")
    at.text_input(key="captioner_dir").input(str(folder)).run()
    at.switch_page("views/project.py").run()
    at.switch_page("views/describe.py").run()
    assert at.text_input(key="captioner_dir").value == str(folder)  # kept across pages
    at.button(key="run_describe").click().run()
    _finish(at)
    assert not at.error, _texts(at.error)
    for scene in at.session_state["describe_result"]["data"]["scenes"]:
        words = scene["description"].rstrip("…").lower().split()
        assert words and set(words) <= VOCAB, scene["description"]  # the model wrote it
