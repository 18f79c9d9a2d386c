"""Describe Scenes end to end: check, decode, analyse, describe, place narration cues."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..contract.common import new_request_id
from ..contract.describe import (
    DescribeData,
    DescribedScene,
    DescribeMeta,
    DescribeResponse,
)
from ..contract.errors import PostprodError, collect
from ..contract.limits import DEFAULT_TIER, Tier, limits_for
from ..media.images import ImageSource, decode_image
from ..models.captioner import Captioner, captioner_dir_from, get_captioner
from ..progress import ProgressCallback, report
from .evidence import CONFIDENT, HEDGED, VisualEvidence, analyze_image
from .narration import SceneCue, assign_cues, split_units
from .narration_matching import PERSON_WORDS, evidence_terms, mention_strength, scene_affinity
from .request import CheckedRequest, RequestLike, check_request
from .wording import cap_words, describe_from_evidence, subject_phrase

ANALYSIS_SIDE = 1024
"""Decoded images are kept at most this long on their long side for analysis (pixels)."""
DETAIL_SIDE = 2048
"""Long side kept for `extraDetail` scenes, whose OCR benefits from resolution (pixels)."""
LOW_CONFIDENCE = 0.5
"""Cue confidence below which a scene's placement is reported as worth a review."""
OUTPUT_LANGUAGE = "en"
"""The language descriptions and interpretations are written in (see docs/decisions)."""


def quote_describe(images: Sequence[ImageSource], request: RequestLike = None, *,
                   tier: Tier = DEFAULT_TIER) -> int:
    """The price in credits of a Describe Scenes request, after every check except decoding.

    Args:
        images: the images in scene order (paths, bytes, or ``(name, bytes)``).
        request: the metadata (model, mapping, JSON text/bytes, or None).
        tier: whose limits and features apply.

    Raises:
        PostprodError: the same validation errors `describe_scenes` raises before decoding.
    """
    return check_request(images, request, tier=tier).cost


def describe_scenes(images: Sequence[ImageSource], request: RequestLike = None, *,
                    tier: Tier = DEFAULT_TIER, captioner: str | Path | None = None,
                    progress: ProgressCallback | None = None,
                    request_id: str | None = None) -> DescribeResponse:
    """One description per image, in order; with narration, cue fields for Scene Timestamps.

    Args:
        images: the scene images in order: file paths, bytes, or ``(name, bytes)``.
        request: the `metadata` (`DescribeRequest`, a mapping, JSON text/bytes, or None).
        tier: whose limits and paid features apply (default enterprise).
        captioner: a local transformers image-to-text model folder; None reads
            ``$POSTPROD_CAPTIONER_DIR``; without either, descriptions come from the evidence.
        progress: receives `Progress` events (stages ``decode``, ``analyse``, ``narration``).
        request_id: the id to report in ``meta.requestId`` (a new one when None).

    Returns:
        `DescribeResponse`; ``to_json_data()`` gives the contract JSON.

    Raises:
        PostprodError: every error of contract §3 (`IMAGE_UNDECODABLE` for all broken images
            at once), and `ENGINE_UNAVAILABLE` when a model cannot be loaded.
    """
    rid = request_id or new_request_id()
    checked = check_request(images, request, tier=tier)
    folder = captioner_dir_from(captioner)
    cap_model = get_captioner(folder) if folder is not None else None
    pixels = _decode_all(checked, progress)
    evidence = _analyse_all(checked, pixels, cap_model, progress)
    return _respond(checked, evidence, tier=tier, request_id=rid, progress=progress)


def scene_evidence(images: Sequence[ImageSource], *, extra_detail: bool = False,
                   captioner: str | Path | None = None) -> list[VisualEvidence]:
    """The visual evidence of each image (for notebooks and inspection), enterprise limits."""
    checked = check_request(images, None, tier="enterprise")
    folder = captioner_dir_from(captioner)
    cap_model = get_captioner(folder) if folder is not None else None
    if extra_detail:
        checked = CheckedRequest(request=checked.request, images=checked.images,
                                 headers=checked.headers,
                                 extra_detail=frozenset(range(len(checked.images))),
                                 cost=checked.cost)
    pixels = _decode_all(checked, None)
    return _analyse_all(checked, pixels, cap_model, None)


def _decode_all(checked: CheckedRequest, progress: ProgressCallback | None) -> list[np.ndarray]:
    from PIL import Image

    out: list[np.ndarray] = []
    errors: list[PostprodError] = []
    n = len(checked.images)
    for i, blob in enumerate(checked.images):
        report(progress, "decode", 0.1 * i / n, f"decoding {blob.name}")
        try:
            rgb = decode_image(blob.data, field=blob.field)
        except PostprodError as exc:
            errors.append(exc)
            continue
        side = DETAIL_SIDE if i in checked.extra_detail else ANALYSIS_SIDE
        if max(rgb.shape[:2]) > side:
            im = Image.fromarray(rgb)
            im.thumbnail((side, side), Image.Resampling.LANCZOS)
            rgb = np.asarray(im)
        out.append(rgb)
    if errors:
        raise collect(errors)
    return out


