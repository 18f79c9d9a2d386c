"""A timeline bundle: one ``.zip`` with the ``.otio``, the editor exports and all the media.

Every media reference in the bundle is relative to the timeline file (``media/01 sunset.jpg``,
percent-encoded by the exports where they encode), so the unzipped folder opens in an editor on
any machine. The bundle is built by composing a manifest whose items have relative paths and no
``mediaRootPath``; the exports are the ones Compose writes for that manifest.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .contract.common import parse_model
from .contract.compose import ComposeRequest
from .contract.errors import ValidationFailed
from .contract.limits import Tier

MEDIA_DIR = "media"
"""Folder of the media inside the bundle, next to the timeline files."""


@dataclass(frozen=True)
class Bundle:
    """One built bundle.

    Attributes:
        file_name: ``<slug>.zip``.
        data: the zip's bytes.
        members: the paths inside the zip, in the order written.
    """

    file_name: str
    data: bytes
    members: list[str]


def media_names(names: Sequence[str]) -> list[str]:
    """Unique file names for the bundle's media folder, in order: each producer's own name
    (folders and characters editors trip on dropped), ``-2``, ``-3`` … before the suffix for a
    name already taken."""
    out: list[str] = []
    taken: set[str] = set()
    for i, name in enumerate(names):
        base = PurePosixPath(name.replace("\\", "/")).name
        base = re.sub(r"[^A-Za-z0-9._ ()+,-]+", "_", base).strip(" .") or f"media-{i}"
        stem, dot, suffix = base.rpartition(".")
        if not dot:
            stem, suffix = base, ""
        candidate, n = base, 2
        while candidate.lower() in taken:
            candidate = f"{stem}-{n}" + (f".{suffix}" if suffix else "")
            n += 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def build_bundle(
    *, manifest: ComposeRequest | Mapping[str, Any], media: Mapping[str, str | Path],
    tier: Tier = "enterprise",
) -> Bundle:
    """Compose ``manifest`` and zip the timeline, its exports and its media.

    Args:
        manifest: a Compose manifest whose items have paths relative to the timeline file and
            no ``folder.mediaRootPath``.
        media: each item path of the manifest -> the file to copy there (read, never moved).
        tier: the Compose limits that apply.

    Returns:
        Bundle: ``<slug>/<slug>.otio``, ``<slug>/<export files>``, ``<slug>/<item paths>``.

    Raises:
        ValidationFailed: a ``mediaRootPath`` in the manifest, an item without a file in
            ``media``, or a file that is not there.
        PostprodError subclasses: whatever Compose refuses in the manifest.
    """
    from .compose import compose_otio

    request = parse_model(ComposeRequest, manifest)
    if request.folder.media_root_path is not None:
        raise ValidationFailed("a bundle's media references are relative to the timeline",
                               field="folder.mediaRootPath", allowed="no mediaRootPath")
    sources: dict[str, Path] = {}
    for i, item in enumerate(request.folder.items):
        source = media.get(item.path)
        if source is None or not Path(source).is_file():
            raise ValidationFailed(f"no file for the item path {item.path!r}",
                                   field=f"folder.items[{i}].path",
                                   allowed="an existing file for every item path")
        sources[item.path] = Path(source)
    result = compose_otio(request, tier=tier, with_exports=True)
    slug = result.file_name.rsplit(".", 1)[0]
    members: list[str] = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add_text(name: str, text: str) -> None:
            zf.writestr(f"{slug}/{name}", text.encode("utf-8"))
            members.append(f"{slug}/{name}")

        add_text(result.file_name, result.otio_json)
        for export in (result.response.data.exports or {}).values():
            add_text(export.file_name, export.content)
        for path, source in sorted(sources.items()):
            zf.write(source, f"{slug}/{path}", compress_type=zipfile.ZIP_STORED)
            members.append(f"{slug}/{path}")
    return Bundle(file_name=f"{slug}.zip", data=buf.getvalue(), members=members)
