"""Editor exports of the `json` response: FCP 7 XML, FCPXML (our writer), CMX 3600 EDL."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from lxml import etree

from postprod.compose import compose_otio
from postprod.compose.edl import reel_name
from postprod.compose.fcp7_xml import localhost_url

GOLDEN = Path(__file__).parent / "golden"


def rich(manifest, *, fps=25, consumer="generic", root="/media/Job 1"):
    m = manifest(fps=fps)
    m["folder"]["mediaRootPath"] = root
    m["intent"]["sequence"][1]["transitionIn"] = {"type": "crossfade", "durationSec": 1}
    m["intent"]["sequence"].append({"itemId": "clip", "trim": {"inSec": 2, "outSec": 6},
                                    "transitionIn": {"type": "crossfade", "durationSec": 0.5},
                                    "embeddedAudio": {"separateTrack": True}})
    m["intent"]["audioLayers"] = [
        {"itemId": "nar", "fromSec": 0.5, "toSec": 9, "role": "narration", "trackId": "vo"},
        {"itemId": "bgm", "fromSec": 0, "toSec": 12, "role": "music", "trackId": "bed",
         "placement": "loopToFit"}]
    m["output"] = {"targetConsumer": consumer}
    m["responseFormat"] = "json"
    return m


def positions(track):
    out = []
    for child in track:
        if isinstance(child, otio.schema.Clip):
            r = child.range_in_parent()
            out.append((round(r.start_time.value), round(r.duration.value)))
    return out


@pytest.mark.parametrize("consumer", ["generic", "premiere", "resolve"])
@pytest.mark.parametrize("fps", [25, 23.976, 29.97])
def test_fcp7_xml_reads_back_with_the_same_cut(manifest, consumer, fps):
    result = compose_otio(rich(manifest, fps=fps, consumer=consumer))
    exports = result.response.data.exports
    assert set(exports) == {"fcp7Xml", "edlV1"}
    xml = exports["fcp7Xml"]
    assert xml.file_name == "test-cut.xml"
    back = otio.adapters.read_from_string(xml.content, "fcp_xml")
    ours = result.timeline
    assert len(back.tracks) == len(ours.tracks)
    for mine, theirs in zip(ours.tracks, back.tracks, strict=True):
        assert mine.kind == theirs.kind
        assert positions(theirs) == positions(mine)
    v_back = [c for c in back.tracks[0] if isinstance(c, otio.schema.Transition)]
    assert [(t.in_offset.value, t.out_offset.value) for t in v_back] == [
        (t.in_offset.value, t.out_offset.value) for t in ours.tracks[0]
        if isinstance(t, otio.schema.Transition)]


def test_fcp7_xml_sequence_format_and_pathurls(manifest):
    result = compose_otio(rich(manifest, fps=29.97, consumer="premiere"))
    root = etree.fromstring(result.response.data.exports["fcp7Xml"].content.encode())
    chars = root.find("./project/children/sequence/media/video/format/samplecharacteristics")
    if chars is None:
        chars = root.find(".//sequence/media/video/format/samplecharacteristics")
    assert chars is not None
    assert (chars.findtext("width"), chars.findtext("height")) == ("1920", "1080")
    assert (chars.findtext("rate/timebase"), chars.findtext("rate/ntsc")) == ("30", "TRUE")
    urls = {e.text for e in root.iter("pathurl")}
    assert "file://localhost/media/Job%201/scenes/a.jpg" in urls
    assert all(u.startswith("file://localhost/") and " " not in u for u in urls)


def test_localhost_url_for_windows_drives():
    assert localhost_url("file:///C:/A%20B/x.mov") == "file://localhost/C%3A/A%20B/x.mov"
    assert localhost_url("scenes/a.jpg") == "scenes/a.jpg"


def _seconds(value: str) -> Fraction:
    assert value.endswith("s"), value
    return Fraction(value[:-1])


@pytest.mark.parametrize("fps", [25, 23.976, 29.97, 59.94])
def test_fcpxml_structure_and_times(manifest, fps):
    result = compose_otio(rich(manifest, fps=fps, consumer="fcpx"))
    exports = result.response.data.exports
    assert set(exports) == {"fcpxml", "edlV1"}
    text = exports["fcpxml"].content
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>')
    root = etree.fromstring(text.encode())
    assert root.tag == "fcpxml" and root.get("version") == "1.10"
    spine = root.find("./library/event/project/sequence/spine")
    assert spine is not None
    fmt = root.find("./resources/format")
    frame = _seconds(fmt.get("frameDuration"))
    rate = Fraction(result.timeline.metadata["postprod"]["rate"])
    assert frame == 1 / rate
    ids = {e.get("id") for e in root.find("resources")}
    for el in root.iter():
        for attr in ("offset", "start", "duration"):
            if el.get(attr) is not None and el.tag != "asset":
                assert (_seconds(el.get(attr)) / frame).denominator == 1, (el.tag, attr)
        if el.get("ref") is not None:
            assert el.get("ref") in ids
    # spine = V1: stills as <video>, the video as <asset-clip>, dissolves between them
    tags = [e.tag for e in spine]
    # the audio runs 2 s past the pictures: V1's trailing gap is in the spine too
    assert tags == ["video", "transition", "video", "transition", "asset-clip", "gap"]
    v1 = result.timeline.tracks[0]
    clips = [c for c in v1 if isinstance(c, otio.schema.Clip)]
    spine_clips = [e for e in spine if e.tag in ("video", "asset-clip")]
    for c, e in zip(clips, spine_clips, strict=True):
        r = c.range_in_parent()
        assert _seconds(e.get("offset")) == Fraction(round(r.start_time.value)) / rate
        assert _seconds(e.get("duration")) == Fraction(round(r.duration.value)) / rate
        assert _seconds(e.get("start")) == Fraction(round(c.source_range.start_time.value)) / rate
    for t in spine.findall("transition"):
        assert t.get("name") == "Cross Dissolve"
        assert t.find("filter-video").get("ref") in ids
    # each audio clip hangs on the spine element under its start, on its own lane
    lanes = sorted({int(e.get("lane")) for e in spine.iter("asset-clip") if e.get("lane")})
    assert lanes == [-3, -2, -1]
    audio_clips = sum(len(list(t.find_clips())) for t in result.timeline.tracks[1:])
    assert len([e for e in spine.iter("asset-clip") if e.get("lane")]) == audio_clips
    for src in (e.get("src") for e in root.iter("media-rep")):
        assert src.startswith("file:///media/Job%201/")


def test_fcpxml_escapes_names_through_a_real_serializer(manifest):
    m = rich(manifest, consumer="fcpx")
    m["project"]["name"] = "Tom's \"cut\" <1> & more"
    m["intent"]["sequence"][0]["clipNameHint"] = "it's <here>"
    text = compose_otio(m).response.data.exports["fcpxml"].content
    root = etree.fromstring(text.encode())
    assert root.find("./library/event/project").get("name") == "Tom's \"cut\" <1> & more"
    assert root.find(".//spine/video").get("name") == "it's <here>"


def test_fcpxml_golden_parses_back():
    root = etree.parse(str(GOLDEN / "fcpx_lanes.fcpxml")).getroot()
    assert root.find(".//sequence").get("duration") == "539539/60000s"


@pytest.mark.parametrize("fps", [25, 29.97, 23.976])
def test_edl_per_video_track_reads_back(manifest, fps):
    result = compose_otio(rich(manifest, fps=fps, consumer="kdenlive"))
    exports = result.response.data.exports
    assert set(exports) == {"kdenlive", "edlV1"}
    edl = exports["edlV1"]
    assert edl.file_name == "test-cut-V1.edl"
    assert "audio is left out" in (edl.note or "")
    rate = float(Fraction(result.timeline.metadata["postprod"]["rate"]))
    back = otio.adapters.read_from_string(edl.content, "cmx_3600", rate=rate)
    assert len(back.tracks) == 1
    # an EDL ends with its last event: V1's trailing gap (black) is not written
    last_clip = list(result.timeline.tracks[0].find_clips())[-1]
    assert (back.tracks[0].duration().value
            == last_clip.range_in_parent().end_time_exclusive().value)
    assert len([c for c in back.tracks[0] if isinstance(c, otio.schema.Transition)]) == 2
    reels = {line.split()[1] for line in edl.content.splitlines() if re.match(r"^\d{3} ", line)}
    assert reels == {"A", "B", "CLIP"}
    warnings = {w.code for w in result.response.data.warnings}
    assert "EDL_AUDIO_OMITTED" in warnings


@pytest.mark.parametrize(("item_id", "reel"), [
    ("clip", "CLIP"), ("pier take#2.mov", "PIERTAKE"), ("a-b_c.d", "ABCD"), ("---", "AX")])
def test_reel_names_are_sanitised(item_id, reel):
    assert reel_name(item_id) == reel
    assert re.fullmatch(r"[A-Z0-9]{1,8}", reel_name(item_id))


def test_edl_without_audio_has_no_warning(manifest):
    m = manifest()
    m["folder"]["mediaRootPath"] = "/media"
    m["responseFormat"] = "json"
    result = compose_otio(m)
    assert "edlV1" in result.response.data.exports
    assert result.response.data.warnings == []


def test_file_format_skips_exports_unless_asked(manifest):
    m = rich(manifest)
    m["responseFormat"] = "file"
    assert compose_otio(m).response.data.exports == {}
    assert set(compose_otio(m, with_exports=True).response.data.exports) == {"fcp7Xml", "edlV1"}


def test_exports_do_not_change_the_otio(manifest):
    m = rich(manifest, consumer="premiere")
    with_exports = compose_otio(m, with_exports=True)
    without = compose_otio(m, with_exports=False)
    assert with_exports.otio_json == without.otio_json


def test_fcpxml_plays_a_separated_video_sound_once(manifest):
    result = compose_otio(rich(manifest, consumer="fcpx"))
    root = etree.fromstring(result.response.data.exports["fcpxml"].content.encode())
    spine = root.find(".//spine")
    video_clip = spine.find("asset-clip")
    assert video_clip.get("srcEnable") == "video"
    a_src = [e for e in spine.iter("asset-clip") if e.get("lane") == "-1"]
    assert len(a_src) == 1
    assert a_src[0].get("srcEnable") == "audio"
    assert a_src[0].get("ref") == video_clip.get("ref")
    assert (a_src[0].get("start"), a_src[0].get("duration")) == (
        video_clip.get("start"), video_clip.get("duration"))


def test_edl_reels_are_one_per_file_and_cmx_conform():
    from postprod.compose.edl import Reels, ascii_text

    reels = Reels()
    got = [reels("a", "scenes/scene_001_dawn.jpg"), reels("b", "scenes/scene_001_dusk.jpg"),
           reels("a", "scenes/scene_001_dawn.jpg"), reels("c", "Ünïcode ☃.png"),
           reels("d", "ax.mov"), reels("e", "???.jpg")]
    assert got == ["SCENE001", "SCENE002", "SCENE001", "UNICODE", "AX2", "AX3"]
    assert ascii_text("Café #1 – fin ☃") == "Cafe #1 - fin ?"


@pytest.mark.parametrize("consumer", ["generic", "kdenlive"])
def test_relative_paths_and_awkward_names_are_warned_about(manifest, consumer):
    m = manifest()
    m["output"] = {"targetConsumer": consumer}
    m["folder"]["items"][0]["path"] = "Scènes/01 café #1 50% ?.jpg"
    result = compose_otio(m)
    codes = {w.code: w.field for w in result.response.data.warnings}
    assert codes == {"RELATIVE_MEDIA_PATHS": "folder.mediaRootPath",
                     "MEDIA_NAME_CHARACTERS": "folder.items[0].path"}
    url = next(iter(result.timeline.find_clips())).media_reference.target_url
    assert url == "Sc%C3%A8nes/01%20caf%C3%A9%20%231%2050%25%20%3F.jpg"
