"""Scene Timestamps end to end on espeak narration made in the test, with the real tiny.en model.

One public call and one shared transcription (conftest) serve every placement test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from postprod.align import build_response, parse_request, place_scenes, scene_timestamps
from postprod.align.onset import energy_envelope
from postprod.contract.timestamps import TimestampsResponse

from .conftest import SCENE_SENTENCE, SENTENCES, Narration, scene_request

pytestmark = pytest.mark.model

OFFSET = 1500


def respond(transcript, request: dict) -> TimestampsResponse:  # type: ignore[no-untyped-def]
    """Place ``request`` on the shared transcription and build the contract's response."""
    words, decoded = transcript
    req = parse_request(request)
    placement = place_scenes(words, energy_envelope(decoded.samples), req, model="tiny.en")
    return build_response(placement, req, duration_sec=decoded.duration_sec, language="en",
                          request_id="req_01JD0000000000000000000000")


def check_shape(resp: TimestampsResponse, request: dict, *, offset: int, duration_ms: int
                ) -> None:
    """Everything the contract promises about the shape of a response."""
    ids = [s.get("id", f"scene-{i}") for i, s in enumerate(request["scenes"])]
    scenes = resp.data.scenes
    assert [s.index for s in scenes] == list(range(len(ids)))
    assert [s.id for s in scenes] == ids
    assert scenes[0].start_ms == offset
    starts = [s.start_ms for s in scenes]
    assert all(b > a for a, b in itertools.pairwise(starts))
    assert starts[-1] < offset + duration_ms
    trans = resp.data.transitions
    assert len(trans) == len(ids) - 1
    for i, t in enumerate(trans):
        assert (t.from_scene_id, t.to_scene_id) == (ids[i], ids[i + 1])
        assert t.at_ms == starts[i + 1]
        assert t.window.start_ms <= t.at_ms <= t.window.end_ms
        assert starts[i] <= t.window.start_ms
        assert t.window.end_ms <= (starts[i + 2] if i + 2 < len(starts)
                                   else offset + duration_ms)
        assert 0.0 <= t.confidence <= 1.0
        assert t.basis in ("startCue", "anchor", "interpolated")


def true_starts(narration: Narration, sentences: list[int]) -> list[int]:
    return [0] + [narration.onsets_ms[k] for k in sentences[1:]]


@pytest.fixture(scope="session")
def public_response(narration: Narration) -> TimestampsResponse:
    """The library's public call: cues only, with an offset, on the file path."""
    return scene_timestamps(narration.path, scene_request(offset=OFFSET), tier="free",
                            model="tiny.en")


def test_public_call_keeps_order_count_and_offset(public_response, narration) -> None:
    req = scene_request(offset=OFFSET)
    duration_ms = round(narration.duration_sec * 1000)
    check_shape(public_response, req, offset=OFFSET, duration_ms=duration_ms)
    meta = public_response.meta
    assert meta.request_id.startswith("req_") and len(meta.request_id) == 30
    assert (meta.audio_duration_ms, meta.start_offset_ms, meta.language_code) == (
        duration_ms, OFFSET, "en")
    data = public_response.to_json_data()["data"]
    assert set(data) == {"scenes", "transitions", "warnings"}
    assert data["transitions"][0]["window"].keys() == {"startMs", "endMs"}


def test_public_call_places_each_scene_at_its_sentence(public_response, narration) -> None:
    truth = true_starts(narration, SCENE_SENTENCE)
    errors = [s.start_ms - OFFSET - t for s, t in zip(public_response.data.scenes, truth,
                                                       strict=True)]
    assert max(abs(e) for e in errors) <= 250, errors
    assert all(t.basis != "interpolated" for t in public_response.data.transitions)
    assert public_response.data.warnings == []


def test_offset_moves_every_time_and_nothing_else(transcript) -> None:
    plain = respond(transcript, scene_request()).to_json_data()["data"]
    moved = respond(transcript, scene_request(offset=OFFSET)).to_json_data()["data"]
    assert [s["startMs"] + OFFSET for s in plain["scenes"]] == [
        s["startMs"] for s in moved["scenes"]]
    for a, b in zip(plain["transitions"], moved["transitions"], strict=True):
        assert a["atMs"] + OFFSET == b["atMs"]
        assert a["window"]["startMs"] + OFFSET == b["window"]["startMs"]
        assert a["window"]["endMs"] + OFFSET == b["window"]["endMs"]
        assert (a["confidence"], a["basis"]) == (b["confidence"], b["basis"])


def test_repeated_opening_goes_to_the_later_sentence(transcript, narration) -> None:
    """Scenes 0 and 2 both open with "At first light the": scene 2 belongs to sentence 3."""
    resp = respond(transcript, scene_request())
    storm = resp.data.scenes[2].start_ms
    assert abs(storm - narration.onsets_ms[3]) <= 250
    assert storm > narration.onsets_ms[2]


def test_with_narration_every_cue_is_found_close(transcript, narration) -> None:
    req = scene_request(narration_text=narration.script)
    resp = respond(transcript, req)
    check_shape(resp, req, offset=0, duration_ms=round(narration.duration_sec * 1000))
    assert resp.data.warnings == []
    assert all(t.basis != "interpolated" for t in resp.data.transitions)
    truth = true_starts(narration, SCENE_SENTENCE)
    errors = [s.start_ms - t for s, t in zip(resp.data.scenes, truth, strict=True)]
    assert max(abs(e) for e in errors) <= 150, errors


