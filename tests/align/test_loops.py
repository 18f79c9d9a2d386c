"""Recogniser repetition loops are dropped; ordinary repetition stays."""

from __future__ import annotations

from postprod.align.transcribe import Word, drop_repetition_loops


def _words(text: str) -> list[Word]:
    return [Word(text=t, start=i * 0.3, end=i * 0.3 + 0.2, probability=0.9)
            for i, t in enumerate(text.split())]


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def test_a_two_word_loop_goes_and_the_speech_around_it_stays() -> None:
    words = _words("along the mountain. " + "sorry, I'm " * 12 + "The new trees are still")
    assert _text(drop_repetition_loops(words)) == "along the mountain. The new trees are still"


def test_single_word_and_three_word_loops() -> None:
    assert _text(drop_repetition_loops(_words("a 7. 7. 7. 7. 7. 7. b"))) == "a b"
    assert _text(drop_repetition_loops(_words("x " + "one two three " * 4 + "y"))) == "x y"


def test_a_long_phrase_looped_three_times_goes() -> None:
    loop = "I'm going to be able to do it, but "
    words = _words("Clasp the screw. " + loop * 3 + "Which church do the")
    assert _text(drop_repetition_loops(words)) == "Clasp the screw. Which church do the"
    twice = "Clasp the screw. " + loop * 2 + "Which church"
    assert _text(drop_repetition_loops(_words(twice))) == twice.strip()


def test_what_a_narrator_repeats_is_kept() -> None:
    kept = ("No, no, no, she said. The trees need her, the trees need her more than you do. "
            "Far, far away, far, far away.")
    assert _text(drop_repetition_loops(_words(kept))) == kept


def test_a_window_whose_text_repeats_itself_gives_no_words() -> None:
    """Whisper's own failed-decode test: a window compressing more than 2.4× (a varied loop
    the n-gram test misses) contributes no words; an ordinary one keeps them."""
    from types import SimpleNamespace

    from postprod.align.transcribe import COMPRESSION_LIMIT, _segment_words

    said = [SimpleNamespace(word=" Thank", start=0.0, end=0.3, probability=0.9),
            SimpleNamespace(word=" you", start=0.3, end=0.5, probability=0.9)]
    ok = SimpleNamespace(words=said, compression_ratio=1.7)
    looped = SimpleNamespace(words=said, compression_ratio=COMPRESSION_LIMIT + 9.0)
    assert [w.text for w in _segment_words(ok, offset=10.0)] == ["Thank", "you"]
    assert _segment_words(ok, offset=10.0)[0].start == 10.0
    assert _segment_words(looped, offset=10.0) == []
