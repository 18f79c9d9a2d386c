"""On-screen text: find text lines cheaply on every image, then read only those lines.

Finding is pure image analysis (OpenCV, a reduced copy): strong local contrast edges merged
along rows into line-shaped blobs, each confirmed by a row of character-like marks of one
height and one stroke width. It costs a few milliseconds, so it runs on every image; tesseract
(≈ 100 ms CPU to start) runs only when a line was found, once per image, on the found lines
normalised (dark text on white, one height) and stacked. Captions in the common styles —
light on a dark band, dark on a light card, outlined over a photo, over a colour field — all
become dark-on-light lines of one size before tesseract sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIND_SIDE = 640
"""Text lines are searched on a copy whose long side is this many pixels."""
EDGE_LEVELS = (60, 150)
"""Morphological gradient levels (grey levels, 0..255) from which a pixel counts as a text edge:
the low one finds text on plain grounds, the high one separates a caption's hard edges from
a textured photo under it (outlined titles over grass or brick)."""
MIN_LINE_HEIGHT = 8
"""Smallest text line searched, in pixels of the `FIND_SIDE` copy (≈ 1.3 % of the long side)."""
MAX_LINE_HEIGHT = 0.25
"""Tallest text line searched, as a share of the copy's height."""
MIN_MARKS = 3
"""Character-like marks a line needs (a word of three letters or more)."""
MIN_CONTRAST = 90.0
"""Grey-level difference between a line's text and its background, at least (captions are
made to stand out; grass and foliage reach about 65)."""
READ_HEIGHT = 44
"""Height each found line is scaled to before tesseract reads it (pixels)."""


@dataclass(frozen=True)
class TextLine:
    """A found text line: box in pixels of the analysed image; ``dark_text`` is its polarity."""

    x: int
    y: int
    width: int
    height: int
    dark_text: bool


def _gray(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY))


