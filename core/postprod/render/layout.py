"""Read an OpenTimelineIO timeline into what a render needs, in whole frames: pure, no decoding.

The layout says, for every frame of the timeline, which clips of the video track show (one, or
two mixed by a dissolve) and at which source frame, and where every audio clip plays. Media
files are only named here (resolved paths); `media.py` opens them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from ..contract.errors import ValidationFailed

NAMESPACE = "postprod"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
DEFAULT_RESOLUTION = (1920, 1080)
DEFAULT_SAMPLE_RATE = 48000

VisualKind = Literal["still", "video"]


@dataclass(frozen=True)
class VisualClip:
    """One clip of the video track.

    Attributes:
        index: position among the track's clips (0-based).
        name: the clip's name (the scene name of the burn-in).
        field: where the clip sits in the timeline JSON (``tracks[0].children[3]``).
        kind: ``still`` (one picture for every frame) or ``video``.
        url: the media reference's `target_url` as written in the timeline.
        path: the file it resolves to, or None when the reference has no URL.
        start: first timeline frame of the clip (its cut).
        duration: frames on the timeline.
        source_start: first source frame played, at the project rate.
        item_id: the ``postprod`` item id, when the timeline carries one.
    """

    index: int
    name: str
    field: str
    kind: VisualKind
    url: str
    path: Path | None
    start: int
    duration: int
    source_start: int
    item_id: str | None = None

    @property
    def end(self) -> int:
        """First frame after the clip."""
        return self.start + self.duration


@dataclass(frozen=True)
class Dissolve:
    """A SMPTE dissolve from clip ``out_clip`` into clip ``in_clip`` over timeline frames
    ``[start, start + length)``; ``cut`` is where the clips meet."""

    out_clip: int
    in_clip: int
    cut: int
    start: int
    length: int

    @property
    def end(self) -> int:
        """First frame after the dissolve."""
        return self.start + self.length

    def incoming_weight(self, frame: int) -> float:
        """Share of the incoming clip in ``frame``: (k + 1) / (length + 1) for the k-th frame of
        the dissolve, so every frame of it is a true mix and the mix rises strictly."""
        return (frame - self.start + 1) / (self.length + 1)


@dataclass(frozen=True)
class AudioClip:
    """One clip of an audio track, in frames at the project rate.

    Attributes:
        name: the clip's name.
        field: where it sits in the timeline JSON.
        track: the track's name (``narration``, ``music``, ``A-src``).
        url: `target_url` as written.
        path: the file it resolves to, or None.
        start: first timeline frame.
        duration: frames on the timeline.
        source_start: first source frame played, at the project rate.
    """

    name: str
    field: str
    track: str
    url: str
    path: Path | None
    start: int
    duration: int
    source_start: int


@dataclass(frozen=True)
class Span:
    """A run of frames ``[start, end)`` that shows the same clips: one clip (``mix`` None), or
    two clips mixed by ``mix``; ``clips`` are indexes into `RenderLayout.video`."""

    start: int
    end: int
    clips: tuple[int, ...]
    mix: Dissolve | None = None


@dataclass
class RenderLayout:
    """A timeline laid out for rendering.

    Attributes:
        name: the timeline's name.
        rate: exact project rate, frames per second (30000/1001 for 29.97).
        frames: timeline length in frames.
        resolution: project (width, height) in pixels; the render keeps its aspect.
        sample_rate: project audio rate, Hz.
        start_frame: the timeline's start timecode in frames (0, or 01:00:00:00 for Resolve).
        video: the video track's clips in order.
        dissolves: the dissolves of the video track.
        audio: every audio clip of every audio track.
    """

    name: str
    rate: Fraction
    frames: int
    resolution: tuple[int, int]
    sample_rate: int
    start_frame: int = 0
    video: list[VisualClip] = field(default_factory=list)
    dissolves: list[Dissolve] = field(default_factory=list)
    audio: list[AudioClip] = field(default_factory=list)

    @property
    def duration_sec(self) -> float:
        """Timeline length, seconds."""
        return float(self.frames / self.rate)

    def spans(self) -> list[Span]:
        """The timeline cut into runs of frames that show the same clips (gaps are left out:
        they render black)."""
        out: list[Span] = []
        mixes = sorted(self.dissolves, key=lambda d: d.start)
        for clip in self.video:
            cursor = clip.start
            for d in mixes:  # the parts of the clip outside any dissolve
                if d.end <= cursor or d.start >= clip.end:
                    continue
                if d.start > cursor:
                    out.append(Span(cursor, d.start, (clip.index,)))
                cursor = max(cursor, d.end)
            if cursor < clip.end:
                out.append(Span(cursor, clip.end, (clip.index,)))
        out.extend(Span(d.start, d.end, (d.out_clip, d.in_clip), mix=d) for d in mixes)
        return sorted(out, key=lambda s: s.start)

    def clip_at(self, frame: int) -> VisualClip | None:
        """The video clip whose own range holds ``frame`` (the incoming one after a cut)."""
        for clip in self.video:
            if clip.start <= frame < clip.end:
                return clip
        return None


def exact_rate(rate: float, written: str | None = None) -> Fraction:
    """The exact project rate: the ``postprod`` metadata's ``"30000/1001"`` when present, else
    the float OTIO stores, snapped to the nearest fraction with a denominator <= 1001."""
    if written:
        try:
            return Fraction(written)
        except (ValueError, ZeroDivisionError):
            pass
    return Fraction(rate).limit_denominator(1001)


def _frames(t: otio.opentime.RationalTime, rate: Fraction) -> int:
    return round(Fraction(t.value) * rate / Fraction(t.rate).limit_denominator(1001))


def media_path(url: str, *, media_root: Path | None) -> Path | None:
    """The file a `target_url` names: ``file://`` URLs decoded, relative paths under
    ``media_root`` (else the working directory)."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        host = f"//{parsed.netloc}" if parsed.netloc not in ("", "localhost") else ""
        path = unquote(parsed.path)
        if len(path) > 2 and path[0] == "/" and path[2] == ":":  # file:///C:/...
            path = path[1:]
        return Path(host + path)
    if parsed.scheme and len(parsed.scheme) > 1:  # http: and the like: nothing on disk
        return None
    relative = Path(*PurePosixPath(url).parts)
    if relative.is_absolute():
        return relative
    return (media_root or Path.cwd()) / relative


