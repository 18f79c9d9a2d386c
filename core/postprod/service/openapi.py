"""The OpenAPI 3.1 document: FastAPI generates it from the routes (their response models,
dependencies and parameters); this module adds what FastAPI cannot see.

The operations read their bodies themselves (to stream uploads under the tier's limits), so
each route declares its request body with `json_body` / `multipart_body`, and the request
models those name are added to the document's schemas here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..contract.compose import ComposeRequest
from ..contract.describe import DescribeRequest
from ..contract.timestamps import TimestampsRequest
from .demo import DemoComposeRequest, DemoDescribeRequest, DemoTimestampsRequest

REF = "#/components/schemas/{model}"

REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    ComposeRequest, DescribeRequest, TimestampsRequest,
    DemoComposeRequest, DemoDescribeRequest, DemoTimestampsRequest)
"""The bodies the routes read themselves; each must be listed here to be in the document."""


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to ``model``'s schema in the document."""
    if model not in REQUEST_MODELS:
        raise ValueError(f"{model.__name__} is not in REQUEST_MODELS")
    return {"$ref": REF.format(model=model.__name__)}


def json_body(model: type[BaseModel], *, required: bool, description: str) -> dict[str, Any]:
    """``openapi_extra`` of a route whose JSON body is ``model``."""
    return {"requestBody": {"required": required, "description": description,
                            "content": {"application/json": {"schema": schema_ref(model)}}}}


def multipart_body(*, file_field: str, file_schema: dict[str, Any], file_types: str,
                   metadata_model: type[BaseModel], metadata_required: bool,
                   description: str) -> dict[str, Any]:
    """``openapi_extra`` of a multipart route: one file field and a JSON ``metadata`` part."""
    required = [file_field] + (["metadata"] if metadata_required else [])
    return {"requestBody": {
        "required": True,
        "description": description,
        "content": {"multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {file_field: file_schema, "metadata": schema_ref(metadata_model)},
                "required": required,
                "additionalProperties": False,
            },
            "encoding": {file_field: {"contentType": file_types},
                         "metadata": {"contentType": "application/json"}},
        }},
    }}


class ServiceApp(FastAPI):
    """FastAPI whose document also holds the schemas of the bodies the routes read."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            doc = super().openapi()
            _, defs = models_json_schema([(m, "validation") for m in REQUEST_MODELS],
                                         ref_template=REF)
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                if name in schemas and schemas[name] != schema:
                    raise RuntimeError(f"two different schemas are named {name}")
                schemas[name] = schema
            self.openapi_schema = doc
        return self.openapi_schema
