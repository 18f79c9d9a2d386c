"""Media `target_url`s: RFC 8089 `file://` URLs from a media root, or the plain relative path."""

from __future__ import annotations

import re
from urllib.parse import quote

_DRIVE = re.compile(r"^([A-Za-z]):(/|$)")


def target_url(*, path: str, media_root_path: str | None) -> str:
    """The `target_url` of one folder item.

    Args:
        path: the item's relative path (``/`` separators, validated by the contract).
        media_root_path: absolute root (``/srv/p``, ``C:/p``, ``C:\\p`` or ``\\\\host\\share``),
            or None.

    Returns:
        Without a root, the relative path as a percent-encoded relative URL
        (``Scènes/01 café #1.jpg`` -> ``Sc%C3%A8nes/01%20caf%C3%A9%20%231.jpg``), so readers
        that parse it as a URL do not cut it at ``#`` or ``?``. With one, a percent-encoded
        ``file://`` URL: ``file:///srv/p/still%201.jpg``, ``file:///C:/p/a.mov``,
        ``file://host/share/a.mov``.
    """
    if media_root_path is None:
        return quote(path, safe="/")
    root = media_root_path.replace("\\", "/")
    if root.startswith("//"):  # UNC: //host/share/...
        host, _, rest = root[2:].partition("/")
        full = _join(rest, path)
        return f"file://{quote(host, safe='')}/{quote(full, safe='/')}"
    drive = _DRIVE.match(root)
    if drive:
        rest = root[2:].lstrip("/")
        full = _join(rest, path)
        return f"file:///{drive.group(1).upper()}:/{quote(full, safe='/')}"
    full = _join(root.lstrip("/"), path)
    return f"file:///{quote(full, safe='/')}"


def _join(root: str, path: str) -> str:
    root = re.sub(r"/+", "/", root).strip("/")
    return f"{root}/{path}" if root else path


def file_name(path: str) -> str:
    """The last segment of a ``/``-separated path (``scenes/a b.jpg`` -> ``a b.jpg``)."""
    return path.rsplit("/", 1)[-1]


def local_path(*, path: str, media_root_path: str | None) -> str:
    """The file-system path of one folder item, not encoded (for MLT's ``resource``).

    ``C:\\p`` + ``a b.jpg`` -> ``C:/p/a b.jpg``; ``\\\\host\\share`` -> ``//host/share/…``;
    without a root, the relative path (resolved against the project file's folder).
    """
    if media_root_path is None:
        return path
    root = media_root_path.replace("\\", "/")
    if root.startswith("//"):
        return "//" + _join(root[2:], path)
    drive = _DRIVE.match(root)
    if drive:
        return f"{drive.group(1).upper()}:/" + _join(root[2:].lstrip("/"), path)
    return "/" + _join(root.lstrip("/"), path)


TROUBLE_CHARACTERS = "#?%"
"""Characters some editors mishandle in media file names even when encoded (URL cuts,
MLT's printf-style image-sequence patterns)."""


def troublesome(path: str) -> list[str]:
    """The characters of ``path`` that some editors cannot open (``#``, ``?``, ``%``)."""
    return [c for c in TROUBLE_CHARACTERS if c in path]
