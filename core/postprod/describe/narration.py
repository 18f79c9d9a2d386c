"""Narration cues: split the narration, then give each scene a contiguous span in story order.

The scenes follow the narration in order, so the assignment is a monotonic segmentation solved
exactly by dynamic programming. Its score adds image–text affinity (the scene's evidence words
embedded with the multilingual sentence encoder against each sentence, plus exact keyword hits)
to a length prior (spans near the average length). Pure functions except `scene_affinity`,
which calls the embedder.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np

# Sentence ends: . ! ? … (possibly repeated, possibly followed by closing quotes/brackets).
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’»)\]]*(?=\s|$)")
_CLAUSE_BREAK = re.compile(r"[,;:]+[\"'”’»)\]]*(?=\s)|\s[—–-]{1,2}(?=\s)")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "prof", "sr", "jr", "vs", "etc",
                            "e.g", "i.e", "no", "fig", "mt", "approx"})
_WORD = re.compile(r"\S+")

AFFINITY_WEIGHT = 4.0
"""Weight of the (centred) affinity of a sentence to a scene in the segmentation score."""
LENGTH_WEIGHT = 1.0
"""Weight of the squared log ratio of a span's length to the average span length."""
START_WEIGHT = 2.0
"""Extra weight of the affinity of a span's first unit: narration introduces a subject where
its scene starts and continues with sentences that no longer name it."""
KEYWORD_BONUS = 0.35
"""Affinity added when a scene keyword occurs verbatim (case-folded) in a sentence."""
OPENER_WEIGHT = 2.0
"""Weight of the opener prior: a span may well start at a sentence that opens with a time or
place transition ("Weeks later", "Meanwhile", "Out on the pad"), and rarely at one that opens
with a pronoun continuing the previous subject ("She", "It", "They")."""
PARAGRAPH_WEIGHT = 2.0
"""Bonus for a scene starting where a paragraph starts: paragraphs are the story's own
boundaries."""
MENTION_WEIGHT = 2.0
"""Weight of the scene's subject (caption words, subject keywords) named in the opening
sentences of its span: a story introduces a subject where its passage starts."""
OPENING_SENTENCES = 3
"""Sentences of a span's paragraph that count as its opening."""
OPENING_DECAY = 0.7
"""Factor per sentence of distance between a span's start and the opening mention."""
LEAD_WEIGHT = 2.0
"""Cost per unit of mention strength of a later scene's subject inside a span: a scene
should start where its subject is first named, not at a later mention."""
CONFIDENCE_TEMPERATURE = 1.0
"""Score units per e-fold in the cue confidence: the share of exp(max-marginal / T) that
falls on starts in the chosen start's paragraph."""
CONTRADICTION_MARGIN = 0.25
"""A scene whose best sentence outside its span beats the best inside by this much (centred
affinity) and carries a keyword hit is treated as contradicted: it gets no cue fields."""


@dataclass(frozen=True)
class TextSpan:
    """A character range ``[start, end)`` of the narration (whitespace trimmed)."""

    start: int
    end: int

    def text(self, narration: str) -> str:
        """The verbatim text of the span."""
        return narration[self.start:self.end]


@dataclass(frozen=True)
class SceneCue:
    """The cue fields of one scene, all verbatim from the narration.

    Attributes:
        span: the scene's span of the narration (characters).
        anchor_text: the span's text, cut at a word boundary to the field limit.
        start_cue_text: the span's first words (3–6), a prefix of ``anchor_text``.
        affinity: best centred affinity of the scene's evidence inside its span.
        keyword_hit: a scene keyword occurs in the span.
        contradicted: the evidence points clearly elsewhere (cue fields are then withheld).
        confidence: 0..1, how much of the segmentation's belief puts this scene's start in
            the chosen paragraph (the chosen sentence when the narration has fewer paragraphs
            than scenes) rather than elsewhere; 1 for the first scene.
    """

    span: TextSpan
    anchor_text: str
    start_cue_text: str
    affinity: float
    keyword_hit: str | None
    contradicted: bool
    confidence: float = 1.0


