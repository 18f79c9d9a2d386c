"""Every error code of Compose OTIO, with its exact `field` (contract §1.4, §2)."""

from __future__ import annotations

import pytest

from postprod.compose import compose_otio, quote_compose
from postprod.contract.errors import PostprodError


def fails(m, *, tier="enterprise") -> PostprodError:
    with pytest.raises(PostprodError) as info:
        compose_otio(m, tier=tier)
    # the price check runs the same validation and fails the same way
    with pytest.raises(PostprodError) as quoted:
        quote_compose(m, tier=tier)
    assert (quoted.value.code, quoted.value.field) == (info.value.code, info.value.field)
    return info.value


def test_invalid_json():
    err = fails('{"project": ')
    assert err.code == "INVALID_JSON"
    assert err.http_status == 400


def test_validation_error_unknown_field(manifest):
    m = manifest()
    m["intent"]["sequence"][0]["durationSecs"] = 3
    err = fails(m)
    assert (err.code, err.field) == ("VALIDATION_ERROR", "intent.sequence[0].durationSecs")


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda m: m["project"].update(fps=0), "project.fps"),
    (lambda m: m["project"].update(fps=241), "project.fps"),
    (lambda m: m["project"]["resolution"].update(w=8), "project.resolution.w"),
    (lambda m: m["project"].update(audioSampleRate=22050), "project.audioSampleRate"),
    (lambda m: m["folder"]["items"][0].update(path="/abs/a.jpg"), "folder.items[0].path"),
    (lambda m: m["folder"]["items"][0].update(path="../a.jpg"), "folder.items[0].path"),
    (lambda m: m["folder"]["items"][0].update(path="C:/a.jpg"), "folder.items[0].path"),
    (lambda m: m["folder"]["items"][0].update(id="bad id"), "folder.items[0].id"),
    (lambda m: m["folder"].update(mediaRootPath="relative/root"), "folder.mediaRootPath"),
    (lambda m: m["intent"].update(sequence=[]), "intent.sequence"),
    (lambda m: m["intent"]["sequence"][1].update(transitionIn={"type": "wipe"}),
     "intent.sequence[1].transitionIn.type"),
    (lambda m: m["output"].update(targetConsumer="avid") if "output" in m
     else m.update(output={"targetConsumer": "avid"}), "output.targetConsumer"),
])
def test_schema_violations_name_the_field(manifest, mutate, field):
    m = manifest()
    mutate(m)
    err = fails(m)
    assert (err.code, err.field) == ("VALIDATION_ERROR", field)


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda m: m["intent"]["sequence"][0].pop("durationSec"), "intent.sequence[0].durationSec"),
    (lambda m: m["intent"]["sequence"].append({"itemId": "clip", "durationSec": 2}),
     "intent.sequence[2].durationSec"),
    (lambda m: m["intent"]["sequence"][0].update(trim={"inSec": 1}), "intent.sequence[0].trim"),
    (lambda m: m["intent"]["sequence"][0].update(embeddedAudio={"separateTrack": True}),
     "intent.sequence[0].embeddedAudio.separateTrack"),
    (lambda m: m["intent"]["sequence"][0].update(
        transitionIn={"type": "crossfade", "durationSec": 1}), "intent.sequence[0].transitionIn"),
    (lambda m: m["intent"]["sequence"][1].update(
        transitionIn={"type": "crossfade", "durationSec": 0.01}),
     "intent.sequence[1].transitionIn.durationSec"),
    (lambda m: m["intent"]["sequence"][1].update(transitionIn={"type": "crossfade"}),
     "intent.sequence[1].transitionIn"),
    (lambda m: (m["folder"]["items"][2].pop("durationSec"),
                m["intent"]["sequence"].append({"itemId": "clip"})),
     "folder.items[2].durationSec"),
    (lambda m: (m["folder"]["items"][4].pop("durationSec"),
                m["intent"]["audioLayers"].append({"itemId": "bgm", "fromSec": 0, "toSec": 5,
                                                   "role": "music",
                                                   "placement": "loopToFit"})),
     "folder.items[4].durationSec"),
    (lambda m: m["intent"]["audioLayers"].append({"itemId": "nar", "fromSec": 3, "toSec": 2,
                                                  "role": "narration"}),
     "intent.audioLayers[0]"),
    (lambda m: m["intent"]["sequence"][0].update(durationSec=0.01),
     "intent.sequence[0].durationSec"),
])
def test_rule_violations_are_validation_errors(manifest, mutate, field):
    m = manifest()
    mutate(m)
    err = fails(m)
    assert (err.code, err.field) == ("VALIDATION_ERROR", field)


