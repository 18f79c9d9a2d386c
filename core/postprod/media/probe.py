"""Media probing: durations of audio and video files (PyAV), and filling them into a manifest."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from ..contract.compose import ComposeRequest
from ..contract.errors import (
    AudioUndecodable,
    PostprodError,
    UnsupportedMediaType,
    ValidationFailed,
    collect,
)


class MediaUnreadable(ValueError):
    """A file that PyAV cannot open or that has no audio/video stream with a length."""


def media_duration_sec(path: str | Path) -> float:
    """Duration of an audio or video file in seconds.

    Uses the container's duration when it states one, else the longest audio/video stream's,
    else decodes the packets and sums their durations.

    Raises:
        MediaUnreadable: not a media file PyAV can open, or no audio/video stream.
    """
    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type in ("audio", "video")]
            if not streams:
                raise MediaUnreadable(f"{path}: no audio or video stream")
            if container.duration is not None and container.duration > 0:
                return float(Fraction(container.duration, av.time_base))
            best = 0.0
            for s in streams:
                if s.duration is not None and s.time_base is not None:
                    best = max(best, float(s.duration * s.time_base))
            if best > 0:
                return best
            return _duration_from_packets(container)
    except (av.FFmpegError, OSError) as exc:
        raise MediaUnreadable(f"{path}: {exc}") from None


def _duration_from_packets(container: av.container.InputContainer) -> float:
    ends: dict[int, float] = {}
    for packet in container.demux():
        if packet.pts is None or packet.time_base is None:
            continue
        end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
        ends[packet.stream.index] = max(ends.get(packet.stream.index, 0.0), end)
    if not ends or max(ends.values()) <= 0:
        raise MediaUnreadable("no timed packets")
    return max(ends.values())


def fill_durations(request: ComposeRequest, *, root: str | Path) -> ComposeRequest:
    """A copy of ``request`` with every missing video/audio `durationSec` probed from disk.

    Args:
        request: the manifest; items that already have `durationSec`, and images, are kept.
        root: the project folder the items' relative paths start from.

    Raises:
        PostprodError: for each unreadable item (collected into `details`): VALIDATION_ERROR
            (`folder.items[k].path`) when the file is missing, AUDIO_UNDECODABLE for audio and
            UNSUPPORTED_MEDIA_TYPE for video that cannot be decoded.
    """
    base = Path(root)
    items = []
    errors: list[PostprodError] = []
    for k, item in enumerate(request.folder.items):
        if item.kind == "image" or item.duration_sec is not None:
            items.append(item)
            continue
        file = base.joinpath(*item.path.split("/"))
        at = f"folder.items[{k}].path"
        if not file.is_file():
            errors.append(ValidationFailed(
                f"{at}: {item.path!r} does not exist in the project folder", field=at,
                allowed="a file under the project folder"))
            items.append(item)
            continue
        try:
            seconds = media_duration_sec(file)
        except MediaUnreadable:
            cls = AudioUndecodable if item.kind == "audio" else UnsupportedMediaType
            errors.append(cls(f"{at}: {item.path!r} cannot be decoded as {item.kind}",
                              field=at, allowed=f"a decodable {item.kind} file"))
            items.append(item)
            continue
        items.append(item.model_copy(update={"duration_sec": round(seconds, 6)}))
    if errors:
        raise collect(errors)
    folder = request.folder.model_copy(update={"items": items})
    return request.model_copy(update={"folder": folder})
