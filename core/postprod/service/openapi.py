"""The OpenAPI 3.1 document of the service, generated from the contract's pydantic models.

The endpoints read their bodies themselves (to stream uploads under the tier's limits), so the
request bodies, parameters and responses are documented here from the same models that
validate them.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ..contract.compose import ComposeRequest, ComposeResponse
from ..contract.describe import DescribeRequest, DescribeResponse
from ..contract.errors import ErrorEnvelope
from ..contract.timestamps import TimestampsRequest, TimestampsResponse
from .demo import (
    DEMO_TOKEN_HEADER,
    DemoComposeRequest,
    DemoDescribeRequest,
    DemoTimestampsRequest,
)

REF = "#/components/schemas/{model}"


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


class HealthData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str
    operations: dict[str, str]


class HealthResponse(BaseModel):
    """`GET /health`: whether the service runs and each operation's readiness."""

    model_config = ConfigDict(extra="forbid")

    data: HealthData
    meta: RequestMeta


_MODELS: list[tuple[type[BaseModel], JsonSchemaMode]] = [
    (ComposeRequest, "validation"), (DescribeRequest, "validation"),
    (TimestampsRequest, "validation"), (ComposeResponse, "serialization"),
    (DescribeResponse, "serialization"), (TimestampsResponse, "serialization"),
    (ErrorEnvelope, "serialization"), (PriceCheckResponse, "serialization"),
    (HealthResponse, "serialization"), (DemoComposeRequest, "validation"),
    (DemoDescribeRequest, "validation"), (DemoTimestampsRequest, "validation"),
]

_TRACKING_HEADERS = {
    "X-Request-Id": {"description": "this request's id (`req_` + 26 Crockford base32 chars)",
                     "required": True,
                     "schema": {"type": "string", "pattern": "^req_[0-9A-HJKMNP-TV-Z]{26}$"}},
    "X-Credits-Used": {"description": "credits this request used (0 on errors, price checks)",
                       "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "X-Credits-Remaining": {"description": "the key's balance after this request",
                            "required": True, "schema": {"type": "string",
                                                         "pattern": "^[0-9]+$"}},
}

_ERRORS = {
    "400": "INVALID_JSON or VALIDATION_ERROR",
    "401": "API_KEY_REQUIRED, INVALID_API_KEY or API_KEY_EXPIRED",
    "402": "INSUFFICIENT_CREDITS",
    "403": "TIER_FEATURE_NOT_AVAILABLE",
    "404": "NOT_FOUND",
    "405": "METHOD_NOT_ALLOWED",
    "413": "PAYLOAD_TOO_LARGE",
    "415": "UNSUPPORTED_MEDIA_TYPE",
    "422": "TIER_LIMIT_EXCEEDED or a rule of the operation",
    "429": "RATE_LIMITED (with Retry-After)",
    "500": "INTERNAL_ERROR",
    "503": "ENGINE_UNAVAILABLE",
}

_PRICE_CHECK_PARAM = {
    "name": "X-Price-Check", "in": "header", "required": False,
    "description": "`true`: validate (limits included) and say what the request would cost; "
                   "no engine runs and nothing is charged",
    "schema": {"type": "string", "enum": ["true", "false"]},
}


