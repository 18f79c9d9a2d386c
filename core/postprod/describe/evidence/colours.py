"""Dominant colour names of an image, and whether it is black-and-white."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pixels import thumbnail

_HUE_NAMES = ((0, 15, "red"), (15, 45, "orange"), (45, 70, "yellow"), (70, 165, "green"),
              (165, 200, "teal"), (200, 255, "blue"), (255, 290, "purple"), (290, 335, "pink"),
              (335, 361, "red"))
"""Hue ranges [lo, hi) in degrees and the name of a colourful pixel in each."""


@dataclass(frozen=True)
class NamedColour:
    """A dominant colour name and the share of the image it covers (0..1)."""

    name: str
    share: float


def named_colours(rgb: np.ndarray, *, min_share: float = 0.1) -> tuple[list[NamedColour], bool]:
    """Dominant colour names of an image and whether it is black-and-white.

    Each pixel of a 64-pixel copy is named from its hue, saturation and value
    (`skimage.color.rgb2hsv`): black, grey or white when it carries little colour, else a hue
    name (a dark warm hue is brown).

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.
        min_share: smallest share of pixels (0..1) for a colour to be listed.

    Returns:
        (colours with share >= ``min_share``, largest first; grayscale flag).
    """
    from skimage.color import rgb2hsv

    small = thumbnail(rgb, 64).astype(np.float32) / 255.0
    hsv = rgb2hsv(small)
    # Hues of 8-bit colours often fall exactly on a range's edge (45° for 200, 150, 0); rounded
    # to 0.001°, such a pixel lands in the range that starts there, whatever the float error.
    hue = np.round(hsv[..., 0] * 360.0, 3)
    sat, mx = hsv[..., 1], hsv[..., 2]
    chroma = np.ptp(small, axis=-1)
    names = np.full(mx.shape, "grey", dtype=object)
    colourful = (sat >= 0.22) & (chroma >= 0.09)
    names[~colourful & (mx < 0.2)] = "black"
    names[~colourful & (mx >= 0.2) & (mx <= 0.78)] = "grey"
    names[~colourful & (mx > 0.78)] = "white"
    for lo, hi, name in _HUE_NAMES:
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
