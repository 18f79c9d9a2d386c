"""Validation of a Describe Scenes request: schema, tier limits, paid features, image headers.

Runs before any model, for both `describe_scenes` and the price check (`quote_describe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..contract.common import parse_model
from ..contract.describe import DescribeRequest
from ..contract.errors import (
    DuplicateId,
    PayloadTooLarge,
    PostprodError,
    SceneIdsCountMismatch,
    TooManyExtraDetailScenes,
    ValidationFailed,
    collect,
)
from ..contract.limits import Tier, check_max, limits_for, paid_feature_error
from ..contract.pricing import describe_price
from ..media.images import ImageHeader, ImageInput, ImageSource, probe_image, read_image_inputs

RequestLike = DescribeRequest | Mapping[str, Any] | str | bytes | None


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every check that needs no decoding.

    Attributes:
        request: the parsed metadata (defaults filled in).
        images: the image blobs, in order.
        headers: format and size of each image, read from its header.
        extra_detail: indexes of scenes with ``extraDetail: true``.
        cost: the price in credits.
    """

    request: DescribeRequest
    images: list[ImageInput]
    headers: list[ImageHeader]
    extra_detail: frozenset[int]
    cost: int


def parse_describe_request(request: RequestLike) -> DescribeRequest:
    """The metadata as a model (None → all defaults); `INVALID_JSON`/`VALIDATION_ERROR` else."""
    if request is None:
        return DescribeRequest()
    if isinstance(request, str | bytes) and not request.strip():
        return DescribeRequest()
    return parse_model(DescribeRequest, request)


def check_request(images: Sequence[ImageSource], request: RequestLike, *,
                  tier: Tier) -> CheckedRequest:
    """Every check of contract §3 and §1.6 that needs no pixel decoding.

    Order: schema; then all rule problems collected into one error (first + ``details``):
    image count, total bytes, ``sceneIds``, narration length, paid features, ``sceneOptions``,
    and finally each image's format and pixel count from its header.

    Raises:
        PostprodError: `INVALID_JSON`, `VALIDATION_ERROR`, `TIER_LIMIT_EXCEEDED`,
            `PAYLOAD_TOO_LARGE`, `SCENE_IDS_COUNT_MISMATCH`, `DUPLICATE_ID`,
            `TIER_FEATURE_NOT_AVAILABLE`, `TOO_MANY_EXTRA_DETAIL_SCENES`,
            `UNSUPPORTED_MEDIA_TYPE`, `IMAGE_UNDECODABLE`.
    """
    limits = limits_for(tier)
    req = parse_describe_request(request)
    blobs = read_image_inputs(images)
    errors: list[PostprodError] = []
    count = len(blobs)
    if count == 0:
        errors.append(ValidationFailed("at least one image is required", field="images",
                                       allowed=">= 1 image"))
    too_many = check_max(value=count, limit=limits.describe_images, tier=tier, field="images",
                         what="the number of images")
    if too_many:
        errors.append(too_many)
    total = sum(len(b.data) for b in blobs)
    if total > limits.describe_total_bytes:
        errors.append(PayloadTooLarge(
            f"the images total {total:,} bytes, over the {tier} tier's limit of "
            f"{limits.describe_total_bytes:,} bytes",
            field="images", allowed=f"<= {limits.describe_total_bytes:,} bytes in all on the "
                                    f"{tier} tier"))
    if req.scene_ids is not None:
        errors.extend(_check_scene_ids(req.scene_ids, count=count, tier=tier,
                                       max_chars=limits.describe_field_chars))
    if req.narration_text is not None:
        long = check_max(value=len(req.narration_text), limit=limits.describe_narration_chars,
                         tier=tier, field="narrationText", what="narrationText",
                         unit=" characters")
        if long:
            errors.append(long)
    if req.hints.style == "detailed" and not limits.describe_paid_features:
        errors.append(paid_feature_error(tier=tier, field="hints.style",
                                         feature='hints.style "detailed"'))
    extra, option_errors = _check_scene_options(req, count=count, tier=tier)
    errors.extend(option_errors)
    headers: list[ImageHeader] = []
    if not errors:  # headers are only worth reading for a request that is otherwise valid
        for blob in blobs:
            try:
                headers.append(probe_image(blob.data, field=blob.field))
            except PostprodError as exc:
                errors.append(exc)
    if errors:
        raise collect(errors)
    cost = describe_price(image_count=count, extra_detail_scenes=len(extra))
    return CheckedRequest(request=req, images=blobs, headers=headers,
                          extra_detail=frozenset(extra), cost=cost)


def _check_scene_ids(ids: list[str], *, count: int, tier: Tier,
                     max_chars: int) -> list[PostprodError]:
    errors: list[PostprodError] = []
    if len(ids) != count:
        errors.append(SceneIdsCountMismatch(
            f"sceneIds has {len(ids)} entries for {count} images",
            field="sceneIds", allowed=f"exactly {count} entries (one per image, in order)"))
    seen: dict[str, int] = {}
    for k, sid in enumerate(ids):
        field = f"sceneIds[{k}]"
        if not sid.strip():
            errors.append(ValidationFailed(f"{field} is blank", field=field,
                                           allowed="a non-blank id"))
            continue
        long = check_max(value=len(sid), limit=max_chars, tier=tier, field=field,
                         what=field, unit=" characters")
        if long:
            errors.append(long)
        if sid in seen:
            errors.append(DuplicateId(f"{field} {sid!r} repeats sceneIds[{seen[sid]}]",
                                      field=field, allowed="unique ids"))
        else:
            seen[sid] = k
    return errors


def _check_scene_options(req: DescribeRequest, *, count: int,
                         tier: Tier) -> tuple[list[int], list[PostprodError]]:
    limits = limits_for(tier)
    errors: list[PostprodError] = []
    extra: list[int] = []
    seen: dict[int, int] = {}
    for k, opt in enumerate(req.scene_options or []):
        field = f"sceneOptions[{k}].index"
        if opt.index >= count:
            errors.append(ValidationFailed(
                f"{field} is {opt.index}, but there are {count} images",
                field=field, allowed=f"0 <= index <= {max(0, count - 1)}"))
        elif opt.index in seen:
            errors.append(ValidationFailed(
                f"{field} {opt.index} repeats sceneOptions[{seen[opt.index]}].index",
                field=field, allowed="each index at most once"))
        else:
            seen[opt.index] = k
        if opt.extra_detail:
            if not limits.describe_paid_features:
                errors.append(paid_feature_error(tier=tier,
                                                 field=f"sceneOptions[{k}].extraDetail",
                                                 feature="sceneOptions[].extraDetail"))
            elif opt.index < count and seen.get(opt.index) == k:
                extra.append(opt.index)
    if limits.describe_paid_features and len(extra) > limits.describe_extra_detail_scenes:
        errors.append(TooManyExtraDetailScenes(
            f"{len(extra)} scenes ask for extraDetail, over the {tier} tier's limit of "
            f"{limits.describe_extra_detail_scenes}",
            field="sceneOptions",
            allowed=f"<= {limits.describe_extra_detail_scenes} scenes with extraDetail: true "
                    f"on the {tier} tier"))
    return sorted(extra), errors
