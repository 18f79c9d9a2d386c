"""Helpers for the preview-render tests: solid-colour stills, a click track, MP4 decoding."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 60), "blue": (40, 50, 210),
           "yellow": (230, 220, 40), "white": (235, 235, 235), "black": (0, 0, 0)}


@pytest.fixture
def colour_stills(tmp_path: Path) -> Path:
    """tmp_path/stills/<colour>.png, 64×36 each, and the folder they are in."""
    folder = tmp_path / "stills"
    folder.mkdir()
    for name, rgb in COLOURS.items():
        Image.new("RGB", (64, 36), rgb).save(folder / f"{name}.png")
    return tmp_path


def stills_manifest(*, fps: float, sequence: list[dict[str, Any]],
                    layers: list[dict[str, Any]] | None = None,
                    items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Compose manifest over the colour stills (paths relative to the test folder)."""
    folder = [{"id": name, "kind": "image", "path": f"stills/{name}.png"} for name in COLOURS]
    return {"project": {"name": "Colour test", "fps": fps, "resolution": {"w": 1280, "h": 720}},
            "folder": {"items": folder + (items or [])},
            "intent": {"sequence": sequence, "audioLayers": layers or []},
            "output": {"targetConsumer": "generic"}}


def decoded_frames(path: Path) -> tuple[np.ndarray, Fraction, list[float]]:
    """Mean RGB of every decoded video frame: [shape=(n, 3)], float; the stream's rate; each
    frame's time (s)."""
    means, times = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = Fraction(stream.average_rate)
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24").astype(np.float64)
            h, w = rgb.shape[:2]
            means.append(rgb[h // 4:3 * h // 4, w // 4:3 * w // 4].mean(axis=(0, 1)))
            times.append(float(frame.time))
    return np.array(means), rate, times


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """The MP4's audio as mono float32 (mean of the channels) and its rate."""
    blocks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            blocks.append(frame.to_ndarray().mean(axis=0))
    return np.concatenate(blocks).astype(np.float32), int(rate)


def write_click(path: Path, *, seconds: float, click_at: float, rate: int) -> None:
    """Silence with one 4 ms full-scale click (a 2 kHz burst) starting at ``click_at`` s."""
    audio = np.zeros(round(seconds * rate), dtype=np.float32)
    start = round(click_at * rate)
    n = round(0.004 * rate)
    audio[start:start + n] = 0.9 * np.sin(2 * np.pi * 2000 * np.arange(n) / rate)
    sf.write(path, audio, rate, subtype="PCM_16")


class RenderKit:
    """The helpers above, handed to tests as one fixture."""

    colours = COLOURS
    manifest = staticmethod(stills_manifest)
    frames = staticmethod(decoded_frames)
    audio = staticmethod(decoded_audio)
    click = staticmethod(write_click)


@pytest.fixture
def kit() -> type[RenderKit]:
    """Manifest builder and MP4 decoders for the render tests."""
    return RenderKit
