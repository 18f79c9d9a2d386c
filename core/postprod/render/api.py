"""`render_preview`: a composed timeline -> an H.264/AAC MP4 preview, frame for frame."""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import opentimelineio as otio

from ..contract.common import parse_model
from ..contract.errors import ValidationFailed
from ..contract.timestamps import TimestampsResponse
from ..progress import ProgressCallback, report
from .encode import AAC_FRAME, Mp4Writer
from .layout import RenderLayout, Span, VisualClip, read_layout
from .media import (
    Rgb,
    VideoReader,
    check_media,
    frame_size,
    load_still,
    placeholder_card,
)
from .picture import BurnIn, cut_windows, dissolve
from .sound import AudioMixer, sample_at

MIN_HEIGHT, MAX_HEIGHT = 64, 2160
PROGRESS_EVENTS = 200
"""About this many progress events per render (and as many cancel checks, at least)."""


class RenderCancelled(Exception):
    """The caller's ``cancel`` said stop; no output file was left behind."""


@dataclass(frozen=True)
class RenderResult:
    """One rendered preview.

    Attributes:
        path: the MP4 written.
        frames: video frames (the timeline's length in frames).
        rate: exact frame rate, frames/s.
        size: (width, height) in pixels.
        sample_rate: audio rate, Hz.
        duration_sec: the timeline's length, seconds.
        elapsed_sec: wall-clock time of the render, seconds.
        placeholders: names of the clips drawn as a card (or left silent) for missing media.
    """

    path: Path
    frames: int
    rate: Fraction
    size: tuple[int, int]
    sample_rate: int
    duration_sec: float
    elapsed_sec: float
    placeholders: list[str] = field(default_factory=list)


TimelineLike = Any
"""An `otio.schema.Timeline`, a `ComposeResult`, .otio JSON text, or the path of an .otio."""


def load_timeline(source: TimelineLike) -> tuple[otio.schema.Timeline, Path | None]:
    """The timeline of ``source`` and the folder its relative media URLs start from (the .otio
    file's folder; None for objects in memory).

    Raises:
        ValidationFailed: a path that is not a readable .otio file.
    """
    if isinstance(source, otio.schema.Timeline):
        return source, None
    if hasattr(source, "timeline") and isinstance(source.timeline, otio.schema.Timeline):
        return source.timeline, None
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return _from_string(source), None
    path = Path(source)
    if not path.is_file():
        raise ValidationFailed(f"timeline file {str(source)!r} does not exist", field=None,
                               allowed="a readable .otio file")
    return _from_string(path.read_text(encoding="utf-8")), path.resolve().parent


def _from_string(text: str) -> otio.schema.Timeline:
    try:
        timeline = otio.adapters.read_from_string(text, "otio_json")
    except Exception:  # OTIO raises several types for bad JSON and unknown schemas
        raise ValidationFailed("the timeline is not OpenTimelineIO JSON", field=None,
                               allowed="an .otio file (OpenTimelineIO JSON)") from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise ValidationFailed(f"the .otio holds a {type(timeline).__name__}, not a Timeline",
                               field=None, allowed="an .otio file holding one Timeline")
    return timeline


def windows_from(timestamps: TimestampsResponse | Mapping[str, Any] | None
                 ) -> dict[str, tuple[int, int]]:
    """Scene id -> (start_ms, end_ms) of the 90 % window of the cut into it."""
    if timestamps is None:
        return {}
    ts = parse_model(TimestampsResponse, timestamps)
    return {t.to_scene_id: (t.window.start_ms, t.window.end_ms) for t in ts.data.transitions}


