"""Crossfade lengths are rounded as durations (contract 2.2): D = the nearest whole number of
frames to ``durationSec x fps``; ⌊D/2⌋ frames sit before the cut and D − ⌊D/2⌋ after it."""

from __future__ import annotations

from typing import Any

import opentimelineio as otio
import pytest

from postprod.compose import compose_otio
from postprod.compose.plan import largest_dissolve, split_dissolve

# durationSec -> {fps: (frames before the cut, frames after it)}; worked out by hand
# (0.5 s at 29.97 fps = 14.985 frames -> 15 = 7 + 8, never 7 + 7).
GOLDEN: dict[float, dict[float, tuple[int, int]]] = {
    0.1: {23.976: (1, 1), 24: (1, 1), 25: (1, 2), 29.97: (1, 2), 30: (1, 2), 50: (2, 3),
          59.94: (3, 3), 60: (3, 3)},
    0.25: {23.976: (3, 3), 24: (3, 3), 25: (3, 3), 29.97: (3, 4), 30: (4, 4), 50: (6, 7),
           59.94: (7, 8), 60: (7, 8)},
    0.5: {23.976: (6, 6), 24: (6, 6), 25: (6, 7), 29.97: (7, 8), 30: (7, 8), 50: (12, 13),
          59.94: (15, 15), 60: (15, 15)},
    1.0: {23.976: (12, 12), 24: (12, 12), 25: (12, 13), 29.97: (15, 15), 30: (15, 15),
          50: (25, 25), 59.94: (30, 30), 60: (30, 30)},
    1.5: {23.976: (18, 18), 24: (18, 18), 25: (19, 19), 29.97: (22, 23), 30: (22, 23),
          50: (37, 38), 59.94: (45, 45), 60: (45, 45)},
}
CASES = [(d, fps, halves) for d, by_rate in GOLDEN.items() for fps, halves in by_rate.items()]


def two_stills(fps: float, crossfade: float) -> dict[str, Any]:
    return {"project": {"name": "Rounding", "fps": fps, "resolution": {"w": 640, "h": 360}},
            "folder": {"items": [{"id": "a", "kind": "image", "path": "a.png"},
                                 {"id": "b", "kind": "image", "path": "b.png"}]},
            "intent": {"sequence": [
                {"itemId": "a", "durationSec": 4},
                {"itemId": "b", "durationSec": 4,
                 "transitionIn": {"type": "crossfade", "durationSec": crossfade}}]},
            "responseFormat": "json"}


@pytest.mark.parametrize(("duration", "fps", "halves"), CASES)
def test_crossfade_frames_follow_the_golden_table(duration, fps, halves):
    result = compose_otio(two_stills(fps, duration))
    v1 = result.timeline.tracks[0]
    (transition,) = [c for c in v1 if isinstance(c, otio.schema.Transition)]
    got = (round(transition.in_offset.value), round(transition.out_offset.value))
    assert got == halves
    assert float(transition.in_offset.value).is_integer()
    assert float(transition.out_offset.value).is_integer()
    a, b = [c for c in v1 if isinstance(c, otio.schema.Clip)]
    cut = round(a.source_range.duration.value)
    # the stills' handles cover exactly their side of the dissolve
    assert round(b.media_reference.available_range.start_time.value) == 0
    assert round(b.source_range.start_time.value) == halves[0]
    assert round(a.media_reference.available_range.duration.value) == cut + halves[1]
    on_frame = abs(duration * transition.in_offset.rate - sum(halves)) < 1e-9
    warned = [w for w in result.response.data.warnings if w.code == "ROUNDED_TO_FRAME"
              and w.field == "intent.sequence[1].transitionIn.durationSec"]
    assert bool(warned) != on_frame
    if warned:
        assert f"rounded to {sum(halves)} frames" in warned[0].message


@pytest.mark.parametrize("consumer", ["resolve", "premiere", "fcpx", "kdenlive"])
def test_every_export_carries_the_uneven_split(consumer):
    """0.5 s at 29.97 fps: 7 frames before the cut, 8 after it, in every editor's file."""
    m = two_stills(29.97, 0.5)
    m["output"] = {"targetConsumer": consumer}
    result = compose_otio(m)
    exports = result.response.data.exports
    cut = round(4 * 30000 / 1001)  # 120 frames
    if consumer == "fcpx":
        assert 'duration="15015/30000s"' in exports["fcpxml"].content
        assert f'offset="{(cut - 7) * 1001}/30000s"' in exports["fcpxml"].content
    elif consumer == "kdenlive":
        text = exports["kdenlive"].content
        assert f'in="{cut - 7}" out="{cut + 8}"' in text
        assert '<property name="kdenlive:mixcut">8</property>' in text
    else:
        text = exports["fcp7Xml"].content
        assert f"<start>{cut - 7}</start>" in text and f"<end>{cut + 8}</end>" in text
        if consumer == "resolve":
            # the dissolve event starts 7 frames before the cut (3:23 = 113) and runs 15
            assert ("002  B        V     D 015    00:00:00:00 00:00:04:07 01:00:03:23 "
                    "01:00:08:00") in exports["edlV1"].content.splitlines()


@pytest.mark.parametrize(("frames", "split"), [(1, (0, 1)), (2, (1, 1)), (14, (7, 7)),
                                               (15, (7, 8)), (51, (25, 26))])
def test_split_dissolve(frames, split):
    assert split_dissolve(frames) == split


@pytest.mark.parametrize(("before", "after", "largest"), [
    (0, 0, 0), (0, 5, 1), (5, 0, 0), (3, 3, 6), (3, 4, 7), (3, 9, 7), (9, 3, 6), (-2, 4, 1)])
def test_largest_dissolve_is_the_longest_split_that_fits(before, after, largest):
    assert largest_dissolve(before_limit=before, after_limit=after) == largest
    for frames in range(largest + 1, largest + 4):  # one frame more never fits
        a, b = split_dissolve(frames)
        assert a > max(before, 0) or b > max(after, 0)
