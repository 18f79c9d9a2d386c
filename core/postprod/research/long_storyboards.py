"""Long storyboards for `postprod bench describe`: chapter-length narrations with captioned images.

Each narration (``bench_stories/*.txt``) is a retelling, written for the bench, of a
public-domain text; its author marked the paragraph where each image should come on screen with
a line ``@image-id`` just before it (lines starting with ``#`` are comments). The images are
drawn here: a scikit-image photo (or a plain colour field) at 1280 × 720 with its caption in one
of the common styles, or no caption at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import ImageFont

STORY_DIR = Path(__file__).with_name("bench_stories")
FRAME = (1280, 720)
"""Width, height of every drawn storyboard image (pixels)."""

CAPTION_STYLES = ("band", "card", "overlay", "field")
"""``band``: light text on a dark band across the bottom of a photo; ``card``: dark text on a
light card over a photo; ``overlay``: white outlined text straight over a photo; ``field``: a
title over a full-colour background."""


@dataclass(frozen=True)
class StoryImage:
    """One storyboard image.

    Attributes:
        id: the id the narration's ``@id`` marker uses.
        background: a scikit-image photo name, or ``#rrggbb`` for a colour field.
        caption: the caption drawn on it (None: no caption).
        style: one of `CAPTION_STYLES` (None without caption).
    """

    id: str
    background: str
    caption: str | None = None
    style: str | None = None


@dataclass(frozen=True)
class LongStoryboard:
    """A chapter-length narration, its images in order and the marked start of each.

    Attributes:
        name: the story file's stem.
        source: the public-domain work it retells.
        images: in scene order.
        narration: the text without the markers (paragraphs separated by blank lines).
        starts: character offset of each image's marked paragraph in `narration`.
        tuning: True for the stories the segmentation weights were tuned on.
    """

    name: str
    source: str
    images: tuple[StoryImage, ...]
    narration: str
    starts: tuple[int, ...]
    tuning: bool

    def true_spans(self) -> list[tuple[int, int]]:
        """``[start, end)`` of each image's passage: its marked paragraph up to the next mark."""
        ends = [*self.starts[1:], len(self.narration)]
        return list(zip(self.starts, ends, strict=True))

    def paragraph_of(self, pos: int) -> int:
        """Index of the paragraph holding character ``pos``."""
        return sum(1 for m in re.finditer(r"\n\s*\n", self.narration) if m.end() <= pos)

    @property
    def words(self) -> int:
        """Narration length in words (150 words ≈ one minute read aloud)."""
        return len(self.narration.split())


