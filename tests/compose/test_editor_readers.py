"""Every editor export read back by an independent reader, frame by frame.

Readers: xmllint with Apple's FCPXML 1.10 DTD (tests/compose/data), otio-fcp-adapter (FCP 7
XML), otio-cmx3600-adapter (EDL), MLT's `melt` rendering the .kdenlive headless (under
xvfb-run: MLT's Qt image producer needs a display) and otio-kdenlive-adapter re-reading it.
Each test compares the positions of every clip, dissolve and marker with the .otio of the
same request (melt also renders the sound: the narration lane plays on its frames).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import wave
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import opentimelineio as otio
import pytest
from lxml import etree
from PIL import Image

from postprod.compose import compose_otio
from postprod.compose.timebase import project_rate

DTD = Path(__file__).parent / "data" / "FCPXMLv1_10.dtd"
RATES = [23.976, 24, 25, 29.97, 59.94]
NASTY = "Scènes/01 café #1 50% ?.png"
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
W, H = 32, 18


def editor_manifest(fps: float, *, consumer: str = "generic", root: str | None = None
                    ) -> dict[str, Any]:
    """Four coloured stills (one with an awkward name) about 20 frames each, two centred
    dissolves (8 frames: 4 + 4; 7 frames: 3 before the cut + 4 after it), a narration layer
    and three scene markers (two with 90 % windows)."""
    frame = 1 / project_rate(fps)
    sec = [float(20 * frame), float(22 * frame), float(18 * frame), float(20 * frame)]
    paths = [NASTY, "Scènes/b.png", "Scènes/c.png", "Scènes/d.png"]
    m: dict[str, Any] = {
        "project": {"name": "Éditeur #1 – 50% ?", "fps": fps,
                    "resolution": {"w": W, "h": H}},
        "folder": {"items": [
            *({"id": f"s{k}", "kind": "image", "path": p} for k, p in enumerate(paths)),
            {"id": "nar", "kind": "audio", "path": "narration.wav", "durationSec": 4}]},
        "intent": {"sequence": [
            {"itemId": "s0", "durationSec": sec[0], "clipNameHint": "Café #1"},
            {"itemId": "s1", "durationSec": sec[1],
             "transitionIn": {"type": "crossfade", "durationSec": float(8 * frame)}},
            {"itemId": "s2", "durationSec": sec[2]},
            {"itemId": "s3", "durationSec": sec[3],
             "transitionIn": {"type": "crossfade", "durationSec": float(7 * frame)}}],
            "audioLayers": [{"itemId": "nar", "fromSec": float(3 * frame),
                             "toSec": float(70 * frame), "role": "narration"}]},
        "markers": [
            {"atSec": 0, "name": "scene-0"},
            {"atSec": float(20 * frame), "name": "scène 1",
             "window": {"startSec": float(17 * frame), "endSec": float(25 * frame)},
             "confidence": 0.91, "note": "dawn"},
            {"atSec": float(42 * frame), "name": "scene-2",
             "window": {"startSec": float(40 * frame), "endSec": float(43 * frame)},
             "confidence": 0.42}],
        "output": {"targetConsumer": consumer},
        "responseFormat": "json",
    }
    if root is not None:
        m["folder"]["mediaRootPath"] = root
    return m


def expected(result) -> dict[str, Any]:
    """Positions in frames from the .otio text: clips, dissolves (cut, frames before the cut,
    frames after it), markers."""
    tl = otio.adapters.read_from_string(result.otio_json, "otio_json")
    v1 = tl.tracks[0]
    clips, dissolves, cursor = [], [], 0
    for child in v1:
        if isinstance(child, otio.schema.Transition):
            dissolves.append((cursor, round(child.in_offset.value),
                              round(child.out_offset.value)))
            continue
        length = round(child.source_range.duration.value)
        if isinstance(child, otio.schema.Clip):
            clips.append((child.name, cursor, length,
                          round(child.source_range.start_time.value)))
        cursor += length
    markers = [(m.name, round(m.marked_range.start_time.value),
                round(m.marked_range.duration.value), m.metadata["postprod"]["atFrame"], m.color)
               for m in tl.tracks.markers]
    return {"clips": clips, "dissolves": dissolves, "markers": markers,
            "rate": Fraction(tl.metadata["postprod"]["rate"])}


# -- FCPXML: Apple's DTD (xmllint) ---------------------------------------------------------


def _seconds(value: str) -> Fraction:
    return Fraction(value[:-1])


@pytest.mark.parametrize("fps", RATES)
def test_fcpxml_is_valid_against_apples_dtd_and_lands_on_the_frames(fps, tmp_path):
    result = compose_otio(editor_manifest(fps, consumer="fcpx", root="C:\\Média #1"))
    text = result.response.data.exports["fcpxml"].content
    path = tmp_path / "cut.fcpxml"
    path.write_text(text, encoding="utf-8")
    lint = subprocess.run(["xmllint", "--noout", "--dtdvalid", str(DTD), str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert lint.returncode == 0, lint.stderr
    want = expected(result)
    rate = want["rate"]
    root = etree.fromstring(text.encode())
    spine = root.find(".//spine")
    got_clips = [(e.get("name"), round(_seconds(e.get("offset")) * rate),
                  round(_seconds(e.get("duration")) * rate))
                 for e in spine if e.tag == "video"]
    assert got_clips == [(n, s, d) for n, s, d, _ in want["clips"]]
    got_dissolves = [(round(_seconds(e.get("offset")) * rate),
                      round(_seconds(e.get("duration")) * rate))
                     for e in spine if e.tag == "transition"]
    assert got_dissolves == [(cut - a, a + b) for cut, a, b in want["dissolves"]]
    got_markers = []
    for parent in spine:
        for mk in parent.findall("marker"):
            at = (_seconds(parent.get("offset")) + _seconds(mk.get("start"))
                  - _seconds(parent.get("start", "0s")))
            got_markers.append((mk.get("value"), round(at * rate)))
    assert got_markers == [(n, s) for n, s, _, _, _ in want["markers"]]
    srcs = [unquote(e.get("src")) for e in root.iter("media-rep")]
    assert "file:///C:/Média #1/" + NASTY in srcs


# -- FCP 7 XML: otio-fcp-adapter -------------------------------------------------------------


def _read_track(track) -> tuple[list[tuple[str, int, int]], list[tuple[int, int, int]]]:
    clips, dissolves, cursor = [], [], 0
    for child in track:
        if isinstance(child, otio.schema.Transition):
            dissolves.append((cursor, round(child.in_offset.value),
                              round(child.out_offset.value)))
            continue
        length = round(child.source_range.duration.value)
        if isinstance(child, otio.schema.Clip):
            clips.append((child.name, cursor, length))
        cursor += length
    return clips, dissolves


@pytest.mark.parametrize("consumer", ["generic", "resolve"])
@pytest.mark.parametrize("fps", RATES)
def test_fcp7_xml_reads_back_frame_identical(fps, consumer):
    result = compose_otio(editor_manifest(fps, consumer=consumer))
    content = result.response.data.exports["fcp7Xml"].content
    back = otio.adapters.read_from_string(content, "fcp_xml")
    want = expected(result)
    clips, dissolves = _read_track(back.tracks[0])
    assert clips == [(n, s, d) for n, s, d, _ in want["clips"]]
    assert dissolves == want["dissolves"]
    src = [c for c in back.tracks[0] if isinstance(c, otio.schema.Clip)]
    assert [round(c.source_range.start_time.value) for c in src] == [
        s for _, _, _, s in want["clips"]]
    markers = [(m.name, round(m.marked_range.start_time.value),
                round(m.marked_range.duration.value)) for m in back.tracks.markers]
    assert markers == [(n, s, d) for n, s, d, _, _ in want["markers"]]
    start = back.global_start_time
    assert round(start.value) == (round(result.timeline.global_start_time.value)
                                  if consumer == "resolve" else 0)
    urls = [unquote(c.media_reference.target_url) for c in src]
    assert urls[0] == NASTY
    ours = next(iter(result.timeline.find_clips())).media_reference.target_url
    assert "#" not in ours and "?" not in ours and unquote(ours) == NASTY
    root = etree.fromstring(content.encode())
    for item in root.iter("clipitem"):
        assert len(item.findall("rate")) == 1
    for f in root.iter("file"):
        if f.findtext("name", "").endswith(".png"):
            assert f.find("media/audio") is None


def test_fcp7_xml_links_a_video_to_its_own_sound():
    m = editor_manifest(25)
    m["folder"]["items"].append({"id": "v", "kind": "video", "path": "clips/v.mp4",
                                 "durationSec": 4})
    m["intent"]["sequence"].append({"itemId": "v", "trim": {"inSec": 1, "outSec": 2},
                                    "embeddedAudio": {"separateTrack": True}})
    root = etree.fromstring(
        compose_otio(m).response.data.exports["fcp7Xml"].content.encode())
    video = root.findall(".//video/track/clipitem")[-1]
    audio = root.find(".//audio/track/clipitem")
    for item in (video, audio):
        refs = {(ln.findtext("linkclipref"), ln.findtext("mediatype")) for ln in item.iter("link")}
        assert refs == {(video.get("id"), "video"), (audio.get("id"), "audio")}
    assert audio.find("file").get("id") == video.find("file").get("id")


# -- CMX 3600 EDL: otio-cmx3600-adapter ------------------------------------------------------


def _edl_expectation(want: dict[str, Any]) -> list[tuple[int, int]]:
    """EDL record (in, out) per clip: a dissolve's incoming event starts at its start."""
    before_cut = {cut: a for cut, a, _ in want["dissolves"]}
    out = []
    clips = want["clips"]
    for k, (_, start, length, _) in enumerate(clips):
        head = before_cut.get(start, 0) if k else 0
        nxt = clips[k + 1][1] if k + 1 < len(clips) else None
        tail = before_cut.get(nxt, 0) if nxt is not None else 0
        out.append((start - head, start + length - tail))
    return out


