"""The sample project in sample_media/ is complete, consistent and reproducible."""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from postprod.contract import (
    LIMITS,
    ComposeRequest,
    DescribeRequest,
    TimestampsRequest,
    parse_model,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media"
STILLS = ["01_astronaut.jpg", "02_rocket.jpg", "03_deep_field.jpg", "04_coffee.jpg",
          "05_cat.jpg"]
FILES = ["narration.txt", "narration.wav", "narration_truth.json", "music_loop.wav",
         "clip.mp4", "compose.json", "describe_metadata.json", "timestamps_metadata.json",
         "README.md", "LICENSES.md", "make_samples.py", *[f"scenes/{s}" for s in STILLS]]
SCENE_IDS = ["astronaut", "rocket", "deep_field", "coffee", "cat"]


def _json(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _narration() -> str:
    return (SAMPLES / "narration.txt").read_text(encoding="utf-8").strip()


def _make_samples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while it is executed
    spec.loader.exec_module(module)
    return module


def test_every_file_is_there_and_the_project_is_small() -> None:
    missing = [f for f in FILES if not (SAMPLES / f).is_file()]
    assert missing == []
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < 5_000_000
    assert (SAMPLES / "narration.wav").stat().st_size < LIMITS["free"].timestamps_audio_bytes


def test_request_files_validate_against_the_contract() -> None:
    compose = parse_model(ComposeRequest, (SAMPLES / "compose.json").read_text())
    describe = parse_model(DescribeRequest, (SAMPLES / "describe_metadata.json").read_text())
    stamps = parse_model(TimestampsRequest, (SAMPLES / "timestamps_metadata.json").read_text())
    assert describe.narration_text == _narration()
    assert describe.scene_ids == SCENE_IDS
    assert stamps.narration_text == _narration()
    assert [s.id for s in stamps.scenes] == SCENE_IDS
    assert stamps.language_code == "en"
    free = LIMITS["free"]
    assert len(compose.folder.items) <= free.compose_items
    assert len(describe.narration_text or "") <= free.describe_narration_chars
    assert [i.path for i in compose.folder.items if i.kind == "image"] == [
        f"scenes/{s}" for s in STILLS]
    for item in compose.folder.items:
        assert (SAMPLES / item.path).is_file(), item.path
        if item.kind != "image":
            assert item.duration_sec is not None, item.id


def test_cues_are_verbatim_and_in_narration_order() -> None:
    text = _narration()
    truth = _json("narration_truth.json")
    stamps = _json("timestamps_metadata.json")
    first_sentences = {s["sceneId"]: s["text"] for s in reversed(truth["sentences"])}
    previous_cue = -1
    for scene in stamps["scenes"]:
        cue, anchor = scene["startCueText"], scene["anchorText"]
        assert 4 <= len(cue.split()) <= 6
        assert 5 <= len(anchor.split()) <= 8
        assert text.count(cue) == 1 and text.count(anchor) == 1
        assert first_sentences[scene["id"]].startswith(cue)
        at = text.index(cue)
        assert at > previous_cue
        previous_cue = at
        scene_text = " ".join(s["text"] for s in truth["sentences"]
                              if s["sceneId"] == scene["id"])
        assert anchor in scene_text
    assert " ".join(s["text"] for s in truth["sentences"]) == text
    assert 110 <= len(text.split()) <= 150
    assert 8 <= len(truth["sentences"]) <= 12


def test_truth_times_increase_and_match_the_audio() -> None:
    truth = _json("narration_truth.json")
    info = sf.info(str(SAMPLES / "narration.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
    duration_ms = info.frames * 1000 / info.samplerate
    assert abs(duration_ms - truth["durationMs"]) <= 1
    assert 40_000 <= duration_ms <= 60_000
    sentences = truth["sentences"]
    for a, b in itertools.pairwise(sentences):
        assert a["onsetMs"] < a["offsetMs"] < b["pauseBeforeStartMs"] + 1 <= b["onsetMs"]
        gap_sec = (b["onsetMs"] - a["offsetMs"]) / 1000
        assert 0.4 <= gap_sec <= 1.0
    assert sentences[-1]["offsetMs"] < truth["durationMs"]
    onsets = [s["onsetMs"] for s in truth["scenes"]]
    assert onsets == sorted(set(onsets))
    assert [s["id"] for s in truth["scenes"]] == SCENE_IDS
    for scene in truth["scenes"]:
        first = next(s for s in sentences if s["sceneId"] == scene["id"])
        assert scene["onsetMs"] == first["onsetMs"]


def test_speech_sits_where_the_truth_says() -> None:
    audio, rate = sf.read(str(SAMPLES / "narration.wav"), dtype="float64")
    truth = _json("narration_truth.json")
    peak = abs(audio).max()
    for s in truth["sentences"]:
        pause = audio[int((s["pauseBeforeStartMs"] + 30) * rate / 1000):
                      int((s["onsetMs"] - 30) * rate / 1000)]
        speech = audio[int(s["onsetMs"] * rate / 1000):int((s["onsetMs"] + 300) * rate / 1000)]
        assert abs(pause).max(initial=0.0) < 0.01 * peak, s["index"]
        assert abs(speech).max() > 0.1 * peak, s["index"]


def test_compose_stills_follow_the_scene_onsets() -> None:
    compose = _json("compose.json")
    truth = _json("narration_truth.json")
    stills = [e for e in compose["intent"]["sequence"] if e["itemId"] in SCENE_IDS]
    assert [e["itemId"] for e in stills] == SCENE_IDS
    starts = [0.0]
    for entry in stills:
        starts.append(round(starts[-1] + entry["durationSec"], 3))
    expected = [0.0] + [s["onsetMs"] / 1000 for s in truth["scenes"][1:]]
    assert starts[:-1] == pytest.approx(expected, abs=0.0015)
    assert starts[-1] == pytest.approx(truth["durationMs"] / 1000, abs=0.0015)
    clip = compose["intent"]["sequence"][-1]
    assert clip["itemId"] == "clip" and 0 < clip["trim"]["inSec"] < clip["trim"]["outSec"]
    layers = {layer["role"]: layer for layer in compose["intent"]["audioLayers"]}
    assert layers["music"]["placement"] == "loopToFit"
    assert layers["music"]["trackId"] != layers["narration"]["trackId"]
    total = starts[-1] + clip["trim"]["outSec"] - clip["trim"]["inSec"]
    assert layers["music"]["toSec"] == pytest.approx(total, abs=0.0015)
    assert total < 180


def test_media_formats() -> None:
    for name in STILLS:
        with Image.open(SAMPLES / "scenes" / name) as img:
            assert img.format == "JPEG" and img.mode == "RGB"
            assert max(img.size) <= 1024
    music = sf.info(str(SAMPLES / "music_loop.wav"))
    assert music.samplerate in (44100, 48000) and 6 <= music.duration <= 8
    assert (SAMPLES / "clip.mp4").stat().st_size < 1_000_000
    with av.open(str(SAMPLES / "clip.mp4")) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
        assert video.format.name == "yuv420p"
        assert video.average_rate == 25
        assert audio.codec_context.name == "aac"
        assert video.duration is not None and video.time_base is not None
        assert float(video.duration * video.time_base) == pytest.approx(6.0, abs=0.05)


def test_request_texts_come_from_the_script() -> None:
    """The text and request JSON files are what make_samples.py writes (no espeak needed)."""
    ms = _make_samples_module()
    assert (SAMPLES / "narration.txt").read_text(encoding="utf-8") == ms.narration_text() + "\n"
    assert _json("describe_metadata.json") == ms.describe_metadata()
    assert _json("timestamps_metadata.json") == ms.timestamps_metadata()


@pytest.mark.slow
def test_make_samples_regenerates_the_project(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)],
                   check=True, timeout=300)
    for name in ["narration.txt", "describe_metadata.json", "timestamps_metadata.json"]:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
    # Audio timing depends on the installed espeak-ng version: compare within a tolerance.
    new, old = (json.loads((d / "narration_truth.json").read_text()) for d in (tmp_path, SAMPLES))
    assert [s["text"] for s in new["sentences"]] == [s["text"] for s in old["sentences"]]
    # A different espeak-ng may speak a little faster or slower; the same one is exact.
    for a, b in zip(new["sentences"], old["sentences"], strict=True):
        assert abs(a["onsetMs"] - b["onsetMs"]) <= 3000, a["index"]
    for name in ["narration.wav", "music_loop.wav"]:
        assert sf.info(str(tmp_path / name)).duration == pytest.approx(
            sf.info(str(SAMPLES / name)).duration, rel=0.1), name
    parse_model(ComposeRequest, (tmp_path / "compose.json").read_text())
    for name in STILLS:  # JPEG bytes depend on the encoder build: compare pixels
        new_path, old_path = tmp_path / "scenes" / name, SAMPLES / "scenes" / name
        with Image.open(new_path) as a, Image.open(old_path) as b:
            assert a.size == b.size
            diff = np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16))
            assert diff.mean() < 2.0, name
    assert (tmp_path / "clip.mp4").stat().st_size < 1_000_000
