"""Property tests of the timeline arithmetic on random manifests (hypothesis)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import opentimelineio as otio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from postprod.compose import compose_otio
from postprod.contract.errors import PostprodError

RATES = {23.976: Fraction(24000, 1001), 24: Fraction(24), 25: Fraction(25),
         29.97: Fraction(30000, 1001), 30: Fraction(30), 50: Fraction(50),
         59.94: Fraction(60000, 1001), 12.5: Fraction(25, 2)}


def nearest(x: Fraction) -> int:
    """Half away from zero, written independently of the library (x >= 0 here)."""
    whole = math.floor(x)
    return whole + 1 if x - whole >= Fraction(1, 2) else whole


def ms(lo: int, hi: int) -> st.SearchStrategy[float]:
    return st.integers(lo, hi).map(lambda v: v / 1000)


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    fps = draw(st.sampled_from(sorted(RATES)))
    n_videos = draw(st.integers(0, 3))
    items: list[dict[str, Any]] = [
        {"id": f"s{k}", "kind": "image", "path": f"scenes/s {k}.jpg"} for k in range(3)]
    items += [{"id": f"v{k}", "kind": "video", "path": f"v{k}.mov",
               "durationSec": draw(ms(2000, 20000))} for k in range(n_videos)]
    items += [{"id": "voice", "kind": "audio", "path": "voice.wav",
               "durationSec": draw(ms(500, 30000))},
              {"id": "loop", "kind": "audio", "path": "loop.wav",
               "durationSec": draw(ms(300, 8000))}]
    sequence = []
    for i in range(draw(st.integers(1, 12))):
        if n_videos and draw(st.booleans()):
            k = draw(st.integers(0, n_videos - 1))
            length = items[3 + k]["durationSec"]
            a = draw(st.integers(0, int(length * 1000) - 200))
            b = draw(st.integers(a + 100, int(length * 1000)))
            entry: dict[str, Any] = {"itemId": f"v{k}", "trim": {"inSec": a / 1000,
                                                                 "outSec": b / 1000},
                                     "embeddedAudio": {"separateTrack": draw(st.booleans())}}
        else:
            entry = {"itemId": f"s{draw(st.integers(0, 2))}", "durationSec": draw(ms(100, 9000))}
        if i and draw(st.booleans()):
            entry["transitionIn"] = {"type": "crossfade", "durationSec": draw(ms(90, 1500))}
        sequence.append(entry)
    layers = []
    for lane in ("narration", "music", None):
        cursor = 0
        for _ in range(draw(st.integers(0, 3))):
            start = cursor + draw(st.integers(0, 5000))
            end = start + draw(st.integers(100, 40000))
            cursor = end
            layers.append({"itemId": "loop" if lane == "music" else "voice",
                           "fromSec": start / 1000, "toSec": end / 1000,
                           "role": lane or "sfx", "trackId": lane,
                           "placement": draw(st.sampled_from(["once", "loopToFit"]))})
    for layer in layers:
        if layer["trackId"] is None:
            del layer["trackId"]
    return {"project": {"name": "prop", "fps": fps, "resolution": {"w": 640, "h": 360}},
            "folder": {"mediaRootPath": "/m", "items": items},
            "intent": {"sequence": sequence, "audioLayers": layers},
            "output": {"targetConsumer": draw(st.sampled_from(
                ["generic", "resolve", "premiere", "fcpx", "kdenlive"]))}}


def compose_or_skip(m: dict[str, Any]):
    try:
        return compose_otio(m)
    except PostprodError as exc:
        # Random dissolves may be longer than their clips or handles; those must say so.
        assert exc.code in ("TRANSITION_TOO_LONG", "VALIDATION_ERROR"), exc
        assume(False)
        raise


PROPERTY_SETTINGS = settings(max_examples=120, deadline=None,
                             suppress_health_check=[HealthCheck.filter_too_much,
                                                    HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(manifests())
def test_all_tracks_end_together(m):
    result = compose_or_skip(m)
    tl = otio.adapters.read_from_string(result.otio_json, "otio_json")
    ends = {t.duration().value for t in tl.tracks}
    assert ends == {result.response.data.summary.duration_frames}


@PROPERTY_SETTINGS
@given(manifests())
def test_visible_ranges_lie_inside_available_ranges(m):
    tl = otio.adapters.read_from_string(compose_or_skip(m).otio_json, "otio_json")
    for t in tl.tracks:
        for clip in t.find_clips():
            avail = clip.media_reference.available_range
            if avail is None:
                continue
            visible = clip.visible_range()
            assert visible.start_time.value >= avail.start_time.value
            assert visible.end_time_exclusive().value <= avail.end_time_exclusive().value
            assert clip.source_range.duration.value > 0


@PROPERTY_SETTINGS
@given(manifests())
def test_video_track_is_the_sum_of_the_sequence_with_rounded_positions(m):
    result = compose_or_skip(m)
    rate = RATES[m["project"]["fps"]]
    items = {i["id"]: i for i in m["folder"]["items"]}
    position = Fraction(0)
    expected_starts = []
    for entry in m["intent"]["sequence"]:
        expected_starts.append(nearest(position * rate))
        if "durationSec" in entry:
            position += Fraction(repr(entry["durationSec"]))
        else:
            trim = entry["trim"]
            position += Fraction(repr(trim["outSec"])) - Fraction(repr(trim["inSec"]))
    v1 = result.timeline.tracks[0]
    clips = list(v1.find_clips())
    assert [int(c.range_in_parent().start_time.value) for c in clips] == expected_starts
    assert clips[-1].range_in_parent().end_time_exclusive().value == nearest(position * rate)
    for c, entry in zip(clips, m["intent"]["sequence"], strict=True):
        assert c.metadata["postprod"]["itemId"] == entry["itemId"]
        assert c.metadata["postprod"]["kind"] == items[entry["itemId"]]["kind"]


@PROPERTY_SETTINGS
@given(manifests())
def test_every_time_is_a_whole_frame_at_the_project_rate(m):
    result = compose_or_skip(m)
    rate = float(RATES[m["project"]["fps"]])
    tl = result.timeline
    for t in tl.tracks:
        for child in t:
            if isinstance(child, otio.schema.Transition):
                times = [child.in_offset, child.out_offset]
                # the crossfade rounded as a duration; ⌊D/2⌋ before the cut, the rest after it
                entry = m["intent"]["sequence"][child.metadata["postprod"]["sequenceIndex"]]
                d = Fraction(repr(entry["transitionIn"]["durationSec"]))
                frames = nearest(d * RATES[m["project"]["fps"]])
                assert (child.in_offset.value, child.out_offset.value) == (
                    frames // 2, frames - frames // 2)
            else:
                times = [child.source_range.start_time, child.source_range.duration]
                if isinstance(child, otio.schema.Clip) and child.media_reference.available_range:
                    times += [child.media_reference.available_range.start_time,
                              child.media_reference.available_range.duration]
            for rt in times:
                assert rt.rate == rate
                assert float(rt.value).is_integer()


@PROPERTY_SETTINGS
@given(manifests())
def test_audio_layers_start_and_end_on_their_nearest_frames(m):
    result = compose_or_skip(m)
    rate = RATES[m["project"]["fps"]]
    items = {i["id"]: i for i in m["folder"]["items"]}
    by_layer: dict[int, list[otio.schema.Clip]] = {}
    for t in result.timeline.tracks[1:]:
        for clip in t.find_clips():
            if "layerIndex" in clip.metadata["postprod"]:
                by_layer.setdefault(clip.metadata["postprod"]["layerIndex"], []).append(clip)
    assert sorted(by_layer) == list(range(len(m["intent"]["audioLayers"])))
    for j, layer in enumerate(m["intent"]["audioLayers"]):
        clips = by_layer[j]
        start = nearest(Fraction(repr(layer["fromSec"])) * rate)
        end = nearest(Fraction(repr(layer["toSec"])) * rate)
        assert clips[0].range_in_parent().start_time.value == start
        last_end = clips[-1].range_in_parent().end_time_exclusive().value
        if layer["placement"] == "loopToFit":
            assert last_end == end  # the loop fills the window exactly
            piece = nearest(Fraction(repr(items[layer["itemId"]]["durationSec"])) * rate)
            assert all(c.source_range.duration.value == piece for c in clips[:-1])
            assert all(c.source_range.start_time.value == 0 for c in clips)
        else:
            assert len(clips) == 1 and last_end <= end


@PROPERTY_SETTINGS
@given(manifests())
def test_round_trip_and_structure(m):
    result = compose_or_skip(m)
    back = otio.adapters.read_from_string(result.otio_json, "otio_json")
    assert back.is_equivalent_to(result.timeline)
    assert back.to_json_string(4) + "\n" == result.otio_json
    for t in back.tracks:
        children = list(t)
        assert not isinstance(children[0], otio.schema.Transition)
        assert not isinstance(children[-1], otio.schema.Transition)
        for k, child in enumerate(children):
            if isinstance(child, otio.schema.Transition):
                assert isinstance(children[k - 1], otio.schema.Clip)
                assert isinstance(children[k + 1], otio.schema.Clip)
            if isinstance(child, otio.schema.Gap):
                assert child.duration().value > 0