_BOARDS: tuple[tuple[str, str, bool, tuple[StoryImage, ...]], ...] = (
    ("inn-night", "Herman Melville, Moby-Dick (1851), chapters 2-3", True, (
        StoryImage("carpet-bag", "#7a1f1f", "The Carpet-Bag", "field"),
        StoryImage("night-street", "moon", "New Bedford at Night", "band"),
        StoryImage("crossed-harpoons", "brick", "The Crossed Harpoons", "overlay"),
        StoryImage("supper", "coffee"),
        StoryImage("ledger", "page", "The Landlord's Ledger", "card"),
        StoryImage("cat", "chelsea"),
    )),
    ("moon-gun", "Jules Verne, From the Earth to the Moon (1865)", True, (
        StoryImage("gun-club", "#1c2f6e", "The Gun Club of Baltimore", "field"),
        StoryImage("money", "coins"),
        StoryImage("columbiad", "rocket", "The Columbiad", "band"),
        StoryImage("ardan", "astronaut", "Michel Ardan", "card"),
        StoryImage("toward-moon", "moon", "Toward the Moon", "overlay"),
    )),
    ("photographer", "Lewis Carroll, Hiawatha's Photographing (1857)", False, (
        StoryImage("camera", "camera", "Hiawatha's Camera", "band"),
        StoryImage("garden", "grass", "The Garden Lawn", "overlay"),
        StoryImage("daughter", "astronaut"),
        StoryImage("album", "#2f5d3a", "The Family Album", "field"),
    )),
    ("sky-watchers", "Garrett P. Serviss, Astronomy with an Opera-Glass (1888)", False, (
        StoryImage("evening-sky", "#3b1f5c", "The Evening Sky", "field"),
        StoryImage("meadow", "grass"),
        StoryImage("opera-glass", "camera", "Opera Glass and Tripod", "card"),
        StoryImage("moon-craters", "moon", "The Craters of the Moon", "band"),
        StoryImage("star-clusters", "hubble_deep_field", "Clusters of Stars", "overlay"),
        StoryImage("midnight-coffee", "coffee"),
        StoryImage("ride-home", "stereo_motorcycle", "The Road Home", "band"),
        StoryImage("observatory-wall", "brick", "The Old Observatory", "card"),
    )),
    ("three-men", "Jerome K. Jerome, Three Men in a Boat (1889)", False, (
        StoryImage("packing", "#6b4226", "Packing the Hamper", "field"),
        StoryImage("maze", "grass", "The Maze at Hampton Court", "card"),
        StoryImage("lock-photo", "camera", "The Photograph at the Lock", "overlay"),
        StoryImage("cat", "chelsea"),
        StoryImage("kettle", "coffee"),
        StoryImage("river-night", "moon", "Night on the River", "band"),
    )),
    ("eighty-days", "Jules Verne, Around the World in Eighty Days (1872)", False, (
        StoryImage("reform-club", "brick", "The Reform Club", "card"),
        StoryImage("passepartout", "astronaut"),
        StoryImage("wager", "coins", "Twenty Thousand Pounds", "overlay"),
        StoryImage("bradshaw", "page"),
        StoryImage("indian-ocean", "#0d3b66", "Across the Indian Ocean", "field"),
        StoryImage("club-clock", "coffee", "Saturday Evening at the Club", "band"),
    )),
    ("willows", "Kenneth Grahame, The Wind in the Willows (1908)", False, (
        StoryImage("river-bank", "#2e5e4e", "The River Bank", "field"),
        StoryImage("picnic", "coffee"),
        StoryImage("motor-car", "stereo_motorcycle", "The Motor-Car", "card"),
        StoryImage("wild-wood", "grass", "Into the Wild Wood", "overlay"),
        StoryImage("badger", "brick", "Mr. Badger's Front Door", "band"),
        StoryImage("home", "moon"),
    )),
)


def parse_story(text: str) -> tuple[str, dict[str, int]]:
    """A marked story file → (narration without markers, ``{image id: start offset}``).

    Lines starting with ``#`` are the author's comments, not narration."""
    paragraphs: list[str] = []
    marks: dict[str, int] = {}
    pending: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.strip().splitlines() if not ln.startswith("#")]
        while lines and lines[0].startswith("@"):
            pending.append(lines.pop(0)[1:].strip())
            lines = [ln for ln in lines if ln.strip()]
        if not lines:
            continue
        offset = sum(len(p) + 2 for p in paragraphs)
        for image_id in pending:
            marks[image_id] = offset
        pending = []
        paragraphs.append(" ".join(ln.strip() for ln in lines))
    return "\n\n".join(paragraphs), marks


@lru_cache(maxsize=1)
def long_storyboards() -> tuple[LongStoryboard, ...]:
    """Every long storyboard, the tuning ones first."""
    out = []
    for name, source, tuning, images in _BOARDS:
        narration, marks = parse_story((STORY_DIR / f"{name}.txt").read_text(encoding="utf-8"))
        starts = tuple(marks[im.id] for im in images)
        if list(starts) != sorted(starts) or set(marks) != {im.id for im in images}:
            raise ValueError(f"{name}: markers do not match the images in order")
        out.append(LongStoryboard(name=name, source=source, images=images,
                                  narration=narration, starts=starts, tuning=tuning))
    return tuple(out)


