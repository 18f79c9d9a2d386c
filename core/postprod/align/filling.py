"""Times for the scenes the evidence did not place: between their placed neighbours in
proportion to their text, then moved to the nearest heard sentence start."""

from __future__ import annotations

from .heard import sentence_starts_heard, speech_rate, word_start
from .onset import Envelope, find_onset
from .options import AlignOptions
from .transcribe import Transcript


def interpolate(times: list[float | None], weights: list[int], *, end_time: float
                ) -> list[float]:
    """Every scene's time, seconds: placed ones as they are, each run of unplaced ones
    spread between its placed neighbours (or ``end_time``) in proportion to ``weights``
    (their text lengths). ``times[0]`` must be placed."""
    n = len(times)
    out = [0.0] * n
    i = 0
    while i < n:
        t = times[i]
        if t is not None:
            out[i] = t
            i += 1
            continue
        j = i
        while j < n and times[j] is None:
            j += 1
        left = out[i - 1]
        right = times[j] if j < n and times[j] is not None else end_time
        assert right is not None
        span = weights[i - 1: j]
        total = float(sum(span))
        acc = 0.0
        for k in range(i, j):
            acc += weights[k - 1]
            out[k] = left + (right - left) * acc / total
        i = j
    return out


def snap_to_pauses(filled: list[float], unplaced: list[bool], transcript: Transcript,
                   env: Envelope | None, opts: AlignOptions, *, end_time: float) -> None:
    """Move each interpolated scene (in place) to the heard sentence start nearest to its
    proportional time, strictly between its neighbours: cuts fall in pauses, and text share
    alone lands mid-sentence. The time stays interpolated (wide window, low confidence).

    Args:
        filled: every scene's time, seconds (`interpolate`); changed in place.
        unplaced: per scene, whether its time was interpolated.
        env: the audio's envelope, to move the start to the onset there; None skips that.
        end_time: where the last scene ends, seconds.
    """
    rate = speech_rate(transcript, opts)
    words = transcript.words
    starts = sentence_starts_heard(transcript, rate=rate, opts=opts)
    heads = [word_start(w, rate=rate, opts=opts) for w in words]
    n = len(filled)
    for i in range(1, n):
        if not unplaced[i]:
            continue
        lo = filled[i - 1] + 0.3
        hi = (filled[i + 1] if i + 1 < n else end_time) - 0.3
        near = [heads[k] for k in range(len(words)) if starts[k] and lo < heads[k] < hi]
        if not near:
            continue
        t = min(near, key=lambda x: abs(x - filled[i]))
        if env is not None:
            onset = find_onset(env, t, lo=lo, hi=hi, search_before=opts.onset_search_before,
                               search_after=opts.onset_search_after,
                               min_pause=opts.min_pause_sec,
                               expected_shift=opts.expected_shift_sec,
                               pause_weight=opts.pause_weight)
            if onset is not None:
                t = onset.time
        filled[i] = t
