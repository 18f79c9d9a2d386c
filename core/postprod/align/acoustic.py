"""Acoustic evidence for known text: where does a phrase start, when the recogniser did not
produce its words?

A phoneme recogniser (``hama``'s CTC model: phoneme log-probabilities every 20 ms) and its G2P
(text → the same phoneme symbols) score the phrase's phonemes against the audio: a CTC Viterbi
path through the phrase, each frame counted relative to the best free phoneme at that frame
(0 = the phrase explains the audio as well as anything could; more negative = worse), per
phoneme. Scored at each candidate sentence onset, the best-explained onset wins, and the gap to
the runner-up says how sure that is.

The weights ship inside the ``hama`` wheel (pinned); their SHA-256 (`models.weights.WEIGHTS`) is
checked before they are loaded, so a changed wheel fails loudly (``ENGINE_UNAVAILABLE``) instead
of changing results.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..contract.errors import EngineUnavailable
from ..media.audio import SAMPLE_RATE
from ..models.weights import verify_dir

FRAME_SEC = 0.02
"""Phoneme recogniser frame step, seconds."""

MAX_CHUNK_SEC = 18.0
"""Longest audio fed to the phoneme recogniser at once, seconds (it fails beyond ≈ 20 s)."""

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any]:
    """(ASRModel, G2PModel) of hama, after checking every weight file's SHA-256.

    Raises:
        EngineUnavailable: hama is missing or a weight file differs from the pinned one.
    """
    try:
        from importlib import resources

        import hama
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EngineUnavailable("the phoneme recogniser (package hama) is not installed",
                                allowed="reinstall hama 1.7.0") from exc
    verify_dir("hama", str(resources.files("hama.assets")))  # the files it was measured with
    return hama.ASRModel(), hama.G2PModel()


@lru_cache(maxsize=4096)
def _word_phonemes(word: str) -> tuple[int, ...]:
    asr, g2p = _models()
    ids = {t: i for i, t in enumerate(asr.decoder_tokens)}
    with _LOCK:
        res = g2p.predict(word)
    return tuple(ids[a.phoneme] for a in res.alignments if a.phoneme in ids)


def phonemes(words: list[str]) -> list[int]:
    """Phoneme token ids of ``words`` (normalised spoken-form tokens), in order."""
    out: list[int] = []
    for w in words:
        out.extend(_word_phonemes(w))
    return out


@dataclass(frozen=True)
class Posteriors:
    """Phoneme log-probabilities of a stretch of audio.

    Attributes:
        start_sec: time of frame 0, seconds from the start of the audio.
        logp: np.ndarray [shape=(frames, tokens)], log-probabilities per 20 ms frame.
        rel: logp minus each frame's best token (≤ 0).
        blank: the blank token's id.
    """

    start_sec: float
    logp: np.ndarray
    rel: np.ndarray
    blank: int

    @property
    def frames(self) -> int:
        return len(self.logp)

    def frame(self, t: float) -> int:
        """Frame index of time ``t`` (seconds), clipped to the stretch."""
        return int(np.clip(round((t - self.start_sec) / FRAME_SEC), 0, max(0, self.frames - 1)))

    def time(self, frame: int) -> float:
        return self.start_sec + frame * FRAME_SEC


def posteriors(samples: np.ndarray, *, start_sec: float, end_sec: float) -> Posteriors:
    """Phoneme log-probabilities of ``samples`` (16 kHz mono) between the two times."""
    asr, _ = _models()
    a = max(0, int(start_sec * SAMPLE_RATE))
    b = min(len(samples), int(end_sec * SAMPLE_RATE))
    chunk = int(MAX_CHUNK_SEC * SAMPLE_RATE)
    parts: list[np.ndarray] = []
    pos = a
    while pos < b:
        end = min(b, pos + chunk)
        x = np.clip(samples[pos:end].astype(np.float32), -1.0, 1.0)
        if len(x) < 640:
            x = np.pad(x, (0, 640 - len(x)))
        with _LOCK:
            lp, lens = asr.session.run(
                [asr._log_probs_output_name, asr._out_lengths_output_name],
                {asr._waveform_input_name: x[None, :],
                 asr._waveform_lengths_input_name: np.array([len(x)], dtype=np.int64)})
        n = min(int(np.asarray(lens).reshape(-1)[0]), lp.shape[1],
                int(np.ceil((end - pos) / (SAMPLE_RATE * FRAME_SEC))))
        parts.append(np.asarray(lp[0, :n], dtype=np.float32))
        pos = end
    logp = (np.concatenate(parts) if parts
            else np.zeros((0, len(asr.decoder_tokens)), np.float32))
    rel = logp - logp.max(axis=1, keepdims=True) if len(logp) else logp
    return Posteriors(start_sec=a / SAMPLE_RATE, logp=logp, rel=rel, blank=asr.blank_id)


@dataclass(frozen=True)
class Spot:
    """Where a phrase's phonemes are best explained from a start range.

    Attributes:
        start_sec: first frame of the phrase's first phoneme, seconds.
        end_sec: last frame of its last phoneme, seconds.
        score: mean relative log-probability per phoneme (0 = perfect; below ≈ −3 the
            phrase is not there).
    """

    start_sec: float
    end_sec: float
    score: float


def spot_phrase(post: Posteriors, tokens: list[int], *, start_lo: float, start_hi: float
                ) -> Spot | None:
    """Best CTC path of ``tokens`` whose first phoneme starts between the two times.

    Frames before the start are free; the path then runs through every phoneme (blanks
    optional between different phonemes) and ends at any frame after the last one.
    """
    if not tokens or post.frames == 0:
        return None
    lab = [post.blank]
    for t in tokens:
        lab += [t, post.blank]
    n_states = len(lab)
    labels = np.array(lab)
    # Transitions: stay, +1, and +2 into a token state differing from the one two back.
    skip = np.zeros(n_states, dtype=bool)
    for s in range(3, n_states, 2):
        skip[s] = lab[s] != lab[s - 2]
    lo = post.frame(start_lo)
    hi = post.frame(start_hi)
    neg = -1e9
    dp = np.full(n_states, neg)
    st = np.zeros(n_states, dtype=np.int64)  # frame where the path entered phoneme 1
    best: tuple[float, int, int] | None = None
    rel = post.rel
    n_tok = len(tokens)
    last_token_state = n_states - 2
    for f in range(lo, post.frames):
        prev = dp
        prev_st = st
        cand = prev.copy()
        cst = prev_st.copy()
        up = np.concatenate(([neg], prev[:-1]))
        up_st = np.concatenate(([0], prev_st[:-1]))
        better = up > cand
        cand = np.where(better, up, cand)
        cst = np.where(better, up_st, cst)
        up2 = np.concatenate(([neg, neg], prev[:-2]))
        up2_st = np.concatenate(([0, 0], prev_st[:-2]))
        better2 = skip & (up2 > cand)
        cand = np.where(better2, up2, cand)
        cst = np.where(better2, up2_st, cst)
        if f <= hi and cand[1] < 0.0:
            # A fresh start at this frame (frames before it are free).
            cand[1] = 0.0
            cst[1] = f
        dp = cand + rel[f, labels]
        st = cst
        for s in (last_token_state, n_states - 1):
            if dp[s] > neg / 2:
                score = float(dp[s]) / n_tok
                if best is None or score > best[0]:
                    best = (score, int(st[s]), f)
        if f > hi and dp.max() < neg / 2:
            break
        if f > hi + 40 * n_tok:  # no phoneme lasts 0.8 s
            break
    if best is None:
        return None
    return Spot(start_sec=post.time(best[1]), end_sec=post.time(best[2] + 1), score=best[0])


__all__ = ["Posteriors", "Spot", "phonemes", "posteriors", "spot_phrase"]
