"""Descriptions written from visual evidence, per style, never claiming more than the evidence.

Pure functions: evidence in, text out. Confident concepts are stated plainly ("a cat"),
middling ones hedged ("what looks like a rocket"), weak ones left out; without a subject the
description says what is certain (tones, light, framing).
"""

from __future__ import annotations

from .evidence import CONFIDENT, HEDGED, ConceptScore, VisualEvidence

STYLE_WORD_LIMITS: dict[str, int] = {"short": 12, "normal": 30, "detailed": 70}
"""Most words per description for each `hints.style` (contract §3.1)."""

SECONDARY = 0.1
"""Smallest group probability for an alternative concept to be named (hedged) in `detailed`."""


def cap_words(text: str, *, max_words: int | None = None, max_chars: int | None = None) -> str:
    """``text`` cut to at most ``max_words`` words and ``max_chars`` characters, at a word boundary.

    A cut text ends with "…" (counted in ``max_chars``, attached to the last word so the word
    count holds); an uncut text is returned as it is (whitespace-normalised).
    """
    words = text.split()
    cut = False
    if max_words is not None and len(words) > max_words:
        words = words[:max_words]
        cut = True
    out = " ".join(words)
    if max_chars is not None and len(out) > max_chars:
        cut = True
        while words and len(" ".join(words)) + 1 > max_chars:
            words.pop()
        out = " ".join(words)
    if cut and words:
        out = out.rstrip(",;:.-—–") + "…"
        if max_chars is not None and len(out) > max_chars:  # one word longer than the limit
            out = out[: max(0, max_chars - 1)].rstrip() + "…"
    return out


def subject_phrase(ev: VisualEvidence) -> tuple[str, bool]:
    """The main subject in words and whether anything concrete was found.

    People come from faces (a frontal-face detector); objects, animals and places from the
    classifier's concepts, hedged below `CONFIDENT`.
    """
    people = _people(ev)
    concept = ev.main_concept(HEDGED)
    if concept is not None and concept.kind == "person":
        concept = None if people else concept
    thing = _hedge(concept) if concept is not None else ""
    if people and thing:
        return f"{people} and {thing}", True
    if people:
        clothes = next((c for c in ev.concepts if c.kind == "clothing"
                        and c.probability >= CONFIDENT), None)
        return (f"{people} in {_strip_article(clothes.labels[0])}" if clothes else people), True
    if thing:
        return thing, True
    if ev.text:
        return "on-screen text", True
    return "", False


def _people(ev: VisualEvidence) -> str:
    n = len(ev.faces)
    if n == 0:
        return ""
    if n == 1:
        return "a person"
    if n == 2:
        return "two people"
    return "a group of people"


def _hedge(c: ConceptScore) -> str:
    return c.phrase if c.probability >= CONFIDENT else f"what looks like {c.phrase}"


def _strip_article(label: str) -> str:
    from .vocabulary import plain_phrase

    phrase = plain_phrase(label)
    for art in ("a ", "an "):
        if phrase.startswith(art):
            return phrase[len(art):]
    return phrase


def colour_phrase(ev: VisualEvidence, *, most: int = 2) -> str:
    """``"in black and white"``, ``"in brown and orange tones"`` or ``""``."""
    if ev.grayscale:
        return "in black and white"
    names = [c.name for c in ev.colours if c.name not in ("grey",)][:most]
    if not names:
        names = [c.name for c in ev.colours][:1]
    if not names:
        return ""
    return f"in {_join(names)} tones"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _light_phrase(ev: VisualEvidence) -> str:
    return {"dark": "dark", "dim": "dimly lit", "bright": "brightly lit", "": ""}[ev.light]


def _quote(text: str, *, words: int) -> str:
    shown = cap_words(text, max_words=words)
    return f"“{shown}”"


