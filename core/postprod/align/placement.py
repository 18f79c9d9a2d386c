"""Placing scene cuts on a transcript, and the result: rough starts located (through the script
when there is one), refined to acoustic onsets, unplaced scenes filled in, calibrated windows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract.common import ResultWarning
from ..contract.timestamps import TimestampsRequest
from .filling import interpolate, snap_to_pauses
from .onset import Envelope, energy_envelope
from .options import AlignOptions
from .refinement import RefinedStart, refine_starts
from .rough_starts import (
    RoughStart,
    merge_rough,
    rough_from_cues,
    rough_from_script,
    spot_unheard_cues,
)
from .spotting import PhraseSpotter
from .text import base_language, tokenize_text, tokenize_words
from .transcribe import Transcript

ANCHOR_ONLY_CONFIDENCE = 0.3
"""Highest confidence of a start inferred from an anchor phrase that does not open the scene."""


@dataclass(frozen=True)
class ScenePlacement:
    """Where one scene starts, with its evidence.

    Attributes:
        index: scene index in the request.
        time_sec: estimated cut, seconds from the start of the audio (offset not applied).
        basis: ``"startCue"``, ``"anchor"`` or ``"interpolated"``.
        evidence_class: calibration class (``"script:startCue:onset"``, ...).
        evidence: text evidence in [0, 1] (phrase similarity, or script support).
        window_sec: (start, end) of the 90 % interval, seconds, before clamping to neighbours.
        confidence: in [0, 1].
        raw_time_sec: the recognised word start the cut came from, seconds (None when
            interpolated).
        pause_sec: (start, end) of the pause before the onset, seconds, when one was found.
        shift_ms: the calibrated shift already added to ``time_sec``, ms.
        snr_db: local SNR at the refined onset (`Onset.snr_db`), dB; None when not refined.
    """

    index: int
    time_sec: float
    basis: str
    evidence_class: str
    evidence: float
    window_sec: tuple[float, float]
    confidence: float
    raw_time_sec: float | None = None
    pause_sec: tuple[float, float] | None = None
    shift_ms: float = 0.0
    snr_db: float | None = None


@dataclass
class Placement:
    """The result of `place_scenes`: one `ScenePlacement` per scene, plus warnings."""

    scenes: list[ScenePlacement]
    warnings: list[ResultWarning]
    mode: str


def place_scenes(
    transcript: Transcript,
    signal: np.ndarray | Envelope | None,
    request: TimestampsRequest,
    *,
    options: AlignOptions | None = None,
    model: str = "base",
    lossy: bool = False,
    samples: np.ndarray | None = None,
) -> Placement:
    """Place every scene of ``request`` on ``transcript`` (no speech recogniser runs; the
    phoneme recogniser runs on the stretches where a scene's opening was not heard).

    Args:
        transcript: from `transcribe_words` on the same audio.
        signal: the audio (np.ndarray [shape=(n,)], float32, 16 kHz mono) or its
            `energy_envelope`, for onset refinement; None skips refinement.
        request: the validated request.
        options: alignment settings.
        model: the recogniser's name, to pick its calibration table.
        lossy: the audio came from a lossy codec (`DecodedAudio.lossy`), to pick its windows.
        samples: the audio (16 kHz mono float32) for the acoustic search of unheard openings
            when ``signal`` is an envelope; None (and an envelope) skips that search.

    Returns:
        Placement: one `ScenePlacement` per scene, in request order; scene 0 at 0 s.
    """
    opts = options or AlignOptions()
    lang = transcript.language
    n = len(request.scenes)
    heard = tokenize_words([w.text for w in transcript.words], language=lang)
    cue_toks = [tokenize_text(s.start_cue_text, language=lang).tokens for s in request.scenes]
    anchor_toks = [tokenize_text(s.anchor_text, language=lang).tokens for s in request.scenes]
    duration = transcript.duration_sec
    rough: list[RoughStart | None]
    mode = "cues"
    if samples is None and isinstance(signal, np.ndarray):
        samples = signal
    spotter = (PhraseSpotter(samples) if samples is not None and opts.acoustic_search
               and base_language(lang) == "en" else None)
    if heard.tokens:
        rough = rough_from_cues(transcript, heard, cue_toks, anchor_toks, opts)
    else:
        rough = [None] * n
    if request.narration_text and opts.use_narration and heard.tokens:
        mode = "script"
        by_script = rough_from_script(transcript, heard, request.narration_text, cue_toks,
                                      anchor_toks, opts, spotter)
        rough = merge_rough(by_script, rough)
    elif spotter is not None:
        rough = spot_unheard_cues(rough, cue_toks, spotter, duration=duration)

    env: Envelope | None
    if signal is None or not opts.onset_refinement:
        env = None
    elif isinstance(signal, Envelope):
        env = signal
    else:
        env = energy_envelope(signal)

    refined = refine_starts(rough, env=env, samples=samples, transcript=transcript,
                            cue_toks=cue_toks, mode=mode, model=model, lossy=lossy, opts=opts)
    times: list[float | None] = [None if r is None else r.time_sec for r in refined]
    times[0] = 0.0
    last = max((r.time_sec for r in refined if r is not None), default=0.0)
    weights = [max(1, len(s.anchor_text) + len(s.start_cue_text)) for s in request.scenes]
    end_time = max(duration, last)
    filled = interpolate(times, weights, end_time=end_time)
    if opts.snap_interpolated and transcript.words:
        snap_to_pauses(filled, [r is None for r in refined], transcript, env, opts,
                       end_time=end_time)
    scenes, warnings = _scene_results(refined, filled, end_time=end_time)
    return Placement(scenes=scenes, warnings=warnings, mode=mode)


def _scene_results(refined: list[RefinedStart | None], filled: list[float], *,
                   end_time: float) -> tuple[list[ScenePlacement], list[ResultWarning]]:
    """One `ScenePlacement` per scene (scene 0 at 0 s; placed scenes with their calibrated
    window; filled-in ones between their neighbours, each with a ``CUE_NOT_FOUND`` warning).

    Args:
        refined: per scene, its refined start (`refine_starts`) or None.
        filled: every scene's time, seconds (`interpolate`, `snap_to_pauses`).
        end_time: where the last scene ends, seconds.
    """
    n = len(refined)
    out: list[ScenePlacement] = []
    warnings: list[ResultWarning] = []
    for i in range(n):
        t = filled[i]
        if i == 0:
            out.append(ScenePlacement(index=0, time_sec=0.0, basis="startCue",
                                      evidence_class="first", evidence=1.0,
                                      window_sec=(0.0, 0.0), confidence=1.0))
            continue
        r = refined[i]
        if r is None:
            prev_t = filled[i - 1]
            next_t = filled[i + 1] if i + 1 < n else end_time
            out.append(ScenePlacement(index=i, time_sec=t, basis="interpolated",
                                      evidence_class="interpolated", evidence=0.0,
                                      window_sec=(prev_t, next_t), confidence=0.05))
            warnings.append(ResultWarning(
                code="CUE_NOT_FOUND", field=f"scenes[{i}].startCueText",
                message=(f"neither the start cue nor the anchor of scene {i} was found in the "
                         "narration; it is placed between its neighbours in proportion to its "
                         "text")))
            continue
        st = r.stats
        conf = st.p250 * (0.6 + 0.4 * min(1.0, max(0.0, r.evidence)))
        window = (t + st.lo_ms / 1000.0, t + st.hi_ms / 1000.0)
        if r.latest_sec is not None:
            # Placed from an anchor inside the scene: the start lies anywhere between the
            # previous scene and that anchor; the sentence start is only the likeliest place.
            window = (filled[i - 1], max(window[1], r.latest_sec))
            conf = min(conf, ANCHOR_ONLY_CONFIDENCE)
        out.append(ScenePlacement(
            index=i, time_sec=t, basis=r.basis, evidence_class=r.evidence_class,
            evidence=round(r.evidence, 3), window_sec=window,
            confidence=round(min(1.0, max(0.0, conf)), 3), raw_time_sec=r.raw_time_sec,
            pause_sec=r.pause_sec, shift_ms=st.shift_ms, snr_db=r.snr_db))
    return out, warnings


__all__ = ["Placement", "ScenePlacement", "place_scenes"]
