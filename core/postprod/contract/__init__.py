"""The contract in code: request/response models, error codes, tier limits and prices.

This package imports nothing else of ours; everything else imports it.
"""

from .common import (
    ContractModel,
    ResultWarning,
    field_path,
    new_request_id,
    parse_json_text,
    parse_model,
)
from .compose import ComposeData, ComposeMeta, ComposeRequest, ComposeResponse, ComposeSummary
from .describe import DescribedScene, DescribeRequest, DescribeResponse
from .errors import ERROR_CLASSES, ErrorDetail, ErrorEnvelope, PostprodError
from .limits import DEFAULT_TIER, LIMITS, TIERS, Tier, TierLimits, as_tier, limits_for
from .pricing import compose_price, describe_price, timestamps_price
from .timestamps import SceneCue, TimestampsRequest, TimestampsResponse

__all__ = [
    "DEFAULT_TIER",
    "ERROR_CLASSES",
    "LIMITS",
    "TIERS",
    "ComposeData",
    "ComposeMeta",
    "ComposeRequest",
    "ComposeResponse",
    "ComposeSummary",
    "ContractModel",
    "DescribeRequest",
    "DescribeResponse",
    "DescribedScene",
    "ErrorDetail",
    "ErrorEnvelope",
    "PostprodError",
    "ResultWarning",
    "SceneCue",
    "Tier",
    "TierLimits",
    "TimestampsRequest",
    "TimestampsResponse",
    "as_tier",
    "compose_price",
    "describe_price",
    "field_path",
    "limits_for",
    "new_request_id",
    "parse_json_text",
    "parse_model",
    "timestamps_price",
]
