"""Every error of Scene Timestamps (contract §1.4, §4) with its exact `field`, tier limits checked
before any model runs, and the price from the decoded duration."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import postprod
from postprod.align import operation, quote_timestamps, scene_timestamps
from postprod.contract.errors import PostprodError

RATE = 16_000


def tone_file(path: Path, seconds: float, *, fmt: str = "WAV", level: float = 0.2,
              rate: int = RATE) -> Path:
    """``seconds`` of audio: silence with a short 300 Hz tone each second (cheap to store)."""
    t = np.arange(int(seconds * rate)) / rate
    x = np.where((t % 1.0) < 0.05, level * np.sin(2 * np.pi * 300 * t), 0.0)
    sf.write(str(path), x.astype(np.float32), rate, format=fmt, subtype="PCM_16")
    return path


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to load or run the recogniser fails the test."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the recogniser must not run for this request")

    monkeypatch.setattr("postprod.align.transcribe.load_whisper", refuse)
    monkeypatch.setattr(operation, "transcribe_words", refuse)


@pytest.fixture(scope="module")
def short_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tone_file(tmp_path_factory.mktemp("audio") / "short.wav", 2.5)


def scenes(n: int, *, cue: str = "at first light", anchor: str = "the valley") -> list[dict]:
    return [{"id": f"s{i}", "startCueText": cue, "anchorText": anchor} for i in range(n)]


def fail(audio: object, request: object, *, tier: str = "enterprise", model: str = "tiny.en"
         ) -> PostprodError:
    with pytest.raises(PostprodError) as info:
        scene_timestamps(audio, request, tier=tier, model=model)  # type: ignore[arg-type]
    return info.value


# --- request errors --------------------------------------------------------------------------

@pytest.mark.parametrize(("request_text", "code", "field"), [
    ("{bad json", "INVALID_JSON", None),
    ("[1, 2]", "VALIDATION_ERROR", None),
    ("{}", "VALIDATION_ERROR", "scenes"),
    ('{"scenes": []}', "VALIDATION_ERROR", "scenes"),
    ('{"scenes": [{"startCueText": "  ", "anchorText": "b"}]}', "VALIDATION_ERROR",
     "scenes[0].startCueText"),
    ('{"scenes": [{"startCueText": "a"}]}', "VALIDATION_ERROR", "scenes[0].anchorText"),
    ('{"scenes": [{"startCueText": "a", "anchorText": "b", "startCue": "a"}]}',
     "VALIDATION_ERROR", "scenes[0].startCue"),
    ('{"scenes": [{"startCueText": "a", "anchorText": "b"}], "narration": "x"}',
     "VALIDATION_ERROR", "narration"),
    ('{"scenes": [{"startCueText": "a", "anchorText": "b"}], "startOffsetMs": -1}',
     "VALIDATION_ERROR", "startOffsetMs"),
    ('{"scenes": [{"startCueText": "a", "anchorText": "b"}], "startOffsetMs": 1.5}',
     "VALIDATION_ERROR", "startOffsetMs"),
    ('{"scenes": [{"startCueText": "a", "anchorText": "b"}], "languageCode": "english!"}',
     "VALIDATION_ERROR", "languageCode"),
    ('{"scenes": [{"id": "", "startCueText": "a", "anchorText": "b"}]}', "VALIDATION_ERROR",
     "scenes[0].id"),
    ('{"scenes": [{"id": "a", "startCueText": "a", "anchorText": "b"}, '
     '{"id": "b", "startCueText": "a", "anchorText": "b"}, '
     '{"id": "a", "startCueText": "a", "anchorText": "b"}]}', "DUPLICATE_ID", "scenes[2].id"),
])
def test_request_errors_name_their_field(no_model, short_wav, request_text, code, field) -> None:
    err = fail(short_wav, request_text)
    assert (err.code, err.field) == (code, field), err
    assert err.message
    envelope = err.envelope_dict("req_01JD0000000000000000000000")
    assert envelope["error"]["code"] == code
    assert "Traceback" not in json.dumps(envelope)


def test_validation_lists_every_problem(no_model, short_wav) -> None:
    err = fail(short_wav, {"scenes": [{"startCueText": "a"}, {"anchorText": ""}],
                           "startOffsetMs": -5})
    fields = {err.field, *(d.field for d in err.details)}
    assert fields == {"scenes[0].anchorText", "scenes[1].startCueText",
                      "scenes[1].anchorText", "startOffsetMs"}


def test_a_non_english_language_with_the_english_only_model(no_model, short_wav) -> None:
    err = fail(short_wav, {"scenes": scenes(1), "languageCode": "de"})
    assert (err.code, err.field) == ("VALIDATION_ERROR", "languageCode")


def test_engine_unavailable_for_a_folder_without_weights(tmp_path, short_wav) -> None:
    err = fail(short_wav, {"scenes": scenes(2)}, model=str(tmp_path))
    assert err.code == "ENGINE_UNAVAILABLE" and str(tmp_path) not in err.message


# --- tier limits, before the audio is decoded and before any model -------------------------

@pytest.mark.parametrize(("tier", "request_data", "field", "allowed"), [
    ("free", {"scenes": scenes(11)}, "scenes", "<= 10 on the free tier"),
    ("premium", {"scenes": scenes(101, cue="a", anchor="b")}, "scenes",
     "<= 100 on the premium tier"),
    ("free", {"scenes": [{"startCueText": "x" * 301, "anchorText": "b"}]},
     "scenes[0].startCueText", "<= 300 characters on the free tier"),
    ("enterprise", {"scenes": [*scenes(1), {"startCueText": "a", "anchorText": "y" * 501}]},
     "scenes[1].anchorText", "<= 500 characters on the enterprise tier"),
    ("free", {"scenes": [{"startCueText": "c" * 200, "anchorText": "a" * 200,
                          "description": "d" * (1 if i == 9 else 0) or None}
                         for i in range(10)]},
     "scenes", "<= 4000 characters on the free tier"),
    ("free", {"scenes": scenes(1), "narrationText": "n" * 5001}, "narrationText",
     "<= 5000 characters on the free tier"),
    ("premium", {"scenes": scenes(1), "narrationText": "n" * 50_001}, "narrationText",
     "<= 50000 characters on the premium tier"),
])
def test_text_and_count_limits(no_model, monkeypatch, tier, request_data, field,
                               allowed) -> None:
    def no_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("limits of the request come before the audio")

    monkeypatch.setattr(operation, "load_audio", no_decode)
    err = fail(b"not even audio", request_data, tier=tier)
    assert (err.code, err.field, err.allowed) == ("TIER_LIMIT_EXCEEDED", field, allowed)


def test_limit_excesses_are_reported_together(no_model, short_wav) -> None:
    req = {"scenes": [{"startCueText": "x" * 301, "anchorText": "y" * 301}] * 11,
           "narrationText": "n" * 5001}
    err = fail(short_wav, req, tier="free")
    fields = [err.field, *(d.field for d in err.details)]
    assert fields[0] == "scenes"
    assert {"scenes[0].startCueText", "scenes[10].anchorText", "narrationText"} <= set(fields)
    assert all(d.code == "TIER_LIMIT_EXCEEDED" for d in err.details)


def test_byte_limit_before_decoding(no_model, tmp_path) -> None:
    big = tmp_path / "big.wav"
    rng = np.random.default_rng(1)
    sf.write(str(big), (rng.standard_normal(3_000_000) * 0.1).astype(np.float32), RATE,
             subtype="PCM_16")  # 6 MB, 187.5 s
    err = fail(big, {"scenes": scenes(1)}, tier="free")
    assert (err.code, err.field, err.allowed) == (
        "PAYLOAD_TOO_LARGE", "audio", "<= 5000000 bytes on the free tier")
    # The message says how to fit: FLAC or MP3, with the minutes each holds.
    assert "5 MB holds about 2 min of 16 kHz mono WAV but 4 min as FLAC" in err.message
    assert "10 min as 64 kbit/s MP3" in err.message and "ffmpeg" in err.message
    err = fail(big.read_bytes(), {"scenes": scenes(1)}, tier="free")
    assert err.code == "PAYLOAD_TOO_LARGE"
    with pytest.raises(PostprodError, match="PAYLOAD_TOO_LARGE"):
        quote_timestamps(big, {"scenes": scenes(1)}, tier="free")


@pytest.mark.parametrize(("tier", "seconds", "allowed"), [
    ("free", 300.5, "<= 300 s on the free tier"),
    ("premium", 1200.5, "<= 1200 s on the premium tier"),
])
def test_duration_limit(no_model, tmp_path, tier, seconds, allowed) -> None:
    path = tone_file(tmp_path / "long.flac", seconds, fmt="FLAC", rate=8000)
    assert path.stat().st_size < 5_000_000
    err = fail(path, {"scenes": scenes(1)}, tier=tier)
    assert (err.code, err.field, err.allowed) == ("TIER_LIMIT_EXCEEDED", "audio", allowed)


def test_duration_limit_holds_when_the_header_says_nothing(no_model, tmp_path) -> None:
    """A raw ADTS stream declares no exact length: the decoded length is checked."""
    path = tmp_path / "long.aac"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=f=300:d=302:r=8000", "-c:a", "aac", "-b:a", "16k", str(path)],
                   check=True, capture_output=True)
    err = fail(path, {"scenes": scenes(1)}, tier="free")
    assert (err.code, err.field) == ("TIER_LIMIT_EXCEEDED", "audio")


# --- audio errors -----------------------------------------------------------------------------

def test_unsupported_format(no_model, tmp_path) -> None:
    png = tmp_path / "still.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    for audio in (png, b"plain text, not audio at all"):
        err = fail(audio, {"scenes": scenes(1)})
        assert (err.code, err.field) == ("UNSUPPORTED_MEDIA_TYPE", "audio")


@pytest.mark.parametrize("payload", [
    b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40),
    b"fLaC" + bytes(300),
    b"OggS" + bytes(300),
    b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(500),
], ids=["wav", "flac", "ogg", "mp3"])
def test_undecodable_audio(no_model, payload) -> None:
    err = fail(payload, {"scenes": scenes(1)})
    assert (err.code, err.field) in {("AUDIO_UNDECODABLE", "audio"), ("AUDIO_EMPTY", "audio")}
    assert err.code == "AUDIO_UNDECODABLE" or payload.startswith(b"ID3")


def test_a_video_without_sound_is_undecodable(no_model, tmp_path) -> None:
    path = tmp_path / "silent-film.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=d=1:s=64x64:r=10", "-c:v", "mpeg4", str(path)],
                   check=True, capture_output=True)
    err = fail(path, {"scenes": scenes(1)})
    assert (err.code, err.field) == ("AUDIO_UNDECODABLE", "audio")


def test_empty_and_silent_audio(no_model, tmp_path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(RATE * 3, np.float32), RATE)
    header_only = io.BytesIO()
    sf.write(header_only, np.zeros(0, np.float32), RATE, format="WAV")
    for audio in (empty, silent, header_only.getvalue()):
        err = fail(audio, {"scenes": scenes(2)})
        assert (err.code, err.field) == ("AUDIO_EMPTY", "audio"), audio


def test_a_missing_file_is_undecodable(no_model, tmp_path) -> None:
    err = fail(tmp_path / "nowhere.wav", {"scenes": scenes(1)})
    assert (err.code, err.field) == ("AUDIO_UNDECODABLE", "audio")
    assert str(tmp_path) not in err.message


# --- price -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("seconds", "count", "cost"), [
    (2.5, 1, 9), (2.5, 10, 9), (2.5, 11, 10), (2.5, 21, 11), (2.5, 100, 18),
    (300.0, 10, 9), (300.01, 10, 12), (600.0, 1, 12), (600.5, 11, 16),
])
def test_price_from_the_decoded_duration(no_model, tmp_path, seconds, count, cost) -> None:
    path = tone_file(tmp_path / "a.flac", seconds, fmt="FLAC", rate=8000)
    req = {"scenes": scenes(count, cue="a", anchor="b")}
    assert quote_timestamps(path, req, tier="enterprise") == cost
    assert postprod.quote_timestamps(path.read_bytes(), json.dumps(req)) == cost


def test_price_ignores_a_header_that_claims_more(no_model, tmp_path) -> None:
    """A WAV cut short after writing: its header says 400 s, 200 s decode; 200 s are priced."""
    path = tone_file(tmp_path / "cut.wav", 400.0)
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 200 * RATE * 2])
    assert quote_timestamps(path, {"scenes": scenes(3)}) == 9
