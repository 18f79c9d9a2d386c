"""Property tests of the render layout on random composed timelines (hypothesis, no encoding)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postprod.compose import compose_otio
from postprod.contract.errors import PostprodError
from postprod.render.layout import media_path, read_layout
from postprod.render.sound import sample_at

RATES = {23.976: Fraction(24000, 1001), 25: Fraction(25), 29.97: Fraction(30000, 1001),
         59.94: Fraction(60000, 1001), 12.5: Fraction(25, 2)}


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    fps = draw(st.sampled_from(sorted(RATES)))
    n = draw(st.integers(1, 8))
    sequence: list[dict[str, Any]] = []
    for k in range(n):
        entry: dict[str, Any] = {"itemId": f"s{k % 3}",
                                 "durationSec": draw(st.integers(40, 3000)) / 1000}
        if k and draw(st.booleans()):
            entry["transitionIn"] = {"type": "crossfade",
                                     "durationSec": draw(st.integers(20, 1500)) / 1000}
        sequence.append(entry)
    return {"project": {"name": "p", "fps": fps, "resolution": {"w": 1280, "h": 720}},
            "folder": {"items": [{"id": f"s{k}", "kind": "image", "path": f"s{k}.png"}
                                 for k in range(3)]},
            "intent": {"sequence": sequence}}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_spans_show_every_frame_once_and_mix_exactly_the_transitions(
        manifest: dict[str, Any]) -> None:
    try:
        result = compose_otio(manifest)
    except PostprodError:  # too-long crossfades and the like: compose's business
        return
    layout = read_layout(result.timeline, media_root=Path("/media"))
    assert layout.rate == RATES[manifest["project"]["fps"]]
    assert layout.frames == result.response.data.summary.duration_frames
    spans = layout.spans()
    assert spans[0].start == 0 and spans[-1].end == layout.frames
    for a, b in itertools.pairwise(spans):  # back to back: no frame twice or lost
        assert a.end == b.start and a.start < a.end
    track = result.timeline.video_tracks()[0]
    expected = [(round(track.range_of_child_at_index(i).start_time.value),
                 round(track.range_of_child_at_index(i).end_time_exclusive().value))
                for i, child in enumerate(track) if isinstance(child, otio.schema.Transition)]
    assert [(s.start, s.end) for s in spans if s.mix is not None] == expected
    for span in spans:
        if span.mix is None:
            clip = layout.video[span.clips[0]]
            assert clip.start <= span.start and span.end <= clip.end
        else:
            weights = [span.mix.incoming_weight(f) for f in range(span.start, span.end)]
            assert all(0 < w < 1 for w in weights)
            assert weights == sorted(set(weights))


@given(st.integers(0, 10**7), st.sampled_from(sorted(RATES)),
       st.sampled_from([44100, 48000, 96000]))
def test_audio_samples_follow_frames_without_drift(frame: int, fps: float,
                                                   sample_rate: int) -> None:
    rate = RATES[fps]
    exact = Fraction(frame) * sample_rate / rate
    assert abs(sample_at(frame, rate=rate, sample_rate=sample_rate) - exact) <= Fraction(1, 2)


def test_media_urls_resolve_to_files() -> None:
    root = Path("/srv/project")
    assert media_path("scenes/a b.jpg", media_root=root) == root / "scenes" / "a b.jpg"
    assert media_path("file:///srv/p/still%201.jpg", media_root=None) == Path(
        "/srv/p/still 1.jpg")
    assert media_path("file:///C:/p/a.mov", media_root=None) == Path("C:/p/a.mov")
    assert media_path("file://host/share/a.mov", media_root=None) == Path("//host/share/a.mov")
    assert media_path("https://example.com/a.mov", media_root=root) is None
    assert media_path("", media_root=root) is None
