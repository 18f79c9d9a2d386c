"""On-screen text: tesseract runs through pytesseract's public ``tesseract_cmd``, on one OpenMP
thread, without touching this process's environment (real tesseract)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from postprod.describe.evidence import ocr, read_text


def _caption(text: str) -> np.ndarray:
    im = Image.new("RGB", (900, 200), "white")
    ImageDraw.Draw(im).text((20, 60), text, fill="black", font=ImageFont.load_default(size=48))
    return np.asarray(im)


def _record_commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The program each subprocess starts (the first argument), recorded."""
    started: list[str] = []
    real = subprocess.Popen

    def recording(args: Any, *rest: Any, **kw: Any) -> Any:
        started.append(str(args[0]))
        return real(args, *rest, **kw)

    monkeypatch.setattr(subprocess, "Popen", recording)
    return started


def test_the_wrapper_runs_the_tesseract_on_the_path_with_one_openmp_thread(
        tmp_path: Path) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\necho "threads=$OMP_THREAD_LIMIT args=$*"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("OMP_THREAD_LIMIT", None)
    out = subprocess.run([str(ocr.ONE_THREAD_TESSERACT), "in.png", "stdout", "--psm", "6"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "threads=1 args=in.png stdout --psm 6"


def test_a_caption_is_read_through_the_wrapper_and_the_setting_is_restored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pytesseract import pytesseract as tess

    started = _record_commands(monkeypatch)
    environ_before = dict(os.environ)
    assert read_text(_caption("HARBOUR MARKET OPENS AT NINE")) == "HARBOUR MARKET OPENS AT NINE"
    assert started and set(started) == {str(ocr.ONE_THREAD_TESSERACT)}
    assert tess.tesseract_cmd == "tesseract"
    assert dict(os.environ) == environ_before


def test_a_tesseract_configured_elsewhere_is_left_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pytesseract import pytesseract as tess

    started = _record_commands(monkeypatch)
    monkeypatch.setattr(tess, "tesseract_cmd", "/usr/bin/tesseract")
    assert read_text(_caption("HARBOUR MARKET")) == "HARBOUR MARKET"
    assert set(started) == {"/usr/bin/tesseract"}
    assert tess.tesseract_cmd == "/usr/bin/tesseract"
