"""Streaming multipart parsing under the tier's byte limits (no server: fed chunk by chunk)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from postprod.contract.errors import (
    PayloadTooLarge,
    TierLimitExceeded,
    UnsupportedMediaType,
    ValidationFailed,
)
from postprod.service.uploads import FileRule, read_bounded_body, read_multipart

BOUNDARY = "testBoundary123"
CT = f"multipart/form-data; boundary={BOUNDARY}"

IMAGES = FileRule(field="images", names=("images", "images[]"), indexed=True, max_files=5,
                  max_files_is_tier_limit=True, max_total_bytes=1000, tier="free",
                  what="total bytes of all images")
AUDIO = FileRule(field="audio", names=("audio",), indexed=False, max_files=1,
                 max_files_is_tier_limit=False, max_total_bytes=1000, tier="free",
                 what="audio file")


def part(name: str, data: bytes, filename: str | None = None,
         content_type: str | None = None) -> bytes:
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def _chunks(data: bytes, size: int, seen: list[int]) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        seen.append(i + size)
        yield data[i:i + size]


def parse(data: bytes, rule: FileRule, *, chunk: int = 7, tmp: Path,
          content_length: int | None = None, seen: list[int] | None = None,
          content_type: str = CT):
    seen = [] if seen is None else seen
    return asyncio.run(read_multipart(chunks=_chunks(data, chunk, seen),
                                      content_type=content_type,
                                      content_length=content_length, rule=rule,
                                      text_parts={"metadata": 200}, temp_root=str(tmp)))


def leftovers(tmp: Path) -> Iterable[Path]:
    return list(tmp.rglob("*"))


def test_files_in_order_on_disk_and_metadata_in_memory(tmp_path: Path) -> None:
    data = body(part("images", b"A" * 300, "one.JPG", "image/jpeg"),
                part("metadata", b'{"narrationText": "x"}'),
                part("images[]", b"B" * 200, "two.png"))
    up = parse(data, IMAGES, tmp=tmp_path)
    try:
        assert [f.field for f in up.files] == ["images[0]", "images[1]"]
        assert [f.path.read_bytes() for f in up.files] == [b"A" * 300, b"B" * 200]
        assert [f.path.suffix for f in up.files] == [".jpg", ".png"]
        assert up.files[0].content_type == "image/jpeg" and up.files[0].filename == "one.JPG"
        assert up.texts == {"metadata": b'{"narrationText": "x"}'}
    finally:
        up.cleanup()
    assert leftovers(tmp_path) == []


def test_total_over_limit_stops_reading_at_the_limit(tmp_path: Path) -> None:
    big = body(part("images", b"A" * 600, "a.jpg"), part("images", b"B" * 600, "b.jpg"),
               part("images", b"C" * 50_000, "c.jpg"))
    seen: list[int] = []
    with pytest.raises(PayloadTooLarge) as exc:
        parse(big, IMAGES, chunk=100, tmp=tmp_path, seen=seen)
    assert exc.value.field == "images[1]"
    assert "free" in (exc.value.allowed or "") and "1000" in (exc.value.allowed or "")
    assert max(seen) < 1600  # stopped right after the limit, long before the body's end
    assert leftovers(tmp_path) == []


def test_content_length_pre_check_reads_nothing(tmp_path: Path) -> None:
    seen: list[int] = []
    with pytest.raises(PayloadTooLarge) as exc:
        parse(body(part("audio", b"x", "a.wav")), AUDIO, tmp=tmp_path,
              content_length=10_000_000, seen=seen)
    assert exc.value.field == "audio" and seen == []
    assert leftovers(tmp_path) == []


def test_more_images_than_the_tier_allows(tmp_path: Path) -> None:
    data = body(*(part("images", b"x", f"{i}.jpg") for i in range(6)))
    with pytest.raises(TierLimitExceeded) as exc:
        parse(data, IMAGES, tmp=tmp_path)
    assert exc.value.field == "images" and "free" in (exc.value.allowed or "")
    assert leftovers(tmp_path) == []


def test_second_audio_unknown_part_and_repeated_metadata(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse(body(part("audio", b"a", "a.wav"), part("audio", b"b", "b.wav")), AUDIO,
              tmp=tmp_path)
    assert exc.value.field == "audio"
    with pytest.raises(ValidationFailed) as exc:
        parse(body(part("audios", b"a", "a.wav")), AUDIO, tmp=tmp_path)
    assert exc.value.field == "audios"
    with pytest.raises(ValidationFailed) as exc:
        parse(body(part("metadata", b"{}"), part("metadata", b"{}")), AUDIO, tmp=tmp_path)
    assert exc.value.field == "metadata"
    assert leftovers(tmp_path) == []


def test_metadata_part_is_bounded(tmp_path: Path) -> None:
    with pytest.raises(PayloadTooLarge) as exc:
        parse(body(part("metadata", b"x" * 201)), AUDIO, tmp=tmp_path)
    assert exc.value.field == "metadata"


def test_malformed_and_truncated_bodies(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        parse(b"--" + BOUNDARY.encode() + b"\r\nno headers end", AUDIO, tmp=tmp_path)
    with pytest.raises(ValidationFailed):  # no closing boundary
        parse(part("audio", b"abc", "a.wav"), AUDIO, tmp=tmp_path)
    assert leftovers(tmp_path) == []


def test_content_type_and_boundary(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMediaType):
        parse(b"{}", AUDIO, tmp=tmp_path, content_type="application/json")
    with pytest.raises(ValidationFailed) as exc:
        parse(b"", AUDIO, tmp=tmp_path, content_type="multipart/form-data")
    assert exc.value.field == "Content-Type"


def test_bounded_json_body() -> None:
    async def gen(n: int) -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"x" * 100

    assert asyncio.run(read_bounded_body(gen(3), content_length=None, max_bytes=300)) == \
        b"x" * 300
    with pytest.raises(PayloadTooLarge):
        asyncio.run(read_bounded_body(gen(4), content_length=None, max_bytes=300))
    with pytest.raises(PayloadTooLarge):
        asyncio.run(read_bounded_body(gen(1), content_length=301, max_bytes=300))