# --- drawing ------------------------------------------------------------------------------

_FONT_FILES = {
    "sans-bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"),
    "serif-bold": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"),
}
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),
              Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype"),
              Path("/usr/share/fonts"))


def _font(kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    for name in _FONT_FILES[kind]:
        for folder in _FONT_DIRS:
            path = folder / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)  # Pillow's own scalable font


def _cover(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``rgb`` scaled to cover ``size`` (w, h) and centre-cropped to it."""
    from PIL import Image

    w, h = size
    im = Image.fromarray(rgb)
    scale = max(w / im.width, h / im.height)
    im = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))),
                   Image.Resampling.LANCZOS)
    left, top = (im.width - w) // 2, (im.height - h) // 4  # keep heads in frame
    return np.asarray(im.crop((left, top, left + w, top + h)))


def render_image(image: StoryImage, *, size: tuple[int, int] = FRAME) -> np.ndarray:
    """The storyboard image drawn as uint8 RGB [shape=(h, w, 3)]."""
    from PIL import Image, ImageDraw

    from .describe_bench import photo_rgb

    w, h = size
    if image.background.startswith("#"):
        colour = tuple(int(image.background[i:i + 2], 16) for i in (1, 3, 5))
        # a soft vertical gradient, as a title card's field usually has
        ramp = np.linspace(1.0, 0.7, h)[:, None, None]
        base = (np.ones((h, w, 3)) * np.array(colour)[None, None, :] * ramp).astype(np.uint8)
    else:
        base = _cover(photo_rgb(image.background), size)
    im = Image.fromarray(base).convert("RGBA")
    if image.caption is None:
        return np.asarray(im.convert("RGB"))
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    text = image.caption
    if image.style == "band":
        font = _font("sans-bold", round(h * 0.065))
        band_h = round(h * 0.17)
        draw.rectangle((0, h - band_h, w, h), fill=(10, 10, 10, 200))
        box = draw.textbbox((0, 0), text, font=font)
        x = (w - (box[2] - box[0])) // 2
        y = h - band_h + (band_h - (box[3] - box[1])) // 2 - box[1]
        draw.text((x, y), text, font=font, fill=(245, 245, 235, 255))
    elif image.style == "card":
        font = _font("serif", round(h * 0.06))
        box = draw.textbbox((0, 0), text, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        x0, y0 = round(w * 0.06), round(h * 0.08)
        pad = round(h * 0.03)
        draw.rounded_rectangle((x0, y0, x0 + tw + 2 * pad, y0 + th + 2 * pad), radius=pad,
                               fill=(246, 240, 222, 240), outline=(90, 70, 50, 255), width=3)
        draw.text((x0 + pad - box[0], y0 + pad - box[1]), text, font=font,
                  fill=(40, 30, 25, 255))
    elif image.style == "overlay":
        font = _font("sans-bold", round(h * 0.085))
        box = draw.textbbox((0, 0), text, font=font, stroke_width=3)
        x = (w - (box[2] - box[0])) // 2
        y = round(h * 0.68)
        draw.text((x, y), text, font=font, fill=(255, 255, 255, 255),
                  stroke_width=3, stroke_fill=(20, 20, 20, 255))
    elif image.style == "field":
        font = _font("serif-bold", round(h * 0.1))
        box = draw.textbbox((0, 0), text, font=font)
        x = (w - (box[2] - box[0])) // 2
        y = (h - (box[3] - box[1])) // 2 - box[1]
        draw.text((x, y), text, font=font, fill=(250, 226, 140, 255))
    else:
        raise ValueError(f"unknown caption style {image.style!r}")
    return np.asarray(Image.alpha_composite(im, layer).convert("RGB"))


def render_jpeg(image: StoryImage, *, quality: int = 90) -> bytes:
    """The drawn image as JPEG bytes (the upload a producer would send)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(render_image(image)).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
