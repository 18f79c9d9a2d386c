"""Mix every audio clip of the timeline at its place, block by block, at the project audio rate.

Clips play at unity gain and are summed; the sum is clipped to [-1, 1]. A clip's reader is opened
when the mix reaches it and closed after it, so memory stays one block per playing clip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .layout import AudioClip
from .media import AudioReader


def sample_at(frame: int, *, rate: Fraction, sample_rate: int) -> int:
    """The audio sample where timeline ``frame`` starts (nearest, halves up)."""
    x = Fraction(frame) * sample_rate / rate
    return int((2 * x.numerator + x.denominator) // (2 * x.denominator))


@dataclass
class _Placed:
    clip: AudioClip
    start: int
    end: int
    source_start: int
    reader: AudioReader | None = None


class AudioMixer:
    """The timeline's audio as consecutive blocks of float32 stereo samples.

    Args:
        clips: the audio clips; those with ``path`` None (missing media drawn as placeholders)
            are silent.
        rate: project frame rate, frames/s.
        sample_rate: output rate, Hz.
        total: samples in the whole timeline.
        open_reader: how a clip is opened (tests may count openings).
    """

    def __init__(self, clips: Sequence[AudioClip], *, rate: Fraction, sample_rate: int,
                 total: int,
                 open_reader: Callable[[AudioClip, int, int], AudioReader] | None = None) -> None:
        def at(f: int) -> int:
            return sample_at(f, rate=rate, sample_rate=sample_rate)

        self.sample_rate = sample_rate
        self.total = total
        self.position = 0
        self._open = open_reader or (lambda c, sr, s: AudioReader(c, sample_rate=sr,
                                                                  start_sample=s))
        self._waiting = sorted(
            (_Placed(clip=c, start=at(c.start), end=at(c.start + c.duration),
                     source_start=at(c.source_start)) for c in clips if c.path is not None),
            key=lambda p: p.start, reverse=True)
        self._playing: list[_Placed] = []

    def read(self, n: int) -> np.ndarray:
        """The next ``n`` samples of the mix: np.ndarray [shape=(2, n)], float32 in [-1, 1]."""
        begin, stop = self.position, self.position + n
        mix = np.zeros((2, n), dtype=np.float32)
        while self._waiting and self._waiting[-1].start < stop:
            placed = self._waiting.pop()
            skip = max(0, begin - placed.start)
            placed.reader = self._open(placed.clip, self.sample_rate, placed.source_start + skip)
            self._playing.append(placed)
        still: list[_Placed] = []
        for placed in self._playing:
            lo, hi = max(begin, placed.start), min(stop, placed.end)
            if hi > lo:
                assert placed.reader is not None
                mix[:, lo - begin:hi - begin] += placed.reader.read(hi - lo)
            if placed.end > stop:
                still.append(placed)
            elif placed.reader is not None:
                placed.reader.close()
        self._playing = still
        self.position = stop
        np.clip(mix, -1.0, 1.0, out=mix)
        return mix

    def close(self) -> None:
        """Close every open reader (after a finished, failed or cancelled render)."""
        for placed in self._playing:
            if placed.reader is not None:
                placed.reader.close()
        self._playing = []
