"""Describe → Scene Timestamps on the sample project, with the real tiny.en recogniser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from postprod.align import scene_timestamps
from postprod.describe import describe_scenes, to_timestamps_request

pytestmark = [pytest.mark.model, pytest.mark.slow]


@pytest.fixture(scope="module")
def described(sample_media: Path) -> tuple[dict[str, Any], str]:
    meta = json.loads((sample_media / "describe_metadata.json").read_text(encoding="utf-8"))
    images = sorted((sample_media / "scenes").glob("*.jpg"))
    response = describe_scenes(images, meta, tier="free")
    return response.to_json_data(), meta["narrationText"]


def test_describe_gives_every_sample_scene_its_cues(described: tuple[dict[str, Any], str],
                                                    sample_media: Path) -> None:
    body, narration = described
    truth = json.loads((sample_media / "narration_truth.json").read_text(encoding="utf-8"))
    scenes = body["data"]["scenes"]
    assert [s["sceneId"] for s in scenes] == [t["id"] for t in truth["scenes"]]
    for scene, true in zip(scenes, truth["scenes"], strict=True):
        assert scene["anchorText"] in narration
        assert scene["anchorText"].startswith(scene["startCueText"])
        # the describe start cue begins where the sample's true scene begins
        assert narration.index(scene["startCueText"]) == narration.index(true["startCueText"])


def test_handoff_places_every_scene(described: tuple[dict[str, Any], str],
                                    sample_media: Path) -> None:
    body, narration = described
    request = to_timestamps_request(body, narration_text=narration)
    # the hand-off only renames sceneId to id: every cue goes over exactly as Describe wrote it
    for sent, scene in zip(request["scenes"], body["data"]["scenes"], strict=True):
        assert sent["id"] == scene["sceneId"]
        assert sent["startCueText"] == scene["startCueText"]
        assert sent["anchorText"] == scene["anchorText"]
    truth = json.loads((sample_media / "narration_truth.json").read_text(encoding="utf-8"))
    result = scene_timestamps(sample_media / "narration.wav", request, tier="free",
                              model="tiny.en")
    starts = [s.start_ms for s in result.data.scenes]
    assert [s.id for s in result.data.scenes] == [t["id"] for t in truth["scenes"]]
    assert starts == sorted(set(starts)) and starts[0] == 0
    for tr, true in zip(result.data.transitions, truth["scenes"][1:], strict=True):
        assert tr.basis != "interpolated"
        # a cut anywhere in the pause before the scene's first word is right (300 ms slack)
        assert true["pauseBeforeStartMs"] - 300 <= tr.at_ms <= true["onsetMs"] + 300
    assert not [w for w in result.data.warnings if w.code == "CUE_NOT_FOUND"]


def test_describe_output_sent_unchanged_to_the_timestamps_cli_places_every_scene(
        described: tuple[dict[str, Any], str], sample_media: Path, tmp_path: Path) -> None:
    body, _ = described
    meta_path = tmp_path / "described.json"
    meta_path.write_text(json.dumps(body), encoding="utf-8")  # the whole response, as printed
    run = subprocess.run([sys.executable, "-m", "postprod", "timestamps",
                          str(sample_media / "narration.wav"), "--metadata", str(meta_path),
                          "--tier", "free", "--model", "tiny.en"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)["data"]
    truth = json.loads((sample_media / "narration_truth.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in result["scenes"]] == [t["id"] for t in truth["scenes"]]
    assert [s["index"] for s in result["scenes"]] == [s["index"] for s in body["data"]["scenes"]]
    for tr, true in zip(result["transitions"], truth["scenes"][1:], strict=True):
        assert tr["basis"] != "interpolated"
        assert true["pauseBeforeStartMs"] - 300 <= tr["atMs"] <= true["onsetMs"] + 300
    assert not [w for w in result["warnings"] if w["code"] == "CUE_NOT_FOUND"]
