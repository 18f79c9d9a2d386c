"""Compose OTIO: the library entry points (`compose_otio`, `quote_compose`)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import opentimelineio as otio

from ..contract.common import new_request_id, parse_model
from ..contract.compose import (
    ComposeData,
    ComposeMeta,
    ComposeRequest,
    ComposeResponse,
    ComposeSummary,
    ExportFile,
)
from ..contract.limits import Tier
from ..contract.pricing import compose_price
from .exports import exports_for
from .plan import TimelinePlan, plan_timeline
from .timebase import seconds_of
from .timeline import build_timeline

OTIO_MEDIA_TYPE = "application/vnd.opentimelineio+json"
JSON_INDENT = 4


@dataclass(frozen=True)
class ComposeResult:
    """One composed timeline.

    Attributes:
        otio_json: the .otio text (UTF-8 JSON, byte-identical for the same request).
        file_name: slug of `project.name` + ``.otio``.
        response: the `json` response envelope (data + meta), `data.otio` parsed from
            `otio_json`.
        timeline: the OTIO object the text was written from.
        plan: the frame plan the timeline and the exports are written from.
    """

    otio_json: str
    file_name: str
    response: ComposeResponse
    timeline: otio.schema.Timeline
    plan: TimelinePlan | None = None


RequestLike = ComposeRequest | Mapping[str, Any] | str | bytes


def parse_compose_request(request: RequestLike) -> ComposeRequest:
    """A manifest (model, mapping or JSON text) as a `ComposeRequest`.

    Raises:
        InvalidJson, ValidationFailed: with JSON paths into the manifest.
    """
    return parse_model(ComposeRequest, request)


def quote_compose(request: RequestLike, *, tier: Tier = "enterprise") -> int:
    """Credits a Compose request costs (4), after full validation; no OTIO is written.

    Raises:
        PostprodError: every problem `compose_otio` would raise, tier limits included.
    """
    plan_timeline(parse_compose_request(request), tier=tier)
    return compose_price()


def compose_otio(request: RequestLike, *, tier: Tier = "enterprise",
                 request_id: str | None = None,
                 with_exports: bool | None = None) -> ComposeResult:
    """Compile an editorial manifest into an OpenTimelineIO timeline (contract §2).

    Args:
        request: the manifest as a model, a mapping or JSON text/bytes.
        tier: whose limits apply (items count, timeline seconds).
        request_id: `meta.requestId` of the response; a fresh ``req_…`` id when None.
        with_exports: build the editor exports (FCP 7 XML, FCPXML, Kdenlive, EDL) into
            `response.data.exports`; default: only when `responseFormat` is ``json``.

    Raises:
        PostprodError: INVALID_JSON, VALIDATION_ERROR, UNKNOWN_ITEM_REFERENCE, DUPLICATE_ID,
            ITEM_KIND_MISMATCH, TRIM_OUT_OF_RANGE, TRANSITION_TOO_LONG, TRACK_OVERLAP,
            TIER_LIMIT_EXCEEDED, with `field` and further problems in `details`.
    """
    parsed = parse_compose_request(request)
    plan = plan_timeline(parsed, tier=tier)
    timeline, consumer_warnings = build_timeline(plan)
    otio_json = timeline.to_json_string(JSON_INDENT) + "\n"
    warnings = [*plan.warnings, *consumer_warnings]
    exports: dict[str, ExportFile] = {}
    if with_exports if with_exports is not None else parsed.response_format == "json":
        exports, export_warnings = exports_for(timeline, plan, slug=slugify(parsed.project.name))
        warnings.extend(export_warnings)
    name = slugify(parsed.project.name) + ".otio"
    response = ComposeResponse(
        data=ComposeData(file_name=name, media_type=OTIO_MEDIA_TYPE, otio=json.loads(otio_json),
                         summary=summarize(plan), warnings=warnings, exports=exports),
        meta=ComposeMeta(request_id=request_id or new_request_id(),
                         response_format=parsed.response_format,
                         target_consumer=parsed.output.target_consumer))
    return ComposeResult(otio_json=otio_json, file_name=name, response=response,
                         timeline=timeline, plan=plan)


def summarize(plan: TimelinePlan) -> ComposeSummary:
    """`summary`: length (s and frames), video clips, dissolves, audio tracks."""
    video = plan.tracks[0]
    return ComposeSummary(
        duration_sec=seconds_of(plan.end, plan.rate), duration_frames=plan.end,
        video_clips=len(video.clips), transitions=len(video.transitions),
        audio_tracks=sum(1 for t in plan.tracks if t.kind == "audio"))


def slugify(name: str) -> str:
    """A file-name slug: ASCII letters, digits and ``-``, lower case (``timeline`` if empty)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:100].rstrip("-") or "timeline"
