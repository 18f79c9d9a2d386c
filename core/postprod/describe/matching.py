"""Image–text affinity: each scene's evidence words against each narration unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..models.embedder import get_text_embedder
from .evidence import VisualEvidence
from .narration import KEYWORD_BONUS, keyword_hits

PERSON_WORDS = ("person", "man", "woman", "face", "people", "portrait")
_STOP = frozenset({"the", "and", "with", "this", "that", "from", "into", "have", "there"})


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
        words = tuple(w for w in re.findall(r"[^\W\d_]{4,}", ev.text.casefold())
                      if w not in _STOP)
        terms.append(EvidenceTerm(ev.text[:200], 1.0, words[:12]))
    for colour in ev.colours[:2]:
        if colour.name not in ("grey",):
            terms.append(EvidenceTerm(f"{colour.name} colour", 0.3 * min(1.0, colour.share * 2),
                                      (colour.name,)))
    if ev.light == "dark":
        terms.append(EvidenceTerm("darkness at night", 0.3, ("dark", "night", "darkness")))
    if not terms:
        terms.append(EvidenceTerm("a photograph", 0.1, ()))
    return terms


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