def _first_sentence(ev: VisualEvidence, *, max_words: int) -> str:
    subject, found = subject_phrase(ev)
    framing = ev.framing
    colours = colour_phrase(ev)
    light = _light_phrase(ev)
    if found:
        lead = {"close-up": "A close-up of ", "wide view": "A wide view of "}.get(framing, "")
        head = lead + subject
    else:
        kind = "black-and-white photo" if ev.grayscale else "photo"
        head = f"A {light} {kind}" if light in ("dark", "dimly lit") else f"A {kind}"
        light = "" if light in ("dark", "dimly lit") else light
        colours = "" if ev.grayscale else colour_phrase(ev).replace("in ", "in mostly ", 1)
    parts = [head]
    tail = [p for p in (colours, light) if p]
    if ev.text and found and subject != "on-screen text":
        tail.append(f"with the text {_quote(ev.text, words=6)}")
    elif ev.text and subject == "on-screen text":
        parts[0] = f"On-screen text reading {_quote(ev.text, words=8)}"
    sentence = parts[0] + (", " + ", ".join(tail) if tail else "")
    sentence = sentence[0].upper() + sentence[1:]
    return cap_words(sentence, max_words=max_words).rstrip(".…") + "."


def _short(ev: VisualEvidence) -> str:
    subject, found = subject_phrase(ev)
    if found and subject != "on-screen text":
        extra = colour_phrase(ev, most=1)
        if ev.text:  # a caption says more than a colour
            extra = f"captioned {_quote(ev.text, words=6)}"
        text = f"{subject}, {extra}" if extra else subject
    elif found:
        text = f"on-screen text: {_quote(ev.text, words=6)}"
    else:
        light = ev.light
        lead = f"a {light} photo" if light in ("dark", "dim") else "a photo"
        text = f"{lead} {colour_phrase(ev, most=1)}".strip()
    text = text[0].upper() + text[1:]
    return cap_words(text, max_words=STYLE_WORD_LIMITS["short"]).rstrip(".…") + "."


def _detail_sentences(ev: VisualEvidence) -> list[str]:
    out = []
    main = ev.main_concept(HEDGED)
    alts = [c for c in ev.concepts
            if c is not main and c.kind != "clothing" and c.reliable
            and c.probability >= SECONDARY]
    if len(ev.faces) >= 1 and main is not None:
        out.append(f"{len(ev.faces)} face{'s' if len(ev.faces) > 1 else ''} "
                   f"{'are' if len(ev.faces) > 1 else 'is'} visible.")
    elif len(ev.faces) > 1:
        out.append(f"{len(ev.faces)} faces are visible.")
    if alts:
        out.append(f"It may also show {_join([a.phrase for a in alts[:2]])}.")
    elif main is None and not ev.faces and not ev.text:
        out.append("No object is recognised with confidence.")
    frame = [f"The frame is {ev.orientation}"]
    if ev.contrast_word:
        frame.append(f"with {ev.contrast_word}")
    if ev.colours and not ev.grayscale:
        frame.append(f"and the palette runs to {_join([c.name for c in ev.colours[:4]])}")
    out.append(" ".join(frame) + ".")
    if ev.text and ev.extra_detail:
        out.append(f"The legible text reads {_quote(ev.text, words=12)}.")
    return out


def describe_from_evidence(ev: VisualEvidence, *, style: str, max_chars: int,
                           caption: str | None = None) -> str:
    """One description of one image.

    Args:
        ev: the image's evidence.
        style: ``short`` (≤ 12 words), ``normal`` (one sentence ≤ 30 words) or ``detailed``
            (2–3 sentences ≤ 70 words).
        max_chars: the tier's per-scene field limit in characters (cut at a word boundary).
        caption: a caption from the user's captioner; replaces the evidence-written first
            sentence (``detailed`` still adds evidence sentences after it).

    Returns:
        The description, within both limits.
    """
    max_words = STYLE_WORD_LIMITS[style]
    if caption is not None and caption.strip():
        first = caption.strip()
        first = first[0].upper() + first[1:]
        if style != "detailed":
            return cap_words(first, max_words=max_words, max_chars=max_chars)
        first = cap_words(first, max_words=40).rstrip(".…") + "."
    elif style == "short":
        return cap_words(_short(ev), max_words=max_words, max_chars=max_chars)
    else:
        first = _first_sentence(ev, max_words=STYLE_WORD_LIMITS["normal"])
        if style == "normal":
            return cap_words(first, max_words=max_words, max_chars=max_chars)
    sentences = [first, *_detail_sentences(ev)][:3]
    text = " ".join(sentences)
    return cap_words(text, max_words=max_words, max_chars=max_chars)
