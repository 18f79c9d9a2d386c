"""On-screen text read by tesseract through pytesseract: a whole page, or the text lines
`find_text_lines` found, each call on one OpenMP thread."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..onscreen_text import TextLine, line_strip
from .pixels import luma, thumbnail

OCR_SIDE = 1600
"""OCR reads a copy whose long side is at most this many pixels."""

ONE_THREAD_TESSERACT = Path(__file__).with_name("tesseract-one-thread")
"""Runs the ``tesseract`` on the PATH with ``OMP_THREAD_LIMIT=1``: tesseract's OpenMP threads
spin-wait when the cores are shared (a page of text took 0.45-0.6 s with them and
0.15-0.19 s without, 2 cores, load ≈ 4)."""

_ocr_lock = threading.Lock()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """pytesseract's ``tesseract_cmd`` set to `ONE_THREAD_TESSERACT` for the call (under
    `_ocr_lock`) when it names the default ``tesseract`` (a command configured elsewhere is
    left as it is) and the wrapper can run here; this process's environment is not touched."""
    from pytesseract import pytesseract as tess

    saved = tess.tesseract_cmd
    if saved != "tesseract" or not os.access(ONE_THREAD_TESSERACT, os.X_OK):
        yield
        return
    tess.tesseract_cmd = str(ONE_THREAD_TESSERACT)
    try:
        yield
    finally:
        tess.tesseract_cmd = saved


def read_text(rgb: np.ndarray, *, language: str = "eng", min_confidence: float = 60.0) -> str:
    """Text of a whole page read by tesseract (page segmentation): confident words, in order.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.
        language: tesseract language code(s) installed on the system.
        min_confidence: tesseract word confidence (0..100) below which a word is dropped.

    Returns:
        The words joined by single spaces ("" when none, or when tesseract is missing).
    """
    small = thumbnail(rgb, OCR_SIDE) if max(rgb.shape[:2]) > OCR_SIDE else rgb
    return _tesseract_words(luma(small).astype(np.uint8), psm=3, language=language,
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
        with _ocr_lock, _one_thread():
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


def merge_text(first: str, second: str) -> str:
    """``first`` followed by the words of ``second`` it does not already hold."""
    seen = {w.casefold() for w in first.split()}
    extra = [w for w in second.split() if w.casefold() not in seen]
    return " ".join([*first.split(), *extra])
