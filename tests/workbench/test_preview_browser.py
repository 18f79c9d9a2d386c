"""The Compose page's Preview in real Chromium: the sample project aligned (tiny.en), composed,
rendered at 360p and played; the video element's duration is the timeline's within one frame."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import serve_workbench

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

STEP_TIMEOUT_MS = 300_000  # a cold model load on 2 shared cores


def _idle(page: Page) -> None:
    """Wait until the app has finished its rerun: the status widget is gone (it shows only
    after a delay) and the app's own run state is back to not running."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=STEP_TIMEOUT_MS)


def _goto_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    _idle(page)


@pytest.fixture(scope="module")
def own_workbench(sample_media: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, Path]]:
    """A workbench of its own (URL, console log), with a store no other test has written to."""
    log = tmp_path_factory.mktemp("preview-workbench") / "server.log"
    with serve_workbench(sample_media, log) as url:
        yield url, log


def test_compose_page_plays_the_preview(page: Page, own_workbench: tuple[str, Path],
                                        screenshots_dir: Path) -> None:
    workbench_url, workbench_log = own_workbench
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and
            "127.0.0.1" in m.text else None)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(workbench_url)
    page.get_by_role("button", name="Open the sample project").click()
    expect(page.get_by_text("Project opened from")).to_be_visible(timeout=60_000)

    _goto_page(page, "Describe")  # the project's own cues: no captioning needed
    page.get_by_role("button", name="Use the project's cues").click()
    # the cues are in once the button has gone (the cue editor replaces it)
    expect(page.get_by_role("button", name="Use the project's cues")).to_have_count(
        0, timeout=60_000)
    _idle(page)
    _goto_page(page, "Align")
    page.get_by_text("tiny.en: fast, English only").click()
    page.get_by_role("button", name="Align the cuts").click()
    expect(page.get_by_text("Aligning with tiny.en: done")).to_be_visible(
        timeout=STEP_TIMEOUT_MS)
    _idle(page)

    _goto_page(page, "Compose")
    page.get_by_role("button", name="Build the timeline").click()
    frames_metric = page.get_by_test_id("stMetric").filter(has_text="Frames")
    expect(frames_metric).to_be_visible(timeout=120_000)
    _idle(page)
    frames = int(frames_metric.get_by_test_id("stMetricValue").inner_text())
    fps = 25  # the page's default frame rate
    page.get_by_role("button", name="Render the preview").click()
    expect(page.get_by_text("Rendering the preview at 360p: done")).to_be_visible(
        timeout=STEP_TIMEOUT_MS)
    _idle(page)

    video = page.locator("video").first
    expect(video).to_be_attached(timeout=30_000)
    video.scroll_into_view_if_needed()
    page.wait_for_function("() => { const v = document.querySelector('video');"
                           " return v && (v.readyState >= 1 || v.error); }", timeout=60_000)
    assert video.evaluate("v => v.error") is None
    duration = float(video.evaluate("v => v.duration"))
    print(f"\nvideo element duration {duration:.4f} s; timeline {frames} frames at {fps} fps "
          f"= {frames / fps:.4f} s")
    assert abs(duration - frames / fps) <= 1 / fps
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [640, 360]

    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5",
                           timeout=30_000)
    assert not video.evaluate("v => v.paused")
    expect(page.get_by_text(re.compile(r"\d+ frames at 25 fps · 640×360"))).to_be_visible()
    expect(page.get_by_test_id("stDownloadButton").filter(has_text="preview (MP4)")
           ).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "6_compose_preview.png"), full_page=True)

    # a longer render (720p) cancelled from the page: the played preview stays, flagged
    page.get_by_test_id("stSelectbox").filter(has_text="Preview height").click()
    page.get_by_role("option", name="720p").click()
    _idle(page)
    page.get_by_role("button", name="Render the preview").click()
    expect(page.get_by_text("Rendering the preview at 720p")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Cancel the render").click()
    expect(page.get_by_text("Render cancelled.")).to_be_visible(timeout=60_000)
    _idle(page)
    expect(page.get_by_text("changed since this preview")).to_be_visible()
    expect(page.locator("video")).to_have_count(1)
    previews = workbench_log.parent / "store" / "cache" / "previews"  # the app's render cache
    renders = sorted(p.name for p in previews.iterdir() if p.is_file())
    assert [Path(n).suffix for n in renders] == [".mp4"], renders  # the 360p one; no partial file
    # media are read through links named as in the bundle, to the project's stored files
    linked = [p for p in (previews / "media").rglob("*") if p.is_symlink()]
    assert linked and all(p.resolve().is_file() for p in linked)
    assert errors == [], errors
