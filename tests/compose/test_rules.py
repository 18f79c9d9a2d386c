"""One test per rule of contract §2.2, on the real OTIO output."""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest

from postprod.compose import compose_otio, quote_compose
from postprod.compose.urls import target_url


def test_stills_get_their_duration_and_a_tight_available_range(manifest, run, get_track):
    result = run(manifest())
    v1 = get_track(result, "V1")
    clips = list(v1.find_clips())
    assert [c.source_range.duration.value for c in clips] == [75, 75]
    for c in clips:
        assert c.source_range.start_time.value == 0
        assert c.media_reference.available_range == c.source_range
        assert c.metadata["postprod"]["kind"] == "image"


def test_video_trim_sets_source_range_and_full_available_range(manifest, run, get_track):
    m = manifest()
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 2, "outSec": 6.5}})
    clip = list(get_track(run(m), "V1").find_clips())[2]
    assert clip.source_range == otio.opentime.TimeRange(
        otio.opentime.RationalTime(50, 25), otio.opentime.RationalTime(113, 25))  # 112.5 -> 113
    assert clip.media_reference.available_range.duration.value == 250


def test_video_without_trim_plays_the_whole_clip(manifest, run, get_track):
    m = manifest()
    m["intent"]["sequence"] = [{"itemId": "clip"}]
    clip = next(iter(get_track(run(m), "V1").find_clips()))
    assert (clip.source_range.start_time.value, clip.source_range.duration.value) == (0, 250)


def test_crossfade_is_a_centred_dissolve_with_still_handles(manifest, run, get_track,
                                                            get_spans):
    m = manifest()
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 1.2}
    result = run(m)
    v1 = get_track(result, "V1")
    assert get_spans(v1) == [("Clip", "a", 0, 75), ("Transition", "Cross Dissolve", 15, 15),
                             ("Clip", "b", 75, 75)]
    tr = v1[1]
    assert tr.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    a, b = v1[0], v1[2]
    # Stills carry exactly the handles the dissolve uses.
    assert a.media_reference.available_range.duration.value == 75 + 15
    assert b.source_range.start_time.value == 15
    assert b.media_reference.available_range.duration.value == 15 + 75
    assert v1.duration().value == 150  # the dissolve does not change the length
    assert result.response.data.summary.transitions == 1


def test_dissolve_alias_and_cut(manifest, run, get_track):
    m = manifest()
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "dissolve", "durationSec": 0.4}
    assert len([c for c in get_track(run(m), "V1") if isinstance(c, otio.schema.Transition)]) == 1
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "cut"}
    assert not [c for c in get_track(run(m), "V1") if isinstance(c, otio.schema.Transition)]


def test_video_crossfade_uses_media_handles(manifest, run, get_track):
    m = manifest()
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 1, "outSec": 5},
                                    "transitionIn": {"type": "crossfade", "durationSec": 2}})
    v1 = get_track(run(m), "V1")
    clip = list(v1.find_clips())[2]
    visible = clip.visible_range()
    assert visible.start_time.value == 25 - 25  # uses exactly the 1 s head
    assert visible.end_time_exclusive().value <= 250


def test_embedded_audio_goes_to_a_src_track_at_the_same_time(manifest, run, get_track,
                                                             get_spans):
    m = manifest()
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 1, "outSec": 3},
                                    "embeddedAudio": {"separateTrack": True}})
    m["intent"]["sequence"].append({"itemId": "a", "durationSec": 1})
    result = run(m)
    a_src = get_track(result, "A-src")
    assert a_src.kind == otio.schema.TrackKind.Audio
    assert get_spans(a_src) == [("Gap", "", 0, 150), ("Clip", "clip", 150, 50),
                                ("Gap", "", 200, 25)]
    v_clip = list(get_track(result, "V1").find_clips())[2]
    a_clip = next(iter(a_src.find_clips()))
    assert a_clip.source_range == v_clip.source_range
    assert a_clip.media_reference.target_url == v_clip.media_reference.target_url


def test_audio_lanes_follow_first_appearance_with_gaps(manifest, run, get_spans):
    m = manifest()
    m["intent"]["audioLayers"] = [
        {"itemId": "nar", "fromSec": 1, "toSec": 2, "role": "narration", "trackId": "voice"},
        {"itemId": "bgm", "fromSec": 0, "toSec": 6, "role": "music", "trackId": "bed"},
        {"itemId": "nar", "fromSec": 3, "toSec": 4, "role": "narration", "trackId": "voice"},
        {"itemId": "nar", "fromSec": 0.5, "toSec": 1, "role": "sfx"},
    ]
    tl = run(m).timeline
    assert [t.name for t in tl.tracks] == ["V1", "voice", "bed", "layer-3"]
    assert get_spans(tl.tracks[1]) == [
        ("Gap", "", 0, 25), ("Clip", "narration:nar", 25, 25), ("Gap", "", 50, 25),
        ("Clip", "narration:nar #2", 75, 25), ("Gap", "", 100, 50)]
    assert get_spans(tl.tracks[3])[:2] == [("Gap", "", 0, 13), ("Clip", "sfx:nar", 13, 12)]


