"""Media probing: durations of audio and video files (PyAV)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av


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
