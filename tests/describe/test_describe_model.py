"""Describe Scenes with the real shipped classifier, detectors, OCR and sentence encoder."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from postprod.cli import main
from postprod.describe import describe_scenes
from postprod.describe.evidence import CONFIDENT, ConceptScore, Face, VisualEvidence
from postprod.describe.narration import SceneCue, TextSpan
from postprod.describe.scenes import interpretation
from postprod.describe.wording import describe_from_evidence
from postprod.models.classifier import get_classifier
from postprod.research.describe_bench import STORYBOARDS, cue_scores, photo_jpeg, photo_rgb

pytestmark = pytest.mark.model


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s])


def test_classifier_puts_espresso_or_cup_first_for_coffee() -> None:
    top = get_classifier().classify(photo_rgb("coffee"), top_k=3)
    assert top[0].label in ("espresso", "cup")
    assert top[0].probability > 0.5


def test_descriptions_respect_style_lengths(photos: dict[str, bytes]) -> None:
    images = list(photos.values())
    limits = {"short": (12, 1, 1), "normal": (30, 1, 1), "detailed": (70, 2, 3)}
    for style, (words, lo, hi) in limits.items():
        resp = describe_scenes(images, {"hints": {"style": style}}, tier="premium")
        assert resp.meta.style == style and resp.meta.scene_count == len(images)
        for scene in resp.data.scenes:
            assert 1 <= len(scene.description.split()) <= words, scene.description
            assert lo <= _sentences(scene.description) <= hi, scene.description
            assert len(scene.description) <= 500


def test_coffee_is_described_as_espresso_and_cat_as_cat(photos: dict[str, bytes]) -> None:
    resp = describe_scenes([photos["coffee"], photos["chelsea"]], None)
    coffee, cat = (s.description.lower() for s in resp.data.scenes)
    assert "espresso" in coffee or "coffee" in coffee
    assert "cat" in cat


def test_same_input_same_output(photos: dict[str, bytes]) -> None:
    req = {"narrationText": " ".join(" ".join(s) for s in STORYBOARDS[0].sentences),
           "sceneIds": ["a", "b", "c", "d"], "hints": {"style": "detailed"}}
    imgs = [photo_jpeg(p) for p in STORYBOARDS[0].photos]
    one = describe_scenes(imgs, req, request_id="req_X").to_json_data()
    two = describe_scenes(imgs, json.dumps(req), request_id="req_X").to_json_data()
    assert one == two


def _rocket_evidence(prob: float) -> VisualEvidence:
    """Evidence of one image whose only concept is a rocket at ``prob``."""
    concept = ConceptScore(key="rocket", phrase="a rocket", probability=prob,
                           keywords=("rocket",), kind="object", labels=("missile",))
    return VisualEvidence(width=640, height=480, labels=[], concepts=[concept], faces=[],
                          text="", ocr_ran=False, colours=[], grayscale=False,
                          brightness=0.5, contrast=0.2, orientation="landscape")


def test_low_confidence_is_hedged_or_left_out() -> None:
    def normal(prob: float) -> str:
        return describe_from_evidence(_rocket_evidence(prob), style="normal", max_chars=200)

    assert normal(CONFIDENT + 0.1).startswith("A rocket")
    assert "what looks like a rocket" in normal(0.3).lower()
    assert "rocket" not in normal(0.1)


def test_interpretation_claims_a_match_only_as_firmly_as_the_evidence() -> None:
    def cue(affinity: float) -> SceneCue:
        return SceneCue(span=TextSpan(0, 10), anchor_text="The rocket", start_cue_text="The",
                        affinity=affinity, keyword_hit="rocket", contradicted=False)

    assert interpretation(_rocket_evidence(0.9), cue(0.5)).endswith("which the image shows.")
    assert interpretation(_rocket_evidence(0.3), cue(0.5)).endswith(
        "which the image seems to show.")
    weak = interpretation(_rocket_evidence(0.06), cue(0.05))
    assert weak.startswith("Placed by story order") and "rocket" not in weak


def test_close_up_needs_a_face_that_fills_the_frame() -> None:
    def ev(side: int) -> VisualEvidence:
        return VisualEvidence(width=512, height=512, labels=[], concepts=[],
                              faces=[Face(x=100, y=50, width=side, height=side)], text="",
                              ocr_ran=False, colours=[], grayscale=False, brightness=0.5,
                              contrast=0.2, orientation="square")

    assert ev(104).framing == ""  # a waist-up portrait
    assert ev(220).framing == "close-up"
    assert describe_from_evidence(ev(104), style="normal", max_chars=200) == "A person."
    assert describe_from_evidence(ev(220), style="normal", max_chars=200) \
        .startswith("A close-up of a person")


def test_free_tier_caps_fields_at_200_chars(photos: dict[str, bytes]) -> None:
    narration = "The espresso waits on the saucer, " + "and the morning goes on " * 20 + "."
    resp = describe_scenes([photos["coffee"]], {"narrationText": narration}, tier="free")
    scene = resp.data.scenes[0]
    assert scene.anchor_text and len(scene.anchor_text) <= 200
    assert narration.startswith(scene.anchor_text)
    assert not narration[len(scene.anchor_text)].isalnum()  # cut at a word boundary


def test_extra_detail_reads_on_screen_text(photos: dict[str, bytes]) -> None:
    resp = describe_scenes([photos["page"], photos["coffee"]],
                           {"sceneOptions": [{"index": 0, "extraDetail": True}],
                            "hints": {"style": "detailed"}}, tier="premium")
    page, coffee = resp.data.scenes
    assert page.extra_detail is True and coffee.extra_detail is None
    assert "markers" in page.description.lower() or "coins" in page.description.lower()
    assert "extraDetail" not in coffee.to_json_data()


def test_narration_cues_follow_the_rules_and_the_story() -> None:
    board = STORYBOARDS[1]
    resp = describe_scenes([photo_jpeg(p) for p in board.photos],
                           {"narrationText": board.narration, "sceneIds": list(board.photos)})
    assert [s.scene_id for s in resp.data.scenes] == list(board.photos)
    assert [s.index for s in resp.data.scenes] == list(range(len(board.photos)))
    score = cue_scores(board, resp)
    assert score["order_ok"] and score["overlaps"] == 0
    assert score["inside"] >= len(board.photos) - 1
    for scene in resp.data.scenes:
        if scene.anchor_text:
            assert scene.interpretation and len(scene.interpretation.split()) <= 30


def test_no_narration_no_cue_fields(photos: dict[str, bytes]) -> None:
    data = describe_scenes([photos["coffee"]], None).to_json_data()["data"]["scenes"][0]
    assert set(data) == {"index", "description"}


def test_language_hint_is_reported_honestly(photos: dict[str, bytes]) -> None:
    narration = "Eine Tasse Espresso dampft auf dem Tisch. Die Katze schläft am Fenster."
    resp = describe_scenes([photos["coffee"], photos["chelsea"]],
                           {"narrationText": narration, "hints": {"languageCode": "de"}})
    assert resp.meta.language_code == "en"  # descriptions are written in English
    assert [s.anchor_text for s in resp.data.scenes] == [
        "Eine Tasse Espresso dampft auf dem Tisch.", "Die Katze schläft am Fenster."]


def test_broken_images_are_all_reported(photos: dict[str, bytes]) -> None:
    from postprod.contract.errors import ImageUndecodable

    bad = photos["coffee"][:2000]
    with pytest.raises(ImageUndecodable) as err:
        describe_scenes([bad, photos["chelsea"], bad], None)
    assert err.value.field == "images[0]"
    assert [d.field for d in err.value.details] == ["images[2]"]


def test_cli_describe_price_and_errors(tmp_path, photos: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    img = tmp_path / "coffee.jpg"
    img.write_bytes(photos["coffee"])
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"sceneIds": ["coffee"], "hints": {"style": "short"}}))
    runner = CliRunner()
    ok = runner.invoke(main, ["describe", str(img), "--metadata", str(meta)])
    assert ok.exit_code == 0, ok.output
    body = json.loads(ok.stdout)
    assert body["data"]["scenes"][0]["sceneId"] == "coffee"
    assert body["meta"]["requestId"].startswith("req_")
    cost = runner.invoke(main, ["price", "describe", str(img), str(img), "--tier", "free"])
    assert cost.exit_code == 0 and json.loads(cost.stdout) == {"cost": 5}
    meta.write_text(json.dumps({"hints": {"style": "detailed"}}))
    bad = runner.invoke(main, ["describe", str(img), "--metadata", str(meta), "--tier", "free"])
    assert bad.exit_code == 2
    envelope = json.loads(bad.stderr)  # the envelope alone: no progress bar before it
    assert envelope["error"]["code"] == "TIER_FEATURE_NOT_AVAILABLE"
    assert envelope["meta"]["requestId"].startswith("req_")
