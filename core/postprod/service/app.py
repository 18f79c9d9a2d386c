"""The HTTP service: parse, check the key, price, call the library, charge, map errors.

Every response carries `X-Request-Id`, `X-Credits-Used` and `X-Credits-Remaining`; every error,
the framework's own included, is the contract's envelope. The debit is one conditional update
committed after the result is built and before it is sent: a failure or crash before that point
charges nothing, and concurrent requests can never overdraw a key.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import anyio
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..contract.common import new_request_id, parse_model
from ..contract.compose import ComposeRequest
from ..contract.describe import DescribeRequest
from ..contract.errors import (
    EngineUnavailable,
    ErrorDetail,
    InternalError,
    PayloadTooLarge,
    PostprodError,
    RateLimited,
    ValidationFailed,
)
from ..contract.limits import limits_for
from ..contract.timestamps import TimestampsRequest
from .demo import (
    DEMO_TIER,
    DEMO_TOKEN_HEADER,
    DOCS_PAGE_HEADERS,
    ClientRateLimiter,
    DemoComposeRequest,
    DemoDescribeRequest,
    DemoTimestampsRequest,
    check_token,
    docs_page,
    issue_token,
)
from .engines import Engines
from .ledger import KEY_PREFIX, KeyInfo, Ledger, insufficient
from .openapi import contract_openapi
from .settings import ServiceSettings
from .uploads import (
    FileRule,
    MultipartUpload,
    check_content_type,
    read_bounded_body,
    read_multipart,
    sweep_stale_uploads,
)

API_PREFIX = "/postproduction/v1"
OTIO_MEDIA_TYPE = "application/vnd.opentimelineio+json"
DOCS_ASSETS = f"{API_PREFIX}/docs-assets"
MAX_DEMO_BODY_BYTES = 16_000
DEMO_CACHE_SIZE = 64

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
    """What the tracking headers of one response report."""

    request_id: str
    key: KeyInfo | None = None
    credits_used: int = 0
    credits_remaining: int = 0

    STATE_KEY: ClassVar[str] = "postprod_call"


def _call(request: Request) -> CallState:
    call: CallState = request.scope["state"][CallState.STATE_KEY]
    return call


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
            await _envelope_response(err, call)(scope, receive, send_with_headers)


def _envelope_response(exc: PostprodError, call: CallState) -> JSONResponse:
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


@dataclass(frozen=True)
class _Admitted:
    key: KeyInfo
    price_check: bool


def _shown(raw: str, limit: int = 40) -> str:
    """A client's value quoted for a message, cut to ``limit`` characters."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def _price_check_flag(request: Request) -> bool:
    """`X-Price-Check`: exactly ``true`` or ``false`` (what the OpenAPI document declares)."""
    raw = request.headers.get("x-price-check")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise ValidationFailed(f"X-Price-Check must be true or false, not {_shown(raw)}",
                           field="X-Price-Check", allowed="true or false")


