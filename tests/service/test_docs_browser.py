"""The interactive docs in a real browser (Debian's chromium) with every other host unreachable:
the page renders from the service's own files, and "Try it out" runs each demo endpoint."""

from __future__ import annotations

import os
import threading
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


def in_own_thread(fn):
    """Run ``fn()`` in a fresh thread and return or raise what it did there.

    Playwright's sync API runs an event loop in the thread that starts it; pytest-playwright's
    session fixtures would leave that loop running in the main thread for every later test of
    the session (their `asyncio.run()` then fails). A thread of its own ends with it.
    """
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the test's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="docs-browser")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def drive_docs_page(base_url: str) -> tuple[list[dict], list[str]]:
    """Open the docs page in chromium with every other host unreachable, "Try it out" and
    "Execute" on each demo operation; returns what each call answered and any URL of another
    host the page asked for."""
    from playwright.sync_api import sync_playwright

    origin = urlsplit(base_url).netloc
    elsewhere: list[str] = []
    answers: list[dict] = []

    def only_this_service(route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=OFFLINE_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", only_this_service)
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{base_url}{API}/docs")
            title = page.locator(".swagger-ui .info .title")
            title.wait_for()
            assert "postprod workbench service" in title.inner_text()
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
                    shown = block.locator(".live-responses-table tbody .response-col_status")
                    answers.append({"path": path, "status": response.status,
                                    "body": response.json(),
                                    "credits_used": response.headers.get("x-credits-used"),
                                    "shown_status": shown.first.inner_text().strip()})
            except Exception:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / "docs-demo-failure.png"), full_page=True)
                raise
            context.close()
        finally:
            browser.close()
    return answers, elsewhere


def test_docs_try_it_out_on_each_demo_offline(docs_server, envelope) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium` "
                    "(scripts/setup.sh does); the tests never download a browser",
                    pytrace=False)
    answers, elsewhere = in_own_thread(lambda: drive_docs_page(docs_server.base_url))
    assert [a["path"] for a in answers] == [f"{API}/demo/{d}" for d in DEMOS]
    for a in answers:
        assert a["status"] == 200, a
        assert a["body"]["meta"]["demo"] is True, a
        assert a["credits_used"] == "0" and a["shown_status"].startswith("200"), a
        # The same call from outside the page, without its token: refused in the envelope.
        direct = httpx.post(docs_server.base_url + a["path"], json={}, timeout=60)
        envelope(direct, status=403, code="DEMO_TOKEN_REQUIRED", field="X-Demo-Token")
    assert elsewhere == [], f"the page tried to reach other hosts: {elsewhere}"
