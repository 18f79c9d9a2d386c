"""Kdenlive project export (``.kdenlive``: MLT XML laid out as Kdenlive 23.04+ writes it).

Kdenlive's OTIO importer keeps clips only; this file keeps everything: the project profile (fps,
resolution), one bin producer per media file, each track as a Kdenlive track tractor of two
playlists, every dissolve as Kdenlive's own same-track *mix* (a ``luma`` transition inside the
track tractor, the incoming clip on the track's other playlist, ``kdenlive:mixcut`` = frames
before the cut), audio tracks mixed by the sequence's internal ``mix`` transitions, and the
markers as guides (JSON in ``kdenlive:sequenceproperties.guides``, category by confidence).
Written from the frame plan in one pass; checked by MLT's ``melt`` rendering it headless.
"""

from __future__ import annotations

import json
import uuid
from math import gcd
from typing import Any

from lxml import etree

from .fcp7_xml import marker_comment
from .plan import ClipPlan, TimelinePlan, TrackPlan, TransitionPlan
from .timebase import nominal_fps
from .urls import file_name, local_path

MEDIA_TYPE = "application/x-kdenlive"
MLT_VERSION = "7.12.0"
DOCUMENT_VERSION = "1.1"
GUIDE_CATEGORIES = [  # index, colour, name: the guide's category follows the confidence
    (0, "#9b59b6", "Scene start"),
    (1, "#1abc9c", "Confident (>= 0.8)"),
    (2, "#f1c40f", "Check (>= 0.5)"),
    (3, "#e74c3c", "Doubtful (< 0.5)"),
]
_CATEGORY = {"BLUE": 0, "GREEN": 1, "YELLOW": 2, "RED": 3}
CLIP_TYPE = {"audio": 1, "video": 3, "image": 5}
"""Kdenlive's ClipType numbers: Audio, AV, Image."""


def _sub(parent: Any, tag: str, **attrs: Any) -> Any:
    return etree.SubElement(parent, tag, **{k: str(v) for k, v in attrs.items()})


def _prop(parent: Any, name: str, value: object) -> None:
    el = etree.SubElement(parent, "property", name=name)
    el.text = str(value)


def _uuid(*parts: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "postprod:" + "/".join(parts))) + "}"


