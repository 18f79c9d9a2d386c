"""Schemathesis against the served OpenAPI document: no 5xx, every 4xx in the envelope.

Every operation is fuzzed, the docs page's demo endpoints included (with the token the page
issues, and a client quota high enough for the run). `POSTPROD_FUZZ_EXAMPLES` sets the cases
per operation and mode (30 by default; CI keeps the default); the demo operations that run a
model take `POSTPROD_FUZZ_DEMO_EXAMPLES` (default 8 at most: each distinct sample choice runs
the model once).

Cases come from the document the server serves (positive and negative data for every
operation); Schemathesis' own checks validate each response against the document too, except
`positive_data_acceptance`: a schema-valid request may still break a rule of the operation
(an unknown item id, bytes that are not an image), and the contract answers that with 4xx.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

pytestmark = pytest.mark.server

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
API = "/postproduction/v1"
CASES = [(method, path, mode)
         for method, path in [("POST", f"{API}/compose-otio"),
                              ("POST", f"{API}/describe-scenes"),
                              ("POST", f"{API}/scene-timestamps"), ("GET", f"{API}/health"),
                              ("POST", f"{API}/demo/compose-otio"),
                              ("POST", f"{API}/demo/describe-scenes"),
                              ("POST", f"{API}/demo/scene-timestamps")]
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         # health takes no input at all: there is nothing to make negative
         if not (path.endswith("/health") and mode is GenerationMode.NEGATIVE)]
EXAMPLES = int(os.environ.get("POSTPROD_FUZZ_EXAMPLES", "30"))
DEMO_MODEL_EXAMPLES = int(os.environ.get("POSTPROD_FUZZ_DEMO_EXAMPLES", str(min(EXAMPLES, 8))))
FIVE_KEYS = {"code", "message", "field", "allowed", "details"}
RANDOM = bool(os.environ.get("POSTPROD_FUZZ_RANDOM"))  # CI runs the same cases every time


@pytest.fixture(scope="module")
def server(db_url, ledger, tmp_path_factory):
    """The module's service, with a demo quota the run cannot use up."""
    settings = ServiceSettings(db_url=db_url, whisper_model="tiny.en", warm_up=False,
                               demo_per_minute=1_000_000,
                               upload_dir=str(tmp_path_factory.mktemp("uploads")))
    with ServiceProcess(settings, log_path=tmp_path_factory.mktemp("log") / "fuzz.log") as sp:
        yield sp


@pytest.fixture(scope="module")
def demo_token(server) -> str:
    page = httpx.get(f"{server.base_url}{API}/docs").text
    found = re.search(r'const demoToken = "([^"]+)"', page)
    assert found
    return found.group(1)


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
        assert set(body["error"]) == FIVE_KEYS, body
        assert body["error"]["code"] and body["error"]["message"], body
        assert isinstance(body["error"]["details"], list)
        assert body["meta"]["requestId"] == response.headers["x-request-id"][0]
        assert response.headers["x-credits-used"][0] == "0"


@pytest.mark.parametrize(("method", "path", "mode"), CASES,
                         ids=[f"{p.rsplit('/', 1)[1]}-{m.value}" for _, p, m in CASES])
def test_served_schema(api_schema, fuzz_key, demo_token, method, path, mode) -> None:
    operation = api_schema[path][method]
    statuses: list[int] = []
    demo = "/demo/" in path
    examples = (DEMO_MODEL_EXAMPLES if demo and not path.endswith("/compose-otio")
                else EXAMPLES)
    # Negative demo cases keep the token: what is fuzzed is the body, not the page's token
    # (a missing or wrong token is a 403, checked in test_demo.py).
    headers = {"X-Demo-Token": demo_token} if demo else {"X-API-Key": fuzz_key}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(headers=headers, timeout=180)
        statuses.append(response.status_code)
        check_envelope(response)
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    run()
    print(f"\n{method} {path} {mode.value}: {len(statuses)} calls, statuses "
          f"{dict(sorted(Counter(statuses).items()))}")
    assert statuses
