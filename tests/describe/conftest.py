"""Fixtures for Describe Scenes tests: real photos (scikit-image) encoded as uploads."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from postprod.research.describe_bench import photo_jpeg, photo_rgb


def encode(rgb: np.ndarray, fmt: str = "JPEG", **kw: object) -> bytes:
    """Pixels to file bytes in ``fmt``."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="session")
def coffee_jpeg() -> bytes:
    return photo_jpeg("coffee")


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    return {p: photo_jpeg(p) for p in ("coffee", "chelsea", "astronaut", "rocket", "page")}


@pytest.fixture(scope="session")
def small_png() -> bytes:
    return encode(photo_rgb("chelsea")[:64, :64], "PNG")
