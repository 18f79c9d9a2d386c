"""Pure text matching: fuzzy phrase search, the joint monotonic choice of cue positions, and the
token map between a script and what was recognised."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein


@dataclass(frozen=True)
class Candidate:
    """One place where a phrase may occur in a token sequence.

    Attributes:
        pos: index of the sequence token the phrase's first token falls on.
        end: index just past the matched tokens.
        score: similarity in [0, 1] (1 = the same tokens).
        basis: ``"startCue"`` or ``"anchor"``: which text placed it.
        lead_chars: characters of the phrase's leading tokens that are absent from the
            sequence (the start lies that much speech before ``pos``).
        anchor_pos: for a start inferred from an anchor phrase that does not open the scene,
            where that phrase begins (the scene starts at or before it); -1 otherwise.
    """

    pos: int
    end: int
    score: float
    basis: str = "startCue"
    lead_chars: int = 0
    anchor_pos: int = -1


class PhraseIndex:
    """Fuzzy search of short phrases in one long token sequence (windows built once per length).

    Args:
        seq: the tokens to search (normalised, see `text.normalize_word`).
    """

    def __init__(self, seq: list[str]) -> None:
        self.seq = seq
        self._windows: dict[int, list[str]] = {}

    def _strings(self, length: int) -> list[str]:
        if length not in self._windows:
            s = self.seq
            self._windows[length] = [" ".join(s[i:i + length])
                                     for i in range(max(0, len(s) - length + 1))]
        return self._windows[length]

    def search(self, query: list[str], *, min_score: float, top_k: int,
               basis: str = "startCue") -> list[Candidate]:
        """The best ``top_k`` places of ``query`` scoring at least ``min_score``, by score.

        Windows of len(query)-1 .. len(query)+1 tokens are scored with a character-level
        ratio (misheard words still count partly); non-maxima within half a phrase are dropped.
        """
        m = len(query)
        n = len(self.seq)
        if m == 0 or n == 0:
            return []
        q = " ".join(query)
        best = np.zeros(n, dtype=np.float32)
        best_len = np.zeros(n, dtype=np.int32)
        for length in sorted({max(1, m - 1), m, m + 1}):
            if length > n:
                continue
            windows = self._strings(length)
            scores = process.cdist([q], windows, scorer=fuzz.ratio, dtype=np.float32,
                                   score_cutoff=min_score * 100 - 1, workers=1)[0] / 100.0
            better = scores > best[: len(scores)]
            best[: len(scores)][better] = scores[better]
            best_len[: len(scores)][better] = length
        # An exact first token is strong evidence that the phrase starts here, not one later.
        first = np.array([tok == query[0] for tok in self.seq], dtype=bool)
        bonus = np.where(first & (best > 0), 0.02, 0.0).astype(np.float32)
        ranked = best + bonus
        idx = np.nonzero(best >= min_score)[0]
        if len(idx) == 0:
            return []
        radius = max(1, m // 2)
        keep: list[int] = []
        for i in idx[np.argsort(-ranked[idx], kind="stable")]:
            if all(abs(int(i) - j) > radius for j in keep):
                keep.append(int(i))
            if len(keep) >= top_k:
                break
        out = []
        for i in keep:
            length = int(best_len[i])
            a = max(0, i - 1)
            pos, lead = _phrase_start(query, self.seq[a:i + length + 1])
            out.append(Candidate(pos=a + pos, end=i + length, score=float(min(1.0, best[i])),
                                 basis=basis, lead_chars=lead))
        return sorted(out, key=lambda c: c.pos)


TRUST_SIMILARITY = 0.6
"""Character similarity at which a misheard token still counts as the script's word."""


def token_similarity(a: str, b: str) -> float:
    """Character similarity of two tokens in [0, 1] (``apples``/``apple`` ≈ 0.91)."""
    return 1.0 if a == b else float(fuzz.ratio(a, b)) / 100.0


def align_phrase(query: list[str], window: list[str], *, gap: float = 0.25
                 ) -> list[tuple[int, int, float]]:
    """Semi-global alignment of a short phrase inside a window of tokens.

    Every query token is aligned or skipped (cost ``gap``); window tokens before and after the
    phrase are free. Pairs score ``similarity − 0.5``, so a misheard word (``anna``/``and``)
    still pairs while an unrelated one (``anna``/``barn``) does not.

    Returns:
        (query index, window index, similarity) of every aligned pair, in order.
    """
    m, n = len(query), len(window)
    neg = -1e9
    dp = np.full((m + 1, n + 1), neg)
    dp[0, :] = 0.0  # free leading window tokens
    move = np.zeros((m + 1, n + 1), dtype=np.int8)  # 1 diag, 2 skip query, 3 skip window
    for i in range(1, m + 1):
        dp[i, 0] = dp[i - 1, 0] - gap
        move[i, 0] = 2
        for j in range(1, n + 1):
            sim = token_similarity(query[i - 1], window[j - 1])
            best, how = dp[i - 1, j - 1] + sim - 0.5, 1
            if dp[i - 1, j] - gap > best:
                best, how = dp[i - 1, j] - gap, 2
            if dp[i, j - 1] - gap * 0.4 > best:
                best, how = dp[i, j - 1] - gap * 0.4, 3
            dp[i, j] = best
            move[i, j] = how
    j = int(np.argmax(dp[m, :]))  # free trailing window tokens
    i = m
    pairs: list[tuple[int, int, float]] = []
    while i > 0 and j >= 0:
        how = move[i, j]
        if how == 1:
            pairs.append((i - 1, j - 1, token_similarity(query[i - 1], window[j - 1])))
            i, j = i - 1, j - 1
        elif how == 2 or j == 0:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _phrase_start(query: list[str], window: list[str]) -> tuple[int, int]:
    """Offset in ``window`` where ``query[0]`` falls, and chars of query tokens missing there.

    The start is the first query token heard well enough (similarity ≥ `TRUST_SIMILARITY`);
    the characters of the query tokens before it are reported so the caller can step back.
    """
    for qi, wj, sim in align_phrase(query, window):
        if sim >= TRUST_SIMILARITY:
            return wj, sum(len(t) + 1 for t in query[:qi])
    return 0, 0


