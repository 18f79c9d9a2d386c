"""The same audio gives the same words, even where the recogniser struggles (heavy noise)."""

from __future__ import annotations

import numpy as np
import pytest

from postprod.align import transcribe_words
from postprod.align.transcribe import TranscribeOptions
from postprod.media.audio import decode_audio

from .conftest import Narration

pytestmark = pytest.mark.model

def _noisy(narration: Narration) -> np.ndarray:
    samples = decode_audio(narration.path).samples
    rng = np.random.default_rng(7)
    speech_rms = float(np.sqrt(np.mean(np.square(samples[np.abs(samples) > 1e-3]))))
    return (samples + rng.standard_normal(len(samples)).astype(np.float32) * speech_rms * 1.5
            ).astype(np.float32)  # ≈ −3.5 dB SNR: windows decode badly and fall back


def _words(samples: np.ndarray, options: TranscribeOptions) -> list[tuple[str, float, float]]:
    t = transcribe_words(samples, model="tiny.en", language="en", options=options)
    return [(w.text, round(w.start, 3), round(w.end, 3)) for w in t.words]


def test_noisy_narration_transcribes_the_same_twice(narration: Narration) -> None:
    samples = _noisy(narration)
    # with the recogniser's stock temperature fallback (0.0, 0.2, …, 1.0) four runs of this
    # clip gave 43, 73, 70 and 72 words
    first = _words(samples, TranscribeOptions())
    assert first, "nothing recognised"
    assert all(_words(samples, TranscribeOptions()) == first for _ in range(2))
