"""Media probing with PyAV on real files made here (sox, ffmpeg) and on the sample project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from postprod.compose import compose_otio, parse_compose_request
from postprod.compose.durations import fill_durations
from postprod.contract.errors import PostprodError
from postprod.media.probe import MediaUnreadable, media_duration_sec


def make_media(folder: Path) -> None:
    (folder / "audio").mkdir(parents=True)
    (folder / "clips").mkdir()
    subprocess.run(["sox", "-n", "-r", "48000", "-c", "2", str(folder / "audio" / "tone.wav"),
                    "synth", "2.5", "sine", "440"], check=True, capture_output=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=160x90:rate=25:duration=3.2", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=3.2", "-shortest", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(folder / "clips" / "test clip.mp4")], check=True, capture_output=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=500:duration=1.75", "-c:a", "libvorbis",
                    str(folder / "audio" / "blip.ogg")], check=True, capture_output=True)
    (folder / "audio" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    assert shutil.which("sox") and shutil.which("ffmpeg"), "sox and ffmpeg are required"
    folder = tmp_path_factory.mktemp("probe")
    make_media(folder)
    return folder


def test_wav_duration(media):
    assert media_duration_sec(media / "audio" / "tone.wav") == pytest.approx(2.5, abs=1e-3)


def test_video_duration(media):
    assert media_duration_sec(media / "clips" / "test clip.mp4") == pytest.approx(3.2, abs=0.05)


def test_ogg_duration(media):
    assert media_duration_sec(media / "audio" / "blip.ogg") == pytest.approx(1.75, abs=0.02)


def test_sample_project_durations(sample_media):
    assert media_duration_sec(sample_media / "clip.mp4") == pytest.approx(6.0, abs=0.05)
    assert media_duration_sec(sample_media / "music_loop.wav") == pytest.approx(6.4, abs=1e-3)


@pytest.mark.parametrize("name", ["broken.wav", "missing.wav"])
def test_unreadable_files(media, name):
    with pytest.raises(MediaUnreadable):
        media_duration_sec(media / "audio" / name)


def manifest(items):
    return parse_compose_request({
        "project": {"name": "probe", "fps": 25, "resolution": {"w": 160, "h": 90}},
        "folder": {"items": items},
        "intent": {"sequence": [{"itemId": "v", "trim": {"inSec": 0.5, "outSec": 2}}],
                   "audioLayers": [{"itemId": "t", "fromSec": 0, "toSec": 6, "role": "music",
                                    "placement": "loopToFit"}]}})


def test_fill_durations_makes_the_manifest_composable(media):
    req = manifest([{"id": "v", "kind": "video", "path": "clips/test clip.mp4"},
                    {"id": "t", "kind": "audio", "path": "audio/tone.wav"},
                    {"id": "k", "kind": "audio", "path": "audio/blip.ogg", "durationSec": 9}])
    with pytest.raises(PostprodError):
        compose_otio(req)  # durations missing
    filled = fill_durations(req, root=media)
    durations = [i.duration_sec for i in filled.folder.items]
    assert durations[0] == pytest.approx(3.2, abs=0.05)
    assert durations[1] == pytest.approx(2.5, abs=1e-3)
    assert durations[2] == 9  # given values are kept
    assert req.folder.items[0].duration_sec is None  # the input is not changed
    result = compose_otio(filled)
    assert result.response.data.summary.duration_frames == 150


def test_fill_durations_reports_every_unreadable_item(media):
    req = manifest([{"id": "v", "kind": "video", "path": "clips/nope.mp4"},
                    {"id": "t", "kind": "audio", "path": "audio/broken.wav"}])
    with pytest.raises(PostprodError) as info:
        fill_durations(req, root=media)
    err = info.value
    assert (err.code, err.field) == ("VALIDATION_ERROR", "folder.items[0].path")
    assert [(d.code, d.field) for d in err.details] == [
        ("AUDIO_UNDECODABLE", "folder.items[1].path")]
