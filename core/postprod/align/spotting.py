"""Finding a scene's opening words in the audio itself with the phoneme recogniser, where the
speech recogniser skipped or misheard them."""

from __future__ import annotations

import numpy as np

from ..media.audio import SAMPLE_RATE
from ..media.loudness import frame_power, level_db
from .acoustic import FRAME_SEC, Posteriors, Spot, phonemes, posteriors, spot_phrase

SPOT_MIN_SCORE = -3.2
"""Lowest phrase score (mean relative log-probability per phoneme, `acoustic.Spot.score`) at
which a phrase counts as found in the audio."""

SPOT_MARGIN = 0.4
"""A cue spotted in the audio is trusted over an anchor-derived start only when it explains the
audio this much better (per phoneme) than its best rival more than a second away."""

CUE_TRUST_SCORE = 0.9
"""A start cue matched in the transcript at this similarity or more is taken as heard (no
acoustic check)."""

SPOT_LEAD_SEC = 0.1
"""A spotted phrase's first phoneme is found this much after the true onset on average; the
rough start is put that far before it (the onset search then finds the pause end)."""

SPOT_MAX_WINDOW_SEC = 30.0
"""Longest stretch searched for one phrase, seconds."""

SPOT_CLEAR_DB = 25.0
"""Level spread (90th − 10th percentile of frame levels, dB) above which a stretch counts as
clear speech for the acoustic search; below it, a spotted opening is its own, weaker class
(``spotted-noisy``) with its own, wider window."""

SPOT_PHRASE_TOKENS = 6
"""Words of a scene's first sentence (or of its start cue) scored acoustically."""


class PhraseSpotter:
    """Phrase spotting on the audio with the phoneme recogniser, computed only where needed.

    Args:
        samples: np.ndarray [shape=(n,)], float32, 16 kHz mono.
    """

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples
        self._post: list[Posteriors] = []

    def _posteriors(self, lo: float, hi: float) -> Posteriors:
        for p in self._post:
            if p.start_sec <= lo + 1e-6 and p.start_sec + p.frames * FRAME_SEC >= hi - 1e-6:
                return p
        p = posteriors(self.samples, start_sec=max(0.0, lo), end_sec=hi)
        self._post.append(p)
        return p

    def clear(self, lo: float, hi: float) -> bool:
        """Speech stands out of the background between ``lo`` and ``hi`` (seconds): the 90th
        percentile of 20 ms frame levels lies `SPOT_CLEAR_DB` or more above the 10th. Under
        noise or a music bed the phoneme recogniser explains a phrase about as well anywhere,
        and a found opening is only weak evidence."""
        a, b = int(max(0.0, lo) * SAMPLE_RATE), int(hi * SAMPLE_RATE)
        db = level_db(frame_power(self.samples[a:b], hop_sec=0.02), floor_db=-120.0)
        if len(db) < 10:
            return False
        p10, p90 = np.percentile(db, [10, 90])
        return bool(p90 - p10 >= SPOT_CLEAR_DB)

    def spot(self, words: list[str], lo: float, hi: float) -> tuple[Spot, float] | None:
        """Best start of ``words`` between ``lo`` and ``hi`` (seconds) and its margin over the
        best start more than 1 s away (per phoneme; 9 when there is none)."""
        duration = len(self.samples) / SAMPLE_RATE
        lo, hi = max(0.0, lo), min(duration, hi)
        toks = phonemes(words)
        if hi - lo < 0.3 or not toks:
            return None
        post = self._posteriors(lo, min(duration, hi + 0.3 * len(toks) + 1.0))
        best = spot_phrase(post, toks, start_lo=lo, start_hi=hi)
        if best is None:
            return None
        rivals = [spot_phrase(post, toks, start_lo=a, start_hi=b)
                  for a, b in ((lo, best.start_sec - 1.0), (best.start_sec + 1.0, hi)) if b > a]
        second = max((r.score for r in rivals if r is not None), default=best.score - 9.0)
        return best, best.score - second


def spot_evidence(spot: Spot, margin: float) -> float:
    """Evidence in [0, 1] of a spotted phrase: its score mapped to [0, 1], scaled down when a
    rival start explains the audio almost as well (``margin`` per phoneme, from
    `PhraseSpotter.spot`)."""
    return float(np.clip(1.0 + spot.score / 4.0, 0.0, 1.0)) * min(1.0, 0.5 + margin / 2)
