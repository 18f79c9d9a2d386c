"""Placing scene cuts on a transcript: cues located (through the script when there is one),
chosen jointly and monotonically, refined to acoustic onsets, given calibrated windows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract.common import ResultWarning
from ..contract.timestamps import TimestampsRequest
from ..media.audio import SAMPLE_RATE
from .acoustic import Posteriors, Spot, phonemes, posteriors, spot_phrase
from .calibration import ClassStats, evidence_class, stats_for
from .fillers import FILLERS, filler_onset, opens_with_filler
from .onset import Envelope, energy_envelope, find_onset
from .options import AlignOptions
from .script_matching import (
    TRUST_SIMILARITY,
    Candidate,
    PhraseIndex,
    TokenMap,
    choose_monotonic,
    map_script,
    token_similarity,
)
from .text import Tokens, base_language, tokenize_text, tokenize_words
from .transcribe import Transcript, Word
from .voicing import breath_onset

ONSET_REACH_SEC = 2.5
"""Farthest a cut's onset is searched after its recognised start, when the heard words say a
pause lies there (a word that swallowed it), seconds."""

MAX_SHIFT_MS = 1000.0
"""A calibrated shift beyond this is not applied (its window is kept where it was)."""

ANCHOR_ONLY_CONFIDENCE = 0.3
"""Highest confidence of a start inferred from an anchor phrase that does not open the scene."""

_SENTENCE_END = (".", "!", "?", "…", ".”", "?”", "!”", '."', '?"', '!"')


@dataclass(frozen=True)
class ScenePlacement:
    """Where one scene starts, with its evidence.

    Attributes:
        index: scene index in the request.
        time_sec: estimated cut, seconds from the start of the audio (offset not applied).
        basis: ``"startCue"``, ``"anchor"`` or ``"interpolated"``.
        evidence_class: calibration class (``"script:startCue:onset"``, ...).
        evidence: text evidence in [0, 1] (phrase similarity, or script support).
        window_sec: (start, end) of the 90 % interval, seconds, before clamping to neighbours.
        confidence: in [0, 1].
        raw_time_sec: the recognised word start the cut came from, seconds (None when
            interpolated).
        pause_sec: (start, end) of the pause before the onset, seconds, when one was found.
        shift_ms: the calibrated shift already added to ``time_sec``, ms.
        snr_db: local SNR at the refined onset (`Onset.snr_db`), dB; None when not refined.
    """

    index: int
    time_sec: float
    basis: str
    evidence_class: str
    evidence: float
    window_sec: tuple[float, float]
    confidence: float
    raw_time_sec: float | None = None
    pause_sec: tuple[float, float] | None = None
    shift_ms: float = 0.0
    snr_db: float | None = None


@dataclass
class Placement:
    """The result of `place_scenes`: one `ScenePlacement` per scene, plus warnings."""

    scenes: list[ScenePlacement]
    warnings: list[ResultWarning]
    mode: str


@dataclass(frozen=True)
class _Rough:
    time: float
    basis: str
    evidence: float
    word_end: float = 0.0
    latest: float | None = None
    kind: str = ""
    """``"spotted"`` when the start came from the phoneme recogniser (calibration class)."""


SPOT_MIN_SCORE = -3.2
"""Lowest phrase score (mean relative log-probability per phoneme, `acoustic.Spot.score`) at
which a phrase counts as found in the audio."""

SPOT_MARGIN = 0.4

CUE_TRUST_SCORE = 0.9
"""A start cue matched in the transcript at this similarity or more is taken as heard (no
acoustic check)."""
"""A cue spotted in the audio is trusted over an anchor-derived start only when it explains the
audio this much better (per phoneme) than its best rival more than a second away."""

SPOT_LEAD_SEC = 0.1
"""A spotted phrase's first phoneme is found this much after the true onset on average; the
rough start is put that far before it (the onset search then finds the pause end)."""

SPOT_MAX_WINDOW_SEC = 30.0
"""Longest stretch searched for one phrase, seconds."""

SPOT_CLEAR_DB = 25.0
"""Level spread (90th − 10th percentile of frame levels, dB) above which a stretch counts as
clear speech for the acoustic search; below it, a spotted opening is its own, weaker class
(``spotted-noisy``) with its own, wider window."""

SPOT_PHRASE_TOKENS = 6
"""Words of a scene's first sentence (or of its start cue) scored acoustically."""


