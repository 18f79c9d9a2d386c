"""The Compose page's Preview under AppTest: render at 360p, play, download; options re-key it."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "workbench" / "app.py"
TIMEOUT = 240


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTPROD_WORKBENCH_STORE", str(tmp_path / "store"))
    monkeypatch.delenv("POSTPROD_PROJECT_DIR", raising=False)


def _aligned_app(sample_media: Path) -> AppTest:
    """The sample project opened, with a Scene Timestamps result at the true scene onsets."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.button(key="open_sample").click().run()
    truth = json.loads((sample_media / "narration_truth.json").read_text())
    scenes = truth["scenes"]
    starts = [0] + [s["onsetMs"] for s in scenes[1:]]
    at.session_state["timestamps_result"] = {
        "data": {"scenes": [{"index": i, "id": s["id"], "startMs": starts[i]}
                            for i, s in enumerate(scenes)],
                 "transitions": [{"fromSceneId": scenes[i - 1]["id"],
                                  "toSceneId": scenes[i]["id"], "atMs": starts[i],
                                  "window": {"startMs": starts[i] - 250,
                                             "endMs": starts[i] + 150},
                                  "confidence": 0.9, "basis": "startCue"}
                                 for i in range(1, len(scenes))],
                 "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000",
                 "audioDurationMs": truth["durationMs"], "startOffsetMs": 0,
                 "languageCode": "en"}}
    at.session_state["starts_ms"] = starts
    return at


def test_preview_renders_the_built_timeline_and_offers_it(sample_media: Path) -> None:
    at = _aligned_app(sample_media)
    at.switch_page("views/compose.py").run()
    assert not at.exception, at.exception
    at.button(key="run_compose").click().run()
    at.toggle(key="preview_burn_in").set_value(True).run()
    at.button(key="run_preview").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = at.session_state["preview_result"]
    summary = at.session_state["compose_result"]["response"]["data"]["summary"]
    assert shown["frames"] == summary["durationFrames"]
    assert shown["size"] == [640, 360] and shown["rate"] == "25"
    with av.open(shown["path"]) as container:
        assert container.streams.video[0].frames == summary["durationFrames"]
        assert container.streams.audio[0].rate == 48000
    assert len(at.get("video")) == 1
    labels = [b.label for b in at.get("download_button")]
    assert "Download the preview (MP4)" in labels
    # another height: the shown preview is flagged as out of date until rendered again
    at.selectbox(key="preview_height").select(540).run()
    assert any("changed since this preview" in str(c.value) for c in at.caption)
