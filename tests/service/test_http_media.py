"""Describe Scenes and Scene Timestamps end to end over HTTP with the sample project's media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.server, pytest.mark.model]

API = "/postproduction/v1"
DESCRIBE = f"{API}/describe-scenes"
STAMPS = f"{API}/scene-timestamps"


def scene_files(sample_media: Path, field: str = "images") -> list[tuple[str, tuple]]:
    paths = sorted((sample_media / "scenes").glob("*.jpg"))
    assert len(paths) == 5
    return [(field, (p.name, p.read_bytes(), "image/jpeg")) for p in paths]


def test_describe_scenes_end_to_end(client, make_key, ledger, sample_media, tracking) -> None:
    k = make_key("premium", 50)
    meta = (sample_media / "describe_metadata.json").read_text()
    r = client.post(DESCRIBE, files=scene_files(sample_media),
                    data={"metadata": meta}, headers={"X-API-Key": k.api_key})
    assert r.status_code == 200, r.text
    rid = tracking(r, used=5, remaining=45)
    body = r.json()
    assert body["meta"]["requestId"] == rid and body["meta"]["sceneCount"] == 5
    scenes = body["data"]["scenes"]
    assert [s["index"] for s in scenes] == [0, 1, 2, 3, 4]
    assert [s["sceneId"] for s in scenes] == json.loads(meta)["sceneIds"]
    narration = json.loads(meta)["narrationText"]
    for s in scenes:
        assert s["description"].strip()
        if "anchorText" in s:
            assert s["anchorText"] in narration
    assert ledger.balance(k.info.key_id) == 45
    # `images[]` is accepted as the part name too; no metadata is fine.
    r = client.post(DESCRIBE, files=scene_files(sample_media, "images[]")[:2],
                    headers={"X-API-Key": k.api_key})
    assert r.status_code == 200, r.text
    assert [s["index"] for s in r.json()["data"]["scenes"]] == [0, 1]
    tracking(r, used=5, remaining=40)


def test_describe_price_check_and_errors(client, make_key, ledger, sample_media, tracking,
                                         envelope) -> None:
    k = make_key("premium", 100)
    meta = {"sceneOptions": [{"index": 0, "extraDetail": True}]}
    r = client.post(DESCRIBE, files=scene_files(sample_media) * 2,
                    data={"metadata": json.dumps(meta)},
                    headers={"X-API-Key": k.api_key, "X-Price-Check": "true"})
    assert r.status_code == 200, r.text
    tracking(r, used=0, remaining=100)
    assert r.json()["data"] == {"cost": 5 + 5 + 1, "balance": 100, "sufficient": True}
    r = client.post(DESCRIBE, files=scene_files(sample_media), data={"metadata": "{not json"},
                    headers={"X-API-Key": k.api_key})
    envelope(r, status=400, code="INVALID_JSON", field="metadata")
    r = client.post(DESCRIBE, files=scene_files(sample_media),
                    data={"metadata": json.dumps({"sceneIds": ["a", "b"]})},
                    headers={"X-API-Key": k.api_key})
    envelope(r, status=422, code="SCENE_IDS_COUNT_MISMATCH")
    r = client.post(DESCRIBE, files=scene_files(sample_media),
                    data={"metadata": json.dumps({"hints": {"stlye": "short"}})},
                    headers={"X-API-Key": k.api_key})
    envelope(r, status=400, code="VALIDATION_ERROR", field="metadata.hints.stlye")
    r = client.post(DESCRIBE, files=[("images", ("notes.jpg", b"plain text, not a picture",
                                                 "image/jpeg"))],
                    headers={"X-API-Key": k.api_key})
    assert r.status_code in (415, 422), r.text
    assert r.json()["error"]["field"] == "images[0]"
    r = client.post(DESCRIBE, data={"metadata": "{}"}, files={"x": ("x", b"")},
                    headers={"X-API-Key": k.api_key})
    envelope(r, status=400, code="VALIDATION_ERROR", field="x")
    r = client.post(DESCRIBE, content=b"{}", headers={"X-API-Key": k.api_key,
                                                      "Content-Type": "application/json"})
    envelope(r, status=415, code="UNSUPPORTED_MEDIA_TYPE")
    assert ledger.balance(k.info.key_id) == 100


def test_free_tier_gets_403_for_detailed_style(client, make_key, ledger, sample_media,
                                               envelope) -> None:
    k = make_key("free", 50)
    r = client.post(DESCRIBE, files=scene_files(sample_media)[:1],
                    data={"metadata": json.dumps({"hints": {"style": "detailed"}})},
                    headers={"X-API-Key": k.api_key})
    body = envelope(r, status=403, code="TIER_FEATURE_NOT_AVAILABLE",
                    field="metadata.hints.style")
    assert "premium" in body["error"]["allowed"]
    r = client.post(DESCRIBE, files=scene_files(sample_media) + scene_files(sample_media)[:1],
                    headers={"X-API-Key": k.api_key})
    envelope(r, status=422, code="TIER_LIMIT_EXCEEDED", field="images")
    assert ledger.balance(k.info.key_id) == 50


def test_scene_timestamps_end_to_end(client, make_key, ledger, sample_media,
                                     tracking) -> None:
    k = make_key("enterprise", 30)
    meta = json.loads((sample_media / "timestamps_metadata.json").read_text())
    meta["startOffsetMs"] = 1500
    files = {"audio": ("narration.wav", (sample_media / "narration.wav").read_bytes(),
                       "audio/wav")}
    r = client.post(STAMPS, files=files, data={"metadata": json.dumps(meta)},
                    headers={"X-API-Key": k.api_key, "X-Price-Check": "true"})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"cost": 9, "balance": 30, "sufficient": True}
    r = client.post(STAMPS, files=files, data={"metadata": json.dumps(meta)},
                    headers={"X-API-Key": k.api_key})
    assert r.status_code == 200, r.text
    rid = tracking(r, used=9, remaining=21)
    body = r.json()
    assert body["meta"]["requestId"] == rid and body["meta"]["startOffsetMs"] == 1500
    assert abs(body["meta"]["audioDurationMs"] - 45251) <= 2
    scenes = body["data"]["scenes"]
    assert [s["id"] for s in scenes] == [s["id"] for s in meta["scenes"]]
    starts = [s["startMs"] for s in scenes]
    assert starts[0] == 1500 and starts == sorted(set(starts))
    # The service passes the engine's placement through: with the offset applied, each cut is
    # near the measured truth (loose bound; accuracy itself is the align tests' business).
    truth = json.loads((sample_media / "narration_truth.json").read_text())["scenes"]
    for got, want in zip(starts[1:], truth[1:], strict=True):
        assert want["pauseBeforeStartMs"] - 1000 <= got - 1500 <= want["onsetMs"] + 1000
    assert len(body["data"]["transitions"]) == 4
    for t, nxt in zip(body["data"]["transitions"], scenes[1:], strict=True):
        assert t["atMs"] == nxt["startMs"]
        assert t["window"]["startMs"] <= t["atMs"] <= t["window"]["endMs"]
    assert ledger.balance(k.info.key_id) == 21


def test_scene_timestamps_request_errors(client, make_key, ledger, sample_media,
                                         envelope) -> None:
    k = make_key("enterprise", 30)
    wav = ("narration.wav", (sample_media / "narration.wav").read_bytes(), "audio/wav")
    meta = (sample_media / "timestamps_metadata.json").read_text()
    h = {"X-API-Key": k.api_key}
    envelope(client.post(STAMPS, files={"audio": wav}, headers=h), status=400,
             code="VALIDATION_ERROR", field="metadata")
    envelope(client.post(STAMPS, data={"metadata": meta}, files={"metadata2": ("m", b"")},
                         headers=h), status=400, code="VALIDATION_ERROR", field="metadata2")
    r = client.post(STAMPS, data={"metadata": meta}, files=[("audio", wav), ("audio", wav)],
                    headers=h)
    envelope(r, status=400, code="VALIDATION_ERROR", field="audio")
    blank = json.loads(meta)
    blank["scenes"][2]["anchorText"] = "  "
    r = client.post(STAMPS, files={"audio": wav}, data={"metadata": json.dumps(blank)},
                    headers=h)
    envelope(r, status=400, code="VALIDATION_ERROR", field="metadata.scenes[2].anchorText")
    r = client.post(STAMPS, files={"audio": ("a.wav", b"RIFF not really a wave file" * 50,
                                             "audio/wav")},
                    data={"metadata": meta}, headers=h)
    assert r.status_code in (415, 422), r.text
    assert r.json()["error"]["code"] in ("AUDIO_UNDECODABLE", "UNSUPPORTED_MEDIA_TYPE")
    assert r.json()["error"]["field"] == "audio"
    free = make_key("free", 30)
    many = json.loads(meta)
    many["scenes"] = [dict(many["scenes"][0], id=f"s{i}") for i in range(11)]
    r = client.post(STAMPS, files={"audio": wav}, data={"metadata": json.dumps(many)},
                    headers={"X-API-Key": free.api_key})
    envelope(r, status=422, code="TIER_LIMIT_EXCEEDED", field="metadata.scenes")
    assert ledger.balance(k.info.key_id) == 30 and ledger.balance(free.info.key_id) == 30