def _analyse_all(checked: CheckedRequest, pixels: list[np.ndarray], cap_model: Captioner | None,
                 progress: ProgressCallback | None) -> list[VisualEvidence]:
    n = len(pixels)
    evidence = []
    for i, rgb in enumerate(pixels):
        report(progress, "analyse", 0.1 + 0.75 * i / n,
               f"analysing image {i + 1} of {n}")
        ev = analyze_image(rgb, extra_detail=i in checked.extra_detail)
        if cap_model is not None:
            ev.caption = cap_model.caption(rgb)
        evidence.append(ev)
    return evidence


def _respond(checked: CheckedRequest, evidence: list[VisualEvidence], *, tier: Tier,
             request_id: str, progress: ProgressCallback | None) -> DescribeResponse:
    req = checked.request
    limits = limits_for(tier)
    max_chars = limits.describe_field_chars
    style = req.hints.style
    cues: list[SceneCue | None] = [None] * len(evidence)
    narration = req.narration_text or ""
    if narration.strip():
        report(progress, "narration", 0.9, "matching scenes to the narration")
        cues = narration_cues(narration, evidence, max_chars=max_chars)
    scenes = []
    for i, ev in enumerate(evidence):
        description = describe_from_evidence(ev, style=style, max_chars=max_chars,
                                             caption=ev.caption)
        cue = cues[i]
        scene = DescribedScene(
            index=i,
            scene_id=req.scene_ids[i] if req.scene_ids else None,
            description=description,
            extra_detail=True if i in checked.extra_detail else None,
        )
        if cue is not None and not cue.contradicted:
            scene.anchor_text = cue.anchor_text
            scene.start_cue_text = cue.start_cue_text
            scene.cue_confidence = cue.confidence
            scene.interpretation = cap_words(interpretation(ev, cue), max_chars=max_chars)
        scenes.append(scene)
    report(progress, "done", 1.0, "done")
    return DescribeResponse(
        data=DescribeData(scenes=scenes),
        meta=DescribeMeta(request_id=request_id, style=style, language_code=OUTPUT_LANGUAGE,
                          scene_count=len(scenes)))


def narration_cues(narration: str, evidence: Sequence[VisualEvidence], *,
                   max_chars: int) -> list[SceneCue | None]:
    """Each scene's span of ``narration`` (story order, DP over sentences/clauses).

    Args:
        narration: the full narration text.
        evidence: one `VisualEvidence` per scene, in order.
        max_chars: per-field limit for ``anchorText`` (characters).

    Returns:
        One `SceneCue` per scene; None for scenes left without a span (more scenes than the
        narration has words to split into).
    """
    units = split_units(narration, count=len(evidence))
    if not units:
        return [None] * len(evidence)
    texts = [u.text(narration) for u in units]
    terms = [evidence_terms(ev) for ev in evidence]
    affinity, hits = scene_affinity(terms, texts)
    return assign_cues(narration, affinity, hits, units=units, max_chars=max_chars,
                       mentions=mention_strength(terms, texts))


def interpretation(ev: VisualEvidence, cue: SceneCue) -> str:
    """One short sentence on how the image reads against its span of narration.

    A word the passage shares with the evidence is said to match the image only as firmly as the
    evidence behind it (`keyword_support`); otherwise the sentence says the placement rests on
    story order.
    """
    subject, found = subject_phrase(ev)
    subject = subject.replace("what looks like ", "") if found else "the image"
    support = keyword_support(ev, cue.keyword_hit) if cue.keyword_hit else None
    if support == "plain":
        return f"The passage names “{cue.keyword_hit}”, which the image shows."
    if support == "hedged":
        return f"The passage names “{cue.keyword_hit}”, which the image seems to show."
    if cue.affinity >= 0.12 and found:
        return f"Shows {subject}, which fits what this passage describes."
    return (f"Placed by story order: {subject} is not clearly named in this passage, so it "
            "reads as a visual accompaniment.")


def keyword_support(ev: VisualEvidence, word: str) -> str | None:
    """How firmly the evidence shows ``word``: ``"plain"`` (a confident concept, a detected face
    for person words, a measured dominant colour or darkness, read on-screen text), ``"hedged"``
    (a concept between `HEDGED` and `CONFIDENT`), or None (only weak evidence)."""
    w = word.casefold()
    if ev.faces and w in PERSON_WORDS:
        return "plain"
    if w in {c.name for c in ev.colours[:2]} and not ev.grayscale:
        return "plain"
    if ev.light == "dark" and w in ("dark", "darkness"):
        return "plain"
    if ev.text and w in ev.text.casefold():
        return "plain"
    for c in ev.concepts:
        if not c.reliable or w not in (k.casefold() for k in c.keywords):
            continue
        if c.probability >= CONFIDENT:
            return "plain"
        if c.probability >= HEDGED:
            return "hedged"
    return None
