"""Build the OpenTimelineIO timeline from a frame plan, tuned for the target consumer.

The timeline is written as OTIO's own JSON schema (plain dicts) and deserialised once by OTIO's
C++ reader: the same objects as building them call by call, at a fraction of the cost of
converting every metadata dict from Python.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ..contract.common import ResultWarning
from ..contract.compose import ComposeRequest
from .consumers import consumer_tuning
from .plan import ClipPlan, MarkerPlan, TimelinePlan, TrackPlan
from .timebase import rate_text
from .urls import file_name, target_url, troublesome

NAMESPACE = "postprod"
"""The one metadata key our data lives under, on timeline, tracks, clips and references."""

Json = dict[str, Any]


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
    if request.folder.media_root_path is None:
        warnings.append(ResultWarning(
            code="RELATIVE_MEDIA_PATHS", field="folder.mediaRootPath",
            message=f"{consumer} links media by absolute path; without folder.mediaRootPath "
                    "the target_urls stay relative to the project folder"
                    if tuning.wants_absolute_paths else
                    "without folder.mediaRootPath the media URLs are relative: save the "
                    "timeline file in the project folder, or the editor will not find the media"))
    warnings.extend(name_warnings(request))

    tracks = [_track(t, plan, tuning.track_metadata(t, request)) for t in plan.tracks]
    start = tuning.global_start_frames(plan.rate)
    timeline: Json = {
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {NAMESPACE: _timeline_metadata(request, plan.rate),
                     **tuning.timeline_metadata(request)},
        "name": request.project.name,
        "global_start_time": _rt(start, rate) if start is not None else None,
        "tracks": {"OTIO_SCHEMA": "Stack.1",
                   "metadata": tuning.stack_metadata(request, plan.rate),
                   "name": "tracks", "source_range": None, "effects": [],
                   "markers": [_marker(m, rate) for m in plan.markers],
                   "enabled": True, "color": None, "children": tracks},
    }
    built = otio.core.deserialize_json_from_string(json.dumps(timeline))
    assert isinstance(built, otio.schema.Timeline)
    return built, warnings


def name_warnings(request: ComposeRequest) -> list[ResultWarning]:
    """MEDIA_NAME_CHARACTERS for file names with ``#``, ``?`` or ``%`` (encoded, but some
    editors still mishandle them)."""
    out: list[ResultWarning] = []
    for k, item in enumerate(request.folder.items):
        chars = troublesome(item.path)
        if chars:
            out.append(ResultWarning(
                code="MEDIA_NAME_CHARACTERS", field=f"folder.items[{k}].path",
                message=f"{item.path!r} contains {' '.join(repr(c) for c in chars)}: the "
                        "exports percent-encode them, but some editors and conform tools cut "
                        "file URLs at '#' or '?' or read '%' as a pattern; renaming the file "
                        "is safest"))
    return out


def _marker(marker: MarkerPlan, rate: float) -> Json:
    meta: Json = {"atFrame": marker.at, "markerIndex": marker.index}
    if marker.confidence is not None:
        meta["confidence"] = marker.confidence
    return {"OTIO_SCHEMA": "Marker.2", "metadata": {NAMESPACE: meta}, "name": marker.name,
            "color": marker.color, "marked_range": _range(marker.start, marker.duration, rate),
            "comment": marker.note or ""}


def _timeline_metadata(request: ComposeRequest, rate: Fraction) -> Json:
    return {
        "projectName": request.project.name,
        "fps": request.project.fps,
        "rate": rate_text(rate),
        "resolution": {"w": request.project.resolution.w, "h": request.project.resolution.h},
        "audioSampleRate": request.project.audio_sample_rate,
        "targetConsumer": request.output.target_consumer,
    }


def _rt(frames: int, rate: float) -> Json:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(frames)}


def _range(start: int, duration: int, rate: float) -> Json:
    return {"OTIO_SCHEMA": "TimeRange.1", "duration": _rt(duration, rate),
            "start_time": _rt(start, rate)}


def _gap(duration: int, rate: float) -> Json:
    return {"OTIO_SCHEMA": "Gap.1", "metadata": {}, "name": "",
            "source_range": _range(0, duration, rate), "effects": [], "markers": [],
            "enabled": True, "color": None}


def _track(track: TrackPlan, plan: TimelinePlan, extra_metadata: Json) -> Json:
    rate = float(plan.rate)
    transitions = {t.cut: t for t in track.transitions}
    children: list[Json] = []
    cursor = 0
    for clip in track.clips:
        if clip.start > cursor:
            children.append(_gap(clip.start - cursor, rate))
        elif clip.start in transitions:
            t = transitions[clip.start]
            children.append({
                "OTIO_SCHEMA": "Transition.1",
                "metadata": {NAMESPACE: {"sequenceIndex": t.sequence_index,
                                         "type": "crossfade"}},
                "name": "Cross Dissolve",
                "in_offset": _rt(t.in_offset, rate), "out_offset": _rt(t.out_offset, rate),
                "transition_type": otio.schema.TransitionTypes.SMPTE_Dissolve})
        children.append(_clip(clip, plan))
        cursor = clip.end
    if plan.end > cursor:
        children.append(_gap(plan.end - cursor, rate))
    return {"OTIO_SCHEMA": "Track.1",
            "metadata": {NAMESPACE: dict(track.metadata), **extra_metadata},
            "name": track.name, "source_range": None, "effects": [], "markers": [],
            "enabled": True, "color": None, "children": children,
            "kind": "Video" if track.kind == "video" else "Audio"}


def _clip(clip: ClipPlan, plan: TimelinePlan) -> Json:
    rate = float(plan.rate)
    folder = plan.request.folder
    ref_meta: Json = {"itemId": clip.item.id, "kind": clip.item.kind, "path": clip.item.path}
    if clip.item.kind == "image":
        ref_meta["still"] = True
    ref: Json = {
        "OTIO_SCHEMA": "ExternalReference.1",
        "metadata": {NAMESPACE: ref_meta},
        "name": file_name(clip.item.path),
        "available_range": (_range(clip.available[0], clip.available[1], rate)
                            if clip.available is not None else None),
        "available_image_bounds": None,
        "target_url": target_url(path=clip.item.path, media_root_path=folder.media_root_path),
    }
    return {"OTIO_SCHEMA": "Clip.2", "metadata": {NAMESPACE: dict(clip.metadata)},
            "name": clip.name, "source_range": _range(clip.source_start, clip.duration, rate),
            "effects": [], "markers": [], "enabled": True, "color": None,
            "media_references": {"DEFAULT_MEDIA": ref},
            "active_media_reference_key": "DEFAULT_MEDIA"}
