"""Frontal faces: scikit-image's LBP cascade, each hit confirmed by skin-like chroma."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .pixels import luma, thumbnail

FACE_SIDE = 256
"""Faces are searched on a copy whose long side is this many pixels (faces ≥ ~8 % of it)."""

_face_lock = threading.Lock()


@dataclass(frozen=True)
class Face:
    """A detected frontal face; box in pixels of the upright image."""

    x: int
    y: int
    width: int
    height: int


@lru_cache(maxsize=1)
def _face_cascade() -> Any:
    from skimage.feature import Cascade

    from ...models.weights import face_cascade_path, verify

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
    small = thumbnail(rgb, FACE_SIDE) if scale < 1.0 else rgb
    gray = luma(small) / 255.0
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
