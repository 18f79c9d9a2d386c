"""Narration samples for the waveform view and cut auditions (decoded once per file)."""

from __future__ import annotations

import numpy as np
import streamlit as st


@st.cache_data(max_entries=4, show_spinner=False)
def narration_samples(path: str, sha256: str) -> tuple[np.ndarray, int]:
    """Mono float32 samples [shape=(n,)] and their rate (Hz); ``sha256`` keys the cache."""
    del sha256  # only part of the cache key: the same path may hold new bytes
    try:
        import soundfile as sf

        data, rate = sf.read(path, dtype="float32", always_2d=True)
        return data.mean(axis=1), int(rate)
    except Exception:  # formats libsndfile cannot read (m4a, some mp3): librosa via audioread/av
        import librosa

        y, rate = librosa.load(path, sr=None, mono=True)
        return y.astype(np.float32), int(rate)


def clip_around(
    samples: np.ndarray, sample_rate: int, *, center_sec: float, half_width_sec: float = 1.5
) -> np.ndarray:
    """The samples from ``center - half_width`` to ``center + half_width`` seconds (clamped)."""
    lo = max(0, round((center_sec - half_width_sec) * sample_rate))
    hi = min(samples.size, round((center_sec + half_width_sec) * sample_rate))
    return samples[lo:max(lo, hi)]


@st.cache_data(max_entries=256, show_spinner=False)
def thumbnail_uri(path: str, sha256: str, *, height_px: int = 90) -> str | None:
    """A small JPEG of a scene still as a ``data:`` URL (for plot panels); None if unreadable."""
    del sha256  # only part of the cache key
    import base64
    import io

    from PIL import Image

    try:
        with Image.open(path) as opened:
            im = opened.convert("RGB")
            im.thumbnail((height_px * 2, height_px))
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=80)
    except Exception:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
