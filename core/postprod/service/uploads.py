"""Request bodies read under the tier's byte limits while they stream in.

Multipart uploads go through python-multipart's streaming parser, fed chunk by chunk from the
ASGI receive stream; file parts are written to a private temp directory and the read stops (413
`PAYLOAD_TOO_LARGE`) as soon as the running total passes the limit, so an over-limit upload is
never held whole in memory or on disk. JSON bodies are bounded the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from ..contract.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from ..contract.limits import Tier, check_max

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

PART_OVERHEAD_BYTES = 16 * 1024
"""Allowance per part for boundaries and part headers in the Content-Length pre-check."""

_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
UPLOAD_DIR_PREFIX = "postprod-upload-"


def sweep_stale_uploads(temp_root: str | None = None) -> int:
    """Remove upload directories left by service processes that no longer run (a worker
    killed mid-request cannot clean up after itself). Returns how many were removed."""
    root = Path(temp_root or tempfile.gettempdir())
    removed = 0
    for d in root.glob(f"{UPLOAD_DIR_PREFIX}*-*"):
        pid_text = d.name[len(UPLOAD_DIR_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or not d.is_dir():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
        except PermissionError:
            continue  # alive, another user's
    return removed


@dataclass(frozen=True)
class FileRule:
    """What one multipart endpoint accepts as file parts.

    Attributes:
        field: the contract's name of the part (``images`` or ``audio``); error fields are
            ``images[3]`` (``indexed``) or ``audio``.
        names: part names accepted for it (``images`` and ``images[]``).
        indexed: whether the parts form a list (``images[i]``) or a single file.
        max_files: how many parts at most (None = only the byte limit bounds them).
        max_files_is_tier_limit: the count is a tier limit (422) rather than a shape rule (400).
        max_total_bytes: all file bytes together, per the tier.
        tier: the tier, named in error messages.
        what: words for the limit, e.g. ``"total bytes of all images"``.
    """

    field: str
    names: tuple[str, ...]
    indexed: bool
    max_files: int | None
    max_files_is_tier_limit: bool
    max_total_bytes: int
    tier: Tier
    what: str


@dataclass(frozen=True)
class UploadedFile:
    """One file part, stored in the upload's temp directory.

    Attributes:
        field: contract path of the part (``images[0]``, ``audio``).
        filename: the name the client sent (may be None).
        content_type: the part's Content-Type header (may be None).
        path: where the bytes are.
        size: bytes.
    """

    field: str
    filename: str | None
    content_type: str | None
    path: Path
    size: int


@dataclass
class MultipartUpload:
    """A parsed multipart body: file parts on disk, small text parts in memory."""

    directory: Path
    files: list[UploadedFile] = field(default_factory=list)
    texts: dict[str, bytes] = field(default_factory=dict)

    def cleanup(self) -> None:
        """Remove the temp directory and everything in it."""
        shutil.rmtree(self.directory, ignore_errors=True)


def check_content_type(content_type: str | None, *, expected: str) -> dict[bytes, bytes]:
    """The media type's parameters, or 415 when the type is not ``expected``."""
    media, params = parse_options_header(content_type or "")
    got = media.decode("latin-1").lower()
    if got != expected:
        raise UnsupportedMediaType(
            f"this endpoint takes {expected}, not {got or 'a body without Content-Type'}",
            field="Content-Type", allowed=expected)
    return params


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def payload_too_large(*, rule: FileRule, field_path: str | None, seen: int | None = None
                      ) -> PayloadTooLarge:
    """The 413 for a file part (or the whole body) over the tier's byte limit."""
    seen_text = f" (more than {seen:,} bytes received)" if seen is not None else ""
    return PayloadTooLarge(
        f"the upload is over the {rule.tier} tier's limit of {_mb(rule.max_total_bytes)} "
        f"for the {rule.what}{seen_text}",
        field=field_path,
        allowed=f"<= {rule.max_total_bytes} bytes ({_mb(rule.max_total_bytes)}) for the "
                f"{rule.what} on the {rule.tier} tier")


async def read_multipart(
    *,
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    content_length: int | None,
    rule: FileRule,
    text_parts: dict[str, int],
    temp_root: str | None = None,
) -> MultipartUpload:
    """Parse a streaming multipart body into files on disk and small text parts.

    Args:
        chunks: the body as it arrives (``request.stream()``).
        content_type: the request's Content-Type (must be multipart/form-data with a boundary).
        content_length: the declared body length in bytes, if any; a body that cannot fit the
            limits is refused before a byte of it is read.
        rule: the file parts this endpoint accepts and their byte limit.
        text_parts: the accepted text part names and the most bytes each may have.
        temp_root: where to make the temp directory (system default when None).

    Raises:
        UnsupportedMediaType: not multipart/form-data.
        PayloadTooLarge: files over the tier's byte limit (field ``images[i]``/``audio``), or a
            text part over its bound (field = its name).
        ValidationFailed: malformed body, unknown part, repeated text part, too many files.
        TierLimitExceeded: more files than the tier allows.
    """
    params = check_content_type(content_type, expected="multipart/form-data")
    boundary = params.get(b"boundary")
    if not boundary:
        raise ValidationFailed("the multipart/form-data Content-Type has no boundary",
                               field="Content-Type", allowed="multipart/form-data; boundary=...")
    max_parts = (rule.max_files or 1) + len(text_parts)
    budget = (rule.max_total_bytes + sum(text_parts.values())
              + PART_OVERHEAD_BYTES * (max_parts + 1))
    if content_length is not None and content_length > budget:
        raise payload_too_large(rule=rule, field_path=rule.field, seen=None)

    upload = MultipartUpload(directory=Path(tempfile.mkdtemp(
        prefix=f"{UPLOAD_DIR_PREFIX}{os.getpid()}-", dir=temp_root)))
    state = _PartState(rule=rule, text_parts=text_parts, upload=upload)
    try:
        parser = MultipartParser(boundary, state.callbacks())
        async for chunk in chunks:
            if chunk:
                parser.write(chunk)
        parser.finalize()
        state.close_file()
        if not state.ended:
            raise ValidationFailed("the multipart body ends before its closing boundary",
                                   allowed="a complete multipart/form-data body")
    except FormParserError as exc:
        state.close_file()
        upload.cleanup()
        raise ValidationFailed(f"the multipart body is malformed ({exc})",
                               allowed="a multipart/form-data body (RFC 7578)") from None
    except BaseException:
        state.close_file()
        upload.cleanup()
        raise
    return upload


