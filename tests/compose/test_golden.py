"""Golden files: known manifests and their checked-in .otio (and FCPXML), compared as text.

Regenerate only on purpose: ``POSTPROD_UPDATE_GOLDEN=1 pytest tests/compose/test_golden.py``.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import opentimelineio as otio
import pytest

from postprod.compose import compose_otio

GOLDEN = Path(__file__).parent / "golden"
MANIFESTS = sorted(p.stem for p in GOLDEN.glob("*.json"))
UPDATE = os.environ.get("POSTPROD_UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path.name} missing: run with POSTPROD_UPDATE_GOLDEN=1 once"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"golden/{path.name}", tofile="composed", n=2))
        pytest.fail(f"{path.name} differs from the golden file:\n{diff[:6000]}")


def test_there_is_a_golden_manifest_per_consumer_family():
    consumers = {name.split("_")[0] for name in MANIFESTS}
    assert {"kdenlive", "resolve", "premiere", "fcpx"} <= consumers


@pytest.mark.parametrize("name", MANIFESTS)
def test_otio_matches_golden(name):
    result = compose_otio((GOLDEN / f"{name}.json").read_bytes(), with_exports=False)
    check_golden(GOLDEN / f"{name}.otio", result.otio_json)
    back = otio.adapters.read_from_file(str(GOLDEN / f"{name}.otio"), "otio_json")
    assert back.is_equivalent_to(result.timeline)


@pytest.mark.parametrize("name", [n for n in MANIFESTS if n.startswith("fcpx")])
def test_fcpxml_matches_golden(name):
    result = compose_otio((GOLDEN / f"{name}.json").read_bytes())
    check_golden(GOLDEN / f"{name}.fcpxml", result.response.data.exports["fcpxml"].content)


@pytest.mark.parametrize("name", MANIFESTS)
def test_otio_command_line_tools_accept_the_golden_files(name):
    import subprocess
    import sys

    path = str(GOLDEN / f"{name}.otio")
    bin_dir = Path(sys.executable).parent
    stat = subprocess.run([str(bin_dir / "otiostat"), path], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "Tracks are the same length: True" in stat.stdout
    tool = subprocess.run([str(bin_dir / "otiotool"), "-i", path, "--verify-ranges"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert "IN BOUNDS" in tool.stdout
    assert "OUT OF BOUNDS" not in tool.stdout
