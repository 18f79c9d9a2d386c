"""Captions read on every image, and long narrations segmented where the story introduces
each image (real classifier, real tesseract, real sentence encoder)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from postprod.describe import describe_scenes
from postprod.describe.evidence import analyze_image
from postprod.describe.narration import (
    assign_cues,
    lead_mentions,
    opener_scores,
    paragraph_starts,
    segment,
    split_sentences,
    split_units,
    start_evidence,
)
from postprod.describe.narration_matching import text_keywords
from postprod.describe.onscreen_text import find_text_lines
from postprod.research.describe_bench import at_sentence_start, photo_rgb
from postprod.research.long_storyboards import (
    StoryImage,
    long_storyboards,
    parse_story,
    render_image,
    render_jpeg,
)


def test_a_caption_over_a_full_colour_background_is_read_and_quoted() -> None:
    # a colour and words the bench does not use
    card = StoryImage("harbour", "#0b6e4f", "Harbour Lights at Dawn", "field")
    resp = describe_scenes([render_jpeg(card)])
    assert "“Harbour Lights at Dawn”" in resp.data.scenes[0].description


def test_light_captions_on_a_band_and_over_a_photo_are_read() -> None:
    for image in (StoryImage("band", "rocket", "Launch Window Closing", "band"),
                  StoryImage("over", "brick", "Market Street", "overlay")):
        ev = analyze_image(render_image(image))
        assert ev.ocr_ran
        assert image.caption is not None
        assert ev.text.casefold().split() == image.caption.casefold().split()


def test_an_outlined_title_over_dark_and_light_parts_of_a_photo_is_read() -> None:
    # the title crosses a dark suit and a light sky: no one ground around the letters
    image = StoryImage("lagoon", "astronaut", "Crossing the Lagoon", "overlay")
    assert analyze_image(render_image(image)).text == "Crossing the Lagoon"


def test_small_serif_type_on_a_card_is_read_letter_for_letter() -> None:
    image = StoryImage("bandstand", "coffee", "Sunday at the Bandstand", "card")
    assert analyze_image(render_image(image)).text == "Sunday at the Bandstand"


def test_photos_without_text_start_no_ocr() -> None:
    for name in ("grass", "brick", "coffee", "chelsea", "hubble_deep_field", "coins",
                 "stereo_motorcycle", "astronaut"):
        assert find_text_lines(photo_rgb(name)) == [], name
    ev = analyze_image(photo_rgb("grass"))
    assert not ev.ocr_ran and ev.text == ""


LIGHTHOUSE = (
    "The old mill stood at the top of the village, and its wheel turned all day in the stream. "
    "The miller kept bags of flour stacked against the wall. Children came to watch the wheel "
    "after school.\n\n"
    "The miller had a daughter who wanted to go to sea. Every evening she walked down to the "
    "harbour and watched the boats come in. She counted them as they passed the breakwater.\n\n"
    "At the end of the breakwater stood the lighthouse, white and tall, with a red lamp room at "
    "the top. Its keeper was an old sailor who had lost a leg in a storm. He let her climb the "
    "steps and polish the great lens.\n\n"
    "From up there she could see the whole coast. The fishing boats looked like toys, and the "
    "village was only a handful of roofs. She decided that one day she would sail past every "
    "one of those headlands.\n\n"
    "Years later, when she came home as a captain, the first thing she looked for from the "
    "deck was the lighthouse at the end of the breakwater, and it was still there.")


def test_a_subject_named_twice_starts_at_the_mention_that_opens_its_passage() -> None:
    images = [render_jpeg(StoryImage("mill", "#6b4a2b", "The Old Mill", "field")),
              render_jpeg(StoryImage("lighthouse", "moon", "The Lighthouse", "band"))]
    resp = describe_scenes(images, {"narrationText": LIGHTHOUSE})
    scene = resp.data.scenes[1]
    assert scene.start_cue_text is not None and scene.anchor_text is not None
    first = LIGHTHOUSE.index("At the end of the breakwater stood")
    assert LIGHTHOUSE.find(scene.anchor_text) == first
    assert scene.cue_confidence is not None and 0.0 <= scene.cue_confidence <= 1.0
    assert resp.data.scenes[0].cue_confidence == 1.0


def test_the_next_subjects_first_mention_moves_the_start_back() -> None:
    # scene 1 is named in unit 2 (a paragraph that is its own) and again in unit 4
    lengths = [40.0] * 6
    affinity = np.zeros((2, 6))
    affinity[1, [2, 4]] = 0.2
    mentions = np.zeros((2, 6))
    mentions[1, [2, 4]] = 1.0
    para = np.array([True, False, True, False, True, False])
    bonus = start_evidence(mentions, para)
    lead = lead_mentions(mentions, para)
    assert segment(affinity, lengths, start_bonus=bonus, mentions=lead) == [(0, 2), (2, 6)]
    # a passing mention inside the previous scene's own paragraph opens nothing
    mentions[0, 0] = mentions[0, 1] = 1.0
    mentions[1, 1] = 0.5
    assert lead_mentions(mentions, para)[1, 1] == 0.0


def test_a_mention_deep_in_a_paragraph_does_not_pull_the_next_start_into_it() -> None:
    # scene 1's subject is named in the last sentence of paragraph 0 (units 0-4), which
    # leads into paragraph 1 (units 5-6), where its passage opens
    para = np.array([True, False, False, False, False, True, False])
    mentions = np.zeros((2, 7))
    mentions[1, 4] = 1.0
    assert lead_mentions(mentions, para)[1].tolist() == [0.0] * 7
    mentions[1, 1] = 1.0  # named in the paragraph's opening, it may open the passage there
    assert lead_mentions(mentions, para)[1, 1] == 1.0


def test_caption_words_that_name_nothing_are_not_keywords() -> None:
    assert text_keywords("Twenty Thousand Pounds") == ("pounds",)
    assert text_keywords("Across the Indian Ocean") == ("indian", "ocean")
    assert text_keywords("Toward the Moon") == ("moon",)


def test_an_expletive_it_fronting_a_time_is_a_transition() -> None:
    assert opener_scores(["It was late in the evening when we moored.",
                          "It was at this moment that a telegram arrived.",
                          "It was a large tabby tom.", "It had not reached the moon.",
                          "Weeks later, the moon rose."]) == [1.0, 1.0, -1.0, -1.0, 1.0]


def test_an_exclamation_inside_a_sentence_does_not_end_it() -> None:
    text = ("Ha! thought I, ha, as the flying particles almost choked me. "
            "Moving on, I at last came to a dim sort of light.")
    assert [s.text(text) for s in split_sentences(text)] == [
        "Ha! thought I, ha, as the flying particles almost choked me.",
        "Moving on, I at last came to a dim sort of light."]
    assert not at_sentence_start(text, text.index("thought"))


def test_paragraph_starts_follow_blank_lines() -> None:
    text = "One. Two.\n\nThree. Four.\n\n\nFive."
    units = split_units(text, count=1)
    assert paragraph_starts(text, units).tolist() == [True, False, True, False, True]


_SENTENCES = st.lists(
    st.sampled_from(["The cat sat on the mat.", "Then the rocket flew!", "Was it far?",
                     "Dr. Reed opened the lab, and the coffee steamed.",
                     "Weeks later, the moon rose over the hills.", "She smiled."]),
    min_size=2, max_size=24)


@settings(max_examples=60, deadline=None)
@given(sentences=_SENTENCES, breaks=st.lists(st.booleans(), min_size=24, max_size=24),
       n=st.integers(1, 6), seed=st.integers(0, 999))
def test_no_cue_starts_mid_sentence(sentences: list[str], breaks: list[bool], n: int,
                                    seed: int) -> None:
    text = "".join(s + ("\n\n" if breaks[k] else " ") for k, s in enumerate(sentences)).strip()
    starts = {s.start for s in split_sentences(text)}
    if len(starts) < n:
        return  # fewer sentences than scenes: clauses are split (documented)
    units = split_units(text, count=n)
    rng = np.random.default_rng(seed)
    cues = assign_cues(text, rng.normal(size=(n, len(units))),
                       [[None] * len(units) for _ in range(n)], units=units, max_chars=300,
                       mentions=rng.uniform(size=(n, len(units))))
    for cue in cues:
        assert cue is not None
        assert cue.span.start in starts
        assert at_sentence_start(text, cue.span.start)
        assert 0.0 <= cue.confidence <= 1.0


def test_a_long_storyboard_has_every_cue_at_a_sentence_start() -> None:
    board = next(b for b in long_storyboards() if b.name == "photographer")
    resp = describe_scenes([render_jpeg(im) for im in board.images],
                           {"narrationText": board.narration})
    last = 0
    for scene in resp.data.scenes:
        assert scene.anchor_text and scene.start_cue_text
        pos = board.narration.find(scene.anchor_text, last)
        assert pos >= last and at_sentence_start(board.narration, pos)
        last = pos + len(scene.anchor_text)


def test_story_markers_become_paragraph_starts() -> None:
    narration, marks = parse_story("@a\nFirst one. Still first.\n\nSecond.\n\n@b\nThird.")
    assert narration == "First one. Still first.\n\nSecond.\n\nThird."
    assert marks == {"a": 0, "b": narration.index("Third.")}
    for board in long_storyboards():
        assert 750 <= board.words <= 3000  # 5 to 20 minutes read aloud
        assert 4 <= len(board.images) <= 8
        assert all(board.narration[s - 2:s] in ("", "\n\n") for s in board.starts)