def choose_monotonic(
    cues: list[list[Candidate]],
    anchors: list[list[Candidate]],
    *,
    base: float = 0.5,
    anchor_bonus: float = 0.35,
    max_skip: int = 12,
) -> list[Candidate | None]:
    """Pick at most one candidate per scene, positions strictly increasing, jointly best.

    Maximises Σ (score − base) over chosen candidates + ``anchor_bonus`` × anchor score for
    every chosen start cue whose scene's anchor phrase lies between it and the next chosen
    scene. A scene may be left out (None) at no cost, so one miss never shifts the others.

    Args:
        cues: per scene, its candidates (start cue and anchor-derived).
        anchors: per scene, where its anchor phrase was found (used as confirmation).
        base: score a candidate must beat to be worth choosing.
        anchor_bonus: weight of a confirming anchor.
        max_skip: longest run of left-out scenes between two chosen ones.
    """
    n = len(cues)
    # A candidate at or below `base` can only add nothing: it never enters the choice.
    states: list[tuple[int, Candidate]] = [(i, c) for i in range(n) for c in cues[i]
                                           if c.score > base]
    anchor_pos = [sorted(a.pos for a in anchors[i]) for i in range(n)]
    anchor_by_pos = [{a.pos: a.score for a in anchors[i]} for i in range(n)]

    def confirm(scene: int, cand: Candidate, until: int) -> float:
        if cand.basis != "startCue":
            return 0.0
        ps = anchor_pos[scene]
        k = bisect_left(ps, cand.pos)
        best = 0.0
        while k < len(ps) and ps[k] < until:
            best = max(best, anchor_by_pos[scene][ps[k]])
            k += 1
        return anchor_bonus * best

    big = 1 << 60
    total = [0.0] * len(states)
    back = [-1] * len(states)
    for s, (i, c) in enumerate(states):
        own = c.score - base
        best_v = own  # no predecessor chosen
        best_b = -1
        for p in range(s - 1, -1, -1):
            h, e = states[p]
            if h >= i:
                continue
            if i - h - 1 > max_skip:
                break
            if e.pos >= c.pos:
                continue
            v = total[p] + confirm(h, e, c.pos) + own
            if v > best_v:
                best_v, best_b = v, p
        total[s] = best_v
        back[s] = best_b
    chosen: list[Candidate | None] = [None] * n
    if not states:
        return chosen
    finals = [total[s] + confirm(i, c, big) for s, (i, c) in enumerate(states)]
    s = int(np.argmax(finals))
    if finals[s] <= 0:
        return chosen
    while s >= 0:
        i, c = states[s]
        chosen[i] = c
        s = back[s]
    return chosen


@dataclass(frozen=True)
class TokenMap:
    """How script tokens map onto recognised tokens (a monotonic edit alignment).

    Attributes:
        target: for each script token, the recognised token index it aligns with, or -1
            (also -1 where what was heard in its place is not similar to it).
        exact: for each script token, whether that recognised token is the same word.
    """

    target: np.ndarray
    exact: np.ndarray

    def support(self, pos: int, span: int = 6) -> float:
        """Fraction of the ``span`` script tokens from ``pos`` that were heard exactly."""
        seg = self.exact[pos: pos + span]
        return float(seg.mean()) if len(seg) else 0.0


def map_script(script: list[str], heard: list[str]) -> TokenMap:
    """Align script tokens to recognised tokens (Levenshtein over whole tokens).

    Insertions (asides, repeats) and deletions (skipped phrases) on either side cost one edit
    per token; a misheard word aligns to what was heard in its place.
    """
    vocab: dict[str, int] = {}
    a = [vocab.setdefault(t, len(vocab)) for t in script]
    b = [vocab.setdefault(t, len(vocab)) for t in heard]
    target = np.full(len(script), -1, dtype=np.int64)
    exact = np.zeros(len(script), dtype=bool)
    for op in Levenshtein.opcodes(a, b):
        tag = op.tag
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag == "equal":
            target[i1:i2] = np.arange(j1, j2)
            exact[i1:i2] = True
        elif tag == "replace":
            if (i2 - i1) * (j2 - j1) <= 2500:
                pairs = align_phrase(script[i1:i2], heard[j1:j2])
            else:  # a long garbled stretch: pair in order, keep only similar words
                pairs = [(k, k, token_similarity(script[i1 + k], heard[j1 + k]))
                         for k in range(min(i2 - i1, j2 - j1))]
            for qi, wj, sim in pairs:
                if sim >= TRUST_SIMILARITY:
                    target[i1 + qi] = j1 + wj
    return TokenMap(target=target, exact=exact)
