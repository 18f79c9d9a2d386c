"""Speech recognition with word timestamps, chunked at pauses so long files neither drift nor
hold more than one chunk's features in memory."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from ..contract.errors import ValidationFailed
from ..media.audio import SAMPLE_RATE
from ..models.whisper import is_english_only, load_whisper
from ..progress import ProgressCallback, report
from .text import base_language


@dataclass(frozen=True)
class Word:
    """One recognised word.

    Attributes:
        text: as recognised (with punctuation).
        start: seconds from the start of the audio.
        end: seconds from the start of the audio.
        probability: the recogniser's confidence in [0, 1].
    """

    text: str
    start: float
    end: float
    probability: float


@dataclass
class Transcript:
    """What the recogniser heard; the expensive part, reusable across alignment settings.

    Attributes:
        words: recognised words in order.
        language: the language used (given, or detected), base code like ``"en"``.
        duration_sec: length of the audio, seconds.
        chunks: (start, end) seconds of the pieces transcribed separately.
        elapsed_sec: wall-clock seconds spent recognising.
    """

    words: list[Word]
    language: str
    duration_sec: float
    chunks: list[tuple[float, float]] = field(default_factory=list)
    elapsed_sec: float = 0.0


@dataclass(frozen=True)
class TranscribeOptions:
    """Settings of the recogniser (the expensive stage)."""

    beam_size: int = 5
    """Beam width; 1 drops whole sentences on the small models."""
    chunk_sec: float = 600.0
    """Audio longer than this is cut at the quietest point near each multiple, seconds."""
    chunk_search_sec: float = 30.0
    """How far either side of each multiple to look for the quietest 0.4 s, seconds."""
    condition_on_previous_text: bool = False
    """Feed the previous window's text as prompt; off avoids repetition loops on long files."""
    vad_filter: bool = False
    """Skip non-speech with the bundled voice activity detector before recognition."""
    cpu_threads: int | None = None
    """Inference threads; None means every available core."""


def chunk_bounds(samples: np.ndarray, *, chunk_sec: float, search_sec: float
                 ) -> list[tuple[int, int]]:
    """Sample ranges that cover ``samples``, cut in the quietest 0.4 s near each chunk_sec.

    Args:
        samples: np.ndarray [shape=(n,)], float32, 16 kHz mono.
    """
    n = len(samples)
    step = int(chunk_sec * SAMPLE_RATE)
    if n <= step * 1.25:
        return [(0, n)]
    hop = SAMPLE_RATE // 100
    frames = n // hop
    energy = np.square(samples[: frames * hop].reshape(frames, hop)).sum(axis=1)
    win = 40  # 0.4 s of 10 ms frames
    smooth = np.convolve(energy, np.ones(win), mode="same")
    cuts = [0]
    target = step
    while target < n - step // 4:
        lo = max(cuts[-1] // hop + 100, (target - int(search_sec * SAMPLE_RATE)) // hop)
        hi = min(frames - 1, (target + int(search_sec * SAMPLE_RATE)) // hop)
        if hi <= lo:
            break
        cut = (lo + int(np.argmin(smooth[lo:hi]))) * hop
        cuts.append(cut)
        target = cut + step
    cuts.append(n)
    return list(itertools.pairwise(cuts))


def check_language(language: str | None, *, model: str) -> str | None:
    """The base language code to recognise in (None: detect), checked against ``model``.

    Raises:
        ValidationFailed: a non-English ``language`` with an English-only model.
    """
    lang = base_language(language) if language else None
    if is_english_only(model):
        if lang not in (None, "en"):
            raise ValidationFailed(
                f"languageCode {language!r} cannot be recognised by the English-only fast "
                "engine", field="languageCode", allowed="en with the fast engine; any language "
                "with the default engine")
        return "en"
    return lang


def transcribe_words(
    samples: np.ndarray,
    *,
    model: str = "base",
    language: str | None = None,
    options: TranscribeOptions | None = None,
    progress: ProgressCallback | None = None,
) -> Transcript:
    """Recognise ``samples`` with word timestamps.

    Args:
        samples: np.ndarray [shape=(n,)], float32, 16 kHz mono.
        model: ``"tiny.en"``, ``"base"`` or a local CTranslate2 directory.
        language: BCP-47 hint; detected on the first chunk when None.
        options: recogniser settings.
        progress: receives ``Progress("transcribe", fraction)`` as audio is consumed.

    Raises:
        ValidationFailed: a non-English ``language`` with an English-only model.
        EngineUnavailable: weights missing.
    """
    opts = options or TranscribeOptions()
    lang = check_language(language, model=model)
    whisper = load_whisper(model, cpu_threads=opts.cpu_threads)
    duration = len(samples) / SAMPLE_RATE
    t0 = time.perf_counter()
    words: list[Word] = []
    bounds = chunk_bounds(samples, chunk_sec=opts.chunk_sec, search_sec=opts.chunk_search_sec)
    report(progress, "transcribe", 0.0, "recognising speech")
    for a, b in bounds:
        offset = a / SAMPLE_RATE
        segments, info = whisper.transcribe(
            samples[a:b], language=lang, beam_size=opts.beam_size, word_timestamps=True,
            condition_on_previous_text=opts.condition_on_previous_text,
            vad_filter=opts.vad_filter)
        if lang is None:
            lang = str(info.language or "en")
        for seg in segments:
            for w in seg.words or []:
                text = str(w.word).strip()
                if not text:
                    continue
                words.append(Word(text=text, start=float(w.start) + offset,
                                  end=float(w.end) + offset, probability=float(w.probability)))
            report(progress, "transcribe", (offset + float(seg.end)) / max(duration, 1e-9),
                   "recognising speech")
    report(progress, "transcribe", 1.0, "speech recognised")
    return Transcript(words=words, language=lang or "en", duration_sec=duration,
                      chunks=[(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in bounds],
                      elapsed_sec=time.perf_counter() - t0)
