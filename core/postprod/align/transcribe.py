"""Speech recognition with word timestamps, chunked at pauses so long files neither drift nor
hold more than one chunk's features in memory."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..contract.errors import ValidationFailed
from ..media.audio import SAMPLE_RATE
from ..media.loudness import frame_power, level_db
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
    temperatures: tuple[float, ...] = (0.0,)
    """Decoding temperatures, tried in turn when a window decodes badly. Only 0 (beam search)
    is deterministic: the fallback samples from a random generator that cannot be seeded per
    call, so the same audio gave different words from run to run. Stretches a greedy window
    misses are recognised again by the gap filler instead."""
    gap_fill_sec: float = 3.0
    """A stretch this long without recognised words but with speech in it is recognised again
    on its own (the recogniser sometimes skips a whole segment), seconds; 0 = off."""


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
    # The power of the 0.4 s (40 frames of 10 ms) centred on each frame.
    smooth = np.convolve(frame_power(samples, hop_sec=0.01), np.ones(40), mode="same")
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
    if lang is not None and lang not in recognised_languages():
        raise ValidationFailed(
            f"languageCode {language!r} is not a language the speech recogniser knows",
            field="languageCode",
            allowed="one of " + ", ".join(recognised_languages())
                    + " (a region or script subtag may follow, e.g. pt-BR)")
    return lang


MIN_SPEECH_SEC = 0.5
"""Less speech than this (voice activity, whole file) counts as no speech at all."""


def verify_vad_weights() -> None:
    """Check the Silero VAD file faster-whisper loads against its SHA-256 (once per process).

    Raises:
        EngineUnavailable: the file differs from the one shipped with faster-whisper 1.2.1.
    """
    from faster_whisper.utils import get_assets_path

    from ..models.weights import verify_dir

    verify_dir("silero-vad", get_assets_path())


def speech_seconds(samples: np.ndarray) -> float:
    """Seconds of voice activity in ``samples`` (16 kHz mono float32), by the Silero VAD that
    ships inside faster-whisper (about 1 % of real time on one core)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    verify_vad_weights()
    spans = get_speech_timestamps(samples, VadOptions())
    return sum(int(s["end"]) - int(s["start"]) for s in spans) / SAMPLE_RATE


