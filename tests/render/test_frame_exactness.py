"""The preview shows the OTIO frame for frame: cuts on their frames, dissolves over theirs, and
the narration in sync with the picture (real compose, real PyAV/x264/AAC, decoded back)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import opentimelineio as otio
import pytest

from postprod.compose import compose_otio
from postprod.render import render_preview

HEIGHT = 72  # 128×72: frame exactness does not need pixels
TOLERANCE = 12.0  # per channel, for H.264 on flat colour


def _otio_cuts_and_dissolves(timeline: otio.schema.Timeline
                             ) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """(clip name, first frame, end frame) of each video clip and [start, end) of each
    transition, read with OTIO's own range arithmetic."""
    track = timeline.video_tracks()[0]
    clips, dissolves = [], []
    for i, child in enumerate(track):
        rng = track.range_of_child_at_index(i)
        start = round(rng.start_time.value)
        end = start + round(rng.duration.value)
        if isinstance(child, otio.schema.Transition):
            dissolves.append((start, end))
        elif isinstance(child, otio.schema.Clip):
            clips.append((child.media_reference.target_url.rsplit("/", 1)[-1][:-4], start, end))
    return clips, dissolves


SEQUENCE = [
    {"itemId": "red", "durationSec": 0.73},
    {"itemId": "green", "durationSec": 0.61},                       # a cut between frames
    {"itemId": "blue", "durationSec": 0.9,
     "transitionIn": {"type": "crossfade", "durationSec": 0.4}},
    {"itemId": "yellow", "durationSec": 0.55},
    {"itemId": "white", "durationSec": 0.8,
     "transitionIn": {"type": "dissolve", "durationSec": 0.3}},
]


@pytest.mark.parametrize("fps", [25, 29.97, 23.976])
def test_cuts_and_dissolves_land_on_the_otio_frames(fps: float, colour_stills: Path,
                                                    kit: Any) -> None:
    result = compose_otio(kit.manifest(fps=fps, sequence=SEQUENCE))
    clips, dissolves = _otio_cuts_and_dissolves(result.timeline)
    total = round(result.timeline.duration().value)
    out = colour_stills / f"cut-{fps}.mp4"
    rendered = render_preview(result, out, height=HEIGHT, media_root=colour_stills)

    means, rate, times = kit.frames(out)
    exact = {25: Fraction(25), 29.97: Fraction(30000, 1001), 23.976: Fraction(24000, 1001)}[fps]
    assert rate == exact and rendered.rate == exact
    assert len(means) == total == rendered.frames
    assert times[:3] == pytest.approx([0, float(1 / exact), float(2 / exact)], abs=1e-4)

    in_dissolve = {n for a, b in dissolves for n in range(a, b)}
    colour = {name: np.array(kit.colours[name], dtype=float) for name in kit.colours}
    for name, start, end in clips:  # every frame outside a dissolve is its clip's colour
        for n in range(start, end):
            if n not in in_dissolve:
                assert np.abs(means[n] - colour[name]).max() < TOLERANCE, (fps, name, n)

    # scene changes (frame differs from the one before) are exactly the cuts that are not
    # inside a dissolve, and every frame of a dissolve plus the first frame after it
    changes = {n for n in range(1, total) if np.abs(means[n] - means[n - 1]).max() > 4}
    cuts = {start for _, start, _ in clips[1:] if start not in in_dissolve}
    expected = cuts | {n for a, b in dissolves for n in range(a, b + 1)}
    assert changes == expected, (fps, sorted(changes ^ expected))

    # each dissolve: the mix moves from the outgoing to the incoming colour, strictly rising,
    # over exactly its frames (the frames around it are pure)
    for a, b in dissolves:
        before = next(name for name, s, e in clips if s < a <= e)
        after = next(name for name, s, e in clips if s <= b - 1 < e and name != before)
        axis = colour[after] - colour[before]
        mix = [float((means[n] - colour[before]) @ axis / (axis @ axis)) for n in range(a - 1,
                                                                                    b + 1)]
        assert abs(mix[0]) < 0.05 and abs(mix[-1] - 1) < 0.05, (fps, mix)
        inside = mix[1:-1]
        assert len(inside) == b - a
        assert all(0.02 < m < 0.98 for m in inside), (fps, inside)
        assert all(y - x > 0.01 for x, y in itertools.pairwise(mix)), (fps, mix)