def test_once_stops_at_the_source_end_with_a_warning(manifest, run, get_spans):
    m = manifest()
    m["intent"]["audioLayers"] = [{"itemId": "bgm", "fromSec": 0, "toSec": 6, "role": "music"}]
    result = run(m)
    assert get_spans(result.timeline.tracks[1]) == [("Clip", "music:bgm", 0, 100),
                                                    ("Gap", "", 100, 50)]
    codes = {w.code: w.field for w in result.response.data.warnings}
    assert codes["AUDIO_SHORTER_THAN_LAYER"] == "intent.audioLayers[0].toSec"


def test_loop_to_fit_repeats_whole_source_and_cuts_the_last(manifest, run, get_spans):
    m = manifest()
    m["intent"]["audioLayers"] = [{"itemId": "bgm", "fromSec": 0.4, "toSec": 5.8,
                                   "role": "music", "placement": "loopToFit"}]
    spans = get_spans(run(m).timeline.tracks[1])
    assert spans == [("Gap", "", 0, 10), ("Clip", "music:bgm", 10, 100),
                     ("Clip", "music:bgm #2", 110, 35), ("Gap", "", 145, 5)]


def test_names_use_hints_and_number_repeats(manifest, run, get_track):
    m = manifest()
    m["intent"]["sequence"] = [
        {"itemId": "a", "durationSec": 1, "clipNameHint": "Opening"},
        {"itemId": "b", "durationSec": 1},
        {"itemId": "b", "durationSec": 1},
        {"itemId": "a", "durationSec": 1, "clipNameHint": "Opening"},
        {"itemId": "b", "durationSec": 1},
    ]
    names = [c.name for c in get_track(run(m), "V1").find_clips()]
    assert names == ["Opening", "b", "b #2", "Opening #2", "b #3"]


def test_postprod_metadata_on_timeline_tracks_and_clips(manifest, run):
    m = manifest(fps=29.97)
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 0, "toSec": 2,
                                   "role": "narration", "trackId": "voice"}]
    m["output"] = {"targetConsumer": "kdenlive"}
    tl = run(m).timeline
    meta = tl.metadata["postprod"]
    assert meta == {"projectName": "Test cut", "fps": 29.97, "rate": "30000/1001",
                    "resolution": {"w": 1920, "h": 1080}, "audioSampleRate": 48000,
                    "targetConsumer": "kdenlive"}
    assert tl.tracks[1].metadata["postprod"] == {"trackId": "voice", "kind": "audio",
                                                 "role": "narration"}
    clip = next(iter(tl.tracks[1].find_clips()))
    assert clip.metadata["postprod"]["itemId"] == "nar"
    assert clip.metadata["postprod"]["role"] == "narration"
    assert clip.metadata["postprod"]["trackId"] == "voice"


@pytest.mark.parametrize(("root", "path", "url"), [
    ("/srv/proj", "scenes/still 1.jpg", "file:///srv/proj/scenes/still%201.jpg"),
    ("/srv/proj/", "a#b%c.jpg", "file:///srv/proj/a%23b%25c.jpg"),
    ("C:/Users/Ana/proj", "clips/ü.mov", "file:///C:/Users/Ana/proj/clips/%C3%BC.mov"),
    ("C:\\Users\\Ana\\proj", "clips/a.mov", "file:///C:/Users/Ana/proj/clips/a.mov"),
    ("d:\\", "a.mov", "file:///D:/a.mov"),
    ("\\\\nas\\share\\p", "a.mov", "file://nas/share/p/a.mov"),
    (None, "scenes/still 1.jpg", "scenes/still%201.jpg"),
    (None, "Scènes/01 café #1 50% ?.jpg", "Sc%C3%A8nes/01%20caf%C3%A9%20%231%2050%25%20%3F.jpg"),
])
def test_target_url(root, path, url):
    assert target_url(path=path, media_root_path=root) == url


def test_target_url_reaches_the_otio(manifest, run, get_track):
    m = manifest()
    m["folder"]["mediaRootPath"] = "C:\\Media Root"
    clip = next(iter(get_track(run(m), "V1").find_clips()))
    assert clip.media_reference.target_url == "file:///C:/Media%20Root/scenes/a.jpg"
    url = clip.media_reference.target_url
    assert otio.url_utils.filepath_from_url(url).endswith("Media Root/scenes/a.jpg")


