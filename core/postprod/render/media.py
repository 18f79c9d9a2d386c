"""Open a render's media: stills letterboxed once, video and audio decoded forward on demand.

Readers hold one decoded frame (video) or one decoded block (audio) at a time, so memory does
not grow with the length of a clip.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..contract.errors import (
    AudioUndecodable,
    PostprodError,
    UnsupportedMediaType,
    ValidationFailed,
    collect,
)
from ..media.images import decode_image
from .layout import AudioClip, VisualClip

Rgb = np.ndarray
"""np.ndarray [shape=(height, width, 3)], uint8 RGB."""


def frame_size(resolution: tuple[int, int], height: int) -> tuple[int, int]:
    """(width, height) of a render ``height`` pixels high with the project's aspect; both even
    (H.264 4:2:0 needs even sizes)."""
    w, h = resolution
    width = max(2, round(height * w / h / 2) * 2)
    return width, max(2, height // 2 * 2)


def missing_media(*, video: Sequence[VisualClip], audio: Sequence[AudioClip]
                  ) -> list[PostprodError]:
    """One VALIDATION_ERROR per clip whose media is not a file on disk, naming the clip."""
    out: list[PostprodError] = []
    clips: list[VisualClip | AudioClip] = [*video, *audio]
    for clip in clips:
        if clip.path is not None and clip.path.is_file():
            continue
        what = clip.url or "no media URL"
        track = "video track" if isinstance(clip, VisualClip) else f"audio track {clip.track!r}"
        out.append(ValidationFailed(
            f"clip {clip.name!r} ({track}, frame {clip.start}) uses {what}, which is not a file "
            "on disk", field=f"{clip.field}.media_reference.target_url",
            allowed="an existing media file (relative URLs start at the media root); or render "
                    "with placeholders to draw a labelled card instead"))
    return out


def check_media(*, video: Sequence[VisualClip], audio: Sequence[AudioClip]) -> None:
    """Raise VALIDATION_ERROR (all missing clips in ``details``) when any media is missing."""
    errors = missing_media(video=video, audio=audio)
    if errors:
        raise collect(errors)


def letterbox(image: Image.Image, size: tuple[int, int]) -> Rgb:
    """``image`` scaled to fit inside ``size`` (width, height), centred on black."""
    width, height = size
    scale = min(width / image.width, height / image.height)
    fit = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    canvas = Image.new("RGB", size, (0, 0, 0))
    resized = image if fit == image.size else image.resize(fit, Image.Resampling.LANCZOS)
    canvas.paste(resized, ((width - fit[0]) // 2, (height - fit[1]) // 2))
    return np.asarray(canvas, dtype=np.uint8)


def load_still(clip: VisualClip, size: tuple[int, int]) -> Rgb:
    """The clip's image, upright, letterboxed to ``size``.

    Raises:
        UnsupportedMediaType, ImageUndecodable: naming the clip's field.
    """
    assert clip.path is not None
    rgb = decode_image(clip.path.read_bytes(), field=f"{clip.field} ({clip.name})")
    return letterbox(Image.fromarray(rgb), size)


def font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at ``px`` pixels."""
    return ImageFont.load_default(size=max(8, px))


