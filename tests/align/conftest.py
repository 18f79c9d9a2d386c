"""Narration made in the test (espeak-ng), its truth, and one shared tiny.en transcription."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from postprod.research.speech_corpus import RATE, speech_onset, synthesize

SENTENCES = [
    "At first light the valley filled with mist.",
    "Anna walked down to the orchard with a basket on her arm.",
    "The apples were wet and cold in the morning air.",
    "At first light the next day, the storm had passed.",
    "Seven trees were down, their roots torn out of the red soil.",
    "Neighbours arrived before noon with a tractor and a chain.",
]
PAUSES = [0.6, 0.9, 0.5, 1.4, 0.7]


@dataclass
class Narration:
    """A synthesised narration: file, script, true sentence onsets (ms)."""

    path: Path
    script: str
    onsets_ms: list[int]
    duration_sec: float


def make_narration(path: Path, sentences: list[str], pauses: list[float], *, voice: str = "en-us",
                   wpm: int = 165) -> Narration:
    pieces = [np.zeros(int(RATE * 0.4), np.float32)]
    pos = len(pieces[0])
    onsets = []
    for k, s in enumerate(sentences):
        if k:
            z = np.zeros(int(RATE * pauses[k - 1]), np.float32)
            pieces.append(z)
            pos += len(z)
        x = synthesize(s, voice=voice, wpm=wpm)
        onsets.append(round((pos + speech_onset(x)) * 1000 / RATE))
        pieces.append(x)
        pos += len(x)
    audio = np.concatenate(pieces)
    sf.write(str(path), audio, RATE, subtype="PCM_16")
    return Narration(path=path, script=" ".join(sentences), onsets_ms=onsets,
                     duration_sec=len(audio) / RATE)


@pytest.fixture(scope="session")
def narration(tmp_path_factory: pytest.TempPathFactory) -> Narration:
    """Six sentences; sentences 0 and 3 open with the same words."""
    path = tmp_path_factory.mktemp("narration") / "narration.wav"
    return make_narration(path, SENTENCES, PAUSES)


def scene_request(*, narration_text: str | None = None, offset: int = 0) -> dict:
    """Four scenes starting at sentences 0, 1, 3, 5 (scene 2 opens like scene 0)."""
    scenes = [
        {"id": "mist", "startCueText": "At first light the valley",
         "anchorText": "At first light the valley filled with mist."},
        {"id": "orchard", "startCueText": "Anna walked down to",
         "anchorText": "the orchard with a basket"},
        {"id": "storm", "startCueText": "At first light the",
         "anchorText": "the storm had passed"},
        {"id": "help", "startCueText": "Neighbours arrived before noon",
         "anchorText": "with a tractor and a chain"},
    ]
    req: dict = {"scenes": scenes, "startOffsetMs": offset, "languageCode": "en"}
    if narration_text is not None:
        req["narrationText"] = narration_text
    return req


SCENE_SENTENCE = [0, 1, 3, 5]
"""Sentence index each scene of `scene_request` starts at."""


@pytest.fixture(scope="session")
def transcript(narration: Narration):  # type: ignore[no-untyped-def]
    """The real tiny.en transcription of `narration`, shared by the placement tests."""
    from postprod.align import transcribe_words
    from postprod.media.audio import decode_audio

    decoded = decode_audio(narration.path)
    return transcribe_words(decoded.samples, model="tiny.en", language="en"), decoded
