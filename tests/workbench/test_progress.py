"""The progress bar of a step: fed by the library's events, marked done or failed."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _bar_script() -> None:
    import streamlit as st

    from postprod.progress import Progress
    from workbench.widgets import progress_status

    fail = st.session_state.get("fail", False)
    try:
        with progress_status("Aligning") as on_progress:
            on_progress(Progress(stage="transcribe", fraction=0.4,
                                 message="transcribing: 18 s of 45 s"))
            if fail:
                raise RuntimeError("stopped")
            on_progress(Progress(stage="align", fraction=0.9, message="placing the cuts"))
    except RuntimeError:
        st.write("the step failed")


def _bar(at: AppTest) -> tuple[int, str]:
    (bar,) = at.get("progress")
    return int(bar.proto.value), str(bar.proto.text)


def test_bar_ends_done_and_the_box_says_so() -> None:
    at = AppTest.from_function(_bar_script).run()
    assert not at.exception, at.exception
    assert _bar(at) == (100, "done")
    assert [s.label for s in at.status] == ["Aligning: done"]


def test_a_failed_step_keeps_its_last_progress_and_says_failed() -> None:
    at = AppTest.from_function(_bar_script)
    at.session_state["fail"] = True
    at.run()
    assert not at.exception, at.exception
    assert _bar(at) == (40, "transcribing: 18 s of 45 s")
    assert [s.label for s in at.status] == ["Aligning: failed"]
    assert "the step failed" in [m.value for m in at.markdown]


@pytest.mark.model
def test_alignment_feeds_the_bar_with_rising_fractions(sample_media) -> None:
    import json

    from postprod.progress import Progress
    from workbench import steps

    events: list[Progress] = []
    state = {"narration": {"path": str(sample_media / "narration.wav")}}
    request = json.loads((sample_media / "timestamps_metadata.json").read_text())
    result = steps.run_timestamps(state, request, tier="enterprise", model="tiny.en",
                                  progress=events.append)
    assert len(result.data.scenes) == len(request["scenes"])
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions), fractions
    assert any(0 < f < 1 for f in fractions) and len(set(fractions)) >= 3, fractions
    assert all(e.message or e.stage for e in events)
