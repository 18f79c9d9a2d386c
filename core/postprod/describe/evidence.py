"""Visual evidence for one image: classifier concepts, faces, text, colours, light, framing.

Every description and every narration match is written from this evidence only, so a notebook
can inspect exactly what the product saw (`analyze_image`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..models.classifier import LabelScore, get_classifier
from .onscreen_text import TextLine, find_text_lines, line_strip
from .vocabulary import UNRELIABLE, Concept, concept_of, plain_phrase

CONFIDENT = 0.5
"""Group probability from which a concept is stated plainly ("a cat")."""
HEDGED = 0.2
"""Group probability from which a concept is stated hedged ("what looks like a rocket")."""

CLOSE_UP_FACE = 0.1
"""Face box area over image area from which the frame is called a close-up: the face box spans
about a third of the frame's side. A waist-up portrait (face ≈ 4 %) is not a close-up."""

# Labels whose presence suggests on-screen text worth reading.
TEXT_CLASSES: frozenset[int] = frozenset({916, 921, 922, 917, 918, 446, 549, 919, 453, 454, 781,
                                          458, 769})


@dataclass(frozen=True)
class ConceptScore:
    """A plain-words concept with the summed probability of its ImageNet classes.

    Attributes:
        key: group name (``"cat"``, ``"rocket"``, ``"espresso"``).
        phrase: noun phrase with article, from the group's most probable class.
        probability: sum of the group's class probabilities among the top classes, in [0, 1].
        keywords: words a narration would use for it.
        kind: ``animal``, ``person``, ``place``, ``clothing``, ``text`` or ``object``.
        labels: the shipped class names that make it up, most probable first.
        reliable: False when every member is a class the classifier guesses on textures and
            abstract images (such a concept is never stated).
    """

    key: str
    phrase: str
    probability: float
    keywords: tuple[str, ...]
    kind: str
    labels: tuple[str, ...]
    reliable: bool = True


