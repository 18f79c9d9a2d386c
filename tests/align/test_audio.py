"""Decoding narration audio: every accepted format at other rates and channel counts, made in the
test with ffmpeg from one known signal (a 440 Hz burst from 1.0 s to 1.5 s in 2.5 s)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from postprod.media.audio import SAMPLE_RATE, decode_audio, probe_duration_sec

BURST = "if(between(t\\,1\\,1.5)\\,0.5*sin(2*PI*440*t)\\,0)"

# name, extension, ffmpeg codec arguments, rate, channels, tolerated duration excess (s)
CASES = [
    ("wav-44k-stereo", "wav", ["-c:a", "pcm_s16le"], 44_100, 2, 0.0),
    ("wav-8k-u8", "wav", ["-c:a", "pcm_u8"], 8_000, 1, 0.0),
    ("wav-96k-24bit", "wav", ["-c:a", "pcm_s24le"], 96_000, 2, 0.0),
    ("flac-48k-5.1", "flac", ["-c:a", "flac"], 48_000, 6, 0.0),
    ("mp3-44k-stereo", "mp3", ["-c:a", "libmp3lame", "-b:a", "96k"], 44_100, 2, 0.05),
    ("m4a-aac-48k", "m4a", ["-c:a", "aac", "-b:a", "96k"], 48_000, 2, 0.05),
    ("adts-aac-22k", "aac", ["-c:a", "aac", "-b:a", "64k"], 22_050, 1, 0.05),
    ("ogg-opus-48k", "opus", ["-c:a", "libopus", "-b:a", "64k"], 48_000, 2, 0.05),
    ("ogg-vorbis-32k", "ogg", ["-c:a", "libvorbis"], 32_000, 1, 0.05),
]


def make_burst(path: Path, *, rate: int, channels: int, codec: list[str]) -> Path:
    exprs = "|".join([BURST] * channels)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"aevalsrc=exprs={exprs}:s={rate}:d=2.5", *codec, str(path)],
                   check=True, capture_output=True)
    return path


@pytest.mark.parametrize(("name", "ext", "codec", "rate", "channels", "excess"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_format_decodes_to_16k_mono_in_time(tmp_path, name, ext, codec, rate, channels,
                                                  excess) -> None:
    path = make_burst(tmp_path / f"{name}.{ext}", rate=rate, channels=channels, codec=codec)
    decoded = decode_audio(path)
    assert (decoded.source_rate, decoded.source_channels) == (rate, channels)
    assert decoded.lossy is (ext not in ("wav", "flac"))
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert 2.5 - 1e-6 <= decoded.duration_sec <= 2.5 + excess
    assert len(decoded.samples) == pytest.approx(decoded.duration_sec * SAMPLE_RATE, abs=2)
    level = np.abs(decoded.samples)
    loud = np.nonzero(level > 0.05)[0]
    # The burst is where it was (no codec delay left in), at its level (no clipping downmix).
    assert loud[0] / SAMPLE_RATE == pytest.approx(1.0, abs=0.005)
    assert loud[-1] / SAMPLE_RATE == pytest.approx(1.5, abs=0.005)
    assert 0.4 < float(level.max()) < 0.6
    same = decode_audio(path.read_bytes())
    assert np.array_equal(same.samples, decoded.samples)
    declared = probe_duration_sec(path)
    assert declared is None or declared == pytest.approx(2.5, abs=0.2)


def test_decoding_stops_soon_after_the_limit(tmp_path) -> None:
    path = tmp_path / "long.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "anoisesrc=d=30:c=pink:r=16000:a=0.1", "-c:a", "flac", str(path)],
                   check=True, capture_output=True)
    full = decode_audio(path)
    cut = decode_audio(path, max_duration_sec=5.0)
    assert full.duration_sec == pytest.approx(30.0, abs=0.001)
    assert 6.0 <= cut.duration_sec < 8.0
