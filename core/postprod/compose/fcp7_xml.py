"""FCP 7 XML (xmeml 4) export for Premiere before 25.6 and other XML importers: our own writer.

Written from the frame plan in one pass (linear in the number of clips), checked by
otio-fcp-adapter reading it back. One `<rate>` per element, a `<file>` written in full once and
referenced by id after that, stills declare video only, a video and its own sound on ``A-src``
are joined by `<link>`, dissolves are centred `<transitionitem>`s (the clips on either side carry
``-1`` start/end as FCP writes them), markers sit on the sequence with their range as in/out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from lxml import etree

from .edl import timecode
from .plan import ClipPlan, MarkerPlan, TimelinePlan, TransitionPlan
from .timebase import nominal_fps
from .urls import file_name, target_url

MEDIA_TYPE = "application/xml"


def supports_rate(rate: Fraction) -> bool:
    """xmeml carries integer timebases, and NTSC ones as timebase + ``<ntsc>TRUE``."""
    return rate.denominator == 1 or (rate.denominator == 1001 and rate.numerator % 1000 == 0)


def localhost_url(url: str) -> str:
    """``file:///C:/a b.mov`` -> ``file://localhost/C%3A/a%20b.mov``; relative URLs unchanged."""
    if not url.startswith("file:///"):
        return url
    rest = url[len("file:///"):]
    rest = re.sub(r"^([A-Za-z]):/", r"\1%3A/", rest)
    return "file://localhost/" + rest


