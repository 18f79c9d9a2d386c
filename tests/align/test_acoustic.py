"""Scene openings the recogniser did not hear, found in the audio by the phoneme recogniser
(real tiny.en transcription of espeak narration, real hama weights)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from postprod.align import acoustic, parse_request, place_scenes
from postprod.align.placement import Placement
from postprod.align.transcribe import Transcript

from .conftest import SENTENCES, Narration, scene_request

pytestmark = pytest.mark.model


def _place(transcript: Transcript, decoded, request: dict, *, search: bool = True  # type: ignore[no-untyped-def]
           ) -> Placement:
    from postprod.align import AlignOptions

    return place_scenes(transcript, decoded.samples, parse_request(request), model="tiny.en",
                        options=AlignOptions(acoustic_search=search))


def _sentence_span(narration: Narration, k: int) -> tuple[float, float]:
    """(onset, next onset) of sentence ``k``, seconds."""
    end = (narration.onsets_ms[k + 1] / 1000 if k + 1 < len(narration.onsets_ms)
           else narration.duration_sec)
    return narration.onsets_ms[k] / 1000, end - 0.1


def test_a_skipped_opening_sentence_is_placed_from_the_script(transcript, narration) -> None:
    """The recogniser's words over scene 1's whole first sentence are removed (as when it
    skips a stretch): the script's own words, found acoustically, still place the cut."""
    words, decoded = transcript
    a, b = _sentence_span(narration, 1)
    kept = [w for w in words.words if not (w.end > a - 0.05 and w.start < b)]
    assert len(kept) < len(words.words) - 5
    skipped = replace(words, words=kept)
    req = scene_request(narration_text=" ".join(SENTENCES))
    placed = _place(skipped, decoded, req)
    p = placed.scenes[1]
    assert p.evidence_class.startswith("script:spotted")
    assert abs(p.time_sec * 1000 - narration.onsets_ms[1]) <= 100
    # Without the acoustic search the same cut is only stepped back from later words.
    blind = _place(skipped, decoded, req, search=False).scenes[1]
    assert not blind.evidence_class.startswith("script:spotted")


def _mishear(words: Transcript, narration: Narration, k: int, heard: list[str]) -> Transcript:
    """``words`` with the first len(heard) words of sentence ``k`` replaced by ``heard``."""
    a, b = _sentence_span(narration, k)
    idx = [i for i, w in enumerate(words.words) if a - 0.3 <= w.start < b][: len(heard)]
    assert len(idx) == len(heard)
    out = list(words.words)
    for i, text in zip(idx, heard, strict=True):
        out[i] = replace(out[i], text=text)
    return replace(words, words=out)


def test_a_misheard_cue_is_found_by_the_acoustic_search(transcript, narration) -> None:
    """Cues only: "Neighbours arrived before noon" heard as "No. No. No. No.": the cue is not
    in the transcript, the acoustic search finds it where it was said."""
    words, decoded = transcript
    misheard = _mishear(words, narration, 5, ["No.", "No.", "No.", "No."])
    placed = _place(misheard, decoded, scene_request())
    p = placed.scenes[3]
    assert p.basis == "startCue" and p.evidence_class.startswith("cues:spotted")
    assert abs(p.time_sec * 1000 - narration.onsets_ms[5]) <= 150


def test_the_window_widens_as_the_evidence_weakens(transcript, narration) -> None:
    """Heard cue < cue found acoustically < cue placed from its anchor alone."""
    words, decoded = transcript
    heard = _place(words, decoded, scene_request()).scenes[3]
    misheard = _mishear(words, narration, 5, ["No.", "No.", "No.", "No."])
    spotted = _place(misheard, decoded, scene_request()).scenes[3]
    by_anchor = _place(misheard, decoded, scene_request(), search=False).scenes[3]
    assert by_anchor.basis == "anchor"

    def width(p) -> float:  # type: ignore[no-untyped-def]
        return p.window_sec[1] - p.window_sec[0]

    assert width(heard) < width(spotted) < width(by_anchor)
    assert heard.confidence >= spotted.confidence >= by_anchor.confidence


def test_weights_whose_hash_differs_are_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from postprod.contract.errors import EngineUnavailable
    from postprod.models import weights

    acoustic._models.cache_clear()
    weights.reset_cache()
    name = "hama/asr_waveform.hama"
    monkeypatch.setitem(weights.WEIGHTS, name, replace(weights.WEIGHTS[name], sha256="0" * 64))
    try:
        with pytest.raises(EngineUnavailable, match=r"asr_waveform\.hama .* expected 0{64}"):
            acoustic._models()
    finally:
        acoustic._models.cache_clear()
