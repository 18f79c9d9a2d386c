"""Narration splitting, monotonic segmentation and cue rules (pure functions)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from postprod.describe.narration import (
    TextSpan,
    anchor,
    assign_cues,
    opener_scores,
    segment,
    split_sentences,
    split_units,
    start_cue,
)
from postprod.describe.wording import cap_words

TEXT = ("Dr. Smith opens the lab at dawn. The coffee is ready! Is the cat awake?\n\n"
        "Outside, the rocket waits, fuelled and silent; nobody speaks.")


def test_sentences_keep_abbreviations_and_paragraphs() -> None:
    parts = [s.text(TEXT) for s in split_sentences(TEXT)]
    assert parts == ["Dr. Smith opens the lab at dawn.", "The coffee is ready!",
                     "Is the cat awake?",
                     "Outside, the rocket waits, fuelled and silent; nobody speaks."]


def test_units_split_clauses_when_scenes_outnumber_sentences() -> None:
    units = split_units(TEXT, count=6)
    assert len(units) == 6
    assert all(TEXT[u.start:u.end].strip() == TEXT[u.start:u.end] for u in units)
    assert [u.start for u in units] == sorted(u.start for u in units)
    assert all(a.end <= b.start for a, b in itertools.pairwise(units))


def test_affinity_moves_the_boundary() -> None:
    lengths = [30, 30, 30, 30]
    aff = np.zeros((2, 4))
    aff[1, 1] = 1.0  # scene 1 is named in unit 1
    assert segment(aff, lengths) == [(0, 1), (1, 4)]
    assert segment(np.zeros((2, 4)), lengths) == [(0, 2), (2, 4)]  # length prior alone


def test_opener_scores_mark_transitions_and_continuations() -> None:
    units = ["Weeks later, the crew returned.", "Two years after the fire, nothing grew.",
             "Years of training led here.", "She smiles.", "Its engines roar.",
             "That night the moon rose.", "That is all.", "A dog barks.", "Und dann?"]
    assert opener_scores(units) == [1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 0.0, 0.0, -1.0]


def test_opener_prior_moves_a_boundary_the_affinity_leaves_open() -> None:
    lengths = [30, 30, 30, 30]
    flat = np.zeros((2, 4))
    assert segment(flat, lengths) == [(0, 2), (2, 4)]
    # unit 2 continues ("She ...") and unit 3 opens a new scene ("Later, ...")
    assert segment(flat, lengths, openers=[0.0, 0.0, -1.0, 1.0]) == [(0, 3), (3, 4)]
    # the first scene's start is fixed at unit 0: its opener counts for nothing
    assert segment(flat, lengths, openers=[-1.0, 0.0, 0.0, 0.0]) == [(0, 2), (2, 4)]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), extra=st.integers(0, 8), seed=st.integers(0, 10_000))
def test_segmentation_is_ordered_contiguous_and_complete(n: int, extra: int, seed: int) -> None:
    u = n + extra
    rng = np.random.default_rng(seed)
    spans = segment(rng.normal(size=(n, u)), rng.integers(5, 80, size=u).tolist())
    assert len(spans) == n and spans[0][0] == 0 and spans[-1][1] == u
    assert all(a < b for a, b in spans)
    assert all(spans[i][1] == spans[i + 1][0] for i in range(n - 1))


@settings(max_examples=40, deadline=None)
@given(words=st.lists(st.sampled_from(["the", "cat", "sat,", "on", "a", "mat.", "Then",
                                       "rocket", "flew!", "far"]), min_size=3, max_size=60),
       n=st.integers(1, 5), seed=st.integers(0, 999))
def test_cues_obey_the_contract_rules(words: list[str], n: int, seed: int) -> None:
    text = " ".join(words)
    units = split_units(text, count=n)
    rng = np.random.default_rng(seed)
    cues = assign_cues(text, rng.normal(size=(n, len(units))),
                       [[None] * len(units) for _ in range(n)], units=units, max_chars=40)
    last = 0
    for cue in cues:
        if cue is None:
            continue
        assert cue.anchor_text and cue.start_cue_text
        assert cue.anchor_text.startswith(cue.start_cue_text)
        assert len(cue.anchor_text) <= 40
        pos = text.find(cue.anchor_text, last)
        assert pos >= last  # verbatim, in order, no overlap
        last = pos + len(cue.anchor_text)
    if len(units) >= n:
        assert all(c is not None for c in cues)


def test_start_cue_is_a_short_unique_prefix() -> None:
    text = "The cat sat on the mat. The cat sat on the sofa later that day."
    spans = split_sentences(text)
    first = start_cue(text, spans[1])
    assert text[spans[1].start:].startswith(first)
    assert 3 <= len(first.split()) <= 6 and text.count(first) == 1
    assert not first.endswith(("the", ","))


def test_anchor_cuts_at_a_word_boundary() -> None:
    text = "alpha beta gamma delta epsilon"
    cut = anchor(text, TextSpan(0, len(text)), max_chars=14)
    assert cut == "alpha beta" and text.startswith(cut)


def test_cap_words_never_cuts_mid_word() -> None:
    text = "one two three four five six seven"
    assert cap_words(text, max_words=3) == "one two three…"
    capped = cap_words(text, max_chars=12)
    assert len(capped) <= 12 and capped.rstrip("…") in ("one two", "one two three")
    assert cap_words("short", max_words=3) == "short"