def _reject_unknown_query(request: Request, allowed: tuple[str, ...] = ()) -> None:
    unknown = [k for k in request.query_params if k not in allowed]
    if unknown:
        raise ValidationFailed(
            f"unknown query parameter {_shown(unknown[0])}", field=unknown[0][:100],
            allowed=("query parameters: " + ", ".join(allowed)) if allowed
            else "no query parameters",
            details=[ErrorDetail(code="VALIDATION_ERROR", message=f"unknown query parameter "
                                 f"{_shown(k)}", field=k[:100]) for k in unknown[1:20]])


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValidationFailed("Content-Length is not a number", field="Content-Length",
                               allowed="a byte count") from None


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service as an ASGI app (one ledger connection pool and one set of engines).

    Args:
        settings: how to run; from the environment when None.
    """
    settings = settings or ServiceSettings.from_env()
    if settings.upload_dir:  # a configured upload folder may not exist yet
        Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
    ledger = Ledger(settings.db_url)
    engines = Engines(whisper_model=settings.whisper_model)
    engine_jobs = anyio.CapacityLimiter(max(1, settings.max_engine_jobs))
    demo_limiter = ClientRateLimiter(per_minute=settings.demo_per_minute)
    demo_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
    demo_cache_lock = threading.Lock()
    _ensure_log_handler()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryValues) for f in access_log.filters):
        access_log.addFilter(RedactQueryValues())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        swept = await to_thread.run_sync(sweep_stale_uploads, settings.upload_dir)
        if swept:
            log.info("removed %d upload directories of processes that no longer run", swept)
        if settings.warm_up:
            timings = await to_thread.run_sync(engines.warm_up)
            log.info("warm-up done: %s", ", ".join(f"{k} {v:.1f} s" for k, v in
                                                 timings.items()))
        yield
        ledger.close()

    app = FastAPI(
        title="postprod workbench service",
        version="1.0.0",
        summary="Compose OTIO timelines, describe scenes, time scene cuts against narration.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below, from files installed with fastapi-offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.mount(DOCS_ASSETS, StaticFiles(directory=_docs_assets_dir()), name="docs-assets")
    app.state.settings = settings
    app.state.ledger = ledger
    app.state.engines = engines
    app.add_middleware(TrackingMiddleware)

    # --- errors ----------------------------------------------------------------------------

    async def on_postprod_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PostprodError)
        call = _call(request)
        call.credits_used = 0
        if call.key is not None:
            call.credits_remaining = await to_thread.run_sync(ledger.balance, call.key.key_id)
        log.info("%s %s %s -> %d %s", call.request_id, request.method,
                 redact(request.url.path), exc.http_status, exc.code)
        return _envelope_response(exc, call)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        err: PostprodError
        if exc.status_code == 404:
            err = NotFound(f"no such endpoint: {_shown(request.url.path, 200)}",
                           allowed=f"{API_PREFIX}/compose-otio, /describe-scenes, "
                                   "/scene-timestamps, /health, /docs, /openapi.json, "
                                   "/demo/compose-otio, /demo/describe-scenes, "
                                   "/demo/scene-timestamps")
        elif exc.status_code == 405:
            err = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}",
                                   allowed=exc.headers.get("Allow") if exc.headers else None)
        elif exc.status_code == 400:
            err = ValidationFailed(str(exc.detail)[:200])
        else:
            err = InternalError(f"internal error; quote request id {_call(request).request_id}")
        return await on_postprod_error(request, err)

    async def on_request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = [ErrorDetail(code="VALIDATION_ERROR", message=str(e.get("msg")),
                               field=".".join(str(p) for p in e.get("loc", ())[1:]) or None)
                   for e in exc.errors()]
        first = details[0] if details else ErrorDetail(code="VALIDATION_ERROR",
                                                       message="invalid request")
        return await on_postprod_error(request, ValidationFailed(
            first.message, field=first.field, details=details[1:]))

    app.add_exception_handler(PostprodError, on_postprod_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)

    # --- the common steps --------------------------------------------------------------------

    async def admit(request: Request, *, allowed_query: tuple[str, ...] = ()) -> _Admitted:
        """Key, quota, query and price-check header: everything before the body is read."""
        call = _call(request)
        api_key = request.headers.get("x-api-key")

        def authenticate_and_count() -> KeyInfo:
            key = ledger.authenticate(api_key)
            call.key = key
            call.credits_remaining = key.balance
            ledger.admit(key.key_id, limit=settings.rate_limit_for(key.tier))
            return key

        key = await to_thread.run_sync(authenticate_and_count)
        _reject_unknown_query(request, allowed_query)
        return _Admitted(key=key, price_check=_price_check_flag(request))

    def price_answer(call: CallState, admitted: _Admitted, cost: int) -> Response | None:
        """The price-check answer, or None after making sure the balance covers ``cost``."""
        # The balance read with the key, a moment ago: the debit's conditional update is what
        # guarantees no overdraft; this only spares running an engine for a short balance.
        balance = admitted.key.balance
        if admitted.price_check:
            log.info("%s price check: %d credits (balance %d)", call.request_id, cost, balance)
            return JSONResponse({"data": {"cost": cost, "balance": balance,
                                          "sufficient": balance >= cost},
                                 "meta": {"requestId": call.request_id}})
        if balance < cost:
            raise insufficient(cost=cost, balance=balance)
        return None

    def charge(call: CallState, admitted: _Admitted, *, cost: int, operation: str,
               started: float) -> None:
        """Debit ``cost`` now that the result is built; 402 (nothing returned) if short.
        Blocking: call it from a worker thread."""
        remaining = ledger.debit(admitted.key.key_id, cost=cost, request_id=call.request_id,
                                 operation=operation)
        call.credits_used = cost
        call.credits_remaining = remaining
        log.info("%s %s -> 200, %d credits, %.0f ms", call.request_id, operation, cost,
                 (time.perf_counter() - started) * 1000)

    async def run_engine(fn: Callable[[], Any], request: Request, operation: str) -> Any:
        log.info("%s %s: running the engine", _call(request).request_id, operation)
        return await to_thread.run_sync(fn, limiter=engine_jobs)

    def json_body(data: dict[str, Any]) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    # --- endpoints -------------------------------------------------------------------------

    @app.get(f"{API_PREFIX}/health", tags=["service"], summary="Health and readiness",
             description="No key, no charge.")
    async def health(request: Request) -> Response:
        _reject_unknown_query(request)
        unavailable = any(v == "unavailable" for v in engines.status.values())
        return JSONResponse({"data": {"status": "degraded" if unavailable else "ok",
                                      "operations": dict(engines.status)},
                             "meta": {"requestId": _call(request).request_id}})

    @app.post(f"{API_PREFIX}/compose-otio", tags=["operations"], summary="Compose OTIO",
              description="An explicit editorial plan in, an OpenTimelineIO timeline out "
                          "(4 credits).")
    async def compose_otio(request: Request) -> Response:
        started = time.perf_counter()
        admitted = await admit(request, allowed_query=("responseFormat",))
        key = admitted.key
        check_content_type(request.headers.get("content-type"), expected="application/json")
        body = await read_bounded_body(request.stream(), content_length=_content_length(request),
                                       max_bytes=settings.max_json_bytes)
        manifest = parse_model(ComposeRequest, body)
        fmt = request.query_params.get("responseFormat")
        if fmt is not None:
            if fmt not in ("file", "json"):
                raise ValidationFailed(f"responseFormat must be file or json, not {fmt!r}",
                                       field="responseFormat", allowed="file or json")
            manifest = manifest.model_copy(update={"response_format": fmt})
        call = _call(request)

        def price_compose_charge() -> Response:
            # One worker-thread hop for the whole cheap path: quote, compose, debit.
            cost = engines.quote_compose(manifest, tier=key.tier)
            answer = price_answer(call, admitted, cost)
            if answer is not None:
                return answer
            result = engines.compose(manifest, tier=key.tier, request_id=call.request_id)
            response: Response
            if manifest.response_format == "file":
                response = Response(result.otio_json.encode("utf-8"),
                                    media_type=OTIO_MEDIA_TYPE,
                                    headers={"Content-Disposition":
                                             f'attachment; filename="{result.file_name}"'})
            else:
                response = Response(json_body(result.response.to_json_data()),
                                    media_type="application/json")
            charge(call, admitted, cost=cost, operation="compose-otio", started=started)
            return response

        return await to_thread.run_sync(price_compose_charge)

    async def multipart_upload(request: Request, rule: FileRule) -> MultipartUpload:
        return await read_multipart(
            chunks=request.stream(), content_type=request.headers.get("content-type"),
            content_length=_content_length(request), rule=rule,
            text_parts={"metadata": settings.max_metadata_bytes},
            temp_root=settings.upload_dir)

    @app.post(f"{API_PREFIX}/describe-scenes", tags=["operations"], summary="Describe Scenes",
              description="Ordered scene images in, one description per image out (5 credits "
                          "for up to 5 images, +1 per further image, +1 per extraDetail scene).")
    async def describe_scenes(request: Request) -> Response:
        started = time.perf_counter()
        admitted = await admit(request)
        key = admitted.key
        lim = limits_for(key.tier)
        rule = FileRule(field="images", names=("images", "images[]"), indexed=True,
                        max_files=lim.describe_images, max_files_is_tier_limit=True,
                        max_total_bytes=lim.describe_total_bytes, tier=key.tier,
                        what="total bytes of all images")
        upload = await multipart_upload(request, rule)
        try:
            if not upload.files:
                raise ValidationFailed("at least one image part is required", field="images",
                                       allowed="1 or more `images` file parts")
            raw = upload.texts.get("metadata")
            meta = parse_model(DescribeRequest, raw if raw and raw.strip() else {},
                               prefix="metadata.")
            images = [f.path for f in upload.files]
            cost = await to_thread.run_sync(
                lambda: engines.quote_describe(images, meta, tier=key.tier))
            call = _call(request)
            answer = price_answer(call, admitted, cost)
            if answer is not None:
                return answer
            rid = call.request_id
            result = await run_engine(
                lambda: engines.describe(images, meta, tier=key.tier, request_id=rid),
                request, "describe-scenes")
            body = json_body(result.to_json_data())
        finally:
            upload.cleanup()
        await to_thread.run_sync(lambda: charge(call, admitted, cost=cost,
                                                operation="describe-scenes", started=started))
        return Response(body, media_type="application/json")

    @app.post(f"{API_PREFIX}/scene-timestamps", tags=["operations"], summary="Scene Timestamps",
              description="One narration audio file and ordered scene cues in; each scene's "
                          "start and a 90 % window for every cut out (6 credits + 3 per started "
                          "5 minutes of audio + 1 per started 10 scenes beyond 10).")
    async def scene_timestamps(request: Request) -> Response:
        started = time.perf_counter()
        admitted = await admit(request)
        key = admitted.key
        lim = limits_for(key.tier)
        rule = FileRule(field="audio", names=("audio",), indexed=False, max_files=1,
                        max_files_is_tier_limit=False,
                        max_total_bytes=lim.timestamps_audio_bytes, tier=key.tier,
                        what="audio file")
        upload = await multipart_upload(request, rule)
        try:
            raw = upload.texts.get("metadata")
            if raw is None or not raw.strip():
                raise ValidationFailed("the metadata part is required", field="metadata",
                                       allowed="a JSON object with scenes[]")
            meta = parse_model(TimestampsRequest, raw, prefix="metadata.")
            if not upload.files:
                raise ValidationFailed("exactly one audio file part is required",
                                       field="audio", allowed="one `audio` file part")
            audio = upload.files[0].path
            cost = await to_thread.run_sync(
                lambda: engines.quote_timestamps(audio, meta, tier=key.tier))
            call = _call(request)
            answer = price_answer(call, admitted, cost)
            if answer is not None:
                return answer
            rid = call.request_id
            result = await run_engine(
                lambda: engines.timestamps(audio, meta, tier=key.tier, request_id=rid),
                request, "scene-timestamps")
            body = json_body(result.to_json_data())
        finally:
            upload.cleanup()
        await to_thread.run_sync(lambda: charge(call, admitted, cost=cost,
                                                operation="scene-timestamps", started=started))
        return Response(body, media_type="application/json")

    # --- interactive docs and their demo endpoints -------------------------------------------

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    async def docs(request: Request) -> Response:
        _reject_unknown_query(request)
        token = issue_token(secret=settings.demo_secret, ttl_s=settings.demo_token_ttl_s)
        html = docs_page(title=app.title, openapi_url=f"{API_PREFIX}/openapi.json",
                         assets_url=DOCS_ASSETS, token=token)
        return HTMLResponse(html, headers=DOCS_PAGE_HEADERS)

    async def demo_request(request: Request, model: type[Any]) -> Any:
        """Token, client quota, then the small JSON body naming the sample inputs."""
        _reject_unknown_query(request)
        check_token(request.headers.get(DEMO_TOKEN_HEADER.lower()), secret=settings.demo_secret,
                    ttl_s=settings.demo_token_ttl_s)
        demo_limiter.admit(request.client.host if request.client else "unknown")
        body = await read_bounded_body(request.stream(), content_length=_content_length(request),
                                       max_bytes=MAX_DEMO_BODY_BYTES)
        if not body.strip():
            return model()
        check_content_type(request.headers.get("content-type"), expected="application/json")
        return parse_model(model, body)

    async def demo_answer(request: Request, operation: str, choice: Any,
                          run: Callable[[str], dict[str, Any]]) -> Response:
        """The operation's JSON answer with `meta.demo: true`. The sample inputs are few and
        fixed, so an answer is computed once per choice and then reused (LRU)."""
        call = _call(request)
        key = operation + json.dumps(choice.to_json_data(), sort_keys=True)
        with demo_cache_lock:
            cached = demo_cache.get(key)
            if cached is not None:
                demo_cache.move_to_end(key)
        if cached is None:
            cached = await run_engine(lambda: run(call.request_id), request, f"demo {operation}")
            with demo_cache_lock:
                demo_cache[key] = cached
                while len(demo_cache) > DEMO_CACHE_SIZE:
                    demo_cache.popitem(last=False)
        answer = copy.deepcopy(cached)
        answer["meta"]["requestId"] = call.request_id
        answer["meta"]["demo"] = True
        log.info("%s demo %s -> 200 (no charge)", call.request_id, operation)
        return Response(json_body(answer), media_type="application/json")

    def samples_dir() -> Path:
        from ..samples import sample_media_dir

        try:
            return sample_media_dir()
        except FileNotFoundError:
            raise EngineUnavailable("the sample project is not installed with this service",
                                    allowed="a checkout with sample_media/") from None

    @app.post(f"{API_PREFIX}/demo/compose-otio", tags=["Demo"],
              summary="Demo: Compose OTIO on the sample project",
              description="For the interactive docs only (needs the docs page's token): the "
                          "sample manifest composed for real, as JSON; no key, no credits.")
    async def demo_compose(request: Request) -> Response:
        choice: DemoComposeRequest = await demo_request(request, DemoComposeRequest)

        def run(request_id: str) -> dict[str, Any]:
            raw = json.loads((samples_dir() / choice.manifest).read_bytes())
            raw.setdefault("output", {})["targetConsumer"] = choice.target_consumer
            raw["responseFormat"] = "json"
            manifest = parse_model(ComposeRequest, raw)
            result = engines.compose(manifest, tier=DEMO_TIER, request_id=request_id)
            data: dict[str, Any] = result.response.to_json_data()
            return data

        return await demo_answer(request, "compose-otio", choice, run)

    @app.post(f"{API_PREFIX}/demo/describe-scenes", tags=["Demo"],
              summary="Demo: Describe Scenes on the sample images",
              description="For the interactive docs only (needs the docs page's token): sample "
                          "images chosen by name, described for real; no key, no credits.")
    async def demo_describe(request: Request) -> Response:
        choice: DemoDescribeRequest = await demo_request(request, DemoDescribeRequest)

        def run(request_id: str) -> dict[str, Any]:
            root = samples_dir()
            images = [root / "scenes" / name for name in choice.images]
            meta = DescribeRequest(
                narration_text=((root / "narration.txt").read_text(encoding="utf-8").strip()
                                if choice.with_narration else None),
                scene_ids=_demo_scene_ids(choice.images))
            return engines.describe(images, meta, tier=DEMO_TIER,
                                    request_id=request_id).to_json_data()

        return await demo_answer(request, "describe-scenes", choice, run)

    @app.post(f"{API_PREFIX}/demo/scene-timestamps", tags=["Demo"],
              summary="Demo: Scene Timestamps on the sample narration",
              description="For the interactive docs only (needs the docs page's token): the "
                          "sample narration and cues timed for real; no key, no credits.")
    async def demo_timestamps(request: Request) -> Response:
        choice: DemoTimestampsRequest = await demo_request(request, DemoTimestampsRequest)

        def run(request_id: str) -> dict[str, Any]:
            root = samples_dir()
            meta = parse_model(TimestampsRequest, (root / choice.cues).read_bytes(),
                               prefix="metadata.")
            return engines.timestamps(root / choice.audio, meta, tier=DEMO_TIER,
                                      request_id=request_id).to_json_data()

        return await demo_answer(request, "scene-timestamps", choice, run)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            base = get_openapi(title=app.title, version=app.version, summary=app.summary,
                               description="The postproduction contract over HTTP. Every "
                               "response carries X-Request-Id, X-Credits-Used and "
                               "X-Credits-Remaining; every error is the contract's envelope.",
                               routes=app.routes, openapi_version="3.1.0")
            app.openapi_schema = contract_openapi(base, prefix=API_PREFIX)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _demo_scene_ids(images: Sequence[str]) -> list[str]:
    """``03_deep_field.jpg`` -> ``deep_field``; a repeated image gets ``-2``, ``-3``."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for name in images:
        base = Path(name).stem.split("_", 1)[-1]
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _docs_assets_dir() -> str:
    """Swagger UI's script, stylesheet and icon as installed by the fastapi-offline package."""
    import fastapi_offline

    return str(Path(fastapi_offline.__file__).parent / "static")


def create_app_from_env() -> FastAPI:
    """The uvicorn factory (`postprod.service.app:create_app_from_env`): settings from the
    environment, so every worker process is configured alike."""
    return create_app(ServiceSettings.from_env())


def _ensure_log_handler() -> None:
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] "
                                               "%(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

