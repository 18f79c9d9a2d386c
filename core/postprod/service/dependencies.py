"""What the routes get injected (`Annotated[..., Depends(...)]`): the process's service state,
its settings, ledger and engines, the request's tracking state, the authenticated key (counted
against its quota) and the checks every route makes before it reads a body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from anyio import to_thread
from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from ..contract.errors import ErrorDetail, ValidationFailed
from .demo import DEMO_TOKEN_HEADER, ClientRateLimiter, DemoCache
from .engines import Engines
from .ledger import KeyInfo, Ledger
from .ratelimit import RateLimiter
from .settings import ServiceSettings
from .tracking import CallState, call_state

API_PREFIX = "/postproduction/v1"


@dataclass(frozen=True)
class ServiceState:
    """What one service process holds for all its requests.

    Attributes:
        settings: how it runs.
        ledger: keys, balances, charges.
        limiter: the keys' traffic quotas.
        engines: the operations and their models.
        engine_jobs: bound on describe/timestamps jobs running at once.
        demo_limiter: the demo endpoints' per-client quota.
        demo_cache: the demo endpoints' answers, per sample choice.
    """

    settings: ServiceSettings
    ledger: Ledger
    limiter: RateLimiter
    engines: Engines
    engine_jobs: anyio.CapacityLimiter
    demo_limiter: ClientRateLimiter
    demo_cache: DemoCache


def service_state(request: Request) -> ServiceState:
    """The process's `ServiceState` (made by `create_app`)."""
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(service_state)]
Call = Annotated[CallState, Depends(call_state)]


def _settings(state: State) -> ServiceSettings:
    return state.settings


def _ledger(state: State) -> Ledger:
    return state.ledger


def _engines(state: State) -> Engines:
    return state.engines


def _limiter(state: State) -> RateLimiter:
    return state.limiter


Settings = Annotated[ServiceSettings, Depends(_settings)]
LedgerDep = Annotated[Ledger, Depends(_ledger)]
EnginesDep = Annotated[Engines, Depends(_engines)]
Limiter = Annotated[RateLimiter, Depends(_limiter)]


API_KEY = APIKeyHeader(
    name="X-API-Key", scheme_name="ApiKey", auto_error=False,
    description="a key made by `postprod keys create` (stored hashed in the ledger)")
DEMO_TOKEN = APIKeyHeader(
    name=DEMO_TOKEN_HEADER, scheme_name="DemoToken", auto_error=False,
    description="the demo endpoints only: a short-lived token that the docs page (`/docs`) "
                "issues and sends itself; direct callers get 403")


async def authenticated_key(call: Call, ledger: LedgerDep, limiter: Limiter, settings: Settings,
                            api_key: Annotated[str | None, Security(API_KEY)]) -> KeyInfo:
    """The key of ``X-API-Key``, counted against its tier's quota (401, 429 otherwise)."""

    def authenticate_and_count() -> KeyInfo:
        key = ledger.authenticate(api_key)
        call.key = key
        call.credits_remaining = key.balance
        limiter.admit(key.key_id, limit=settings.rate_limit_for(key.tier))
        return key

    return await to_thread.run_sync(authenticate_and_count)


ApiKey = Annotated[KeyInfo, Depends(authenticated_key)]


def shown(raw: str, limit: int = 40) -> str:
    """A client's value quoted for a message, cut to ``limit`` characters."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


class KnownQuery:
    """A dependency refusing query parameters other than ``allowed`` (400, all named)."""

    def __init__(self, *allowed: str) -> None:
        self.allowed = allowed

    def __call__(self, request: Request) -> None:
        allowed = self.allowed
        unknown = [k for k in request.query_params if k not in allowed]
        if unknown:
            raise ValidationFailed(
                f"unknown query parameter {shown(unknown[0])}", field=unknown[0][:100],
                allowed=("query parameters: " + ", ".join(allowed)) if allowed
                else "no query parameters",
                details=[ErrorDetail(code="VALIDATION_ERROR", message=f"unknown query parameter "
                                     f"{shown(k)}", field=k[:100]) for k in unknown[1:20]])


NoQuery = Annotated[None, Depends(KnownQuery())]


def enum_schema(*values: str) -> Any:
    """A parameter's documented schema: a string, one of ``values`` (checked by the route,
    so that a bad value gets the contract's message)."""

    def schema(s: dict[str, Any]) -> None:
        for k in ("anyOf", "type"):
            s.pop(k, None)
        s.update(type="string", enum=list(values))

    return schema


def price_check_flag(raw: Annotated[str | None, Header(
        alias="X-Price-Check", json_schema_extra=enum_schema("true", "false"),
        description="`true`: validate (limits included) and say what the request would cost; "
                    "no engine runs and nothing is charged")] = None) -> bool:
    """`X-Price-Check`: exactly ``true`` or ``false`` (what the OpenAPI document declares)."""
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise ValidationFailed(f"X-Price-Check must be true or false, not {shown(raw)}",
                           field="X-Price-Check", allowed="true or false")


PriceCheck = Annotated[bool, Depends(price_check_flag)]


def content_length(request: Request) -> int | None:
    """The request's Content-Length, bytes (None when absent; 400 when not a number)."""
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValidationFailed("Content-Length is not a number", field="Content-Length",
                               allowed="a byte count") from None