def split_sentences(narration: str) -> list[TextSpan]:
    """Sentence spans of ``narration`` in order (paragraph breaks also end a sentence; a mark
    followed by a lower-case word does not: "Ha! thought I" is one sentence)."""
    spans: list[TextSpan] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", narration):
        base = para.start()
        text = para.group(0)
        start = 0
        for m in _SENTENCE_END.finditer(text):
            before = text[start:m.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if m.group(0) == "." and last in _ABBREVIATIONS:
                continue
            if m.group(0) == "." and len(last) == 1 and last.isalpha():  # initials: "J. Smith"
                continue
            after = text[m.end():].lstrip()
            if after[:1].islower():  # "Ha! thought I, ha, …": the sentence goes on
                continue
            _add(spans, narration, base + start, base + m.end())
            start = m.end()
        _add(spans, narration, base + start, base + len(text))
    return spans


def _add(spans: list[TextSpan], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and any(ch.isalnum() for ch in text[start:end]):
        spans.append(TextSpan(start, end))


def split_units(narration: str, *, count: int) -> list[TextSpan]:
    """Units for the segmentation: sentences, split at clauses (then words) while fewer than
    ``count``. The longest unit is split first; a unit keeps at least two words."""
    units = split_sentences(narration)
    while len(units) < count:
        order = sorted(range(len(units)), key=lambda i: -(units[i].end - units[i].start))
        for i in order:
            parts = _split_once(narration, units[i])
            if parts:
                units[i:i + 1] = list(parts)
                break
        else:
            break
    return units


def _split_once(text: str, span: TextSpan) -> tuple[TextSpan, TextSpan] | None:
    chunk = text[span.start:span.end]
    words = list(_WORD.finditer(chunk))
    if len(words) < 4:
        return None
    mid = len(chunk) / 2
    cuts = [m.end() for m in _CLAUSE_BREAK.finditer(chunk)]
    cuts = [c for c in cuts if len(chunk[:c].split()) >= 2 and len(chunk[c:].split()) >= 2]
    if not cuts:
        half = len(words) // 2
        cuts = [words[half - 1].end()]
    cut = min(cuts, key=lambda c: (abs(c - mid), c))
    left: list[TextSpan] = []
    _add(left, text, span.start, span.start + cut)
    _add(left, text, span.start + cut, span.end)
    return (left[0], left[1]) if len(left) == 2 else None


def _tokens(text: str) -> set[str]:
    words = re.findall(r"[^\W\d_]+", text.casefold())
    out = set(words)
    for w in words:  # crude plural folding, enough for keyword hits
        if len(w) > 3 and w.endswith("s"):
            out.add(w[:-1])
    return out


def keyword_hits(keywords: Sequence[Sequence[str]], units: Sequence[str]) -> list[list[str | None]]:
    """For each scene and unit, the first scene keyword found in the unit (or None)."""
    unit_tokens = [_tokens(u) for u in units]
    out: list[list[str | None]] = []
    for kws in keywords:
        folded = [k.casefold() for k in kws if k.strip()]
        row: list[str | None] = []
        for toks in unit_tokens:
            row.append(next((k for k in folded if k in toks), None))
        out.append(row)
    return out


def centre(affinity: np.ndarray) -> np.ndarray:
    """Double-centred affinity: each scene's mean over units and each unit's mean over scenes
    removed, so generic scenes and generic sentences attract nothing.

    Args:
        affinity: np.ndarray [shape=(scenes, units)].
    """
    a = np.asarray(affinity, dtype=np.float64)
    if a.size == 0:
        return a
    centred: np.ndarray = (a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True)
                           + a.mean())
    return centred


class SegmentOptions(TypedDict, total=False):
    """Weights and per-unit evidence of `segment_with_marginals`, passed through by `segment`."""

    affinity_weight: float
    length_weight: float
    start_weight: float
    openers: Sequence[float] | None
    opener_weight: float
    start_bonus: np.ndarray | None
    mentions: np.ndarray | None
    lead_weight: float


def segment(affinity: np.ndarray, lengths: Sequence[float],
            **options: Unpack[SegmentOptions]) -> list[tuple[int, int]]:
    """The best monotonic segmentation of units into one contiguous, non-empty run per scene.

    Args:
        affinity: np.ndarray [shape=(scenes, units)], centred affinity of scene i to unit u.
        lengths: length of each unit (characters); the prior favours spans near the mean.
        affinity_weight, length_weight, start_weight: weights of the terms.
        openers: per unit, +1 for a transition opener, -1 for a continuing pronoun, else 0
            (`opener_scores`); weighted by ``opener_weight`` at each span start but the first.
        start_bonus: np.ndarray [shape=(scenes, units)], added when scene i (but the first)
            starts at unit u (paragraph starts, the scene's subject named there:
            `start_evidence`).
        mentions: np.ndarray [shape=(scenes, units)], how strongly each unit names each
            scene's subject where it is not the previous scene's passage (`lead_mentions`);
            a span holding a later scene's subject loses ``lead_weight`` (default
            `LEAD_WEIGHT`) × that strength, so a scene starts at the first mention of its
            subject rather than a later one.

    Returns:
        ``[(first_unit, end_unit), ...]`` per scene, half-open, covering all units in order.
        Requires ``units >= scenes >= 1``.
    """
    spans, _ = segment_with_marginals(affinity, lengths, **options)
    return spans


def segment_with_marginals(affinity: np.ndarray, lengths: Sequence[float], *,
                           affinity_weight: float = AFFINITY_WEIGHT,
                           length_weight: float = LENGTH_WEIGHT,
                           start_weight: float = START_WEIGHT,
                           openers: Sequence[float] | None = None,
                           opener_weight: float = OPENER_WEIGHT,
                           start_bonus: np.ndarray | None = None,
                           mentions: np.ndarray | None = None,
                           lead_weight: float = LEAD_WEIGHT
                           ) -> tuple[list[tuple[int, int]], np.ndarray]:
    """`segment`, plus the best total score with each scene forced to start at each unit.

    Returns:
        (spans, np.ndarray [shape=(scenes, units)] max-marginal scores; ``-inf`` where a scene
        cannot start). The chosen start of every scene holds its row's maximum.
    """
    n, u = affinity.shape
    if n == 0 or u < n:
        raise ValueError("need at least one unit per scene")
    lens = np.asarray(lengths, dtype=np.float64)
    opener = np.zeros(u) if openers is None else np.asarray(openers, dtype=np.float64)
    bonus = np.zeros((n, u)) if start_bonus is None else np.asarray(start_bonus, np.float64)
    cum_len = np.concatenate([[0.0], np.cumsum(lens)])
    expected = max(cum_len[-1] / n, 1e-9)
    prefix = np.concatenate([np.zeros((n, 1)), np.cumsum(affinity, axis=1)], axis=1)
    said = np.zeros((n, u)) if mentions is None else np.asarray(mentions, dtype=np.float64)
    # later[i]: the subjects of every later scene, named where they may open their passage
    later = np.cumsum(said[::-1], axis=0)[::-1]
    later = np.concatenate([later[1:], np.zeros((1, u))], axis=0)
    later_prefix = np.concatenate([np.zeros((n, 1)), np.cumsum(later, axis=1)], axis=1)
    neg = -np.inf
    idx = np.arange(u + 1)
    a_idx, b_idx = idx[:u, None], idx[None, :]  # start a in [0, u), end b in [0, u]
    valid = b_idx > a_idx
    span_len = np.maximum(cum_len[b_idx] - cum_len[a_idx], 1e-9)
    prior = np.where(valid, np.log(span_len / expected) ** 2, 0.0)
    gains = []
    for i in range(n):
        start = start_weight * affinity[i, :u]
        if i > 0:
            start = start + opener_weight * opener + bonus[i]
        g = (affinity_weight * (prefix[i, b_idx] - prefix[i, a_idx]) + start[:, None]
             - length_weight * prior)
        # a later scene's subject named inside this span: that scene should start earlier
        g = g - lead_weight * (later_prefix[i, b_idx] - later_prefix[i, a_idx])
        # scene i starts at a >= i and ends where the later scenes still fit
        ok = valid & (a_idx >= i) & (b_idx <= u - (n - 1 - i))
        gains.append(np.where(ok, g, neg))
    fwd = np.full((n + 1, u + 1), neg)  # fwd[i, a]: best score of scenes < i over units < a
    fwd[0, 0] = 0.0
    back = np.zeros((n + 1, u + 1), dtype=np.int64)
    for i in range(n):
        total = fwd[i, :u, None] + gains[i]  # (a, b)
        back[i + 1] = np.argmax(total, axis=0)
        fwd[i + 1] = total[back[i + 1], idx]
    bwd = np.full((n + 1, u + 1), neg)  # bwd[i, a]: best score of scenes >= i from unit a
    bwd[n, u] = 0.0
    for i in range(n - 1, -1, -1):
        bwd[i, :u] = np.max(gains[i] + bwd[i + 1][None, :], axis=1)
    marginals = fwd[:n, :u] + bwd[:n, :u]
    spans: list[tuple[int, int]] = []
    end = u
    for i in range(n, 0, -1):
        first = int(back[i, end])
        spans.append((first, end))
        end = first
    spans.reverse()
    return spans, marginals


def paragraph_starts(narration: str, units: Sequence[TextSpan]) -> np.ndarray:
    """Per unit, True when it opens a paragraph (the narration's start, or a blank line
    before it)."""
    out = np.zeros(len(units), dtype=bool)
    prev = 0
    for k, unit in enumerate(units):
        out[k] = k == 0 or bool(re.search(r"\n\s*\n", narration[prev:unit.start]))
        prev = unit.end
    return out


def lead_mentions(mentions: np.ndarray, para_start: np.ndarray) -> np.ndarray:
    """The mentions of each scene's subject that may open its passage: those in the opening
    `OPENING_SENTENCES` sentences of paragraphs that name it more strongly (summed strength)
    than the previous scene's subject. A passing mention inside the previous scene's passage,
    or one deep in a paragraph that leads into the next, opens nothing.

    Args:
        mentions: np.ndarray [shape=(scenes, units)] (`narration_matching.mention_strength`).
        para_start: per unit, whether it opens a paragraph (`paragraph_starts`).

    Returns:
        np.ndarray [shape=(scenes, units)]; the first scene's row is zero.
    """
    n, u = mentions.shape
    para = np.cumsum(para_start) - 1
    count = int(para[-1]) + 1 if u else 0
    totals = np.zeros((n, count))
    for k in range(u):
        totals[:, para[k]] += mentions[:, k]
    # a mention deep in a paragraph (past its opening sentences) can't open a passage there
    position = np.zeros(u, dtype=np.int64)
    for k in range(1, u):
        position[k] = 0 if para_start[k] else position[k - 1] + 1
    opening = position < OPENING_SENTENCES
    out = np.zeros((n, u))
    for i in range(1, n):
        leads = (totals[i, para] > totals[i - 1, para]) & opening
        out[i] = np.where(leads, mentions[i], 0.0)
    return out


def start_evidence(mentions: np.ndarray, para_start: np.ndarray, *,
                   paragraph_weight: float = PARAGRAPH_WEIGHT,
                   mention_weight: float = MENTION_WEIGHT,
                   opening: int = OPENING_SENTENCES,
                   decay: float = OPENING_DECAY) -> np.ndarray:
    """Bonus for each scene starting at each unit: a paragraph start, and the scene's subject
    named in the passage's opening (the unit itself or the next ``opening - 1`` units of the
    same paragraph, worth ``decay`` less per unit of distance).

    Args:
        mentions: np.ndarray [shape=(scenes, units)], strength 0..1 with which unit u names
            scene i's subject (`mention_strength`).
        para_start: per unit, whether it opens a paragraph (`paragraph_starts`).

    Returns:
        np.ndarray [shape=(scenes, units)].
    """
    n, u = mentions.shape
    opened = np.zeros((n, u))
    for a in range(u):
        for k in range(opening):
            s = a + k
            if s >= u or (k > 0 and para_start[s]):
                break
            opened[:, a] = np.maximum(opened[:, a], mentions[:, s] * decay ** k)
    return paragraph_weight * para_start[None, :].astype(np.float64) + mention_weight * opened


# Opener word lists: generic discourse markers, not words of any particular text. A span may
# start at a time or place transition; a sentence opening with an anaphoric pronoun, a
# possessive, a demonstrative or a coordinating conjunction continues the previous subject.
_TRANSITIONS = (
    # time
    "then", "later", "meanwhile", "finally", "eventually", "next", "afterwards", "after",
    "before", "soon", "suddenly", "now", "today", "tonight", "tomorrow", "yesterday", "once",
    "first", "at first", "at last", "at dawn", "at dusk", "at night", "at noon", "the next",
    "the following", "one day", "one morning", "one evening", "one night", "that day",
    "that morning", "that evening", "that night", "that year",
    # place
    "back", "far", "out", "outside", "inside", "elsewhere", "high", "above", "below",
    "across", "beyond", "in the", "on", "at the", "by",
    # de, fr, es, pt
    "dann", "später", "danach", "inzwischen", "puis", "ensuite", "plus tard", "luego",
    "después", "mientras", "depois", "enquanto")
_LATER = re.compile(r"^(?:\w+ )?(?:moments?|minutes?|hours?|days?|weeks?|months?|years?|"
                    r"decades?) (?:later|after|afterwards|ago|passed|went)\b")
"""Elapsed-time openers: "Weeks later", "Two years after", "A few days passed"."""
_TIME_WORDS = ("morning", "mornings", "evening", "evenings", "night", "nights", "noon",
               "midnight", "dawn", "dusk", "sunset", "sunrise", "day", "days", "week", "weeks",
               "month", "months", "year", "years", "hour", "hours", "minute", "minutes",
               "moment", "time", "times", "late", "early", "spring", "summer", "autumn",
               "winter", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
               "sunday", "half", "quarter", "two", "three", "four", "five", "six",
               "seven", "eight", "nine", "ten", "eleven", "twelve")
_CLEFT = re.compile(r"^it (?:was|is|had been|has been|will be) (?:(?:at|in|on|by|after|"
                    r"before|during|when|while)\b|(?:\w+ ){0,3}(?:" + "|".join(_TIME_WORDS)
                    + r")\b)")
"""An expletive "it" fronting a time or place ("It was late in the evening when…", "It was
at this moment that…", "It was a glorious day"): a transition, not a pronoun that continues
the previous subject."""
_CONTINUATIONS = frozenset({
    "he", "she", "it", "they", "his", "her", "its", "their", "this", "these", "those",
    "each", "both", "and", "but", "so", "yet", "also",
    "er", "sie", "und", "aber", "elle", "ils", "elles", "et", "mais", "ella", "él", "ellos",
    "ellas", "pero", "ela", "ele", "eles", "elas", "mas"})


def opener_scores(units: Sequence[str]) -> list[float]:
    """Per unit: +1 when it opens with a time or place transition (an expletive "it" fronting
    one included), -1 when it opens with a pronoun, possessive, demonstrative or conjunction
    that continues the previous sentence, else 0 (small generic lists for en, de, fr, es,
    pt)."""
    out = []
    for text in units:
        words = re.findall(r"[^\W\d_]+", text.casefold())
        head = " ".join(words[:4])
        first = head.split(" ", 1)[0] if head else ""
        if _LATER.match(head) or _CLEFT.match(" ".join(words[:7])) or any(
                head == t or head.startswith(t + " ") for t in _TRANSITIONS):
            out.append(1.0)
        elif first in _CONTINUATIONS:
            out.append(-1.0)
        else:
            out.append(0.0)
    return out


def start_cue(narration: str, span: TextSpan, *, min_words: int = 4, max_words: int = 6) -> str:
    """The span's first words for a start cue: the shortest prefix of ``min_words``..``max_words``
    words that occurs only once in the narration (else ``max_words``), trailing punctuation
    dropped; the whole span when it is shorter."""
    text = span.text(narration)
    words = list(_WORD.finditer(text))
    if len(words) <= min_words:
        return _trim_punct(text)
    choice = ""
    for k in range(min_words, min(max_words, len(words)) + 1):
        choice = _trim_punct(text[:words[k - 1].end()])
        last = words[k - 1].group(0).strip(".,;:!?\"'“”‘’()").casefold()
        if narration.count(choice) == 1 and last not in _FUNCTION_WORDS:
            return choice
    return choice


_FUNCTION_WORDS = frozenset({"the", "a", "an", "of", "on", "in", "at", "to", "and", "or", "by",
                             "for", "with", "from", "as", "is", "was", "his", "her", "its",
                             "their", "our", "my", "your", "this", "that", "der", "die", "das",
                             "le", "la", "les", "el", "los", "de", "und", "et", "y"})


def _trim_punct(text: str) -> str:
    trimmed = text.rstrip(" ,;:—–-\"'“”‘’(")
    return trimmed if any(ch.isalnum() for ch in trimmed) else text


def anchor(narration: str, span: TextSpan, *, max_chars: int) -> str:
    """The span's verbatim text, cut at a word boundary to ``max_chars`` characters."""
    text = span.text(narration)
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    cut = text[:space] if space > 0 else text[:max_chars]
    return cut.rstrip(" ,;:—–-")


def assign_cues(narration: str, affinity: np.ndarray, hits: list[list[str | None]], *,
                units: Sequence[TextSpan], max_chars: int,
                mentions: np.ndarray | None = None) -> list[SceneCue | None]:
    """Cue fields for every scene from a segmentation of ``units``.

    Args:
        narration: the full narration text.
        affinity: np.ndarray [shape=(scenes, units)], raw affinity (centred here).
        hits: keyword hits per scene and unit (`keyword_hits`).
        units: the units (`split_units`).
        max_chars: the per-field character limit (anchors are cut to it).
        mentions: np.ndarray [shape=(scenes, units)], how strongly each unit names each
            scene's subject, 0..1 (`narration_matching.mention_strength`); None: no such evidence.

    Returns:
        One `SceneCue` per scene, or None for scenes that get no span (more scenes than units).
    """
    n = affinity.shape[0]
    if n == 0 or not units:
        return [None] * n
    m = min(n, len(units))
    lengths = [max(1, s.end - s.start) for s in units]
    centred = centre(affinity)
    openers = opener_scores([s.text(narration) for s in units])
    para = paragraph_starts(narration, units)
    strength = np.zeros((n, len(units))) if mentions is None else np.asarray(mentions)
    bonus = start_evidence(strength, para)
    # More scenes than units: the first scenes by evidence strength can't be chosen fairly,
    # so keep story order and give the trailing scenes nothing.
    spans, marginals = segment_with_marginals(centred[:m], lengths, openers=openers,
                                              start_bonus=bonus[:m],
                                              mentions=lead_mentions(strength[:m], para))
    spans += [(-1, -1)] * (n - m)
    by_paragraph = int(para.sum()) >= m
    paragraph_of = np.cumsum(para) - 1
    cues: list[SceneCue | None] = []
    for i, (a, b) in enumerate(spans):
        if a < 0:
            cues.append(None)
            continue
        span = TextSpan(units[a].start, units[b - 1].end)
        inside = float(centred[i, a:b].max())
        outside_mask = np.ones(len(units), dtype=bool)
        outside_mask[a:b] = False
        outside = float(centred[i, outside_mask].max()) if outside_mask.any() else -math.inf
        hit_inside = next((hits[i][k] for k in range(a, b) if hits[i][k]), None)
        best_out = int(np.argmax(np.where(outside_mask, centred[i], -np.inf))) \
            if outside_mask.any() else -1
        contradicted = bool(hit_inside is None and best_out >= 0 and hits[i][best_out]
                            and outside - inside >= CONTRADICTION_MARGIN)
        if mentions is not None and strength[i, a:b].max() > 0:
            k = a + int(np.argmax(strength[i, a:b]))  # the span's strongest mention
            hit_inside = hits[i][k] or hit_inside
        anchor_text = anchor(narration, span, max_chars=max_chars)
        cue = start_cue(narration, span)
        if not anchor_text.startswith(cue):
            cue = anchor_text
        same = paragraph_of == paragraph_of[a] if by_paragraph else np.arange(len(units)) == a
        cues.append(SceneCue(span=span, anchor_text=anchor_text, start_cue_text=cue,
                             affinity=inside, keyword_hit=hit_inside,
                             contradicted=contradicted,
                             confidence=1.0 if i == 0 else _confidence(marginals[i], same)))
    return cues


def _confidence(marginal: np.ndarray, chosen: np.ndarray) -> float:
    """Share of exp(max-marginal / `CONFIDENCE_TEMPERATURE`) on the ``chosen`` starts."""
    finite = np.isfinite(marginal)
    if not finite.any():
        return 0.0
    w = np.where(finite, np.exp((marginal - marginal[finite].max()) / CONFIDENCE_TEMPERATURE),
                 0.0)
    return round(float(w[chosen].sum() / w.sum()), 3)