def _ours(obj: Any) -> dict[str, Any]:
    meta = obj.metadata.get(NAMESPACE) if obj.metadata is not None else None
    return dict(meta) if meta is not None else {}


def _reference(clip: otio.schema.Clip) -> tuple[str, dict[str, Any]]:
    ref = clip.media_reference
    url = getattr(ref, "target_url", "") or ""
    return url, _ours(ref) if ref is not None else {}


def _kind(url: str, ref_meta: dict[str, Any]) -> VisualKind:
    if ref_meta.get("still") or ref_meta.get("kind") == "image":
        return "still"
    if ref_meta.get("kind") == "video":
        return "video"
    suffix = PurePosixPath(urlparse(url).path or url).suffix.lower()
    return "still" if suffix in IMAGE_SUFFIXES else "video"


def read_layout(timeline: otio.schema.Timeline, *, media_root: Path | None) -> RenderLayout:
    """Lay ``timeline`` out in frames: the first video track, every audio track.

    Args:
        timeline: an OTIO timeline (ours, or any with clips of external media).
        media_root: folder that relative `target_url`s start from.

    Raises:
        ValidationFailed: a timeline with no video track or no length.
    """
    meta = _ours(timeline)
    tracks = list(timeline.tracks)
    videos = [(i, t) for i, t in enumerate(tracks) if t.kind == otio.schema.TrackKind.Video]
    if not videos:
        raise ValidationFailed("the timeline has no video track to render", field="tracks",
                               allowed="a timeline with a video track")
    first_rt = None
    for clip in timeline.find_clips():
        first_rt = clip.source_range.duration if clip.source_range else None
        if first_rt is not None:
            break
    rate = exact_rate(first_rt.rate if first_rt is not None else 25.0, meta.get("rate"))
    res = meta.get("resolution") or {}
    resolution = (int(res.get("w") or DEFAULT_RESOLUTION[0]),
                  int(res.get("h") or DEFAULT_RESOLUTION[1]))
    start_frame = (_frames(timeline.global_start_time, rate)
                   if timeline.global_start_time is not None else 0)
    layout = RenderLayout(name=timeline.name or "timeline", rate=rate, frames=0,
                          resolution=resolution,
                          sample_rate=int(meta.get("audioSampleRate") or DEFAULT_SAMPLE_RATE),
                          start_frame=start_frame)
    track_index, video_track = videos[0]
    _read_video(layout, video_track, track_index, media_root)
    for i, track in enumerate(tracks):
        if track.kind == otio.schema.TrackKind.Audio:
            _read_audio(layout, track, i, media_root)
    layout.frames = max([_frames(t.duration(), rate) for t in tracks] or [0])
    if layout.frames <= 0:
        raise ValidationFailed("the timeline is empty (0 frames)", field="tracks",
                               allowed="a timeline at least one frame long")
    return layout