def test_with_narration_a_cue_written_differently_is_found(transcript, narration) -> None:
    """Digits, case and punctuation in the cue do not stop the script from placing it."""
    req = scene_request(narration_text=narration.script)
    req["scenes"].insert(3, {"id": "trees", "startCueText": "7 TREES were down —",
                             "anchorText": "roots torn out of the red soil"})
    resp = respond(transcript, req)
    assert [s.id for s in resp.data.scenes] == ["mist", "orchard", "storm", "trees", "help"]
    assert resp.data.warnings == []
    assert abs(resp.data.scenes[3].start_ms - narration.onsets_ms[4]) <= 250


def test_a_cue_not_in_the_audio_is_interpolated_with_a_warning(transcript, narration) -> None:
    req = scene_request()
    req["scenes"].insert(2, {"id": "ghost", "startCueText": "Purple elephants danced slowly",
                             "anchorText": "across the frozen surface of the moon"})
    resp = respond(transcript, req)
    check_shape(resp, req, offset=0, duration_ms=round(narration.duration_sec * 1000))
    ghost = resp.data.transitions[1]
    assert ghost.to_scene_id == "ghost" and ghost.basis == "interpolated"
    assert ghost.confidence < 0.2
    # A wide window: from the previous scene's start to the next one's.
    starts = [s.start_ms for s in resp.data.scenes]
    assert (ghost.window.start_ms, ghost.window.end_ms) == (starts[1], starts[3])
    # Between its neighbours it sits where the narration pauses: the start of sentence 2.
    assert abs(ghost.at_ms - narration.onsets_ms[2]) <= 250
    assert [w.model_dump() for w in resp.data.warnings] == [
        {"code": "CUE_NOT_FOUND", "field": "scenes[2].startCueText",
         "message": resp.data.warnings[0].message}]
    # The miss shifts nobody else.
    truth = true_starts(narration, SCENE_SENTENCE)
    others = [starts[0], starts[1], starts[3], starts[4]]
    assert max(abs(a - b) for a, b in zip(others, truth, strict=True)) <= 250


def test_a_misheard_start_cue_falls_back_to_the_anchor(transcript, narration) -> None:
    """A start cue that is nowhere in the audio, but an anchor that is, still places the scene."""
    req = scene_request()
    req["scenes"][3]["startCueText"] = "Quietly the zebras assembled"
    resp = respond(transcript, req)
    t = resp.data.transitions[2]
    assert t.basis == "anchor"
    assert abs(t.at_ms - narration.onsets_ms[5]) <= 300


def test_confidence_is_lower_without_evidence(transcript) -> None:
    req = scene_request()
    req["scenes"].append({"id": "nowhere", "startCueText": "Violet submarines hummed",
                          "anchorText": "beneath the glass of a mirror"})
    resp = respond(transcript, req)
    found = [t.confidence for t in resp.data.transitions if t.basis != "interpolated"]
    lost = [t.confidence for t in resp.data.transitions if t.basis == "interpolated"]
    assert lost and min(found) > max(lost)


def test_single_scene_has_no_transitions(transcript) -> None:
    req = {"scenes": [scene_request()["scenes"][0]], "startOffsetMs": 40}
    resp = respond(transcript, req)
    assert [(s.index, s.id, s.start_ms) for s in resp.data.scenes] == [(0, "mist", 40)]
    assert resp.data.transitions == []


def test_default_ids_and_more_scenes_than_sentences(transcript, narration) -> None:
    """Ten scenes on six sentences: all kept, in order, strictly increasing."""
    scenes = [{"startCueText": s.split()[0] + " " + s.split()[1], "anchorText": s}
              for s in SENTENCES] + [
        {"startCueText": f"extra words {k}", "anchorText": f"never spoken {k}"}
        for k in range(4)]
    req = {"scenes": scenes}
    resp = respond(transcript, req)
    check_shape(resp, req, offset=0, duration_ms=round(narration.duration_sec * 1000))
    assert [s.id for s in resp.data.scenes] == [f"scene-{i}" for i in range(10)]
    assert {w.field for w in resp.data.warnings} == {f"scenes[{i}].startCueText"
                                                     for i in range(6, 10)}


def test_transcript_words_are_timed_in_order(transcript, narration) -> None:
    words, decoded = transcript
    starts = np.array([w.start for w in words.words])
    assert len(words.words) >= 50
    assert np.all(np.diff(starts) >= 0)
    assert words.language == "en"
    assert abs(decoded.duration_sec - narration.duration_sec) < 0.002


def test_an_anchor_inside_the_scene_gives_a_wide_honest_window(transcript, narration) -> None:
    """Start cue unknown, anchor in the middle of the scene: the window reaches the anchor."""
    req = scene_request()
    req["scenes"][1]["startCueText"] = "Quietly the zebras assembled"
    req["scenes"][1]["anchorText"] = "cold in the morning air"
    resp = respond(transcript, req)
    t = resp.data.transitions[0]
    assert t.basis == "anchor" and t.confidence <= 0.3
    words, _ = transcript
    cold = next(w for w in words.words if w.text.lower() == "cold")
    assert t.window.start_ms <= narration.onsets_ms[1] <= t.window.end_ms
    assert t.window.end_ms >= round(cold.start * 1000)
