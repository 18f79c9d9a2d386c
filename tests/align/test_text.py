"""Text normalisation: case, punctuation, numbers, abbreviations, spelling variants."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from postprod.align.text import normalize_text, normalize_word, tokenize_text, tokenize_words


def test_numbers_and_abbreviations_become_spoken_words() -> None:
    assert normalize_text("Dr. Haddad came in 1962 on the 21st, 25% late.") == (
        "doctor haddad came in nineteen sixty two on the twenty first twenty five percent late")
    assert normalize_text("Mrs. Weller paid $5") == "missus weller paid five dollars"
    assert normalize_text("3,000 trees") == "three thousand trees"


def test_case_punctuation_and_spelling_fold_together() -> None:
    assert normalize_text("The HARBOUR, grey!") == normalize_text("the harbor gray")
    assert normalize_word("Don't") == ["dont"]
    assert normalize_word("—") == []


def test_language_specific_numbers() -> None:
    assert normalize_text("21 Bäume", language="de") == "einundzwanzig bäume"


def test_tokens_keep_their_source_words() -> None:
    toks = tokenize_text("In 1984 we left.")
    assert toks.tokens == ["in", "nineteen", "eighty", "four", "we", "left"]
    assert toks.owner == [0, 1, 1, 1, 2, 3]
    assert toks.spans[1] == (3, 7)
    heard = tokenize_words([" Twenty-one", "apples."])
    assert heard.tokens == ["twenty", "one", "apples"] and heard.owner == [0, 0, 1]


def test_a_unit_glued_to_a_number_is_spoken_once_and_for_all() -> None:
    assert normalize_text("0KM") == "zero kilometers" == normalize_text("zero kilometers")
    assert normalize_text("12kg") == "twelve kilograms"


@given(st.text(max_size=60))
@example("0KM")
def test_normalisation_is_idempotent_and_clean(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert all(tok and not any(c.isspace() for c in tok) for tok in once.split(" ") if once)