@pytest.mark.parametrize(("fps", "rate"), [
    (23.976, 24000 / 1001), (29.97, 30000 / 1001), (47.952, 48000 / 1001),
    (59.94, 60000 / 1001), (25, 25.0), (12.5, 12.5),
])
def test_exact_ntsc_rates_on_every_time(manifest, run, fps, rate):
    m = manifest(fps=fps)
    m["intent"]["audioLayers"] = [{"itemId": "bgm", "fromSec": 0, "toSec": 5,
                                   "role": "music", "placement": "loopToFit"}]
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 0.5}
    data = json.loads(run(m).otio_json)
    rates = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("OTIO_SCHEMA") == "RationalTime.1":
                rates.add(node["rate"])
                assert float(node["value"]).is_integer()
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    assert rates == {rate}


def test_positions_not_durations_are_rounded(manifest, run, get_track):
    m = manifest(fps=29.97)
    m["intent"]["sequence"] = [{"itemId": "a", "durationSec": 1} for _ in range(100)]
    result = run(m)
    assert result.response.data.summary.duration_frames == 2997
    durations = [int(c.source_range.duration.value) for c in get_track(result, "V1")
                 .find_clips()]
    assert sum(durations) == 2997
    assert set(durations) == {29, 30}
    # every cut within half a frame of where the seconds put it
    start = 0
    for i, d in enumerate(durations):
        assert abs(start - i * 30000 / 1001) <= 0.5
        start += d


def test_half_away_from_zero(manifest, run, get_track):
    m = manifest()  # 25 fps: 0.02 s = half a frame
    m["intent"]["sequence"] = [{"itemId": "a", "durationSec": 0.1},  # 2.5 frames -> 3
                               {"itemId": "b", "durationSec": 0.12}]  # ends at 5.5 -> 6
    durations = [int(c.source_range.duration.value)
                 for c in get_track(run(m), "V1").find_clips()]
    assert durations == [3, 3]


def test_values_between_frames_are_warned(manifest, run):
    m = manifest()
    m["intent"]["sequence"][0]["durationSec"] = 1.01
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 0.5, "toSec": 2,
                                   "role": "narration"}]
    warnings = run(m).response.data.warnings
    fields = {w.field for w in warnings if w.code == "ROUNDED_TO_FRAME"}
    assert fields == {"intent.sequence[0].durationSec", "intent.sequence[1].durationSec",
                      "intent.audioLayers[0].fromSec"}


def test_on_frame_values_give_no_warnings(manifest, run):
    m = manifest()
    m["folder"]["mediaRootPath"] = "/media"
    assert run(m).response.data.warnings == []


def test_all_tracks_end_together(manifest, run):
    m = manifest()
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 1, "toSec": 9,
                                   "role": "narration"}]
    tl = run(m).timeline
    assert {t.duration().value for t in tl.tracks} == {225}
    assert isinstance(tl.tracks[0][-1], otio.schema.Gap)


def test_summary(manifest, run):
    m = manifest()
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 1}
    m["intent"]["sequence"].append({"itemId": "clip", "embeddedAudio": {"separateTrack": True}})
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 0, "toSec": 2,
                                   "role": "narration"}]
    s = run(m).response.data.summary
    assert (s.duration_sec, s.duration_frames, s.video_clips, s.transitions,
            s.audio_tracks) == (16.0, 400, 3, 1, 2)


def test_json_response_envelope(manifest, run):
    m = manifest()
    m["responseFormat"] = "json"
    m["output"] = {"targetConsumer": "premiere"}
    result = run(m)
    data = result.response.to_json_data()
    assert data["meta"] == {"requestId": "req_01JD0000000000000000000000",
                            "responseFormat": "json", "targetConsumer": "premiere"}
    assert data["data"]["fileName"] == "test-cut.otio"
    assert data["data"]["mediaType"] == "application/vnd.opentimelineio+json"
    assert data["data"]["otio"] == json.loads(result.otio_json)
    assert set(data["data"]["exports"]) == {"fcp7Xml", "edlV1"}


def test_file_name_is_a_slug(manifest, run):
    m = manifest()
    m["project"]["name"] = "  Ünïcode: Scène 1 / Final!  "
    assert run(m).file_name == "unicode-scene-1-final.otio"


def test_quote_validates_and_returns_four(manifest):
    assert quote_compose(manifest(), tier="free") == 4


def test_request_id_is_fresh_by_default(manifest):
    a = compose_otio(manifest()).response.meta.request_id
    b = compose_otio(manifest()).response.meta.request_id
    assert a != b and a.startswith("req_") and len(a) == 30


