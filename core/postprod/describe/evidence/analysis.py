"""All visual evidence for one image, from each source in turn (classifier concepts, faces,
colours, on-screen text, light and framing), in one `VisualEvidence`.

Every description and every narration match is written from this evidence only, so a notebook
can inspect exactly what the product saw (`analyze_image`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...models.classifier import LabelScore, get_classifier
from ..onscreen_text import find_text_lines
from .colours import NamedColour, named_colours
from .concepts import HEDGED, TEXT_CLASSES, ConceptScore, group_concepts
from .faces import Face, detect_faces
from .ocr import merge_text, read_lines, read_text
from .pixels import luma, thumbnail

CLOSE_UP_FACE = 0.1
"""Face box area over image area from which the frame is called a close-up: the face box spans
about a third of the frame's side. A waist-up portrait (face ≈ 4 %) is not a close-up."""


@dataclass
class VisualEvidence:
    """What was measured in one image (all deterministic for the same pixels).

    Attributes:
        width, height: upright size in pixels (of the analysed copy).
        labels: top ImageNet classes with probabilities.
        concepts: the labels grouped into plain-words concepts, most probable first.
        faces: frontal faces found.
        text: on-screen text read by OCR ("" when OCR did not run or found nothing).
        ocr_ran: whether OCR ran on this image.
        colours: dominant named colours, largest share first (shares >= 0.1).
        grayscale: True for a black-and-white image.
        brightness: mean luminance in [0, 1].
        contrast: luminance standard deviation in [0, 0.5].
        orientation: ``landscape``, ``portrait`` or ``square``.
        extra_detail: deeper analysis ran (more labels, OCR, full palette).
    """

    width: int
    height: int
    labels: list[LabelScore]
    concepts: list[ConceptScore]
    faces: list[Face]
    text: str
    ocr_ran: bool
    colours: list[NamedColour]
    grayscale: bool
    brightness: float
    contrast: float
    orientation: str
    extra_detail: bool = False
    caption: str | None = field(default=None)

    @property
    def face_fraction(self) -> float:
        """Area of the largest face over the image area (0 when no face)."""
        if not self.faces:
            return 0.0
        return max(f.width * f.height for f in self.faces) / float(self.width * self.height)

    @property
    def light(self) -> str:
        """``dark``, ``dim``, ``bright`` or ``""`` (ordinary exposure)."""
        if self.brightness < 0.22:
            return "dark"
        if self.brightness < 0.36:
            return "dim"
        if self.brightness > 0.68:
            return "bright"
        return ""

    @property
    def contrast_word(self) -> str:
        """``low contrast``, ``high contrast`` or ``""``."""
        if self.contrast < 0.12:
            return "low contrast"
        if self.contrast > 0.29:
            return "high contrast"
        return ""

    @property
    def framing(self) -> str:
        """``close-up`` (a face fills the frame), ``wide view`` (a landscape class), or ``""``."""
        if self.face_fraction >= CLOSE_UP_FACE:
            return "close-up"
        top = self.main_concept()
        if top is not None and top.kind == "place":
            return "wide view"
        return ""

    def main_concept(self, threshold: float = HEDGED) -> ConceptScore | None:
        """The most probable stateable concept at or above ``threshold``, else None."""
        for c in self.concepts:
            if c.probability >= threshold and c.kind != "clothing":
                return c
        return None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for notebooks and JSON dumps."""
        return {
            "size": [self.width, self.height], "orientation": self.orientation,
            "labels": [[s.label, round(s.probability, 4)] for s in self.labels],
            "concepts": [[c.phrase, round(c.probability, 4)] for c in self.concepts],
            "faces": len(self.faces), "faceFraction": round(self.face_fraction, 4),
            "text": self.text, "ocrRan": self.ocr_ran,
            "colours": [[c.name, round(c.share, 3)] for c in self.colours],
            "grayscale": self.grayscale, "brightness": round(self.brightness, 3),
            "contrast": round(self.contrast, 3), "light": self.light,
            "framing": self.framing, "extraDetail": self.extra_detail,
        }


def analyze_image(rgb: np.ndarray, *, extra_detail: bool = False,
                  ocr: bool | None = None) -> VisualEvidence:
    """All visual evidence for one upright RGB image.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8 RGB (EXIF orientation already applied).
        extra_detail: deeper analysis: 10 labels instead of 5, OCR always, full palette.
        ocr: force OCR on (True) or off (False). By default every image is searched for text
            lines (a few ms, `find_text_lines`) and tesseract reads the lines found; a whole
            page is read as well on ``extra_detail`` images and on images whose top labels are
            text-like (signs, pages, covers).

    Returns:
        `VisualEvidence` (deterministic for the same pixels).
    """
    h, w = rgb.shape[:2]
    labels = get_classifier().classify(rgb, top_k=10 if extra_detail else 5)
    concepts = group_concepts(labels)
    faces = detect_faces(rgb)
    colours, grayscale = named_colours(rgb, min_share=0.05 if extra_detail else 0.1)
    thumb = luma(thumbnail(rgb, 128)) / 255.0
    page = ocr if ocr is not None else (
        extra_detail or any(s.index in TEXT_CLASSES and s.probability >= 0.1
                            for s in labels[:3]))
    lines = find_text_lines(rgb) if ocr is not False else []
    text = read_lines(rgb, lines) if lines else ""
    if page:
        text = merge_text(text, read_text(rgb))
    ocr = bool(lines) or bool(page)
    ratio = w / h
    orientation = "landscape" if ratio > 1.15 else "portrait" if ratio < 0.87 else "square"
    return VisualEvidence(
        width=w, height=h, labels=labels, concepts=concepts, faces=faces, text=text,
        ocr_ran=bool(ocr), colours=colours, grayscale=grayscale,
        brightness=float(thumb.mean()), contrast=float(thumb.std()), orientation=orientation,
        extra_detail=extra_detail)
