"""CMX 3600 EDL export, one file per video track, via otio-cmx3600-adapter (video only)."""

from __future__ import annotations

import copy
import re

import opentimelineio as otio

MEDIA_TYPE = "text/plain"
REEL_LENGTH = 8


def reel_name(item_id: str) -> str:
    """A CMX 3600 reel: up to 8 upper-case letters and digits of the item id (``AX`` if none)."""
    return re.sub(r"[^A-Za-z0-9]", "", item_id).upper()[:REEL_LENGTH] or "AX"


def write_to_string(timeline: otio.schema.Timeline, *, track_index: int = 0) -> str:
    """The video track ``track_index`` of ``timeline`` as a CMX 3600 EDL (Avid style).

    Audio tracks are left out (the adapter cannot carry more than a stereo pair and our lanes
    would be lost silently); reel names come from the item ids, sanitised to 8 characters.
    """
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    track = copy.deepcopy(video[track_index])
    for clip in track.find_clips():
        item_id = clip.metadata.get("postprod", {}).get("itemId", clip.name)
        clip.metadata["cmx_3600"] = {"reel": reel_name(str(item_id))}
    export = otio.schema.Timeline(name=timeline.name)
    export.tracks.append(track)
    rate = track.duration().rate
    return str(otio.adapters.write_to_string(export, "cmx_3600", rate=rate, style="avid",
                                             reelname_len=REEL_LENGTH))


def video_track_names(timeline: otio.schema.Timeline) -> list[str]:
    """Names of the video tracks, in order (one EDL each)."""
    return [t.name for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
