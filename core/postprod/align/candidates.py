"""Where each scene may start in a token sequence (the transcript's or the script's): its start
cue and anchor found, chosen jointly and monotonically, then corrected where a chosen place is
a later repeat, a misheard first word or missing."""

from __future__ import annotations

import numpy as np

from .options import AlignOptions
from .script_matching import (
    TRUST_SIMILARITY,
    Candidate,
    PhraseIndex,
    choose_monotonic,
    token_similarity,
)
from .text import Tokens

FIRST_OCCURRENCE_TOLERANCE = 0.1
"""A start cue found twice between the previous scene and the chosen place (a narrator
repeats "Whenever I find myself" within one paragraph) starts at its first occurrence unless
the later one matches better by more than this similarity."""


def sentence_starts_text(text: str, toks: Tokens) -> np.ndarray:
    """Per token of ``toks`` (cut from ``text``; np.ndarray [shape=(tokens,)], bool): it is the
    first token of a word that opens the text or follows a sentence's (or a colon's) end."""
    starts = np.zeros(len(toks.tokens), dtype=bool)
    prev_owner = -1
    for k, owner in enumerate(toks.owner):
        if owner == prev_owner:
            continue
        if owner == 0:
            starts[k] = True
        else:
            a, b = toks.spans[owner - 1]
            starts[k] = text[a:b].rstrip("\"'”’)]").endswith((".", "!", "?", "…", ":"))
        prev_owner = owner
    return starts


def find_candidates(
    index: PhraseIndex,
    cue_toks: list[list[str]],
    anchor_toks: list[list[str]],
    sentence_start: np.ndarray,
    opts: AlignOptions,
) -> tuple[list[list[Candidate]], list[list[Candidate]]]:
    """Per scene: start candidates (cue + anchor-derived, in sequence order) and anchor places.

    Args:
        index: the sequence searched.
        cue_toks, anchor_toks: per scene, the start cue's and the anchor's tokens.
        sentence_start: per sequence token, whether it opens a sentence (or follows a pause).
    """
    cues: list[list[Candidate]] = []
    anchors: list[list[Candidate]] = []
    k = opts.candidates_per_scene
    for cue, anchor in zip(cue_toks, anchor_toks, strict=True):
        found = index.search(cue, min_score=opts.min_cue_score, top_k=k)
        places = index.search(anchor, min_score=opts.min_cue_score, top_k=k, basis="anchor")
        derived: list[Candidate] = []
        prefix = anchor[: len(cue)] == cue
        for a in places:
            pos = a.pos if prefix else start_before_anchor(index, cue, a.pos, sentence_start)
            derived.append(Candidate(pos=pos, end=a.end,
                                     score=a.score * opts.anchor_score_factor, basis="anchor",
                                     lead_chars=a.lead_chars if prefix else 0,
                                     anchor_pos=-1 if prefix else a.pos))
        cues.append(sorted(found + derived, key=lambda c: (c.pos, c.basis != "startCue")))
        anchors.append(places)
    return cues, anchors


def choose_candidates(cues: list[list[Candidate]], anchors: list[list[Candidate]],
                      opts: AlignOptions) -> list[Candidate | None]:
    """The joint monotonic choice (`choose_monotonic`), each start cue then moved to its
    earliest near-equal occurrence (`prefer_first`)."""
    return prefer_first(choose_monotonic(cues, anchors, anchor_bonus=opts.anchor_bonus), cues)


def start_before_anchor(index: PhraseIndex, cue: list[str], anchor_pos: int,
                        sentence_start: np.ndarray, *, reach: int = 40) -> int:
    """Token where a scene found only by an anchor inside it most likely starts.

    The scene starts at or before the sentence that holds its anchor: the nearest heard
    sentence start (or pause) at or before ``anchor_pos``, within ``reach`` tokens. When a
    farther sentence start in that reach is followed by words resembling the start cue (at
    least `TRUST_SIMILARITY`, and more than the nearest start's), the cue was misheard there
    (``they filled every bottle`` heard as ``a film every model``) and the scene starts there.
    """
    floor = max(0, anchor_pos - reach)
    nearest = anchor_pos
    while nearest > floor and not sentence_start[nearest]:
        nearest -= 1
    if not cue:
        return nearest
    query = " ".join(cue)

    def likeness(pos: int) -> float:
        return token_similarity(query, " ".join(index.seq[pos:pos + len(cue)]))

    best, best_sim = nearest, likeness(nearest)
    for pos in range(nearest - 1, floor - 1, -1):
        if sentence_start[pos]:
            sim = likeness(pos)
            if sim >= TRUST_SIMILARITY and sim > best_sim:
                best, best_sim = pos, sim
    return best


