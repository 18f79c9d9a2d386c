"""Contract §3.2: the output of describe-scenes can be sent to scene-timestamps unchanged."""

import pytest

from postprod.contract import TimestampsRequest, parse_model
from postprod.contract.errors import ValidationFailed

DESCRIBED = {
    "data": {"scenes": [
        {"index": 0, "sceneId": "lab", "description": "A person, in white tones.",
         "interpretation": "Placed by story order.", "anchorText": "In the lab, Ada works late.",
         "startCueText": "In the lab, Ada", "extraDetail": True},
        {"index": 1, "description": "A valley, in green tones.",
         "anchorText": "The valley wakes at dawn.", "startCueText": "The valley wakes"},
    ]},
    "meta": {"requestId": "req_01JABCDEFGHJKMNPQRSTVWXYZ0", "style": "normal",
             "languageCode": "en", "sceneCount": 2},
}


def test_whole_describe_response_reads_as_its_scenes_and_language() -> None:
    req = parse_model(TimestampsRequest, DESCRIBED)
    assert [s.id for s in req.scenes] == ["lab", None]  # None: scene-1 by default
    assert [s.start_cue_text for s in req.scenes] == ["In the lab, Ada", "The valley wakes"]
    assert req.language_code == "en"


def test_describe_data_alone_is_accepted_too() -> None:
    req = parse_model(TimestampsRequest, DESCRIBED["data"])
    assert req.scenes[0].id == "lab" and req.language_code is None


def test_index_must_be_the_position() -> None:
    data = {"scenes": [dict(s) for s in DESCRIBED["data"]["scenes"]]}
    data["scenes"][1]["index"] = 4
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, data, prefix="metadata.")
    assert err.value.field == "metadata.scenes[1].index"
    assert err.value.allowed == "1 (the scene's position in scenes[]), or no index"


def test_scene_id_and_id_must_agree() -> None:
    scene = {"id": "lab", "sceneId": "kitchen", "anchorText": "x y", "startCueText": "x"}
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, {"scenes": [scene]})
    assert err.value.field == "scenes[0].sceneId"
    assert parse_model(TimestampsRequest, {"scenes": [{**scene, "sceneId": "lab"}]}
                       ).scenes[0].id == "lab"


def test_a_described_scene_without_cues_is_still_refused_by_field() -> None:
    data = {"scenes": [{"index": 0, "description": "A dark photo."}]}
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, data)
    assert err.value.field == "scenes[0].startCueText"


def test_other_wrappers_and_unknown_fields_stay_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, {"data": DESCRIBED["data"], "meta": {"requestId": "r"}})
    assert err.value.field == "scenes"  # no style in meta: not a Describe response
    assert [d.field for d in err.value.details] == ["data", "meta"]
    with pytest.raises(ValidationFailed) as err:
        parse_model(TimestampsRequest, {"scenes": [{"anchorText": "a b", "startCueText": "a",
                                                    "interpretaton": "typo"}]})
    assert err.value.field == "scenes[0].interpretaton"
