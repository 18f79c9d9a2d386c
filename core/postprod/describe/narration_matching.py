"""Image–text affinity: each scene's evidence words against each narration unit."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models.embedder import get_text_embedder
from .evidence import VisualEvidence
from .narration import KEYWORD_BONUS, keyword_hits

PERSON_WORDS = ("person", "man", "woman", "face", "people", "portrait")
_STOP = frozenset({
    # English closed-class words: articles, determiners and quantifiers, pronouns,
    # prepositions, conjunctions, auxiliaries, and the cardinal and ordinal numerals. They
    # name no subject, and a narration uses them everywhere ("Toward the Moon": toward;
    # "Twenty Thousand Pounds": twenty, thousand).
    "the", "and", "with", "this", "that", "these", "those", "from", "into", "onto", "upon",
    "have", "has", "had", "there", "for", "are", "was", "were", "been", "being", "his", "her",
    "hers", "its", "our", "ours", "you", "your", "yours", "not", "but", "nor", "yet", "they",
    "them", "their", "she", "him", "who", "whom", "whose", "which", "what", "when", "where",
    "why", "how", "all", "any", "both", "each", "every", "few", "many", "more", "most",
    "much", "some", "such", "other", "another", "own", "same", "than", "then", "too", "very",
    "can", "could", "may", "might", "must", "shall", "should", "will", "would", "does", "did",
    "doing", "about", "above", "across", "after", "against", "along", "among", "amongst",
    "around", "before", "behind", "below", "beneath", "beside", "besides", "between",
    "beyond", "down", "during", "except", "inside", "near", "off", "out", "outside", "over",
    "past", "since", "through", "throughout", "till", "toward", "towards", "under",
    "underneath", "until", "unto", "via", "within", "without", "also", "because", "though",
    "although", "while", "whether", "either", "neither", "unless", "whereas",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred", "thousand", "million", "billion", "first", "second", "third",
    "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "last", "next",
    # de, fr, es
    "der", "die", "das", "und", "les", "des", "une", "una", "los", "las", "del", "con",
    "por", "para", "sur", "dans", "avec", "mit", "von", "auf", "aus"})


def text_keywords(text: str, *, most: int = 12) -> tuple[str, ...]:
    """Words of read on-screen text worth matching in a narration: three letters or more,
    not a stop word, in reading order without repeats (``"The Gun Club"`` → gun, club)."""
    words = re.findall(r"[^\W\d_]{3,}", text.casefold())
    return tuple(dict.fromkeys(w for w in words if w not in _STOP))[:most]


@dataclass(frozen=True)
class EvidenceTerm:
    """One thing a scene shows, as text to match against the narration.

    Attributes:
        text: a phrase to embed (``"a cup of espresso"``).
        weight: trust in it, 0..1 (classifier probability, detector certainty).
        keywords: words whose verbatim presence in a sentence is strong evidence.
    """

    text: str
    weight: float
    keywords: tuple[str, ...]


def evidence_terms(ev: VisualEvidence) -> list[EvidenceTerm]:
    """The scene's evidence as weighted phrases and keywords (strongest first)."""
    terms: list[EvidenceTerm] = []
    if ev.caption:
        words = tuple(w for w in re.findall(r"[^\W\d_]{4,}", ev.caption.casefold())
                      if w not in _STOP)
        terms.append(EvidenceTerm(ev.caption, 1.0, words[:8]))
    for c in ev.concepts:
        if c.probability < 0.05 or not c.reliable:
            continue
        weight = min(1.0, c.probability / 0.5)
        terms.append(EvidenceTerm(c.phrase.replace("what looks like ", ""), weight, c.keywords))
    if ev.faces:
        terms.append(EvidenceTerm("a person's face", 0.8, PERSON_WORDS))
    if ev.text:
        terms.append(EvidenceTerm(ev.text[:200], 1.0, text_keywords(ev.text)))
    for colour in ev.colours[:2]:
        if colour.name not in ("grey",):
            terms.append(EvidenceTerm(f"{colour.name} colour", 0.3 * min(1.0, colour.share * 2),
                                      (colour.name,)))
    if ev.light == "dark":
        terms.append(EvidenceTerm("darkness at night", 0.3, ("dark", "night", "darkness")))
    if not terms:
        terms.append(EvidenceTerm("a photograph", 0.1, ()))
    return terms


def mention_strength(scene_terms: Sequence[Sequence[EvidenceTerm]],
                     units: Sequence[str]) -> np.ndarray:
    """How strongly each unit names each scene's subject, 0..1.

    A keyword found in a unit counts with its term's weight times the keyword's rarity in this
    narration, ``1 / (1 + ln(units holding it))``: a caption word met once is strong evidence,
    a word the story uses everywhere ("old", "night") is weak.

    Returns:
        np.ndarray [shape=(scenes, units)].
    """
    n, u = len(scene_terms), len(units)
    out = np.zeros((n, u))
    if n == 0 or u == 0:
        return out
    hits = [keyword_hits([t.keywords for t in terms], units) for terms in scene_terms]
    words = sorted({w for scene_hits in hits for row in scene_hits for w in row if w})
    counts = {w: sum(1 for h in row if h)
              for w, row in zip(words, keyword_hits([[w] for w in words], units), strict=True)}
    for i, terms in enumerate(scene_terms):
        for j, term in enumerate(terms):
            for v, word in enumerate(hits[i][j]):
                if word:
                    rarity = 1.0 / (1.0 + math.log(max(1, counts.get(word, 1))))
                    out[i, v] = max(out[i, v], term.weight * rarity)
    return out


def scene_affinity(scene_terms: Sequence[Sequence[EvidenceTerm]],
                   units: Sequence[str]) -> tuple[np.ndarray, list[list[str | None]]]:
    """Affinity of every scene to every narration unit, and the keyword hits behind it.

    Affinity is the best weighted cosine similarity between one of the scene's evidence phrases
    and the unit (multilingual sentence encoder), plus `KEYWORD_BONUS` × the term's weight when
    one of its keywords occurs in the unit.

    Returns:
        (np.ndarray [shape=(scenes, units)] float64, hits[scene][unit] keyword or None).
    """
    n, u = len(scene_terms), len(units)
    if n == 0 or u == 0:
        return np.zeros((n, u)), [[None] * u for _ in range(n)]
    flat = [t for terms in scene_terms for t in terms]
    embedder = get_text_embedder()
    unit_emb = embedder.embed(list(units))
    term_emb = embedder.embed([t.text for t in flat])
    sims = term_emb @ unit_emb.T  # (terms, units)
    affinity = np.zeros((n, u))
    hits: list[list[str | None]] = [[None] * u for _ in range(n)]
    row = 0
    for i, terms in enumerate(scene_terms):
        k = len(terms)
        block = sims[row:row + k] * np.array([[t.weight] for t in terms])
        term_hits = keyword_hits([t.keywords for t in terms], units)
        bonus = np.array([[KEYWORD_BONUS * t.weight if term_hits[j][v] else 0.0
                           for v in range(u)] for j, t in enumerate(terms)])
        affinity[i] = (block + bonus).max(axis=0)
        for v in range(u):
            order = np.lexsort((block[:, v], bonus[:, v]))  # last = largest bonus, then sim
            best = int(order[-1])
            hits[i][v] = term_hits[best][v] if bonus[best, v] > 0 else None
        row += k
    return affinity, hits