@pytest.mark.parametrize("consumer", ["generic", "resolve"])
@pytest.mark.parametrize("fps", RATES)
def test_edl_reads_back_frame_identical(fps, consumer):
    result = compose_otio(editor_manifest(fps, consumer=consumer))
    content = result.response.data.exports["edlV1"].content
    assert content.isascii()
    assert "FCM: NON-DROP FRAME" in content.splitlines()[1]
    assert ";" not in content
    want = expected(result)
    back = otio.adapters.read_from_string(content, "cmx_3600", rate=float(want["rate"]))
    start = round(result.timeline.global_start_time.value) if consumer == "resolve" else 0
    track = back.tracks[0]
    assert round(track.source_range.start_time.value) == -start if start else True
    records, cursor, dissolves = [], 0, []
    for child in track:
        if isinstance(child, otio.schema.Transition):
            dissolves.append((cursor, round(child.out_offset.value)))
            continue
        length = round(child.source_range.duration.value)
        if isinstance(child, otio.schema.Clip):
            records.append((cursor, cursor + length, child))
        cursor += length
    assert [(a, b) for a, b, _ in records] == _edl_expectation(want)
    assert dissolves == [(cut - a, a + b) for cut, a, b in want["dissolves"]]
    # locators: at the scene start, on the clip under it, in that clip's source time
    got = []
    for rec_in, _, clip in records:
        for mk in clip.markers:
            frame = rec_in + round(mk.marked_range.start_time.value
                                   - clip.source_range.start_time.value)
            got.append((mk.name.split(" (")[0], frame, mk.color))
    assert got == [(n.replace("è", "e"), at, color) for n, _, _, at, color in want["markers"]]
    reels = [line.split()[1] for line in content.splitlines() if line[:3].isdigit()]
    assert all(len(r) <= 8 and r.isalnum() and r.isupper() for r in reels)
    names = [line.split(":", 1)[1].strip() for line in content.splitlines()
             if line.startswith("* FROM CLIP NAME:")]
    assert names[0] == "01 cafe #1 50% ?.png"
    files = [unquote(line.split(": ", 1)[1]) for line in content.splitlines()
             if line.startswith("* SOURCE FILE:")]
    assert files[0] == NASTY


