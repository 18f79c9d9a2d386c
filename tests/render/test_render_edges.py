"""Missing media, placeholders, cancel, progress, the CLI and the burn-in of the preview render."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from postprod.compose import compose_otio
from postprod.contract import PostprodError
from postprod.progress import Progress
from postprod.render import RenderCancelled, render_preview
from postprod.render.layout import read_layout
from postprod.render.picture import BurnIn, CutWindow
from postprod.research.render_bench import bench_manifests

HEIGHT = 72
SEQUENCE = [{"itemId": "red", "durationSec": 0.6}, {"itemId": "ghost", "durationSec": 0.6},
            {"itemId": "blue", "durationSec": 0.6}]
GHOSTS = [{"id": "ghost", "kind": "image", "path": "stills/ghost.png"},
          {"id": "lost-voice", "kind": "audio", "path": "gone.wav", "durationSec": 1.0}]
LAYERS = [{"itemId": "lost-voice", "fromSec": 0, "toSec": 1.0, "trackId": "narration",
           "role": "narration"}]


def _missing_manifest(kit: Any) -> dict[str, Any]:
    return kit.manifest(fps=25, sequence=SEQUENCE, items=GHOSTS, layers=LAYERS)


def test_missing_media_names_every_clip_and_leaves_no_file(colour_stills: Path,
                                                           kit: Any) -> None:
    out = colour_stills / "x.mp4"
    with pytest.raises(PostprodError) as info:
        render_preview(compose_otio(_missing_manifest(kit)), out, height=HEIGHT,
                       media_root=colour_stills)
    err = info.value
    assert err.code == "VALIDATION_ERROR"
    assert "clip 'ghost'" in err.message and "stills/ghost.png" in err.message
    assert err.field == "tracks[0].children[1].media_reference.target_url"
    assert "placeholders" in (err.allowed or "")
    assert [d.message.split(" (")[0] for d in err.details] == ["clip 'narration:lost-voice'"]
    assert not out.exists() and list(colour_stills.glob(".*part")) == []


def test_placeholders_draw_a_card_for_the_missing_still(colour_stills: Path, kit: Any) -> None:
    out = colour_stills / "cards.mp4"
    result = render_preview(compose_otio(_missing_manifest(kit)), out, height=HEIGHT,
                            media_root=colour_stills, placeholders=True)
    assert result.placeholders == ["ghost", "narration:lost-voice"]
    means, _, _ = kit.frames(out)
    card = means[15:30]
    assert len(means) == 45
    assert np.abs(means[:15] - kit.colours["red"]).max() < 12
    assert np.abs(means[30:] - kit.colours["blue"]).max() < 12
    assert all(20 < m.mean() < 120 for m in card), card  # the slate card, not black or a colour
    audio, _ = kit.audio(out)
    assert np.abs(audio).max() < 1e-3  # the missing narration stays silent


def test_cancel_stops_the_render_and_removes_the_partial_file(colour_stills: Path,
                                                              kit: Any) -> None:
    events: list[Progress] = []
    out = colour_stills / "cancelled.mp4"
    manifest = kit.manifest(fps=25, sequence=[{"itemId": "red", "durationSec": 4}])
    with pytest.raises(RenderCancelled):
        render_preview(compose_otio(manifest), out, height=HEIGHT, media_root=colour_stills,
                       progress=events.append, cancel=lambda: len(events) >= 5)
    assert not out.exists() and list(colour_stills.glob(".*part")) == []
    assert 0 < events[-1].fraction < 0.2


def test_progress_rises_to_one(colour_stills: Path, kit: Any) -> None:
    events: list[Progress] = []
    manifest = kit.manifest(fps=25, sequence=[{"itemId": "red", "durationSec": 2}])
    render_preview(compose_otio(manifest), colour_stills / "p.mp4", height=HEIGHT,
                   media_root=colour_stills, progress=events.append)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) > 20
    assert {e.stage for e in events} == {"render"}


def test_a_bad_height_is_refused(colour_stills: Path, kit: Any) -> None:
    manifest = kit.manifest(fps=25, sequence=[{"itemId": "red", "durationSec": 1}])
    with pytest.raises(PostprodError) as info:
        render_preview(compose_otio(manifest), colour_stills / "h.mp4", height=71)
    assert info.value.field == "height" and "even" in (info.value.allowed or "")
    with pytest.raises(PostprodError) as info:
        render_preview(compose_otio(manifest), colour_stills / "no" / "h.mp4", height=72,
                       media_root=colour_stills)
    assert info.value.field == "out_path" and "does not exist" in info.value.message


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "postprod", "render", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_renders_an_otio_and_a_manifest_and_reports_errors(colour_stills: Path,
                                                               kit: Any) -> None:
    manifest = kit.manifest(fps=29.97, sequence=[{"itemId": "green", "durationSec": 1},
                                                 {"itemId": "white", "durationSec": 1}])
    (colour_stills / "cut.json").write_text(json.dumps(manifest))
    (colour_stills / "cut.otio").write_text(compose_otio(manifest).otio_json)
    elsewhere = colour_stills / "run"
    elsewhere.mkdir()
    for source in ("cut.otio", "cut.json"):  # media found next to the input, from any cwd
        done = _cli(str(colour_stills / source), "--out", f"{source}.mp4", "--height", "360",
                    cwd=elsewhere)
        assert done.returncode == 0, done.stderr
        assert "60 frames at 30000/1001 fps, 640×360" in done.stderr
        means, _, _ = kit.frames(elsewhere / f"{source}.mp4")
        assert len(means) == 60
    timestamps = {  # a Scene Timestamps response whose window brackets the cut at 1 s
        "data": {"scenes": [{"index": 0, "id": "green", "startMs": 0},
                            {"index": 1, "id": "white", "startMs": 1000}],
                 "transitions": [{"fromSceneId": "green", "toSceneId": "white", "atMs": 1000,
                                  "window": {"startMs": 900, "endMs": 1150},
                                  "confidence": 0.9, "basis": "startCue"}],
                 "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000", "audioDurationMs": 2000,
                 "startOffsetMs": 0, "languageCode": "en"}}
    (colour_stills / "ts.json").write_text(json.dumps(timestamps))
    burnt = _cli(str(colour_stills / "cut.otio"), "--out", "burnt.mp4", "--height", "360",
                 "--burn-in", "--timestamps", str(colour_stills / "ts.json"), cwd=elsewhere)
    assert burnt.returncode == 0, burnt.stderr
    bars = _bottom_amber(elsewhere / "burnt.mp4")
    assert bars[30] > 200 and bars[27] > 200 and bars[0] == 0 and bars[59] == 0, bars
    (colour_stills / "bad.json").write_text(json.dumps(_missing_manifest(kit)))
    failed = _cli(str(colour_stills / "bad.json"), "--out", "bad.mp4", cwd=elsewhere)
    assert failed.returncode == 2
    envelope = json.loads(failed.stderr)
    assert envelope["error"]["code"] == "VALIDATION_ERROR"
    assert "clip 'ghost'" in envelope["error"]["message"]
    assert "Traceback" not in failed.stderr and not (elsewhere / "bad.mp4").exists()
    carded = _cli(str(colour_stills / "bad.json"), "--out", "bad.mp4", "--placeholders",
                  "--burn-in", cwd=elsewhere)
    assert carded.returncode == 0, carded.stderr
    assert "placeholders for ghost, narration:lost-voice" in carded.stderr


def _bottom_amber(path: Path) -> list[int]:
    """Amber pixels in the bottom sixth of each decoded frame (the burn-in's window bar)."""
    import av

    counts = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")[-frame.height // 6:].astype(int)
            counts.append(int(((rgb[..., 0] > 190) & (rgb[..., 1] > 110) & (rgb[..., 1] < 210)
                               & (rgb[..., 2] < 100)).sum()))
    return counts


def test_burn_in_draws_the_window_bar_only_near_its_cut(colour_stills: Path, kit: Any) -> None:
    manifest = kit.manifest(fps=25, sequence=[{"itemId": "blue", "durationSec": 4},
                                              {"itemId": "blue", "durationSec": 4}])
    layout = read_layout(compose_otio(manifest).timeline, media_root=colour_stills)
    size = (640, 360)
    window = CutWindow(cut=100, scene="blue #2", start_ms=3800, end_ms=4300)
    burn = BurnIn(layout, size, [window])
    plain = np.zeros((360, 640, 3), dtype=np.uint8)

    def amber(frame: int) -> int:
        drawn = burn.draw(plain, frame)[300:, :]
        return int(((drawn[..., 0] > 200) & (drawn[..., 1] > 120) & (drawn[..., 2] < 90)).sum())

    assert amber(100) > 500 and amber(95) > 500  # at the cut, inside the window
    assert amber(10) == 0 and amber(190) == 0    # far from it: no bar
    top = burn.draw(plain, 101)[:40]
    assert top.max() == 255  # scene name and timecode drawn at the top


def test_bench_manifests_are_the_sample_with_and_without_its_video(sample_media: Path) -> None:
    manifests = bench_manifests(sample_media)
    full = compose_otio(manifests["sample project"]).response.data.summary
    stills = compose_otio(manifests["stills only"]).response.data.summary
    assert full.video_clips == 6 and stills.video_clips == 5
    assert stills.duration_sec == pytest.approx(45.24, abs=0.02)


def test_a_plain_otio_with_a_gap_renders_black_there(colour_stills: Path, kit: Any) -> None:
    """An OTIO written by another tool: no postprod metadata, a leading gap, a still."""
    import opentimelineio as otio

    rate = 24000 / 1001
    timeline = otio.schema.Timeline(name="other tool")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(7, rate))))
    track.append(otio.schema.Clip(
        name="green still", media_reference=otio.schema.ExternalReference(
            target_url="stills/green.png"),
        source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                             otio.opentime.RationalTime(12, rate))))
    timeline.tracks.append(track)
    path = colour_stills / "other.otio"
    otio.adapters.write_to_file(timeline, str(path))
    result = render_preview(str(path), colour_stills / "other.mp4", height=HEIGHT)
    assert result.frames == 19 and str(result.rate) == "24000/1001"
    assert result.size == (128, 72)  # 16:9 when the timeline does not say
    means, _, _ = kit.frames(colour_stills / "other.mp4")
    assert len(means) == 19
    assert means[:7].max() < 3
    assert np.abs(means[7:] - kit.colours["green"]).max() < 12
