"""Real answers of a running server validate against the response schemas of the document it
serves: the schemas come from the same models that build the answers (health, price checks,
the operations' JSON, the error envelope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest

from postprod.service.ledger import CreatedKey
from postprod.service.runner import ServiceProcess

pytestmark = pytest.mark.server

API = "/postproduction/v1"


@pytest.fixture(scope="module")
def document(server: ServiceProcess) -> dict[str, Any]:
    doc: dict[str, Any] = httpx.get(f"{server.base_url}{API}/openapi.json").json()
    return doc


def check(doc: dict[str, Any], path: str, method: str, r: httpx.Response) -> dict[str, Any]:
    """``r`` against the schema the document declares for its path, method and status."""
    declared: dict[str, Any] = doc["paths"][path][method]["responses"][str(r.status_code)]
    schema = {**declared["content"]["application/json"]["schema"],
              "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(r.json())
    for name, header in declared["headers"].items():
        if header.get("required"):
            jsonschema.validate(r.headers[name], header["schema"])
    return declared


def test_health_answer_matches_its_schema(client: httpx.Client, document: dict[str, Any]
                                          ) -> None:
    r = client.get(f"{API}/health")
    assert r.status_code == 200
    declared = check(document, f"{API}/health", "get", r)
    assert declared["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HealthResponse"}


def test_price_check_answer_and_json_result_match_their_schema(
        client: httpx.Client, make_key: Callable[..., CreatedKey], compose_manifest: bytes,
        document: dict[str, Any]) -> None:
    key = make_key("premium", 10).api_key
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    priced = client.post(f"{API}/compose-otio", content=compose_manifest,
                         headers={**headers, "X-Price-Check": "true"})
    assert priced.status_code == 200 and priced.json()["data"] == {
        "cost": 4, "balance": 10, "sufficient": True}
    declared = check(document, f"{API}/compose-otio", "post", priced)
    refs = declared["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/PriceCheckResponse"} in refs
    # The price check is not a ComposeResponse: only its own branch accepts it.
    compose_only = {"$ref": "#/components/schemas/ComposeResponse",
                    "components": document["components"]}
    assert not jsonschema.Draft202012Validator(compose_only).is_valid(priced.json())
    result = client.post(f"{API}/compose-otio", content=compose_manifest, headers=headers,
                         params={"responseFormat": "json"})
    assert result.status_code == 200
    check(document, f"{API}/compose-otio", "post", result)


def test_error_answers_match_the_envelope_schema(client: httpx.Client, compose_manifest: bytes,
                                                 document: dict[str, Any]) -> None:
    r = client.post(f"{API}/compose-otio", content=compose_manifest,
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    check(document, f"{API}/compose-otio", "post", r)
    r = client.get(f"{API}/health", params={"verbose": "1"})
    assert r.status_code == 400
    check(document, f"{API}/health", "get", r)
