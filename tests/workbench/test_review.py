"""Hand-edited scene starts: the checks and the edited response Compose takes."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postprod.contract import TimestampsResponse
from postprod.review import check_scene_starts, with_scene_starts


def _response(starts: list[int], *, offset: int = 0, duration: int = 20_000,
              half_window: int = 300) -> TimestampsResponse:
    ids = [f"s{i}" for i in range(len(starts))]
    return TimestampsResponse.model_validate({
        "data": {
            "scenes": [{"index": i, "id": ids[i], "startMs": s} for i, s in enumerate(starts)],
            "transitions": [{"fromSceneId": ids[i - 1], "toSceneId": ids[i], "atMs": starts[i],
                             "window": {"startMs": starts[i] - half_window,
                                        "endMs": starts[i] + half_window},
                             "confidence": 0.8, "basis": "startCue"}
                            for i in range(1, len(starts))],
            "warnings": []},
        "meta": {"requestId": "req_01JD0000000000000000000000", "audioDurationMs": duration,
                 "startOffsetMs": offset, "languageCode": "en"}})


def test_untouched_starts_are_ok() -> None:
    resp = _response([0, 4000, 9000])
    checks = check_scene_starts(response=resp, starts_ms=[0, 4000, 9000])
    assert [c.status for c in checks] == ["ok", "ok", "ok"]
    assert [c.window_start_ms for c in checks] == [None, 3700, 8700]
    assert not any(c.blocking for c in checks)


def test_each_status() -> None:
    resp = _response([500, 4000, 9000, 15000], offset=500, duration=18_000)
    checks = check_scene_starts(response=resp, starts_ms=[500, 4100, 10_000, 15_000])
    assert [c.status for c in checks] == ["ok", "edited", "outside_window", "ok"]
    assert checks[1].message == "moved by +100 ms"
    assert "8700–9300" in checks[2].message
    assert not any(c.blocking for c in checks)

    bad = check_scene_starts(response=resp, starts_ms=[0, 9000, 9000, 18_500])
    assert [c.status for c in bad] == ["bad_first", "outside_window", "not_increasing",
                                      "past_audio_end"]
    assert [c.blocking for c in bad] == [True, False, True, True]


def test_length_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="2 starts given for 3 scenes"):
        check_scene_starts(response=_response([0, 4000, 9000]), starts_ms=[0, 4000])


def test_with_scene_starts_moves_scenes_and_transitions_only() -> None:
    resp = _response([0, 4000, 9000])
    edited = with_scene_starts(response=resp, starts_ms=[0, 4250, 9000])
    assert [s.start_ms for s in edited.data.scenes] == [0, 4250, 9000]
    assert [t.at_ms for t in edited.data.transitions] == [4250, 9000]
    assert edited.data.transitions[0].window == resp.data.transitions[0].window
    assert [s.start_ms for s in resp.data.scenes] == [0, 4000, 9000]  # the original is kept


def test_with_scene_starts_refuses_a_blocking_edit() -> None:
    with pytest.raises(ValueError, match=r"scene 2 .*not after"):
        with_scene_starts(response=_response([0, 4000, 9000]), starts_ms=[0, 4000, 3000])


@given(st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=3000))
def test_any_increasing_starts_inside_the_audio_make_a_timeline(gaps: list[int],
                                                                offset: int) -> None:
    starts = [offset]
    for g in gaps:
        starts.append(starts[-1] + g)
    resp = _response(starts, offset=offset, duration=starts[-1] - offset + 1)
    moved = [starts[0]] + [s + (1 if i % 2 else 0) for i, s in enumerate(starts[1:])]
    if any(b <= a for a, b in itertools.pairwise(moved)) or \
            moved[-1] >= offset + resp.meta.audio_duration_ms:
        return
    edited = with_scene_starts(response=resp, starts_ms=moved)
    got = [s.start_ms for s in edited.data.scenes]
    assert got == moved
    assert all(t.at_ms == got[i + 1] for i, t in enumerate(edited.data.transitions))
