"""FCPXML 1.10 export for Final Cut Pro, from our own small writer (lxml).

Layout: library > event > project > sequence > spine. The video track is the spine (stills as
`<video>`, videos as `<asset-clip>`, dissolves as `<transition name="Cross Dissolve">`, gaps as
`<gap>`); every audio track is a lane of connected clips (A-src on lane -1, then -2, -3, ...),
each attached to the spine element under its start. Every time is a whole multiple of the frame
duration, written unreduced (``75/25s``, ``3003/30000s``), so nothing is off an edit boundary.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from typing import Any
from urllib.parse import quote

import opentimelineio as otio
from lxml import etree

MEDIA_TYPE = "application/xml"
VERSION = "1.10"
CROSS_DISSOLVE_UID = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"
AUDIO_ROLES = {"narration": "dialogue", "dialogue": "dialogue", "sfx": "effects",
               "music": "music"}


class _Clock:
    """Frames at the project rate as FCPXML rational seconds."""

    def __init__(self, rate: Fraction) -> None:
        self.frame = 1 / rate  # seconds per frame

    def __call__(self, frames: int) -> str:
        if frames == 0:
            return "0s"
        num, den = self.frame.numerator * frames, self.frame.denominator
        return f"{num}s" if den == 1 else f"{num}/{den}s"


def _frames(t: otio.opentime.RationalTime) -> int:
    return round(float(t.value))


def write_to_string(timeline: otio.schema.Timeline, *, start_frames: int = 0) -> str:
    """The timeline as FCPXML 1.10 text (UTF-8, with the XML declaration and DOCTYPE).

    Args:
        timeline: the composed timeline.
        start_frames: the sequence's start timecode (`tcStart`), frames.
    """
    meta = timeline.metadata["postprod"]
    rate = Fraction(meta["rate"])
    clock = _Clock(rate)
    root = etree.Element("fcpxml", version=VERSION)
    resources = etree.SubElement(root, "resources")
    etree.SubElement(resources, "format", id="r1", name=_format_name(meta, rate),
                     frameDuration=clock(1), width=str(meta["resolution"]["w"]),
                     height=str(meta["resolution"]["h"]))
    assets: dict[str, str] = {}
    next_id = [2]

    def asset_for(clip: otio.schema.Clip) -> str:
        ref = clip.media_reference
        url = ref.target_url if isinstance(ref, otio.schema.ExternalReference) else ""
        kind = clip.metadata.get("postprod", {}).get("kind", "video")
        key = f"{kind}|{url}"
        if key in assets:
            return assets[key]
        rid = f"r{next_id[0]}"
        next_id[0] += 1
        avail = ref.available_range
        attrs: dict[str, Any] = {"id": rid, "name": ref.name or clip.name, "start": "0s"}
        if kind == "image":
            attrs.update(duration="0s", hasVideo="1", format="r1", videoSources="1")
        elif kind == "video":
            attrs.update(duration=clock(_frames(avail.duration)) if avail else "0s",
                         hasVideo="1", hasAudio="1", format="r1", videoSources="1",
                         audioSources="1", audioChannels="2",
                         audioRate=str(meta["audioSampleRate"]))
        else:
            attrs.update(duration=clock(_frames(avail.duration)) if avail else "0s",
                         hasAudio="1", audioSources="1", audioChannels="2",
                         audioRate=str(meta["audioSampleRate"]))
        asset = etree.SubElement(resources, "asset", **{k: str(v) for k, v in attrs.items()})
        etree.SubElement(asset, "media-rep", kind="original-media", src=media_src(url))
        assets[key] = rid
        return rid

    dissolve_id = "r900"
    library = etree.SubElement(root, "library")
    event = etree.SubElement(library, "event", name=timeline.name)
    project = etree.SubElement(event, "project", name=timeline.name)
    total = _frames(timeline.duration())
    sequence = etree.SubElement(project, "sequence", format="r1", duration=clock(total),
                                tcStart=clock(start_frames), tcFormat="NDF", audioLayout="stereo",
                                audioRate=_audio_rate(meta["audioSampleRate"]))
    spine = etree.SubElement(sequence, "spine")

    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    parents: list[tuple[int, int, int, etree._Element]] = []  # (offset, duration, start, el)
    uses_dissolve = False
    cursor = 0  # running position: range_in_parent() would walk the track for every item
    for child in video:
        if isinstance(child, otio.schema.Transition):
            uses_dissolve = True
            cut = cursor
            half_in, half_out = _frames(child.in_offset), _frames(child.out_offset)
            tr = etree.SubElement(spine, "transition", name="Cross Dissolve",
                                  offset=clock(cut - half_in), duration=clock(half_in + half_out))
            etree.SubElement(tr, "filter-video", ref=dissolve_id, name="Cross Dissolve")
            continue
        offset, duration = cursor, _frames(child.source_range.duration)
        cursor += duration
        if isinstance(child, otio.schema.Gap):
            el = etree.SubElement(spine, "gap", name="Gap", offset=clock(offset), start="0s",
                                  duration=clock(duration))
            parents.append((offset, duration, 0, el))
            continue
        assert isinstance(child, otio.schema.Clip)
        source = _frames(child.source_range.start_time)
        kind = child.metadata.get("postprod", {}).get("kind", "video")
        tag = "video" if kind == "image" else "asset-clip"
        el = etree.SubElement(spine, tag, ref=asset_for(child), offset=clock(offset),
                              name=child.name, start=clock(source), duration=clock(duration))
        if tag == "asset-clip":
            el.set("tcFormat", "NDF")
            if child.metadata.get("postprod", {}).get("embeddedAudioTrack"):
                el.set("srcEnable", "video")  # its sound plays from the A-src lane
        parents.append((offset, duration, source, el))
    end = parents[-1][0] + parents[-1][1] if parents else 0
    if end < total:  # audio runs past the pictures: a spine gap to hang it on
        el = etree.SubElement(spine, "gap", name="Gap", offset=clock(end), start="0s",
                              duration=clock(total - end))
        parents.append((end, total - end, 0, el))

    audio_tracks = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    for lane_index, track in enumerate(audio_tracks, start=1):
        at = 0
        for clip in track:
            duration = _frames(clip.source_range.duration)
            if not isinstance(clip, otio.schema.Clip):
                at += duration
                continue
            p_offset, _, p_start, parent = _parent_at(parents, at)
            role = clip.metadata.get("postprod", {}).get("role", "dialogue")
            el = etree.Element("asset-clip", ref=asset_for(clip), lane=str(-lane_index),
                               offset=clock(p_start + at - p_offset), name=clip.name,
                               start=clock(_frames(clip.source_range.start_time)),
                               duration=clock(duration),
                               audioRole=AUDIO_ROLES.get(str(role), "dialogue"))
            if clip.metadata.get("postprod", {}).get("kind") == "video":
                el.set("srcEnable", "audio")  # a video's own sound (A-src)
            _attach(parent, el)
            at += duration

    for marker in timeline.tracks.markers:  # after the connected clips (DTD order)
        first = _frames(marker.marked_range.start_time)
        p_offset, _, p_start, parent = _parent_at(parents, first)
        el = etree.SubElement(parent, "marker", start=clock(p_start + first - p_offset),
                              duration=clock(max(1, _frames(marker.marked_range.duration))),
                              value=marker.name)
        if marker.comment:
            el.set("note", marker.comment)

    if uses_dissolve:
        etree.SubElement(resources, "effect", id=dissolve_id, name="Cross Dissolve",
                         uid=CROSS_DISSOLVE_UID)
    body: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body


def _parent_at(parents: list[tuple[int, int, int, Any]],
               frame: int) -> tuple[int, int, int, Any]:
    """The spine element under ``frame`` (parents are in timeline order, end to end)."""
    k = bisect.bisect_right(parents, frame, key=lambda p: p[0]) - 1
    return parents[max(0, min(k, len(parents) - 1))]


def _attach(parent: Any, el: Any) -> None:
    # Connected clips go before any filters of the parent (FCPXML element order).
    parent.append(el)


def media_src(url: str) -> str:
    """A `media-rep src`: ``file://`` URLs as they are (already encoded), else the path encoded."""
    return url if url.startswith("file://") else quote(url, safe="/")


def _audio_rate(hz: int) -> str:
    return {44100: "44.1k", 48000: "48k", 96000: "96k"}.get(hz, "48k")


def _format_name(meta: dict[str, Any], rate: Fraction) -> str:
    h = meta["resolution"]["h"]
    fps = {Fraction(24000, 1001): "2398", Fraction(30000, 1001): "2997",
           Fraction(60000, 1001): "5994"}.get(rate)
    if fps is None:
        fps = f"{float(rate):g}".replace(".", "")
    return f"FFVideoFormat{h}p{fps}"