class _PartState:
    """Callbacks of the streaming parser: route each part, enforce the limits as bytes arrive."""

    def __init__(self, *, rule: FileRule, text_parts: dict[str, int],
                 upload: MultipartUpload) -> None:
        self.rule = rule
        self.text_parts = text_parts
        self.upload = upload
        self.header_name = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.kind = ""  # "file" | "text"
        self.name = ""
        self.filename: str | None = None
        self.file: IO[bytes] | None = None
        self.file_path: Path | None = None
        self.file_size = 0
        self.file_count = 0
        self.total_file_bytes = 0
        self.text = bytearray()
        self.ended = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self.headers = {}
        self.kind = ""
        self.text = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = b""
        self.header_value = b""

    def _field_path(self, index: int) -> str:
        return f"{self.rule.field}[{index}]" if self.rule.indexed else self.rule.field

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        raw_name = options.get(b"name")
        if raw_name is None:
            raise ValidationFailed("a multipart part has no name in its Content-Disposition",
                                   allowed=self._allowed_names())
        name = raw_name.decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self.filename = raw_filename.decode("utf-8", "replace") if raw_filename else None
        if name in self.rule.names:
            self._begin_file(name)
        elif name in self.text_parts:
            if name in self.upload.texts:
                raise ValidationFailed(f"the part {name!r} is sent more than once", field=name,
                                       allowed=f"one {name} part")
            self.kind = "text"
            self.name = name
        else:
            raise ValidationFailed(f"unknown multipart part {name!r}", field=name,
                                   allowed=self._allowed_names())

    def _allowed_names(self) -> str:
        return "parts named " + ", ".join([*self.rule.names, *self.text_parts])

    def _begin_file(self, name: str) -> None:
        rule = self.rule
        index = self.file_count
        if rule.max_files is not None and index >= rule.max_files:
            if rule.max_files_is_tier_limit:
                err = check_max(value=index + 1, limit=rule.max_files, tier=rule.tier,
                                field=rule.field, what=f"the number of {rule.field} parts")
                assert err is not None
                raise err
            raise ValidationFailed(
                f"exactly {rule.max_files} {rule.field} file part(s) allowed; got more",
                field=self._field_path(index) if rule.indexed else rule.field,
                allowed=f"{rule.max_files} {rule.field} part(s)")
        suffix = Path(self.filename or "").suffix
        suffix = suffix.lower() if _SAFE_SUFFIX.match(suffix) else ""
        self.file_path = self.upload.directory / f"{rule.field}-{index:04d}{suffix}"
        # Small sequential writes land in the page cache; doing them inline keeps the parser
        # simple and costs microseconds per chunk.
        self.file = open(self.file_path, "wb")  # noqa: SIM115 - closed in on_part_end/cleanup
        self.file_size = 0
        self.kind = "file"
        self.name = name
        self.file_count += 1

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        if self.kind == "file":
            self.total_file_bytes += n
            if self.total_file_bytes > self.rule.max_total_bytes:
                raise payload_too_large(rule=self.rule,
                                        field_path=self._field_path(self.file_count - 1),
                                        seen=self.total_file_bytes)
            assert self.file is not None
            self.file.write(data[start:end])
            self.file_size += n
        elif self.kind == "text":
            limit = self.text_parts[self.name]
            if len(self.text) + n > limit:
                raise PayloadTooLarge(
                    f"the {self.name} part is over {limit:,} bytes", field=self.name,
                    allowed=f"<= {limit} bytes")
            self.text.extend(data[start:end])

    def on_part_end(self) -> None:
        if self.kind == "file":
            self.close_file()
            assert self.file_path is not None
            self.upload.files.append(UploadedFile(
                field=self._field_path(self.file_count - 1), filename=self.filename,
                content_type=(self.headers.get(b"content-type") or b"").decode("latin-1")
                or None,
                path=self.file_path, size=self.file_size))
        elif self.kind == "text":
            self.upload.texts[self.name] = bytes(self.text)
        self.kind = ""

    def close_file(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def on_end(self) -> None:
        self.ended = True


async def read_bounded_body(chunks: AsyncIterator[bytes], *, content_length: int | None,
                            max_bytes: int, what: str = "the JSON body") -> bytes:
    """The whole body, or 413 as soon as it passes ``max_bytes`` (declared or streamed)."""
    too_large = PayloadTooLarge(f"{what} is over {max_bytes:,} bytes",
                                allowed=f"<= {max_bytes} bytes")
    if content_length is not None and content_length > max_bytes:
        raise too_large
    buf = bytearray()
    async for chunk in chunks:
        buf.extend(chunk)
        if len(buf) > max_bytes:
            raise too_large
    return bytes(buf)
