"""The project held in session state, mirrored to a project folder on disk.

Every uploaded file is written once into the project folder (``files/<sha16>/<name>``) and only
paths are kept; the project's manifest (``project.json``) is written at the end of every run
that changed it, so a reload, a new tab or a restart of the app gets the whole project back.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from postprod import project as projects
from postprod.contract import PostprodError

PROJECT_DIR_ENV = "POSTPROD_PROJECT_DIR"
"""Environment variable naming the folder ``postprod workbench DIR`` opens (a saved project,
or a media folder that "Open the sample project" copies)."""
STORE_DIR_ENV = "POSTPROD_WORKBENCH_STORE"
"""Optional folder for the saved projects (``<it>/projects``)."""
REPO_ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus")

StoredFile = dict[str, Any]
"""``{"name", "path", "sha256", "size"}`` (+ ``"error"``: the contract error of a refused file)."""

DEFAULTS: dict[str, Any] = {
    "scenes": [],            # list[StoredFile], in scene order
    "narration": None,       # StoredFile | None
    "narration_text": "",
    "music": None,           # StoredFile | None
    "project_name": "Untitled project",
    "project_source": None,  # media folder the project was copied from, or None
    "project_dir": None,     # the project folder on disk (str), None until the first change
    "read_only_source": None,  # the folder copied in, never written to
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
    "errors": {},            # step -> error dict (+ "input": fingerprint of what failed)
    "selected_cut": None,    # the cut chosen on the Align page
    "media_folder": "",      # media folder on the editing machine ("" = next to the timeline)
    "applied_jobs": [],      # ids of background jobs whose result is in the project
}
SAVED_KEYS = ("scenes", "narration", "narration_text", "music", "project_name", "project_source",
              "describe_result", "describe_fingerprint", "cues", "timestamps_result",
              "timestamps_fingerprint", "starts_ms", "compose_result", "errors", "selected_cut",
              "media_folder", "applied_jobs")
"""Project keys written to ``project.json``."""
SETTING_KEYS = ("tier", "align_model", "compose_target", "compose_fps", "compose_resolution",
                "compose_crossfade", "compose_music", "captioner_dir")
"""Widget values that belong to the project (``settings`` in ``project.json``)."""


def init_state(state: MutableMapping[Any, Any]) -> None:
    """Put every project key into ``state`` once (fresh containers per session)."""
    for key, value in DEFAULTS.items():
        if key not in state:
            state[key] = value.copy() if isinstance(value, list | dict) else value


def default_project_dir() -> Path:
    """The folder "Open the sample project" copies: $POSTPROD_PROJECT_DIR (when it is a media
    folder, not a saved project) or the repository's sample_media/."""
    env = os.environ.get(PROJECT_DIR_ENV)
    if env and not projects.is_project(Path(env)):
        return Path(env).expanduser().resolve()
    return REPO_ROOT / "sample_media"


def startup_project() -> Path | None:
    """The saved project ``postprod workbench DIR`` was started on, if DIR is one."""
    env = os.environ.get(PROJECT_DIR_ENV)
    if env and projects.is_project(Path(env)):
        return Path(env).expanduser().resolve()
    return None


def projects_root() -> Path:
    """Where projects are saved: ``$POSTPROD_WORKBENCH_STORE/projects``, else
    ``$XDG_DATA_HOME/postprod-workbench/projects`` (created)."""
    env = os.environ.get(STORE_DIR_ENV)
    if env:
        root = Path(env) / "projects"
    else:
        data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        root = Path(data_home) / "postprod-workbench" / "projects"
    root.mkdir(parents=True, exist_ok=True)
    return root


def store_root() -> Path:
    """Where derived files that are not part of any project live (preview renders and the
    links they read media through): ``cache/`` beside `projects_root` (created)."""
    root = projects_root().parent / "cache"
    root.mkdir(parents=True, exist_ok=True)
    return root


def find_project(key: str) -> Path | None:
    """The project a URL's ``?project=`` names: a folder name under `projects_root`, or the
    startup project's folder name."""
    start = startup_project()
    if start is not None and start.name == key:
        return start
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    folder = projects_root() / key
    return folder if projects.is_project(folder) else None


def ensure_project(state: MutableMapping[Any, Any]) -> Path:
    """The session's project folder, created on first need."""
    if not state.get("project_dir"):
        folder = projects.new_project(root=projects_root(),
                                      name=str(state.get("project_name") or "Untitled project"))
        state["project_dir"] = str(folder)
        state["_saved"] = None
    return Path(state["project_dir"])


def snapshot(state: Mapping[Any, Any]) -> dict[str, Any]:
    """What ``project.json`` holds for the session's project."""
    data: dict[str, Any] = {"name": state.get("project_name")}
    for key in SAVED_KEYS:
        data[key] = state.get(key)
    data["settings"] = {k: state[k] for k in SETTING_KEYS if k in state}
    return data


def save(state: MutableMapping[Any, Any]) -> bool:
    """Write the project's manifest when anything in it changed since the last save."""
    folder = state.get("project_dir")
    if not folder or not Path(folder).is_dir():
        return False
    data = snapshot(state)
    text = json.dumps(data, sort_keys=True, default=str)
    if text == state.get("_saved"):
        return False
    projects.save_project(Path(folder), data)
    state["_saved"] = text
    return True


