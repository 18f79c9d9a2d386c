"""`GET /health`: whether the service runs and each operation's readiness (no key, no charge)."""

from __future__ import annotations

from fastapi import APIRouter

from ..dependencies import API_PREFIX, Call, EnginesDep, NoQuery
from ..responses import HEALTH_ERRORS, HealthResponse, documented

router = APIRouter(prefix=API_PREFIX, tags=["service"])


@router.get("/health", summary="Health and readiness", description="No key, no charge.",
            response_model=HealthResponse,
            responses=documented(HealthResponse, "the service runs; readiness per operation",
                                 HEALTH_ERRORS))
async def health(_query: NoQuery, engines: EnginesDep, call: Call) -> HealthResponse:
    return HealthResponse.build(operations=engines.status, request_id=call.request_id)
