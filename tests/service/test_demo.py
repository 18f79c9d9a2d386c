"""The docs page's demo endpoints: token, client quota, sample names, `meta.demo: true`."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from postprod.contract.errors import RateLimited
from postprod.service.demo import (
    ClientRateLimiter,
    DemoTokenRequired,
    check_token,
    issue_token,
)
from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

API = "/postproduction/v1"
SECRET = "a" * 64


def test_tokens_are_signed_and_short_lived() -> None:
    now = 1_800_000_000.0
    token = issue_token(secret=SECRET, ttl_s=900, now=now)
    check_token(token, secret=SECRET, ttl_s=900, now=now + 899)
    for bad, when in ((None, now), ("", now), (token, now + 901),
                      (issue_token(secret="b" * 64, ttl_s=900, now=now), now),
                      (token.replace("d1.", "d1.9", 1), now),
                      (issue_token(secret=SECRET, ttl_s=90_000, now=now), now)):
        with pytest.raises(DemoTokenRequired) as err:
            check_token(bad, secret=SECRET, ttl_s=900, now=when)
        assert err.value.http_status == 403 and err.value.field == "X-Demo-Token"


def test_client_rate_limiter_counts_a_sliding_minute_per_client() -> None:
    limiter = ClientRateLimiter(per_minute=3, max_clients=2)
    for t in (0.0, 1.0, 2.0):
        limiter.admit("10.0.0.1", now=t)
    limiter.admit("10.0.0.2", now=2.0)  # another client has its own quota
    with pytest.raises(RateLimited) as err:
        limiter.admit("10.0.0.1", now=30.0)
    assert err.value.retry_after_s == 30
    limiter.admit("10.0.0.1", now=60.5)  # the first call left the window
    for i in range(10):  # many clients: the remembered ones stay bounded
        limiter.admit(f"10.1.0.{i}", now=200.0 + i)
    assert len(limiter._calls) <= 2


@pytest.fixture(scope="module")
def demo_server(db_url, tmp_path_factory) -> ServiceProcess:
    settings = ServiceSettings(db_url=db_url, warm_up=False, whisper_model="tiny.en",
                               demo_per_minute=4,
                               upload_dir=str(tmp_path_factory.mktemp("uploads")))
    with ServiceProcess(settings, log_path=tmp_path_factory.mktemp("log") / "demo.log") as sp:
        yield sp


def docs_token(base_url: str) -> str:
    page = httpx.get(f"{base_url}{API}/docs")
    assert page.status_code == 200
    found = re.search(r'const demoToken = "([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_docs_page_loads_only_local_assets(demo_server) -> None:
    page = httpx.get(f"{demo_server.base_url}{API}/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith(f"{API}/docs-assets/") for u in urls), urls
    for url in urls:
        asset = httpx.get(demo_server.base_url + url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url


def test_demo_without_a_valid_token_is_403(demo_server, envelope) -> None:
    forged = issue_token(secret=SECRET, ttl_s=900)
    for headers in ({}, {"X-Demo-Token": "nope"}, {"X-Demo-Token": forged}):
        for op in ("compose-otio", "describe-scenes", "scene-timestamps"):
            r = httpx.post(f"{demo_server.base_url}{API}/demo/{op}", json={}, headers=headers)
            body = envelope(r, status=403, code="DEMO_TOKEN_REQUIRED", field="X-Demo-Token")
            assert "docs" in body["error"]["allowed"]


def test_demo_compose_runs_free_and_is_rate_limited(demo_server, envelope, tracking) -> None:
    token = docs_token(demo_server.base_url)
    url = f"{demo_server.base_url}{API}/demo/compose-otio"
    headers = {"X-Demo-Token": token}
    r = httpx.post(url, json={"manifest": "compose.json", "targetConsumer": "resolve"},
                   headers=headers)
    assert r.status_code == 200, r.text
    tracking(r, used=0, remaining=0)
    body = r.json()
    assert body["meta"]["demo"] is True and body["meta"]["targetConsumer"] == "resolve"
    assert body["meta"]["requestId"] == r.headers["x-request-id"]
    assert body["data"]["otio"]["OTIO_SCHEMA"] == "Timeline.1"
    envelope(httpx.post(url, json={"manifest": "../../etc/passwd.json"}, headers=headers),
             status=400, code="VALIDATION_ERROR", field="manifest")
    envelope(httpx.post(url, json={"manifest": "compose.json", "x": 1}, headers=headers),
             status=400, code="VALIDATION_ERROR", field="x")
    again = httpx.post(url, content=b"", headers=headers)  # an empty body: the defaults
    assert again.status_code == 200 and again.json()["meta"]["demo"] is True
    r = httpx.post(url, json={}, headers=headers)  # the 5th call of this client this minute
    body = envelope(r, status=429, code="RATE_LIMITED")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    time.sleep(0.1)
    assert "pp_live_" not in demo_server.log_text()


def test_demo_operations_are_tagged_demo_and_need_the_token(demo_server) -> None:
    doc = httpx.get(f"{demo_server.base_url}{API}/openapi.json").json()
    for op in ("compose-otio", "describe-scenes", "scene-timestamps"):
        post = doc["paths"][f"{API}/demo/{op}"]["post"]
        assert post["tags"] == ["Demo"] and post["security"] == [{"DemoToken": []}]
        assert "403" in post["responses"]
        assert doc["paths"][f"{API}/{op}"]["post"]["tags"] == ["operations"]
    assert "Demo" in {t["name"] for t in doc["tags"]}
    assert doc["components"]["securitySchemes"]["DemoToken"] == {
        **doc["components"]["securitySchemes"]["DemoToken"], "type": "apiKey", "in": "header",
        "name": "X-Demo-Token"}


def test_demo_scene_ids_stay_unique_for_repeated_images() -> None:
    from postprod.service.demo import demo_scene_ids as _demo_scene_ids

    assert _demo_scene_ids(["01_astronaut.jpg", "05_cat.jpg"]) == ["astronaut", "cat"]
    ids = _demo_scene_ids(["01_astronaut.jpg"] * 5)
    assert ids == ["astronaut", "astronaut-2", "astronaut-3", "astronaut-4", "astronaut-5"]