def load(state: MutableMapping[Any, Any], folder: Path) -> None:
    """Replace the session's project with the saved project in ``folder``."""
    data = projects.load_project(folder)
    for key, value in DEFAULTS.items():
        state[key] = value.copy() if isinstance(value, list | dict) else value
    for key in SAVED_KEYS:
        if key in data and data[key] is not None:
            state[key] = data[key]
    state["project_name"] = str(data.get("project_name") or data.get("name") or folder.name)
    for key, value in (data.get("settings") or {}).items():
        if key in SETTING_KEYS and value is not None:
            state[key] = value
    state["project_dir"] = str(folder)
    state["cue_version"] = int(state.get("cue_version") or 0) + 1
    state["start_version"] = int(state.get("start_version") or 0) + 1
    _seed_widgets(state)
    state["_saved"] = json.dumps(snapshot(state), sort_keys=True, default=str)


def _seed_widgets(state: MutableMapping[Any, Any]) -> None:
    """The Project page's text widgets show the project's values on the next run."""
    state["project_name_input"] = state["project_name"]
    state["narration_text_area"] = state["narration_text"]
    state["cut_box"] = int(state.get("cut_box") or 0) + 1  # the Align page's "Cut" box anew


def error_dict(exc: BaseException) -> dict[str, Any]:
    """A `PostprodError` (or anything else) as plain data kept with the project."""
    if isinstance(exc, PostprodError):
        return {"code": exc.code, "message": exc.message, "field": exc.field,
                "allowed": exc.allowed,
                "details": [d.model_dump(exclude_none=True) for d in exc.details]}
    return {"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}",
            "field": None, "allowed": None, "details": []}


def check_image(data: bytes) -> dict[str, Any] | None:
    """None when the library decodes ``data`` as a still, else its contract error (as data)."""
    from postprod.media.images import decode_image

    try:
        decode_image(data, field="image")
    except Exception as exc:
        return error_dict(exc)
    return None


def check_audio(path: str) -> dict[str, Any] | None:
    """None when the library decodes the start of the audio file at ``path``, else its contract
    error (as data)."""
    from postprod.media.audio import decode_audio

    try:
        decode_audio(path, max_duration_sec=1.0)
    except Exception as exc:
        return error_dict(exc)
    return None


def store_upload(state: MutableMapping[Any, Any], *, name: str, data: bytes,
                 kind: str = "image") -> StoredFile:
    """Write ``data`` into the session's project and check it with the library's decoders;
    a refused file keeps ``"error"`` (its contract error) so the page can show it in its row."""
    entry = projects.store_file(ensure_project(state), name=name, data=data)
    error = check_image(data) if kind == "image" else check_audio(entry["path"])
    if error:
        entry["error"] = error
    return entry


def bad_files(state: Mapping[Any, Any]) -> list[str]:
    """Names of the project's files the library refused (their rows show why)."""
    entries = [*state.get("scenes", []), state.get("narration"), state.get("music")]
    return [str(e["name"]) for e in entries if e and e.get("error")]


def is_wav(entry: Mapping[str, Any]) -> bool:
    """The stored file is a WAV (by its bytes, as the library sniffs it)."""
    from postprod.media.audio import check_format

    try:
        return check_format(str(entry["path"])) == "wav"
    except Exception:
        return False


def convert_to_flac(state: MutableMapping[Any, Any], entry: Mapping[str, Any]) -> StoredFile:
    """The WAV ``entry`` re-encoded as lossless FLAC (same rate and channels) in the project.

    libsndfile reads the WAV; a WAV it cannot read (an unusual codec) is decoded by the
    library's own decoder (16 kHz mono, what Align listens to) instead.
    """
    import io

    import soundfile as sf

    buf = io.BytesIO()
    try:
        data, rate = sf.read(str(entry["path"]), dtype="int16", always_2d=True)
        sf.write(buf, data, rate, format="FLAC", subtype="PCM_16")
    except (RuntimeError, sf.LibsndfileError):
        from postprod.media.audio import SAMPLE_RATE, decode_audio

        decoded = decode_audio(str(entry["path"]))
        buf = io.BytesIO()
        sf.write(buf, decoded.samples, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    name = f"{Path(str(entry['name'])).stem}.flac"
    return store_upload(state, name=name, data=buf.getvalue(), kind="audio")


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
    """Start a new project holding a copy of the media folder ``folder`` (read only: nothing
    is ever written there)."""
    found = find_project_files(folder)
    for key, value in DEFAULTS.items():
        state[key] = value.copy() if isinstance(value, list | dict) else value
    clear_results(state)
    state["project_name"] = _project_name(folder)
    target = ensure_project(state)
    state["scenes"] = [projects.copy_in(target, p) for p in found["scenes"]]
    state["narration"] = projects.copy_in(target, found["narration"])
    state["music"] = projects.copy_in(target, found["music"]) if found["music"] else None
    state["narration_text"] = found["narration_text"]
    state["project_source"] = str(folder)
    _seed_widgets(state)


def _project_name(folder: Path) -> str:
    """The name in the folder's ``compose.json`` (``project.name``), else the folder's name."""
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
                "timestamps_fingerprint", "starts_ms", "compose_result", "selected_cut"):
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
