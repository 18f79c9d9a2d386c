"""Review of hand-edited scene starts against a Scene Timestamps result (contract §4.2).

A reviewer may move any cut. These pure functions say whether the edited starts still make a
valid timeline (strictly increasing, scene 0 at the offset, inside the audio) and which cuts now
sit outside the 90 % window the aligner gave, and they produce the edited response that the
compose glue takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .contract import TimestampsResponse

StartStatus = Literal["ok", "edited", "outside_window", "not_increasing", "bad_first",
                      "past_audio_end"]
BLOCKING: frozenset[StartStatus] = frozenset({"not_increasing", "bad_first", "past_audio_end"})
"""Statuses that make the starts unusable for a timeline; the others are only flags."""


@dataclass(frozen=True)
class StartCheck:
    """The verdict on one scene's (possibly edited) start.

    Attributes:
        index: 0-based scene index.
        scene_id: the scene's id in the timestamps result.
        start_ms: the start under review, ms on the final timeline (offset included).
        model_start_ms: the start the aligner returned, ms.
        window_start_ms: start of the 90 % window of the cut into this scene (None for scene 0).
        window_end_ms: end of that window, ms (None for scene 0).
        status: ``ok`` (as returned), ``edited`` (moved, still inside the window),
            ``outside_window`` (moved outside the window: allowed, flagged), or a blocking
            status: ``not_increasing``, ``bad_first`` (scene 0 not at the offset),
            ``past_audio_end``.
        message: one sentence for people.
    """

    index: int
    scene_id: str
    start_ms: int
    model_start_ms: int
    window_start_ms: int | None
    window_end_ms: int | None
    status: StartStatus
    message: str

    @property
    def blocking(self) -> bool:
        """True when this start cannot go into a timeline as it is."""
        return self.status in BLOCKING


def check_scene_starts(
    *, response: TimestampsResponse, starts_ms: Sequence[int]
) -> list[StartCheck]:
    """Check hand-edited scene starts against the aligner's result.

    Args:
        response: the Scene Timestamps result the edits start from.
        starts_ms: one start per scene, in scene order, ms on the final timeline.

    Returns:
        One `StartCheck` per scene, in order.

    Raises:
        ValueError: when ``starts_ms`` does not have one entry per scene.
    """
    scenes = response.data.scenes
    if len(starts_ms) != len(scenes):
        raise ValueError(f"{len(starts_ms)} starts given for {len(scenes)} scenes")
    offset = response.meta.start_offset_ms
    end_ms = offset + response.meta.audio_duration_ms
    windows = {t.to_scene_id: t.window for t in response.data.transitions}
    out: list[StartCheck] = []
    previous: int | None = None
    for scene, raw in zip(scenes, starts_ms, strict=True):
        start = int(raw)
        window = windows.get(scene.id) if scene.index > 0 else None
        status: StartStatus
        if scene.index == 0 and start != offset:
            status, message = "bad_first", (
                f"scene 0 starts at the offset ({offset} ms); leading silence belongs to it")
        elif previous is not None and start <= previous:
            status, message = "not_increasing", (
                f"{start} ms is not after the previous scene's start ({previous} ms)")
        elif start >= end_ms and scene.index > 0:
            status, message = "past_audio_end", (
                f"{start} ms is at or past the end of the narration ({end_ms} ms)")
        elif window is not None and not window.start_ms <= start <= window.end_ms:
            status, message = "outside_window", (
                f"{start} ms is outside the 90 % window {window.start_ms}–{window.end_ms} ms")
        elif start != scene.start_ms:
            status, message = "edited", f"moved by {start - scene.start_ms:+d} ms"
        else:
            status, message = "ok", "as aligned"
        out.append(StartCheck(
            index=scene.index, scene_id=scene.id, start_ms=start, model_start_ms=scene.start_ms,
            window_start_ms=window.start_ms if window else None,
            window_end_ms=window.end_ms if window else None, status=status, message=message))
        previous = start
    return out


def with_scene_starts(
    *, response: TimestampsResponse, starts_ms: Sequence[int]
) -> TimestampsResponse:
    """A copy of ``response`` whose scene starts (and each transition's ``atMs``) are the edits.

    Windows, confidences and bases stay those of the aligner: they describe its evidence, not
    the reviewer's choice.

    Raises:
        ValueError: when the starts are not one per scene or a check is blocking.
    """
    checks = check_scene_starts(response=response, starts_ms=starts_ms)
    bad = [c for c in checks if c.blocking]
    if bad:
        raise ValueError(f"scene {bad[0].index} ({bad[0].scene_id}): {bad[0].message}")
    new = response.model_copy(deep=True)
    by_id = {}
    for scene, check in zip(new.data.scenes, checks, strict=True):
        scene.start_ms = check.start_ms
        by_id[scene.id] = check.start_ms
    for transition in new.data.transitions:
        transition.at_ms = by_id.get(transition.to_scene_id, transition.at_ms)
    return new