@pytest.mark.parametrize("consumer", ["generic", "resolve", "premiere", "fcpx", "kdenlive"])
def test_target_consumer_never_changes_timing(manifest, run, consumer, get_spans):
    m = manifest(fps=23.976)
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 0.5}
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 1, "outSec": 4},
                                    "embeddedAudio": {"separateTrack": True}})
    m["intent"]["audioLayers"] = [{"itemId": "bgm", "fromSec": 0.3, "toSec": 11,
                                   "role": "music", "placement": "loopToFit"}]
    base = run(m).timeline
    m["output"] = {"targetConsumer": consumer}
    tuned = run(m).timeline
    for t0, t1 in zip(base.tracks, tuned.tracks, strict=True):
        assert get_spans(t0) == get_spans(t1)
        for c0, c1 in zip(t0.find_clips(), t1.find_clips(), strict=True):
            assert c0.source_range == c1.source_range
            assert c0.media_reference.available_range == c1.media_reference.available_range


def test_resolve_tuning(manifest, run):
    m = manifest(fps=29.97)
    m["folder"]["mediaRootPath"] = "/Volumes/Media"
    m["output"] = {"targetConsumer": "resolve"}
    result = run(m)
    tl = result.timeline
    assert tl.global_start_time == otio.opentime.RationalTime(108000, 30000 / 1001)
    assert otio.opentime.to_timecode(tl.global_start_time, 30000 / 1001, False) == "01:00:00:00"
    assert tl.metadata["Resolve_OTIO"] == {"Resolve OTIO Meta Version": "1.0"}
    assert tl.tracks[0].metadata["Resolve_OTIO"] == {"Locked": False}
    clip = next(iter(tl.tracks[0].find_clips()))
    assert clip.media_reference.target_url.startswith("file:///Volumes/Media/")
    assert clip.media_reference.name == "a.jpg"
    assert "RELATIVE_MEDIA_PATHS" not in {w.code for w in result.response.data.warnings}


def test_resolve_without_root_warns_about_relative_paths(manifest, run):
    m = manifest()
    m["output"] = {"targetConsumer": "resolve"}
    codes = {w.code: w.field for w in run(m).response.data.warnings}
    assert codes == {"RELATIVE_MEDIA_PATHS": "folder.mediaRootPath"}


def test_premiere_tuning(manifest, run):
    m = manifest()
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 0, "toSec": 2,
                                   "role": "narration"}]
    m["output"] = {"targetConsumer": "premiere"}
    tl = run(m).timeline
    assert tl.metadata["PremierePro_OTIO"] == {"MetadataVersion": "1.0"}
    assert tl.tracks.metadata["PremierePro_OTIO"]["VideoResolution"] == {"width": 1920,
                                                                          "height": 1080}
    assert tl.tracks.metadata["PremierePro_OTIO"]["AudioFrameRate"] == 48000
    assert tl.tracks[1].metadata["PremierePro_OTIO"] == {"AudioChannels": 2}
    assert tl.global_start_time is None


@pytest.mark.parametrize("consumer", ["generic", "kdenlive", "fcpx"])
def test_plain_consumers_have_no_editor_metadata(manifest, run, consumer):
    m = manifest()
    m["output"] = {"targetConsumer": consumer}
    tl = run(m).timeline
    assert set(tl.metadata) == {"postprod"}
    assert tl.global_start_time is None
    assert all(set(t.metadata) == {"postprod"} for t in tl.tracks)


def test_no_zero_length_gaps_and_no_edge_transitions(manifest, run):
    m = manifest()
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 1}
    m["intent"]["audioLayers"] = [
        {"itemId": "nar", "fromSec": 0, "toSec": 2, "role": "narration", "trackId": "v"},
        {"itemId": "nar", "fromSec": 2, "toSec": 6, "role": "narration", "trackId": "v"}]
    m["output"] = {"targetConsumer": "fcpx"}
    for t in run(m).timeline.tracks:
        assert not isinstance(t[0], otio.schema.Transition)
        assert not isinstance(t[-1], otio.schema.Transition)
        for child in t:
            if isinstance(child, otio.schema.Gap):
                assert child.duration().value > 0


def test_many_values_between_frames_are_summed_up(manifest, run):
    m = manifest(fps=29.97)
    m["folder"]["mediaRootPath"] = "/media"
    m["intent"]["sequence"] = [{"itemId": "a", "durationSec": 1} for _ in range(30)]
    warnings = run(m).response.data.warnings
    assert len(warnings) == 21
    assert [w.field for w in warnings[:20]] == [f"intent.sequence[{i}].durationSec"
                                                for i in range(20)]
    assert warnings[20].field is None
    assert warnings[20].message.startswith("10 more values")
