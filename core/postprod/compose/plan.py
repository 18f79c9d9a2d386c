"""Check a Compose manifest against every rule of contract §2.2 and lay it out in whole frames.

Pure: no OTIO, no I/O. The result (`TimelinePlan`) holds integer frame positions at the exact
project rate; `timeline.py` turns it into OpenTimelineIO objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from ..contract.common import ResultWarning
from ..contract.compose import AudioLayer, ComposeRequest, FolderItem, SequenceEntry
from ..contract.errors import (
    DuplicateId,
    ItemKindMismatch,
    PostprodError,
    TrackOverlap,
    TransitionTooLong,
    TrimOutOfRange,
    UnknownItemReference,
    ValidationFailed,
    collect,
)
from ..contract.limits import Tier, check_max, limits_for
from .timebase import (
    exact_seconds,
    frames_at,
    frames_covering,
    on_frame,
    project_rate,
    round_half_away,
)

TrackKind = Literal["video", "audio"]
VIDEO_TRACK = "V1"
EMBEDDED_AUDIO_TRACK = "A-src"
MAX_LOOP_REPETITIONS = 2000
"""Most clips the `loopToFit` layers of one request may be built of together (a 1.8 s loop
fills the longest timeline)."""
MAX_ROUNDING_WARNINGS = 20
"""Individual between-frames warnings listed before the rest are summed up in one."""
DURATIONS = frozenset({"crossfade"})
"""Rounded values that are lengths, not positions (their warning says so)."""


@dataclass
class ClipPlan:
    """One clip on a track, in frames at the project rate.

    Attributes:
        name: clip name (hint or id, ``#2``/``#3`` for repeats).
        item: the folder item it plays.
        start: first frame on the timeline.
        duration: length on the timeline, frames.
        source_start: first frame of the media that plays.
        available: (start, duration) frames of the media, or None when its length is unknown.
        metadata: the clip's ``postprod`` metadata.
        handle_in: frames of media the dissolve into this clip uses before `source_start`.
        handle_out: frames of media the dissolve out of this clip uses after its out point.
    """

    name: str
    item: FolderItem
    start: int
    duration: int
    source_start: int
    available: tuple[int, int] | None
    metadata: dict[str, Any]
    handle_in: int = 0
    handle_out: int = 0

    @property
    def end(self) -> int:
        """First frame after the clip on the timeline."""
        return self.start + self.duration


@dataclass
class TransitionPlan:
    """A dissolve centred on the cut at frame ``cut``.

    Attributes:
        cut: the incoming clip's first frame on the timeline.
        in_offset: frames of the dissolve before the cut (⌊D/2⌋ for a D-frame dissolve).
        out_offset: frames of the dissolve after the cut (D − ⌊D/2⌋: one more when D is odd).
        sequence_index: the ``intent.sequence`` entry the dissolve leads into.
    """

    cut: int
    in_offset: int
    out_offset: int
    sequence_index: int

    @property
    def duration(self) -> int:
        """Length of the dissolve, frames."""
        return self.in_offset + self.out_offset


@dataclass
class TrackPlan:
    """One track: its clips in timeline order and, on V1, the dissolves between them."""

    name: str
    kind: TrackKind
    metadata: dict[str, Any]
    clips: list[ClipPlan] = field(default_factory=list)
    transitions: list[TransitionPlan] = field(default_factory=list)

    @property
    def end(self) -> int:
        """First frame after the last clip (0 for an empty track)."""
        return max((c.end for c in self.clips), default=0)


@dataclass
class MarkerPlan:
    """A timeline marker in frames: the scene start ``at`` and its range [start, start+duration).

    Attributes:
        color: OTIO marker colour from the confidence (GREEN, YELLOW, RED; BLUE without one).
    """

    name: str
    note: str | None
    at: int
    start: int
    duration: int
    confidence: float | None
    color: str
    index: int


@dataclass
class TimelinePlan:
    """The whole timeline in frames; every track is padded to `end` when built."""

    request: ComposeRequest
    rate: Fraction
    tracks: list[TrackPlan]
    end: int
    warnings: list[ResultWarning]
    markers: list[MarkerPlan] = field(default_factory=list)


class _Problems:
    """Errors and warnings collected while planning."""

    def __init__(self) -> None:
        self.errors: list[PostprodError] = []
        self.warnings: list[ResultWarning] = []
        self.rounded: list[tuple[str, Fraction, Fraction, str]] = []
        self.rounded_count = 0

    def add(self, err: PostprodError) -> None:
        self.errors.append(err)

    def raise_if_any(self) -> None:
        if self.errors:
            raise collect(self.errors)

    def off_frame(self, *, field_path: str, seconds: Fraction, rate: Fraction,
                  what: str = "value") -> None:
        if on_frame(seconds, rate):
            return
        self.rounded_count += 1
        if len(self.rounded) < MAX_ROUNDING_WARNINGS:  # the sentences are built for these only
            self.rounded.append((field_path, seconds, rate, what))

    def all_warnings(self) -> list[ResultWarning]:
        shown = []
        for field_path, seconds, rate, what in self.rounded:
            frames = seconds * rate
            shown.append(ResultWarning(
                code="ROUNDED_TO_FRAME", field=field_path,
                message=(f"{field_path} makes the {what} {float(seconds):g} s = "
                         f"{float(frames):.3f} frames long; rounded to "
                         f"{round_half_away(frames)} frames") if what in DURATIONS else
                        (f"{field_path} puts the {what} at {float(seconds):g} s = "
                         f"{float(frames):.3f} frames; rounded to frame "
                         f"{round_half_away(frames)}")))
        rest = self.rounded_count - len(shown)
        if rest > 0:
            shown.append(ResultWarning(
                code="ROUNDED_TO_FRAME",
                message=f"{rest} more values fall between frames and were rounded to the nearest "
                        "frame"))
        return [*self.warnings, *shown]


def plan_timeline(request: ComposeRequest, *, tier: Tier) -> TimelinePlan:
    """Validate ``request`` (rules + tier limits) and lay it out in frames.

    Raises:
        PostprodError: the first problem found, with the others of the same stage in
            ``details`` (references, kinds and trims are checked before timing).
    """
    limits = limits_for(tier)
    rate = project_rate(request.project.fps)
    problems = _Problems()

    items = _index_items(request, problems)
    too_many = check_max(value=len(request.folder.items), limit=limits.compose_items, tier=tier,
                         field="folder.items", what="folder.items[] count")
    if too_many:
        problems.add(too_many)
    _check_references(request, items, problems)
    problems.raise_if_any()
    # Before any clip is built: a looped layer's end and repetition count are known from the
    # request alone, and building an over-limit loop first would cost memory without bound.
    _check_lengths(request, items, rate, problems, tier=tier,
                   limit_sec=limits.compose_timeline_sec)
    problems.raise_if_any()

    video = _plan_video(request, items, rate, problems)
    problems.raise_if_any()
    tracks = [video]
    embedded = _plan_embedded_audio(request, video)
    if embedded.clips:
        tracks.append(embedded)
    tracks.extend(_plan_audio_lanes(request, items, rate, problems))
    problems.raise_if_any()

    end = max(t.end for t in tracks)
    longest = max(tracks, key=lambda t: t.end)
    where = ("intent.sequence" if longest is video or longest is embedded
             else _last_layer_field(request, longest))
    too_long = check_max(value=float(Fraction(end) / rate), limit=limits.compose_timeline_sec,
                         tier=tier, field=where, what="the timeline duration", unit=" s")
    if too_long:
        raise too_long
    markers = _plan_markers(request, rate, end, problems)
    problems.raise_if_any()
    return TimelinePlan(request=request, rate=rate, tracks=tracks, end=end,
                        warnings=problems.all_warnings(), markers=markers)


def marker_color(confidence: float | None) -> str:
    """OTIO marker colour for a window's confidence: >= 0.8 GREEN, >= 0.5 YELLOW, else RED."""
    if confidence is None:
        return "BLUE"
    return "GREEN" if confidence >= 0.8 else "YELLOW" if confidence >= 0.5 else "RED"


def _plan_markers(request: ComposeRequest, rate: Fraction, end: int,
                  problems: _Problems) -> list[MarkerPlan]:
    """Markers at the frame nearest to each time; all of them inside the timeline."""
    out: list[MarkerPlan] = []
    limit = f"< {float(Fraction(end) / rate):g} s (the timeline's length)"
    for i, marker in enumerate(request.markers):
        at = frames_at(exact_seconds(marker.at_sec), rate)
        start, stop = at, at
        if marker.window is not None:
            start = frames_at(exact_seconds(marker.window.start_sec), rate)
            stop = frames_at(exact_seconds(marker.window.end_sec), rate)
        if at >= end:
            problems.add(ValidationFailed(
                f"markers[{i}].atSec ({marker.at_sec:g} s) is not on the timeline",
                field=f"markers[{i}].atSec", allowed=limit))
            continue
        if stop > end:
            problems.add(ValidationFailed(
                f"markers[{i}].window.endSec ({marker.window.end_sec if marker.window else 0:g}"
                " s) runs past the end of the timeline", field=f"markers[{i}].window.endSec",
                allowed=f"<= {float(Fraction(end) / rate):g} s (the timeline's length)"))
            continue
        out.append(MarkerPlan(name=marker.name, note=marker.note, at=at, start=start,
                              duration=stop - start, confidence=marker.confidence,
                              color=marker_color(marker.confidence), index=i))
    return out


def _index_items(request: ComposeRequest, problems: _Problems) -> dict[str, tuple[int, FolderItem]]:
    items: dict[str, tuple[int, FolderItem]] = {}
    for k, item in enumerate(request.folder.items):
        if item.id in items:
            first = items[item.id][0]
            problems.add(DuplicateId(
                f"folder.items[{k}].id {item.id!r} is already used by folder.items[{first}]",
                field=f"folder.items[{k}].id", allowed="an id used by no other item"))
            continue
        items[item.id] = (k, item)
    return items


def _check_references(request: ComposeRequest, items: dict[str, tuple[int, FolderItem]],
                      problems: _Problems) -> None:
    """Unknown ids, wrong kinds and the per-kind presence rules of sequence and layers."""
    missing_length: set[str] = set()
    for i, entry in enumerate(request.intent.sequence):
        at = f"intent.sequence[{i}]"
        found = items.get(entry.item_id)
        if found is None:
            problems.add(UnknownItemReference(
                f"{at}.itemId {entry.item_id!r} names no item of folder.items[]",
                field=f"{at}.itemId", allowed=_known_ids(items, ("image", "video"))))
            continue
        k, item = found
        if item.kind not in ("image", "video"):
            problems.add(ItemKindMismatch(
                f"{at}.itemId {entry.item_id!r} is an {item.kind} item; the video track takes "
                "image or video items", field=f"{at}.itemId", allowed="an image or video item"))
            continue
        if i == 0 and entry.transition_in is not None and entry.transition_in.type != "cut":
            problems.add(ValidationFailed(
                f"{at}.transitionIn: the first clip has no previous clip to dissolve from",
                field=f"{at}.transitionIn", allowed="no transitionIn (or type 'cut') on entry 0"))
        if item.kind == "image":
            if entry.duration_sec is None:
                problems.add(ValidationFailed(
                    f"{at}.durationSec is required for the image {item.id!r}",
                    field=f"{at}.durationSec", allowed="required for images: a number > 0"))
            if entry.trim is not None:
                problems.add(ValidationFailed(
                    f"{at}.trim applies to video only; {item.id!r} is an image",
                    field=f"{at}.trim", allowed="no trim on images (use durationSec)"))
            if entry.embedded_audio is not None and entry.embedded_audio.separate_track:
                problems.add(ValidationFailed(
                    f"{at}.embeddedAudio.separateTrack applies to video only; {item.id!r} is an "
                    "image", field=f"{at}.embeddedAudio.separateTrack",
                    allowed="false (or absent) for images"))
            continue
        if entry.duration_sec is not None:
            problems.add(ValidationFailed(
                f"{at}.durationSec is not accepted for the video {item.id!r}: its length comes "
                "from trim (default the whole clip)", field=f"{at}.durationSec",
                allowed="absent for video items (use trim.inSec / trim.outSec)"))
        if item.duration_sec is None:
            if item.id in missing_length:
                continue
            missing_length.add(item.id)
            problems.add(ValidationFailed(
                f"folder.items[{k}].durationSec is required: the video {item.id!r} is placed on "
                "the video track (its length, trims and handles depend on it)",
                field=f"folder.items[{k}].durationSec",
                allowed="a number > 0 (seconds) for video items used in intent.sequence"))
            continue
        _check_trim(entry, at, item, problems)
    for j, layer in enumerate(request.intent.audio_layers):
        at = f"intent.audioLayers[{j}]"
        found = items.get(layer.item_id)
        if found is None:
            problems.add(UnknownItemReference(
                f"{at}.itemId {layer.item_id!r} names no item of folder.items[]",
                field=f"{at}.itemId", allowed=_known_ids(items, ("audio",))))
            continue
        k, item = found
        if item.kind != "audio":
            problems.add(ItemKindMismatch(
                f"{at}.itemId {layer.item_id!r} is an {item.kind} item; audio layers take audio "
                "items", field=f"{at}.itemId", allowed="an audio item"))
            continue
        if (layer.placement == "loopToFit" and item.duration_sec is None
                and item.id not in missing_length):
            missing_length.add(item.id)
            problems.add(ValidationFailed(
                f"folder.items[{k}].durationSec is required: {at} loops {item.id!r} to fit",
                field=f"folder.items[{k}].durationSec",
                allowed="a number > 0 (seconds) for looped audio items"))


def _check_trim(entry: SequenceEntry, at: str, item: FolderItem, problems: _Problems) -> None:
    if entry.trim is None:
        return
    assert item.duration_sec is not None
    length = item.duration_sec
    in_sec = entry.trim.in_sec if entry.trim.in_sec is not None else 0.0
    out_sec = entry.trim.out_sec if entry.trim.out_sec is not None else length
    allowed = f"0 <= inSec < outSec <= {length:g}"
    if out_sec > length:
        problems.add(TrimOutOfRange(
            f"{at}.trim.outSec ({out_sec:g}) is past the end of item {item.id} ({length:g} s)",
            field=f"{at}.trim.outSec", allowed=allowed))
    elif in_sec >= out_sec:
        problems.add(TrimOutOfRange(
            f"{at}.trim.inSec ({in_sec:g}) is not before outSec ({out_sec:g}) of item "
            f"{item.id} ({length:g} s)", field=f"{at}.trim.inSec", allowed=allowed))


def _known_ids(items: dict[str, tuple[int, FolderItem]], kinds: tuple[str, ...]) -> str:
    ids = [i for i, (_, it) in items.items() if it.kind in kinds]
    shown = ", ".join(ids[:10]) + (", …" if len(ids) > 10 else "")
    return f"an id of folder.items[] of kind {'/'.join(kinds)}" + (f": {shown}" if ids else "")


class _Namer:
    """Clip names: the base name, then ``base #2``, ``base #3`` for repeats."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, base: str) -> str:
        n = self.seen.get(base, 0) + 1
        self.seen[base] = n
        return base if n == 1 else f"{base} #{n}"


def _plan_video(request: ComposeRequest, items: dict[str, tuple[int, FolderItem]],
                rate: Fraction, problems: _Problems) -> TrackPlan:
    track = TrackPlan(name=VIDEO_TRACK, kind="video",
                      metadata={"trackId": VIDEO_TRACK, "kind": "video"})
    name = _Namer()
    position = Fraction(0)
    heads: list[int | None] = []  # media frames before each clip's source start (None: a still)
    tails: list[int | None] = []
    for i, entry in enumerate(request.intent.sequence):
        at = f"intent.sequence[{i}]"
        item = items[entry.item_id][1]
        start = frames_at(position, rate)
        if item.kind == "image":
            assert entry.duration_sec is not None
            length = exact_seconds(entry.duration_sec)
            position += length
            end = frames_at(position, rate)
            problems.off_frame(field_path=f"{at}.durationSec", seconds=position, rate=rate,
                               what=f"end of clip {i}")
            duration_field = f"{at}.durationSec"
            source_start = 0
            available = None
            heads.append(None)
            tails.append(None)
        else:
            assert item.duration_sec is not None
            media = exact_seconds(item.duration_sec)
            trim = entry.trim
            in_sec = exact_seconds(trim.in_sec) if trim and trim.in_sec is not None else Fraction(0)
            out_sec = (exact_seconds(trim.out_sec) if trim and trim.out_sec is not None
                       else media)
            position += out_sec - in_sec
            end = frames_at(position, rate)
            problems.off_frame(field_path=f"{at}.trim.inSec", seconds=in_sec, rate=rate,
                               what=f"source in point of clip {i}")
            problems.off_frame(
                field_path=(f"{at}.trim.outSec" if trim and trim.out_sec is not None
                            else f"folder.items[{items[item.id][0]}].durationSec"),
                seconds=position, rate=rate, what=f"end of clip {i}")
            duration_field = f"{at}.trim"
            media_frames = frames_covering(media, rate)
            # Rounding positions may lengthen a clip by one frame; keep it inside the media.
            source_start = min(frames_at(in_sec, rate), max(0, media_frames - (end - start)))
            available = (0, media_frames)
            heads.append(source_start)
            tails.append(media_frames - source_start - (end - start))
        duration = end - start
        if duration <= 0:
            problems.add(ValidationFailed(
                f"{at} lasts less than half a frame at {float(rate):g} fps and would vanish",
                field=duration_field, allowed=f">= 1 frame ({float(1 / rate):.4f} s)"))
        metadata: dict[str, Any] = {"itemId": item.id, "kind": item.kind, "trackId": VIDEO_TRACK,
                                    "sequenceIndex": i}
        if entry.embedded_audio is not None and entry.embedded_audio.separate_track:
            metadata["embeddedAudioTrack"] = EMBEDDED_AUDIO_TRACK
        track.clips.append(ClipPlan(
            name=name(entry.clip_name_hint or item.id), item=item, start=start,
            duration=duration, source_start=source_start, available=available,
            metadata=metadata))
    if problems.errors:
        return track
    _plan_transitions(request, track, heads, tails, rate, problems)
    _finish_stills(track)
    return track


def split_dissolve(frames: int) -> tuple[int, int]:
    """A ``frames``-long centred dissolve as (frames before the cut, frames after it).

    The contract's split: ⌊D/2⌋ before, D − ⌊D/2⌋ after (15 -> 7 + 8, 14 -> 7 + 7).
    """
    before = frames // 2
    return before, frames - before


def largest_dissolve(*, before_limit: int, after_limit: int) -> int:
    """The longest dissolve, frames, whose split fits ``before_limit`` frames before the cut and
    ``after_limit`` frames after it (0 when none fits)."""
    before_limit, after_limit = max(0, before_limit), max(0, after_limit)
    if after_limit > before_limit:
        return 2 * before_limit + 1
    return 2 * after_limit


def _plan_transitions(request: ComposeRequest, track: TrackPlan, heads: list[int | None],
                      tails: list[int | None], rate: Fraction, problems: _Problems) -> None:
    """Centred dissolves of the crossfade's duration rounded to whole frames as a duration,
    split ⌊D/2⌋ before the cut and the rest after it, within handles and clips."""
    previous_after = 0  # frames of the previous dissolve inside the clip before this cut
    for i, entry in enumerate(request.intent.sequence):
        t = entry.transition_in
        if i == 0 or t is None or t.type == "cut":
            previous_after = 0
            continue
        at = f"intent.sequence[{i}].transitionIn.durationSec"
        assert t.duration_sec is not None
        d = exact_seconds(t.duration_sec)
        if d * rate < 1:
            problems.add(ValidationFailed(
                f"{at} ({t.duration_sec:g} s) is shorter than one frame at {float(rate):g} fps",
                field=at, allowed=f">= 1 frame ({float(1 / rate):.4f} s)"))
            previous_after = 0
            continue
        frames = frames_at(d, rate)
        problems.off_frame(field_path=at, seconds=d, rate=rate, what="crossfade")
        in_offset, out_offset = split_dissolve(frames)
        before, after = track.clips[i - 1], track.clips[i]
        # (frames the dissolve may take before the cut, after it, why)
        limits: list[tuple[int | None, int | None, str]] = [
            (before.duration - previous_after, None,
             f"clip {i - 1} lasts {before.duration} frames"
             + (f", {previous_after} of them already in a dissolve" if previous_after else "")),
            (None, after.duration, f"clip {i} lasts {after.duration} frames"),
        ]
        if tails[i - 1] is not None:
            limits.append((None, tails[i - 1] or 0,
                           f"{before.item.id} has {tails[i - 1]} frames after its out point"))
        if heads[i] is not None:
            limits.append((heads[i] or 0, None,
                           f"{after.item.id} has {heads[i]} frames before its in point"))
        broken = [(b, a, why) for b, a, why in limits
                  if (b is not None and in_offset > b) or (a is not None and out_offset > a)]
        if broken:
            before_limit = min(b for b, _, _ in limits if b is not None)
            after_limit = min(a for _, a, _ in limits if a is not None)
            largest_frames = largest_dissolve(before_limit=before_limit,
                                              after_limit=after_limit)
            shown = (f"{_floor_ms(Fraction(largest_frames) / rate)} s ({largest_frames} "
                     f"frame{'' if largest_frames == 1 else 's'})")
            problems.add(TransitionTooLong(
                f"{at} ({t.duration_sec:g} s) is {frames} frames: {in_offset} before the cut and "
                f"{out_offset} after it, but {broken[0][2]}; the largest crossfade here is "
                f"{shown}",
                field=at, allowed=f"durationSec <= {shown}" if largest_frames else
                "no crossfade here (0 s): use a cut or give the clips handles"))
            previous_after = 0
            continue
        track.transitions.append(TransitionPlan(cut=after.start, in_offset=in_offset,
                                                out_offset=out_offset, sequence_index=i))
        before.handle_out = out_offset
        after.handle_in = in_offset
        previous_after = out_offset


def _floor_ms(seconds: Fraction) -> str:
    ms = (seconds * 1000).__floor__()
    return f"{ms / 1000:g}"


def _finish_stills(track: TrackPlan) -> None:
    """Stills: source starts at the head handle; media range = head + clip + tail."""
    for clip in track.clips:
        if clip.item.kind == "image":
            clip.source_start = clip.handle_in
            clip.available = (0, clip.handle_in + clip.duration + clip.handle_out)


def _plan_embedded_audio(request: ComposeRequest, video: TrackPlan) -> TrackPlan:
    track = TrackPlan(name=EMBEDDED_AUDIO_TRACK, kind="audio",
                      metadata={"trackId": EMBEDDED_AUDIO_TRACK, "kind": "audio",
                                "role": "dialogue", "embeddedAudio": True})
    for i, entry in enumerate(request.intent.sequence):
        if entry.embedded_audio is None or not entry.embedded_audio.separate_track:
            continue
        v = video.clips[i]
        track.clips.append(ClipPlan(
            name=v.name, item=v.item, start=v.start, duration=v.duration,
            source_start=v.source_start, available=v.available,
            metadata={"itemId": v.item.id, "kind": v.item.kind, "role": "dialogue",
                      "trackId": EMBEDDED_AUDIO_TRACK, "sequenceIndex": i,
                      "embeddedAudio": True}))
    return track


def _plan_audio_lanes(request: ComposeRequest, items: dict[str, tuple[int, FolderItem]],
                      rate: Fraction, problems: _Problems) -> list[TrackPlan]:
    lanes: dict[str, list[tuple[int, AudioLayer]]] = {}
    for j, layer in enumerate(request.intent.audio_layers):
        key = f"id:{layer.track_id}" if layer.track_id is not None else f"layer:{j}"
        lanes.setdefault(key, []).append((j, layer))
    name = _Namer()
    tracks: list[TrackPlan] = []
    for layers in lanes.values():
        first_j, first = layers[0]
        track_id = first.track_id or f"layer-{first_j}"
        roles = sorted({layer.role for _, layer in layers})
        meta: dict[str, Any] = {"trackId": track_id, "kind": "audio"}
        if len(roles) == 1:
            meta["role"] = roles[0]
        track = TrackPlan(name=track_id, kind="audio", metadata=meta)
        ordered = sorted(layers, key=lambda jl: (jl[1].from_sec, jl[0]))
        prev: tuple[int, AudioLayer] | None = None
        for j, layer in ordered:
            if prev is not None and layer.from_sec < prev[1].to_sec:
                problems.add(TrackOverlap(
                    f"intent.audioLayers[{j}] ({layer.from_sec:g}–{layer.to_sec:g} s) overlaps "
                    f"intent.audioLayers[{prev[0]}] ({prev[1].from_sec:g}–{prev[1].to_sec:g} s) "
                    f"on track {track_id!r}",
                    field=f"intent.audioLayers[{j}].fromSec",
                    allowed=f">= {prev[1].to_sec:g} (the end of intent.audioLayers[{prev[0]}]) "
                            "or another trackId"))
                continue
            prev = (j, layer)
            track.clips.extend(_plan_layer(j, layer, items[layer.item_id][1], track_id, rate,
                                           name, problems))
        tracks.append(track)
    return tracks


def _plan_layer(j: int, layer: AudioLayer, item: FolderItem, track_id: str, rate: Fraction,
                name: Callable[[str], str], problems: _Problems) -> list[ClipPlan]:
    at = f"intent.audioLayers[{j}]"
    start_sec, end_sec = exact_seconds(layer.from_sec), exact_seconds(layer.to_sec)
    start, end = frames_at(start_sec, rate), frames_at(end_sec, rate)
    problems.off_frame(field_path=f"{at}.fromSec", seconds=start_sec, rate=rate,
                       what="start of the layer")
    problems.off_frame(field_path=f"{at}.toSec", seconds=end_sec, rate=rate,
                       what="end of the layer")
    if end <= start:
        problems.add(ValidationFailed(
            f"{at} lasts less than one frame at {float(rate):g} fps",
            field=f"{at}.toSec", allowed=f">= fromSec + 1 frame ({float(1 / rate):.4f} s)"))
        return []
    media_frames = (frames_covering(exact_seconds(item.duration_sec), rate)
                    if item.duration_sec is not None else None)
    available = (0, media_frames) if media_frames is not None else None
    base = layer.clip_name_hint or f"{layer.role}:{item.id}"

    def clip(at_frame: int, length: int, loop: int | None) -> ClipPlan:
        meta: dict[str, Any] = {"itemId": item.id, "kind": "audio", "role": layer.role,
                                "trackId": track_id, "layerIndex": j,
                                "placement": layer.placement}
        if loop is not None:
            meta["loop"] = loop
        return ClipPlan(name=name(base), item=item, start=at_frame, duration=length,
                        source_start=0, available=available, metadata=meta)

    window = end - start
    if layer.placement == "once":
        if media_frames is not None and media_frames < window:
            problems.warnings.append(ResultWarning(
                code="AUDIO_SHORTER_THAN_LAYER", field=f"{at}.toSec",
                message=f"{item.id} lasts {item.duration_sec:g} s, so {at} stops at "
                        f"{float(start_sec) + (item.duration_sec or 0):g} s, before toSec "
                        f"({layer.to_sec:g} s)"))
            return [clip(start, media_frames, None)]
        return [clip(start, window, None)]
    # loopToFit: whole repetitions, only the last one cut so the lane ends exactly at toSec.
    assert item.duration_sec is not None
    piece = max(1, frames_at(exact_seconds(item.duration_sec), rate))
    out: list[ClipPlan] = []
    cursor, n = start, 1
    while cursor < end:
        length = min(piece, end - cursor)
        out.append(clip(cursor, length, n))
        cursor += length
        n += 1
    return out


def _check_lengths(request: ComposeRequest, items: dict[str, tuple[int, FolderItem]],
                   rate: Fraction, problems: _Problems, *, tier: Tier,
                   limit_sec: float) -> None:
    """Refuse, from the request's numbers alone (nothing is built): a clip or crossfade longer
    than the timeline limit by itself, `loopToFit` layers that end past the limit or that
    together repeat their sources more than `MAX_LOOP_REPETITIONS` times; the errors go to
    ``problems``."""
    for i, entry in enumerate(request.intent.sequence):
        # The timeline is at least as long as any one clip or crossfade of it.
        item = items[entry.item_id][1]
        at = f"intent.sequence[{i}]"
        if item.kind == "image":
            length, where, what = entry.duration_sec or 0.0, f"{at}.durationSec", "clip"
        else:
            trim_in = entry.trim.in_sec if entry.trim and entry.trim.in_sec is not None else 0.0
            trim_out = (entry.trim.out_sec if entry.trim and entry.trim.out_sec is not None
                        else item.duration_sec or 0.0)
            length, where, what = trim_out - trim_in, f"{at}.trim", "clip"
        fade = entry.transition_in.duration_sec if entry.transition_in is not None else None
        if fade is not None and fade > length:
            length, where, what = fade, f"{at}.transitionIn.durationSec", "crossfade"
        too_long = check_max(value=length, limit=limit_sec, tier=tier, field=where,
                             what=f"the {what} of {at} alone", unit=" s")
        if too_long:
            problems.add(too_long)
    total = 0
    for j, layer in enumerate(request.intent.audio_layers):
        if layer.placement != "loopToFit":
            continue
        at = f"intent.audioLayers[{j}]"
        start = frames_at(exact_seconds(layer.from_sec), rate)
        end = frames_at(exact_seconds(layer.to_sec), rate)
        too_long = check_max(value=float(Fraction(end) / rate), limit=limit_sec, tier=tier,
                             field=f"{at}.toSec", what="the timeline duration", unit=" s")
        if too_long:
            problems.add(too_long)
            continue
        item = items[layer.item_id][1]
        assert item.duration_sec is not None  # checked with the references
        piece = max(1, frames_at(exact_seconds(item.duration_sec), rate))
        repetitions = -(-(end - start) // piece)
        total += repetitions
        if total > MAX_LOOP_REPETITIONS and not problems.errors:
            problems.add(ValidationFailed(
                f"{at} repeats {item.id!r} ({item.duration_sec:g} s) {repetitions} times to "
                f"fill {float(Fraction(end - start) / rate):g} s, which brings the looped "
                f"repetitions of this request to {total}; at most {MAX_LOOP_REPETITIONS} are "
                "built", field=f"{at}.toSec",
                allowed=f"<= {MAX_LOOP_REPETITIONS} looped repetitions per request (longer "
                        "sources or shorter layers)"))


def _last_layer_field(request: ComposeRequest, track: TrackPlan) -> str:
    last = max(track.clips, key=lambda c: c.end)
    return f"intent.audioLayers[{last.metadata['layerIndex']}].toSec"
