"""Safe intake of still images: format sniffing, header size limits, EXIF-aware decoding."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..contract.errors import ImageUndecodable, UnsupportedMediaType, ValidationFailed

MAX_IMAGE_PIXELS = 40_000_000
"""Largest accepted image, in pixels (width × height read from the header, before decoding).

40 MP covers every consumer camera and 8K frames (33 MP); anything larger is refused as a
possible decompression bomb with `IMAGE_UNDECODABLE` (a 40 MP RGB frame already needs 120 MB).
"""

IMAGE_MEDIA_TYPES: dict[str, str] = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
"""Supported formats (contract §3.1) and their media types."""

ImageSource = str | Path | bytes | bytearray | tuple[str, bytes]
"""One image as callers pass it: a file path, raw bytes, or ``(name, bytes)``."""


@dataclass(frozen=True)
class ImageInput:
    """One uploaded image before decoding.

    Attributes:
        name: a file name for people (the path's name, the given name, or ``image-<i>``).
        data: the file's bytes, untouched.
        field: the request path of the file part, ``images[i]``.
    """

    name: str
    data: bytes
    field: str


@dataclass(frozen=True)
class ImageHeader:
    """What the header says, read without decoding pixels.

    Attributes:
        format: ``jpeg``, ``png`` or ``webp``.
        width: stored width in pixels (before EXIF orientation).
        height: stored height in pixels (before EXIF orientation).
    """

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        """Width × height."""
        return self.width * self.height


def sniff_image_format(data: bytes) -> str | None:
    """The image format from the file's first bytes (``jpeg``/``png``/``webp``), else None.

    The bytes decide, never the file name or a declared content type.
    """
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def read_image_inputs(images: Sequence[ImageSource]) -> list[ImageInput]:
    """Turn the caller's image list into named byte blobs, in order.

    Raises:
        ValidationFailed: a path that does not exist or cannot be read (field ``images[i]``).
    """
    out: list[ImageInput] = []
    for i, item in enumerate(images):
        field = f"images[{i}]"
        if isinstance(item, tuple):
            name, data = item
            out.append(ImageInput(name=str(name), data=bytes(data), field=field))
        elif isinstance(item, bytes | bytearray):
            out.append(ImageInput(name=f"image-{i}", data=bytes(item), field=field))
        else:
            path = Path(item)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValidationFailed(f"{field}: cannot read {path.name!r} ({exc.strerror})",
                                       field=field, allowed="a readable image file") from None
            out.append(ImageInput(name=path.name, data=data, field=field))
    return out


def probe_image(data: bytes, *, field: str, max_pixels: int = MAX_IMAGE_PIXELS) -> ImageHeader:
    """Check format and pixel count from the header only; no pixel data is decoded.

    Args:
        data: the whole file.
        field: request path named in errors (``images[i]``).
        max_pixels: refuse images with more pixels than this.

    Raises:
        UnsupportedMediaType: not JPEG, PNG or WebP by its bytes.
        ImageUndecodable: a header that cannot be read, or more than ``max_pixels`` pixels.
    """
    fmt = sniff_image_format(data)
    if fmt is None:
        raise UnsupportedMediaType(
            f"{field} is not a JPEG, PNG or WebP image (judged from its bytes)",
            field=field, allowed=", ".join(IMAGE_MEDIA_TYPES.values()))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt.upper()]) as im:
                width, height = im.size
    except Image.DecompressionBombError:  # Pillow's own guard fires first on absurd sizes
        raise ImageUndecodable(
            f"{field} declares more than {max_pixels:,} pixels (a possible decompression "
            "bomb); it was not decoded",
            field=field, allowed=f"<= {max_pixels:,} pixels (width × height)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageUndecodable(f"{field}: the {fmt.upper()} header cannot be read",
                               field=field, allowed=f"a complete {fmt.upper()} file") from None
    header = ImageHeader(format=fmt, width=int(width), height=int(height))
    if header.width <= 0 or header.height <= 0:
        raise ImageUndecodable(f"{field}: the image has no pixels", field=field,
                               allowed="width and height >= 1")
    if header.pixels > max_pixels:
        raise ImageUndecodable(
            f"{field} is {header.width}×{header.height} = {header.pixels:,} pixels, over the "
            f"{max_pixels:,}-pixel limit; it was not decoded",
            field=field, allowed=f"<= {max_pixels:,} pixels (width × height)")
    return header


def decode_image(data: bytes, *, field: str, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Decode one image to RGB pixels, upright (EXIF orientation applied).

    Args:
        data: the whole file (JPEG, PNG or WebP; the first frame of an animation).
        field: request path named in errors (``images[i]``).
        max_pixels: refuse (without decoding) images with more pixels than this.

    Returns:
        np.ndarray [shape=(height, width, 3)], uint8 RGB; alpha is composited on white.

    Raises:
        UnsupportedMediaType, ImageUndecodable: see `probe_image`; also a truncated or corrupt
            file of a supported format.
    """
    header = probe_image(data, field=field, max_pixels=max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[header.format.upper()]) as im:
                im.load()
                upright = ImageOps.exif_transpose(im)
                rgb = _to_rgb(upright)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageUndecodable(
            f"{field}: the {header.format.upper()} data is truncated or corrupt",
            field=field, allowed=f"a complete {header.format.upper()} file") from None
    return np.asarray(rgb, dtype=np.uint8)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")
