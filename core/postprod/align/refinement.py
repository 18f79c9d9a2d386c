"""Rough scene starts refined to the acoustic onset after the pause near each, then shifted and
given a window by the calibration of their evidence class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration import ClassStats, evidence_class, stats_for
from .fillers import FILLERS, filler_onset, opens_with_filler
from .onset import Envelope, find_onset
from .options import AlignOptions
from .rough_starts import RoughStart
from .text import tokenize_words
from .transcribe import Transcript
from .voicing import breath_onset

ONSET_REACH_SEC = 2.5
"""Farthest a cut's onset is searched after its recognised start, when the heard words say a
pause lies there (a word that swallowed it), seconds."""

MAX_SHIFT_MS = 1000.0
"""A calibrated shift beyond this is not applied (its window is kept where it was)."""


@dataclass(frozen=True)
class RefinedStart:
    """One scene start placed on its evidence.

    Attributes:
        time_sec: the cut, seconds from the start of the audio: the onset (or the rough
            start when none was found) plus the calibrated shift.
        basis: ``"startCue"`` or ``"anchor"``: which text placed it.
        evidence_class: calibration class (``"script:startCue:onset"``, ...).
        evidence: text evidence in [0, 1].
        raw_time_sec: the rough start the cut came from, seconds.
        pause_sec: (start, end) of the pause before the onset, seconds, when one was found.
        stats: the calibration of ``evidence_class`` (shift and 90 % window, ms).
        latest_sec: for a start inferred from an anchor inside the scene, the latest the scene
            can start, seconds; None otherwise.
        snr_db: local SNR at the refined onset (`Onset.snr_db`), dB; None when not refined.
    """

    time_sec: float
    basis: str
    evidence_class: str
    evidence: float
    raw_time_sec: float
    pause_sec: tuple[float, float] | None
    stats: ClassStats
    latest_sec: float | None
    snr_db: float | None


def refine_starts(rough: list[RoughStart | None], *, env: Envelope | None,
                  samples: np.ndarray | None, transcript: Transcript,
                  cue_toks: list[list[str]], mode: str, model: str, lossy: bool,
                  opts: AlignOptions) -> list[RefinedStart | None]:
    """Per scene, its refined start; None for scene 0 (at 0 s by definition), for scenes
    without a rough start and for those that would not come strictly after the previous
    placed scene (or that lie at or past the end of the audio).

    An onset that rose on a breath moves to the voiced word (`breath_onset`, with
    `AlignOptions.breath_check` and the samples); a scene whose start cue opens with a filler
    the recogniser did not write is cut where the filler was said (`filler_onset`).

    Args:
        rough: per scene, its rough start (`RoughStart`) or None.
        env: the audio's envelope to find onsets on; None skips refinement.
        samples: the audio (np.ndarray [shape=(n,)], float32, 16 kHz mono) for the breath
            check; None skips it.
        transcript: what the recogniser heard (its length is the audio's).
        cue_toks: per scene, the start cue's tokens.
        mode: ``"script"`` or ``"cues"`` (the calibration class's first part).
        model: the recogniser's name, to pick its calibration table (unless
            `AlignOptions.calibration_model` names one).
        lossy: the audio came from a lossy codec, to pick its windows.
    """
    calibration_model = opts.calibration_model or model
    duration = transcript.duration_sec
    out: list[RefinedStart | None] = [None] * len(rough)
    last = 0.0
    for i in range(1, len(rough)):
        r = rough[i]
        if r is None:
            continue
        nxt = next((x.time for x in rough[i + 1:] if x is not None), duration)
        if r.time <= last or r.time >= duration:
            continue
        refined = False
        pause = None
        snr: float | None = None
        t = r.time
        if env is not None:
            hi = max(last + 0.1, nxt - 0.05)
            onset = find_onset(env, r.time, lo=last + 0.05, hi=hi,
                               search_before=opts.onset_search_before,
                               search_after=max(opts.onset_search_after,
                                                min(ONSET_REACH_SEC,
                                                    r.word_end - r.time - 0.05)),
                               min_pause=opts.min_pause_sec,
                               expected_shift=opts.expected_shift_sec,
                               pause_weight=opts.pause_weight)
            if onset is not None:
                t, refined, pause = onset.time, True, (onset.pause_start, onset.pause_end)
                snr = onset.snr_db
                if samples is not None and opts.breath_check:
                    breath = breath_onset(samples, env, onset, hi=hi)
                    if breath is not None:
                        t = breath.onset_sec
                if opens_with_filler(cue_toks[i]) and not _filler_heard(transcript, r.time):
                    said = filler_onset(env, transcript.words, onset, lo=last + 0.05,
                                        min_pause=opts.min_pause_sec)
                    if said is not None:
                        t = said
        cls = evidence_class(mode=mode, basis=r.kind or r.basis, refined=refined)
        st = stats_for(cls, model=calibration_model, calibrated=opts.calibrated_windows,
                       snr_db=snr, lossy=lossy, table_file=opts.calibration_file)
        if abs(st.shift_ms) > MAX_SHIFT_MS:
            # A class whose cuts were mostly wrong on the tuning set has a meaningless median:
            # the cut stays where the evidence put it, inside the same (wide) window.
            st = ClassStats(shift_ms=0.0, lo_ms=st.lo_ms + st.shift_ms,
                            hi_ms=st.hi_ms + st.shift_ms, p250=st.p250, n=st.n)
        t = t + st.shift_ms / 1000.0
        if t <= last:
            continue
        out[i] = RefinedStart(time_sec=t, basis=r.basis, evidence_class=cls,
                              evidence=r.evidence, raw_time_sec=r.time, pause_sec=pause,
                              stats=st, latest_sec=r.latest, snr_db=snr)
        last = t
    return out


def _filler_heard(transcript: Transcript, t: float, *, reach: float = 1.5) -> bool:
    """The recogniser wrote a filler word within ``reach`` seconds before ``t`` or just after."""
    lang = transcript.language
    return any(t - reach <= w.start <= t + 0.3 and
               set(tokenize_words([w.text], language=lang).tokens) & FILLERS
               for w in transcript.words)
