"""Per-request tracking: the request id and credit headers on every response, the contract's
envelope for every error, and log lines without keys in them."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import ClassVar

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..contract.common import new_request_id
from ..contract.errors import InternalError, PayloadTooLarge, PostprodError, RateLimited
from .ledger import KEY_PREFIX, KeyInfo

log = logging.getLogger("postprod.service")


class NotFound(PostprodError):
    """No such path (the framework's 404, in the contract's envelope)."""

    code = "NOT_FOUND"
    http_status = 404


class MethodNotAllowed(PostprodError):
    """The path exists but not for this method (the framework's 405)."""

    code = "METHOD_NOT_ALLOWED"
    http_status = 405


@dataclass
class CallState:
    """What the tracking headers of one response report.

    Attributes:
        request_id: ``req_`` + ULID, also the ledger entry's request id.
        key: the authenticated key (None before authentication or without one).
        credits_used: credits charged by this request (0 unless it succeeded).
        credits_remaining: the key's balance after this request.
        started: `time.perf_counter()` when the request arrived, seconds.
    """

    request_id: str
    key: KeyInfo | None = None
    credits_used: int = 0
    credits_remaining: int = 0
    started: float = field(default_factory=time.perf_counter)

    STATE_KEY: ClassVar[str] = "postprod_call"


def call_state(request: Request) -> CallState:
    """The `CallState` the tracking middleware gave this request."""
    call: CallState = request.scope["state"][CallState.STATE_KEY]
    return call


def envelope_response(exc: PostprodError, call: CallState) -> JSONResponse:
    """``exc`` as the contract's error envelope, with the headers its status needs."""
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, PayloadTooLarge):
        # The rest of the upload is unread: close rather than drain it.
        headers["Connection"] = "close"
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        headers["Allow"] = exc.allowed
    return JSONResponse(exc.envelope_dict(call.request_id), status_code=exc.http_status,
                        headers=headers)


class TrackingMiddleware:
    """Gives each request its id, stamps the tracking headers on every response, and turns an
    exception that escaped everything else into a logged 500 envelope (no stack trace)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call = CallState(request_id=new_request_id())
        scope.setdefault("state", {})[CallState.STATE_KEY] = call
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = call.request_id
                headers["X-Credits-Used"] = str(call.credits_used)
                headers["X-Credits-Remaining"] = str(call.credits_remaining)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            # The caller went away mid-request: nothing to answer, nothing charged, no bug.
            log.info("%s %s %s: the client disconnected before the request was read",
                     call.request_id, scope.get("method"), scope.get("path"))
            return
        except Exception as exc:
            log.error("%s %s %s: internal error: %s: %s", call.request_id, scope.get("method"),
                      scope.get("path"), type(exc).__name__, exc, exc_info=exc)
            if started:
                return
            call.credits_used = 0
            err = InternalError(f"internal error; quote request id {call.request_id} "
                                "when reporting it")
            await envelope_response(err, call)(scope, receive, send_with_headers)


_KEY_LIKE = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_\-]*")
_QUERY_VALUE = re.compile(r"=[^&;]*")


def redact(text: str) -> str:
    """``text`` with anything shaped like an API key replaced (for log lines)."""
    return _KEY_LIKE.sub(KEY_PREFIX + "[redacted]", text)


class RedactQueryValues(logging.Filter):
    """Access-log lines (uvicorn's ``client, method, path, version, status``) with query
    values and key-shaped text cut out: a key sent as ``?apiKey=…`` is refused and never
    written to a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, query = args[2].partition("?")
            shown = redact(path) + (sep + _QUERY_VALUE.sub("=[redacted]", query) if sep else "")
            record.args = (*args[:2], shown, *args[3:])
        return True


def setup_logging() -> None:
    """The service's log handler (once per process) and the access log's redaction."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] "
                                               "%(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryValues) for f in access_log.filters):
        access_log.addFilter(RedactQueryValues())
