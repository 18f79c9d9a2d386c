"""`postprod timestamps` and `postprod price timestamps`, run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SCENE_SENTENCE, Narration, scene_request

POSTPROD = [sys.executable, "-m", "postprod"]


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*POSTPROD, *args], capture_output=True, timeout=300, check=False)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.model
def test_timestamps_prints_the_response(tmp_path, narration: Narration) -> None:
    meta = write_json(tmp_path / "meta.json", scene_request(narration_text=narration.script,
                                                            offset=250))
    proc = run_cli("timestamps", str(narration.path), "--metadata", str(meta), "--tier", "free",
                   "--model", "tiny.en")
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["meta"]["requestId"].startswith("req_")
    assert out["meta"]["startOffsetMs"] == 250 and out["meta"]["languageCode"] == "en"
    scenes = out["data"]["scenes"]
    assert [s["id"] for s in scenes] == ["mist", "orchard", "storm", "help"]
    truth = [0] + [narration.onsets_ms[k] for k in SCENE_SENTENCE[1:]]
    assert all(abs(s["startMs"] - 250 - t) <= 250 for s, t in zip(scenes, truth, strict=True))
    assert len(out["data"]["transitions"]) == 3
    # Provider-agnostic: no engine named, no transcript returned.
    text = proc.stdout.decode().lower()
    assert "whisper" not in text and "tiny" not in text and "transcript" not in text


def test_bad_input_prints_the_envelope_and_exits_2(tmp_path, narration: Narration) -> None:
    req = scene_request()
    req["scenes"][2]["id"] = "mist"
    meta = write_json(tmp_path / "meta.json", req)
    proc = run_cli("timestamps", str(narration.path), "--metadata", str(meta), "--model",
                   "tiny.en")
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = json.loads(proc.stderr[proc.stderr.index(b"{"):])
    assert err["error"]["code"] == "DUPLICATE_ID"
    assert err["error"]["field"] == "scenes[2].id"
    assert err["meta"]["requestId"].startswith("req_")
    assert "Traceback" not in proc.stderr.decode()


def test_unsupported_audio_and_bad_json_exit_2(tmp_path) -> None:
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("hello")
    meta = write_json(tmp_path / "meta.json", scene_request())
    proc = run_cli("price", "timestamps", str(not_audio), "--metadata", str(meta))
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    proc = run_cli("price", "timestamps", str(not_audio), "--metadata", str(bad))
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["code"] == "INVALID_JSON"


def test_price_timestamps(tmp_path, narration: Narration) -> None:
    meta = write_json(tmp_path / "meta.json", scene_request())
    proc = run_cli("price", "timestamps", str(narration.path), "--metadata", str(meta))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == {"cost": 9}
    many = scene_request()
    many["scenes"] = [dict(s, id=f"s{i}") for i, s in enumerate(many["scenes"] * 3)]
    meta = write_json(tmp_path / "many.json", many)
    proc = run_cli("price", "timestamps", str(narration.path), "--metadata", str(meta),
                   "--tier", "free")
    assert proc.returncode == 2
    err = json.loads(proc.stderr)["error"]
    assert (err["code"], err["field"]) == ("TIER_LIMIT_EXCEEDED", "scenes")
    proc = run_cli("price", "timestamps", str(narration.path), "--metadata", str(meta))
    assert json.loads(proc.stdout) == {"cost": 10}