def _error_responses() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, codes in _ERRORS.items():
        headers: dict[str, Any] = dict(_TRACKING_HEADERS)
        if status == "429":
            headers["Retry-After"] = {"description": "seconds until a request is admitted",
                                      "required": True,
                                      "schema": {"type": "string", "pattern": "^[0-9]+$"}}
        out[status] = {"description": codes, "headers": headers,
                       "content": {"application/json": {
                           "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    return out


def _json_ok(model: str, description: str) -> dict[str, Any]:
    return {"description": description, "headers": dict(_TRACKING_HEADERS),
            "content": {"application/json": {"schema": {"oneOf": [
                {"$ref": f"#/components/schemas/{model}"},
                {"$ref": "#/components/schemas/PriceCheckResponse"}]}}}}


def _multipart(*, file_field: str, file_schema: dict[str, Any], file_types: str,
               metadata_model: str, metadata_required: bool, description: str
               ) -> dict[str, Any]:
    required = [file_field] + (["metadata"] if metadata_required else [])
    return {
        "required": True,
        "description": description,
        "content": {"multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    file_field: file_schema,
                    "metadata": {"$ref": f"#/components/schemas/{metadata_model}"},
                },
                "required": required,
                "additionalProperties": False,
            },
            "encoding": {file_field: {"contentType": file_types},
                         "metadata": {"contentType": "application/json"}},
        }},
    }


_DEMO_ERRORS = {
    "400": "INVALID_JSON or VALIDATION_ERROR (a sample name that is not offered)",
    "403": "DEMO_TOKEN_REQUIRED: no, a forged or an expired docs-page token",
    "404": "NOT_FOUND",
    "405": "METHOD_NOT_ALLOWED",
    "413": "PAYLOAD_TOO_LARGE",
    "415": "UNSUPPORTED_MEDIA_TYPE",
    "422": "a rule of the operation",
    "429": "RATE_LIMITED: the client's demo calls per minute (with Retry-After)",
    "500": "INTERNAL_ERROR",
    "503": "ENGINE_UNAVAILABLE",
}


def _demo_response_schema(schemas: dict[str, Any], model: str) -> str:
    """``Demo<model>``: the operation's response with `meta.demo: true` added."""
    meta_name = schemas[model]["properties"]["meta"]["$ref"].rsplit("/", 1)[1]
    meta = copy.deepcopy(schemas[meta_name])
    meta["title"] = "Demo" + meta_name
    meta["properties"]["demo"] = {"type": "boolean", "const": True,
                                  "description": "a demo answer: nothing was charged"}
    meta["required"] = [*meta.get("required", []), "demo"]
    schemas["Demo" + meta_name] = meta
    response = copy.deepcopy(schemas[model])
    response["title"] = "Demo" + model
    response["properties"]["meta"] = {"$ref": REF.format(model="Demo" + meta_name)}
    schemas["Demo" + model] = response
    return "Demo" + model