def test_two_hour_edl_at_29_97_lands_on_the_otio_frames(monkeypatch):
    """Non-drop timecode with its FCM line: 2 h of 29.97 read back on the same frames."""
    from postprod.compose import plan as plan_module
    from postprod.contract.limits import limits_for

    longer = limits_for("enterprise").model_copy(update={"compose_timeline_sec": 7300})
    monkeypatch.setattr(plan_module, "limits_for", lambda tier: longer)
    items = [{"id": f"s{k}", "kind": "image", "path": f"s{k}.jpg"} for k in range(60)]
    sequence = []
    for k in range(720):  # 720 x 10 s = 2 h
        entry: dict[str, Any] = {"itemId": f"s{k % 60}", "durationSec": 10}
        if k % 4 == 1:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 1}
        sequence.append(entry)
    m = {"project": {"name": "Two hours", "fps": 29.97, "resolution": {"w": 64, "h": 36}},
         "folder": {"items": items}, "intent": {"sequence": sequence},
         "output": {"targetConsumer": "resolve"}, "responseFormat": "json",
         "markers": [{"atSec": 3600, "name": "one hour"}, {"atSec": 7190, "name": "end"}]}
    result = compose_otio(m)
    want = expected(result)
    assert want["clips"][-1][1] + want["clips"][-1][2] == 215784  # 7200 s at 30000/1001
    content = result.response.data.exports["edlV1"].content
    assert content.splitlines()[1] == "FCM: NON-DROP FRAME"
    back = otio.adapters.read_from_string(content, "cmx_3600", rate=30000 / 1001)
    records, cursor = [], 0
    for child in back.tracks[0]:
        if isinstance(child, otio.schema.Transition):
            continue
        length = round(child.source_range.duration.value)
        if isinstance(child, otio.schema.Clip):
            records.append((cursor, cursor + length))
        cursor += length
    assert records == _edl_expectation(want)
    # the last event's record out: 01:00:00:00 + 215784 frames of non-drop timecode
    last = [ln for ln in content.splitlines() if ln[:3].isdigit()][-1]
    assert last.split()[-1] == "02:59:52:24"
    # the same digits read as drop-frame timecode would land 324 frames (10.8 s) early
    assert otio.opentime.from_timecode("02:59:52;24", 30000 / 1001).value - (
        108000 + 215784) == -324


