"""The alignment options file the tuning notebook writes, and `postprod timestamps --options`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from postprod.align import AlignOptions
from postprod.align.options_file import (
    FORMAT,
    options_from_data,
    read_options_file,
    write_options_file,
)
from postprod.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_media"


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    chosen = AlignOptions(min_cue_score=0.7, beam_size=2, seconds_per_char=None,
                          onset_refinement=False)
    path = write_options_file(tmp_path / "o.json", options=chosen, model="tiny.en",
                              measured={"coverage_pct": 88.0})
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT and set(data["options"]) == {f.name for f in
                                                                 fields(AlignOptions)}
    assert read_options_file(path) == (chosen, "tiny.en")


def test_a_subset_keeps_the_defaults_and_ints_count_as_floats() -> None:
    opts, model = options_from_data({"format": FORMAT, "options": {"pause_weight": 1}})
    assert opts == AlignOptions(pause_weight=1.0) and model is None


@pytest.mark.parametrize(("data", "message"), [
    ({"options": {}}, "not an alignment options file"),
    ({"format": FORMAT, "options": {"min_cue_scor": 0.5}}, "min_cue_scor; allowed: "),
    ({"format": FORMAT, "options": {"beam_size": "5"}}, "options.beam_size: '5'"),
    ({"format": FORMAT, "options": {"vad_filter": 1}}, "options.vad_filter: 1"),
    ({"format": FORMAT, "model": 3}, '"model" must be a string'),
    ({"format": FORMAT, "opts": {}}, "unknown keys opts"),
])
def test_bad_files_are_refused_with_the_field_named(data: dict[str, object],
                                                    message: str) -> None:
    with pytest.raises(ValueError) as info:
        options_from_data(data)
    assert message in str(info.value)


def test_cli_refuses_a_bad_options_file_before_reading_audio(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": FORMAT, "options": {"beam": 3}}))
    not_audio = tmp_path / "x.wav"
    not_audio.write_bytes(b"not audio")
    result = CliRunner().invoke(main, ["timestamps", str(not_audio), "--metadata",
                                       str(SAMPLE / "timestamps_metadata.json"),
                                       "--options", str(bad)])
    assert result.exit_code == 2
    assert "--options" in result.output and "unknown options beam; allowed:" in result.output


@pytest.mark.model
def test_cli_runs_with_the_settings_of_the_file(tmp_path: Path) -> None:
    # Uncalibrated windows are the fixed ±250 ms (acoustic onset) or ±400 ms: the file's
    # settings, and its model (tiny.en; the CLI default is base), are what ran.
    path = write_options_file(tmp_path / "o.json", model="tiny.en",
                              options=AlignOptions(calibrated_windows=False))
    out = subprocess.run(
        [sys.executable, "-m", "postprod", "timestamps", str(SAMPLE / "narration.wav"),
         "--metadata", str(SAMPLE / "timestamps_metadata.json"), "--options", str(path)],
        capture_output=True, text=True, check=True, timeout=600)
    transitions = json.loads(out.stdout)["data"]["transitions"]
    widths = {t["window"]["endMs"] - t["window"]["startMs"] for t in transitions}
    assert len(transitions) == 4 and widths <= {500, 800}
