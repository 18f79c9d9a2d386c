"""Compose at every frame rate the contract allows, over real HTTP: never a 500.

FCP 7 XML used to raise "SMPTE timecode does not support this rate" at 1, 10, 12, 15, 72, 100,
120, 144 and 240 fps; now every export carries the rate or is skipped with EXPORT_SKIPPED.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.server

COMPOSE = "/postproduction/v1/compose-otio"


@pytest.mark.parametrize("fps", [1, 10, 12, 15, 72, 100, 120, 144, 240])
def test_compose_json_at_every_allowed_rate(client, make_key, compose_manifest, fps) -> None:
    k = make_key("enterprise", 100)
    manifest = json.loads(compose_manifest)
    manifest["project"]["fps"] = fps
    for entry in manifest["intent"]["sequence"]:  # a 0.5 s crossfade is under a frame at 1 fps
        if fps < 2 and entry.get("transitionIn", {}).get("type") in ("crossfade", "dissolve"):
            entry["transitionIn"] = {"type": "cut"}
    manifest["responseFormat"] = "json"
    r = client.post(COMPOSE, content=json.dumps(manifest).encode(),
                    headers={"Content-Type": "application/json", "X-API-Key": k.api_key})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert "fcp7Xml" in data["exports"]
    assert "edlV1" not in data["exports"]
    assert "EXPORT_SKIPPED" in {w["code"] for w in data["warnings"]}
