"""Per-editor tuning of the .otio (`output.targetConsumer`): metadata and start, never timing."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..contract.compose import ComposeRequest, TargetConsumer
from .plan import TrackPlan
from .timebase import one_hour_frames


@dataclass(frozen=True)
class ConsumerTuning:
    """What one editor's importer needs beyond plain OTIO.

    Attributes:
        consumer: the `targetConsumer` value.
        wants_absolute_paths: the editor links media by absolute path (a warning without root).
        starts_at_one_hour: `global_start_time` 01:00:00:00 (Resolve's default record start).
        resolve_metadata: `Resolve_OTIO` keys as Resolve writes them on export.
        premiere_metadata: `PremierePro_OTIO` keys (sequence settings on the stack).
    """

    consumer: TargetConsumer
    wants_absolute_paths: bool = False
    starts_at_one_hour: bool = False
    resolve_metadata: bool = False
    premiere_metadata: bool = False

    def global_start_frames(self, rate: Fraction) -> int | None:
        """The timeline's start timecode in frames, or None to leave it unset."""
        return one_hour_frames(rate) if self.starts_at_one_hour else None

    def timeline_metadata(self, request: ComposeRequest) -> dict[str, Any]:
        """Extra top-level timeline metadata namespaces."""
        if self.resolve_metadata:
            return {"Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0"}}
        if self.premiere_metadata:
            return {"PremierePro_OTIO": {"MetadataVersion": "1.0"}}
        return {}

    def stack_metadata(self, request: ComposeRequest, rate: Fraction) -> dict[str, Any]:
        """Extra metadata on the timeline's stack (Premiere reads sequence settings there)."""
        if not self.premiere_metadata:
            return {}
        res = request.project.resolution
        return {"PremierePro_OTIO": {
            "VideoResolution": {"width": res.w, "height": res.h},
            "VideoFrameRate": float(rate),
            "AudioFrameRate": request.project.audio_sample_rate,
            "PixelAspectRatio": 1.0,
        }}

    def track_metadata(self, track: TrackPlan, request: ComposeRequest) -> dict[str, Any]:
        """Extra metadata on one track."""
        if self.resolve_metadata:
            meta: dict[str, Any] = {"Locked": False}
            if track.kind == "audio":
                meta["Audio Type"] = "Stereo"
            return {"Resolve_OTIO": meta}
        if self.premiere_metadata and track.kind == "audio":
            return {"PremierePro_OTIO": {"AudioChannels": 2}}
        return {}


_TUNINGS: dict[str, ConsumerTuning] = {
    "generic": ConsumerTuning("generic"),
    "kdenlive": ConsumerTuning("kdenlive"),
    "fcpx": ConsumerTuning("fcpx", wants_absolute_paths=True),
    "resolve": ConsumerTuning("resolve", wants_absolute_paths=True, starts_at_one_hour=True,
                              resolve_metadata=True),
    "premiere": ConsumerTuning("premiere", wants_absolute_paths=True, premiere_metadata=True),
}


def consumer_tuning(consumer: TargetConsumer) -> ConsumerTuning:
    """The tuning for ``consumer``: generic, resolve, premiere, fcpx or kdenlive."""
    return _TUNINGS[consumer]
