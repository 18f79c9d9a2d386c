"""Image intake: format sniffing, header-only size limits, EXIF orientation, broken files."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from postprod.contract.errors import ImageUndecodable, UnsupportedMediaType
from postprod.media.images import (
    MAX_IMAGE_PIXELS,
    decode_image,
    probe_image,
    sniff_image_format,
)

from .conftest import encode


def _rgb(h: int = 20, w: int = 40) -> np.ndarray:
    img = np.zeros((h, w, 3), dtype=np.uint8)
    img[:, : w // 2] = (255, 0, 0)  # left half red, right half blue
    img[:, w // 2:] = (0, 0, 255)
    return img


@pytest.mark.parametrize("fmt,name", [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_supported_formats_are_sniffed_and_decoded(fmt: str, name: str) -> None:
    data = encode(_rgb(), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    assert sniff_image_format(data) == name
    rgb = decode_image(data, field="images[0]")
    assert rgb.shape == (20, 40, 3) and rgb.dtype == np.uint8
    assert rgb[10, 2, 0] > 200 and rgb[10, 37, 2] > 200


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_formats_are_unsupported(fmt: str) -> None:
    data = encode(_rgb(), fmt)
    with pytest.raises(UnsupportedMediaType) as err:
        decode_image(data, field="images[2]")
    assert err.value.field == "images[2]" and err.value.http_status == 415


def test_the_bytes_decide_not_the_name() -> None:
    with pytest.raises(UnsupportedMediaType):
        probe_image(b"%PDF-1.7 pretending to be photo.jpg", field="images[0]")


def test_exif_orientation_is_applied() -> None:
    img = Image.fromarray(_rgb(20, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90° clockwise to view
    data = encode(np.asarray(img), "JPEG", exif=exif.tobytes(), quality=95)
    rgb = decode_image(data, field="images[0]")
    assert rgb.shape == (40, 20, 3)
    # the stored left (red) half ends up on top after a clockwise turn
    assert rgb[2, 10, 0] > 200 and rgb[37, 10, 2] > 200


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_from_the_header() -> None:
    bomb = _png_header_only(50_000, 50_000)  # 2.5 gigapixels in a few hundred bytes
    assert len(bomb) < 1000
    with pytest.raises(ImageUndecodable) as err:
        decode_image(bomb, field="images[1]")
    assert err.value.field == "images[1]"
    assert "pixel" in err.value.message


def test_pixel_limit_boundary() -> None:
    side = int(MAX_IMAGE_PIXELS ** 0.5)
    assert probe_image(_png_header_only(side, side), field="f").pixels <= MAX_IMAGE_PIXELS
    with pytest.raises(ImageUndecodable):
        probe_image(_png_header_only(side + 1, side + 1), field="f")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file_is_undecodable(fmt: str) -> None:
    rng = np.random.default_rng(0)
    data = encode(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), fmt)
    with pytest.raises(ImageUndecodable) as err:
        decode_image(data[: len(data) // 2], field="images[0]")
    assert err.value.code == "IMAGE_UNDECODABLE"


def test_alpha_is_composited_on_white() -> None:
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)  # fully transparent
    rgb = decode_image(encode(rgba, "PNG"), field="images[0]")
    assert rgb.min() == 255


@pytest.mark.parametrize(("name", "grey"), [("camera", True), ("moon", True), ("coffee", False),
                                            ("hubble_deep_field", False)])
def test_black_and_white_means_no_chroma_anywhere(name: str, grey: bool) -> None:
    # the deep field is dark with few vivid spots: a colour photo all the same
    from postprod.describe.evidence import named_colours
    from postprod.media.images import decode_image
    from postprod.research.describe_bench import photo_jpeg

    rgb = decode_image(photo_jpeg(name, quality=60), field="images[0]")
    assert named_colours(rgb)[1] is grey
