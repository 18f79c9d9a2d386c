"""Projects on disk: a folder with its own JSON manifest, the files it uses and every result.

Layout of a project folder::

    project.json          the manifest: name, tier, settings, files, results (format 1)
    files/<sha16>/<name>  every uploaded or copied file, under its producer's own name
    jobs/<kind>.json      the last background job of each kind (status, result or error)

File entries in ``project.json`` hold paths relative to the folder, so a folder (or its
``.zip`` export) can be moved; `load_project` hands them back as absolute paths.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .contract.errors import ValidationFailed

PROJECT_FILE = "project.json"
FILES_DIR = "files"
JOBS_DIR = "jobs"
FORMAT = 1
"""Version of the ``project.json`` layout."""
FILE_KEYS = ("scenes", "narration", "music")
"""Top-level manifest keys that hold file entries (one entry or a list of them)."""
MAX_IMPORT_BYTES = 2_000_000_000
"""Largest total uncompressed size of an imported project zip, bytes."""

StoredFile = dict[str, Any]
"""``{"name": str, "path": str, "sha256": str, "size": int}`` (+ ``"error"`` when refused)."""


@dataclass(frozen=True)
class ProjectInfo:
    """One saved project as listed on the Project page.

    Attributes:
        folder: the project folder.
        name: the project's name.
        modified: last save, seconds since the epoch.
    """

    folder: Path
    name: str
    modified: float


def safe_name(name: str) -> str:
    """A file name without folders or characters editors trip on (keeps the suffix)."""
    base = PurePosixPath(name.replace("\\", "/")).name or "upload"
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip("._ ") or "upload"
    return cleaned[:120]


def is_project(folder: Path) -> bool:
    """``folder`` holds a ``project.json``."""
    return (folder / PROJECT_FILE).is_file()


def new_project(*, root: Path, name: str) -> Path:
    """Create an empty project folder under ``root`` and return it.

    The folder name is a slug of ``name``, the date and a random suffix (never reused).
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "project"
    folder = root / f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    (folder / FILES_DIR).mkdir(parents=True)
    save_project(folder, {"name": name})
    return folder


def store_file(folder: Path, *, name: str, data: bytes) -> StoredFile:
    """Write ``data`` once under ``files/<sha256[:16]>/<name>`` of the project."""
    digest = hashlib.sha256(data).hexdigest()
    path = folder / FILES_DIR / digest[:16] / safe_name(name)
    if not path.exists() or path.stat().st_size != len(data):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return {"name": name, "path": str(path), "sha256": digest, "size": len(data)}


def _convert_paths(data: Mapping[str, Any], convert: Any) -> dict[str, Any]:
    out = dict(data)
    for key in FILE_KEYS:
        value = out.get(key)
        if isinstance(value, list):
            out[key] = [convert(v) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            out[key] = convert(value)
    return out


def save_project(folder: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as the project's manifest (atomically; file paths made relative)."""
    root = folder.resolve()

    def relative(entry: dict[str, Any]) -> dict[str, Any]:
        path = Path(str(entry.get("path", "")))
        if path.is_absolute() and path.resolve().is_relative_to(root):
            return {**entry, "path": path.resolve().relative_to(root).as_posix()}
        return dict(entry)

    body = {**_convert_paths(data, relative), "format": FORMAT}
    text = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".project-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, folder / PROJECT_FILE)


def load_project(folder: Path) -> dict[str, Any]:
    """The project's manifest with absolute file paths.

    Raises:
        ValidationFailed: no ``project.json``, or one that is not a JSON object.
    """
    path = folder / PROJECT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationFailed(f"{folder} is not a project folder (no {PROJECT_FILE})",
                               field="project", allowed="a folder saved by the workbench"
                               ) from None
    except ValueError as exc:
        raise ValidationFailed(f"{path} is not valid JSON: {exc}", field="project",
                               allowed="a project.json written by the workbench") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path} does not hold a JSON object", field="project",
                               allowed="a project.json written by the workbench")
    root = folder.resolve()

    def absolute(entry: dict[str, Any]) -> dict[str, Any]:
        path = Path(str(entry.get("path", "")))
        return {**entry, "path": str(path if path.is_absolute() else root / path)}

    return _convert_paths(data, absolute)


def list_projects(root: Path) -> list[ProjectInfo]:
    """The projects under ``root``, most recently saved first."""
    out: list[ProjectInfo] = []
    if not root.is_dir():
        return out
    for folder in root.iterdir():
        manifest = folder / PROJECT_FILE
        if not manifest.is_file():
            continue
        try:
            name = str(json.loads(manifest.read_text(encoding="utf-8")).get("name") or
                       folder.name)
        except (ValueError, AttributeError):
            name = folder.name
        out.append(ProjectInfo(folder=folder, name=name, modified=manifest.stat().st_mtime))
    return sorted(out, key=lambda p: -p.modified)


def export_zip(folder: Path) -> bytes:
    """The whole project folder as one ``.zip`` (``project.json`` and ``files/``; no jobs)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / PROJECT_FILE, PROJECT_FILE)
        files = folder / FILES_DIR
        if files.is_dir():
            for path in sorted(files.rglob("*")):
                if path.is_file() and not path.name.endswith(".part"):
                    zf.write(path, path.relative_to(folder).as_posix(),
                             compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def import_zip(*, root: Path, data: bytes) -> Path:
    """Unpack an exported project ``.zip`` into a new folder under ``root``.

    Raises:
        ValidationFailed: not a zip, no ``project.json`` at its top, an entry outside the
            project (absolute or ``..``), or more than `MAX_IMPORT_BYTES` uncompressed.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationFailed("the file is not a zip archive", field="project_zip",
                               allowed="a project .zip exported by the workbench") from None
    with zf:
        names = zf.namelist()
        if PROJECT_FILE not in names:
            raise ValidationFailed(f"the zip has no {PROJECT_FILE} at its top",
                                   field="project_zip",
                                   allowed="a project .zip exported by the workbench")
        total = sum(i.file_size for i in zf.infolist())
        if total > MAX_IMPORT_BYTES:
            raise ValidationFailed(f"the zip unpacks to {total} bytes", field="project_zip",
                                   allowed=f"at most {MAX_IMPORT_BYTES} bytes")
        for name in names:
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]) or not (
                    name == PROJECT_FILE or (parts and parts[0] == FILES_DIR)):
                raise ValidationFailed(f"the zip entry {name!r} is outside a project",
                                       field="project_zip",
                                       allowed=f"{PROJECT_FILE} and files/… only")
        try:
            manifest = json.loads(zf.read(PROJECT_FILE).decode("utf-8"))
        except ValueError:
            raise ValidationFailed(f"{PROJECT_FILE} in the zip is not valid JSON",
                                   field="project_zip",
                                   allowed="a project .zip exported by the workbench") from None
        name = str(manifest.get("name") or "Imported project") if isinstance(
            manifest, dict) else "Imported project"
        folder = new_project(root=root, name=name)
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = folder / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)
    return folder


def copy_in(folder: Path, source: Path) -> StoredFile:
    """Copy the file ``source`` into the project (the source is only read)."""
    return store_file(folder, name=source.name, data=source.read_bytes())