def test_unknown_item_reference(manifest):
    m = manifest()
    m["intent"]["sequence"][1]["itemId"] = "nope"
    m["intent"]["audioLayers"] = [{"itemId": "ghost", "fromSec": 0, "toSec": 1,
                                   "role": "sfx"}]
    err = fails(m)
    assert (err.code, err.field, err.http_status) == (
        "UNKNOWN_ITEM_REFERENCE", "intent.sequence[1].itemId", 422)
    assert [(d.code, d.field) for d in err.details] == [
        ("UNKNOWN_ITEM_REFERENCE", "intent.audioLayers[0].itemId")]
    assert "a, b, clip" in (err.allowed or "")


def test_duplicate_id(manifest):
    m = manifest()
    m["folder"]["items"].append({"id": "b", "kind": "image", "path": "b2.jpg"})
    err = fails(m)
    assert (err.code, err.field) == ("DUPLICATE_ID", "folder.items[5].id")


def test_item_kind_mismatch(manifest):
    m = manifest()
    m["intent"]["sequence"][0]["itemId"] = "nar"
    m["intent"]["audioLayers"] = [{"itemId": "clip", "fromSec": 0, "toSec": 1,
                                   "role": "dialogue"}]
    err = fails(m)
    assert (err.code, err.field) == ("ITEM_KIND_MISMATCH", "intent.sequence[0].itemId")
    assert [(d.code, d.field) for d in err.details] == [
        ("ITEM_KIND_MISMATCH", "intent.audioLayers[0].itemId")]


def test_trim_out_of_range(manifest):
    m = manifest()
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 1, "outSec": 15.5}})
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 6, "outSec": 5}})
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 10}})
    err = fails(m)
    assert (err.code, err.field) == ("TRIM_OUT_OF_RANGE", "intent.sequence[2].trim.outSec")
    assert err.allowed == "0 <= inSec < outSec <= 10"
    assert "15.5" in err.message and "clip" in err.message
    assert [(d.code, d.field) for d in err.details] == [
        ("TRIM_OUT_OF_RANGE", "intent.sequence[3].trim.inSec"),
        ("TRIM_OUT_OF_RANGE", "intent.sequence[4].trim.inSec")]


def test_transition_too_long_for_video_handles(manifest):
    m = manifest()
    # 1 s (25 frames) of head before inSec: the largest dissolve is 25 frames before the cut
    # and 26 after it (⌊D/2⌋ before, the rest after), 51 frames.
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 1, "outSec": 8},
                                    "transitionIn": {"type": "crossfade", "durationSec": 2.5}})
    err = fails(m)
    assert (err.code, err.field) == ("TRANSITION_TOO_LONG",
                                     "intent.sequence[2].transitionIn.durationSec")
    assert err.allowed == "durationSec <= 2.04 s (51 frames)"
    m["intent"]["sequence"][2]["transitionIn"]["durationSec"] = 2.04
    compose_otio(m)  # the largest allowed value is accepted
    m["intent"]["sequence"][2]["transitionIn"]["durationSec"] = 2.08  # 52 frames: 26 + 26
    assert fails(m).code == "TRANSITION_TOO_LONG"


def test_transition_too_long_for_the_tail_of_the_outgoing_video(manifest):
    m = manifest()
    m["intent"]["sequence"] = [{"itemId": "clip", "trim": {"inSec": 0, "outSec": 9.8}},
                               {"itemId": "a", "durationSec": 3,
                                "transitionIn": {"type": "crossfade", "durationSec": 1}}]
    err = fails(m)
    assert err.code == "TRANSITION_TOO_LONG"
    assert err.allowed == "durationSec <= 0.4 s (10 frames)"


def test_transition_too_long_without_any_handle(manifest):
    m = manifest()
    m["intent"]["sequence"].append({"itemId": "clip",
                                    "transitionIn": {"type": "crossfade", "durationSec": 1}})
    err = fails(m)
    assert err.code == "TRANSITION_TOO_LONG"
    # no head: only a one-frame dissolve fits (0 frames before the cut, 1 after)
    assert err.allowed == "durationSec <= 0.04 s (1 frame)"


def test_transition_too_long_for_short_stills(manifest):
    m = manifest()
    m["intent"]["sequence"] = [{"itemId": "a", "durationSec": 1},
                               {"itemId": "b", "durationSec": 1,
                                "transitionIn": {"type": "crossfade", "durationSec": 1}},
                               {"itemId": "a", "durationSec": 1,
                                "transitionIn": {"type": "crossfade", "durationSec": 1.2}}]
    err = fails(m)
    # clip 1 lasts 25 frames, 13 of them already in the first dissolve (12 before its cut,
    # 13 after): 12 left before the next cut, so 12 + 13 frames
    assert (err.field, err.allowed) == ("intent.sequence[2].transitionIn.durationSec",
                                        "durationSec <= 1 s (25 frames)")