@dataclass(frozen=True)
class Face:
    """A detected frontal face; box in pixels of the upright image."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class NamedColour:
    """A dominant colour name and the share of the image it covers (0..1)."""

    name: str
    share: float


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


def group_concepts(labels: Sequence[LabelScore]) -> list[ConceptScore]:
    """Sum label probabilities by concept; most probable first (ties by first appearance)."""
    groups: dict[str, tuple[Concept, list[LabelScore]]] = {}
    for s in labels:
        c = concept_of(s.index)
        groups.setdefault(c.key, (c, []))[1].append(s)
    out = []
    for concept, members in groups.values():
        prob = sum(m.probability for m in members)
        top = members[0].label
        reliable = [m for m in members if m.label not in UNRELIABLE]
        if not reliable:
            prob = min(prob, HEDGED - 1e-6)  # texture-like guesses are never stated
        phrase = plain_phrase(top) if len(members) == 1 or top in _SPECIFIC else concept.phrase
        keywords = tuple(dict.fromkeys(
            concept.keywords + tuple(k for m in members for k in concept_of(m.index).keywords)))
        out.append(ConceptScore(key=concept.key, phrase=phrase, probability=float(prob),
                                keywords=keywords, kind=concept.kind,
                                labels=tuple(m.label for m in members),
                                reliable=bool(reliable)))
    out.sort(key=lambda c: -round(c.probability, 9))
    return out


_SPECIFIC = frozenset({"espresso", "space_shuttle", "wall_clock", "digital_clock", "airliner",
                       "Polaroid_camera", "mountain_bike", "book_jacket", "menu", "street_sign",
                       "comic_book", "crossword_puzzle", "alp", "volcano", "seashore",
                       "lakeside", "cliff", "valley", "scuba_diver", "ballplayer", "groom"})


# --- colours ------------------------------------------------------------------------------

def named_colours(rgb: np.ndarray, *, min_share: float = 0.1) -> tuple[list[NamedColour], bool]:
    """Dominant colour names of an image and whether it is black-and-white.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.
        min_share: smallest share of pixels (0..1) for a colour to be listed.

    Returns:
        (colours with share >= ``min_share``, largest first; grayscale flag).
    """
    small = _thumbnail(rgb, 64).astype(np.float32) / 255.0
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    mx = np.max(small, axis=-1)
    mn = np.min(small, axis=-1)
    chroma = mx - mn
    sat = np.where(mx > 0, chroma / np.maximum(mx, 1e-6), 0.0)
    hue = np.zeros_like(mx)
    nz = chroma > 1e-6
    rc = np.where(nz, (mx - r) / np.maximum(chroma, 1e-6), 0)
    gc = np.where(nz, (mx - g) / np.maximum(chroma, 1e-6), 0)
    bc = np.where(nz, (mx - b) / np.maximum(chroma, 1e-6), 0)
    hue = np.where(r == mx, bc - gc, np.where(g == mx, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = (hue / 6.0) % 1.0 * 360.0
    names = np.full(mx.shape, "grey", dtype=object)
    colourful = (sat >= 0.22) & (chroma >= 0.09)
    names[~colourful & (mx < 0.2)] = "black"
    names[~colourful & (mx >= 0.2) & (mx <= 0.78)] = "grey"
    names[~colourful & (mx > 0.78)] = "white"
    for lo, hi, name in ((0, 15, "red"), (15, 45, "orange"), (45, 70, "yellow"),
                         (70, 165, "green"), (165, 200, "teal"), (200, 255, "blue"),
                         (255, 290, "purple"), (290, 335, "pink"), (335, 361, "red")):
        names[colourful & (hue >= lo) & (hue < hi)] = name
    dark_warm = colourful & (hue < 45) & (mx < 0.6)
    names[dark_warm] = "brown"
    names[colourful & (mx < 0.16)] = "black"
    # Black-and-white: (almost) no pixel carries chroma. A dark frame with a few vivid spots
    # (a star field) is colour, even though its colourful share is tiny.
    grayscale = bool(np.quantile(chroma, 0.995) < 0.08)
    values, counts = np.unique(names.astype(str), return_counts=True)
    total = float(names.size)
    ranked = sorted(zip(values.tolist(), counts.tolist(), strict=True),
                    key=lambda vc: (-vc[1], vc[0]))
    return ([NamedColour(name=v, share=c / total) for v, c in ranked if c / total >= min_share],
            grayscale)


def _thumbnail(rgb: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(rgb)
    im.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(im)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.float32)


# --- faces ---------------------------------------------------------------------------------

_face_lock = threading.Lock()
FACE_SIDE = 256
"""Faces are searched on a copy whose long side is this many pixels (faces ≥ ~8 % of it)."""


@lru_cache(maxsize=1)
def _face_cascade() -> Any:
    from skimage.feature import Cascade

    from ..models.weights import face_cascade_path, verify

    cascade = verify("face-cascade/lbpcascade_frontalface_opencv.xml", face_cascade_path())
    return Cascade(str(cascade))


def detect_faces(rgb: np.ndarray) -> list[Face]:
    """Frontal faces (LBP cascade shipped with scikit-image) confirmed by skin tone.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.

    Returns:
        Boxes in pixels of ``rgb``, top-to-bottom then left-to-right.
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, FACE_SIDE / max(h, w))
    small = _thumbnail(rgb, FACE_SIDE) if scale < 1.0 else rgb
    gray = _luma(small) / 255.0
    cascade = _face_cascade()
    side = max(gray.shape)
    with _face_lock:
        found = cascade.detect_multi_scale(
            img=gray, scale_factor=1.25, step_ratio=1, min_size=(20, 20),
            max_size=(side, side), min_neighbor_number=4, intersection_score_threshold=0.5)
    sy = h / small.shape[0]
    sx = w / small.shape[1]
    faces = []
    for d in found:
        r, c, fw, fh = int(d["r"]), int(d["c"]), int(d["width"]), int(d["height"])
        patch = small[r + fh // 4: r + 3 * fh // 4, c + fw // 4: c + 3 * fw // 4]
        if patch.size == 0 or not _skin_like(patch):
            continue
        faces.append(Face(x=round(c * sx), y=round(r * sy), width=round(fw * sx),
                          height=round(fh * sy)))
    faces.sort(key=lambda f: (f.y, f.x))
    return faces


def _skin_like(patch: np.ndarray) -> bool:
    """Whether the centre of a face box has skin-like chroma (YCbCr box rule, any skin tone)."""
    p = patch.reshape(-1, 3).astype(np.float32)
    r, g, b = p[:, 0], p[:, 1], p[:, 2]
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    skin = (cr >= 133) & (cr <= 180) & (cb >= 75) & (cb <= 130)
    return bool(np.mean(skin) >= 0.3)


# --- text ----------------------------------------------------------------------------------

_ocr_lock = threading.Lock()
OCR_SIDE = 1600
"""OCR reads a copy whose long side is at most this many pixels."""


@contextlib.contextmanager
def _single_threaded_tesseract() -> Iterator[None]:
    """Run tesseract with ``OMP_THREAD_LIMIT=1`` without touching this process's environment.

    Tesseract's OpenMP threads spin-wait when the cores are shared: a page of text took 0.45-0.6 s
    with them and 0.15-0.19 s without (2 cores, load ≈ 4); text-free images cost the same.
    pytesseract passes its module-level ``environ`` to the subprocess, so a copy goes there
    for the call (under `_ocr_lock`).
    """
    module: Any = importlib.import_module("pytesseract.pytesseract")
    saved = getattr(module, "environ", None)
    if saved is None:
        yield
        return
    module.environ = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        yield
    finally:
        module.environ = saved


def read_text(rgb: np.ndarray, *, language: str = "eng", min_confidence: float = 60.0) -> str:
    """Text of a whole page read by tesseract (page segmentation): confident words, in order.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.
        language: tesseract language code(s) installed on the system.
        min_confidence: tesseract word confidence (0..100) below which a word is dropped.

    Returns:
        The words joined by single spaces ("" when none, or when tesseract is missing).
    """
    small = _thumbnail(rgb, OCR_SIDE) if max(rgb.shape[:2]) > OCR_SIDE else rgb
    return _tesseract_words(_luma(small).astype(np.uint8), psm=3, language=language,
                            min_confidence=min_confidence)


def read_lines(rgb: np.ndarray, lines: Sequence[TextLine], *, language: str = "eng",
               min_confidence: float = 40.0) -> str:
    """Text of the found lines (`find_text_lines`), read in one tesseract call on the lines
    cleaned and stacked (`line_strip`): confident words, top line first. The lines were
    already confirmed as text, so a lower word confidence is accepted than on a whole page.

    Returns:
        The words joined by single spaces ("" when none, or when tesseract is missing).
    """
    strip = line_strip(rgb, list(lines))
    if strip.size == 0:
        return ""
    return _tesseract_words(strip, psm=6, language=language, min_confidence=min_confidence)


def _tesseract_words(gray: np.ndarray, *, psm: int, language: str,
                     min_confidence: float) -> str:
    try:
        import pytesseract
    except ImportError:
        return ""
    try:
        with _ocr_lock, _single_threaded_tesseract():
            data = pytesseract.image_to_data(gray, lang=language, config=f"--psm {psm}",
                                             output_type=pytesseract.Output.DICT)
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return ""
    words = []
    for word, conf in zip(data.get("text", []), data.get("conf", []), strict=False):
        token = str(word).strip()
        try:
            c = float(conf)
        except (TypeError, ValueError):
            continue
        token = token.strip("\"'`‘’“”|_")
        if token[:1] in "([{" and not any(ch in token for ch in ")]}"):  # a frame's edge
            token = token[1:]
        alnum = sum(ch.isalnum() for ch in token)
        if c >= min_confidence and alnum >= 2 and alnum >= 0.6 * len(token):
            words.append(token)
    # A lone short token is more often noise than a caption.
    if len(words) == 1 and len(words[0]) < 4:
        return ""
    return " ".join(words)


def _merge_text(first: str, second: str) -> str:
    """``first`` followed by the words of ``second`` it does not already hold."""
    seen = {w.casefold() for w in first.split()}
    extra = [w for w in second.split() if w.casefold() not in seen]
    return " ".join([*first.split(), *extra])


# --- the whole analysis --------------------------------------------------------------------

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
    thumb = _luma(_thumbnail(rgb, 128)) / 255.0
    page = ocr if ocr is not None else (
        extra_detail or any(s.index in TEXT_CLASSES and s.probability >= 0.1
                            for s in labels[:3]))
    lines = find_text_lines(rgb) if ocr is not False else []
    text = read_lines(rgb, lines) if lines else ""
    if page:
        text = _merge_text(text, read_text(rgb))
    ocr = bool(lines) or bool(page)
    ratio = w / h
    orientation = "landscape" if ratio > 1.15 else "portrait" if ratio < 0.87 else "square"
    return VisualEvidence(
        width=w, height=h, labels=labels, concepts=concepts, faces=faces, text=text,
        ocr_ran=bool(ocr), colours=colours, grayscale=grayscale,
        brightness=float(thumb.mean()), contrast=float(thumb.std()), orientation=orientation,
        extra_detail=extra_detail)
