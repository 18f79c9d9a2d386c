"""Exact project time: NTSC rates as fractions; seconds to frames, halves away from zero."""

from __future__ import annotations

import math
from fractions import Fraction

NTSC_RATES: dict[float, Fraction] = {
    23.976: Fraction(24000, 1001),
    23.98: Fraction(24000, 1001),
    29.97: Fraction(30000, 1001),
    47.952: Fraction(48000, 1001),
    47.95: Fraction(48000, 1001),
    59.94: Fraction(60000, 1001),
    119.88: Fraction(120000, 1001),
}
"""Rounded NTSC spellings (frames per second) -> the exact rate they stand for."""


def project_rate(fps: float) -> Fraction:
    """The exact project rate for ``fps`` (frames per second).

    23.976, 29.97, 47.952, 59.94 (and the 23.98 / 47.95 / 119.88 spellings) become
    24000/1001, 30000/1001, 48000/1001, 60000/1001 (120000/1001); any other value is taken as
    the decimal number it was written as (``12.5`` -> 25/2).
    """
    if fps in NTSC_RATES:
        return NTSC_RATES[fps]
    return exact_seconds(fps)


def exact_seconds(value: float) -> Fraction:
    """A JSON number as the exact decimal it was written as (``0.1`` -> 1/10, not 0.1000…0555)."""
    return Fraction(repr(float(value)))


def round_half_away(x: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    n, d = x.numerator, x.denominator  # integer arithmetic: floor((2n + d) / 2d)
    if n >= 0:
        return (2 * n + d) // (2 * d)
    return -((-2 * n + d) // (2 * d))


def frames_at(seconds: Fraction, rate: Fraction) -> int:
    """The frame nearest to ``seconds`` (s) at ``rate`` (frames/s), halves away from zero."""
    return round_half_away(seconds * rate)


def frames_covering(seconds: Fraction, rate: Fraction) -> int:
    """How many frames start before ``seconds`` (s): ceil(seconds * rate), for media lengths."""
    return math.ceil(seconds * rate)


def on_frame(seconds: Fraction, rate: Fraction) -> bool:
    """True when ``seconds`` falls exactly on a frame boundary at ``rate``."""
    return (seconds.numerator * rate.numerator) % (seconds.denominator * rate.denominator) == 0


def seconds_of(frames: int, rate: Fraction) -> float:
    """``frames`` at ``rate`` as seconds (float, rounded to the microsecond for display)."""
    return round(float(Fraction(frames) / rate), 6)


def rate_text(rate: Fraction) -> str:
    """``24000/1001`` or ``25``: the rate as an exact, readable string."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def nominal_fps(rate: Fraction) -> int:
    """The integer timecode base of ``rate`` (30 for 30000/1001, 25 for 25, 13 for 12.5)."""
    return round_half_away(rate)


def one_hour_frames(rate: Fraction) -> int:
    """Frames in 01:00:00:00 of non-drop timecode at ``rate``.

    NTSC rates count nominal frames (108000 at 29.97), other rates the real hour.
    """
    if rate.denominator == 1001:
        return 3600 * nominal_fps(rate)
    return round_half_away(3600 * rate)
