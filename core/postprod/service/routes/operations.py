"""The three production operations: parse the request, hand it to the priced path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ...contract.common import parse_model
from ...contract.compose import ComposeRequest, ComposeResponse
from ...contract.describe import DescribeRequest, DescribeResponse
from ...contract.errors import ValidationFailed
from ...contract.limits import limits_for
from ...contract.timestamps import TimestampsRequest, TimestampsResponse
from ..dependencies import (
    API_PREFIX,
    ApiKey,
    Call,
    KnownQuery,
    NoQuery,
    PriceCheck,
    State,
    content_length,
    enum_schema,
)
from ..openapi import json_body, multipart_body
from ..priced import PricedOperation, run_priced
from ..responses import OPERATION_ERRORS, PriceCheckResponse, documented, json_response
from ..uploads import (
    FileRule,
    MultipartUpload,
    check_content_type,
    read_bounded_body,
    read_multipart,
)

if TYPE_CHECKING:
    from ...compose.api import ComposeResult

OTIO_MEDIA_TYPE = "application/vnd.opentimelineio+json"

router = APIRouter(prefix=API_PREFIX, tags=["operations"])

ResponseFormat = Annotated[str | None, Query(
    alias="responseFormat", json_schema_extra=enum_schema("file", "json"),
    description="`file` (default): the .otio as a download; `json`: the JSON envelope. "
                "Overrides `responseFormat` in the body.")]


@router.post(
    "/compose-otio", summary="Compose OTIO",
    description="An explicit editorial plan in, an OpenTimelineIO timeline out (4 credits).",
    responses=documented(
        ComposeResponse | PriceCheckResponse,
        "the timeline: a .otio download (`file`) or JSON", OPERATION_ERRORS,
        ok_extra={"content": {OTIO_MEDIA_TYPE: {"schema": {
            "type": "object", "description": "an OpenTimelineIO timeline"}}},
            "headers": {"Content-Disposition": {
                "description": "`attachment; filename=\"<slug>.otio\"` for `file` responses",
                "required": False, "schema": {"type": "string"}}}}),
    openapi_extra=json_body(ComposeRequest, required=True,
                            description="the editorial manifest"))
async def compose_otio(request: Request, state: State, call: Call, key: ApiKey,
                       _query: Annotated[None, Depends(KnownQuery("responseFormat"))],
                       price_check: PriceCheck, response_format: ResponseFormat = None
                       ) -> Response:
    check_content_type(request.headers.get("content-type"), expected="application/json")
    body = await read_bounded_body(request.stream(), content_length=content_length(request),
                                   max_bytes=state.settings.max_json_bytes)
    manifest = parse_model(ComposeRequest, body)
    if response_format is not None:
        if response_format not in ("file", "json"):
            raise ValidationFailed(f"responseFormat must be file or json, not "
                                   f"{response_format!r}", field="responseFormat",
                                   allowed="file or json")
        manifest = manifest.model_copy(update={"response_format": response_format})
    engines, tier = state.engines, key.tier

    def respond(result: ComposeResult) -> Response:
        if manifest.response_format == "file":
            return Response(result.otio_json.encode("utf-8"), media_type=OTIO_MEDIA_TYPE,
                            headers={"Content-Disposition":
                                     f'attachment; filename="{result.file_name}"'})
        return json_response(result.response.to_json_data())

    return await run_priced(PricedOperation(
        name="compose-otio", quote=lambda: engines.quote_compose(manifest, tier=tier),
        run=lambda rid: engines.compose(manifest, tier=tier, request_id=rid),
        respond=respond, model_bound=False),
        state=state, call=call, key=key, price_check=price_check)


async def _upload(request: Request, state: State, rule: FileRule) -> MultipartUpload:
    return await read_multipart(
        chunks=request.stream(), content_type=request.headers.get("content-type"),
        content_length=content_length(request), rule=rule,
        text_parts={"metadata": state.settings.max_metadata_bytes},
        temp_root=state.settings.upload_dir)


def _as_json(result: DescribeResponse | TimestampsResponse) -> Response:
    return json_response(result.to_json_data())


@router.post(
    "/describe-scenes", summary="Describe Scenes",
    description="Ordered scene images in, one description per image out (5 credits for up to "
                "5 images, +1 per further image, +1 per extraDetail scene).",
    responses=documented(DescribeResponse | PriceCheckResponse, "one description per image",
                         OPERATION_ERRORS),
    openapi_extra=multipart_body(
        file_field="images",
        file_schema={"type": "array", "minItems": 1,
                     "items": {"type": "string", "format": "binary"},
                     "description": "the scene images in order (JPEG, PNG, WebP); the part "
                                    "may also be named `images[]`"},
        file_types="image/jpeg, image/png, image/webp", metadata_model=DescribeRequest,
        metadata_required=False,
        description="ordered scene images and an optional JSON `metadata` part"))
async def describe_scenes(request: Request, state: State, call: Call, key: ApiKey,
                          _query: NoQuery, price_check: PriceCheck) -> Response:
    lim = limits_for(key.tier)
    rule = FileRule(field="images", names=("images", "images[]"), indexed=True,
                    max_files=lim.describe_images, max_files_is_tier_limit=True,
                    max_total_bytes=lim.describe_total_bytes, tier=key.tier,
                    what="total bytes of all images")
    upload = await _upload(request, state, rule)
    try:
        if not upload.files:
            raise ValidationFailed("at least one image part is required", field="images",
                                   allowed="1 or more `images` file parts")
        raw = upload.texts.get("metadata")
        meta = parse_model(DescribeRequest, raw if raw and raw.strip() else {},
                           prefix="metadata.")
        images = [f.path for f in upload.files]
        engines, tier = state.engines, key.tier
        return await run_priced(PricedOperation(
            name="describe-scenes",
            quote=lambda: engines.quote_describe(images, meta, tier=tier),
            run=lambda rid: engines.describe(images, meta, tier=tier, request_id=rid),
            respond=_as_json, model_bound=True),
            state=state, call=call, key=key, price_check=price_check)
    finally:
        upload.cleanup()


@router.post(
    "/scene-timestamps", summary="Scene Timestamps",
    description="One narration audio file and ordered scene cues in; each scene's start and a "
                "90 % window for every cut out (6 credits + 3 per started 5 minutes of audio "
                "+ 1 per started 10 scenes beyond 10).",
    responses=documented(TimestampsResponse | PriceCheckResponse,
                         "scene starts and transition windows", OPERATION_ERRORS),
    openapi_extra=multipart_body(
        file_field="audio",
        file_schema={"type": "string", "format": "binary",
                     "description": "one narration file: WAV, FLAC, MP3, M4A/AAC, OGG/Opus"},
        file_types="audio/*", metadata_model=TimestampsRequest, metadata_required=True,
        description="one narration audio file and the JSON `metadata` part with the cues"))
async def scene_timestamps(request: Request, state: State, call: Call, key: ApiKey,
                           _query: NoQuery, price_check: PriceCheck) -> Response:
    lim = limits_for(key.tier)
    rule = FileRule(field="audio", names=("audio",), indexed=False, max_files=1,
                    max_files_is_tier_limit=False, max_total_bytes=lim.timestamps_audio_bytes,
                    tier=key.tier, what="audio file")
    upload = await _upload(request, state, rule)
    try:
        raw = upload.texts.get("metadata")
        if raw is None or not raw.strip():
            raise ValidationFailed("the metadata part is required", field="metadata",
                                   allowed="a JSON object with scenes[]")
        meta = parse_model(TimestampsRequest, raw, prefix="metadata.")
        if not upload.files:
            raise ValidationFailed("exactly one audio file part is required", field="audio",
                                   allowed="one `audio` file part")
        audio = upload.files[0].path
        engines, tier = state.engines, key.tier
        return await run_priced(PricedOperation(
            name="scene-timestamps",
            quote=lambda: engines.quote_timestamps(audio, meta, tier=tier),
            run=lambda rid: engines.timestamps(audio, meta, tier=tier, request_id=rid),
            respond=_as_json, model_bound=True),
            state=state, call=call, key=key, price_check=price_check)
    finally:
        upload.cleanup()
