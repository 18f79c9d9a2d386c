"""The one table of tier limits (contract §1.6) and the checks that read it."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from .errors import TierFeatureNotAvailable, TierLimitExceeded, one_of

Tier = Literal["free", "premium", "enterprise"]
TIERS: tuple[Tier, ...] = get_args(Tier)
DEFAULT_TIER: Tier = "enterprise"
"""Library callers get the widest limits unless they say otherwise (contract §1.5)."""

MB = 1_000_000
"""The contract's MB: 10^6 bytes."""


class TierLimits(BaseModel):
    """Every limit of one tier. Units are in the field names (bytes, seconds, characters)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    compose_items: int
    compose_timeline_sec: float
    describe_images: int
    describe_total_bytes: int
    describe_narration_chars: int
    describe_field_chars: int
    describe_paid_features: bool
    describe_extra_detail_scenes: int
    timestamps_audio_bytes: int
    timestamps_audio_sec: float
    timestamps_scenes: int
    timestamps_narration_chars: int
    timestamps_cue_chars: int
    timestamps_all_text_chars: int


LIMITS: dict[Tier, TierLimits] = {
    "free": TierLimits(
        compose_items=20, compose_timeline_sec=180,
        describe_images=5, describe_total_bytes=5 * MB, describe_narration_chars=2_000,
        describe_field_chars=200, describe_paid_features=False, describe_extra_detail_scenes=0,
        timestamps_audio_bytes=5 * MB, timestamps_audio_sec=5 * 60, timestamps_scenes=10,
        timestamps_narration_chars=5_000, timestamps_cue_chars=300,
        timestamps_all_text_chars=4_000,
    ),
    "premium": TierLimits(
        compose_items=200, compose_timeline_sec=3600,
        describe_images=50, describe_total_bytes=50 * MB, describe_narration_chars=20_000,
        describe_field_chars=500, describe_paid_features=True, describe_extra_detail_scenes=5,
        timestamps_audio_bytes=25 * MB, timestamps_audio_sec=20 * 60, timestamps_scenes=100,
        timestamps_narration_chars=50_000, timestamps_cue_chars=500,
        timestamps_all_text_chars=40_000,
    ),
    "enterprise": TierLimits(
        compose_items=200, compose_timeline_sec=3600,
        describe_images=100, describe_total_bytes=100 * MB, describe_narration_chars=20_000,
        describe_field_chars=500, describe_paid_features=True, describe_extra_detail_scenes=5,
        timestamps_audio_bytes=25 * MB, timestamps_audio_sec=60 * 60, timestamps_scenes=100,
        timestamps_narration_chars=50_000, timestamps_cue_chars=500,
        timestamps_all_text_chars=40_000,
    ),
}
"""Tier → limits, exactly contract §1.6; validation, price checks, workbench and docs read it."""


def as_tier(value: str) -> Tier:
    """``value`` (a CLI option, a setting, a stored string) as a `Tier`.

    Raises:
        ValidationFailed: not one of `TIERS` (``field`` "tier").
    """
    return one_of(value, TIERS, field="tier")


def limits_for(tier: Tier) -> TierLimits:
    """The limits of ``tier``; a ValueError names the allowed tiers when it is not one."""
    if tier not in LIMITS:
        raise ValueError(f"unknown tier {tier!r}; allowed: {', '.join(TIERS)}")
    return LIMITS[tier]


def check_max(
    *, value: float, limit: float, tier: Tier, field: str | None, what: str, unit: str = ""
) -> TierLimitExceeded | None:
    """A `TIER_LIMIT_EXCEEDED` error when ``value > limit``, else None.

    Args:
        value: the measured amount (count, seconds, bytes or characters).
        limit: the tier's maximum, same unit.
        tier: named in `allowed`.
        field: JSON path of the offending field.
        what: words for the amount, e.g. ``"folder.items[] count"``.
        unit: appended to the numbers in the message, e.g. ``" s"``.
    """
    if value <= limit:
        return None
    shown_limit = _num(limit)
    return TierLimitExceeded(
        f"{what} is {_num(value)}{unit}, over the {tier} tier's limit of {shown_limit}{unit}",
        field=field,
        allowed=f"<= {shown_limit}{unit} on the {tier} tier",
    )


def paid_feature_error(*, tier: Tier, field: str, feature: str) -> TierFeatureNotAvailable:
    """The 403 for a paid-only feature asked for on ``tier``."""
    return TierFeatureNotAvailable(
        f"{feature} is available on the premium and enterprise tiers, not on {tier}",
        field=field,
        allowed="premium or enterprise tier",
    )


def _num(x: float) -> str:
    """A number for a message: integers up to 10^12 in full, anything else in 6 digits."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e12 else f"{x:g}"