def _read_video(layout: RenderLayout, track: otio.schema.Track, track_index: int,
                media_root: Path | None) -> None:
    rate = layout.rate
    cursor = 0
    transition_before: dict[int, tuple[int, int]] = {}
    for c, child in enumerate(track):
        at = f"tracks[{track_index}].children[{c}]"
        if isinstance(child, otio.schema.Transition):
            transition_before[len(layout.video)] = (_frames(child.in_offset, rate),
                                                    _frames(child.out_offset, rate))
            continue
        duration = _frames(child.source_range.duration if child.source_range
                           else child.duration(), rate)
        if isinstance(child, otio.schema.Clip) and child.enabled:
            url, ref_meta = _reference(child)
            source = child.source_range.start_time if child.source_range else None
            layout.video.append(VisualClip(
                index=len(layout.video), name=child.name or f"clip {len(layout.video)}",
                field=at, kind=_kind(url, ref_meta), url=url,
                path=media_path(url, media_root=media_root), start=cursor, duration=duration,
                source_start=_frames(source, rate) if source is not None else 0,
                item_id=_ours(child).get("itemId")))
        elif len(layout.video) in transition_before:  # a transition next to a gap: no mix
            transition_before.pop(len(layout.video))
        cursor += duration
    for k, (before, after) in transition_before.items():
        if 0 < k < len(layout.video) and before + after > 0:
            incoming = layout.video[k]
            outgoing = layout.video[k - 1]
            if outgoing.end != incoming.start:
                continue
            layout.dissolves.append(Dissolve(out_clip=k - 1, in_clip=k, cut=incoming.start,
                                             start=incoming.start - before,
                                             length=before + after))


def _read_audio(layout: RenderLayout, track: otio.schema.Track, track_index: int,
                media_root: Path | None) -> None:
    rate = layout.rate
    cursor = 0
    for c, child in enumerate(track):
        if isinstance(child, otio.schema.Transition):
            continue  # audio transitions play as cuts
        duration = _frames(child.source_range.duration if child.source_range
                           else child.duration(), rate)
        if isinstance(child, otio.schema.Clip) and child.enabled:
            url, _ = _reference(child)
            source = child.source_range.start_time if child.source_range else None
            layout.audio.append(AudioClip(
                name=child.name or f"audio clip {c}", field=f"tracks[{track_index}].children[{c}]",
                track=track.name or f"track {track_index}", url=url,
                path=media_path(url, media_root=media_root), start=cursor, duration=duration,
                source_start=_frames(source, rate) if source is not None else 0))
        cursor += duration