def _demo_operation(op: dict[str, Any], *, request_model: str, response_model: str,
                    schemas: dict[str, Any], errors: dict[str, Any]) -> None:
    op["security"] = [{"DemoToken": []}]
    op["parameters"] = []
    op["requestBody"] = {"required": False,
                         "description": "sample inputs by name (defaults when empty)",
                         "content": {"application/json": {
                             "schema": {"$ref": REF.format(model=request_model)}}}}
    name = _demo_response_schema(schemas, response_model)
    ok = {"description": "the operation's answer on the sample inputs, `meta.demo: true`",
          "headers": dict(_TRACKING_HEADERS),
          "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}}}
    demo_errors = {}
    for status, codes in _DEMO_ERRORS.items():
        demo_errors[status] = {**errors[status], "description": codes}
    demo_errors["403"] = {**errors["403"], "description": _DEMO_ERRORS["403"]}
    op["responses"] = {"200": ok, **demo_errors}


def contract_openapi(base: dict[str, Any], *, prefix: str) -> dict[str, Any]:
    """Complete FastAPI's generated document with the contract's bodies and responses.

    Args:
        base: the document FastAPI generated from the routes (paths, tags, info).
        prefix: the API prefix, ``/postproduction/v1``.
    """
    doc = dict(base)
    doc["openapi"] = "3.1.0"
    _, defs = models_json_schema(_MODELS, ref_template=REF)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(defs.get("$defs", {}))
    components["securitySchemes"] = {"ApiKey": {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "a key made by `postprod keys create` (stored hashed in the ledger)"},
        "DemoToken": {
            "type": "apiKey", "in": "header", "name": DEMO_TOKEN_HEADER,
            "description": "the demo endpoints only: a short-lived token that the docs page "
                           "(`/docs`) issues and sends itself; direct callers get 403"}}

    paths = doc.setdefault("paths", {})
    errors = _error_responses()

    compose = paths[f"{prefix}/compose-otio"]["post"]
    compose["security"] = [{"ApiKey": []}]
    compose["parameters"] = [
        {"name": "responseFormat", "in": "query", "required": False,
         "description": "`file` (default): the .otio as a download; `json`: the JSON "
                        "envelope. Overrides `responseFormat` in the body.",
         "schema": {"type": "string", "enum": ["file", "json"]}},
        _PRICE_CHECK_PARAM]
    compose["requestBody"] = {"required": True, "description": "the editorial manifest",
                              "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/ComposeRequest"}}}}
    ok = _json_ok("ComposeResponse", "the timeline: a .otio download (`file`) or JSON")
    ok["content"]["application/vnd.opentimelineio+json"] = {
        "schema": {"type": "object", "description": "an OpenTimelineIO timeline"}}
    ok["headers"] = {**ok["headers"], "Content-Disposition": {
        "description": "`attachment; filename=\"<slug>.otio\"` for `file` responses",
        "required": False, "schema": {"type": "string"}}}
    compose["responses"] = {"200": ok, **errors}

    describe = paths[f"{prefix}/describe-scenes"]["post"]
    describe["security"] = [{"ApiKey": []}]
    describe["parameters"] = [_PRICE_CHECK_PARAM]
    describe["requestBody"] = _multipart(
        file_field="images",
        file_schema={"type": "array", "minItems": 1,
                     "items": {"type": "string", "format": "binary"},
                     "description": "the scene images in order (JPEG, PNG, WebP); the part "
                                    "may also be named `images[]`"},
        file_types="image/jpeg, image/png, image/webp", metadata_model="DescribeRequest",
        metadata_required=False,
        description="ordered scene images and an optional JSON `metadata` part")
    describe["responses"] = {"200": _json_ok("DescribeResponse", "one description per image"),
                             **errors}

    stamps = paths[f"{prefix}/scene-timestamps"]["post"]
    stamps["security"] = [{"ApiKey": []}]
    stamps["parameters"] = [_PRICE_CHECK_PARAM]
    stamps["requestBody"] = _multipart(
        file_field="audio",
        file_schema={"type": "string", "format": "binary",
                     "description": "one narration file: WAV, FLAC, MP3, M4A/AAC, OGG/Opus"},
        file_types="audio/*", metadata_model="TimestampsRequest", metadata_required=True,
        description="one narration audio file and the JSON `metadata` part with the cues")
    stamps["responses"] = {"200": _json_ok("TimestampsResponse",
                                           "scene starts and transition windows"),
                           **errors}

    health = paths[f"{prefix}/health"]["get"]
    health["responses"] = {
        "200": {"description": "the service runs; readiness per operation",
                "headers": dict(_TRACKING_HEADERS),
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/HealthResponse"}}}},
        "500": errors["500"]}

    for path, request_model, response_model in (
            ("compose-otio", "DemoComposeRequest", "ComposeResponse"),
            ("describe-scenes", "DemoDescribeRequest", "DescribeResponse"),
            ("scene-timestamps", "DemoTimestampsRequest", "TimestampsResponse")):
        _demo_operation(paths[f"{prefix}/demo/{path}"]["post"], request_model=request_model,
                        response_model=response_model, schemas=schemas, errors=errors)
    doc["tags"] = [
        {"name": "operations", "description": "The production operations: an `X-API-Key`, "
                                              "credits charged on success."},
        {"name": "service", "description": "Health and readiness."},
        {"name": "Demo", "description": "Try the operations on the shipped sample project from "
                                        "this page: no key, no credits, a few calls a minute. "
                                        "Only this page's own token is accepted."}]
    return doc
