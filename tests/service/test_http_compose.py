"""Compose OTIO, keys, credits, price checks, rate limits and error envelopes over real HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from postprod.compose import compose_otio

pytestmark = pytest.mark.server

API = "/postproduction/v1"
COMPOSE = f"{API}/compose-otio"
JSON_CT = {"Content-Type": "application/json"}


def post_compose(client: httpx.Client, key: str | None, body: bytes, *, params=None,
                 headers=None) -> httpx.Response:
    h = {**JSON_CT, **({"X-API-Key": key} if key else {}), **(headers or {})}
    return client.post(COMPOSE, content=body, headers=h, params=params)


def test_health_needs_no_key_and_charges_nothing(client, tracking) -> None:
    r = client.get(f"{API}/health")
    assert r.status_code == 200
    rid = tracking(r, used=0, remaining=0)
    body = r.json()
    assert body["meta"]["requestId"] == rid
    assert body["data"]["status"] == "ok"
    assert set(body["data"]["operations"]) == {"compose-otio", "describe-scenes",
                                               "scene-timestamps"}


def test_compose_file_download(client, make_key, ledger, compose_manifest, tracking) -> None:
    k = make_key("premium", 10)
    r = post_compose(client, k.api_key, compose_manifest)
    assert r.status_code == 200, r.text
    tracking(r, used=4, remaining=6)
    assert r.headers["content-type"] == "application/vnd.opentimelineio+json"
    assert r.headers["content-disposition"] == 'attachment; filename="home-from-orbit.otio"'
    # The service adds nothing to the library's output: byte-identical .otio.
    assert r.content == compose_otio(compose_manifest, tier="premium").otio_json.encode()
    assert ledger.balance(k.info.key_id) == 6
    [charge] = ledger.charges(k.info.key_id)
    assert charge["requestId"] == r.headers["x-request-id"] and charge["credits"] == 4


def test_compose_json_by_query_parameter(client, make_key, compose_manifest, tracking) -> None:
    k = make_key("enterprise", 100)
    r = post_compose(client, k.api_key, compose_manifest, params={"responseFormat": "json"})
    assert r.status_code == 200, r.text
    rid = tracking(r, used=4, remaining=96)
    body = r.json()
    assert body["meta"] == {"requestId": rid, "responseFormat": "json",
                            "targetConsumer": "generic"}
    assert body["data"]["fileName"] == "home-from-orbit.otio"
    assert body["data"]["otio"]["OTIO_SCHEMA"].startswith("Timeline")
    assert body["data"]["summary"]["videoClips"] == 6


def test_compose_json_in_body_and_query_override(client, make_key, compose_manifest) -> None:
    k = make_key("enterprise", 100)
    manifest = json.loads(compose_manifest)
    manifest["responseFormat"] = "json"
    r = post_compose(client, k.api_key, json.dumps(manifest).encode())
    assert r.headers["content-type"].startswith("application/json")
    r = post_compose(client, k.api_key, json.dumps(manifest).encode(),
                     params={"responseFormat": "file"})
    assert r.headers["content-type"] == "application/vnd.opentimelineio+json"


def test_price_check_validates_and_charges_nothing(client, make_key, ledger, compose_manifest,
                                                   tracking, envelope) -> None:
    k = make_key("premium", 3)
    r = post_compose(client, k.api_key, compose_manifest, headers={"X-Price-Check": "true"})
    assert r.status_code == 200
    rid = tracking(r, used=0, remaining=3)
    assert r.json() == {"data": {"cost": 4, "balance": 3, "sufficient": False},
                        "meta": {"requestId": rid}}
    bad = json.loads(compose_manifest)
    bad["intent"]["sequence"][5]["trim"]["outSec"] = 60.0  # the clip is 6 s long
    r = post_compose(client, k.api_key, json.dumps(bad).encode(),
                     headers={"X-Price-Check": "true"})
    envelope(r, status=422, code="TRIM_OUT_OF_RANGE", field="intent.sequence[5].trim.outSec")
    assert ledger.balance(k.info.key_id) == 3 and ledger.charges(k.info.key_id) == []


def test_insufficient_credits_names_cost_and_balance(client, make_key, ledger,
                                                     compose_manifest, envelope,
                                                     tracking) -> None:
    k = make_key("premium", 3)
    r = post_compose(client, k.api_key, compose_manifest)
    body = envelope(r, status=402, code="INSUFFICIENT_CREDITS")
    tracking(r, used=0, remaining=3)
    assert "4" in body["error"]["allowed"] and "3" in body["error"]["allowed"]
    assert ledger.balance(k.info.key_id) == 3


def test_failed_request_is_not_charged(client, make_key, ledger, compose_manifest,
                                       envelope, tracking) -> None:
    k = make_key("premium", 40)
    bad = json.loads(compose_manifest)
    bad["intent"]["sequence"][0]["itemId"] = "no-such-item"
    bad["project"]["fsp"] = 25
    r = post_compose(client, k.api_key, json.dumps(bad).encode())
    body = envelope(r, status=400, code="VALIDATION_ERROR", field="project.fsp")
    tracking(r, used=0, remaining=40)
    assert "allowed" in body["error"]
    r = post_compose(client, k.api_key, b'{"project": ')
    envelope(r, status=400, code="INVALID_JSON")
    del bad["project"]["fsp"]
    r = post_compose(client, k.api_key, json.dumps(bad).encode())
    envelope(r, status=422, code="UNKNOWN_ITEM_REFERENCE", field="intent.sequence[0].itemId")
    assert ledger.balance(k.info.key_id) == 40


def test_free_tier_limits_on_compose(client, make_key, compose_manifest, envelope) -> None:
    k = make_key("free", 100)
    long_cut = json.loads(compose_manifest)
    long_cut["intent"]["sequence"][0]["durationSec"] = 400.0
    r = post_compose(client, k.api_key, json.dumps(long_cut).encode())
    body = envelope(r, status=422, code="TIER_LIMIT_EXCEEDED")
    assert "free" in body["error"]["allowed"]


def test_keys_missing_unknown_expired_revoked(client, make_key, ledger, compose_manifest,
                                              envelope, tracking) -> None:
    r = post_compose(client, None, compose_manifest)
    envelope(r, status=401, code="API_KEY_REQUIRED")
    tracking(r, used=0, remaining=0)
    r = post_compose(client, "pp_live_unknown", compose_manifest)
    envelope(r, status=401, code="INVALID_API_KEY")
    expired = ledger.create_key(tier="premium", credits=50, expires_at_ms=1_000)
    r = post_compose(client, expired.api_key, compose_manifest)
    envelope(r, status=401, code="API_KEY_EXPIRED")
    revoked = make_key("premium", 50)
    assert post_compose(client, revoked.api_key, compose_manifest).status_code == 200
    ledger.revoke(revoked.info.key_id)
    r = post_compose(client, revoked.api_key, compose_manifest)
    envelope(r, status=401, code="INVALID_API_KEY")
    assert ledger.balance(revoked.info.key_id) == 46


def test_free_rate_limit_with_retry_after(client, make_key, ledger, compose_manifest,
                                          envelope, tracking) -> None:
    k = make_key("free", 100)
    assert post_compose(client, k.api_key, compose_manifest).status_code == 200
    # A price check is a request too (it uploads and validates): it counts.
    r = post_compose(client, k.api_key, compose_manifest, headers={"X-Price-Check": "true"})
    assert r.status_code == 200
    r = post_compose(client, k.api_key, compose_manifest)
    body = envelope(r, status=429, code="RATE_LIMITED")
    tracking(r, used=0, remaining=96)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert "2 requests per minute" in body["error"]["allowed"]
    assert ledger.balance(k.info.key_id) == 96
    # Paid keys have no quota by default.
    p = make_key("premium", 100)
    for _ in range(4):
        assert post_compose(client, p.api_key, compose_manifest).status_code == 200


def test_transport_errors_in_the_envelope(client, make_key, compose_manifest,
                                          envelope) -> None:
    k = make_key("premium", 100)
    envelope(client.get(f"{API}/no-such-thing"), status=404, code="NOT_FOUND")
    envelope(client.get("/"), status=404, code="NOT_FOUND")
    r = client.get(COMPOSE, headers={"X-API-Key": k.api_key})
    envelope(r, status=405, code="METHOD_NOT_ALLOWED")
    assert "POST" in r.headers["allow"]
    envelope(client.delete(f"{API}/health"), status=405, code="METHOD_NOT_ALLOWED")
    r = client.post(COMPOSE, content=compose_manifest,
                    headers={"X-API-Key": k.api_key, "Content-Type": "text/plain"})
    envelope(r, status=415, code="UNSUPPORTED_MEDIA_TYPE", field="Content-Type")
    r = post_compose(client, k.api_key, compose_manifest, params={"responseFormat": "xml"})
    envelope(r, status=400, code="VALIDATION_ERROR", field="responseFormat")
    r = post_compose(client, k.api_key, compose_manifest, params={"respnseFormat": "json"})
    envelope(r, status=400, code="VALIDATION_ERROR", field="respnseFormat")
    r = post_compose(client, k.api_key, compose_manifest, headers={"X-Price-Check": "maybe"})
    envelope(r, status=400, code="VALIDATION_ERROR", field="X-Price-Check")
    r = post_compose(client, k.api_key, b"[" * 5_000_001)
    envelope(r, status=413, code="PAYLOAD_TOO_LARGE")


def test_openapi_document_and_docs_page(client) -> None:
    doc = client.get(f"{API}/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    body = doc["paths"][COMPOSE]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ComposeRequest"}
    schemas = doc["components"]["schemas"]
    assert "intent" in schemas["ComposeRequest"]["properties"]
    assert schemas["ComposeRequest"]["additionalProperties"] is False
    ts = doc["paths"][f"{API}/scene-timestamps"]["post"]["requestBody"]["content"]
    assert ts["multipart/form-data"]["schema"]["required"] == ["audio", "metadata"]
    assert doc["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()


def test_fifty_concurrent_requests_on_credits_for_ten(server, make_key, ledger,
                                                      compose_manifest) -> None:
    k = make_key("enterprise", 40)

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=120.0,
                                     limits=limits) as ac:
            return await asyncio.gather(*(
                ac.post(COMPOSE, content=compose_manifest,
                        headers={**JSON_CT, "X-API-Key": k.api_key}) for _ in range(50)))

    responses = asyncio.run(fire())
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 10 and codes.count(402) == 40, codes
    assert ledger.balance(k.info.key_id) == 0
    charges = ledger.charges(k.info.key_id)
    assert len(charges) == 10
    ok_ids = {r.headers["x-request-id"] for r in responses if r.status_code == 200}
    assert {c["requestId"] for c in charges} == ok_ids
    assert sorted(int(r.headers["x-credits-remaining"]) for r in responses
                  if r.status_code == 200) == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]
    assert len({r.headers["x-request-id"] for r in responses}) == 50
