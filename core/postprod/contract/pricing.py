"""Credit prices (contract §1.5): one pure function per operation, integers only."""

from __future__ import annotations

COMPOSE_COST = 4
DESCRIBE_BASE_COST = 5
DESCRIBE_INCLUDED_IMAGES = 5
TIMESTAMPS_BASE_COST = 6
TIMESTAMPS_COST_PER_AUDIO_BLOCK = 3
TIMESTAMPS_AUDIO_BLOCK_MS = 5 * 60 * 1000
TIMESTAMPS_INCLUDED_SCENES = 10
TIMESTAMPS_SCENE_BLOCK = 10


def compose_price() -> int:
    """Credits for one Compose OTIO request: always 4."""
    return COMPOSE_COST


def describe_price(*, image_count: int, extra_detail_scenes: int) -> int:
    """Credits for Describe Scenes.

    Args:
        image_count: images in the request (>= 1).
        extra_detail_scenes: scenes with `sceneOptions[].extraDetail: true`.

    Returns:
        5 (includes 5 images) + 1 per image beyond 5 + 1 per extraDetail scene.
    """
    return (DESCRIBE_BASE_COST + max(0, image_count - DESCRIBE_INCLUDED_IMAGES)
            + max(0, extra_detail_scenes))


def timestamps_price(*, audio_duration_ms: int, scene_count: int) -> int:
    """Credits for Scene Timestamps.

    Args:
        audio_duration_ms: decoded duration in whole milliseconds (round up sub-ms remainders
            before calling, so 300.0004 s counts as 300001 ms).
        scene_count: number of `scenes[]`.

    Returns:
        6 + 3 per started 5-minute block (at least one) + 1 per started 10-scene block beyond
        the first 10 scenes. 300000 ms -> 9, 300001 ms -> 12; 10 scenes +0, 11 +1, 21 +2.
    """
    blocks = max(1, -(-audio_duration_ms // TIMESTAMPS_AUDIO_BLOCK_MS))
    extra_scenes = max(0, scene_count - TIMESTAMPS_INCLUDED_SCENES)
    scene_blocks = -(-extra_scenes // TIMESTAMPS_SCENE_BLOCK)
    return TIMESTAMPS_BASE_COST + TIMESTAMPS_COST_PER_AUDIO_BLOCK * blocks + scene_blocks


def duration_ms_for_price(duration_sec: float) -> int:
    """Seconds to whole milliseconds for pricing: up to the next ms, tolerant of float noise."""
    ms = duration_sec * 1000.0
    rounded = round(ms)
    if abs(ms - rounded) < 1e-6:
        return int(rounded)
    return int(-(-ms // 1))
