"""Build the OpenTimelineIO timeline from a frame plan, tuned for the target consumer."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..contract.common import ResultWarning
from ..contract.compose import ComposeRequest
from .consumers import consumer_tuning
from .plan import ClipPlan, TimelinePlan, TrackPlan
from .timebase import rate_text
from .urls import file_name, target_url

NAMESPACE = "postprod"
"""The one metadata key our data lives under, on timeline, tracks, clips and references."""


def build_timeline(plan: TimelinePlan) -> tuple[otio.schema.Timeline, list[ResultWarning]]:
    """The OTIO timeline of ``plan``: every time an integer frame at the project rate.

    Returns:
        The timeline and the consumer's warnings (e.g. relative paths for Resolve).
    """
    request = plan.request
    rate = float(plan.rate)
    consumer = request.output.target_consumer
    tuning = consumer_tuning(consumer)
    warnings: list[ResultWarning] = []
    if tuning.wants_absolute_paths and request.folder.media_root_path is None:
        warnings.append(ResultWarning(
            code="RELATIVE_MEDIA_PATHS", field="folder.mediaRootPath",
            message=f"{consumer} links media by absolute path; without folder.mediaRootPath "
                    "the target_urls stay relative to the project folder"))

    tracks = [_build_track(t, plan, tuning.track_metadata(t, request)) for t in plan.tracks]
    timeline = otio.schema.Timeline(name=request.project.name)
    timeline.tracks.extend(tracks)
    stack_meta = tuning.stack_metadata(request, plan.rate)
    if stack_meta:
        timeline.tracks.metadata.update(stack_meta)
    timeline.metadata[NAMESPACE] = _timeline_metadata(request, plan.rate)
    timeline.metadata.update(tuning.timeline_metadata(request))
    start = tuning.global_start_frames(plan.rate)
    if start is not None:
        timeline.global_start_time = otio.opentime.RationalTime(start, rate)
    return timeline, warnings


def _timeline_metadata(request: ComposeRequest, rate: Fraction) -> dict[str, Any]:
    return {
        "projectName": request.project.name,
        "fps": request.project.fps,
        "rate": rate_text(rate),
        "resolution": {"w": request.project.resolution.w, "h": request.project.resolution.h},
        "audioSampleRate": request.project.audio_sample_rate,
        "targetConsumer": request.output.target_consumer,
    }


def _rt(frames: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def _range(start: int, duration: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def _build_track(track: TrackPlan, plan: TimelinePlan,
                 extra_metadata: dict[str, Any]) -> otio.schema.Track:
    rate = float(plan.rate)
    kind = otio.schema.TrackKind.Video if track.kind == "video" else otio.schema.TrackKind.Audio
    out = otio.schema.Track(name=track.name, kind=kind,
                            metadata={NAMESPACE: dict(track.metadata), **extra_metadata})
    transitions = {t.cut: t for t in track.transitions}
    cursor = 0
    for clip in track.clips:
        if clip.start > cursor:
            out.append(otio.schema.Gap(source_range=_range(0, clip.start - cursor, rate)))
        elif clip.start in transitions:
            t = transitions[clip.start]
            out.append(otio.schema.Transition(
                name="Cross Dissolve",
                transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                in_offset=_rt(t.half, rate), out_offset=_rt(t.half, rate),
                metadata={NAMESPACE: {"sequenceIndex": t.sequence_index, "type": "crossfade"}}))
        out.append(_build_clip(clip, plan))
        cursor = clip.end
    if plan.end > cursor:
        out.append(otio.schema.Gap(source_range=_range(0, plan.end - cursor, rate)))
    return out


def _build_clip(clip: ClipPlan, plan: TimelinePlan) -> otio.schema.Clip:
    rate = float(plan.rate)
    folder = plan.request.folder
    ref_meta: dict[str, Any] = {"itemId": clip.item.id, "kind": clip.item.kind,
                                "path": clip.item.path}
    if clip.item.kind == "image":
        ref_meta["still"] = True
    ref = otio.schema.ExternalReference(
        target_url=target_url(path=clip.item.path, media_root_path=folder.media_root_path),
        available_range=(_range(clip.available[0], clip.available[1], rate)
                         if clip.available is not None else None),
        metadata={NAMESPACE: ref_meta})
    ref.name = file_name(clip.item.path)
    return otio.schema.Clip(name=clip.name, media_reference=ref,
                            source_range=_range(clip.source_start, clip.duration, rate),
                            metadata={NAMESPACE: dict(clip.metadata)})
