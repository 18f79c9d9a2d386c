"""Manifest builders shared by the compose tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import opentimelineio as otio
import pytest

from postprod.compose import ComposeResult, compose_otio

Manifest = dict[str, Any]


def base_manifest(**project: Any) -> Manifest:
    """Two stills, a 10 s video, narration and a 4 s music loop at 25 fps."""
    return {
        "project": {"name": "Test cut", "fps": 25, "resolution": {"w": 1920, "h": 1080},
                    **project},
        "folder": {"items": [
            {"id": "a", "kind": "image", "path": "scenes/a.jpg"},
            {"id": "b", "kind": "image", "path": "scenes/b.jpg"},
            {"id": "clip", "kind": "video", "path": "clips/clip.mp4", "durationSec": 10},
            {"id": "nar", "kind": "audio", "path": "narration.wav", "durationSec": 9},
            {"id": "bgm", "kind": "audio", "path": "music.wav", "durationSec": 4},
        ]},
        "intent": {"sequence": [
            {"itemId": "a", "durationSec": 3},
            {"itemId": "b", "durationSec": 3},
        ], "audioLayers": []},
    }


@pytest.fixture
def manifest() -> Callable[..., Manifest]:
    """A fresh copy of the base manifest (project overrides as keywords)."""
    return lambda **project: copy.deepcopy(base_manifest(**project))


def compose(m: Manifest, **kw: Any) -> ComposeResult:
    """compose_otio with a fixed request id."""
    return compose_otio(m, request_id="req_01JD0000000000000000000000", **kw)


@pytest.fixture
def run() -> Callable[..., ComposeResult]:
    return compose


_KEEP_ALIVE: list[otio.schema.Timeline] = []


def track(result: ComposeResult, name: str) -> otio.schema.Track:
    """The track called ``name`` of the composed timeline (read back from the text)."""
    tl = otio.adapters.read_from_string(result.otio_json, "otio_json")
    _KEEP_ALIVE.append(tl)  # a track's children go with its timeline when that is collected
    for t in tl.tracks:
        if t.name == name:
            return t
    raise AssertionError(f"no track {name!r}: {[t.name for t in tl.tracks]}")


@pytest.fixture
def get_track() -> Callable[[ComposeResult, str], otio.schema.Track]:
    return track


def spans(t: otio.schema.Track) -> list[tuple[str, str, int, int]]:
    """(type, name, start frame, duration frames) of every item of a track, in order."""
    out = []
    for child in t:
        if isinstance(child, otio.schema.Transition):
            out.append(("Transition", child.name, int(child.in_offset.value),
                        int(child.out_offset.value)))
            continue
        r = child.range_in_parent()
        out.append((type(child).__name__, child.name, int(r.start_time.value),
                    int(r.duration.value)))
    return out


@pytest.fixture
def get_spans() -> Callable[[otio.schema.Track], list[tuple[str, str, int, int]]]:
    return spans
