"""A breath before a sentence: the energy onset rises on it, the voicing check moves the cut to
the word (real tiny.en transcription of espeak narration with a breath-like noise burst)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from postprod.align import AlignOptions, parse_request, place_scenes
from postprod.align.onset import energy_envelope, find_onset
from postprod.align.voicing import breath_onset, periodicity, voicing_start
from postprod.research.speech_corpus import speech_onset, synthesize

pytestmark = pytest.mark.model

FIRST = "The lighthouse keeper climbed the stairs before dawn."
SECOND = "Many ships had passed the rocks in the night."
BREATH_SEC = 0.38
GAP_SEC = 0.07
RATE = 16_000


def _say(text: str) -> np.ndarray:
    import librosa

    return np.asarray(librosa.resample(synthesize(text, voice="en-us", wpm=165),
                                       orig_sr=22_050, target_sr=RATE), dtype=np.float32)


def _breath(n: int, level: float, rng: np.random.Generator) -> np.ndarray:
    """Band-limited noise (0.3-5 kHz) under a rise-and-fall envelope, at RMS ``level``."""
    from scipy.signal import butter, sosfilt

    sos = butter(4, [300, 5000], btype="band", fs=RATE, output="sos")
    x = np.asarray(sosfilt(sos, rng.standard_normal(n)), dtype=np.float64) * np.hanning(n)
    return np.asarray(x / max(float(np.sqrt(np.mean(np.square(x)))), 1e-12) * level,
                      dtype=np.float32)


@pytest.fixture(scope="module")
def breathy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, float]:
    """Narration: sentence, 0.8 s pause, a breath, 70 ms of silence, sentence. Returns the
    path, the breath's start and the second sentence's onset, seconds."""
    rng = np.random.default_rng(3)
    a = _say(FIRST)
    b = _say(SECOND)
    level = float(np.sqrt(np.mean(np.square(a[np.abs(a) > 0.01]))))
    lead = np.zeros(int(RATE * 0.4), np.float32)
    pause = np.zeros(int(RATE * 0.8), np.float32)
    breath = _breath(int(RATE * BREATH_SEC), level * 0.1, rng)
    gap = np.zeros(int(RATE * GAP_SEC), np.float32)
    audio = np.concatenate([lead, a, pause, breath, gap, b, np.zeros(RATE // 2, np.float32)])
    breath_at = (len(lead) + len(a) + len(pause)) / RATE
    onset = breath_at + (len(breath) + len(gap) + speech_onset(b)) / RATE
    path = tmp_path_factory.mktemp("breath") / "breath.wav"
    sf.write(str(path), audio, RATE, subtype="PCM_16")
    return path, breath_at, onset


def test_a_breath_is_unvoiced_and_speech_is_voiced(breathy: tuple[Path, float, float]) -> None:
    path, breath_at, onset = breathy
    x, _ = sf.read(str(path), dtype="float32")
    assert float(np.max(periodicity(x, start_sec=breath_at + 0.05,
                                    end_sec=breath_at + BREATH_SEC - 0.1))) < 0.6
    assert voicing_start(x, start_sec=onset, end_sec=onset + 0.15) is not None  # "Many"
    env = energy_envelope(x)
    rough = find_onset(env, onset, lo=breath_at - 0.7, hi=onset + 2.0)
    assert rough is not None and abs(rough.time - breath_at) < 0.1  # rose on the breath
    fixed = breath_onset(x, env, rough, hi=onset + 2.0)
    assert fixed is not None and abs(fixed.onset_sec - onset) < 0.05


def test_the_cut_after_a_breath_is_placed_at_the_word(
        breathy: tuple[Path, float, float]) -> None:
    """Cues only and with narrationText: within 100 ms of the word's onset, not on the
    breath; with the check off the same cut lands on the breath."""
    from postprod.align import transcribe_words
    from postprod.media.audio import decode_audio

    path, _, onset = breathy
    decoded = decode_audio(path)
    words = transcribe_words(decoded.samples, model="tiny.en", language="en")
    request = {"languageCode": "en", "scenes": [
        {"id": "keeper", "startCueText": "The lighthouse keeper climbed",
         "anchorText": "the stairs before dawn"},
        {"id": "ships", "startCueText": "Many ships had passed",
         "anchorText": "the rocks in the night"}]}
    for narration in (None, f"{FIRST} {SECOND}"):
        req = dict(request, **({"narrationText": narration} if narration else {}))
        placed = place_scenes(words, decoded.samples, parse_request(req), model="tiny.en")
        assert abs(placed.scenes[1].time_sec - onset) <= 0.1
        off = place_scenes(words, decoded.samples, parse_request(req), model="tiny.en",
                           options=AlignOptions(breath_check=False))
        assert off.scenes[1].time_sec < onset - 0.3


@pytest.fixture(scope="module")
def hesitant(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, float]:
    """Narration: sentence, 1.2 s pause, "uh", 1.0 s pause, sentence. Returns the path, the
    filler's onset and the onset of the sentence after it, seconds."""
    a, uh, b = _say(FIRST), _say("uh"), _say("So the ships came home at last.")
    pieces = [np.zeros(int(RATE * 0.4), np.float32), a, np.zeros(int(RATE * 1.2), np.float32)]
    at = sum(len(p) for p in pieces)
    filler = (at + speech_onset(uh)) / RATE
    pieces += [uh, np.zeros(int(RATE * 1.0), np.float32)]
    onset = (sum(len(p) for p in pieces) + speech_onset(b)) / RATE
    pieces += [b, np.zeros(RATE // 2, np.float32)]
    path = tmp_path_factory.mktemp("filler") / "filler.wav"
    sf.write(str(path), np.concatenate(pieces), RATE, subtype="PCM_16")
    return path, filler, onset


def test_a_scene_opening_with_an_unheard_filler_starts_at_the_filler(
        hesitant: tuple[Path, float, float]) -> None:
    """The recogniser leaves "uh" out (its word, if written, is removed): a scene whose opening
    words start with it is cut at the filler, not after the pause that follows it; the same
    scene without the filler in its cue is cut at "So"."""
    from dataclasses import replace

    from postprod.align import transcribe_words
    from postprod.media.audio import decode_audio

    path, filler, onset = hesitant
    decoded = decode_audio(path)
    words = transcribe_words(decoded.samples, model="tiny.en", language="en")
    words = replace(words, words=[w for w in words.words
                                  if not (filler - 0.3 < w.start < onset - 0.3)])

    def cut(cue: str, narration: str | None) -> float:
        req: dict[str, object] = {"languageCode": "en", "scenes": [
            {"id": "keeper", "startCueText": "The lighthouse keeper climbed",
             "anchorText": "the stairs before dawn"},
            {"id": "home", "startCueText": cue, "anchorText": "came home at last"}]}
        if narration:
            req["narrationText"] = narration
        # Without the acoustic search, which finds a loosely matched cue's phonemes on its
        # own: the filler rule alone is under test.
        return place_scenes(words, decoded.samples, parse_request(req), model="tiny.en",
                            options=AlignOptions(acoustic_search=False)).scenes[1].time_sec

    for narration in (None, f"{FIRST} Uh, so the ships came home at last."):
        assert abs(cut("uh, so the ships", narration) - filler) <= 0.1
    assert abs(cut("So the ships came", None) - onset) <= 0.1
