"""Acoustic evidence: the envelope, pauses with noise blips, words that swallowed a pause."""

from __future__ import annotations

import itertools

import numpy as np

from postprod.align.heard import speech_rate, word_start
from postprod.align.onset import HOP_SEC, Envelope, energy_envelope, find_onset
from postprod.align.options import AlignOptions
from postprod.align.transcribe import Transcript, Word

RATE = 16_000


def burst_signal(onsets: list[tuple[float, float]], seconds: float, *, noise: float = 0.002,
                 seed: int = 0) -> np.ndarray:
    """Noise floor with loud 200 Hz bursts over the given (start, end) spans."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    x = rng.standard_normal(len(t)).astype(np.float32) * noise
    for a, b in onsets:
        span = (t >= a) & (t < b)
        x[span] += 0.3 * np.sin(2 * np.pi * 200 * t[span]).astype(np.float32)
    return x


def test_onset_is_the_end_of_the_pause_near_the_rough_start() -> None:
    x = burst_signal([(0.2, 1.5), (2.3, 3.5)], 4.0)
    env = energy_envelope(x)
    assert len(env.db) == len(x) // int(RATE * HOP_SEC)
    onset = find_onset(env, 2.05, lo=0.0, hi=4.0)  # the recogniser's early start
    assert onset is not None
    assert abs(onset.time - 2.3) <= 0.015
    assert abs(onset.pause_start - 1.5) <= 0.03


def test_a_short_noise_blip_does_not_split_the_pause() -> None:
    """A 15 ms click 0.4 s into the pause is not where speech resumes."""
    x = burst_signal([(0.2, 1.5), (1.9, 1.915), (2.3, 3.5)], 4.0)
    onset = find_onset(energy_envelope(x), 2.1, lo=0.0, hi=4.0)
    assert onset is not None and abs(onset.time - 2.3) <= 0.015


def test_a_plosive_burst_before_its_vowel_is_speech() -> None:
    """A 15 ms burst 40 ms before the vowel belongs to the word."""
    x = burst_signal([(0.2, 1.5), (2.26, 2.275), (2.315, 3.5)], 4.0)
    onset = find_onset(energy_envelope(x), 2.1, lo=0.0, hi=4.0)
    assert onset is not None and abs(onset.time - 2.26) <= 0.015


def test_onset_reports_the_local_snr_of_speech_over_the_pause() -> None:
    """Ten times the noise under the pause is 20 dB less local SNR at the same onset."""
    snr = []
    for noise in (0.0002, 0.002):
        x = burst_signal([(0.2, 1.5), (2.3, 3.5)], 4.0, noise=noise)
        onset = find_onset(energy_envelope(x), 2.05, lo=0.0, hi=4.0)
        assert onset is not None and abs(onset.time - 2.3) <= 0.015
        snr.append(onset.snr_db)
    assert snr[1] > 10.0
    assert abs((snr[0] - snr[1]) - 20.0) <= 2.0


def test_no_pause_no_onset() -> None:
    env = Envelope(db=np.full(800, -20.0, dtype=np.float32))
    assert find_onset(env, 2.0, lo=0.0, hi=4.0) is None


def test_a_word_that_swallowed_a_pause_starts_near_its_end() -> None:
    words = [Word(text=t, start=s, end=e, probability=1.0) for t, s, e in [
        ("the", 0.0, 0.2), ("river", 0.2, 0.55), ("rose.", 0.55, 0.9),
        ("Then", 0.9, 2.2), ("it", 2.2, 2.35), ("fell", 2.35, 2.65)]]
    tr = Transcript(words=words, language="en", duration_sec=3.0)
    opts = AlignOptions()
    rate = speech_rate(tr, opts)
    assert 0.05 < rate < 0.1
    assert word_start(words[3], rate=rate, opts=opts) == 2.2 - 5 * rate
    assert word_start(words[1], rate=rate, opts=opts) == 0.2
    assert speech_rate(tr, AlignOptions(seconds_per_char=0.08)) == 0.08


def test_a_first_word_hung_on_the_previous_sentence_is_found_after_the_pause() -> None:
    """Heard: "…the square. There | was (stretched over a 1.5 s pause) | cheese…" — the scene's
    first word sits before the pause, its second swallowed it; the cut is the onset after the
    pause, 1.5 s after the heard start, not the heard start itself."""
    from postprod.align.operation import parse_request
    from postprod.align.placement import place_scenes

    x = burst_signal([(0.2, 4.5), (6.0, 8.0)], 9.0)
    words = [Word(text=t, start=s, end=e, probability=1.0) for t, s, e in [
        ("The", 0.2, 0.5), ("stalls", 0.5, 1.1), ("filled", 1.1, 1.6), ("the", 1.6, 1.8),
        ("whole", 1.8, 2.2), ("market", 2.2, 2.7), ("in", 2.7, 2.9), ("the", 2.9, 3.1),
        ("old", 3.1, 3.5), ("town", 3.5, 4.0), ("square.", 4.0, 4.5), ("There", 4.5, 4.74),
        ("was", 4.74, 6.5), ("cheese", 6.5, 6.9), ("wrapped", 6.9, 7.3), ("in", 7.3, 7.5),
        ("leaves.", 7.5, 8.0)]]
    tr = Transcript(words=words, language="en", duration_sec=9.0)
    req = parse_request({"scenes": [
        {"startCueText": "The stalls filled", "anchorText": "the old town square"},
        {"startCueText": "There was cheese wrapped", "anchorText": "cheese wrapped in leaves"}]})
    placed = place_scenes(tr, energy_envelope(x), req, options=AlignOptions(
        calibrated_windows=False), model="tiny.en")
    cut = placed.scenes[1]
    assert cut.evidence_class == "cues:startCue:onset"
    assert abs(cut.time_sec - 6.0) <= 0.015


class _Recorder:
    """Stands in for the recogniser in `_fill_gaps`: records what it is asked to hear."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []

    def transcribe(self, audio: np.ndarray, **kwargs: object) -> tuple[list[object], object]:
        from types import SimpleNamespace

        self.calls.append((0.0, len(audio) / RATE))
        words = [SimpleNamespace(word=" hidden", start=0.5, end=0.9, probability=0.9),
                 SimpleNamespace(word=" outside", start=len(audio) / RATE + 1.0,
                                 end=len(audio) / RATE + 1.2, probability=0.9)]
        return [SimpleNamespace(words=words)], SimpleNamespace(language="en")


