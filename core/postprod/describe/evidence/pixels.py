"""Pixel helpers every evidence source shares: a bounded-size copy and the luminance."""

from __future__ import annotations

import numpy as np


def thumbnail(rgb: np.ndarray, side: int) -> np.ndarray:
    """A copy of ``rgb`` (np.ndarray [shape=(h, w, 3)], uint8) whose long side is at most
    ``side`` pixels (aspect kept, bilinear), as np.ndarray [shape=(h', w', 3)], uint8."""
    from PIL import Image

    im = Image.fromarray(rgb)
    im.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(im)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Luminance (ITU-R BT.601 weights) of ``rgb`` (np.ndarray [shape=(h, w, 3)]), as
    np.ndarray [shape=(h, w)], float32, in the input's range (0..255 for uint8)."""
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.float32)
