"""Each scene's rough start in seconds, before onset refinement: its cues located in the
transcript, or through the script when there is one, with the phoneme recogniser searching the
openings the speech recogniser did not hear."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import (
    choose_candidates,
    fill_by_prefix,
    find_candidates,
    sentence_starts_text,
    settle_on_phrase,
    to_boundary,
)
from .heard import heard_time, sentence_starts_heard, speech_rate
from .options import AlignOptions
from .script_matching import PhraseIndex, TokenMap, map_script
from .spotting import (
    CUE_TRUST_SCORE,
    SPOT_LEAD_SEC,
    SPOT_MARGIN,
    SPOT_MAX_WINDOW_SEC,
    SPOT_MIN_SCORE,
    SPOT_PHRASE_TOKENS,
    PhraseSpotter,
    spot_evidence,
)
from .text import Tokens, tokenize_text
from .transcribe import Transcript


@dataclass(frozen=True)
class RoughStart:
    """Where the evidence puts one scene's start, before onset refinement.

    Attributes:
        time: the start, seconds from the start of the audio.
        basis: ``"startCue"`` or ``"anchor"``: which text placed it.
        evidence: text evidence in [0, 1] (phrase similarity, script support, or spotting).
        word_end: the latest end of the recognised word(s) at the start, seconds: how far
            the onset search may reach.
        latest: for a start inferred from an anchor inside the scene, the end of the word
            that anchor begins on, seconds (the scene starts at or before it); None otherwise.
        kind: ``"spotted"`` or ``"spotted-noisy"`` when the start came from the phoneme
            recogniser (its calibration class); empty otherwise.
    """

    time: float
    basis: str
    evidence: float
    word_end: float = 0.0
    latest: float | None = None
    kind: str = ""


def rough_from_cues(transcript: Transcript, heard: Tokens, cue_toks: list[list[str]],
                    anchor_toks: list[list[str]], opts: AlignOptions) -> list[RoughStart | None]:
    """Per scene, its start from its cues found in the transcript (None: not found).

    Args:
        heard: the transcript's tokens (`tokenize_words` of its words).
        cue_toks, anchor_toks: per scene, the start cue's and the anchor's tokens.
    """
    index = PhraseIndex(heard.tokens)
    rate = speech_rate(transcript, opts)
    word_starts = sentence_starts_heard(transcript, rate=rate, opts=opts)
    tok_starts = np.array([word_starts[o] and (k == 0 or heard.owner[k - 1] != o)
                           for k, o in enumerate(heard.owner)], dtype=bool)
    cues, anchors = find_candidates(index, cue_toks, anchor_toks, tok_starts, opts)
    chosen = choose_candidates(cues, anchors, opts)
    chosen = fill_by_prefix(chosen, heard.tokens, cue_toks, tok_starts)
    chosen = [to_boundary(c, heard.tokens, cue, tok_starts) for c, cue in
              zip(chosen, cue_toks, strict=True)]
    out: list[RoughStart | None] = []
    for c in chosen:
        if c is None:
            out.append(None)
            continue
        start, end = heard_time(transcript, heard, c.pos, lead_chars=c.lead_chars, opts=opts,
                                rate=rate)
        latest = (None if c.anchor_pos < 0
                  else max(start, transcript.words[heard.owner[c.anchor_pos]].end))
        out.append(RoughStart(time=start, basis=c.basis, evidence=c.score, word_end=end,
                              latest=latest))
    return out


def rough_from_script(transcript: Transcript, heard: Tokens, narration: str,
                      cue_toks: list[list[str]], anchor_toks: list[list[str]],
                      opts: AlignOptions, spotter: PhraseSpotter | None = None
                      ) -> list[RoughStart | None]:
    """Per scene, its start from its cues found in ``narration`` (the script), carried onto
    the transcript through the script-to-transcript map (None: not found).

    Args:
        heard: the transcript's tokens (`tokenize_words` of its words).
        cue_toks, anchor_toks: per scene, the start cue's and the anchor's tokens.
        spotter: searches the audio for a scene opening the recogniser did not hear; None
            skips that search.
    """
    rate = speech_rate(transcript, opts)
    script = tokenize_text(narration, language=transcript.language)
    index = PhraseIndex(script.tokens)
    starts = sentence_starts_text(narration, script)
    cues, anchors = find_candidates(index, cue_toks, anchor_toks, starts, opts)
    chosen = choose_candidates(cues, anchors, opts)
    tmap: TokenMap = map_script(script.tokens, heard.tokens)
    out: list[RoughStart | None] = []
    for c in chosen:
        if c is None:
            out.append(None)
            continue
        if spotter is not None and not heard_opening(tmap, c.pos):
            floor = next((x.time for x in reversed(out) if x is not None), 0.0)
            spotted = spot_in_script(spotter, transcript, heard, script.tokens, tmap, c.pos,
                                     floor=floor + 0.3 if out else 0.0)
            if spotted is not None:
                out.append(spotted)
                continue
        lead = c.lead_chars
        placed: RoughStart | None = None
        for k in range(c.pos, min(len(script.tokens), c.pos + 12)):
            j = int(tmap.target[k])
            if j >= 0:
                phrase = script.tokens[c.pos:c.pos + 3]
                if lead == c.lead_chars:
                    j = settle_on_phrase(heard.tokens, j, phrase)
                start, end = heard_time(transcript, heard, j, lead_chars=lead, opts=opts,
                                        rate=rate)
                placed = RoughStart(time=start, basis=c.basis,
                                    evidence=c.score * (0.5 + 0.5 * tmap.support(c.pos)),
                                    word_end=end)
                break
            lead += len(script.tokens[k]) + 1
        out.append(placed)
    return out


def heard_opening(tmap: TokenMap, pos: int) -> bool:
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


def spot_in_script(spotter: PhraseSpotter, transcript: Transcript, heard: Tokens,
                   script: list[str], tmap: TokenMap, pos: int, *, floor: float = 0.0
                   ) -> RoughStart | None:
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
    found = spotter.spot(script[pos:pos + SPOT_PHRASE_TOKENS], lo - 0.2, hi)
    if found is None or found[0].score < SPOT_MIN_SCORE:
        return None
    spot, margin = found
    kind = "spotted" if spotter.clear(lo, hi) else "spotted-noisy"
    return RoughStart(time=max(0.0, spot.start_sec - SPOT_LEAD_SEC), basis="startCue",
                      evidence=spot_evidence(spot, margin), word_end=spot.start_sec + 0.2,
                      kind=kind)


def spot_unheard_cues(rough: list[RoughStart | None], cue_toks: list[list[str]],
                      spotter: PhraseSpotter, *, duration: float) -> list[RoughStart | None]:
    """Cues only: a scene whose start cue was not heard as such (placed by its anchor, by a
    loose match, or not at all) is searched acoustically between the previous scene and its
    anchor (or the next placed scene). The best-explained start replaces an unplaced scene;
    it replaces a placed one when it lies elsewhere and explains the audio clearly better
    (`SPOT_MARGIN`) than the cue scored where it was placed.

    Args:
        duration: length of the audio, seconds.
    """
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
        found = spotter.spot(words, lo, hi)
        if found is None or found[0].score < SPOT_MIN_SCORE:
            continue
        spot, margin = found
        if r is not None:
            if abs(spot.start_sec - SPOT_LEAD_SEC - r.time) < 0.5:
                continue
            here = spotter.spot(words, r.time - 0.3, r.time + 0.5)
            if here is not None and spot.score - here[0].score < SPOT_MARGIN:
                continue
        kind = "spotted" if spotter.clear(lo, hi) else "spotted-noisy"
        out[i] = RoughStart(time=max(prev + 0.05, spot.start_sec - SPOT_LEAD_SEC),
                            basis="startCue", evidence=spot_evidence(spot, margin),
                            word_end=spot.start_sec + 0.2, kind=kind)
    return out


def merge_rough(primary: list[RoughStart | None], fallback: list[RoughStart | None]
                ) -> list[RoughStart | None]:
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
