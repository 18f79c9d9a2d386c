"""Validation, tier limits, paid features and price of Describe Scenes (no model runs)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postprod.contract.errors import PostprodError
from postprod.describe import quote_describe


def _err(images: list[bytes], request: Any, tier: str = "premium") -> PostprodError:
    with pytest.raises(PostprodError) as info:
        quote_describe(images, request, tier=tier)  # type: ignore[arg-type]
    return info.value


def test_price_follows_the_contract(small_png: bytes) -> None:
    assert quote_describe([small_png] * 5, None, tier="free") == 5
    assert quote_describe([small_png] * 7, None, tier="premium") == 7
    opts = [{"index": 0, "extraDetail": True}, {"index": 3, "extraDetail": True},
            {"index": 4, "extraDetail": False}]
    assert quote_describe([small_png] * 7, {"sceneOptions": opts}, tier="premium") == 9


@pytest.mark.parametrize("tier,limit", [("free", 5), ("premium", 50), ("enterprise", 100)])
def test_image_count_limit_per_tier(small_png: bytes, tier: str, limit: int) -> None:
    assert quote_describe([small_png] * limit, None, tier=tier) >= 5  # type: ignore[arg-type]
    err = _err([small_png] * (limit + 1), None, tier)
    assert (err.code, err.field) == ("TIER_LIMIT_EXCEEDED", "images")
    assert tier in (err.allowed or "")


def test_no_image_is_a_validation_error() -> None:
    err = _err([], None)
    assert (err.code, err.field) == ("VALIDATION_ERROR", "images")


@pytest.mark.parametrize("tier,limit", [("free", 5_000_000), ("premium", 50_000_000),
                                        ("enterprise", 100_000_000)])
def test_total_bytes_boundary_per_tier(tier: str, limit: int) -> None:
    head = b"\xff\xd8\xff"
    at = _err([head + b"\0" * (limit - 3)], None, tier)
    assert at.code == "IMAGE_UNDECODABLE"  # within the byte limit: the header is read next
    over = _err([head + b"\0" * (limit - 2)], None, tier)
    assert (over.code, over.field) == ("PAYLOAD_TOO_LARGE", "images")
    assert f"{limit:,}" in (over.allowed or "")


def test_total_bytes_limit_is_checked_before_decoding() -> None:
    fake = b"\xff\xd8\xff" + b"\0" * 2_600_000  # never decoded: the byte limit comes first
    err = _err([fake, fake], None, "free")
    assert (err.code, err.field, err.http_status) == ("PAYLOAD_TOO_LARGE", "images", 413)


def test_narration_char_limit(small_png: bytes) -> None:
    assert quote_describe([small_png], {"narrationText": "a" * 2000}, tier="free") == 5
    err = _err([small_png], {"narrationText": "a" * 2001}, "free")
    assert (err.code, err.field) == ("TIER_LIMIT_EXCEEDED", "narrationText")
    err = _err([small_png], {"narrationText": "a" * 20_001}, "enterprise")
    assert err.code == "TIER_LIMIT_EXCEEDED"


def test_scene_ids_rules(small_png: bytes) -> None:
    imgs = [small_png] * 3
    err = _err(imgs, {"sceneIds": ["a", "b"]})
    assert (err.code, err.field) == ("SCENE_IDS_COUNT_MISMATCH", "sceneIds")
    err = _err(imgs, {"sceneIds": ["a", "b", "a"]})
    assert (err.code, err.field) == ("DUPLICATE_ID", "sceneIds[2]")
    err = _err(imgs, {"sceneIds": ["a", " ", "c"]})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "sceneIds[1]")
    err = _err(imgs, {"sceneIds": ["a", "b" * 201, "c"]}, "free")
    assert (err.code, err.field) == ("TIER_LIMIT_EXCEEDED", "sceneIds[1]")
    assert quote_describe(imgs, {"sceneIds": ["a", "b" * 500, "c"]}, tier="premium") == 5


def test_detailed_style_is_paid(small_png: bytes) -> None:
    err = _err([small_png], {"hints": {"style": "detailed"}}, "free")
    assert (err.code, err.field, err.http_status) == (
        "TIER_FEATURE_NOT_AVAILABLE", "hints.style", 403)
    assert quote_describe([small_png], {"hints": {"style": "detailed"}}, tier="premium") == 5


def test_extra_detail_is_paid_and_limited(small_png: bytes) -> None:
    imgs = [small_png] * 7
    err = _err(imgs[:3], {"sceneOptions": [{"index": 1, "extraDetail": True}]}, "free")
    assert (err.code, err.field) == ("TIER_FEATURE_NOT_AVAILABLE", "sceneOptions[0].extraDetail")
    assert quote_describe(imgs[:3], {"sceneOptions": [{"index": 1}]}, tier="free") == 5
    six = [{"index": i, "extraDetail": True} for i in range(6)]
    err = _err(imgs, {"sceneOptions": six}, "enterprise")
    assert (err.code, err.field) == ("TOO_MANY_EXTRA_DETAIL_SCENES", "sceneOptions")
    assert quote_describe(imgs, {"sceneOptions": six[:5]}, tier="enterprise") == 5 + 2 + 5


def test_scene_option_indexes(small_png: bytes) -> None:
    imgs = [small_png] * 2
    err = _err(imgs, {"sceneOptions": [{"index": 2, "extraDetail": True}]})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "sceneOptions[0].index")
    err = _err(imgs, {"sceneOptions": [{"index": 1}, {"index": 1, "extraDetail": True}]})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "sceneOptions[1].index")
    err = _err(imgs, {"sceneOptions": [{"index": -1}]})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "sceneOptions[0].index")


def test_schema_errors(small_png: bytes) -> None:
    err = _err([small_png], b"{not json")
    assert err.code == "INVALID_JSON"
    err = _err([small_png], {"hints": {"stlye": "short"}})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "hints.stlye")
    err = _err([small_png], {"hints": {"style": "poetic"}})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "hints.style")
    err = _err([small_png], {"hints": {"languageCode": "not a tag"}})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "hints.languageCode")
    assert quote_describe([small_png], json.dumps({"hints": {"languageCode": "pt-BR"}})) == 5


def test_unsupported_and_bomb_images_are_found_by_the_price_check(small_png: bytes) -> None:
    err = _err([small_png, b"GIF89a........"], None)
    assert (err.code, err.field) == ("UNSUPPORTED_MEDIA_TYPE", "images[1]")


def test_all_rule_problems_come_at_once(small_png: bytes) -> None:
    err = _err([small_png] * 6, {"sceneIds": ["a"], "hints": {"style": "detailed"}}, "free")
    codes = [err.code, *(d.code for d in err.details)]
    assert codes == ["TIER_LIMIT_EXCEEDED", "SCENE_IDS_COUNT_MISMATCH",
                     "TIER_FEATURE_NOT_AVAILABLE"]


def test_missing_path_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    err = _err([tmp_path / "nope.jpg"], None)  # type: ignore[list-item]
    assert (err.code, err.field) == ("VALIDATION_ERROR", "images[0]")
