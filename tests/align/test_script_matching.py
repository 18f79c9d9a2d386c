"""Pure matching: fuzzy phrase search, the joint monotonic choice, the script↔heard map."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from postprod.align.script_matching import (
    Candidate,
    PhraseIndex,
    align_phrase,
    choose_monotonic,
    map_script,
)


def toks(text: str) -> list[str]:
    return text.split()


HEARD = toks("at first light the valley filled with mist and anna walked down to the orchard "
             "at first light the next day the storm had passed")


def test_search_finds_misheard_phrase_and_its_first_word() -> None:
    index = PhraseIndex(HEARD)
    found = index.search(toks("ana walked down to"), min_score=0.6, top_k=3)
    assert found and found[0].pos == HEARD.index("anna")
    assert found[0].score > 0.8


def test_search_steps_back_over_an_unheard_first_word() -> None:
    heard = toks("the apples lay everywhere bruised")
    found = PhraseIndex(heard).search(toks("fresh apples lay everywhere"), min_score=0.6,
                                      top_k=1)
    assert found[0].pos == 1 and found[0].lead_chars == len("fresh ")


def test_repeated_opening_goes_to_the_right_scene() -> None:
    index = PhraseIndex(HEARD)
    cues = [toks("at first light the valley"), toks("anna walked down"),
            toks("at first light the")]
    anchors = [toks("filled with mist"), toks("the orchard"), toks("the storm had passed")]
    cands = [index.search(c, min_score=0.6, top_k=4) for c in cues]
    anchor_places = [index.search(a, min_score=0.6, top_k=4, basis="anchor") for a in anchors]
    chosen = choose_monotonic(cands, anchor_places)
    second = len(HEARD) - HEARD[::-1].index("first") - 2  # the second "at first light"
    assert [c.pos if c else None for c in chosen] == [0, HEARD.index("anna"), second]


def test_a_missing_cue_does_not_shift_the_others() -> None:
    index = PhraseIndex(HEARD)
    cues = [toks("at first light"), toks("completely unrelated words here"),
            toks("the storm had passed")]
    chosen = choose_monotonic([index.search(c, min_score=0.6, top_k=4) for c in cues],
                              [[], [], []])
    assert chosen[0] is not None and chosen[1] is None and chosen[2] is not None
    assert chosen[2].pos == HEARD.index("storm") - 1


@given(st.lists(st.lists(st.tuples(st.integers(0, 50), st.floats(0.0, 1.0)), max_size=4),
                min_size=1, max_size=8))
def test_choice_is_strictly_increasing_and_from_the_candidates(
        raw: list[list[tuple[int, float]]]) -> None:
    cands = [[Candidate(pos=p, end=p + 1, score=s) for p, s in scene] for scene in raw]
    chosen = choose_monotonic(cands, [[] for _ in raw])
    positions = [c.pos for c in chosen if c is not None]
    assert positions == sorted(set(positions))
    for c, scene in zip(chosen, cands, strict=True):
        assert c is None or c in scene
        assert c is None or c.score > 0.5  # only candidates that add evidence


def test_align_phrase_pairs_similar_words_only() -> None:
    pairs = align_phrase(toks("anna knew every one of"), toks("barn and everyone of them"))
    assert (0, 0) not in [p[:2] for p in pairs]  # anna is not barn
    assert (0, 1) in [p[:2] for p in pairs]  # anna was heard as "and"
    assert (4, 3) in [p[:2] for p in pairs]


def test_map_script_survives_insertions_skips_and_mishearing() -> None:
    script = toks("a branch as thick as a mans leg had fallen across the path")
    heard = toks("chapter two a branch is thick as a mans leg across the path")
    tmap = map_script(script, heard)
    assert tmap.target[0] == 2 and heard[tmap.target[1]] == "branch"
    assert tmap.target[script.index("had")] == -1  # skipped by the narrator
    assert heard[tmap.target[script.index("path")]] == "path"
    assert 0.0 <= tmap.support(0) <= 1.0


def test_an_anchor_found_scene_starts_where_its_misheard_cue_was_heard() -> None:
    """Cue "they filled every bottle" heard as "a film every model"; the anchor "jar the cellar"
    is found. The scene starts at that earlier sentence start, not at the pause after the comma
    nearest the anchor; an unrelated earlier sentence start is never taken."""
    import numpy as np

    from postprod.align.placement import _start_before_anchor

    heard = toks("into cider and juice a film every model in the house and an every jar the "
                 "sellers smelled of apples")
    index = PhraseIndex(heard)
    starts = np.zeros(len(heard), dtype=bool)
    starts[[0, 4, 11]] = True  # after "juice." and after a pause behind "house,"
    anchor_pos = heard.index("jar")
    cue = toks("they filled every bottle")
    assert _start_before_anchor(index, cue, anchor_pos, starts) == 4
    assert _start_before_anchor(index, toks("nobody wrote it down"), anchor_pos, starts) == 11
    assert _start_before_anchor(index, cue, anchor_pos, starts, reach=5) == 11


def test_a_script_cue_mapped_to_a_repeated_word_settles_on_the_phrase() -> None:
    """Script "…wild lawn. In summer, blackberries…" heard as "wild lawn in. In summer,
    blackberry": the map paired the script's "in" with the extra "in"; the cue starts one
    heard token later. A heard phrase that already matches stays; a worse or unrelated
    neighbour never wins."""
    from postprod.align.placement import _settle_on_phrase

    heard = toks("and wild lawn in in summer blackberry ripen were passing")
    phrase = toks("in summer blackberries")
    assert _settle_on_phrase(heard, 3, phrase) == 4
    assert _settle_on_phrase(heard, 4, phrase) == 4
    walkers = toks("after the film walkers stop their feet their sandwiches")
    assert _settle_on_phrase(walkers, 3, toks("walkers stop there")) == 3
    anna = toks("what he had asked for anakin the orchard and tomaskets")
    assert _settle_on_phrase(anna, 5, toks("anna kept the")) == 5
    assert _settle_on_phrase(heard, 0, toks("nobody wrote it")) == 0
