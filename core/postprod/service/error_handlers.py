"""Every error as the contract's envelope: the library's own, the framework's 404/405/400 and
its request validation, each with the key's balance in `X-Credits-Remaining`."""

from __future__ import annotations

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..contract.errors import ErrorDetail, InternalError, PostprodError, ValidationFailed
from .dependencies import API_PREFIX, service_state, shown
from .tracking import MethodNotAllowed, NotFound, call_state, envelope_response, log, redact

ENDPOINTS = (f"{API_PREFIX}/compose-otio, /describe-scenes, /scene-timestamps, /health, /docs, "
             "/openapi.json, /demo/compose-otio, /demo/describe-scenes, /demo/scene-timestamps")


async def on_postprod_error(request: Request, exc: Exception) -> Response:
    """The library's error: its status, its envelope, nothing charged."""
    assert isinstance(exc, PostprodError)
    call = call_state(request)
    call.credits_used = 0
    if call.key is not None:
        call.credits_remaining = await to_thread.run_sync(service_state(request).ledger.balance,
                                                          call.key.key_id)
    log.info("%s %s %s -> %d %s", call.request_id, request.method, redact(request.url.path),
             exc.http_status, exc.code)
    return envelope_response(exc, call)


async def on_http_error(request: Request, exc: Exception) -> Response:
    """The framework's 404 (no route), 405 (wrong method) and 400 as the contract's errors."""
    assert isinstance(exc, StarletteHTTPException)
    err: PostprodError
    if exc.status_code == 404:
        err = NotFound(f"no such endpoint: {shown(request.url.path, 200)}", allowed=ENDPOINTS)
    elif exc.status_code == 405:
        err = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}",
                               allowed=exc.headers.get("Allow") if exc.headers else None)
    elif exc.status_code == 400:
        err = ValidationFailed(str(exc.detail)[:200])
    else:
        err = InternalError(f"internal error; quote request id {call_state(request).request_id}")
    return await on_postprod_error(request, err)


async def on_request_validation(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation (its 422) as a 400 VALIDATION_ERROR, every problem named."""
    assert isinstance(exc, RequestValidationError)
    details = [ErrorDetail(code="VALIDATION_ERROR", message=str(e.get("msg")),
                           field=".".join(str(p) for p in e.get("loc", ())[1:]) or None)
               for e in exc.errors()]
    first = details[0] if details else ErrorDetail(code="VALIDATION_ERROR",
                                                   message="invalid request")
    return await on_postprod_error(request, ValidationFailed(
        first.message, field=first.field, details=details[1:]))


def install_error_handlers(app: FastAPI) -> None:
    """Register the three handlers on ``app``."""
    app.add_exception_handler(PostprodError, on_postprod_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)

