"""Error envelope, request ids and schema validation into contract paths (contract §1.2–1.4)."""

import re

import pytest

from postprod.contract import (
    ERROR_CLASSES,
    ComposeRequest,
    DescribeRequest,
    TimestampsRequest,
    new_request_id,
    parse_model,
)
from postprod.contract.errors import (
    InvalidJson,
    PostprodError,
    TrimOutOfRange,
    ValidationFailed,
    collect,
)

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")

CONTRACT_CODES = {
    400: {"INVALID_JSON", "VALIDATION_ERROR"},
    401: {"API_KEY_REQUIRED", "INVALID_API_KEY", "API_KEY_EXPIRED"},
    402: {"INSUFFICIENT_CREDITS"},
    403: {"TIER_FEATURE_NOT_AVAILABLE"},
    413: {"PAYLOAD_TOO_LARGE"},
    415: {"UNSUPPORTED_MEDIA_TYPE"},
    422: {"TIER_LIMIT_EXCEEDED", "UNKNOWN_ITEM_REFERENCE", "DUPLICATE_ID", "ITEM_KIND_MISMATCH",
          "TRIM_OUT_OF_RANGE", "TRANSITION_TOO_LONG", "TRACK_OVERLAP",
          "SCENE_IDS_COUNT_MISMATCH", "TOO_MANY_EXTRA_DETAIL_SCENES", "IMAGE_UNDECODABLE",
          "AUDIO_UNDECODABLE", "AUDIO_EMPTY"},
    429: {"RATE_LIMITED"},
    500: {"INTERNAL_ERROR"},
    503: {"ENGINE_UNAVAILABLE"},
}


def test_one_exception_per_code_with_the_contract_status() -> None:
    got: dict[int, set[str]] = {}
    for code, cls in ERROR_CLASSES.items():
        assert issubclass(cls, PostprodError)
        assert cls.code == code
        got.setdefault(cls.http_status, set()).add(code)
    assert got == CONTRACT_CODES


def test_request_ids_are_prefixed_ulids_and_unique() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(REQUEST_ID.match(i) for i in ids)


def test_envelope_shape() -> None:
    err = TrimOutOfRange(
        "intent.sequence[1].trim.outSec (15.5) is past the end of item clip-pier (14.0 s)",
        field="intent.sequence[1].trim.outSec", allowed="0 <= inSec < outSec <= 14.0")
    env = err.envelope_dict("req_01JD0000000000000000000000")
    assert env == {
        "error": {"code": "TRIM_OUT_OF_RANGE",
                  "message": "intent.sequence[1].trim.outSec (15.5) is past the end of item "
                             "clip-pier (14.0 s)",
                  "field": "intent.sequence[1].trim.outSec",
                  "allowed": "0 <= inSec < outSec <= 14.0",
                  "details": []},
        "meta": {"requestId": "req_01JD0000000000000000000000"},
    }


def test_collect_puts_the_rest_into_details() -> None:
    a = ValidationFailed("a", field="x")
    b = TrimOutOfRange("b", field="y", allowed="z")
    err = collect([a, b])
    assert err is a
    assert [(d.code, d.field, d.allowed) for d in err.details] == [("TRIM_OUT_OF_RANGE", "y", "z")]


def test_field_prefix_for_multipart_metadata() -> None:
    err = ValidationFailed("bad", field="scenes[2].anchorText")
    err.details.append(ValidationFailed("also", field="startOffsetMs").as_detail())
    err.with_field_prefix("metadata.")
    assert err.field == "metadata.scenes[2].anchorText"
    assert err.details[0].field == "metadata.startOffsetMs"


def test_not_json_is_invalid_json() -> None:
    with pytest.raises(InvalidJson) as info:
        parse_model(TimestampsRequest, b"{scenes: [", prefix="metadata.")
    assert info.value.field == "metadata"
    assert info.value.http_status == 400


def test_unknown_field_is_rejected_with_its_path() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_model(TimestampsRequest, {"scenes": [{"startCueText": "a", "anchorText": "b",
                                                    "startCue": "typo"}]})
    assert info.value.field == "scenes[0].startCue"
    assert "no such field" in (info.value.allowed or "")


def test_all_problems_are_reported_at_once() -> None:
    manifest = {
        "project": {"name": "", "fps": 300, "resolution": {"w": 8, "h": 1080}},
        "folder": {"items": [{"id": "a b", "kind": "image", "path": "/abs.jpg"}]},
        "intent": {"sequence": [{"itemId": "a", "durationSec": -1}]},
        "output": {"targetConsumer": "avid"},
    }
    with pytest.raises(ValidationFailed) as info:
        parse_model(ComposeRequest, manifest)
    fields = [info.value.field] + [d.field for d in info.value.details]
    assert fields == ["project.name", "project.fps", "project.resolution.w",
                      "folder.items[0].id", "folder.items[0].path",
                      "intent.sequence[0].durationSec", "output.targetConsumer"]
    assert all(d.code == "VALIDATION_ERROR" for d in info.value.details)


def test_blank_cues_are_rejected() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_model(TimestampsRequest, {"scenes": [{"startCueText": "  ", "anchorText": "x"}]})
    assert info.value.field == "scenes[0].startCueText"


def test_non_object_metadata() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_model(DescribeRequest, "[1, 2]", prefix="metadata.")
    assert info.value.field == "metadata"


def test_camel_case_in_and_out() -> None:
    req = parse_model(TimestampsRequest, {"scenes": [{"startCueText": "a", "anchorText": "b"}],
                                          "startOffsetMs": 1500})
    assert req.start_offset_ms == 1500
    assert req.to_json_data() == {"scenes": [{"startCueText": "a", "anchorText": "b"}],
                                  "startOffsetMs": 1500}