def _sub(parent: Any, tag: str, text: object = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        el.text = str(text)
    return el


class _Writer:
    def __init__(self, plan: TimelinePlan, start_frames: int) -> None:
        self.plan = plan
        self.start = start_frames
        self.timebase = nominal_fps(plan.rate)
        self.ntsc = "TRUE" if plan.rate.denominator == 1001 else "FALSE"
        self.root_path = plan.request.folder.media_root_path
        self.files: dict[tuple[str, str], str] = {}  # (kind, item id) -> file id
        self.file_frames: dict[tuple[str, str], int] = {}
        self.clip_ids: dict[int, str] = {}  # id(ClipPlan) -> clipitem id
        self.next_clip = 1

    def rate(self, parent: Any) -> None:
        rate = _sub(parent, "rate")
        _sub(rate, "timebase", self.timebase)
        _sub(rate, "ntsc", self.ntsc)

    def timecode_el(self, parent: Any, frames: int) -> None:
        tc = _sub(parent, "timecode")
        self.rate(tc)
        _sub(tc, "string", timecode(frames, self.timebase))
        _sub(tc, "frame", frames)
        _sub(tc, "displayformat", "NDF")

    def media_lengths(self) -> None:
        """Each file's length: the media's, or for stills the longest range a clip uses."""
        for track in self.plan.tracks:
            for clip in track.clips:
                key = self.file_key(clip, track.kind)
                length = clip.available[1] if clip.available else clip.source_start + clip.duration
                self.file_frames[key] = max(self.file_frames.get(key, 0), length)

    @staticmethod
    def file_key(clip: ClipPlan, track_kind: str) -> tuple[str, str]:
        """One `<file>` per media file: a video and its sound on A-src share it."""
        del track_kind
        return (clip.item.kind, clip.item.id)

    def file_el(self, parent: Any, clip: ClipPlan, track_kind: str) -> None:
        key = self.file_key(clip, track_kind)
        if key in self.files:
            _sub(parent, "file", id=self.files[key])
            return
        fid = f"file-{len(self.files) + 1}"
        self.files[key] = fid
        el = _sub(parent, "file", id=fid)
        _sub(el, "name", file_name(clip.item.path))
        _sub(el, "pathurl", localhost_url(target_url(path=clip.item.path,
                                                     media_root_path=self.root_path)))
        self.rate(el)
        _sub(el, "duration", self.file_frames[key])
        self.timecode_el(el, 0)
        media = _sub(el, "media")
        if clip.item.kind in ("image", "video"):
            video = _sub(media, "video")
            chars = _sub(video, "samplecharacteristics")
            res = self.plan.request.project.resolution
            _sub(chars, "width", res.w)
            _sub(chars, "height", res.h)
        if clip.item.kind in ("video", "audio"):
            audio = _sub(media, "audio")
            _sub(audio, "channelcount", 2)

    def clip_id(self, clip: ClipPlan) -> str:
        key = id(clip)
        if key not in self.clip_ids:
            self.clip_ids[key] = f"clipitem-{self.next_clip}"
            self.next_clip += 1
        return self.clip_ids[key]

    def clipitem(self, track_el: Any, clip: ClipPlan, track_kind: str, *,
                 head: int, tail: int, links: list[tuple[ClipPlan, str, int, int]]) -> None:
        el = _sub(track_el, "clipitem", id=self.clip_id(clip))
        _sub(el, "name", clip.name)
        _sub(el, "enabled", "TRUE")
        _sub(el, "duration", self.file_frames[self.file_key(clip, track_kind)])
        self.rate(el)
        _sub(el, "start", -1 if head else clip.start)
        _sub(el, "end", -1 if tail else clip.end)
        _sub(el, "in", clip.source_start - head)
        _sub(el, "out", clip.source_start + clip.duration + tail)
        self.file_el(el, clip, track_kind)
        if track_kind == "audio":
            source = _sub(el, "sourcetrack")
            _sub(source, "mediatype", "audio")
            _sub(source, "trackindex", 1)
        for linked, kind, track_index, clip_index in links:
            link = _sub(el, "link")
            _sub(link, "linkclipref", self.clip_id(linked))
            _sub(link, "mediatype", kind)
            _sub(link, "trackindex", track_index)
            _sub(link, "clipindex", clip_index)
            if kind == "audio":
                _sub(link, "groupindex", 1)

    def transition(self, track_el: Any, transition: TransitionPlan) -> None:
        el = _sub(track_el, "transitionitem")
        _sub(el, "start", transition.cut - transition.in_offset)
        _sub(el, "end", transition.cut + transition.out_offset)
        _sub(el, "alignment", "center")
        self.rate(el)
        effect = _sub(el, "effect")
        _sub(effect, "name", "Cross Dissolve")
        _sub(effect, "effectid", "Cross Dissolve")
        _sub(effect, "effectcategory", "Dissolve")
        _sub(effect, "effecttype", "transition")
        _sub(effect, "mediatype", "video")

    def marker(self, parent: Any, marker: MarkerPlan) -> None:
        el = _sub(parent, "marker")
        _sub(el, "name", marker.name)
        _sub(el, "comment", marker_comment(marker, self.timebase, self.start))
        _sub(el, "in", marker.start)
        _sub(el, "out", marker.start + marker.duration if marker.duration else -1)


def marker_comment(marker: MarkerPlan, timebase: int, start: int) -> str:
    """``scene starts 00:00:05:12; 90 % window 00:00:05:01-00:00:05:20; confidence 0.92``."""
    parts = [f"scene starts {timecode(start + marker.at, timebase)}"]
    if marker.duration:
        parts.append(f"90 % window {timecode(start + marker.start, timebase)}-"
                     f"{timecode(start + marker.start + marker.duration, timebase)}")
    if marker.confidence is not None:
        parts.append(f"confidence {marker.confidence:.2f}")
    if marker.note:
        parts.append(marker.note)
    return "; ".join(parts)


def write_to_string(plan: TimelinePlan, *, start_frames: int = 0) -> str:
    """The plan as FCP 7 XML (UTF-8 text with the XML declaration).

    Args:
        plan: the frame plan of the timeline.
        start_frames: the sequence's start timecode, frames (108000 for 01:00:00:00 at 30).
    """
    w = _Writer(plan, start_frames)
    w.media_lengths()
    root = etree.Element("xmeml", version="4")
    seq = _sub(root, "sequence", id="sequence-1")
    _sub(seq, "name", plan.request.project.name)
    _sub(seq, "duration", plan.end)
    w.rate(seq)
    w.timecode_el(seq, start_frames)
    media = _sub(seq, "media")
    video_el = _sub(media, "video")
    fmt = _sub(_sub(video_el, "format"), "samplecharacteristics")
    w.rate(fmt)
    res = plan.request.project.resolution
    _sub(fmt, "width", res.w)
    _sub(fmt, "height", res.h)
    _sub(fmt, "pixelaspectratio", "square")
    audio_el = _sub(media, "audio")

    video = plan.tracks[0]
    audio_tracks = [t for t in plan.tracks if t.kind == "audio"]
    # A video clip and its own sound on A-src: (sequence index) -> (video clip, audio clip).
    src_index = next((k for k, t in enumerate(audio_tracks, start=1)
                      if t.metadata.get("embeddedAudio")), None)
    pairs: dict[int, list[tuple[ClipPlan, str, int, int]]] = {}
    if src_index is not None:
        by_seq = {c.metadata["sequenceIndex"]: (n, c)
                  for n, c in enumerate(audio_tracks[src_index - 1].clips, start=1)}
        for n, v in enumerate(video.clips, start=1):
            found = by_seq.get(v.metadata["sequenceIndex"])
            if found is not None:
                links = [(v, "video", 1, n), (found[1], "audio", src_index, found[0])]
                pairs[id(v)] = pairs[id(found[1])] = links

    video_track = _sub(video_el, "track")
    _write_track(w, video_track, video.clips, video.transitions, "video", pairs)
    for track in audio_tracks:
        track_el = _sub(audio_el, "track")
        _write_track(w, track_el, track.clips, [], "audio", pairs)
        _sub(track_el, "outputchannelindex", 1)
    for marker in plan.markers:
        w.marker(seq, marker)
    body: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + body


def _write_track(w: _Writer, track_el: Any, clips: Iterable[ClipPlan],
                 transitions: Iterable[TransitionPlan],
                 kind: str, pairs: dict[int, list[tuple[ClipPlan, str, int, int]]]) -> None:
    by_cut = {t.cut: t for t in transitions}
    ordered = list(clips)
    for n, clip in enumerate(ordered):
        into = by_cut.get(clip.start) if n else None
        head = into.in_offset if into is not None else 0  # media before the in point
        nxt = ordered[n + 1] if n + 1 < len(ordered) else None
        out_of = by_cut.get(nxt.start) if nxt is not None else None
        tail = out_of.out_offset if out_of is not None else 0  # media after the out point
        if into is not None:
            w.transition(track_el, into)
        w.clipitem(track_el, clip, kind, head=head, tail=tail, links=pairs.get(id(clip), []))
