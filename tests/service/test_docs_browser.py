"""The interactive docs in a real browser (Debian's chromium) with every other host unreachable:
the page renders from the service's own files, and "Try it out" runs each demo endpoint."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.model]

API = "/postproduction/v1"
CHROMIUM = Path(os.environ.get("POSTPROD_CHROMIUM", "/usr/bin/chromium"))
OFFLINE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                # no name resolves but the loopback address: nothing outside can be reached
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
DEMOS = ("compose-otio", "describe-scenes", "scene-timestamps")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "service"


@pytest.fixture(scope="module")
def docs_server(db_url, tmp_path_factory) -> ServiceProcess:
    settings = ServiceSettings(db_url=db_url, warm_up=False, whisper_model="tiny.en",
                               upload_dir=str(tmp_path_factory.mktemp("uploads")))
    with ServiceProcess(settings, log_path=tmp_path_factory.mktemp("log") / "docs.log") as sp:
        yield sp


@pytest.fixture()
def offline_browser(browser_type):
    """Debian's chromium (never a downloaded browser) with no route off this machine."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium` "
                    "(scripts/setup.sh does)", pytrace=False)
    browser = browser_type.launch(executable_path=str(CHROMIUM), args=OFFLINE_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def test_docs_try_it_out_on_each_demo_offline(docs_server, offline_browser, envelope) -> None:
    origin = urlsplit(docs_server.base_url).netloc
    elsewhere: list[str] = []
    context = offline_browser.new_context()

    def only_this_service(route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_service)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{docs_server.base_url}{API}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "postprod workbench service" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-tag[data-tag='Demo']").count() == 1

    try:
        for demo in DEMOS:
            path = f"{API}/demo/{demo}"
            block = page.locator(".opblock").filter(
                has=page.locator(f".opblock-summary-path[data-path='{path}']"))
            block.locator(".opblock-summary").first.click()
            block.locator("button.try-out__btn").click()
            with page.expect_response(lambda r, p=path: r.url.endswith(p)) as answer:
                block.locator("button.execute").click()
            response = answer.value
            assert response.status == 200, response.text()
            body = response.json()
            assert body["meta"]["demo"] is True
            assert response.headers["x-credits-used"] == "0"
            shown = block.locator(".live-responses-table tbody .response-col_status").first
            assert shown.inner_text().strip().startswith("200")
            # The same call from outside the page, without its token: refused in the envelope.
            direct = httpx.post(docs_server.base_url + path, json={}, timeout=60)
            envelope(direct, status=403, code="DEMO_TOKEN_REQUIRED", field="X-Demo-Token")
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "docs-demo-failure.png"), full_page=True)
        raise
    context.close()
    assert elsewhere == [], f"the page tried to reach other hosts: {elsewhere}"
