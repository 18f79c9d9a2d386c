"""The bench corpus: truth from the synthesis, readings, delivery formats."""

from __future__ import annotations

import itertools

import pytest

from postprod.align import corpus
from postprod.align.corpus import ItemSpec, build_item
from postprod.align.operation import load_audio


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
