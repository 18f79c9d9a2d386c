"""Text normalisation shared by scripts, cues and recognised words: spoken-form lowercase tokens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"\S+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_NUMBER_RE = re.compile(
    r"(?P<cur>[$€£])?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<suf>st|nd|rd|th|s|%)?", re.IGNORECASE)

ABBREVIATIONS: dict[str, dict[str, str]] = {
    "en": {
        "dr.": "doctor", "mr.": "mister", "mrs.": "missus", "ms.": "miss", "st.": "saint",
        "prof.": "professor", "jr.": "junior", "sr.": "senior", "vs.": "versus",
        "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is", "approx.": "approximately",
        "no.": "number", "mt.": "mount", "ft.": "feet", "km": "kilometres", "kg": "kilograms",
        "&": "and", "%": "percent", "ok": "okay", "a.m.": "a m", "p.m.": "p m",
    },
    "de": {"dr.": "doktor", "z.b.": "zum beispiel", "&": "und", "%": "prozent"},
    "fr": {"dr.": "docteur", "m.": "monsieur", "&": "et", "%": "pour cent"},
    "es": {"dr.": "doctor", "sr.": "señor", "&": "y", "%": "por ciento"},
}
"""Written abbreviations to spoken words, per language (lowercase keys, with their dots)."""

SPELLING_VARIANTS = {
    "colour": "color", "harbour": "harbor", "neighbour": "neighbor", "favourite": "favorite",
    "centre": "center", "metre": "meter", "metres": "meters", "kilometres": "kilometers",
    "grey": "gray", "theatre": "theater", "labour": "labor", "honour": "honor",
    "travelled": "traveled", "travelling": "traveling", "organise": "organize",
    "realise": "realize", "realised": "realized", "okay": "ok", "mr": "mister",
    "mrs": "missus", "dr": "doctor",
}
"""British/American spellings folded together: the recogniser picks one, the script another."""

_CURRENCY = {"$": "dollars", "€": "euros", "£": "pounds"}


@dataclass(frozen=True)
class Tokens:
    """Normalised tokens of a text with their origin.

    Attributes:
        tokens: spoken-form lowercase tokens.
        owner: for each token, the index of the source word it came from.
        spans: for each source word, its (start, end) character span in the text (empty for
            word lists that were not cut from a text).
    """

    tokens: list[str]
    owner: list[int]
    spans: list[tuple[int, int]]


def base_language(language: str | None) -> str:
    """``"pt-BR"`` → ``"pt"``; None → ``"en"``."""
    return (language or "en").split("-")[0].lower()


@lru_cache(maxsize=4096)
def _number_words(value: str, kind: str, lang: str) -> str:
    try:
        from num2words import num2words

        if kind == "float":
            return str(num2words(float(value), lang=lang))
        n = int(value)
        if kind == "year" and lang == "en":
            return str(num2words(n, lang=lang, to="year"))
        if kind == "ordinal":
            return str(num2words(n, lang=lang, to="ordinal"))
        return str(num2words(n, lang=lang))
    except Exception:
        return value


def _spell_numbers(word: str, lang: str) -> str:
    def repl(m: re.Match[str]) -> str:
        digits = m.group("num").replace(",", "")
        frac = m.group("frac")
        suf = (m.group("suf") or "").lower()
        cur = m.group("cur")
        if frac:
            out = _number_words(digits + frac, "float", lang)
        elif suf in ("st", "nd", "rd", "th"):
            out = _number_words(digits, "ordinal", lang)
        elif len(digits) == 4 and 1100 <= int(digits) <= 2099 and "," not in m.group("num"):
            out = _number_words(digits, "year", lang)
        else:
            out = _number_words(digits, "cardinal", lang)
        if suf == "s" and lang == "en":
            out = out[:-1] + "ies" if out.endswith("y") else out + "s"
        elif suf == "%":
            out += " " + ABBREVIATIONS.get(lang, {}).get("%", "percent")
        if cur:
            out += " " + _CURRENCY[cur]
        return f" {out} "

    return _NUMBER_RE.sub(repl, word)


def normalize_word(word: str, *, language: str | None = "en") -> list[str]:
    """One written word (as split on whitespace) → its spoken-form tokens (may be empty).

    Casefolds, expands abbreviations and numbers (num2words, per language), drops
    punctuation and apostrophes, folds common British/American spellings.
    """
    lang = base_language(language)
    w = unicodedata.normalize("NFKC", word).casefold().strip()
    w = w.strip("\"'“”‘’«»()[]{}<>,;:!?…—–-")
    abbreviations = ABBREVIATIONS.get(lang, {})
    if w in abbreviations:
        w = abbreviations[w]
    elif w.rstrip(".") + "." in abbreviations and w.endswith("."):
        w = abbreviations[w.rstrip(".") + "."]
    if any(ch.isdigit() for ch in w):
        w = _spell_numbers(w, lang)
    w = w.replace("&", " " + abbreviations.get("&", "and") + " ")
    out = []
    for tok in _TOKEN_RE.findall(w.replace("-", " ")):
        tok = tok.replace("'", "").replace("’", "")
        # a unit glued to a number ("0km") is only a token of its own here
        for part in abbreviations.get(tok, tok).split():
            out.append(SPELLING_VARIANTS.get(part, part))
    return out


def tokenize_text(text: str, *, language: str | None = "en") -> Tokens:
    """Split ``text`` on whitespace and normalise each word (see `normalize_word`)."""
    tokens: list[str] = []
    owner: list[int] = []
    spans: list[tuple[int, int]] = []
    for i, m in enumerate(WORD_RE.finditer(text)):
        spans.append((m.start(), m.end()))
        for tok in normalize_word(m.group(), language=language):
            tokens.append(tok)
            owner.append(i)
    return Tokens(tokens=tokens, owner=owner, spans=spans)


def tokenize_words(words: list[str], *, language: str | None = "en") -> Tokens:
    """Normalise a list of recognised words, keeping which word each token came from."""
    tokens: list[str] = []
    owner: list[int] = []
    for i, word in enumerate(words):
        for piece in word.split():
            for tok in normalize_word(piece, language=language):
                tokens.append(tok)
                owner.append(i)
    return Tokens(tokens=tokens, owner=owner, spans=[])


def normalize_text(text: str, *, language: str | None = "en") -> str:
    """``text`` as one string of space-separated spoken-form tokens."""
    return " ".join(tokenize_text(text, language=language).tokens)