def render_preview(
    timeline: TimelineLike, out_path: str | Path, *, height: int = 540,
    media_root: str | Path | None = None, burn_in: bool = False, placeholders: bool = False,
    timestamps: TimestampsResponse | Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None, cancel: Callable[[], bool] | None = None,
    crf: int = 23, preset: str = "veryfast",
) -> RenderResult:
    """Render ``timeline`` to an MP4 (H.264 + AAC) at the project's rate and aspect.

    Every frame shows what the timeline says: stills and video clips at their source ranges,
    letterboxed; SMPTE dissolves over their in/out offsets (frame k of an n-frame dissolve is
    (k+1)/(n+1) of the incoming clip); gaps black. Every audio track (narration, looped music,
    embedded audio) is mixed at its place at the project's audio rate. Frames are streamed to
    the encoder: memory does not grow with the timeline's length.

    Args:
        timeline: an OTIO timeline, a `ComposeResult`, .otio text or an .otio path.
        out_path: the MP4 to write (replaced only when the render succeeds).
        height: output height in pixels (even, 64–2160); the width keeps the project's aspect.
        media_root: folder that relative media URLs start from; default the .otio file's
            folder, else the working directory.
        burn_in: draw the scene name, the timecode and, with ``timestamps``, each cut's 90 %
            window as a bar.
        placeholders: draw a labelled card for a clip whose media is missing (missing audio
            stays silent) instead of failing.
        timestamps: the Scene Timestamps response the timeline was timed with (for the
            burn-in's windows).
        progress: receives `Progress` events (stage ``render``) about 200 times.
        cancel: polled as often; when it returns True the render stops with `RenderCancelled`.
        crf, preset: x264 quality and speed.

    Raises:
        ValidationFailed: a bad height, an unreadable timeline, or media missing on disk (the
            clip named; every missing clip in ``details``).
        ImageUndecodable, UnsupportedMediaType, AudioUndecodable: media that cannot be decoded.
        RenderCancelled: ``cancel`` returned True.
    """
    started = time.perf_counter()
    if not MIN_HEIGHT <= height <= MAX_HEIGHT or height % 2:
        raise ValidationFailed(f"height {height} is not an even number of pixels in "
                               f"{MIN_HEIGHT}–{MAX_HEIGHT}", field="height",
                               allowed=f"an even height, {MIN_HEIGHT}–{MAX_HEIGHT} (360, 540, "
                                       "720, 1080)")
    otio_timeline, own_root = load_timeline(timeline)
    root = Path(media_root) if media_root is not None else own_root
    layout = read_layout(otio_timeline, media_root=root)
    carded: list[str] = []
    if placeholders:
        carded = [c.name for c in layout.video if c.path is None or not c.path.is_file()]
        carded += [c.name for c in layout.audio if c.path is None or not c.path.is_file()]
    else:
        check_media(video=layout.video, audio=layout.audio)
    size = frame_size(layout.resolution, height)
    out = Path(out_path)
    if not out.parent.is_dir() or out.is_dir():
        why = "it is a folder" if out.is_dir() else "its folder does not exist"
        raise ValidationFailed(f"cannot write {str(out)!r}: {why}", field="out_path",
                               allowed="a file path in an existing folder")
    partial = out.with_name(f".{out.name}.part")
    windows = cut_windows(layout, windows_from(timestamps)) if burn_in else []
    renderer = _Renderer(layout, size, burn_in=BurnIn(layout, size, windows) if burn_in else None)
    writer = Mp4Writer(partial, size=size, rate=layout.rate, sample_rate=layout.sample_rate,
                       crf=crf, preset=preset)
    total_samples = sample_at(layout.frames, rate=layout.rate, sample_rate=layout.sample_rate)
    mixer = AudioMixer([c for c in layout.audio if c.path is not None and c.path.is_file()],
                       rate=layout.rate, sample_rate=layout.sample_rate, total=total_samples)
    every = max(1, layout.frames // PROGRESS_EVENTS)
    try:
        report(progress, "render", 0.0, f"rendering {layout.frames} frames at {size[0]}×{size[1]}")
        for frame_index, picture in renderer.frames():
            writer.write_frame(picture)
            wanted = sample_at(frame_index + 1, rate=layout.rate, sample_rate=layout.sample_rate)
            while writer.samples_written + AAC_FRAME <= wanted:
                writer.write_audio(mixer.read(AAC_FRAME))
            if frame_index % every == 0 or frame_index == layout.frames - 1:
                if cancel is not None and cancel():
                    raise RenderCancelled(f"render cancelled at frame {frame_index}")
                report(progress, "render", (frame_index + 1) / layout.frames,
                       f"frame {frame_index + 1} of {layout.frames}")
        rest = total_samples - writer.samples_written
        while rest > 0:
            n = min(AAC_FRAME, rest)
            writer.write_audio(mixer.read(n))
            rest -= n
        writer.finish()
        os.replace(partial, out)
    except BaseException:
        writer.abort()
        partial.unlink(missing_ok=True)
        raise
    finally:
        mixer.close()
        renderer.close()
    report(progress, "render", 1.0, f"wrote {out.name}")
    return RenderResult(path=out, frames=layout.frames, rate=layout.rate, size=size,
                        sample_rate=layout.sample_rate, duration_sec=layout.duration_sec,
                        elapsed_sec=time.perf_counter() - started, placeholders=carded)


class _Renderer:
    """Yields (timeline frame, encoder-ready frame) for every frame of the layout, in order."""

    def __init__(self, layout: RenderLayout, size: tuple[int, int], *,
                 burn_in: BurnIn | None) -> None:
        self.layout = layout
        self.size = size
        self.burn_in = burn_in
        self._stills: OrderedDict[int, Rgb] = OrderedDict()  # the last few stills, by clip
        self._videos: dict[int, VideoReader] = {}
        self._black = np.zeros((size[1], size[0], 3), dtype=np.uint8)
        self._missing = {c.index for c in layout.video if c.path is None or not c.path.is_file()}

    def close(self) -> None:
        for reader in self._videos.values():
            reader.close()
        self._videos.clear()

    def frames(self) -> Any:
        cursor = 0
        for span in self.layout.spans():
            if span.start > cursor:  # a gap: black
                yield from self._constant(self._black, cursor, span.start)
            yield from self._span(span)
            cursor = span.end
            self._drop_before(cursor)
        if cursor < self.layout.frames:
            yield from self._constant(self._black, cursor, self.layout.frames)

    def _constant(self, rgb: Rgb, start: int, end: int) -> Any:
        if self.burn_in is None:
            picture = Mp4Writer.picture(rgb)
            for n in range(start, end):
                yield n, picture
            return
        for n in range(start, end):
            yield n, Mp4Writer.picture(self.burn_in.draw(rgb, n))

    def _span(self, span: Span) -> Any:
        clips = [self.layout.video[i] for i in span.clips]
        if span.mix is None and (clips[0].kind == "still" or clips[0].index in self._missing):
            yield from self._constant(self._still(clips[0]), span.start, span.end)
            return
        for n in range(span.start, span.end):
            if span.mix is None:
                rgb = self._picture(clips[0], n)
            else:
                rgb = dissolve(self._picture(clips[0], n), self._picture(clips[1], n),
                               span.mix.incoming_weight(n))
            if self.burn_in is not None:
                rgb = self.burn_in.draw(rgb, n)
            yield n, Mp4Writer.picture(rgb)

    def _picture(self, clip: VisualClip, frame: int) -> Rgb:
        if clip.kind == "still" or clip.index in self._missing:
            return self._still(clip)
        reader = self._videos.get(clip.index)
        if reader is None:
            reader = self._videos[clip.index] = VideoReader(clip, self.size)
        source = clip.source_start + (frame - clip.start)
        return reader.frame_at(Fraction(source) / self.layout.rate)

    def _still(self, clip: VisualClip) -> Rgb:
        rgb = self._stills.get(clip.index)
        if rgb is None:
            if clip.index in self._missing:
                rgb = placeholder_card(name=clip.name, url=clip.url, size=self.size)
            else:
                rgb = load_still(clip, self.size)
            self._stills[clip.index] = rgb
            while len(self._stills) > 3:
                self._stills.popitem(last=False)
        return rgb

    def _drop_before(self, frame: int) -> None:
        """Close the readers of clips that ended (a dissolve may still need the last one)."""
        for index in [i for i, r in self._videos.items() if r.clip.end <= frame
                      and not any(d.out_clip == i and d.end > frame
                                  for d in self.layout.dissolves)]:
            self._videos.pop(index).close()


