"""Is the sound at a refined onset speech or a breath?

The energy onset refiner takes the first rise out of a pause for the word's start. A speaker
often breathes in before a sentence: the breath is unvoiced broadband noise, rises out of the
pause like speech, and the onset lands on it, up to half a second before the word. Speech
reaches voicing (a vowel, a nasal, a voiced consonant) soon after it starts; a breath is
unvoiced throughout. So an onset followed by at least `MIN_BREATH_SEC` without voicing, then a
drop back to the pause's level too short to count as a pause, then voicing, rose on a
breath, and the word starts where the level rises out of that drop. A breath that runs into
the word without such a drop is left alone (where the breath ends is then unclear, and a cut
before a breath is a fair editorial cut).

Periodicity is the normalised autocorrelation peak at lags of 70–400 Hz over 40 ms frames every
10 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..media.audio import SAMPLE_RATE
from .onset import HOP_SEC, ONSET_LAG_SEC, Envelope, Onset, rise_start, runs

FRAME_SEC = 0.04
"""Periodicity frame length, seconds (2.8 periods of the lowest voice, 70 Hz)."""

STEP_SEC = 0.01
"""Periodicity frame step, seconds."""

VOICED = 0.6
"""Normalised autocorrelation peak from which a frame counts as voiced (vowels and nasals read
0.7–0.95, breath, /s/, /f/ and /h/ 0.1–0.4)."""

VOICED_RUN = 3
"""Consecutive voiced frames that make voicing (30 ms)."""

MAX_UNVOICED_LEAD_SEC = 0.3
"""Longest unvoiced stretch a word may open with (an /s/ + stop cluster lasts ≈ 150–250 ms),
seconds: voicing must follow the drop within it."""

RETURN_DB = 3.0
"""A drop after a breath counts when it comes back within this of the pause's median level,
dB (a breath that only fades a little runs into the word)."""

SEARCH_SEC = 1.0
"""How far after the onset the drop is looked for, seconds."""

MIN_BREATH_SEC = 0.3
"""Shortest unvoiced stretch before a drop taken for a breath, seconds (longer than any
unvoiced opening of a word)."""

_LAG_MIN = SAMPLE_RATE // 400
_LAG_MAX = SAMPLE_RATE // 70


@dataclass(frozen=True)
class BreathCheck:
    """The outcome of `breath_onset`.

    Attributes:
        onset_sec: the corrected onset, seconds.
        voicing_sec: where voicing starts after the original onset, seconds.
    """

    onset_sec: float
    voicing_sec: float


def periodicity(samples: np.ndarray, *, start_sec: float, end_sec: float) -> np.ndarray:
    """Normalised autocorrelation peak (0–1) at 70–400 Hz lags of each 40 ms frame starting
    every 10 ms from ``start_sec`` up to ``end_sec`` (``samples``: 16 kHz mono float)."""
    frame = int(FRAME_SEC * SAMPLE_RATE)
    step = int(STEP_SEC * SAMPLE_RATE)
    a = max(0, int(start_sec * SAMPLE_RATE))
    b = min(len(samples), int(end_sec * SAMPLE_RATE) + frame)
    n = (b - a - frame) // step + 1
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    idx = a + np.arange(n)[:, None] * step + np.arange(frame)[None, :]
    x = samples[idx].astype(np.float64)
    x -= x.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(2 * frame)))
    spec = np.fft.rfft(x, n=size, axis=1)
    acf = np.fft.irfft(np.abs(spec) ** 2, n=size, axis=1)[:, :frame]
    # Unbiased for the shrinking overlap, normalised by the energy at lag 0.
    overlap = (frame - np.arange(frame)) / frame
    r = acf / np.maximum(acf[:, :1], 1e-12) / overlap
    return np.asarray(np.clip(r[:, _LAG_MIN:_LAG_MAX].max(axis=1), 0.0, 1.0), dtype=np.float32)


def voicing_start(samples: np.ndarray, *, start_sec: float, end_sec: float) -> float | None:
    """Start of the first `VOICED_RUN` voiced frames between the two times, seconds; None when
    there is none."""
    p = periodicity(samples, start_sec=start_sec, end_sec=end_sec)
    voiced = p >= VOICED
    run = np.convolve(voiced.astype(np.int8), np.ones(VOICED_RUN, dtype=np.int8), mode="valid")
    hits = np.nonzero(run >= VOICED_RUN)[0]
    if len(hits) == 0:
        return None
    return start_sec + float(hits[0]) * STEP_SEC + FRAME_SEC / 2


def breath_onset(samples: np.ndarray, env: Envelope, onset: Onset, *, hi: float
                 ) -> BreathCheck | None:
    """The word's start when the onset rose on a breath, else None.

    A breath: from the onset, at least `MIN_BREATH_SEC` without voicing, then a drop back to
    the level of the pause before the onset (within `RETURN_DB` of its median, and below the
    pause threshold `Onset.threshold_db`: a pause too short for the onset search), then
    voicing within `MAX_UNVOICED_LEAD_SEC` of the drop's end. The word starts where the level
    rises out of that drop.

    Args:
        samples: the audio, 16 kHz mono float.
        env: its `onset.energy_envelope`.
        onset: the refined onset (`onset.find_onset`).
        hi: the corrected onset stays before this (the next scene), seconds.
    """
    k0 = int(onset.pause_end / HOP_SEC)
    k1 = min(env.frames, int(min(hi, onset.time + SEARCH_SEC) / HOP_SEC))
    if k1 - k0 < 4:
        return None
    pause = env.db[int(onset.pause_start / HOP_SEC): k0]
    if len(pause) == 0:
        return None
    silence = min(onset.threshold_db, float(np.median(pause)) + RETURN_DB)
    below = env.db[k0:k1] <= silence
    starts, ends = runs(below)
    for s, e in zip(starts, ends, strict=True):
        dip_start = (k0 + s) * HOP_SEC
        dip_end = (k0 + e) * HOP_SEC
        if dip_start - onset.time < MIN_BREATH_SEC or e >= len(below) or dip_end >= hi:
            continue
        if voicing_start(samples, start_sec=onset.time, end_sec=dip_start) is not None:
            return None
        voicing = voicing_start(samples, start_sec=dip_end - FRAME_SEC / 2,
                                end_sec=dip_end + MAX_UNVOICED_LEAD_SEC)
        if voicing is None:
            return None
        # Walk back over the rise out of the drop, as `find_onset` does.
        k = rise_start(env, k0 + e, stop=k0 + s, floor_db=float(env.db[k0 + s]))
        return BreathCheck(onset_sec=k * HOP_SEC + ONSET_LAG_SEC, voicing_sec=voicing)
    return None


__all__ = ["BreathCheck", "breath_onset", "periodicity", "voicing_start"]
