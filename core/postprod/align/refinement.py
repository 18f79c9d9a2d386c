"""Rough scene starts refined to the acoustic onset after the pause near each, then shifted and
given a window by the calibration of their evidence class."""

from __future__ import annotations

from dataclasses import dataclass

from .calibration import ClassStats, evidence_class, stats_for
from .onset import Envelope, find_onset
from .options import AlignOptions
from .rough_starts import RoughStart

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


def refine_starts(rough: list[RoughStart | None], *, env: Envelope | None, duration: float,
                  mode: str, model: str, lossy: bool, opts: AlignOptions
                  ) -> list[RefinedStart | None]:
    """Per scene, its refined start; None for scene 0 (at 0 s by definition), for scenes
    without a rough start and for those that would not come strictly after the previous
    placed scene (or that lie at or past the end of the audio).

    Args:
        rough: per scene, its rough start (`RoughStart`) or None.
        env: the audio's envelope to find onsets on; None skips refinement.
        duration: length of the audio, seconds.
        mode: ``"script"`` or ``"cues"`` (the calibration class's first part).
        model: the recogniser's name, to pick its calibration table (unless
            `AlignOptions.calibration_model` names one).
        lossy: the audio came from a lossy codec, to pick its windows.
    """
    calibration_model = opts.calibration_model or model
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
            onset = find_onset(env, r.time, lo=last + 0.05, hi=max(last + 0.1, nxt - 0.05),
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
