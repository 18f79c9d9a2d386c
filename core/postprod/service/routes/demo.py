"""The interactive docs page and its demo endpoints: the real operations on the shipped sample
project, no key, no credits, `meta.demo: true` (see `postprod.service.demo`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import HTMLResponse, Response

from ...contract.common import RequestModel, parse_model
from ...contract.compose import ComposeRequest
from ...contract.describe import DescribeRequest
from ...contract.errors import EngineUnavailable
from ...contract.timestamps import TimestampsRequest
from ..demo import (
    DEMO_TIER,
    DOCS_PAGE_HEADERS,
    DemoComposeRequest,
    DemoDescribeRequest,
    DemoTimestampsRequest,
    check_token,
    demo_scene_ids,
    docs_page,
    issue_token,
)
from ..dependencies import API_PREFIX, DEMO_TOKEN, Call, NoQuery, Settings, State, content_length
from ..openapi import json_body
from ..responses import (
    DEMO_ERRORS,
    DemoComposeResponse,
    DemoDescribeResponse,
    DemoTimestampsResponse,
    documented,
    json_response,
)
from ..tracking import log
from ..uploads import check_content_type, read_bounded_body

DOCS_ASSETS = f"{API_PREFIX}/docs-assets"
MAX_DEMO_BODY_BYTES = 16_000

router = APIRouter(prefix=API_PREFIX)

Choice = TypeVar("Choice", bound=RequestModel)


@router.get("/docs", include_in_schema=False)
async def docs(request: Request, _query: NoQuery, settings: Settings) -> Response:
    token = issue_token(secret=settings.demo_secret, ttl_s=settings.demo_token_ttl_s)
    html = docs_page(title=request.app.title, openapi_url=f"{API_PREFIX}/openapi.json",
                     assets_url=DOCS_ASSETS, token=token)
    return HTMLResponse(html, headers=DOCS_PAGE_HEADERS)


async def demo_caller(request: Request, _query: NoQuery, state: State,
                      token: Annotated[str | None, Security(DEMO_TOKEN)]) -> None:
    """The docs page's token (403 otherwise), then the client's demo quota (429)."""
    check_token(token, secret=state.settings.demo_secret, ttl_s=state.settings.demo_token_ttl_s)
    state.demo_limiter.admit(request.client.host if request.client else "unknown")


DemoCaller = Annotated[None, Depends(demo_caller)]


async def _choice(request: Request, model: type[Choice]) -> Choice:
    """The small JSON body naming the sample inputs (the defaults when empty)."""
    body = await read_bounded_body(request.stream(), content_length=content_length(request),
                                   max_bytes=MAX_DEMO_BODY_BYTES)
    if not body.strip():
        return model()
    check_content_type(request.headers.get("content-type"), expected="application/json")
    return parse_model(model, body)


async def _answer(state: State, call: Call, operation: str, choice: RequestModel,
                  run: Callable[[str], dict[str, Any]]) -> Response:
    """The operation's JSON answer with `meta.demo: true`, computed once per choice."""
    key = operation + json.dumps(choice.to_json_data(), sort_keys=True)
    answer = state.demo_cache.get(key)
    if answer is None:
        log.info("%s demo %s: running the engine", call.request_id, operation)
        answer = await to_thread.run_sync(lambda: run(call.request_id),
                                          limiter=state.engine_jobs)
        state.demo_cache.put(key, answer)
    answer["meta"]["requestId"] = call.request_id
    answer["meta"]["demo"] = True
    log.info("%s demo %s -> 200 (no charge)", call.request_id, operation)
    return json_response(answer)


def _samples_dir() -> Path:
    from ...samples import sample_media_dir

    try:
        return sample_media_dir()
    except FileNotFoundError:
        raise EngineUnavailable("the sample project is not installed with this service",
                                allowed="a checkout with sample_media/") from None


_ON_SAMPLES = "sample inputs by name (defaults when empty)"


@router.post(
    "/demo/compose-otio", tags=["Demo"], summary="Demo: Compose OTIO on the sample project",
    description="For the interactive docs only (needs the docs page's token): the sample "
                "manifest composed for real, as JSON; no key, no credits.",
    responses=documented(DemoComposeResponse, "the operation's answer on the sample inputs, "
                         "`meta.demo: true`", DEMO_ERRORS),
    openapi_extra=json_body(DemoComposeRequest, required=False, description=_ON_SAMPLES))
async def demo_compose(request: Request, _caller: DemoCaller, state: State,
                       call: Call) -> Response:
    choice = await _choice(request, DemoComposeRequest)

    def run(request_id: str) -> dict[str, Any]:
        raw = json.loads((_samples_dir() / choice.manifest).read_bytes())
        raw.setdefault("output", {})["targetConsumer"] = choice.target_consumer
        raw["responseFormat"] = "json"
        manifest = parse_model(ComposeRequest, raw)
        result = state.engines.compose(manifest, tier=DEMO_TIER, request_id=request_id)
        data: dict[str, Any] = result.response.to_json_data()
        return data

    return await _answer(state, call, "compose-otio", choice, run)


@router.post(
    "/demo/describe-scenes", tags=["Demo"], summary="Demo: Describe Scenes on the sample images",
    description="For the interactive docs only (needs the docs page's token): sample images "
                "chosen by name, described for real; no key, no credits.",
    responses=documented(DemoDescribeResponse, "the operation's answer on the sample inputs, "
                         "`meta.demo: true`", DEMO_ERRORS),
    openapi_extra=json_body(DemoDescribeRequest, required=False, description=_ON_SAMPLES))
async def demo_describe(request: Request, _caller: DemoCaller, state: State,
                        call: Call) -> Response:
    choice = await _choice(request, DemoDescribeRequest)

    def run(request_id: str) -> dict[str, Any]:
        root = _samples_dir()
        images = [root / "scenes" / name for name in choice.images]
        meta = DescribeRequest(
            narration_text=((root / "narration.txt").read_text(encoding="utf-8").strip()
                            if choice.with_narration else None),
            scene_ids=demo_scene_ids(choice.images))
        return state.engines.describe(images, meta, tier=DEMO_TIER,
                                      request_id=request_id).to_json_data()

    return await _answer(state, call, "describe-scenes", choice, run)


@router.post(
    "/demo/scene-timestamps", tags=["Demo"],
    summary="Demo: Scene Timestamps on the sample narration",
    description="For the interactive docs only (needs the docs page's token): the sample "
                "narration and cues timed for real; no key, no credits.",
    responses=documented(DemoTimestampsResponse, "the operation's answer on the sample inputs, "
                         "`meta.demo: true`", DEMO_ERRORS),
    openapi_extra=json_body(DemoTimestampsRequest, required=False, description=_ON_SAMPLES))
async def demo_timestamps(request: Request, _caller: DemoCaller, state: State,
                          call: Call) -> Response:
    choice = await _choice(request, DemoTimestampsRequest)

    def run(request_id: str) -> dict[str, Any]:
        root = _samples_dir()
        meta = parse_model(TimestampsRequest, (root / choice.cues).read_bytes(),
                           prefix="metadata.")
        return state.engines.timestamps(root / choice.audio, meta, tier=DEMO_TIER,
                                        request_id=request_id).to_json_data()

    return await _answer(state, call, "scene-timestamps", choice, run)
