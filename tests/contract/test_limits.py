"""The one table of tier limits holds exactly the numbers of contract §1.6."""

import pytest

from postprod.contract.errors import TierFeatureNotAvailable, TierLimitExceeded
from postprod.contract.limits import LIMITS, MB, check_max, limits_for, paid_feature_error

EXPECTED = {
    "compose_items": (20, 200, 200),
    "compose_timeline_sec": (180, 3600, 3600),
    "describe_images": (5, 50, 100),
    "describe_total_bytes": (5 * MB, 50 * MB, 100 * MB),
    "describe_narration_chars": (2000, 20000, 20000),
    "describe_field_chars": (200, 500, 500),
    "describe_paid_features": (False, True, True),
    "describe_extra_detail_scenes": (0, 5, 5),
    "timestamps_audio_bytes": (5 * MB, 25 * MB, 25 * MB),
    "timestamps_audio_sec": (300, 1200, 3600),
    "timestamps_scenes": (10, 100, 100),
    "timestamps_narration_chars": (5000, 50000, 50000),
    "timestamps_cue_chars": (300, 500, 500),
    "timestamps_all_text_chars": (4000, 40000, 40000),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_table_row(name: str) -> None:
    got = tuple(getattr(LIMITS[t], name) for t in ("free", "premium", "enterprise"))
    assert got == EXPECTED[name]


def test_table_has_no_unchecked_rows() -> None:
    assert set(LIMITS["free"].model_dump()) == set(EXPECTED)


def test_mb_is_ten_to_the_sixth() -> None:
    assert MB == 1_000_000


def test_unknown_tier_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="free, premium, enterprise"):
        limits_for("gold")  # type: ignore[arg-type]


def test_check_max_at_and_over_the_limit() -> None:
    assert check_max(value=20, limit=20, tier="free", field="folder.items", what="items") is None
    err = check_max(value=21, limit=20, tier="free", field="folder.items", what="items")
    assert isinstance(err, TierLimitExceeded)
    assert err.http_status == 422
    assert err.field == "folder.items"
    assert err.allowed == "<= 20 on the free tier"
    assert "21" in err.message


def test_paid_feature_error_is_403() -> None:
    err = paid_feature_error(tier="free", field="hints.style", feature='style "detailed"')
    assert isinstance(err, TierFeatureNotAvailable)
    assert err.http_status == 403
    assert err.code == "TIER_FEATURE_NOT_AVAILABLE"
