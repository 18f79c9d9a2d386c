"""Figure builders: the waveform envelope, the alignment view, the timeline strip."""

from __future__ import annotations

import json

import numpy as np
import opentimelineio as otio
import soundfile as sf

from postprod.compose import compose_otio
from postprod.contract import TimestampsResponse
from postprod.plots import alignment_figure, timeline_figure, waveform_envelope, window_class


def test_envelope_keeps_the_extremes_and_the_point_budget(sample_media) -> None:
    samples, rate = sf.read(sample_media / "narration.wav", dtype="float32")
    env = waveform_envelope(samples=samples, sample_rate=rate, buckets=2000)
    assert 1000 < env.times_sec.size <= 2000
    assert np.all(env.lows <= env.highs)
    assert env.highs.max() == samples.max() and env.lows.min() == samples.min()
    assert env.times_sec[0] == 0 and env.times_sec[-1] < samples.size / rate


def test_envelope_of_nothing_is_empty() -> None:
    env = waveform_envelope(samples=np.zeros(0), sample_rate=16000)
    assert env.times_sec.size == env.lows.size == env.highs.size == 0


def test_window_classes() -> None:
    assert window_class(width_ms=400, basis="startCue") == "narrow"
    assert window_class(width_ms=401, basis="anchor") == "medium"
    assert window_class(width_ms=5000, basis="startCue") == "wide"
    assert window_class(width_ms=100, basis="interpolated") == "interpolated"


def _timestamps() -> TimestampsResponse:
    return TimestampsResponse.model_validate({
        "data": {"scenes": [{"index": 0, "id": "a", "startMs": 1000},
                            {"index": 1, "id": "b", "startMs": 5000},
                            {"index": 2, "id": "c", "startMs": 9000}],
                 "transitions": [
                     {"fromSceneId": "a", "toSceneId": "b", "atMs": 5000,
                      "window": {"startMs": 4800, "endMs": 5100}, "confidence": 0.9,
                      "basis": "startCue"},
                     {"fromSceneId": "b", "toSceneId": "c", "atMs": 9000,
                      "window": {"startMs": 7000, "endMs": 9500}, "confidence": 0.2,
                      "basis": "interpolated"}],
                 "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000", "audioDurationMs": 12000,
                 "startOffsetMs": 1000, "languageCode": "en"}})


def test_alignment_figure_rows_windows_and_ghosts() -> None:
    resp = _timestamps()
    env = waveform_envelope(samples=np.sin(np.linspace(0, 100, 12 * 8000)), sample_rate=8000)
    fig = alignment_figure(response=resp, envelope=env, cue_texts=["x", "the b cue", "c cue"],
                           starts_ms=[1000, 5200, 9000])
    assert fig.layout.xaxis2.matches == "x" or fig.layout.xaxis.matches == "x2"
    wave = fig.data[0]
    assert wave.fill == "toself" and min(wave.x) == 1.0  # shifted by the offset
    cuts = [t for t in fig.data if t.name and t.name.startswith("window")]
    assert {t.name for t in cuts} == {"window narrow", "window interpolated"}
    narrow = next(t for t in cuts if t.name == "window narrow")
    assert list(narrow.x) == [5.2]
    assert np.allclose(narrow.error_x.arrayminus, [0.4]) and np.allclose(narrow.error_x.array,
                                                                          [0.0])
    assert "the b cue" in narrow.hovertext[0]
    ghost = next(t for t in fig.data if t.name == "aligner's cut")
    assert list(ghost.x) == [5.0]
    assert len(fig.layout.shapes) >= 3  # scene bands


def test_timeline_figure_draws_each_clip_at_its_range(sample_media) -> None:
    manifest = json.loads((sample_media / "compose.json").read_text())
    result = compose_otio(manifest, tier="enterprise")
    timeline = otio.adapters.read_from_string(result.otio_json, "otio_json")
    fig = timeline_figure(timeline)
    bars = [t for t in fig.data if t.name != "transition"]
    expected = []
    for track in timeline.tracks:
        for clip in track.find_clips(shallow_search=True):
            r = clip.range_in_parent()
            expected.append((round(r.start_time.to_seconds(), 6),
                             round(r.duration.to_seconds(), 6)))
    got = [(round(b, 6), round(x, 6)) for t in bars for b, x in zip(t.base, t.x, strict=True)]
    assert sorted(got) == sorted(expected)
    assert len(bars) == sum(1 for t in timeline.tracks if t.find_clips(shallow_search=True))
    assert any(t.name == "transition" for t in fig.data)  # the sample has a crossfade
    rows = list(fig.layout.yaxis.categoryarray)
    assert rows[0] == "V1" and all(": " in r for r in rows[1:]), rows  # "V1", "A2: narration"


def test_cut_panels_zoom_on_each_cut_with_window_waveform_and_thumbnail() -> None:
    from postprod.plots import cut_panels_figure

    response = _timestamps()
    rate = 16_000
    samples = np.sin(np.linspace(0, 2000, rate * 12)).astype(np.float32) * 0.5
    thumb = "data:image/png;base64,iVBORw0KGgo="
    fig = cut_panels_figure(response=response, samples=samples, sample_rate=rate,
                            thumbnails=[None] + [thumb] * (len(response.data.scenes) - 1))
    cuts = len(response.data.transitions)
    assert len(fig.data) == cuts  # one waveform per panel
    for k in range(cuts):
        axis = fig.layout[f"xaxis{'' if k == 0 else k + 1}"]
        at = response.data.scenes[k + 1].start_ms / 1000
        assert tuple(axis.range) == (at - 2.0, at + 2.0)
        assert fig.data[k].x.min() >= at - 2.0 - 1e-6 and fig.data[k].x.max() <= at + 2.0
    windows = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(s.x0, s.x1) for s in windows] == [
        (t.window.start_ms / 1000, t.window.end_ms / 1000) for t in response.data.transitions]
    assert len(fig.layout.images) == cuts
