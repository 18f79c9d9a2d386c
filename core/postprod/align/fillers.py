"""A scene that opens with a filler ("uh … so this is"): the recogniser drops fillers, so the
cut lands on the first word it wrote, after the pause that often follows a filler. The filler
itself is a short sound in the pause before: when the scene's opening words start with a
filler and the recogniser wrote no word there, the cut moves to that sound's onset."""

from __future__ import annotations

import numpy as np

from .onset import HOP_SEC, ONSET_LAG_SEC, Envelope, Onset, rise_start, runs
from .transcribe import Word

FILLERS = frozenset({"uh", "um", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "mhm"})
"""Hesitation words (normalised tokens) a recogniser usually leaves out."""

MIN_FILLER_SEC = 0.08
"""Shortest sound taken for a filler, seconds."""

MAX_FILLER_SEC = 1.2
"""Longest, seconds (a drawn-out "uhm")."""

BRIDGE_SEC = 0.1
"""Quiet runs shorter than this inside a filler do not split it, seconds."""


def opens_with_filler(tokens: list[str]) -> bool:
    """The scene's opening (normalised tokens) starts with a filler word."""
    return bool(tokens) and tokens[0] in FILLERS


def filler_onset(env: Envelope, words: list[Word], onset: Onset, *, lo: float,
                 min_pause: float) -> float | None:
    """Onset of a short unrecognised sound in the pause before ``onset``, seconds, or None.

    The sound must lie after the last recognised word ending before that pause and after
    ``lo`` (the previous scene), set apart from any sound before it by ``min_pause`` seconds
    of quiet, last 80 ms–1.2 s above the pause threshold (`Onset.threshold_db`), and overlap
    no recognised word; only the sound nearest to the pause is considered.
    """
    prev_end = max([lo] + [w.end for w in words if w.end <= onset.pause_start + 0.05])
    k_lo = int(prev_end / HOP_SEC)
    k_hi = int(onset.pause_start / HOP_SEC)
    if k_hi - k_lo < 4:
        return None
    loud = env.db[k_lo:k_hi] >= onset.threshold_db
    run_starts, run_ends = runs(loud)
    starts, ends = list(run_starts), list(run_ends)
    if not starts:
        return None
    # Merge runs split by short dips (a filler's own amplitude wobble).
    bridge = round(BRIDGE_SEC / HOP_SEC)
    merged: list[list[int]] = [[int(starts[0]), int(ends[0])]]
    for rs, re_ in zip(starts[1:], ends[1:], strict=True):
        if int(rs) - merged[-1][1] < bridge:
            merged[-1][1] = int(re_)
        else:
            merged.append([int(rs), int(re_)])
    s, e = merged[-1]
    gap = s - (merged[-2][1] if len(merged) > 1 else 0)
    if gap * HOP_SEC < min_pause:
        return None  # not set apart: the previous word's tail (word ends come early)
    a, b = (k_lo + s) * HOP_SEC, (k_lo + e) * HOP_SEC
    if not MIN_FILLER_SEC <= b - a <= MAX_FILLER_SEC:
        return None
    if any(w.start < b and w.end > a for w in words):
        return None
    # Walk back over the rise out of the pause's level, as `onset.find_onset` does.
    quiet = env.db[k_lo:k_hi][~loud]
    floor = float(np.median(quiet)) if len(quiet) else onset.threshold_db
    rise_floor = floor + 0.5 * (onset.threshold_db - floor)
    k = rise_start(env, k_lo + s, stop=k_lo, floor_db=rise_floor)
    return k * HOP_SEC + ONSET_LAG_SEC


__all__ = ["FILLERS", "filler_onset", "opens_with_filler"]