def prefer_first(chosen: list[Candidate | None], cues: list[list[Candidate]]
                 ) -> list[Candidate | None]:
    """Each chosen start cue moved to its earliest near-equal occurrence after the previous
    chosen scene (a scene starts where its opening words are first said)."""
    out = list(chosen)
    for i, c in enumerate(out):
        if c is None or c.basis != "startCue":
            continue
        prev = next((x.pos for x in reversed(out[:i]) if x is not None), -1)
        for e in sorted(cues[i], key=lambda x: x.pos):
            if e.pos >= c.pos:
                break
            if (e.basis == "startCue" and e.pos > prev
                    and e.score >= c.score - FIRST_OCCURRENCE_TOLERANCE):
                out[i] = e
                break
    return out


def to_boundary(c: Candidate | None, seq: list[str], cue: list[str],
                sentence_start: np.ndarray) -> Candidate | None:
    """A cue whose misheard first word was paired with the last word before a pause starts
    after that pause (``every year. | Here, later`` for "Years later")."""
    if c is None or c.lead_chars or not cue or c.pos + 1 >= min(c.end, len(seq)):
        return c
    j = c.pos
    if seq[j] == cue[0] or sentence_start[j] or not sentence_start[j + 1]:
        return c
    return Candidate(pos=j + 1, end=c.end, score=c.score, basis=c.basis,
                     anchor_pos=c.anchor_pos)


def fill_by_prefix(chosen: list[Candidate | None], seq: list[str], cue_toks: list[list[str]],
                   sentence_start: np.ndarray, *, min_score: float = 0.75
                   ) -> list[Candidate | None]:
    """Second chance for scenes left out: the cue's first words at a sentence start between
    the neighbours (a badly misheard cue often still opens with its first words)."""
    out = list(chosen)
    for i, c in enumerate(out):
        if c is not None or i == 0 or not cue_toks[i]:
            continue
        lo = next((x.pos for x in reversed(out[:i]) if x is not None), -1) + 1
        hi = next((x.pos for x in out[i + 1:] if x is not None), len(seq))
        k = min(2, len(cue_toks[i]))
        best: tuple[float, int] | None = None
        for j in range(lo, min(hi, len(seq) - k + 1)):
            if not sentence_start[j]:
                continue
            sims = [token_similarity(cue_toks[i][t], seq[j + t]) for t in range(k)]
            sc = sum(sims) / k
            if sims[0] >= 0.6 and sc >= min_score and (best is None or sc > best[0]):
                best = (sc, j)
        if best is not None:
            out[i] = Candidate(pos=best[1], end=best[1] + k, score=best[0] * 0.8)
    return out


def settle_on_phrase(seq: list[str], j: int, phrase: list[str], *, reach: int = 3,
                     span: int = 3, margin: float = 0.15) -> int:
    """The heard token near ``j`` where the script phrase starting there is heard best.

    The script-to-transcript map pairs the phrase's first word with a heard token; where the
    recogniser repeated or added a short word (``lawn in. In summer`` for ``lawn. In
    summer``), the map may take the wrong copy. Within ``reach`` tokens, a start whose first
    ``span`` words resemble the phrase's (mean token similarity) by more than ``margin`` better,
    with a first word that still counts as the script's (`TRUST_SIMILARITY`), wins.
    """
    k = min(span, len(phrase))
    if k == 0 or j >= len(seq):
        return j

    def likeness(pos: int) -> float:
        return sum(token_similarity(phrase[t], seq[pos + t]) if pos + t < len(seq) else 0.0
                   for t in range(k)) / k

    here = likeness(j)
    best, best_sim = j, here + margin
    for pos in range(max(0, j - reach), min(len(seq), j + reach + 1)):
        sim = likeness(pos)
        if sim > best_sim and token_similarity(phrase[0], seq[pos]) >= TRUST_SIMILARITY:
            best, best_sim = pos, sim
    return best
