"""Compose OTIO: an explicit editorial manifest -> a deterministic OpenTimelineIO timeline.

Modules: `plan` (rules and frame arithmetic, pure), `timeline` (OTIO objects), `consumers`
(per-editor tuning), `urls` (media URLs), `durations` (missing media durations probed from
disk), and one module per editor export: `fcp7_xml`, `fcpxml`, `edl`.
"""

from .api import ComposeResult, compose_otio, parse_compose_request, quote_compose, slugify

__all__ = ["ComposeResult", "compose_otio", "parse_compose_request", "quote_compose", "slugify"]
