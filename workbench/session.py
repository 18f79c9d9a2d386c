"""The project held in session state: stored uploads, scene order, results of each step.

Uploaded bytes are written once to a folder keyed by their sha256 and only paths are kept, so a
project survives page changes and a long narration is never held twice in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

PROJECT_DIR_ENV = "POSTPROD_PROJECT_DIR"
"""Environment variable naming the project folder that "Open the sample project" opens."""
STORE_DIR_ENV = "POSTPROD_WORKBENCH_STORE"
"""Optional folder for stored uploads (default: a folder in the system temp dir)."""
REPO_ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus")

StoredFile = dict[str, Any]
"""``{"name": str, "path": str, "sha256": str, "size": int}``: a file the project uses."""

DEFAULTS: dict[str, Any] = {
    "scenes": [],            # list[StoredFile], in scene order
    "narration": None,       # StoredFile | None
    "narration_text": "",
    "music": None,           # StoredFile | None
    "project_name": "Untitled project",
    "project_source": None,  # folder of an opened project, or None for uploads
    "seen_uploads": [],      # uploader file ids already copied into the project
    "describe_result": None,  # DescribeResponse JSON data
    "describe_fingerprint": None,
    "cues": None,            # list of cue rows (dicts) edited on the Describe page
    "cue_version": 0,
    "timestamps_result": None,  # TimestampsResponse JSON data
    "timestamps_fingerprint": None,
    "starts_ms": None,       # list[int], edited scene starts
    "start_version": 0,
    "compose_result": None,  # {"otio_json", "file_name", "response", "manifest"}
    "errors": {},            # step -> error dict, shown until the step succeeds
}


def init_state(state: MutableMapping[Any, Any]) -> None:
    """Put every project key into ``state`` once (fresh containers per session)."""
    for key, value in DEFAULTS.items():
        if key not in state:
            state[key] = value.copy() if isinstance(value, list | dict) else value


def default_project_dir() -> Path:
    """The folder "Open the sample project" opens: $POSTPROD_PROJECT_DIR or sample_media/."""
    env = os.environ.get(PROJECT_DIR_ENV)
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "sample_media"


def store_root() -> Path:
    """Where uploads are written (created on first use)."""
    env = os.environ.get(STORE_DIR_ENV)
    root = Path(env) if env else Path(tempfile.gettempdir()) / "postprod-workbench-uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (keeps the suffix)."""
    base = Path(name.replace("\\", "/")).name or "upload"
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return cleaned[:120]


def store_upload(*, name: str, data: bytes) -> StoredFile:
    """Write ``data`` once under ``<store>/<sha256[:16]>/<name>`` and describe it."""
    digest = hashlib.sha256(data).hexdigest()
    folder = store_root() / digest[:16]
    path = folder / safe_name(name)
    if not path.exists() or path.stat().st_size != len(data):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return {"name": name, "path": str(path), "sha256": digest, "size": len(data)}


def stored_file(path: Path) -> StoredFile:
    """Describe a file already on disk (the opened project's own files are not copied)."""
    data = path.read_bytes()
    return {"name": path.name, "path": str(path.resolve()),
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def find_project_files(folder: Path) -> dict[str, Any]:
    """The scene stills, narration audio and text, and music bed of a project folder.

    Scenes are ``scenes/*`` images (or images at the top level), ordered by file name; the
    narration is ``narration.<audio>``, its text ``narration.txt``; music is the first audio
    file whose name starts with ``music``.

    Raises:
        FileNotFoundError: naming what is missing.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"project folder {folder} does not exist")
    scene_dir = folder / "scenes" if (folder / "scenes").is_dir() else folder
    scenes = sorted(p for p in scene_dir.iterdir()
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    audio = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    narration = next((p for p in audio if p.stem.lower() == "narration"), None)
    music = next((p for p in audio if p.stem.lower().startswith("music")), None)
    if not scenes:
        raise FileNotFoundError(f"no scene images (jpg, png, webp) in {scene_dir}")
    if narration is None:
        raise FileNotFoundError(f"no narration audio (narration.wav, .mp3, ...) in {folder}")
    text = folder / "narration.txt"
    return {"scenes": scenes, "narration": narration, "music": music,
            "narration_text": text.read_text(encoding="utf-8").strip() if text.is_file() else ""}


def open_project(state: MutableMapping[Any, Any], folder: Path) -> None:
    """Replace the session's project with the files of ``folder`` (results are cleared)."""
    found = find_project_files(folder)
    clear_results(state)
    state["scenes"] = [stored_file(p) for p in found["scenes"]]
    state["narration"] = stored_file(found["narration"])
    state["music"] = stored_file(found["music"]) if found["music"] else None
    state["narration_text"] = found["narration_text"]
    state["project_name"] = _project_name(folder)
    state["project_source"] = str(folder)
    # the Project page's text widgets show the opened project's values on this run
    state["project_name_input"] = state["project_name"]
    state["narration_text_area"] = state["narration_text"]


def _project_name(folder: Path) -> str:
    """The name in the folder's ``compose.json`` (``project.name``), else the folder's name."""
    import json

    manifest = folder / "compose.json"
    if manifest.is_file():
        try:
            name = json.loads(manifest.read_text(encoding="utf-8"))["project"]["name"]
        except (ValueError, KeyError, TypeError):
            name = None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return folder.name.replace("_", " ").strip() or "Project"


def clear_results(state: MutableMapping[Any, Any]) -> None:
    """Forget every step's result (the uploads stay)."""
    for key in ("describe_result", "describe_fingerprint", "cues", "timestamps_result",
                "timestamps_fingerprint", "starts_ms", "compose_result"):
        state[key] = None
    state["errors"] = {}
    state["cue_version"] = state.get("cue_version", 0) + 1
    state["start_version"] = state.get("start_version", 0) + 1


def move_scene(state: MutableMapping[Any, Any], index: int, step: int) -> None:
    """Move scene ``index`` by ``step`` places (-1 up, +1 down); out-of-range moves do nothing."""
    scenes = list(state["scenes"])
    target = index + step
    if 0 <= index < len(scenes) and 0 <= target < len(scenes):
        scenes[index], scenes[target] = scenes[target], scenes[index]
        state["scenes"] = scenes


def remove_scene(state: MutableMapping[Any, Any], index: int) -> None:
    """Drop scene ``index`` from the project."""
    scenes = list(state["scenes"])
    if 0 <= index < len(scenes):
        del scenes[index]
        state["scenes"] = scenes


def describe_fingerprint(state: MutableMapping[Any, Any]) -> str:
    """A hash of what Describe reads: the scene images in order and the narration text."""
    h = hashlib.sha256()
    for scene in state["scenes"]:
        h.update(scene["sha256"].encode())
    h.update(b"\0" + (state.get("narration_text") or "").encode())
    return h.hexdigest()[:16]


def timestamps_fingerprint(state: MutableMapping[Any, Any]) -> str:
    """A hash of what Align reads: the narration audio, its text and the cues."""
    h = hashlib.sha256()
    narration = state.get("narration")
    h.update((narration["sha256"] if narration else "-").encode())
    h.update(b"\0" + (state.get("narration_text") or "").encode())
    for row in state.get("cues") or []:
        h.update(f"\0{row.get('sceneId')}\0{row.get('startCueText')}\0"
                 f"{row.get('anchorText')}".encode())
    return h.hexdigest()[:16]
