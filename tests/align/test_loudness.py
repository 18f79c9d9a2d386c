"""The one loudness envelope (postprod.media.loudness) behind onset refinement, chunking at
pauses and the gap filler: known levels, window alignment, emphasis, and its three users."""

from __future__ import annotations

import numpy as np

from postprod.align.onset import HOP_SEC, energy_envelope
from postprod.align.transcribe import chunk_bounds
from postprod.media.audio import SAMPLE_RATE
from postprod.media.loudness import frame_power, level_db


def _tone(seconds: float, *, amplitude: float, hz: float = 1000.0) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return np.asarray(amplitude * np.sin(2 * np.pi * hz * t), dtype=np.float32)


def test_a_sine_reads_its_power_and_silence_reads_the_floor() -> None:
    x = np.concatenate([_tone(1.0, amplitude=0.5), np.zeros(SAMPLE_RATE, np.float32)])
    power = frame_power(x, hop_sec=0.02)
    assert power.shape == (100,) and power.dtype == np.float64
    np.testing.assert_allclose(power[:50], 0.125, rtol=1e-4)  # a sine's power: amplitude² / 2
    db = level_db(power)
    np.testing.assert_allclose(db[:50], 10 * np.log10(0.125), atol=1e-3)
    assert (db[50:] == -100.0).all()
    assert (level_db(power, floor_db=-120.0)[50:] == -120.0).all()


def test_frame_k_covers_its_window_from_k_hops_on() -> None:
    x = np.zeros(SAMPLE_RATE, np.float32)
    x[8000:8080] = 1.0  # one 5 ms hop of full scale, hop 100
    power = frame_power(x, hop_sec=0.005, window_sec=0.02)
    # windows of 4 hops starting at hops 97..100 hold it: a quarter of each window is loud
    assert np.nonzero(power)[0].tolist() == [97, 98, 99, 100]
    np.testing.assert_allclose(power[97:101], 0.25)
    assert len(frame_power(x[:79], hop_sec=0.005)) == 0


def test_emphasis_keeps_bass_out_and_speech_band_in() -> None:
    bass = _tone(0.5, amplitude=0.5, hz=60.0)
    voice = _tone(0.5, amplitude=0.5, hz=2000.0)
    drop = level_db(frame_power(bass, hop_sec=0.02, emphasis=True)).mean()
    keep = level_db(frame_power(voice, hop_sec=0.02, emphasis=True)).mean()
    assert keep - drop > 25.0


def test_the_onset_envelope_is_the_emphasised_20_ms_level_every_5_ms() -> None:
    x = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), _tone(0.5, amplitude=0.3)])
    env = energy_envelope(x)
    expected = level_db(frame_power(x, hop_sec=HOP_SEC, window_sec=0.02, emphasis=True))
    assert env.db.dtype == np.float32
    np.testing.assert_array_equal(env.db, expected.astype(np.float32))
    assert energy_envelope(x[:10]).db.tolist() == [-100.0]


def test_long_audio_is_cut_in_the_quietest_stretch_near_each_chunk_length() -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SAMPLE_RATE * 50) * 0.1).astype(np.float32)
    x[SAMPLE_RATE * 22: SAMPLE_RATE * 22 + 8000] *= 0.01  # a 0.5 s pause at 22 s
    bounds = chunk_bounds(x, chunk_sec=20.0, search_sec=5.0)
    cut = bounds[0][1] / SAMPLE_RATE
    assert 22.0 <= cut <= 22.5 and bounds[-1][1] == len(x)