def placeholder_card(*, name: str, url: str, size: tuple[int, int]) -> Rgb:
    """A labelled card for a clip whose media is missing: its name and what it pointed at."""
    width, height = size
    card = Image.new("RGB", size, (38, 42, 52))
    draw = ImageDraw.Draw(card)
    pad = max(2, height // 40)
    draw.rectangle((pad, pad, width - pad - 1, height - pad - 1), outline=(230, 160, 40),
                   width=max(1, height // 120))
    big, small = font(height // 10), font(height // 26)
    draw.text((width / 2, height * 0.42), name, font=big, fill=(240, 240, 240), anchor="mm")
    draw.text((width / 2, height * 0.62), "media missing", font=small, fill=(230, 160, 40),
              anchor="mm")
    shown = url if len(url) <= 80 else "…" + url[-79:]
    draw.text((width / 2, height * 0.72), shown or "(no media URL)", font=small,
              fill=(180, 180, 190), anchor="mm")
    return np.asarray(card, dtype=np.uint8)


class VideoReader:
    """Frames of one video file by source time, decoded forward (seeking only to jump back or
    far ahead), scaled and letterboxed to the render size."""

    def __init__(self, clip: VisualClip, size: tuple[int, int]) -> None:
        assert clip.path is not None
        self.clip = clip
        self.size = size
        try:
            self.container: Any = av.open(str(clip.path))
            self.stream = self.container.streams.video[0]
        except (av.FFmpegError, OSError, IndexError):
            raise UnsupportedMediaType(
                f"clip {clip.name!r} uses {clip.url}, which cannot be decoded as video",
                field=f"{clip.field}.media_reference.target_url",
                allowed="a video file FFmpeg decodes (MP4, MOV, MKV, WebM ...)") from None
        self.stream.thread_type = "AUTO"
        tb = self.stream.time_base or Fraction(1, 90000)
        self.time_base = Fraction(tb)
        start = self.stream.start_time
        self.offset = Fraction(start) * self.time_base if start is not None else Fraction(0)
        self._frames: Iterator[Any] | None = None
        self._current: tuple[Fraction, Any] | None = None
        self._next: tuple[Fraction, Any] | None = None
        self._converted: tuple[int, Rgb] | None = None

    def close(self) -> None:
        """Release the file and the decoder."""
        self.container.close()

    def _time(self, frame: Any) -> Fraction:
        pts = frame.pts if frame.pts is not None else 0
        return Fraction(pts) * self.time_base - self.offset

    def _pull(self) -> tuple[Fraction, Any] | None:
        assert self._frames is not None
        try:
            frame = next(self._frames)
        except StopIteration:
            return None
        except av.FFmpegError:
            return None
        return self._time(frame), frame

    def _restart(self, seconds: Fraction) -> None:
        if seconds > 1:
            target = int((seconds + self.offset) / self.time_base)
            self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        else:
            self.container.seek(0, stream=self.stream, backward=True)
        self._frames = self.container.decode(self.stream)
        self._current = self._pull()
        self._next = self._pull() if self._current is not None else None

    def frame_at(self, seconds: Fraction) -> Rgb:
        """The frame showing at ``seconds`` of the file (the last one past its end)."""
        eps = Fraction(1, 100_000)
        if (self._current is None or seconds + eps < self._current[0]
                or seconds > self._current[0] + 2):
            self._restart(seconds)
            if self._current is None:
                raise UnsupportedMediaType(
                    f"clip {self.clip.name!r}: {self.clip.url} has no decodable video frame",
                    field=f"{self.clip.field}.media_reference.target_url",
                    allowed="a video file FFmpeg decodes")
        while self._next is not None and self._next[0] <= seconds + eps:
            self._current = self._next
            self._next = self._pull()
        assert self._current is not None
        key = id(self._current[1])
        if self._converted is None or self._converted[0] != key:
            self._converted = (key, self._scaled(self._current[1]))
        return self._converted[1]

    def _scaled(self, frame: Any) -> Rgb:
        width, height = self.size
        scale = min(width / frame.width, height / frame.height)
        fw = max(2, round(frame.width * scale / 2) * 2)
        fh = max(2, round(frame.height * scale / 2) * 2)
        rgb = frame.reformat(width=min(fw, width), height=min(fh, height),
                             format="rgb24", interpolation="BILINEAR").to_ndarray()
        if rgb.shape[0] == height and rgb.shape[1] == width:
            return np.ascontiguousarray(rgb)
        canvas = np.zeros((height, width, 3), dtype=np.uint8)
        y, x = (height - rgb.shape[0]) // 2, (width - rgb.shape[1]) // 2
        canvas[y:y + rgb.shape[0], x:x + rgb.shape[1]] = rgb
        return canvas


class AudioReader:
    """Samples of one audio (or video) file from a start sample on, at the project rate, as
    float32 stereo; decoded block by block, silence past the end of the file."""

    def __init__(self, clip: AudioClip, *, sample_rate: int, start_sample: int) -> None:
        assert clip.path is not None
        self.clip = clip
        try:
            self.container: Any = av.open(str(clip.path))
            stream = self.container.streams.audio[0]
        except (av.FFmpegError, OSError, IndexError):
            raise AudioUndecodable(
                f"clip {clip.name!r} (audio track {clip.track!r}) uses {clip.url}, which has no "
                "decodable audio", field=f"{clip.field}.media_reference.target_url",
                allowed="an audio file FFmpeg decodes (WAV, FLAC, MP3, AAC ...)") from None
        layout = "mono" if stream.channels == 1 else "stereo"
        self._mono = layout == "mono"
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        self._frames = self.container.decode(stream)
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self._skip = start_sample
        self._done = False

    def close(self) -> None:
        """Release the file and the decoder."""
        self.container.close()

    def _decode_more(self) -> None:
        try:
            frame = next(self._frames)
            out = self._resampler.resample(frame)
        except StopIteration:
            out = self._resampler.resample(None)
            self._done = True
        except av.FFmpegError:
            out = []
            self._done = True
        for f in out:
            data = f.to_ndarray().astype(np.float32, copy=False)
            if self._mono:
                data = np.repeat(data[:1], 2, axis=0)
            if self._skip:
                drop = min(self._skip, data.shape[1])
                data = data[:, drop:]
                self._skip -= drop
            if data.shape[1]:
                self._buffer.append(data)
                self._buffered += data.shape[1]

    def read(self, n: int) -> np.ndarray:
        """The next ``n`` samples: np.ndarray [shape=(2, n)], float32."""
        while self._buffered < n and not self._done:
            self._decode_more()
        out = np.zeros((2, n), dtype=np.float32)
        filled = 0
        while filled < n and self._buffer:
            head = self._buffer[0]
            take = min(n - filled, head.shape[1])
            out[:, filled:filled + take] = head[:, :take]
            filled += take
            if take == head.shape[1]:
                self._buffer.pop(0)
            else:
                self._buffer[0] = head[:, take:]
        self._buffered -= filled
        return out
