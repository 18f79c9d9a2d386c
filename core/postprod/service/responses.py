"""The service's own response models and the responses each route documents.

The models build the real answers (price checks, health) and, with the contract's response
models, generate the OpenAPI document's response schemas; the tracking headers and the error
statuses are declared once here for every route.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..contract.compose import ComposeMeta, ComposeResponse
from ..contract.describe import DescribeMeta, DescribeResponse
from ..contract.errors import ErrorEnvelope
from ..contract.timestamps import TimestampsMeta, TimestampsResponse


class PriceCheckData(BaseModel):
    """What a request would cost (credits), the key's balance, and whether it suffices."""

    model_config = ConfigDict(extra="forbid")

    cost: int
    balance: int
    sufficient: bool


class RequestMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requestId: str  # contract spelling


class PriceCheckResponse(BaseModel):
    """The answer to a request sent with `X-Price-Check: true`: nothing runs, nothing is charged."""

    model_config = ConfigDict(extra="forbid")

    data: PriceCheckData
    meta: RequestMeta

    @classmethod
    def build(cls, *, cost: int, balance: int, request_id: str) -> PriceCheckResponse:
        """The price check of a request costing ``cost`` credits on a key holding ``balance``."""
        return cls(data=PriceCheckData(cost=cost, balance=balance, sufficient=balance >= cost),
                   meta=RequestMeta(requestId=request_id))


class HealthData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "degraded"]
    operations: dict[str, str]


class HealthResponse(BaseModel):
    """`GET /health`: whether the service runs and each operation's readiness."""

    model_config = ConfigDict(extra="forbid")

    data: HealthData
    meta: RequestMeta

    @classmethod
    def build(cls, *, operations: dict[str, str], request_id: str) -> HealthResponse:
        """``degraded`` when an operation is unavailable, else ``ok``."""
        unavailable = any(v == "unavailable" for v in operations.values())
        return cls(data=HealthData(status="degraded" if unavailable else "ok",
                                   operations=dict(operations)),
                   meta=RequestMeta(requestId=request_id))


class DemoComposeMeta(ComposeMeta):
    demo: Literal[True] = Field(description="a demo answer: nothing was charged")


class DemoComposeResponse(ComposeResponse):
    """Compose OTIO's answer on the sample project, `meta.demo: true`."""

    meta: DemoComposeMeta


class DemoDescribeMeta(DescribeMeta):
    demo: Literal[True] = Field(description="a demo answer: nothing was charged")


class DemoDescribeResponse(DescribeResponse):
    """Describe Scenes' answer on the sample images, `meta.demo: true`."""

    meta: DemoDescribeMeta


class DemoTimestampsMeta(TimestampsMeta):
    demo: Literal[True] = Field(description="a demo answer: nothing was charged")


class DemoTimestampsResponse(TimestampsResponse):
    """Scene Timestamps' answer on the sample narration, `meta.demo: true`."""

    meta: DemoTimestampsMeta


TRACKING_HEADERS: dict[str, Any] = {
    "X-Request-Id": {"description": "this request's id (`req_` + 26 Crockford base32 chars)",
                     "required": True,
                     "schema": {"type": "string", "pattern": "^req_[0-9A-HJKMNP-TV-Z]{26}$"}},
    "X-Credits-Used": {"description": "credits this request used (0 on errors, price checks)",
                       "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "X-Credits-Remaining": {"description": "the key's balance after this request",
                            "required": True, "schema": {"type": "string",
                                                         "pattern": "^[0-9]+$"}},
}

_RETRY_AFTER = {"Retry-After": {"description": "seconds until a request is admitted",
                                "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}

OPERATION_ERRORS = {
    400: "INVALID_JSON or VALIDATION_ERROR",
    401: "API_KEY_REQUIRED, INVALID_API_KEY or API_KEY_EXPIRED",
    402: "INSUFFICIENT_CREDITS",
    403: "TIER_FEATURE_NOT_AVAILABLE",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "TIER_LIMIT_EXCEEDED or a rule of the operation",
    429: "RATE_LIMITED (with Retry-After)",
    500: "INTERNAL_ERROR",
    503: "ENGINE_UNAVAILABLE",
}

DEMO_ERRORS = {
    400: "INVALID_JSON or VALIDATION_ERROR (a sample name that is not offered)",
    403: "DEMO_TOKEN_REQUIRED: no, a forged or an expired docs-page token",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "a rule of the operation",
    429: "RATE_LIMITED: the client's demo calls per minute (with Retry-After)",
    500: "INTERNAL_ERROR",
    503: "ENGINE_UNAVAILABLE",
}

HEALTH_ERRORS = {400: "VALIDATION_ERROR (an unknown query parameter)", 500: "INTERNAL_ERROR"}


def documented(ok_model: Any, ok_description: str, errors: dict[int, str], *,
               ok_extra: dict[str, Any] | None = None) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: 200 with ``ok_model`` and each error status with the
    contract's envelope, all with the tracking headers (429 with Retry-After too)."""
    ok: dict[str, Any] = {"model": ok_model, "description": ok_description,
                          "headers": dict(TRACKING_HEADERS)}
    for k, v in (ok_extra or {}).items():
        ok[k] = {**ok.get(k, {}), **v}
    out: dict[int | str, dict[str, Any]] = {200: ok}
    for status, codes in errors.items():
        headers = {**TRACKING_HEADERS, **(_RETRY_AFTER if status == 429 else {})}
        out[status] = {"model": ErrorEnvelope, "description": codes, "headers": headers}
    return out


def json_response(data: dict[str, Any]) -> Response:
    """``data`` as compact UTF-8 JSON (the library's answers, already contract-shaped)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, media_type="application/json")
