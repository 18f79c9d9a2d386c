"""Exact project time: NTSC rates, half-away-from-zero rounding, frame boundaries."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postprod.compose.timebase import (
    exact_seconds,
    frames_at,
    on_frame,
    one_hour_frames,
    project_rate,
    round_half_away,
)


@pytest.mark.parametrize(("x", "n"), [(Fraction(5, 2), 3), (Fraction(-5, 2), -3),
                                      (Fraction(3, 2), 2), (Fraction(-3, 2), -2),
                                      (Fraction(49, 20), 2), (Fraction(0), 0),
                                      (Fraction(-1, 3), 0), (Fraction(2997, 100), 30)])
def test_round_half_away(x, n):
    assert round_half_away(x) == n


@given(st.fractions())
def test_round_half_away_is_within_half_and_symmetric(x):
    n = round_half_away(x)
    assert abs(x - n) <= Fraction(1, 2)
    assert round_half_away(-x) == -n
    if abs(x - n) == Fraction(1, 2):
        assert abs(n) > abs(x)  # ties go away from zero
    assert n == (math.floor(x + Fraction(1, 2)) if x >= 0 else -math.floor(-x + Fraction(1, 2)))


@pytest.mark.parametrize(("fps", "rate"), [
    (23.976, Fraction(24000, 1001)), (23.98, Fraction(24000, 1001)),
    (29.97, Fraction(30000, 1001)), (47.952, Fraction(48000, 1001)),
    (59.94, Fraction(60000, 1001)), (25, Fraction(25)), (12.5, Fraction(25, 2)),
    (23.5, Fraction(47, 2))])
def test_project_rate(fps, rate):
    assert project_rate(fps) == rate


def test_exact_seconds_reads_the_decimal_as_written():
    assert exact_seconds(0.1) == Fraction(1, 10)
    assert exact_seconds(0.1 + 0.2) != Fraction(3, 10)  # float noise stays visible


def test_frames_and_frame_boundaries():
    ntsc = Fraction(30000, 1001)
    assert frames_at(Fraction(100), ntsc) == 2997
    assert on_frame(Fraction(1001, 1000), ntsc)
    assert not on_frame(Fraction(1), ntsc)
    assert on_frame(Fraction(2, 25), Fraction(25))


@pytest.mark.parametrize(("rate", "frames"), [(Fraction(24000, 1001), 86400),
                                              (Fraction(30000, 1001), 108000),
                                              (Fraction(25), 90000), (Fraction(25, 2), 45000)])
def test_one_hour(rate, frames):
    assert one_hour_frames(rate) == frames