def profile_attrs(plan: TimelinePlan) -> dict[str, str]:
    """The MLT ``<profile>``: exact frame rate, the project resolution, square pixels."""
    res = plan.request.project.resolution
    g = gcd(res.w, res.h)
    rate = plan.rate
    return {
        "description": f"{res.w}x{res.h} {float(rate):g} fps",
        "width": str(res.w), "height": str(res.h), "progressive": "1",
        "sample_aspect_num": "1", "sample_aspect_den": "1",
        "display_aspect_num": str(res.w // g), "display_aspect_den": str(res.h // g),
        "frame_rate_num": str(rate.numerator), "frame_rate_den": str(rate.denominator),
        "colorspace": "709",
    }


class _Bin:
    """Bin producers: one per media file and use (picture or sound), ``kdenlive:id`` 2, 3, …"""

    def __init__(self, root: Any, plan: TimelinePlan) -> None:
        self.root = root
        self.plan = plan
        self.ids: dict[tuple[str, str], str] = {}
        self.lengths: dict[tuple[str, str], int] = {}
        self.kinds: dict[tuple[str, str], ClipPlan] = {}
        self.order: list[tuple[str, str]] = []

    def need(self, clip: ClipPlan, track_kind: str) -> None:
        key = (clip.item.id, "video" if clip.item.kind == "image" else track_kind)
        length = clip.available[1] if clip.available else clip.source_start + clip.duration
        if key not in self.lengths:
            self.order.append(key)
            self.kinds[key] = clip
        self.lengths[key] = max(self.lengths.get(key, 0), length)

    def write(self) -> None:
        folder = self.plan.request.folder
        for n, key in enumerate(self.order):
            clip = self.kinds[key]
            pid = f"producer{n}"
            self.ids[key] = pid
            length = self.lengths[key]
            el = _sub(self.root, "producer", id=pid, **{"in": 0, "out": length - 1})
            _prop(el, "length", length)
            _prop(el, "eof", "pause")
            resource = local_path(path=clip.item.path, media_root_path=folder.media_root_path)
            if clip.item.kind == "image" and "%" in resource:
                # MLT reads a '%' in an image name as a printf pattern and probes names until
                # 100 in a row are missing: a literal '%' matches forever and hangs. '%c' at
                # begin=37 prints '%' for the one real file and misses on the next 100.
                _prop(el, "resource", resource.replace("%", "%c"))
                _prop(el, "begin", ord("%"))
                _prop(el, "kdenlive:originalurl", resource)
            else:
                _prop(el, "resource", resource)
            if clip.item.kind == "image":
                _prop(el, "ttl", 1)
                _prop(el, "aspect_ratio", 1)
                _prop(el, "mlt_service", "qimage")
            else:
                _prop(el, "mlt_service", "avformat-novalidate")
                if key[1] == "audio":
                    _prop(el, "video_index", -1)
                    _prop(el, "set.test_image", 1)
                else:
                    _prop(el, "set.test_audio", 1)
            _prop(el, "kdenlive:id", n + 2)
            _prop(el, "kdenlive:clipname", file_name(clip.item.path))
            _prop(el, "kdenlive:clip_type", CLIP_TYPE[clip.item.kind])
            _prop(el, "kdenlive:folderid", -1)
            _prop(el, "kdenlive:duration", length)
            _prop(el, "postprod:itemId", clip.item.id)

    def producer(self, clip: ClipPlan, track_kind: str) -> str:
        return self.ids[(clip.item.id, "video" if clip.item.kind == "image" else track_kind)]


def _placements(track: TrackPlan) -> list[tuple[ClipPlan, int, int, int, TransitionPlan | None]]:
    """(clip, playlist 0/1, head, tail, dissolve into it): a clip a dissolve enters goes on
    the other playlist; head/tail are the frames of media it plays before its in point and
    after its out point."""
    by_cut = {t.cut: t for t in track.transitions}
    out: list[tuple[ClipPlan, int, int, int, TransitionPlan | None]] = []
    playlist = 0
    for n, clip in enumerate(track.clips):
        into = by_cut.get(clip.start) if n else None
        head = into.in_offset if into is not None else 0
        nxt = track.clips[n + 1] if n + 1 < len(track.clips) else None
        out_of = by_cut.get(nxt.start) if nxt is not None else None
        tail = out_of.out_offset if out_of is not None else 0
        playlist = 1 - playlist if head else 0
        out.append((clip, playlist, head, tail, into))
    return out


def write_to_string(plan: TimelinePlan, *, start_frames: int = 0) -> str:
    """The plan as a Kdenlive project (UTF-8 MLT XML text).

    Args:
        plan: the frame plan of the timeline.
        start_frames: unused by Kdenlive (its timeline starts at 0); kept for a uniform call.
    """
    del start_frames
    request = plan.request
    seq_uuid = _uuid(request.project.name, "sequence")
    doc_uuid = _uuid(request.project.name, "document")
    root = etree.Element("mlt", LC_NUMERIC="C", producer="main_bin", version=MLT_VERSION,
                         title=request.project.name)
    _sub(root, "profile", **profile_attrs(plan))
    media = _Bin(root, plan)
    for track in plan.tracks:
        for clip in track.clips:
            media.need(clip, track.kind)
    media.write()
    last = max(plan.end - 1, 0)

    black = _sub(root, "producer", id="black_track", **{"in": 0, "out": last})
    _prop(black, "length", plan.end)
    _prop(black, "eof", "continue")
    _prop(black, "resource", "black")
    _prop(black, "aspect_ratio", 1)
    _prop(black, "mlt_service", "color")
    _prop(black, "kdenlive:playlistid", "black_track")
    _prop(black, "set.test_audio", 0)

    audio = [t for t in plan.tracks if t.kind == "audio"]
    video = [t for t in plan.tracks if t.kind == "video"]
    tractors: list[tuple[str, TrackPlan]] = []
    for n, track in enumerate([*reversed(audio), *video]):  # Kdenlive: audio at the bottom
        tractors.append((_track(root, n, track, media, last), track))

    seq = _sub(root, "tractor", id=seq_uuid, **{"in": 0, "out": last})
    _prop(seq, "kdenlive:uuid", seq_uuid)
    _prop(seq, "kdenlive:clipname", request.project.name)
    _prop(seq, "kdenlive:producer_type", 17)
    _prop(seq, "kdenlive:id", len(media.order) + 2)
    _prop(seq, "kdenlive:duration", plan.end)
    _prop(seq, "kdenlive:maxduration", plan.end)
    _prop(seq, "kdenlive:sequenceproperties.hasAudio", 1 if audio else 0)
    _prop(seq, "kdenlive:sequenceproperties.hasVideo", 1)
    _prop(seq, "kdenlive:sequenceproperties.tracksCount", len(tractors))
    _prop(seq, "kdenlive:sequenceproperties.documentuuid", doc_uuid)
    _prop(seq, "kdenlive:sequenceproperties.guides", json.dumps(_guides(plan),
                                                                 ensure_ascii=False))
    _sub(seq, "track", producer="black_track")
    for tid, _ in tractors:
        _sub(seq, "track", producer=tid)
    for n, (_, track) in enumerate(tractors, start=1):
        tr = _sub(seq, "transition", id=f"mix_or_blend{n}")
        _prop(tr, "a_track", 0)
        _prop(tr, "b_track", n)
        if track.kind == "audio":
            _prop(tr, "mlt_service", "mix")
            _prop(tr, "kdenlive_id", "mix")
            _prop(tr, "sum", 1)
        else:
            _prop(tr, "mlt_service", "qtblend")
            _prop(tr, "kdenlive_id", "qtblend")
            _prop(tr, "compositing", 0)
        _prop(tr, "always_active", 1)
        _prop(tr, "internal_added", 237)

    main_bin = _sub(root, "playlist", id="main_bin")
    _prop(main_bin, "kdenlive:docproperties.version", DOCUMENT_VERSION)
    _prop(main_bin, "kdenlive:docproperties.uuid", doc_uuid)
    _prop(main_bin, "kdenlive:docproperties.activetimeline", seq_uuid)
    _prop(main_bin, "kdenlive:docproperties.opensequences", seq_uuid)
    _prop(main_bin, "kdenlive:docproperties.audioChannels", 2)
    _prop(main_bin, "kdenlive:docproperties.audioSampleRate", request.project.audio_sample_rate)
    _prop(main_bin, "kdenlive:docproperties.guidesCategories", json.dumps(
        [{"color": c, "comment": name, "index": i} for i, c, name in GUIDE_CATEGORIES]))
    _prop(main_bin, "kdenlive:docproperties.projectfolder", "")
    _prop(main_bin, "xml_retain", 1)
    for key in media.order:
        _sub(main_bin, "entry", producer=media.ids[key], **{"in": 0,
                                                             "out": media.lengths[key] - 1})
    _sub(main_bin, "entry", producer=seq_uuid, **{"in": 0, "out": last})

    final = _sub(root, "tractor", id="tractor_project", **{"in": 0, "out": last})
    _prop(final, "kdenlive:projectTractor", 1)  # the last service: what melt plays
    _sub(final, "track", producer=seq_uuid, **{"in": 0, "out": last})
    body: str = etree.tostring(root, pretty_print=True, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def _track(root: Any, n: int, track: TrackPlan, media: _Bin, last: int) -> str:
    """Two playlists and the track tractor (with its mixes) of one Kdenlive track."""
    is_audio = track.kind == "audio"
    placed = _placements(track)
    playlists = [_sub(root, "playlist", id=f"playlist{2 * n + k}") for k in (0, 1)]
    cursors = [0, 0]
    for clip, p, head, tail, _ in placed:
        first, end = clip.start - head, clip.end + tail
        pl = playlists[p]
        if first > cursors[p]:
            _sub(pl, "blank", length=first - cursors[p])
        entry = _sub(pl, "entry", producer=media.producer(clip, track.kind),
                     **{"in": clip.source_start - head,
                        "out": clip.source_start + clip.duration + tail - 1})
        _prop(entry, "kdenlive:id", int(media.producer(clip, track.kind)[8:]) + 2)
        _prop(entry, "postprod:clipName", clip.name)
        cursors[p] = end
    for pl in playlists:
        if is_audio:
            _prop(pl, "kdenlive:audio_track", 1)
    tid = f"tractor{n}"
    tractor = _sub(root, "tractor", id=tid, **{"in": 0, "out": last})
    if is_audio:
        _prop(tractor, "kdenlive:audio_track", 1)
    _prop(tractor, "kdenlive:trackheight", 67)
    _prop(tractor, "kdenlive:timeline_active", 1)
    _prop(tractor, "kdenlive:collapsed", 0)
    _prop(tractor, "kdenlive:track_name", track.name)
    hide = "video" if is_audio else "audio"
    for k in (0, 1):
        _sub(tractor, "track", hide=hide, producer=f"playlist{2 * n + k}")
    for clip, p, _, _, into in placed:
        if into is None:
            continue
        # Kdenlive plants a mix with out = in + duration (TrackModel::createMix)
        tr = _sub(tractor, "transition", id=f"mix{n}_{clip.start}",
                  **{"in": clip.start - into.in_offset, "out": clip.start + into.out_offset})
        _prop(tr, "a_track", 0)
        _prop(tr, "b_track", 1)
        _prop(tr, "mlt_service", "mix" if is_audio else "luma")
        _prop(tr, "kdenlive_id", "mix" if is_audio else "luma")
        # Kdenlive counts the mix's cut from its end: the frames after the cut (its own
        # mixtest: a mix starting `first` frames before the cut has mixcut == `second`)
        _prop(tr, "kdenlive:mixcut", into.out_offset)
        _prop(tr, "reverse", 1 if p == 0 else 0)
        if not is_audio:
            _prop(tr, "softness", 0)
            _prop(tr, "alpha_over", 1)
            _prop(tr, "fix_background_alpha", 1)
        else:
            _prop(tr, "start", -1 if p == 0 else 1)
            _prop(tr, "accepts_blanks", 1)
    return tid


def _guides(plan: TimelinePlan) -> list[dict[str, Any]]:
    base = nominal_fps(plan.rate)
    return [{"comment": f"{m.name}: {marker_comment(m, base, 0)}", "pos": m.at,
             "type": _CATEGORY.get(m.color, 0)} for m in plan.markers]

