"""Every row and boundary of the credit table (contract §1.5)."""

import pytest

from postprod.contract.pricing import (
    compose_price,
    describe_price,
    duration_ms_for_price,
    timestamps_price,
)


def test_compose_costs_four_credits() -> None:
    assert compose_price() == 4


@pytest.mark.parametrize(
    ("images", "extra", "cost"),
    [(1, 0, 5), (5, 0, 5), (6, 0, 6), (50, 0, 50), (100, 0, 100), (5, 1, 6), (5, 5, 10),
     (7, 3, 10), (1, 1, 6)],
)
def test_describe_price(images: int, extra: int, cost: int) -> None:
    assert describe_price(image_count=images, extra_detail_scenes=extra) == cost


@pytest.mark.parametrize(
    ("duration_ms", "scenes", "cost"),
    [
        (1, 1, 9),
        (13_100, 2, 9),
        (300_000, 10, 9),       # exactly 5 minutes: one block
        (300_001, 10, 12),      # 5:00.001 starts a second block
        (600_000, 10, 12),
        (600_001, 10, 15),
        (3_600_000, 10, 42),    # 60 minutes = 12 blocks
        (300_000, 11, 10),
        (300_000, 20, 10),
        (300_000, 21, 11),
        (300_000, 30, 11),
        (300_000, 31, 12),
        (300_000, 100, 18),      # 90 scenes beyond the first 10: 9 blocks
        (301_000, 21, 14),
    ],
)
def test_timestamps_price(duration_ms: int, scenes: int, cost: int) -> None:
    assert timestamps_price(audio_duration_ms=duration_ms, scene_count=scenes) == cost


@pytest.mark.parametrize(
    ("seconds", "ms"),
    [(300.0, 300_000), (300.001, 300_001), (300.0004, 300_001), (299.9999999999, 300_000),
     (0.0, 0), (13.1, 13_100)],
)
def test_duration_rounds_up_to_whole_ms(seconds: float, ms: int) -> None:
    assert duration_ms_for_price(seconds) == ms


def test_boundary_in_seconds_gives_the_contract_examples() -> None:
    assert timestamps_price(audio_duration_ms=duration_ms_for_price(300.000), scene_count=10) == 9
    assert timestamps_price(audio_duration_ms=duration_ms_for_price(300.001), scene_count=10) == 12
