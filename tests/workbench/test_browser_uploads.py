"""A producer's own files in real Chromium: a fake image and a fake WAV become rows with their
error while the pages keep working; a narration without a script is transcribed, and Describe
then proposes cues for every scene.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.workbench.test_browser_flow import (
    STEP_TIMEOUT_MS,
    VIEWPORT_H,
    VIEWPORT_W,
    _goto_page,
    _idle,
    _shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]


def _uploader(page: Page, label: str, *, limit: str | None = None):
    """The uploader labelled ``label`` once the page holds exactly one (a rerun briefly keeps
    the replaced one beside it), showing ``limit`` when given."""
    found = page.get_by_test_id("stFileUploader").filter(has_text=label)
    if limit:
        found = found.filter(has_text=limit)
    expect(found).to_have_count(1, timeout=30_000)
    return found


def test_bad_uploads_are_rows_and_a_script_comes_from_the_narration(
        page: Page, workbench_url: str, sample_media: Path, screenshots_dir: Path,
        tmp_path: Path, workbench_log: Path) -> None:
    page.set_viewport_size({"width": VIEWPORT_W, "height": VIEWPORT_H})
    page.goto(workbench_url)
    expect(page.get_by_role("button", name="New project")).to_be_visible(timeout=60_000)
    _idle(page)
    # the tier's limits are what the uploaders enforce
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Tier").click()
    page.get_by_role("option", name="free").click()
    _idle(page)
    expect(_uploader(page, "Add scene images", limit="5MB per file")).to_be_visible()
    expect(_uploader(page, "Narration audio", limit="15MB per file")).to_be_visible()

    fake = tmp_path / "broken.jpg"
    fake.write_text("this is a text file, not a photo\n", encoding="utf-8")
    stills = sorted((sample_media / "scenes").glob("*.jpg"))
    _uploader(page, "Add scene images").locator('input[type="file"]').set_input_files(
        [*(str(p) for p in stills), str(fake)])
    row_error = page.get_by_text("broken.jpg cannot be used")
    expect(row_error).to_be_visible(timeout=60_000)
    _idle(page)
    expect(page.get_by_text("UNSUPPORTED_MEDIA_TYPE").first).to_be_visible()
    expect(page.get_by_text("Remove or replace the files marked 🚫 first")).to_be_visible()
    expect(page.get_by_test_id("stImage")).to_have_count(len(stills))  # the good rows draw
    # a fake WAV: its own row error, naming the file, not the tier
    fake_wav = tmp_path / "voice.wav"
    fake_wav.write_bytes(b"not audio at all " * 64)
    _uploader(page, "Narration audio").locator('input[type="file"]').set_input_files(
        str(fake_wav))
    expect(page.get_by_text("voice.wav cannot be used as narration")).to_be_visible(
        timeout=60_000)
    _idle(page)
    expect(page.get_by_text("free tier: UNSUPPORTED")).to_have_count(0)
    _shot(page, screenshots_dir / "10_bad_uploads.png")

    # the other pages keep working and say what to fix, with a link
    _goto_page(page, "Describe")
    expect(page.get_by_text("Some files cannot be used")).to_be_visible()
    expect(page.get_by_role("button", name="Describe the scenes")).to_be_disabled()
    page.get_by_role("link", name="Go to Project").first.click()
    expect(page.get_by_role("heading", name="Project")).to_be_visible(timeout=30_000)
    _idle(page)

    # removing the bad still and replacing the bad WAV clears both errors
    page.locator(f".st-key-remove_{len(stills)} button").first.click()
    expect(row_error).to_have_count(0, timeout=30_000)
    _uploader(page, "Narration audio").locator('input[type="file"]').set_input_files(
        str(sample_media / "narration.wav"))
    expect(page.get_by_text("narration.wav · 2.00 MB")).to_be_visible(timeout=60_000)
    _idle(page)
    expect(page.get_by_text("cannot be used")).to_have_count(0)
    expect(page.get_by_text("Remove or replace the files")).to_have_count(0)

    # no script: transcribe the narration (the Align recogniser), then Describe proposes cues
    page.get_by_text("tiny.en (fast, English)").click()
    _idle(page)
    page.get_by_role("button", name="Transcribe narration").click()
    script = page.get_by_role("textbox", name=re.compile(r"^Narration text"))
    expect(script).to_have_value(re.compile(r"astronaut"), timeout=STEP_TIMEOUT_MS)
    _idle(page)
    expect(page.get_by_role("button", name="Transcribe narration")).to_have_count(0)
    _goto_page(page, "Describe")
    page.get_by_role("button", name="Describe the scenes").click()
    expect(page.get_by_text("Describing scenes: done in")).to_be_visible(
        timeout=STEP_TIMEOUT_MS)
    _idle(page)
    starts = page.get_by_text(re.compile(r"start cue: "))
    expect(starts).to_have_count(len(stills))
    for text in starts.all_inner_texts():
        assert not text.rstrip().endswith("—"), text
    expect(page.get_by_text("Align needs a start cue")).to_have_count(0)
    expect(page.get_by_text("Next: align the cuts to the narration")).to_be_visible()
    _shot(page, screenshots_dir / "11_transcribed_describe.png")
    server_output = workbench_log.read_text(errors="replace")
    assert "Traceback" not in server_output, server_output
