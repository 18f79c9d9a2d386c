"""Describe → Scene Timestamps hand-off: the exact metadata dict Scene Timestamps accepts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..contract.describe import DescribeResponse
from .narration import TextSpan, anchor, split_sentences, start_cue


def to_timestamps_request(response: DescribeResponse | Mapping[str, Any], *,
                          narration_text: str | None = None,
                          max_cue_chars: int = 500) -> dict[str, Any]:
    """A Scene Timestamps `metadata` dict built from a Describe Scenes result.

    Each scene becomes ``{"id", "startCueText", "anchorText", "description"}`` (``id`` from
    ``sceneId``, else ``scene-<index>``). A scene that came back without cue fields gets the
    narration between its neighbours' anchors (story order), or, when there is none, borrows
    the last sentence of the previous anchor's text so that every cue is non-blank.

    Args:
        response: a `DescribeResponse`, its JSON (``{"data": ..., "meta": ...}``), or its
            ``data``.
        narration_text: the narration; needed only to fill scenes without cue fields, and
            passed on as ``narrationText``.
        max_cue_chars: cap for filled-in anchors (the Timestamps tier limit, characters).

    Returns:
        ``{"scenes": [...], "narrationText"?: ...}`` (camelCase, JSON-ready).
    """
    if isinstance(response, DescribeResponse):
        scenes = [s.to_json_data() for s in response.data.scenes]
    else:
        data = response.get("data", response)
        scenes = list(data["scenes"])
    out: list[dict[str, Any]] = []
    for s in scenes:
        item: dict[str, Any] = {"id": s.get("sceneId") or f"scene-{s['index']}"}
        if s.get("startCueText") and s.get("anchorText"):
            item["startCueText"] = s["startCueText"]
            item["anchorText"] = s["anchorText"]
        if s.get("description"):
            item["description"] = s["description"]
        out.append(item)
    if narration_text:
        _fill_missing(out, narration_text, max_chars=max_cue_chars)
    result: dict[str, Any] = {"scenes": out}
    if narration_text:
        result["narrationText"] = narration_text
    return result


def _fill_missing(items: list[dict[str, Any]], narration: str, *, max_chars: int) -> None:
    cursor = 0
    for i, item in enumerate(items):
        if "anchorText" in item:
            at = narration.find(item["anchorText"], cursor)
            cursor = at + len(item["anchorText"]) if at >= 0 else cursor
            continue
        nxt = len(narration)
        for later in items[i + 1:]:
            if "anchorText" in later:
                at = narration.find(later["anchorText"], cursor)
                nxt = at if at >= 0 else nxt
                break
        between = [s for s in split_sentences(narration) if s.start >= cursor and s.end <= nxt]
        if between:
            span = TextSpan(between[0].start, between[-1].end)
        else:
            before = [s for s in split_sentences(narration) if s.end <= cursor]
            span = before[-1] if before else TextSpan(0, len(narration))
        item["anchorText"] = anchor(narration, span, max_chars=max_chars)
        item["startCueText"] = start_cue(narration, span)
        cursor = max(cursor, span.end)
