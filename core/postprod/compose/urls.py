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
        Without a root, ``path`` unchanged. With one, a percent-encoded ``file://`` URL:
        ``file:///srv/p/still%201.jpg``, ``file:///C:/p/a.mov``, ``file://host/share/a.mov``.
    """
    if media_root_path is None:
        return path
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
