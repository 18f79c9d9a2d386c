"""Contract §5 glue: a hand-written Scene Timestamps response -> Compose manifest -> OTIO."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import opentimelineio as otio
import pytest

import postprod
from postprod.compose import compose_otio
from postprod.contract.compose import ComposeRequest
from postprod.contract.errors import PostprodError
from postprod.pipeline import build_compose_manifest

TIMESTAMPS = {
    "data": {
        "scenes": [{"index": 0, "id": "lab", "startMs": 1500},
                   {"index": 1, "id": "valley", "startMs": 5820},
                   {"index": 2, "id": "night sky!", "startMs": 9333}],
        "transitions": [
            {"fromSceneId": "lab", "toSceneId": "valley", "atMs": 5820,
             "window": {"startMs": 5660, "endMs": 5940}, "confidence": 0.92,
             "basis": "startCue"},
            {"fromSceneId": "valley", "toSceneId": "night sky!", "atMs": 9333,
             "window": {"startMs": 9100, "endMs": 9500}, "confidence": 0.7,
             "basis": "anchor"}],
        "warnings": [],
    },
    "meta": {"requestId": "req_01JD0000000000000000000000", "audioDurationMs": 11600,
             "startOffsetMs": 1500, "languageCode": "en"},
}
IMAGES = ["scenes/01_lab.jpg", "scenes/02 valley.jpg", "scenes/03_sky.jpg"]


def build(**kw):
    args = {"scene_images": IMAGES, "timestamps": TIMESTAMPS, "narration_path": "narration.wav",
            "narration_duration_sec": 11.6, "project_name": "Pipeline demo"}
    args.update(kw)
    return build_compose_manifest(**args)


def test_stills_last_until_the_next_scene_and_the_narration_end():
    req = build()
    assert isinstance(req, ComposeRequest)
    seq = req.intent.sequence
    # scene 0 covers the leading offset; the last lasts until 1.5 + 11.6 = 13.1 s
    assert [e.duration_sec for e in seq] == [5.82, 3.513, 3.767]
    assert [e.item_id for e in seq] == ["lab", "valley", "scene-2"]
    assert [e.clip_name_hint for e in seq] == ["lab", "valley", "night sky!"]
    layer = req.intent.audio_layers[0]
    assert (layer.item_id, layer.from_sec, layer.to_sec, layer.role) == (
        "narration", 1.5, 13.1, "narration")
    assert [i.path for i in req.folder.items] == [*IMAGES, "narration.wav"]


def test_the_composed_cuts_sit_on_the_scene_starts():
    result = compose_otio(build(fps=25))
    v1 = result.timeline.tracks[0]
    starts = [round(c.range_in_parent().start_time.value) for c in v1.find_clips()]
    assert starts == [0, 146, 233]  # 145.5 -> 146, 233.325 -> 233
    assert result.response.data.summary.duration_frames == 328  # 13.1 s = 327.5 frames
    narration = result.timeline.tracks[1]
    clip = next(iter(narration.find_clips()))
    assert clip.range_in_parent().start_time.value == round(1.5 * 25)
    assert {t.duration().value for t in result.timeline.tracks} == {328}


def test_music_bed_loops_over_the_whole_timeline():
    req = build(music_path="music/loop.wav", music_duration_sec=4.0, music_gain_role="music",
                media_root_path="/projects/demo", target_consumer="resolve", fps=29.97,
                resolution=(1280, 720))
    layer = req.intent.audio_layers[1]
    assert (layer.item_id, layer.from_sec, layer.to_sec, layer.placement, layer.track_id) == (
        "music", 0, 13.1, "loopToFit", "music")
    assert req.folder.media_root_path == "/projects/demo"
    assert req.output.target_consumer == "resolve"
    assert (req.project.resolution.w, req.project.resolution.h) == (1280, 720)
    tl = compose_otio(req).timeline
    music = next(t for t in tl.tracks if t.name == "music")
    clips = list(music.find_clips())
    assert len(clips) == 4
    assert clips[-1].range_in_parent().end_time_exclusive() == tl.tracks[0].duration()
    assert clips[0].media_reference.target_url == "file:///projects/demo/music/loop.wav"


def test_crossfades_on_every_cut():
    req = build(crossfade_sec=0.5)
    assert [e.transition_in.duration_sec if e.transition_in else None
            for e in req.intent.sequence] == [None, 0.5, 0.5]
    assert compose_otio(req).response.data.summary.transitions == 2


def test_absolute_paths_under_the_root_become_relative():
    req = build(scene_images=["/p/demo/scenes/a.jpg", "./scenes/b.jpg", "scenes/c.jpg"],
                narration_path="/p/demo/audio/n.wav", media_root_path="/p/demo")
    assert [i.path for i in req.folder.items] == ["scenes/a.jpg", "scenes/b.jpg",
                                                  "scenes/c.jpg", "audio/n.wav"]


def test_paths_outside_the_project_are_refused():
    with pytest.raises(PostprodError) as info:
        build(scene_images=["/elsewhere/a.jpg", "b.jpg", "c.jpg"], media_root_path="/p/demo")
    assert info.value.field == "scene_images"


def test_scene_count_must_match():
    with pytest.raises(PostprodError) as info:
        build(scene_images=IMAGES[:2])
    assert (info.value.code, info.value.field) == ("VALIDATION_ERROR", "scene_images")


def test_music_needs_its_duration():
    with pytest.raises(PostprodError) as info:
        build(music_path="m.wav")
    assert info.value.field == "music_duration_sec"


def test_accepts_the_response_model_and_is_exported_lazily():
    from postprod.contract.timestamps import TimestampsResponse

    model = TimestampsResponse.model_validate(TIMESTAMPS)
    assert postprod.build_compose_manifest is build_compose_manifest
    assert build(timestamps=model) == build()


def test_sample_project_pipeline(sample_media):
    """The sample project's truth onsets as timestamps -> a timeline over the real files."""
    truth = json.loads((sample_media / "narration_truth.json").read_text())
    scenes = [{"index": s["index"], "id": s["id"], "startMs": s["onsetMs"] if s["index"] else 0}
              for s in truth["scenes"]]
    ts = {"data": {"scenes": scenes, "transitions": [
              {"fromSceneId": a["id"], "toSceneId": b["id"], "atMs": b["startMs"],
               "window": {"startMs": b["startMs"], "endMs": b["startMs"]}, "confidence": 1,
               "basis": "startCue"} for a, b in itertools.pairwise(scenes)],
              "warnings": []},
          "meta": {"requestId": "req_01JD0000000000000000000000",
                   "audioDurationMs": truth["durationMs"], "startOffsetMs": 0,
                   "languageCode": "en"}}
    images = sorted(p.relative_to(sample_media).as_posix()
                    for p in (sample_media / "scenes").glob("*.jpg"))
    req = build_compose_manifest(
        scene_images=images, timestamps=ts, narration_path="narration.wav",
        narration_duration_sec=truth["durationMs"] / 1000, project_name="Sample",
        music_path="music_loop.wav", music_duration_sec=6.4,
        media_root_path=str(sample_media))
    result = compose_otio(req)
    tl = otio.adapters.read_from_string(result.otio_json, "otio_json")
    for clip in tl.find_clips():
        path = Path(otio.url_utils.filepath_from_url(clip.media_reference.target_url))
        assert path.is_file(), path
    assert result.response.data.summary.duration_sec == pytest.approx(45.24, abs=0.02)


def test_a_start_moved_by_hand_keeps_a_marker_whose_range_holds_it():
    moved = json.loads(json.dumps(TIMESTAMPS))
    moved["data"]["scenes"][1]["startMs"] = 6100  # the producer nudged "valley" 280 ms later
    req = build(timestamps=moved)
    marker = req.markers[1]
    assert (marker.at_sec, marker.window.start_sec, marker.window.end_sec) == (6.1, 5.66, 6.1)
    assert "moved by hand" in marker.note
    untouched = build().markers[1]
    assert (untouched.window.start_sec, untouched.window.end_sec) == (5.66, 5.94)
    assert "moved by hand" not in untouched.note
    compose_otio(req)  # the manifest is valid and composes
