"""The bench corpus: truth from the synthesis, readings, delivery formats."""

from __future__ import annotations

import itertools

import pytest

from postprod.align.operation import load_audio
from postprod.research import speech_corpus as corpus
from postprod.research.speech_corpus import ItemSpec, build_item


def test_a_script_read_twice_is_timed_twice_and_delivered_as_mp3_when_long(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two readings of two paragraphs, the second starting one paragraph on: the request's
    script holds both readings, every scene's truth follows the last, and past `MP3_SEC` the
    narration is written as MP3 that decodes to the item's length."""
    monkeypatch.setattr(corpus, "MP3_SEC", 5.0)
    spec = ItemSpec("twice", ("test", 0, 2), "en-us", 180, "clean", False, (4, 8), 7,
                    readings=2)
    item = build_item(spec, tmp_path)
    assert item.audio_path.suffix == ".mp3"
    p0, p1 = corpus.TEST_PARAGRAPHS[0], corpus.TEST_PARAGRAPHS[1]
    assert item.request["narrationText"] == "\n\n".join([p0, p1, p1, p0])
    truth = item.true_starts_ms
    assert truth[0] == 0 and all(b > a for a, b in itertools.pairwise(truth))
    assert truth[-1] < item.duration_sec * 1000
    decoded = load_audio(item.audio_path, tier="enterprise")
    assert decoded.duration_sec == pytest.approx(item.duration_sec, abs=0.1)


def test_the_baseline_is_greedy_exact_matching_from_the_first_scene() -> None:
    """The baseline row: scene 0 at 0 (never searched), each later cue verbatim after the
    previous match, at its first heard word's start; a cue heard only later in the file sends
    it there, and it does not come back (the failure it stands for)."""
    from postprod.align.operation import parse_request
    from postprod.align.transcribe import Transcript, Word
    from postprod.research.corpus_evaluation import baseline_starts_ms

    text = ("at first light the valley filled . the apples were wet . "
            "the ones that lived grew . at first light the apples were wet")
    words = [Word(text=w, start=k * 0.5, end=k * 0.5 + 0.4, probability=1.0)
             for k, w in enumerate(text.split())]
    tr = Transcript(words=words, language="en", duration_sec=len(words) * 0.5)
    req = parse_request({"scenes": [
        {"startCueText": "At first light", "anchorText": "the valley"},
        {"startCueText": "The apples were wet", "anchorText": "the apples"},
        {"startCueText": "At first light", "anchorText": "apples"},
        {"startCueText": "The ones that lived", "anchorText": "grew"}]})
    # Scene 2's cue is heard again only at the end: the search jumps there, and scene 3
    # (heard at 6.5 s) is then behind it and lost.
    assert baseline_starts_ms(tr, req) == [0, 3500, 9000, None]
