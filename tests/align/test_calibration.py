"""Window calibration: split-conformal bounds per class, local-SNR bands, the lookup order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from postprod.align.calibration import (
    CALIBRATION_FILE,
    ClassStats,
    band_class,
    fit_class,
    snr_band,
    stats_for,
)


def test_bounds_are_conformal_order_statistics_around_the_median() -> None:
    """1..100 ms: shift 50 (median, whole ms); the 5th smallest and the 96th smallest shifted
    residual (floor/ceil of 101 × 5 %/95 %) bound the window."""
    st = fit_class([float(x) for x in range(1, 101)], min_half_width_ms=1.0)
    assert st == ClassStats(shift_ms=50.0, lo_ms=-45.0, hi_ms=46.0, p250=1.0, n=100)


def test_few_cuts_take_the_extremes_and_the_floor() -> None:
    st = fit_class([0.0, 10.0, 20.0], min_half_width_ms=20.0)
    assert (st.shift_ms, st.lo_ms, st.hi_ms, st.n) == (10.0, -20.0, 20.0, 3)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [20, 57, 300])
def test_the_window_holds_at_least_ninety_percent_of_its_own_cuts(seed: int, n: int) -> None:
    r = np.round(np.random.default_rng(seed).standard_t(3, size=n) * 30.0)
    st = fit_class(r.tolist(), min_half_width_ms=1.0)
    inside = (r - st.shift_ms >= st.lo_ms) & (r - st.shift_ms <= st.hi_ms)
    assert inside.mean() >= 0.9
    assert st.lo_ms <= 0.0 <= st.hi_ms


def test_snr_bands_split_noisy_pauses_from_quiet_ones() -> None:
    assert snr_band(None) == "no onset"
    assert snr_band(8.0) == "snr<20"
    assert snr_band(20.0) == snr_band(45.0) == "snr>=20"
    assert band_class("script:startCue:onset", 8.0) == "*:startCue:onset:snr<20"
    assert band_class("cues:startCue:onset", 45.0) == "*:startCue:onset:snr>=20"
    assert band_class("script:startCue:raw", 8.0) is None
    assert band_class("script:startCue:onset", None) is None


def test_a_refined_cut_takes_its_band_then_its_class_from_the_shipped_table() -> None:
    table = json.loads(CALIBRATION_FILE.read_text())["models"]["base"]
    for snr, band in ((8.0, "*:startCue:onset:snr<20"), (45.0, "*:startCue:onset:snr>=20")):
        assert stats_for("script:startCue:onset", model="base", snr_db=snr) == ClassStats(
            **table[band])
    assert stats_for("script:startCue:onset", model="base") == ClassStats(
        **table["script:startCue:onset"])
    # Uncalibrated: the fixed default whatever the band.
    off = stats_for("script:startCue:onset", model="base", snr_db=8.0, calibrated=False)
    assert (off.lo_ms, off.hi_ms) == (-250.0, 250.0)
    # The noisy band is wider than the quiet one on the shipped table.
    quiet = stats_for("cues:startCue:onset", model="base", snr_db=45.0)
    noisy = stats_for("cues:startCue:onset", model="base", snr_db=8.0)
    assert noisy.hi_ms - noisy.lo_ms > quiet.hi_ms - quiet.lo_ms