def recognised_languages() -> tuple[str, ...]:
    """The base language codes the multilingual recogniser takes, sorted (ISO 639-1 mostly)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # the recogniser's own list

    return tuple(sorted(_LANGUAGE_CODES))


def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum() or ch == "'")


def drop_repetition_loops(words: list[Word], *, max_ngram: int = 3, min_repeats: int = 4,
                          max_long_ngram: int = 16, long_repeats: int = 3) -> list[Word]:
    """``words`` without recogniser loops: an n-gram (n ≤ ``max_ngram``) said ``min_repeats``
    or more times in a row ("sorry, I'm sorry, I'm sorry, …"; one more for single words), or
    a longer one (n ≤ ``max_long_ngram``) said ``long_repeats`` times ("I'm going to be able
    to do it, but" over and over, heard in noise where a person read something else).

    Whisper falls into such loops on noisy or music-laden windows; its stock remedy (resampling
    at higher temperatures) is random. Dropping the loop leaves a gap without words, which the
    gap filler recognises again on its own, deterministically.
    """
    keys = [_norm(w.text) for w in words]
    drop = [False] * len(words)
    i = 0
    while i < len(words):
        best = 0  # words covered by a loop starting at i
        for n in range(1, max(max_ngram, max_long_ngram) + 1):
            gram = keys[i:i + n]
            if len(gram) < n or not all(gram):
                break
            reps = 1
            while keys[i + reps * n: i + (reps + 1) * n] == gram:
                reps += 1
            need = (min_repeats + (1 if n == 1 else 0) if n <= max_ngram else long_repeats)
            if reps >= need:
                best = max(best, reps * n)
        if best:
            drop[i:i + best] = [True] * best
            i += best
        else:
            i += 1
    return [w for w, d in zip(words, drop, strict=True) if not d]


COMPRESSION_LIMIT = 2.4
"""A decoded window whose text compresses (gzip) more than this ratio repeats itself: Whisper's
own test for a failed decode ("Thank you so much for watching this video, I hope you enjoyed
this video, I hope you liked …" over 22 s of noisy speech read 11.8). With sampling fallback
off, such a window's words are dropped and the stretch is recognised again on its own."""


def _segment_words(segment: Any, *, offset: float) -> list[Word]:
    """The non-blank words of one recogniser segment, ``offset`` seconds added to their times
    (none when its window failed the `COMPRESSION_LIMIT` test)."""
    ratio = getattr(segment, "compression_ratio", None)
    if ratio is not None and float(ratio) > COMPRESSION_LIMIT:
        return []
    return [Word(text=text, start=float(w.start) + offset, end=float(w.end) + offset,
                 probability=float(w.probability))
            for w in segment.words or [] if (text := str(w.word).strip())]


GAP_PIECE_SEC = 10.0
"""A long stretch without words is recognised again in pieces of about this length, cut at
its quietest points, seconds: a 30 s window of noisy speech the recogniser failed on (and
whose words were dropped) tends to fail again whole, a shorter one less."""


def _fill_gaps(whisper: Any, samples: np.ndarray, words: list[Word], *, language: str,
               opts: TranscribeOptions) -> list[Word]:
    """Recognise again, on their own, stretches without words that hold speech.

    A stretch holds speech when at least a fifth of its 20 ms frames lie 6 dB above the
    file's quiet level (10th percentile of all frames). It is recognised in pieces of about
    `GAP_PIECE_SEC`; new words are kept only inside it.
    """
    if opts.gap_fill_sec <= 0 or len(samples) < SAMPLE_RATE:
        return words
    db = level_db(frame_power(samples, hop_sec=0.02))
    quiet = float(np.percentile(db, 10))
    duration = len(samples) / SAMPLE_RATE
    edges = [0.0] + [t for w in words for t in (w.start, w.end)] + [duration]
    out = list(words)
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a < opts.gap_fill_sec:
            continue
        seg = db[int(a * 50): int(b * 50)]
        if len(seg) == 0 or np.mean(seg > quiet + 6.0) < 0.2:
            continue
        lo, hi = max(0, int((a - 0.1) * SAMPLE_RATE)), int((b + 0.1) * SAMPLE_RATE)
        found = []
        for p, q in chunk_bounds(samples[lo:hi], chunk_sec=GAP_PIECE_SEC, search_sec=3.0):
            segments, _ = whisper.transcribe(
                samples[lo + p:lo + q], language=language, beam_size=opts.beam_size,
                word_timestamps=True, condition_on_previous_text=False,
                vad_filter=opts.vad_filter, temperature=list(opts.temperatures))
            offset = (lo + p) / SAMPLE_RATE
            found += [w for seg_ in segments for w in _segment_words(seg_, offset=offset)
                      if w.start >= a - 0.05 and w.end <= b + 0.05]
        out += drop_repetition_loops(found)
    out.sort(key=lambda w: (w.start, w.end))
    return out


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
    if opts.vad_filter:
        verify_vad_weights()
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
            vad_filter=opts.vad_filter, temperature=list(opts.temperatures))
        if lang is None:
            lang = str(info.language or "en")
        for seg in segments:
            words += _segment_words(seg, offset=offset)
            report(progress, "transcribe", (offset + float(seg.end)) / max(duration, 1e-9),
                   "recognising speech")
    words = drop_repetition_loops(words)
    words = _fill_gaps(whisper, samples, words, language=lang or "en", opts=opts)
    report(progress, "transcribe", 1.0, "speech recognised")
    return Transcript(words=words, language=lang or "en", duration_sec=duration,
                      chunks=[(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in bounds],
                      elapsed_sec=time.perf_counter() - t0)
