"""Request models take JSON's own types only; JSON text is bounded before it is parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postprod.contract.common import (
    MAX_JSON_DEPTH,
    json_depth,
    parse_json_text,
    parse_model,
    read_json_bytes,
)
from postprod.contract.compose import ComposeRequest
from postprod.contract.describe import DescribeRequest
from postprod.contract.errors import InvalidJson, PayloadTooLarge, ValidationFailed
from postprod.contract.limits import check_max
from postprod.contract.timestamps import TimestampsRequest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media"


def compose_with(path: str, value: object) -> dict:
    data = json.loads((SAMPLES / "compose.json").read_text())
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[leaf] = value
    return data


@pytest.mark.parametrize(("path", "value", "field"), [
    ("project.fps", "25", "project.fps"),
    ("project.fps", True, "project.fps"),
    ("project.resolution.w", "1920", "project.resolution.w"),
    ("project.resolution.h", 1080.0, "project.resolution.h"),
    ("project.audioSampleRate", "48000", "project.audioSampleRate"),
    ("intent.sequence.0.durationSec", "9", "intent.sequence[0].durationSec"),
    ("intent.sequence.0.embeddedAudio.separateTrack", "yes",
     "intent.sequence[0].embeddedAudio.separateTrack"),
    ("intent.sequence.0.embeddedAudio.separateTrack", 1,
     "intent.sequence[0].embeddedAudio.separateTrack"),
])
def test_compose_refuses_coerced_types(path: str, value: object, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_model(ComposeRequest, compose_with(path, value))
    assert err.value.field == field


def test_integers_are_still_numbers() -> None:
    req = parse_model(ComposeRequest, compose_with("project.fps", 30))
    assert req.project.fps == 30.0 and isinstance(req.project.fps, float)


@pytest.mark.parametrize(("data", "field"), [
    ({"scenes": [{"startCueText": "a", "anchorText": "b"}], "startOffsetMs": "100"},
     "startOffsetMs"),
    ({"scenes": [{"startCueText": "a", "anchorText": "b"}], "startOffsetMs": True},
     "startOffsetMs"),
    ({"scenes": [{"startCueText": "a", "anchorText": "b", "index": "0"}]}, "scenes[0].index"),
])
def test_timestamps_refuses_coerced_types(data: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, data)
    assert err.value.field == field


def test_describe_refuses_coerced_types() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_model(DescribeRequest, {"sceneOptions": [{"index": 0, "extraDetail": "true"}]})
    assert err.value.field == "sceneOptions[0].extraDetail"


def test_depth_is_counted_without_parsing() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[[[["}], "c": "\\"{{{{"}') == 3
    assert json_depth(b"[" * 5000 + b"]" * 5000) == 5000
    assert json_depth(b"[]" * 5000) == 1


def test_deep_big_and_long_numbers_are_refused_before_or_without_python_wording() -> None:
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(InvalidJson, match="more than 32 deep"):
        parse_json_text(deep)
    assert parse_json_text(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    with pytest.raises(PayloadTooLarge):
        parse_json_text(b" " * 11 + b"{}", max_bytes=10)
    with pytest.raises(InvalidJson) as err:
        parse_json_text(b'{"a": ' + b"7" * 5000 + b"}")
    assert "sys." not in err.value.message and "too long" in err.value.message
    with pytest.raises(InvalidJson, match="line 1 column 7"):
        parse_json_text(b'{"a": }')


def test_json_files_are_read_up_to_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 100)
    assert read_json_bytes(big, max_bytes=100) == b" " * 100
    with pytest.raises(PayloadTooLarge):
        read_json_bytes(big, max_bytes=99)


def test_errors_always_carry_five_keys_and_short_numbers() -> None:
    err = check_max(value=1e308, limit=3600, tier="free", field="x", what="it", unit=" s")
    assert err is not None
    body = err.envelope_dict("req_0")["error"]
    assert set(body) == {"code", "message", "field", "allowed", "details"}
    assert "1e+308 s" in body["message"] and len(body["message"]) < 100
    bare = ValidationFailed("no field").envelope_dict("req_0")["error"]
    assert bare["field"] is None and bare["allowed"] is None and bare["details"] == []
