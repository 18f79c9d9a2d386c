"""The `postprod compose` / `price compose` / `bench compose` commands, run as real processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

GOLDEN = Path(__file__).parent / "golden"
POSTPROD = [sys.executable, "-m", "postprod"]


def run_cli(*args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*POSTPROD, *args], capture_output=True, env=env, cwd=cwd,
                          timeout=120, check=False)


@pytest.fixture
def manifest_file(tmp_path, manifest) -> Path:
    m = manifest()
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 1}
    m["intent"]["audioLayers"] = [{"itemId": "nar", "fromSec": 0, "toSec": 6,
                                   "role": "narration"}]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(m), encoding="utf-8")
    return path


def test_compose_prints_the_otio(manifest_file):
    proc = run_cli("compose", str(manifest_file))
    assert proc.returncode == 0, proc.stderr.decode()
    tl = otio.adapters.read_from_string(proc.stdout.decode(), "otio_json")
    assert tl.name == "Test cut"
    assert [t.name for t in tl.tracks] == ["V1", "layer-0"]


def test_compose_json_format_overrides_the_manifest(manifest_file):
    proc = run_cli("compose", str(manifest_file), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert data["meta"]["responseFormat"] == "json"
    assert data["meta"]["requestId"].startswith("req_")
    assert data["data"]["fileName"] == "test-cut.otio"
    assert data["data"]["summary"] == {"durationSec": 6.0, "durationFrames": 150,
                                       "videoClips": 2, "transitions": 1, "audioTracks": 1}
    assert set(data["data"]["exports"]) == {"fcp7Xml", "edlV1"}


def test_compose_file_format_overrides_a_json_manifest(tmp_path, manifest):
    m = manifest()
    m["responseFormat"] = "json"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m))
    proc = run_cli("compose", str(path), "--format", "file")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["OTIO_SCHEMA"] == "Timeline.1"


def test_compose_out_writes_the_file(manifest_file, tmp_path):
    out = tmp_path / "cut.otio"
    proc = run_cli("compose", str(manifest_file), "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b""
    assert otio.adapters.read_from_file(str(out), "otio_json").name == "Test cut"


def test_bad_input_gives_the_envelope_on_stderr_and_exit_2(tmp_path, manifest):
    m = manifest()
    m["intent"]["sequence"][1]["itemId"] = "nope"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(m))
    proc = run_cli("compose", str(path))
    assert proc.returncode == 2
    assert proc.stdout == b""
    envelope = json.loads(proc.stderr)
    assert envelope["error"]["code"] == "UNKNOWN_ITEM_REFERENCE"
    assert envelope["error"]["field"] == "intent.sequence[1].itemId"
    assert envelope["meta"]["requestId"].startswith("req_")
    assert "Traceback" not in proc.stderr.decode()


def test_not_json_is_invalid_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    proc = run_cli("compose", str(path))
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["code"] == "INVALID_JSON"


def test_tier_option_applies_limits(tmp_path, manifest):
    m = manifest()
    m["intent"]["sequence"][1]["durationSec"] = 200
    path = tmp_path / "long.json"
    path.write_text(json.dumps(m))
    assert run_cli("compose", str(path), "--tier", "premium").returncode == 0
    proc = run_cli("compose", str(path), "--tier", "free")
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["code"] == "TIER_LIMIT_EXCEEDED"


def test_price_compose(manifest_file, tmp_path, manifest):
    proc = run_cli("price", "compose", str(manifest_file), "--tier", "free")
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == {"cost": 4}
    m = manifest()
    m["folder"]["items"] += [{"id": f"x{k}", "kind": "image", "path": f"x{k}.jpg"}
                             for k in range(16)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(m))
    proc = run_cli("price", "compose", str(path), "--tier", "free")
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["field"] == "folder.items"


def test_stdin_manifest(manifest_file):
    proc = subprocess.run([*POSTPROD, "compose", "-"], input=manifest_file.read_bytes(),
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["name"] == "Test cut"


def test_bench_prints_a_table():
    proc = run_cli("bench", "compose", "--items", "40", "--repeat", "3")
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    for row in ("median ms", "p90 ms", "peak Python memory MiB", "items"):
        assert row in text


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.json")))
def test_output_is_byte_identical_across_processes_and_environments(name, tmp_path):
    """Same manifest, two processes, different env (OTIO downgrade label, TZ, LANG): same bytes."""
    manifest = GOLDEN / f"{name}.json"
    plain_env = {k: v for k, v in os.environ.items()
                 if k not in ("OTIO_DEFAULT_TARGET_VERSION_FAMILY_LABEL",)}
    other_env = {**plain_env, "OTIO_DEFAULT_TARGET_VERSION_FAMILY_LABEL": "OTIO_CORE:0.14.0",
                 "TZ": "Pacific/Kiritimati", "LANG": "de_DE.UTF-8", "LC_ALL": "C",
                 "PYTHONHASHSEED": "12345"}
    first = run_cli("compose", str(manifest), "--format", "file", env=plain_env)
    second = run_cli("compose", str(manifest), "--format", "file", env=other_env, cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, second.stderr.decode()
    assert hashlib.sha256(first.stdout).hexdigest() == hashlib.sha256(second.stdout).hexdigest()
    assert first.stdout.decode() == (GOLDEN / f"{name}.otio").read_text(encoding="utf-8")
    assert b'"Clip.2"' in second.stdout  # no silent downgrade to Clip.1


def test_compose_exports_editor_files(manifest_file, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("compose", str(manifest_file), "--export", "fcpxml", "--out",
                   str(out / "cut.fcpxml"), "--export", "edl", "--out", str(out / "cut.edl"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert (out / "cut.fcpxml").read_text(encoding="utf-8").startswith("<?xml")
    assert "FCM: NON-DROP FRAME" in (out / "cut.edl").read_text(encoding="utf-8")
    assert b"wrote" in proc.stderr and b"EDL_AUDIO_OMITTED" in proc.stderr
    proc = run_cli("compose", str(manifest_file), "--export", "fcp7", "--export", "kdenlive",
                   "--out-dir", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == [
        "cut.edl", "cut.fcpxml", "test-cut.kdenlive", "test-cut.xml"]
    back = otio.adapters.read_from_file(str(out / "test-cut.xml"), "fcp_xml")
    assert len(list(back.find_clips())) == 3
    proc = run_cli("compose", str(manifest_file), "--export", "edl")
    assert proc.returncode == 0 and proc.stdout.startswith(b"TITLE: Test cut\n")


def test_compose_export_errors_are_contract_errors(manifest_file, tmp_path):
    proc = run_cli("compose", str(manifest_file), "--export", "fcpxml", "--export", "edl")
    assert proc.returncode != 0
    assert json.loads(proc.stdout or proc.stderr)["error"]["field"] == "--out"
    m = json.loads(manifest_file.read_text(encoding="utf-8"))
    m["project"]["fps"] = 144
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(m), encoding="utf-8")
    proc = run_cli("compose", str(odd), "--export", "edl", "--out", str(tmp_path / "x.edl"))
    assert proc.returncode != 0
    assert json.loads(proc.stdout or proc.stderr)["error"]["field"] == "project.fps"
    proc = run_cli("compose", str(odd), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    codes = {w["code"] for w in json.loads(proc.stdout)["data"]["warnings"]}
    assert "EXPORT_SKIPPED" in codes
