"""postprod workbench: scene-level postproduction.

Three operations with one contract (see ``postprod.contract``):

- ``compose_otio``: an editorial manifest -> a deterministic OpenTimelineIO timeline;
- ``describe_scenes``: ordered scene images (+ narration) -> descriptions and narration cues;
- ``scene_timestamps``: narration audio + scene cues -> each scene's start with a 90 % window.

The operations are imported lazily so ``import postprod`` stays cheap (no torch, no models).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .contract import PostprodError, Tier

_LAZY = {
    "compose_otio": "postprod.compose",
    "quote_compose": "postprod.compose",
    "describe_scenes": "postprod.describe",
    "quote_describe": "postprod.describe",
    "scene_timestamps": "postprod.align",
    "quote_timestamps": "postprod.align",
    "build_compose_manifest": "postprod.pipeline",
    "render_preview": "postprod.render",
    "transcribe_narration": "postprod.pipeline",
}

__all__ = ["PostprodError", "Tier", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'postprod' has no attribute {name!r}")
