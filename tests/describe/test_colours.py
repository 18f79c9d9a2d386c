"""Colour names from scikit-image's RGB->HSV: a hue on a range's edge belongs to the range that
starts there, whatever the float error of the conversion."""

from __future__ import annotations

import numpy as np
import pytest

from postprod.describe.evidence import named_colours


def _solid(rgb: tuple[int, int, int]) -> np.ndarray:
    img = np.zeros((16, 16, 3), dtype=np.uint8)
    img[:] = rgb
    return img


@pytest.mark.parametrize(("rgb", "name"), [
    ((200, 50, 0), "orange"), ((255, 114, 67), "orange"), ((204, 99, 64), "orange"),  # 15°
    ((200, 150, 0), "yellow"),  # 45°
    ((230, 40, 30), "red"), ((40, 160, 60), "green"), ((30, 60, 200), "blue"),
    ((120, 70, 30), "brown"), ((128, 128, 128), "grey"), ((250, 250, 250), "white"),
])
def test_a_solid_colour_is_named_by_its_hue_range(rgb: tuple[int, int, int], name: str) -> None:
    colours, grayscale = named_colours(_solid(rgb))
    assert [(c.name, c.share) for c in colours] == [(name, 1.0)]
    assert grayscale is (name in ("grey", "white"))
