"""Schemathesis against the served OpenAPI document: no 5xx, every 4xx in the envelope.

Cases come from the document the server serves (positive and negative data for every
operation); Schemathesis' own checks validate each response against the document too, except
`positive_data_acceptance`: a schema-valid request may still break a rule of the operation
(an unknown item id, bytes that are not an image), and the contract answers that with 4xx.
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.server

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
API = "/postproduction/v1"
CASES = [(method, path, mode)
         for method, path in [("POST", f"{API}/compose-otio"),
                              ("POST", f"{API}/describe-scenes"),
                              ("POST", f"{API}/scene-timestamps"), ("GET", f"{API}/health")]
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         # health takes no input at all: there is nothing to make negative
         if not (path.endswith("/health") and mode is GenerationMode.NEGATIVE)]
EXAMPLES = int(os.environ.get("POSTPROD_FUZZ_EXAMPLES", "30"))
RANDOM = bool(os.environ.get("POSTPROD_FUZZ_RANDOM"))  # CI runs the same cases every time


@pytest.fixture(scope="module")
def fuzz_key(make_key) -> str:
    return make_key("enterprise", 10_000_000).api_key


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.base_url}{API}/openapi.json")


def check_envelope(response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    assert REQUEST_ID.match(response.headers["x-request-id"][0]), response.headers
    assert response.headers["x-credits-used"][0].isdigit()
    assert response.headers["x-credits-remaining"][0].isdigit()
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "meta"}, body
        assert body["error"]["code"] and body["error"]["message"], body
        assert isinstance(body["error"]["details"], list)
        assert body["meta"]["requestId"] == response.headers["x-request-id"][0]
        assert response.headers["x-credits-used"][0] == "0"


@pytest.mark.parametrize(("method", "path", "mode"), CASES,
                         ids=[f"{p.rsplit('/', 1)[1]}-{m.value}" for _, p, m in CASES])
def test_served_schema(api_schema, fuzz_key, method, path, mode) -> None:
    operation = api_schema[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(headers={"X-API-Key": fuzz_key})
        statuses.append(response.status_code)
        check_envelope(response)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    run()
    assert statuses