def test_a_skipped_stretch_with_speech_is_heard_again_and_silence_is_not() -> None:
    from postprod.align.transcribe import TranscribeOptions, _fill_gaps

    # Speech 0-2 s, silence 2-6 s, speech 6-12 s (the recogniser missed 6-10 s), speech 12-13 s.
    x = burst_signal([(0.0, 2.0), (6.0, 12.0), (12.3, 13.0)], 14.0)
    heard = [Word(text="a", start=0.1, end=1.9, probability=1.0),
             Word(text="b", start=10.0, end=11.9, probability=1.0),
             Word(text="c", start=12.3, end=13.0, probability=1.0)]
    rec = _Recorder()
    out = _fill_gaps(rec, x, heard, language="en", opts=TranscribeOptions())
    assert len(rec.calls) == 1  # 1.9-10.0 holds speech; 13.0-14.0 is too short
    assert [w.text for w in out] == ["a", "hidden", "b", "c"]
    assert 1.9 <= out[1].start < out[1].end <= 10.0
    silent_gap = [heard[0], Word(text="b", start=6.0, end=11.9, probability=1.0)]
    quiet = burst_signal([(0.0, 2.0), (6.0, 12.0)], 12.0)
    assert _fill_gaps(_Recorder(), quiet, silent_gap, language="en",
                      opts=TranscribeOptions()) == silent_gap
    assert _fill_gaps(rec, x, heard, language="en",
                      opts=TranscribeOptions(gap_fill_sec=0)) == heard


def test_long_audio_is_cut_in_pauses_and_fully_covered() -> None:
    from postprod.align.transcribe import chunk_bounds

    speech = [(k * 2.0 + 0.3, k * 2.0 + 1.6) for k in range(20)]  # pauses 1.6-2.3 s mod 2
    x = burst_signal(speech, 40.0)
    bounds = chunk_bounds(x, chunk_sec=10.0, search_sec=3.0)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(x)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert 3 <= len(bounds) <= 5
    for _, cut in bounds[:-1]:
        t = cut / RATE
        assert not any(a <= t <= b for a, b in speech), t  # never inside a word
    assert chunk_bounds(x[: 12 * RATE], chunk_sec=10.0, search_sec=3.0) == [(0, 12 * RATE)]