def test_track_overlap(manifest):
    m = manifest()
    m["intent"]["audioLayers"] = [
        {"itemId": "nar", "fromSec": 0, "toSec": 4, "role": "narration", "trackId": "v"},
        {"itemId": "nar", "fromSec": 3.5, "toSec": 5, "role": "narration", "trackId": "v"},
        {"itemId": "nar", "fromSec": 3.5, "toSec": 5, "role": "narration", "trackId": "w"},
    ]
    err = fails(m)
    assert (err.code, err.field) == ("TRACK_OVERLAP", "intent.audioLayers[1].fromSec")
    assert err.allowed and err.allowed.startswith(">= 4")


def test_track_overlap_is_found_whatever_the_order(manifest):
    m = manifest()
    m["intent"]["audioLayers"] = [
        {"itemId": "nar", "fromSec": 2, "toSec": 4, "role": "narration", "trackId": "v"},
        {"itemId": "nar", "fromSec": 0, "toSec": 2.5, "role": "narration", "trackId": "v"},
    ]
    err = fails(m)
    assert (err.code, err.field) == ("TRACK_OVERLAP", "intent.audioLayers[0].fromSec")


def test_tier_limit_items(manifest):
    m = manifest()
    m["folder"]["items"] += [{"id": f"x{k}", "kind": "image", "path": f"x{k}.jpg"}
                             for k in range(16)]
    err = fails(m, tier="free")
    assert (err.code, err.field, err.allowed) == ("TIER_LIMIT_EXCEEDED", "folder.items",
                                                  "<= 20 on the free tier")
    compose_otio(m, tier="premium")


def test_tier_limit_timeline_video(manifest):
    m = manifest()
    m["intent"]["sequence"][1]["durationSec"] = 177.04  # ends at 180.04 s
    err = fails(m, tier="free")
    assert (err.code, err.field, err.allowed) == ("TIER_LIMIT_EXCEEDED", "intent.sequence",
                                                  "<= 180 s on the free tier")
    m["intent"]["sequence"][1]["durationSec"] = 177  # exactly 180 s is allowed
    compose_otio(m, tier="free")


def test_tier_limit_timeline_audio_is_the_longest_track(manifest):
    m = manifest()
    m["intent"]["audioLayers"] = [{"itemId": "bgm", "fromSec": 0, "toSec": 3601,
                                   "role": "music", "placement": "loopToFit"}]
    err = fails(m, tier="premium")
    assert (err.code, err.field, err.allowed) == ("TIER_LIMIT_EXCEEDED",
                                                  "intent.audioLayers[0].toSec",
                                                  "<= 3600 s on the premium tier")


def test_several_problems_are_collected(manifest):
    m = manifest()
    m["folder"]["items"].append({"id": "a", "kind": "image", "path": "again.jpg"})
    m["intent"]["sequence"][0]["itemId"] = "missing"
    m["intent"]["audioLayers"] = [{"itemId": "a", "fromSec": 0, "toSec": 1, "role": "sfx"}]
    err = fails(m)
    found = [(err.code, err.field)] + [(d.code, d.field) for d in err.details]
    assert found == [("DUPLICATE_ID", "folder.items[5].id"),
                     ("UNKNOWN_ITEM_REFERENCE", "intent.sequence[0].itemId"),
                     ("ITEM_KIND_MISMATCH", "intent.audioLayers[0].itemId")]
    envelope = err.envelope_dict("req_x")
    assert len(envelope["error"]["details"]) == 2


def test_a_missing_length_is_reported_once_per_item(manifest):
    m = manifest()
    m["folder"]["items"][2].pop("durationSec")
    m["folder"]["items"][4].pop("durationSec")
    m["intent"]["sequence"] += [{"itemId": "clip"}, {"itemId": "clip"}]
    m["intent"]["audioLayers"] = [
        {"itemId": "bgm", "fromSec": 0, "toSec": 5, "role": "music", "placement": "loopToFit"},
        {"itemId": "bgm", "fromSec": 0, "toSec": 5, "role": "music", "placement": "loopToFit"}]
    err = fails(m)
    fields = [err.field] + [d.field for d in err.details]
    assert fields == ["folder.items[2].durationSec", "folder.items[4].durationSec"]
