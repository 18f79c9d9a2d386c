"""The whole workbench in real Chromium: sample project → describe → align (tiny.en) → compose.

Starts `postprod workbench sample_media --port <free>`, clicks through the four pages like a
user, downloads the .otio and reads it back with OpenTimelineIO. Screenshots of each page go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import opentimelineio as otio
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

STEP_TIMEOUT_MS = 300_000  # a cold model load on 2 shared cores


def _goto_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    _idle(page)


def _idle(page: Page) -> None:
    """Wait until the app has finished its rerun (the status widget disappears)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=STEP_TIMEOUT_MS)


def test_sample_project_to_otio_download(page: Page, workbench_url: str, sample_media: Path,
                                         screenshots_dir: Path, tmp_path: Path,
                                         workbench_log: Path) -> None:
    external_errors: list[str] = []
    page.on("console", lambda m: external_errors.append(m.text) if m.type == "error" and
            "127.0.0.1" in m.text else None)
    page.set_viewport_size({"width": 1400, "height": 2000})  # whole pages in the screenshots
    page.goto(workbench_url)
    open_button = page.get_by_role("button", name="Open the sample project")
    expect(open_button).to_be_visible(timeout=60_000)

    t0 = time.monotonic()
    open_button.click()
    expect(page.get_by_text("Project opened from")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Home from orbit · 5 scenes")).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "1_project.png"), full_page=True)

    _goto_page(page, "Describe")
    page.get_by_role("button", name="Describe the scenes").click()
    expect(page.get_by_text("Describing scenes: done")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    _idle(page)
    expect(page.get_by_text("Next: align the cuts to the narration")).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "2_describe.png"), full_page=True)

    _goto_page(page, "Align")
    page.get_by_text("tiny.en: fast, English only").click()
    page.get_by_role("button", name="Align the cuts").click()
    expect(page.get_by_text("Aligning with tiny.en: done")).to_be_visible(
        timeout=STEP_TIMEOUT_MS)
    _idle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Starts are in order")).to_be_visible()
    expect(page.get_by_test_id("stAudio").first).to_be_visible()
    page.screenshot(path=str(screenshots_dir / "3_align.png"), full_page=True)

    _goto_page(page, "Compose")
    page.get_by_role("button", name="Build the timeline").click()
    otio_button = page.get_by_test_id("stDownloadButton").filter(has_text=".otio")
    expect(otio_button).to_be_visible(timeout=120_000)
    with page.expect_download() as download_info:
        otio_button.get_by_role("button").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    elapsed = time.monotonic() - t0
    print(f"\nworkbench: 'Open the sample project' to the .otio download took {elapsed:.1f} s")
    _idle(page)
    page.get_by_role("heading", name="Compose").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "4_compose.png"), full_page=True)

    assert target.suffix == ".otio"
    timeline = otio.adapters.read_from_file(str(target))
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    clips = list(video[0].find_clips(shallow_search=True))
    expected = [s["id"] for s in json.loads(
        (sample_media / "timestamps_metadata.json").read_text())["scenes"]]
    assert [c.name for c in clips] == expected
    urls = [c.media_reference.target_url for c in clips]
    assert [u.rsplit("/", 1)[-1] for u in urls] == sorted(
        p.name for p in (sample_media / "scenes").glob("*.jpg"))
    starts = [c.range_in_parent().start_time.to_seconds() for c in clips]
    assert starts == sorted(starts) and starts[0] == 0
    assert timeline.name == "Home from orbit"

    # review after the fact: pick a cut on the plot, nudge it with the keyboard
    _goto_page(page, "Align")
    page.locator(".js-plotly-plot .scatterlayer .point").nth(2).click(force=True)
    expect(page.get_by_role("combobox", name="Cut")).to_have_value(re.compile(r"cut 3: "),
                                                                   timeout=30_000)
    _idle(page)
    page.mouse.click(1350, 60)  # empty space, so the shortcut goes to the app
    page.keyboard.press("ArrowRight")
    _idle(page)
    expect(page.get_by_test_id("stMetricValue").nth(3)).to_have_text("1", timeout=30_000)
    expect(page.get_by_text("moved by +100 ms")).to_be_attached()  # a grid cell (canvas-drawn)
    page.screenshot(path=str(screenshots_dir / "5_align_review.png"), full_page=True)
    _goto_page(page, "Compose")
    expect(page.get_by_text("changed since this timeline was built")).to_be_visible()

    assert not external_errors, external_errors
    server_output = workbench_log.read_text(errors="replace")
    assert "Traceback" not in server_output, server_output