class _Acoustic:
    """Phrase spotting on the audio with the phoneme recogniser, computed only where needed."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples
        self._post: list[Posteriors] = []

    def _posteriors(self, lo: float, hi: float) -> Posteriors:
        for p in self._post:
            if p.start_sec <= lo + 1e-6 and p.start_sec + p.frames * 0.02 >= hi - 1e-6:
                return p
        p = posteriors(self.samples, start_sec=max(0.0, lo), end_sec=hi)
        self._post.append(p)
        return p

    def clear(self, lo: float, hi: float) -> bool:
        """Speech stands out of the background between ``lo`` and ``hi`` (seconds): the 90th
        percentile of 20 ms frame levels lies `SPOT_CLEAR_DB` or more above the 10th. Under
        noise or a music bed the phoneme recogniser explains a phrase about as well anywhere,
        and a found opening is only weak evidence."""
        a, b = int(max(0.0, lo) * SAMPLE_RATE), int(hi * SAMPLE_RATE)
        x = self.samples[a:b]
        hop = SAMPLE_RATE // 50
        n = len(x) // hop
        if n < 10:
            return False
        db = 10 * np.log10(np.mean(np.square(x[: n * hop].reshape(n, hop)), axis=1) + 1e-12)
        p10, p90 = np.percentile(db, [10, 90])
        return bool(p90 - p10 >= SPOT_CLEAR_DB)

    def spot(self, words: list[str], lo: float, hi: float) -> tuple[Spot, float] | None:
        """Best start of ``words`` between ``lo`` and ``hi`` (seconds) and its margin over the
        best start more than 1 s away (per phoneme; 9 when there is none)."""
        duration = len(self.samples) / SAMPLE_RATE
        lo, hi = max(0.0, lo), min(duration, hi)
        toks = phonemes(words)
        if hi - lo < 0.3 or not toks:
            return None
        post = self._posteriors(lo, min(duration, hi + 0.3 * len(toks) + 1.0))
        best = spot_phrase(post, toks, start_lo=lo, start_hi=hi)
        if best is None:
            return None
        rivals = [spot_phrase(post, toks, start_lo=a, start_hi=b)
                  for a, b in ((lo, best.start_sec - 1.0), (best.start_sec + 1.0, hi)) if b > a]
        second = max((r.score for r in rivals if r is not None), default=best.score - 9.0)
        return best, best.score - second


def _sentence_starts_heard(transcript: Transcript, *, rate: float, opts: AlignOptions,
                           gap: float = 0.3) -> np.ndarray:
    """Words that open a sentence or follow a pause (a silent gap, or one the word swallowed)."""
    w = transcript.words
    starts = np.zeros(len(w), dtype=bool)
    for i in range(len(w)):
        starts[i] = (i == 0 or w[i - 1].text.endswith(_SENTENCE_END)
                     or w[i].start - w[i - 1].end >= gap
                     or word_start(w[i], rate=rate, opts=opts) - w[i - 1].end >= gap)
    return starts


def _sentence_starts_text(text: str, toks: Tokens) -> np.ndarray:
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


def _candidates(
    index: PhraseIndex,
    cue_toks: list[list[str]],
    anchor_toks: list[list[str]],
    sentence_start: np.ndarray,
    opts: AlignOptions,
) -> tuple[list[list[Candidate]], list[list[Candidate]]]:
    """Per scene: start candidates (cue + anchor-derived) and anchor places."""
    cues: list[list[Candidate]] = []
    anchors: list[list[Candidate]] = []
    k = opts.candidates_per_scene
    for cue, anchor in zip(cue_toks, anchor_toks, strict=True):
        found = index.search(cue, min_score=opts.min_cue_score, top_k=k)
        places = index.search(anchor, min_score=opts.min_cue_score, top_k=k, basis="anchor")
        derived: list[Candidate] = []
        prefix = anchor[: len(cue)] == cue
        for a in places:
            pos = a.pos if prefix else _start_before_anchor(index, cue, a.pos, sentence_start)
            derived.append(Candidate(pos=pos, end=a.end,
                                     score=a.score * opts.anchor_score_factor, basis="anchor",
                                     lead_chars=a.lead_chars if prefix else 0,
                                     anchor_pos=-1 if prefix else a.pos))
        cues.append(sorted(found + derived, key=lambda c: (c.pos, c.basis != "startCue")))
        anchors.append(places)
    return cues, anchors


def _start_before_anchor(index: PhraseIndex, cue: list[str], anchor_pos: int,
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


def speech_rate(transcript: Transcript, opts: AlignOptions) -> float:
    """Seconds per character of the narration: `AlignOptions.seconds_per_char`, or the median
    over recognised words of duration / (letters + 1), within 0.04–0.12."""
    if opts.seconds_per_char is not None:
        return opts.seconds_per_char
    per_char = [(w.end - w.start) / (_letters(w.text) + 1) for w in transcript.words
                if w.end > w.start]
    return float(np.clip(np.median(per_char), 0.04, 0.12)) if per_char else 0.065


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def word_start(word: Word, *, rate: float, opts: AlignOptions) -> float:
    """Where ``word`` most likely starts, seconds.

    The recogniser stretches a word that follows a pause back into the pause; a word far longer
    than its letters need (`AlignOptions.swallow_factor`) is taken to start its expected length
    before its end, which is timed more reliably. A word that ends a sentence is left alone:
    the pause it holds is the one after it. A word squeezed to almost no length
    (`AlignOptions.squeeze_factor`) gets the same treatment.
    """
    expected = (_letters(word.text) + 1) * rate
    if word.end - word.start < opts.squeeze_factor * expected:
        return max(0.0, word.end - expected)  # squeezed to nothing: its start is unreliable
    if swallowed_pause(word, rate=rate, opts=opts):
        return word.end - expected
    return word.start


def swallowed_pause(word: Word, *, rate: float, opts: AlignOptions) -> bool:
    """``word`` was stretched back over a pause before it: far longer than its letters need
    (`AlignOptions.swallow_factor`, `AlignOptions.swallow_slack_sec`), and not a sentence's
    last word (whose stretch is the pause after it)."""
    if word.text.endswith(_SENTENCE_END):
        return False
    expected = (_letters(word.text) + 1) * rate
    return word.end - word.start > opts.swallow_factor * expected + opts.swallow_slack_sec


def _heard_time(transcript: Transcript, heard: Tokens, j: int, lead_chars: int,
                opts: AlignOptions, rate: float) -> tuple[float, float]:
    """(start, latest end) of the recognised word under token ``j``, start stepped back over
    ``lead_chars`` of unheard speech.

    The end is how far the onset search may reach: the word's end, or the next word's end
    when that one swallowed a pause (the recogniser sometimes hangs a sentence's first word on
    the previous sentence and stretches the second over the pause between them).
    """
    k = heard.owner[j]
    word = transcript.words[k]
    start = word_start(word, rate=rate, opts=opts)
    end = word.end
    if k + 1 < len(transcript.words) and swallowed_pause(transcript.words[k + 1], rate=rate,
                                                         opts=opts):
        end = transcript.words[k + 1].end
    return max(0.0, start - lead_chars * rate), end


def _rough_from_cues(transcript: Transcript, heard: Tokens, cue_toks: list[list[str]],
                     anchor_toks: list[list[str]], opts: AlignOptions) -> list[_Rough | None]:
    index = PhraseIndex(heard.tokens)
    rate = speech_rate(transcript, opts)
    word_starts = _sentence_starts_heard(transcript, rate=rate, opts=opts)
    tok_starts = np.array([word_starts[o] and (k == 0 or heard.owner[k - 1] != o)
                           for k, o in enumerate(heard.owner)], dtype=bool)
    cues, anchors = _candidates(index, cue_toks, anchor_toks, tok_starts, opts)
    chosen = _prefer_first(choose_monotonic(cues, anchors, anchor_bonus=opts.anchor_bonus),
                           cues)
    chosen = _fill_by_prefix(chosen, heard.tokens, cue_toks, tok_starts)
    chosen = [_to_boundary(c, heard.tokens, cue, tok_starts) for c, cue in
              zip(chosen, cue_toks, strict=True)]
    out: list[_Rough | None] = []
    for c in chosen:
        if c is None:
            out.append(None)
            continue
        start, end = _heard_time(transcript, heard, c.pos, c.lead_chars, opts, rate)
        latest = (None if c.anchor_pos < 0
                  else max(start, transcript.words[heard.owner[c.anchor_pos]].end))
        out.append(_Rough(time=start, basis=c.basis, evidence=c.score, word_end=end,
                          latest=latest))
    return out


FIRST_OCCURRENCE_TOLERANCE = 0.1
"""A start cue found twice between the previous scene and the chosen place (a narrator
repeats "Whenever I find myself" within one paragraph) starts at its first occurrence unless
the later one matches better by more than this similarity."""


def _prefer_first(chosen: list[Candidate | None], cues: list[list[Candidate]]
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


def _to_boundary(c: Candidate | None, seq: list[str], cue: list[str],
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


def _fill_by_prefix(chosen: list[Candidate | None], seq: list[str], cue_toks: list[list[str]],
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


def _heard_opening(tmap: TokenMap, pos: int) -> bool:
    """The recogniser heard at least two of the sentence's first three words exactly (one
    misheard word is stepped over by its length; more, and the opening was not heard)."""
    return tmap.support(pos, 3) >= 0.6


def _heard_run(tmap: TokenMap, start: int, step: int, *, limit: int = 400) -> int | None:
    """From script token ``start`` in direction ``step``, the first token heard exactly
    together with its neighbour further on (a run of two: a lone common word may be paired
    with the wrong copy)."""
    k = start
    n = len(tmap.exact)
    for _ in range(limit):
        if not 0 <= k < n:
            return None
        if tmap.exact[k] and 0 <= k + step < n and tmap.exact[k + step]:
            return k
        k += step
    return None


def _spot_in_script(acoustic: _Acoustic, transcript: Transcript, heard: Tokens,
                    script: list[str], tmap: TokenMap, pos: int, *, floor: float = 0.0
                    ) -> _Rough | None:
    """The start of the script sentence at token ``pos``, found acoustically between the last
    words heard before it and the first heard after its opening (the recogniser skipped or
    misheard the opening), and after ``floor`` (the previous scene, seconds)."""
    words = transcript.words
    before = _heard_run(tmap, pos - 1, -1)
    after = _heard_run(tmap, pos + 1, 1)
    lo = max(floor, words[heard.owner[int(tmap.target[before])]].end if before is not None
             else 0.0)
    hi = (words[heard.owner[int(tmap.target[after])]].start if after is not None
          else transcript.duration_sec)
    if hi <= lo:
        return None
    hi = min(hi, lo + SPOT_MAX_WINDOW_SEC)
    found = acoustic.spot(script[pos:pos + SPOT_PHRASE_TOKENS], lo - 0.2, hi)
    if found is None or found[0].score < SPOT_MIN_SCORE:
        return None
    spot, margin = found
    evidence = float(np.clip(1.0 + spot.score / 4.0, 0.0, 1.0)) * min(1.0, 0.5 + margin / 2)
    kind = "spotted" if acoustic.clear(lo, hi) else "spotted-noisy"
    return _Rough(time=max(0.0, spot.start_sec - SPOT_LEAD_SEC), basis="startCue",
                  evidence=evidence, word_end=spot.start_sec + 0.2, kind=kind)


def _spot_unheard_cues(rough: list[_Rough | None], cue_toks: list[list[str]],
                       acoustic: _Acoustic, *, duration: float) -> list[_Rough | None]:
    """Cues only: a scene whose start cue was not heard as such (placed by its anchor, by a
    loose match, or not at all) is searched acoustically between the previous scene and its
    anchor (or the next placed scene). The best-explained start replaces an unplaced scene;
    it replaces a placed one when it lies elsewhere and explains the audio clearly better
    (`SPOT_MARGIN`) than the cue scored where it was placed."""
    out = list(rough)
    for i in range(1, len(out)):
        r = out[i]
        if (r is not None and r.latest is None and r.basis == "startCue"
                and r.evidence >= CUE_TRUST_SCORE):
            continue
        prev = next((x.time for x in reversed(out[:i]) if x is not None), 0.0)
        nxt = next((x.time for x in out[i + 1:] if x is not None), duration)
        if r is not None and r.latest is not None:
            # Placed from an anchor inside the scene: the opening lies before that anchor.
            hi = r.latest
            lo = max(prev + 0.3, hi - SPOT_MAX_WINDOW_SEC)
        else:
            lo = prev + 0.3
            hi = min(nxt, lo + SPOT_MAX_WINDOW_SEC)
        words = cue_toks[i][:SPOT_PHRASE_TOKENS]
        found = acoustic.spot(words, lo, hi)
        if found is None or found[0].score < SPOT_MIN_SCORE:
            continue
        spot, margin = found
        if r is not None:
            if abs(spot.start_sec - SPOT_LEAD_SEC - r.time) < 0.5:
                continue
            here = acoustic.spot(words, r.time - 0.3, r.time + 0.5)
            if here is not None and spot.score - here[0].score < SPOT_MARGIN:
                continue
        evidence = float(np.clip(1.0 + spot.score / 4.0, 0.0, 1.0)) * min(1.0, 0.5 + margin / 2)
        kind = "spotted" if acoustic.clear(lo, hi) else "spotted-noisy"
        out[i] = _Rough(time=max(prev + 0.05, spot.start_sec - SPOT_LEAD_SEC), basis="startCue",
                        evidence=evidence, word_end=spot.start_sec + 0.2, kind=kind)
    return out


def _rough_from_script(transcript: Transcript, heard: Tokens, narration: str,
                       cue_toks: list[list[str]], anchor_toks: list[list[str]],
                       opts: AlignOptions, acoustic: _Acoustic | None = None
                       ) -> list[_Rough | None]:
    rate = speech_rate(transcript, opts)
    script = tokenize_text(narration, language=transcript.language)
    index = PhraseIndex(script.tokens)
    starts = _sentence_starts_text(narration, script)
    cues, anchors = _candidates(index, cue_toks, anchor_toks, starts, opts)
    chosen = _prefer_first(choose_monotonic(cues, anchors, anchor_bonus=opts.anchor_bonus),
                           cues)
    tmap: TokenMap = map_script(script.tokens, heard.tokens)
    out: list[_Rough | None] = []
    for c in chosen:
        if c is None:
            out.append(None)
            continue
        if acoustic is not None and not _heard_opening(tmap, c.pos):
            floor = next((x.time for x in reversed(out) if x is not None), 0.0)
            spotted = _spot_in_script(acoustic, transcript, heard, script.tokens, tmap, c.pos,
                                      floor=floor + 0.3 if out else 0.0)
            if spotted is not None:
                out.append(spotted)
                continue
        lead = c.lead_chars
        placed: _Rough | None = None
        for k in range(c.pos, min(len(script.tokens), c.pos + 12)):
            j = int(tmap.target[k])
            if j >= 0:
                phrase = script.tokens[c.pos:c.pos + 3]
                if lead == c.lead_chars:
                    j = _settle_on_phrase(heard.tokens, j, phrase)
                start, end = _heard_time(transcript, heard, j, lead, opts, rate)
                placed = _Rough(time=start, basis=c.basis,
                                evidence=c.score * (0.5 + 0.5 * tmap.support(c.pos)),
                                word_end=end)
                break
            lead += len(script.tokens[k]) + 1
        out.append(placed)
    return out


def _settle_on_phrase(seq: list[str], j: int, phrase: list[str], *, reach: int = 3,
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


def place_scenes(
    transcript: Transcript,
    signal: np.ndarray | Envelope | None,
    request: TimestampsRequest,
    *,
    options: AlignOptions | None = None,
    model: str = "base",
    lossy: bool = False,
    samples: np.ndarray | None = None,
) -> Placement:
    """Place every scene of ``request`` on ``transcript`` (no speech recogniser runs; the
    phoneme recogniser runs on the stretches where a scene's opening was not heard).

    Args:
        transcript: from `transcribe_words` on the same audio.
        signal: the audio (np.ndarray [shape=(n,)], float32, 16 kHz mono) or its
            `energy_envelope`, for onset refinement; None skips refinement.
        request: the validated request.
        options: alignment settings.
        model: the recogniser's name, to pick its calibration table.
        lossy: the audio came from a lossy codec (`DecodedAudio.lossy`), to pick its windows.
        samples: the audio (16 kHz mono float32) for the acoustic search of unheard openings
            when ``signal`` is an envelope; None (and an envelope) skips that search.

    Returns:
        Placement: one `ScenePlacement` per scene, in request order; scene 0 at 0 s.
    """
    opts = options or AlignOptions()
    lang = transcript.language
    n = len(request.scenes)
    heard = tokenize_words([w.text for w in transcript.words], language=lang)
    cue_toks = [tokenize_text(s.start_cue_text, language=lang).tokens for s in request.scenes]
    anchor_toks = [tokenize_text(s.anchor_text, language=lang).tokens for s in request.scenes]
    duration = transcript.duration_sec
    rough: list[_Rough | None]
    mode = "cues"
    if samples is None and isinstance(signal, np.ndarray):
        samples = signal
    acoustic = (_Acoustic(samples) if samples is not None and opts.acoustic_search
                and base_language(lang) == "en" else None)
    if heard.tokens:
        rough = _rough_from_cues(transcript, heard, cue_toks, anchor_toks, opts)
    else:
        rough = [None] * n
    if request.narration_text and opts.use_narration and heard.tokens:
        mode = "script"
        by_script = _rough_from_script(transcript, heard, request.narration_text, cue_toks,
                                       anchor_toks, opts, acoustic)
        rough = _merge(by_script, rough)
    elif acoustic is not None:
        rough = _spot_unheard_cues(rough, cue_toks, acoustic, duration=transcript.duration_sec)

    env: Envelope | None
    if signal is None or not opts.onset_refinement:
        env = None
    elif isinstance(signal, Envelope):
        env = signal
    else:
        env = energy_envelope(signal)

    calibration_model = opts.calibration_model or model
    times: list[float | None] = [None] * n
    info: list[tuple[str, str, float, float | None, tuple[float, float] | None, ClassStats,
                     float | None, float | None] | None] = [None] * n
    times[0] = 0.0
    last = 0.0
    for i in range(1, n):
        r = rough[i]
        if r is None:
            continue
        nxt = next((x.time for x in rough[i + 1:] if x is not None), duration)
        if r.time <= last or r.time >= duration:
            continue
        refined = False
        pause = None
        snr: float | None = None
        t = r.time
        if env is not None:
            onset = find_onset(env, r.time, lo=last + 0.05, hi=max(last + 0.1, nxt - 0.05),
                               search_before=opts.onset_search_before,
                               search_after=max(opts.onset_search_after,
                                                min(ONSET_REACH_SEC,
                                                    r.word_end - r.time - 0.05)),
                               min_pause=opts.min_pause_sec,
                               expected_shift=opts.expected_shift_sec,
                               pause_weight=opts.pause_weight)
            if onset is not None:
                t, refined, pause = onset.time, True, (onset.pause_start, onset.pause_end)
                snr = onset.snr_db
                if samples is not None and opts.breath_check:
                    breath = breath_onset(samples, env, onset, hi=max(last + 0.1, nxt - 0.05))
                    if breath is not None:
                        t = breath.onset_sec
                if opens_with_filler(cue_toks[i]) and not _filler_heard(transcript, r.time):
                    said = filler_onset(env, transcript.words, onset, lo=last + 0.05,
                                        min_pause=opts.min_pause_sec)
                    if said is not None:
                        t = said
        cls = evidence_class(mode=mode, basis=r.kind or r.basis, refined=refined)
        st = stats_for(cls, model=calibration_model, calibrated=opts.calibrated_windows,
                       snr_db=snr, lossy=lossy, table_file=opts.calibration_file)
        if abs(st.shift_ms) > MAX_SHIFT_MS:
            # A class whose cuts were mostly wrong on the tuning set has a meaningless median:
            # the cut stays where the evidence put it, inside the same (wide) window.
            st = ClassStats(shift_ms=0.0, lo_ms=st.lo_ms + st.shift_ms,
                            hi_ms=st.hi_ms + st.shift_ms, p250=st.p250, n=st.n)
        t = t + st.shift_ms / 1000.0
        if t <= last:
            continue
        times[i] = t
        info[i] = (r.basis, cls, r.evidence, r.time, pause, st, r.latest, snr)
        last = t

    weights = [max(1, len(s.anchor_text) + len(s.start_cue_text)) for s in request.scenes]
    end_time = max(duration, last)
    filled = _interpolate(times, weights, end_time=end_time)
    if opts.snap_interpolated and transcript.words:
        _snap_to_pauses(filled, [x is None for x in info], transcript, env, opts,
                        end_time=end_time)
    out: list[ScenePlacement] = []
    warnings: list[ResultWarning] = []
    for i in range(n):
        t = filled[i]
        if i == 0:
            out.append(ScenePlacement(index=0, time_sec=0.0, basis="startCue",
                                      evidence_class="first", evidence=1.0,
                                      window_sec=(0.0, 0.0), confidence=1.0))
            continue
        item = info[i]
        if item is None:
            prev_t = filled[i - 1]
            next_t = filled[i + 1] if i + 1 < n else end_time
            out.append(ScenePlacement(index=i, time_sec=t, basis="interpolated",
                                      evidence_class="interpolated", evidence=0.0,
                                      window_sec=(prev_t, next_t), confidence=0.05))
            warnings.append(ResultWarning(
                code="CUE_NOT_FOUND", field=f"scenes[{i}].startCueText",
                message=(f"neither the start cue nor the anchor of scene {i} was found in the "
                         "narration; it is placed between its neighbours in proportion to its "
                         "text")))
            continue
        basis, cls, evidence, raw, pause, st, latest, snr = item
        conf = st.p250 * (0.6 + 0.4 * min(1.0, max(0.0, evidence)))
        window = (t + st.lo_ms / 1000.0, t + st.hi_ms / 1000.0)
        if latest is not None:
            # Placed from an anchor inside the scene: the start lies anywhere between the
            # previous scene and that anchor; the sentence start is only the likeliest place.
            window = (filled[i - 1], max(window[1], latest))
            conf = min(conf, ANCHOR_ONLY_CONFIDENCE)
        out.append(ScenePlacement(
            index=i, time_sec=t, basis=basis, evidence_class=cls, evidence=round(evidence, 3),
            window_sec=window,
            confidence=round(min(1.0, max(0.0, conf)), 3), raw_time_sec=raw, pause_sec=pause,
            shift_ms=st.shift_ms, snr_db=snr))
    return Placement(scenes=out, warnings=warnings, mode=mode)


def _filler_heard(transcript: Transcript, t: float, *, reach: float = 1.5) -> bool:
    """The recogniser wrote a filler word within ``reach`` seconds before ``t`` or just after."""
    lang = transcript.language
    return any(t - reach <= w.start <= t + 0.3 and
               set(tokenize_words([w.text], language=lang).tokens) & FILLERS
               for w in transcript.words)


def _snap_to_pauses(filled: list[float], unplaced: list[bool], transcript: Transcript,
                    env: Envelope | None, opts: AlignOptions, *, end_time: float) -> None:
    """Move each interpolated scene (in place) to the heard sentence start nearest to its
    proportional time, strictly between its neighbours: cuts fall in pauses, and text share
    alone lands mid-sentence. The time stays interpolated (wide window, low confidence)."""
    rate = speech_rate(transcript, opts)
    words = transcript.words
    starts = _sentence_starts_heard(transcript, rate=rate, opts=opts)
    heads = [word_start(w, rate=rate, opts=opts) for w in words]
    n = len(filled)
    for i in range(1, n):
        if not unplaced[i]:
            continue
        lo = filled[i - 1] + 0.3
        hi = (filled[i + 1] if i + 1 < n else end_time) - 0.3
        near = [heads[k] for k in range(len(words)) if starts[k] and lo < heads[k] < hi]
        if not near:
            continue
        t = min(near, key=lambda x: abs(x - filled[i]))
        if env is not None:
            onset = find_onset(env, t, lo=lo, hi=hi, search_before=opts.onset_search_before,
                               search_after=opts.onset_search_after,
                               min_pause=opts.min_pause_sec,
                               expected_shift=opts.expected_shift_sec,
                               pause_weight=opts.pause_weight)
            if onset is not None:
                t = onset.time
        filled[i] = t


def _merge(primary: list[_Rough | None], fallback: list[_Rough | None]) -> list[_Rough | None]:
    """Script placements first; a cue-only placement fills a gap when it fits its neighbours."""
    out = list(primary)
    for i, r in enumerate(out):
        if r is not None or fallback[i] is None:
            continue
        prev = next((x.time for x in reversed(out[:i]) if x is not None), -1.0)
        nxt = next((x.time for x in out[i + 1:] if x is not None), float("inf"))
        cand = fallback[i]
        if cand is not None and prev < cand.time < nxt:
            out[i] = cand
    return out


def _interpolate(times: list[float | None], weights: list[int], *, end_time: float
                 ) -> list[float]:
    """Fill unplaced scenes between placed neighbours in proportion to their text."""
    n = len(times)
    out = [0.0] * n
    i = 0
    while i < n:
        t = times[i]
        if t is not None:
            out[i] = t
            i += 1
            continue
        j = i
        while j < n and times[j] is None:
            j += 1
        left = out[i - 1]
        right = times[j] if j < n and times[j] is not None else end_time
        assert right is not None
        span = weights[i - 1: j]
        total = float(sum(span))
        acc = 0.0
        for k in range(i, j):
            acc += weights[k - 1]
            out[k] = left + (right - left) * acc / total
        i = j
    return out


def signal_envelope(samples: np.ndarray) -> Envelope:
    """The envelope `place_scenes` refines onsets on; compute once to reuse across settings."""
    return energy_envelope(samples)


__all__ = ["SAMPLE_RATE", "Placement", "ScenePlacement", "place_scenes", "signal_envelope"]