@pytest.mark.parametrize("fps", [29.97, 25])
def test_a_click_at_a_cut_sounds_within_one_frame_of_the_picture_change(
        fps: float, colour_stills: Path, kit: Any) -> None:
    rate = {25: Fraction(25), 29.97: Fraction(30000, 1001)}[fps]
    sequence = [{"itemId": "red", "durationSec": 1.37}, {"itemId": "blue", "durationSec": 1.0}]
    layer_from = 0.31
    # where compose puts the cut and the lane (frames, rounded as the contract says)
    cut = round(Fraction("1.37") * rate)
    lane_start = round(Fraction("0.31") * rate)
    click_in_file = float((cut - lane_start) / rate)
    narration = colour_stills / "narration.wav"
    kit.click(narration, seconds=2.0, click_at=click_in_file, rate=22050)  # resampled to 48 k
    manifest = kit.manifest(
        fps=fps, sequence=sequence,
        items=[{"id": "nar", "kind": "audio", "path": "narration.wav", "durationSec": 2.0}],
        layers=[{"itemId": "nar", "fromSec": layer_from, "toSec": layer_from + 2.0,
                 "trackId": "narration", "role": "narration"}])
    out = colour_stills / f"click-{fps}.mp4"
    render_preview(compose_otio(manifest), out, height=HEIGHT, media_root=colour_stills)

    means, _, times = kit.frames(out)
    change = next(n for n in range(1, len(means))
                  if np.abs(means[n] - means[n - 1]).max() > 20)
    assert change == cut
    audio, sample_rate = kit.audio(out)
    assert sample_rate == 48000
    loud = np.flatnonzero(np.abs(audio) > 0.3 * np.abs(audio).max())
    click_sec = loud[0] / sample_rate
    picture_sec = times[change]
    print(f"\n{fps} fps: picture changes at frame {change} = {picture_sec:.4f} s, click heard at "
          f"{click_sec:.4f} s ({(click_sec - picture_sec) * 1000:+.1f} ms)")
    assert abs(click_sec - picture_sec) <= float(1 / rate), (click_sec, picture_sec)
    assert abs(click_sec - float(cut / rate)) <= 0.005  # in fact within a few ms
    assert len(audio) / sample_rate == pytest.approx(len(means) / float(rate), abs=0.03)


def _counting_video(path: Path, *, frames: int, rate: int = 25) -> None:
    """A 64×36 video whose frame k is flat grey at level 20 + 6k (nearly lossless)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        stream.options = {"qp": "0", "preset": "ultrafast"}
        for k in range(frames):
            grey = np.full((36, 64, 3), 20 + 6 * k, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            frame.pts = k
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.mark.parametrize("fps", [25, 29.97])
def test_a_trimmed_video_plays_its_source_range(fps: float, colour_stills: Path,
                                                kit: Any) -> None:
    _counting_video(colour_stills / "count.mp4", frames=34)
    manifest = kit.manifest(
        fps=fps, items=[{"id": "count", "kind": "video", "path": "count.mp4",
                         "durationSec": 34 / 25}],
        sequence=[{"itemId": "red", "durationSec": 0.4},
                  {"itemId": "count", "trim": {"inSec": 0.2, "outSec": 1.0}}])
    result = compose_otio(manifest)
    clips, _ = _otio_cuts_and_dissolves(result.timeline)
    _, start, end = clips[1]
    rate = {25: Fraction(25), 29.97: Fraction(30000, 1001)}[fps]
    source_start = round(result.timeline.video_tracks()[0][1].source_range.start_time.value)
    out = colour_stills / "count-preview.mp4"
    render_preview(result, out, height=HEIGHT, media_root=colour_stills)
    means, _, _ = kit.frames(out)
    for n in range(start, end):
        seconds = Fraction(source_start + n - start) / rate  # source time shown at frame n
        k = int(seconds * 25)                                # the 25 fps frame showing then
        # two 8-bit YUV round trips darken the grey by 1-3 levels; the steps are 6 apart
        assert round((means[n].mean() - 18) / 6) == k, (fps, n, k, means[n])


def test_a_dissolve_into_video_mixes_its_head_handle(colour_stills: Path, kit: Any) -> None:
    """Black dissolves into a video whose frames alternate dark and bright: each mixed frame
    must hold exactly the source frame the handle puts there (frames before the in point)."""
    import av

    levels = [40 if k % 2 else 220 for k in range(20)]
    with av.open(str(colour_stills / "flicker.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        stream.options = {"qp": "0", "preset": "ultrafast"}
        for k, level in enumerate(levels):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), level, dtype=np.uint8),
                                               format="rgb24")
            frame.pts = k
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    manifest = kit.manifest(
        fps=25, items=[{"id": "flicker", "kind": "video", "path": "flicker.mp4",
                        "durationSec": 0.8}],
        sequence=[{"itemId": "black", "durationSec": 0.4},
                  {"itemId": "flicker", "trim": {"inSec": 0.4, "outSec": 0.72},
                   "transitionIn": {"type": "crossfade", "durationSec": 0.24}}])
    result = compose_otio(manifest)
    clips, dissolves = _otio_cuts_and_dissolves(result.timeline)
    (a, b), (_, cut, end) = dissolves[0], clips[1]
    assert (a, b) == (cut - 3, cut + 3)
    out = colour_stills / "mix.mp4"
    render_preview(result, out, height=HEIGHT, media_root=colour_stills)
    means, _, _ = kit.frames(out)
    for n in range(a, end):  # source frame 10 (the in point) shows at the cut
        w = (n - a + 1) / (b - a + 1) if n < b else 1.0
        expected = levels[10 + n - cut] * w
        assert abs(means[n].mean() - expected) < 6, (n, means[n], expected)
