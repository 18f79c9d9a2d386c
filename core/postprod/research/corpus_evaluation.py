"""Scoring scene cuts against the corpus truth: per-scene rows and their summary (no pandas)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..align.onset import energy_envelope
from ..align.operation import build_response, load_audio, parse_request
from ..align.options import AlignOptions
from ..align.placement import Placement, place_scenes
from ..align.text import tokenize_text, tokenize_words
from ..align.transcribe import Transcript, transcribe_words
from ..contract.timestamps import TimestampsRequest, TimestampsResponse
from .dev_speech import scored_error_ms, window_covers
from .speech_corpus import CorpusItem

FAIL_MS = 2000
"""An error beyond this counts as a failure."""


@dataclass(frozen=True)
class SceneRow:
    """One scored cut (scene ≥ 1).

    Attributes:
        item: corpus item name.
        model: recogniser used.
        method: ``script`` (with narrationText), ``cues`` (cues only) or ``baseline``.
        index: scene index.
        true_ms: true cut, ms from the audio start.
        est_ms: returned cut (offset removed), ms.
        err_ms: est − true, ms.
        window_ms: (start, end) of the returned window (offset removed), ms.
        covered: the window contains the truth.
        basis: what placed it.
        evidence_class: calibration class (``""`` for the baseline).
        confidence: returned confidence.
        shift_ms: calibrated shift included in est_ms.
        snr_db: local SNR at the refined onset, dB (None when not refined).
        lossy: the item's audio is lossily coded.
        pause_ms: for pause-marked truth, the (start, end) ms of the pause in which any cut
            is right (`err_ms` is then 0 inside it, else the distance to its nearer edge, and
            `covered` means the window meets it); None for onset truth.
    """

    item: str
    model: str
    method: str
    index: int
    true_ms: int
    est_ms: int
    err_ms: int
    window_ms: tuple[int, int]
    covered: bool
    basis: str
    evidence_class: str
    confidence: float
    shift_ms: float = 0.0
    snr_db: float | None = None
    lossy: bool = False
    pause_ms: tuple[int, int] | None = None


@dataclass(frozen=True)
class RunStats:
    """Cost of aligning one item with one model.

    Attributes:
        item, model: which.
        audio_sec: audio length, seconds.
        elapsed_sec: decode + recognition + placement, seconds (model load excluded).
        transcribe_sec: recognition alone, seconds.
        peak_rss_mb: highest resident memory of the process while it ran, MB.
        cpu_sec: CPU seconds the process used for the same stages (all threads).
        threads: recogniser threads (the cores it may use).
        place_cpu_sec: CPU seconds of the placement with narrationText (acoustic search
            included; part of `cpu_sec`).
        cues_cpu_sec: CPU seconds of the cues-only placement (not in `cpu_sec`: a request
            runs one of the two).
    """

    item: str
    model: str
    audio_sec: float
    elapsed_sec: float
    transcribe_sec: float
    peak_rss_mb: float
    cpu_sec: float = 0.0
    threads: int = 1
    place_cpu_sec: float = 0.0
    cues_cpu_sec: float = 0.0

    @property
    def rtf(self) -> float:
        """Real-time factor: elapsed / audio (0.1 = ten times faster than real time)."""
        return self.elapsed_sec / max(self.audio_sec, 1e-9)

    @property
    def cpu_rtf(self) -> float:
        """CPU seconds per thread / audio: the real-time factor on idle cores (other load on
        the machine does not count)."""
        return self.cpu_sec / max(self.threads, 1) / max(self.audio_sec, 1e-9)


def score(response: TimestampsResponse, true_starts_ms: list[int], *, item: str, model: str,
          method: str, placement: Placement | None = None, lossy: bool = False,
          true_pauses_ms: list[tuple[int, int]] | None = None) -> list[SceneRow]:
    """Per-scene rows of ``response`` against the truth (scene 0 is fixed and not scored);
    ``true_pauses_ms``: pause-marked truth (see `SceneRow.pause_ms`)."""
    offset = response.meta.start_offset_ms
    rows = []
    for t in response.data.transitions:
        i = next(s.index for s in response.data.scenes if s.id == t.to_scene_id)
        est = t.at_ms - offset
        lo, hi = t.window.start_ms - offset, t.window.end_ms - offset
        truth = true_starts_ms[i]
        pause = _pause(true_pauses_ms, i)
        p = placement.scenes[i] if placement is not None else None
        rows.append(SceneRow(item=item, model=model, method=method, index=i, true_ms=truth,
                             est_ms=est, err_ms=scored_error_ms(est, truth, pause),
                             window_ms=(lo, hi), covered=window_covers((lo, hi), truth, pause),
                             basis=t.basis, pause_ms=pause,
                             evidence_class=p.evidence_class if p else "",
                             confidence=t.confidence, shift_ms=p.shift_ms if p else 0.0,
                             snr_db=p.snr_db if p else None, lossy=lossy))
    return rows


def _pause(pauses: list[tuple[int, int]] | None, i: int) -> tuple[int, int] | None:
    if pauses is None:
        return None
    a, b = pauses[i]
    return (int(a), int(b))


def baseline_starts_ms(transcript: Transcript, request: TimestampsRequest) -> list[int | None]:
    """Plain recogniser word timestamps + exact cue match, greedy in order (the baseline).

    Scene 0 starts the audio (contract §4.2) and is not searched; each later start cue's
    normalised words are searched verbatim after the previous match; the start is the
    recognised start of its first word; None where not found.
    """
    heard = tokenize_words([w.text for w in transcript.words], language=transcript.language)
    seq = heard.tokens
    out: list[int | None] = [0]
    pos = 0
    for scene in request.scenes[1:]:
        cue = tokenize_text(scene.start_cue_text, language=transcript.language).tokens
        found = None
        for k in range(pos, len(seq) - len(cue) + 1):
            if seq[k:k + len(cue)] == cue:
                found = k
                break
        if found is None or not cue:
            out.append(None)
            continue
        out.append(round(transcript.words[heard.owner[found]].start * 1000))
        pos = found + len(cue)
    return out


def score_baseline(transcript: Transcript, item: CorpusItem, *, model: str) -> list[SceneRow]:
    """Baseline rows; a cue not found is placed halfway between its neighbours."""
    req = parse_request(item.request)
    found = baseline_starts_ms(transcript, req)
    n = len(found)
    est: list[int] = [0] * n
    for i in range(1, n):
        f = found[i]
        if f is not None and f > est[i - 1]:
            est[i] = f
            continue
        nxt = next((x for x in found[i + 1:] if x is not None and x > est[i - 1]),
                   round(transcript.duration_sec * 1000))
        est[i] = (est[i - 1] + nxt) // 2
    rows = []
    for i in range(1, n):
        truth = item.true_starts_ms[i]
        pause = _pause(item.true_pauses_ms, i)
        rows.append(SceneRow(item=item.name, model=model, method="baseline", index=i,
                             true_ms=truth, est_ms=est[i],
                             err_ms=scored_error_ms(est[i], truth, pause),
                             window_ms=(est[i], est[i]),
                             covered=window_covers((est[i], est[i]), truth, pause),
                             pause_ms=pause,
                             basis="startCue" if found[i] is not None else "interpolated",
                             evidence_class="", confidence=0.0))
    return rows


class _PeakRss:
    """Samples this process's resident memory every 50 ms while active."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def evaluate_item(item: CorpusItem, *, model: str, options: AlignOptions | None = None,
                  methods: tuple[str, ...] = ("script", "cues", "baseline"),
                  transcript: Transcript | None = None,
                  ) -> tuple[list[SceneRow], RunStats, dict[str, Any]]:
    """Align ``item`` with ``model`` once and score every method on that one transcription.

    Args:
        transcript: a recognition of this item kept from an earlier run; the recogniser is
            not run then (timings in the returned cost are then meaningless).

    Returns:
        rows, cost, and ``{"transcript": Transcript, "envelope": Envelope}`` for reuse.
    """
    from ..models.whisper import available_cpu_threads, load_whisper

    opts = options or AlignOptions()
    if transcript is None:
        load_whisper(model, cpu_threads=opts.cpu_threads)  # load excluded from timing
    req = parse_request(item.request)
    with _PeakRss() as mem:
        t0 = time.perf_counter()
        c0 = time.process_time()
        decoded = load_audio(item.audio_path, tier="enterprise")
        t1 = time.perf_counter()
        if transcript is None:
            transcript = transcribe_words(decoded.samples, model=model,
                                          language=req.language_code,
                                          options=opts.transcribe_options())
        t2 = time.perf_counter()
        c2 = time.process_time()
        env = energy_envelope(decoded.samples)
        placement = place_scenes(transcript, env, req, options=opts, model=model,
                                 lossy=decoded.lossy, samples=decoded.samples)
        t3 = time.perf_counter()
        c3 = time.process_time()
    rows: list[SceneRow] = []
    cues_cpu = 0.0
    for method in methods:
        if method == "baseline":
            rows += score_baseline(transcript, item, model=model)
            continue
        if method == "script":
            p = placement
            r = req
        else:
            r = parse_request(item.request_without_narration())
            c4 = time.process_time()
            p = place_scenes(transcript, env, r, options=opts, model=model,
                             lossy=decoded.lossy, samples=decoded.samples)
            cues_cpu = time.process_time() - c4
        resp = build_response(p, r, duration_sec=decoded.duration_sec, language="en",
                              request_id="req_bench")
        rows += score(resp, item.true_starts_ms, item=item.name, model=model, method=method,
                      placement=p, lossy=decoded.lossy, true_pauses_ms=item.true_pauses_ms)
    stats = RunStats(item=item.name, model=model, audio_sec=decoded.duration_sec,
                     elapsed_sec=(t1 - t0) + (t3 - t1), transcribe_sec=t2 - t1,
                     peak_rss_mb=mem.peak / 1e6, cpu_sec=c3 - c0,
                     threads=opts.cpu_threads or available_cpu_threads(),
                     place_cpu_sec=c3 - c2, cues_cpu_sec=cues_cpu)
    return rows, stats, {"transcript": transcript, "envelope": env}


def summarize(rows: list[SceneRow]) -> dict[str, float]:
    """MAE, median, P90 (ms), % within 100/250/500 ms, failures > 2 s, coverage, width."""
    if not rows:
        return {"n": 0}
    err = np.abs(np.array([r.err_ms for r in rows], dtype=np.float64))
    width = np.array([r.window_ms[1] - r.window_ms[0] for r in rows], dtype=np.float64)
    return {
        "n": len(rows),
        "mae_ms": float(err.mean()),
        "median_ms": float(np.median(err)),
        "p90_ms": float(np.quantile(err, 0.9)),
        "within_100": float(np.mean(err <= 100) * 100),
        "within_250": float(np.mean(err <= 250) * 100),
        "within_500": float(np.mean(err <= 500) * 100),
        "fail_2s": int(np.sum(err > FAIL_MS)),
        "coverage": float(np.mean([r.covered for r in rows]) * 100),
        "width_ms": float(np.median(width)),
    }
