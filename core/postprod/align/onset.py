"""Acoustic evidence for cuts: a frame energy envelope, pauses, and the speech onset after one."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..media.audio import SAMPLE_RATE
from ..media.loudness import frame_power, level_db

HOP_SEC = 0.005
"""Envelope frame step, seconds."""

ONSET_LAG_SEC = 0.012
"""Frame k spans [5k, 5k + 20) ms: speech that first shows in it starts about 12 ms in."""

_HOP = int(SAMPLE_RATE * HOP_SEC)
_FLOOR_DB = -100.0


@dataclass(frozen=True)
class Envelope:
    """Short-time level of a signal.

    Attributes:
        db: np.ndarray [shape=(frames,)], RMS level in dBFS of a 20 ms window every 5 ms
            (frame k covers [k*5 ms, k*5 ms + 20 ms)), floored at -100.
    """

    db: np.ndarray

    @property
    def frames(self) -> int:
        return len(self.db)


@dataclass(frozen=True)
class Onset:
    """Where speech resumes after a pause near a rough word start.

    Attributes:
        time: onset, seconds (the first frame of the rise out of the pause).
        pause_start: start of the pause before it, seconds.
        pause_end: end of that pause (= first frame above threshold), seconds.
        threshold_db: the level that separated pause from speech here, dBFS.
        snr_db: local signal-to-noise ratio at the onset, dB: the 90th percentile level of
            the `SNR_SPEECH_SEC` after the onset minus the median level of the pause before.
    """

    time: float
    pause_start: float
    pause_end: float
    threshold_db: float
    snr_db: float = 0.0


def energy_envelope(samples: np.ndarray) -> Envelope:
    """Frame levels of ``samples`` (np.ndarray [shape=(n,)], float32, 16 kHz mono): the
    level (`postprod.media.loudness`) of a 20 ms window every 5 ms.

    Speech-band emphasis (first difference) keeps low-frequency hum and music bass from
    filling pauses. Memory: one float per 5 ms (2.9 MB per hour).
    """
    if len(samples) < _HOP:
        return Envelope(db=np.full(1, _FLOOR_DB, dtype=np.float32))
    power = frame_power(samples, hop_sec=HOP_SEC, window_sec=0.02, emphasis=True)
    return Envelope(db=level_db(power, floor_db=_FLOOR_DB).astype(np.float32))


def local_threshold(env: Envelope, t: float, *, radius_sec: float = 6.0,
                    fraction: float = 0.25, spread_factor: float = 4.0,
                    min_margin_db: float = 1.5) -> tuple[float, float]:
    """The level separating pause from speech around ``t`` seconds, and the floor, dBFS.

    floor = 10th percentile, speech = 90th percentile of the frames within ``radius_sec``;
    the margin above the floor is ``spread_factor`` × the spread of the quietest 30 % of
    frames (steady noise fluctuates little, a music bed more), at least ``min_margin_db`` and
    at most ``fraction`` × (speech − floor).
    """
    k = int(t / HOP_SEC)
    r = int(radius_sec / HOP_SEC)
    seg = env.db[max(0, k - r): min(env.frames, k + r)]
    if len(seg) == 0:
        return _FLOOR_DB + min_margin_db, _FLOOR_DB
    floor, quiet, speech = np.percentile(seg, [10, 30, 90])
    quiet_frames = seg[seg <= quiet]
    spread = float(np.std(quiet_frames)) if len(quiet_frames) > 1 else 0.0
    margin = min(max(min_margin_db, spread_factor * spread), max(min_margin_db,
                                                                 fraction * (speech - floor)))
    return float(floor + margin), float(floor)


SNR_SPEECH_SEC = 0.15
"""Speech span after an onset whose level `Onset.snr_db` compares with the pause, seconds."""

BLIP_SEC = 0.03
"""Sounds this short with at least `BLIP_GAP_SEC` of pause on both sides are noise, not speech
(a plosive burst is followed by its vowel within a few tens of ms)."""

BLIP_GAP_SEC = 0.1


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) ends, in elements, of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]


def rise_start(env: Envelope, k: int, *, stop: int, floor_db: float) -> int:
    """The frame where the rise into frame ``k`` began: walk back while the level still climbs
    and stays above ``floor_db`` (dB), never to ``stop`` (a frame index) or before."""
    while k - 1 > stop and floor_db < env.db[k - 1] < env.db[k]:
        k -= 1
    return k


def _close_blips(below: np.ndarray) -> np.ndarray:
    """``below`` (pause mask per frame) with isolated short loud runs filled in as pause."""
    out = below.copy()
    starts, ends = runs(~below)
    blip = max(1, round(BLIP_SEC / HOP_SEC))
    gap = max(1, round(BLIP_GAP_SEC / HOP_SEC))
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        if e - s > blip or s == 0 or e >= len(below):
            continue
        before = s - (ends[k - 1] if k > 0 else 0)
        after = (starts[k + 1] if k + 1 < len(starts) else len(below)) - e
        if before >= gap and after >= gap:
            out[s:e] = True
    return out


def find_onset(
    env: Envelope,
    t: float,
    *,
    lo: float,
    hi: float,
    search_before: float = 0.6,
    search_after: float = 0.6,
    min_pause: float = 0.12,
    expected_shift: float = 0.1,
    pause_weight: float = 0.8,
) -> Onset | None:
    """The speech onset after the pause nearest to a rough start ``t``, or None.

    Args:
        env: the envelope of the whole signal.
        t: the rough start (a recognised word's start), seconds.
        lo, hi: hard bounds for the onset, seconds (the neighbouring scenes).
        search_before, search_after: how far from ``t`` a pause's end may be, seconds.
        min_pause: shortest run of below-threshold frames counted as a pause, seconds.
        expected_shift: where, relative to ``t``, the onset is expected, seconds.
        pause_weight: preference for longer pauses (seconds of cost per second of pause,
            up to 1 s of pause).
    """
    thr, floor_db = local_threshold(env, t)
    a = max(0, int((max(lo, t - search_before) - 2.0) / HOP_SEC))
    b = min(env.frames, int(min(hi, t + search_after) / HOP_SEC) + 8)
    if b - a < 4:
        return None
    below = _close_blips(env.db[a:b] < thr)
    # Runs of below-threshold frames: starts and ends (exclusive) in frame units.
    starts, ends = runs(below)
    min_frames = max(1, int(min_pause / HOP_SEC))
    best: tuple[float, Onset] | None = None
    for s, e in zip(starts, ends, strict=True):
        if e - s < min_frames or e >= len(below):
            continue
        # Speech must hold after the pause: at least 3 of the next 4 frames above threshold.
        after = env.db[a + e: a + e + 4]
        if np.count_nonzero(after >= thr) < min(3, len(after)):
            continue
        end_t = (a + e) * HOP_SEC
        if not (t - search_before <= end_t <= t + search_after) or not (lo < end_t < hi):
            continue
        onset_frame = a + e
        # Walk back over the rise: frames still climbing out of the floor belong to speech.
        k = rise_start(env, onset_frame, stop=a + s,
                       floor_db=floor_db + 0.5 * (thr - floor_db))
        onset_t = k * HOP_SEC + ONSET_LAG_SEC
        pause_len = (e - s) * HOP_SEC
        cost = abs(end_t - (t + expected_shift)) - pause_weight * min(pause_len, 1.0)
        cand = Onset(time=onset_t, pause_start=(a + s) * HOP_SEC, pause_end=end_t,
                     threshold_db=thr)
        if best is None or cost < best[0]:
            best = (cost, cand)
    if best is None:
        return None
    return replace(best[1], snr_db=round(local_snr(env, best[1]), 1))


def local_snr(env: Envelope, onset: Onset) -> float:
    """Speech level just after ``onset`` over the level of the pause before it, dB.

    Speech: 90th percentile of the frames in the `SNR_SPEECH_SEC` from the onset; pause: the
    median frame of [pause_start, pause_end). A digitally silent pause reads about 70-80 dB,
    a steady bed under the pause 30-50 dB, speech over 10 dB noise under 15 dB.
    """
    k = round((onset.time - ONSET_LAG_SEC) / HOP_SEC)
    speech = env.db[max(0, k): min(env.frames, k + round(SNR_SPEECH_SEC / HOP_SEC))]
    pause = env.db[int(onset.pause_start / HOP_SEC): int(onset.pause_end / HOP_SEC)]
    if len(speech) == 0 or len(pause) == 0:
        return 0.0
    return float(np.percentile(speech, 90) - np.median(pause))