def find_text_lines(rgb: np.ndarray) -> list[TextLine]:
    """Text lines of an image, top to bottom (a few ms; no OCR).

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8.

    Returns:
        Boxes in pixels of ``rgb`` (empty when the image shows no text line).
    """
    import cv2

    h, w = rgb.shape[:2]
    scale = min(1.0, FIND_SIDE / max(h, w))
    gray_full = _gray(rgb)
    gray = (cv2.resize(gray_full, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1.0 else gray_full)
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    found: list[tuple[int, int, int, int, bool]] = []
    for level in EDGE_LEVELS:
        for box in _candidates(gray, grad >= level):
            same = [other for other in found if _overlap(box, other) > 0.5]
            if all(box[2] > other[2] for other in same):  # keep the wider reading of a line
                found = [other for other in found if other not in same] + [box]
    merged = _merge_on_rows(found)
    inv = 1.0 / scale
    return [TextLine(x=round(x * inv), y=round(y * inv), width=round(bw * inv),
                     height=round(bh * inv), dark_text=dark)
            for x, y, bw, bh, dark in merged]


def _overlap(a: tuple[int, int, int, int, bool], b: tuple[int, int, int, int, bool]) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / float(min(a[2] * a[3], b[2] * b[3]))


def _candidates(gray: np.ndarray, strong: np.ndarray) -> list[tuple[int, int, int, int, bool]]:
    """Confirmed line boxes ``(x, y, w, h, dark_text)`` from one edge map."""
    import cv2

    raw = strong.astype(np.uint8) * 255
    # long straight edges are card borders, band edges and frames, not letters
    rule_h = cv2.getStructuringElement(cv2.MORPH_RECT, (31, 1))
    rule_v = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 31))
    lines = cv2.bitwise_or(cv2.morphologyEx(raw, cv2.MORPH_OPEN, rule_h),
                           cv2.morphologyEx(raw, cv2.MORPH_OPEN, rule_v))
    edges = cv2.bitwise_and(raw, cv2.bitwise_not(lines))
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    gh, gw = gray.shape
    boxes: list[tuple[int, int, int, int, bool]] = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if bh < MIN_LINE_HEIGHT or bh > MAX_LINE_HEIGHT * gh or bw > 0.98 * gw:
            continue
        if area / float(bw * bh) < 0.3:
            continue
        boxes.append((x, y, bw, bh, True))
    found: list[tuple[int, int, int, int, bool]] = []
    for x, y, bw, bh, _ in _merge_on_rows(boxes):
        if bw < 1.5 * bh:
            continue
        pad = max(2, bh // 4)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(gw, x + bw + pad), min(gh, y + bh + pad)
        polarity = _confirm_line(gray[y0:y1, x0:x1])
        if polarity is None:
            continue
        found.append((x0, y0, x1 - x0, y1 - y0, polarity))
    return found


def _confirm_line(crop: np.ndarray) -> bool | None:
    """Whether a candidate box holds a row of characters; returns the text polarity
    (True: dark text on a light ground) or None when it does not look like text."""
    import cv2

    if crop.size == 0 or min(crop.shape) < MIN_LINE_HEIGHT:
        return None
    _, mask = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = mask > 0
    if bright.all() or not bright.any():
        return None
    contrast = float(crop[bright].mean()) - float(crop[~bright].mean())
    if contrast < MIN_CONTRAST:
        return None
    # the text is the class that does not touch the box border most
    border = np.concatenate([bright[0], bright[-1], bright[:, 0], bright[:, -1]])
    if 0.35 < border.mean() < 0.65:
        # no one ground: an outlined title over a photo that is dark on one side and light
        # on the other; its outline still parts the letters from the ground, so each
        # polarity is tried and one, not both, must hold a row of characters
        found = [dark for dark in (False, True)
                 if _holds_characters((~bright if dark else bright).astype(np.uint8))]
        return found[0] if len(found) == 1 else None
    dark_text = bool(border.mean() >= 0.5)
    return dark_text if _holds_characters((~bright if dark_text else bright).astype(np.uint8)) \
        else None


STROKE_SPREAD = 0.5
"""Largest spread (standard deviation over mean) of the stroke widths of a line's marks: the
letters of one line share one font."""


def _holds_characters(ink: np.ndarray) -> bool:
    """Whether the ink mask (uint8, 1 = ink) of a line box is a row of characters: enough
    marks of one height on one baseline filling the row, drawn with strokes of one width."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    ch, cw_all = ink.shape
    marks = []
    for i in range(1, n):
        x, y, cw, hh, area = (int(v) for v in stats[i])
        if 0.3 * ch <= hh <= 0.95 * ch and cw <= 2.5 * hh and area >= 0.12 * cw * hh:
            marks.append((i, x, cw, hh, y + hh))
    if len(marks) < MIN_MARKS:
        return False
    hs = np.asarray([m[3] for m in marks], dtype=np.float64)
    if float(np.std(hs)) / max(float(np.mean(hs)), 1e-6) > 0.35:
        return False
    # letters sit on one baseline (descenders aside) and fill the row
    bottoms = np.asarray([m[4] for m in marks], dtype=np.float64)
    if float(np.median(np.abs(bottoms - np.median(bottoms)))) > 0.08 * ch:
        return False
    covered = np.zeros(cw_all, dtype=bool)
    for _, x, cw, _, _ in marks:
        covered[x:x + cw] = True
    if covered.mean() < 0.35:
        return False
    # strokes of one width, measured on the marks (the ink's distance to the ground on its
    # ridge); a few marks far from the line's typical width (a coin's rim cut by the box)
    # are set aside first, most must stay
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    ridge = (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & (ink > 0)
    on_ridge = {i: dist[ridge & (labels == i)] for i, *_ in marks}
    typical = {i: float(np.median(v)) for i, v in on_ridge.items() if v.size}
    if len(typical) < MIN_MARKS:
        return False
    mid = float(np.median(list(typical.values())))
    kept = [i for i, t in typical.items() if 0.5 * mid <= t <= 2.0 * mid]
    if len(kept) < max(MIN_MARKS, 0.75 * len(marks)):
        return False
    widths = np.concatenate([on_ridge[i] for i in kept])
    return float(np.std(widths)) / max(float(np.mean(widths)), 1e-6) <= STROKE_SPREAD


def _merge_on_rows(boxes: list[tuple[int, int, int, int, bool]]
                   ) -> list[tuple[int, int, int, int, bool]]:
    """Boxes on one text row (overlapping vertically, close horizontally) joined."""
    out: list[list[int | bool]] = []
    for x, y, bw, bh, dark in sorted(boxes, key=lambda b: (b[0], b[1])):
        for box in out:
            bx, by, bbw, bbh = int(box[0]), int(box[1]), int(box[2]), int(box[3])
            overlap = min(by + bbh, y + bh) - max(by, y)
            gap = x - (bx + bbw)
            similar = 0.7 <= bh / max(bbh, 1) <= 1.4 and dark == box[4]
            if similar and overlap >= 0.6 * min(bh, bbh) and gap <= 1.5 * max(bh, bbh):
                nx, ny = min(bx, x), min(by, y)
                box[:4] = [nx, ny, max(bx + bbw, x + bw) - nx, max(by + bbh, y + bh) - ny]
                break
        else:
            out.append([x, y, bw, bh, dark])
    out.sort(key=lambda b: (int(b[1]), int(b[0])))
    return [(int(b[0]), int(b[1]), int(b[2]), int(b[3]), bool(b[4])) for b in out]


INK_TOLERANCE = 35.0
"""Grey levels around the text's own tone still counted as ink when a line is cleaned."""
PLAIN_GROUND = 20.0
"""Standard deviation (grey levels) below which a line's ground counts as plain."""


def _ink_only(crop: np.ndarray) -> np.ndarray:
    """A dark-text line cleaned to black ink on white. On a plain ground (a card, a band, a
    colour field: the lighter Otsu class varies by less than `PLAIN_GROUND` grey levels) the
    ink is the darker Otsu class, which keeps the thin, anti-aliased strokes of small serif
    type. Otherwise pixels within `INK_TOLERANCE` of the ink tone (the line's darkest tone,
    its 3rd percentile) are ink, and an outline and the textured photo behind an outlined
    caption go white. Returns uint8 [shape=crop.shape]."""
    import cv2

    level, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ground = crop[crop > level]
    if ground.size and float(np.std(ground)) < PLAIN_GROUND:
        ink = crop <= level
    else:
        tone = float(np.percentile(crop, 3))
        ink = np.abs(crop.astype(np.float32) - tone) <= INK_TOLERANCE
    return np.where(ink, 0, 255).astype(np.uint8)


def _fit_to_ink(crop: np.ndarray) -> np.ndarray:
    """A dark-text line box cut down to the rows its ink spans (plus a margin of 15 % of that
    height), so every line reaches tesseract with letters of one size whatever the box's
    padding. Rows the ink crosses almost end to end (a card's border) are not text rows."""
    ink = _ink_only(crop) == 0
    share = ink.mean(axis=1)
    rows = np.flatnonzero((share > 0.0) & (share < 0.9))
    if rows.size == 0:
        return crop
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    margin = max(2, round(0.15 * (bottom - top)))
    return crop[max(0, top - margin):min(crop.shape[0], bottom + margin)]


def line_strip(rgb: np.ndarray, lines: list[TextLine]) -> np.ndarray:
    """The found lines as one grey image for tesseract: each line dark on white, scaled to
    `READ_HEIGHT`, stacked top to bottom with white space between.

    Returns:
        np.ndarray [shape=(h, w)], uint8.
    """
    import cv2

    gray = _gray(rgb)
    rows = []
    for line in lines:
        crop = gray[line.y:line.y + line.height, line.x:line.x + line.width]
        if crop.size == 0:
            continue
        if not line.dark_text:
            crop = 255 - crop
        crop = _fit_to_ink(crop)
        s = READ_HEIGHT / crop.shape[0]
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * s)), READ_HEIGHT),
                          interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
        crop = _ink_only(crop)
        rows.append(crop.astype(np.uint8))
    if not rows:
        return np.zeros((0, 0), dtype=np.uint8)
    gap = READ_HEIGHT // 2
    width = max(r.shape[1] for r in rows) + 2 * gap
    height = sum(r.shape[0] + gap for r in rows) + gap
    strip = np.full((height, width), 255, dtype=np.uint8)
    y = gap
    for r in rows:
        strip[y:y + r.shape[0], gap:gap + r.shape[1]] = r
        y += r.shape[0] + gap
    return strip
