"""Timeline markers (contract §2.1 `markers`): validation, the .otio, the Scene Timestamps glue."""

from __future__ import annotations

import opentimelineio as otio
import pytest

from postprod.compose import compose_otio
from postprod.contract.errors import ValidationFailed
from postprod.pipeline import build_compose_manifest


def with_markers(manifest, markers, **project):
    m = manifest(**project)
    m["markers"] = markers
    return m


def test_markers_reach_the_otio_stack_with_window_and_colour(manifest, run):
    m = with_markers(manifest, [
        {"atSec": 0, "name": "lab"},
        {"atSec": 3, "name": "valley", "window": {"startSec": 2.84, "endSec": 3.2},
         "confidence": 0.92, "note": "startCue"},
        {"atSec": 4, "name": "dusk", "window": {"startSec": 3.9, "endSec": 4.4},
         "confidence": 0.6},
        {"atSec": 5, "name": "sky", "window": {"startSec": 5, "endSec": 5.5},
         "confidence": 0.1}])
    tl = otio.adapters.read_from_string(run(m).otio_json, "otio_json")
    got = [(mk.name, mk.color, mk.marked_range.start_time.value,
            mk.marked_range.duration.value, mk.metadata["postprod"]["atFrame"], mk.comment)
           for mk in tl.tracks.markers]
    assert got == [("lab", "BLUE", 0, 0, 0, ""),
                   ("valley", "GREEN", 71, 9, 75, "startCue"),
                   ("dusk", "YELLOW", 98, 12, 100, ""),
                   ("sky", "RED", 125, 13, 125, "")]
    assert all(mk.marked_range.start_time.rate == 25 for mk in tl.tracks.markers)


@pytest.mark.parametrize(("marker", "field"), [
    ({"atSec": 6, "name": "late"}, "markers[0].atSec"),
    ({"atSec": 5, "name": "wide", "window": {"startSec": 4, "endSec": 7}},
     "markers[0].window.endSec"),
])
def test_markers_off_the_timeline_are_refused(manifest, run, marker, field):
    with pytest.raises(ValidationFailed) as err:
        run(with_markers(manifest, [marker]))
    assert err.value.field == field


def test_a_window_must_hold_its_marker(manifest, run):
    with pytest.raises(ValidationFailed) as err:
        run(with_markers(manifest, [{"atSec": 2, "name": "x",
                                     "window": {"startSec": 2.5, "endSec": 3}}]))
    assert err.value.field.startswith("markers[0]")


def test_scene_timestamps_results_become_markers():
    timestamps = {
        "data": {"scenes": [{"index": 0, "id": "lab", "startMs": 1500},
                            {"index": 1, "id": "valley", "startMs": 5820}],
                 "transitions": [{"fromSceneId": "lab", "toSceneId": "valley", "atMs": 5820,
                                  "window": {"startMs": 5660, "endMs": 5940},
                                  "confidence": 0.92, "basis": "startCue"}],
                 "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000", "audioDurationMs": 9000,
                 "startOffsetMs": 1500, "languageCode": "en"}}
    request = build_compose_manifest(
        scene_images=["a.jpg", "b.jpg"], timestamps=timestamps, narration_path="n.wav",
        narration_duration_sec=9, project_name="Glue", fps=25, target_consumer="resolve")
    result = compose_otio(request.to_json_data() | {"responseFormat": "json"})
    tl = result.timeline
    assert [(mk.name, mk.marked_range.start_time.value, mk.marked_range.duration.value,
             mk.color) for mk in tl.tracks.markers] == [
        ("lab", 0, 0, "BLUE"), ("valley", 142, 7, "GREEN")]
    # every export carries them
    exports = result.response.data.exports
    assert exports["fcp7Xml"].content.count("<marker>") == 2
    assert exports["edlV1"].content.count("* LOC: ") == 2
    event = next(ln for ln in exports["edlV1"].content.splitlines() if ln.startswith("002"))
    assert event.split()[-2] == "01:00:05:21"  # valley starts at 146 frames, Resolve record TC