# -- Kdenlive: melt renders it ---------------------------------------------------------------


def _media(folder: Path) -> None:
    (folder / "Scènes").mkdir(parents=True, exist_ok=True)
    for colour, name in zip(COLOURS, [NASTY, "Scènes/b.png", "Scènes/c.png", "Scènes/d.png"],
                            strict=True):
        Image.new("RGB", (W, H), colour).save(folder / name)
    with wave.open(str(folder / "narration.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x10" * 8000 * 4)


def _melt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """melt under xvfb-run (one render per test: an audio-only render, vn=1, hung about one run
    in six here; pictures and sound together never did in 30 runs)."""
    assert shutil.which("melt") and shutil.which("xvfb-run"), \
        "melt and xvfb-run are installed by scripts/setup.sh"
    for _ in range(3):  # xvfb-run -a can lose a display-number race with another X server
        done = _run_group(["xvfb-run", "-a", "melt", *args], cwd=cwd, timeout=120)
        if done.returncode == 0 or "xvfb-run: error" not in done.stderr:
            break
    return done


def _run_group(cmd: list[str], *, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in its own process group; on a timeout kill the whole group (melt and the
    Xvfb server too, which a plain subprocess timeout would leave running), then fail."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _pure(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 4 for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("fps", RATES)
def test_melt_renders_the_kdenlive_project_on_the_frames(fps, tmp_path):
    result = compose_otio(editor_manifest(fps, consumer="kdenlive"))
    exports = result.response.data.exports
    project = tmp_path / exports["kdenlive"].file_name
    project.write_text(exports["kdenlive"].content, encoding="utf-8")
    _media(tmp_path)
    want = expected(result)
    rate = want["rate"]
    doc = etree.parse(str(project)).getroot()
    profile = doc.find("profile")
    assert (Fraction(int(profile.get("frame_rate_num")), int(profile.get("frame_rate_den")))
            == rate)
    assert (profile.get("width"), profile.get("height")) == (str(W), str(H))

    # one render, pictures and sound (rawvideo + PCM in NUT), split without re-coding
    render = _melt(project.name, "-consumer", "avformat:out.nut", "vcodec=rawvideo",
                   "pix_fmt=rgb24", "acodec=pcm_s16le", "ar=48000", "ac=1", "real_time=-1",
                   "terminate_on_pause=1", cwd=tmp_path)
    assert render.returncode == 0, render.stderr[-2000:]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", "out.nut", "-map", "0:v", "-c:v", "copy",
                    "-f", "rawvideo", "out.rgb", "-map", "0:a", "-c:a", "copy", "-f", "s16le",
                    "out.pcm"], cwd=tmp_path, check=True, timeout=60)
    data = (tmp_path / "out.rgb").read_bytes()
    size = W * H * 3
    frames = [tuple(data[k * size + (H // 2 * W + W // 2) * 3:][:3])
              for k in range(len(data) // size)]
    end = want["clips"][-1][1] + want["clips"][-1][2]
    assert len(frames) >= end
    after_cut = {cut: b for cut, _, b in want["dissolves"]}
    before_cut = {cut: a for cut, a, _ in want["dissolves"]}
    clips = want["clips"]
    for k, (_, start, length, _) in enumerate(clips):
        head = after_cut.get(start, 0) if k else 0  # the dissolve in still runs
        nxt = clips[k + 1][1] if k + 1 < len(clips) else None
        tail = before_cut.get(nxt, 0) if nxt is not None else 0  # the dissolve out has begun
        for f in range(start + head, start + length - tail):
            assert _pure(frames[f], COLOURS[k]), (f, frames[f], k)
    for cut, before, after in want["dissolves"]:
        k = next(i for i, c in enumerate(clips) if c[1] == cut)
        a, b = COLOURS[k - 1], COLOURS[k]
        # Kdenlive plants a mix over in..in+duration (MLT's out is inclusive): at the cut the
        # luma has run `before` of duration + 1 steps
        p = before / (before + after + 1)
        mid = frames[cut]
        assert all(abs(m - (x * (1 - p) + y * p)) <= 8
                   for m, x, y in zip(mid, a, b, strict=True)), (cut, mid)
        for f in range(cut - before + 1, cut + after):
            assert not _pure(frames[f], a) and not _pure(frames[f], b), (f, frames[f])

    # the narration lane plays on its frames (the test narration is a constant level)
    samples = memoryview((tmp_path / "out.pcm").read_bytes()).cast("h")
    tl = otio.adapters.read_from_string(result.otio_json, "otio_json")
    lane = next(iter(tl.tracks[1].find_clips())).range_in_parent()
    first, stop = round(lane.start_time.value), round(lane.end_time_exclusive().value)
    per = Fraction(48000) / rate
    for f in range(0, stop + 5):
        lo, hi = -(-f * per // 1), (f + 1) * per // 1
        level = max(abs(x) for x in samples[int(lo):int(hi)])
        assert (level > 3000) == (first <= f < stop), (f, level)

    # guides are Kdenlive's own data (melt plays past them): read from the project itself
    guides_text = next(p.text for p in doc.iter("property")
                       if p.get("name") == "kdenlive:sequenceproperties.guides")
    guides = json.loads(guides_text)
    assert [(g["pos"], g["comment"].split(":")[0]) for g in guides] == [
        (at, name) for name, _, _, at, _ in want["markers"]]
    assert [g["type"] for g in guides] == [0, 1, 3]
    mixes = sorted((int(t.get("in")), int(t.get("out"))) for t in doc.iter("transition")
                   if any(p.get("name") == "mlt_service" and p.text == "luma"
                          for p in t.iter("property")))
    assert mixes == [(cut - a, cut + b) for cut, a, b in want["dissolves"]]


# -- every allowed rate: each export is written or skipped with a warning --------------------

ODD_RATES = [1, 10, 12, 15, 72, 100, 120, 144, 240]


@pytest.mark.parametrize("fps", [*ODD_RATES, 12.5])
def test_every_allowed_rate_composes_with_all_exports_or_a_warning(fps):
    for consumer in ["generic", "resolve", "premiere", "fcpx", "kdenlive"]:
        result = compose_otio(editor_manifest(fps, consumer=consumer))
        exports = result.response.data.exports
        skipped = {w.message.split(" for this")[0] for w in result.response.data.warnings
                   if w.code == "EXPORT_SKIPPED"}
        assert "edlV1" not in exports
        assert "no CMX 3600 EDL" in skipped
        if consumer in ("generic", "resolve", "premiere"):
            if fps == 12.5:
                assert "fcp7Xml" not in exports and "no FCP 7 XML" in skipped
                continue
            assert "fcp7Xml" in exports, (fps, consumer)
            back = otio.adapters.read_from_string(exports["fcp7Xml"].content, "fcp_xml")
            clips, dissolves = _read_track(back.tracks[0])
            want = expected(result)
            assert clips == [(n, s, d) for n, s, d, _ in want["clips"]]
            assert dissolves == want["dissolves"]
        elif consumer == "fcpx":
            assert "fcpxml" in exports
        else:
            assert "kdenlive" in exports


@pytest.mark.parametrize("fps", RATES)
def test_otio_kdenlive_adapter_reads_the_project_timing_back(fps):
    """Kdenlive's own (deprecated) OTIO adapter parses the mixes, clips and guides back.

    It undoes each mix (clip ends back on the cut) and reads every guide; it places the
    transitions it rebuilds by its own search (not always beside the mixed clips), so only
    their sizes are compared.
    """
    result = compose_otio(editor_manifest(fps, consumer="kdenlive"))
    back = otio.adapters.read_from_string(result.response.data.exports["kdenlive"].content,
                                          "kdenlive")
    want = expected(result)
    video = next(t for t in back.tracks if t.kind == otio.schema.TrackKind.Video)
    clips, dissolves = _read_track(video)
    assert [(s, d) for _, s, d in clips] == [(s, d) for _, s, d, _ in want["clips"]]
    assert clips[0][0] == NASTY.split("/")[-1]
    assert sorted((a, b) for _, a, b in dissolves) == sorted(
        (a, b) for _, a, b in want["dissolves"])
    assert [round(m.marked_range.start_time.value) for m in back.tracks.markers] == [
        at for _, _, _, at, _ in want["markers"]]
    audio = next(t for t in back.tracks if t.kind == otio.schema.TrackKind.Audio)
    lane = next(iter(audio.find_clips())).range_in_parent()
    ours = next(iter(result.timeline.tracks[1].find_clips())).range_in_parent()
    assert (round(lane.start_time.value), round(lane.duration.value)) == (
        round(ours.start_time.value), round(ours.duration.value))
