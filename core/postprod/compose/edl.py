"""CMX 3600 EDL export of the video track: our own writer, checked by otio-cmx3600-adapter.

Written from the frame plan in one pass (linear in the number of clips). Non-drop-frame
timecode at every rate (with ``FCM: NON-DROP FRAME``), like the .otio, FCP 7 XML and FCPXML,
so every reader lands on the same frames; record timecode from the consumer's start
(01:00:00:00 for Resolve). Reels are CMX-conform (8 upper-case letters and digits, one per
file), ``* FROM CLIP NAME:`` is the file name, every line is ASCII. Centred dissolves are
written as CMX ``D`` events (the outgoing clip cut at the dissolve start, the incoming one from
there), markers as ``* LOC:`` comments at the source timecode of the clip under them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction

from .plan import ClipPlan, MarkerPlan, TimelinePlan
from .timebase import nominal_fps
from .urls import file_name, target_url

MEDIA_TYPE = "text/plain"
REEL_LENGTH = 8
SMPTE_BASES = (24, 25, 30, 48, 50, 60)
"""Timecode bases CMX 3600 readers accept (with the NTSC variants of 24, 30, 48 and 60)."""
LOCATOR_COLORS = {"GREEN": "GREEN", "YELLOW": "YELLOW", "RED": "RED", "BLUE": "BLUE"}


def supports_rate(rate: Fraction) -> bool:
    """CMX 3600 timecode: 24, 25, 30, 48, 50, 60 fps and the NTSC 23.976/29.97/47.952/59.94."""
    base = nominal_fps(rate)
    if base not in SMPTE_BASES:
        return False
    return rate.denominator == 1 or (rate.denominator == 1001 and base != 25 and base != 50)


def timecode(frames: int, base: int) -> str:
    """Non-drop-frame ``HH:MM:SS:FF`` of ``frames`` counted at ``base`` frames per second."""
    seconds, ff = divmod(frames, base)
    width = max(2, len(str(base - 1)))
    return (f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:"
            f"{ff:0{width}d}")


def ascii_text(text: str) -> str:
    """``Café #1 – fin`` -> ``Cafe #1 - fin``: accents dropped, other non-ASCII as ``?``."""
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = out.encode("ascii", "replace").decode("ascii")
    return re.sub(r"[\x00-\x1f\x7f]+", " ", out).strip()


class Reels:
    """One CMX reel per media file: the file name's letters and digits, unique, <= 8 chars."""

    def __init__(self) -> None:
        self.by_item: dict[str, str] = {}
        self.used: set[str] = set()

    def __call__(self, item_id: str, path: str) -> str:
        if item_id in self.by_item:
            return self.by_item[item_id]
        stem = file_name(path).rsplit(".", 1)[0]
        base = re.sub(r"[^A-Z0-9]", "", ascii_text(stem).upper()) or "AX"
        reel = base[:REEL_LENGTH]
        n = 1
        while reel in self.used or reel in ("AX", "BL", "BLACK", "BARS"):
            n += 1
            suffix = str(n)
            reel = base[:REEL_LENGTH - len(suffix)] + suffix
        self.used.add(reel)
        self.by_item[item_id] = reel
        return reel


def reel_name(item_id: str) -> str:
    """A CMX 3600 reel from one name: up to 8 upper-case letters and digits (``AX`` if none)."""
    return re.sub(r"[^A-Za-z0-9]", "", ascii_text(item_id)).upper()[:REEL_LENGTH] or "AX"


def write_to_string(plan: TimelinePlan, *, start_frames: int = 0) -> str:
    """The video track of ``plan`` as a CMX 3600 EDL (audio is not carried).

    Args:
        plan: the frame plan of the timeline (its rate must pass `supports_rate`).
        start_frames: record timecode of the timeline's first frame.
    """
    base = nominal_fps(plan.rate)
    root_path = plan.request.folder.media_root_path
    reels = Reels()
    video = plan.tracks[0]
    by_cut = {t.cut: t for t in video.transitions}
    markers = sorted(plan.markers, key=lambda m: m.at)
    lines = [f"TITLE: {ascii_text(plan.request.project.name)[:70] or 'TIMELINE'}",
             "FCM: NON-DROP FRAME", ""]

    def tc(frames: int) -> str:
        return timecode(frames, base)

    def source_line(num: int, clip: ClipPlan, edit: str, src_in: int, src_out: int,
                    rec_in: int, rec_out: int) -> str:
        reel = reels(clip.item.id, clip.item.path)
        return (f"{num:03d}  {reel:<8} V     {edit:<8} {tc(src_in)} {tc(src_out)} "
                f"{tc(start_frames + rec_in)} {tc(start_frames + rec_out)}")

    def clip_comments(clip: ClipPlan) -> list[str]:
        url = target_url(path=clip.item.path, media_root_path=root_path)
        return [f"* SOURCE FILE: {ascii_text(url)}"]

    m = 0
    clips = video.clips
    for n, clip in enumerate(clips):
        num = n + 1
        into = by_cut.get(clip.start) if n else None
        head = into.in_offset if into is not None else 0  # the dissolve starts head frames early
        nxt = clips[n + 1] if n + 1 < len(clips) else None
        out_of = by_cut.get(nxt.start) if nxt is not None else None
        tail = out_of.in_offset if out_of is not None else 0  # the next dissolve starts here
        rec_in, rec_out = clip.start - head, clip.end - tail
        src_in = clip.source_start - head
        src_out = src_in + (rec_out - rec_in)
        name = ascii_text(file_name(clip.item.path))
        if into is not None:
            prev = clips[n - 1]
            at = prev.source_start + prev.duration - head  # the outgoing clip at the dissolve
            lines.append(source_line(num, prev, "C", at, at, rec_in, rec_in))
            lines.append(source_line(num, clip, f"D {into.duration:03d}", src_in, src_out,
                                     rec_in, rec_out))
            lines.append(f"* FROM CLIP NAME:  {ascii_text(file_name(prev.item.path))}")
            lines.append(f"* TO CLIP NAME:  {name}")
        else:
            lines.append(source_line(num, clip, "C", src_in, src_out, rec_in, rec_out))
            lines.append(f"* FROM CLIP NAME:  {name}")
        lines.extend(clip_comments(clip))
        while m < len(markers) and (markers[m].at < rec_out or nxt is None):
            lines.append(_locator(markers[m], clip, rec_in, src_in, tc))
            m += 1
        lines.append("")
    return "\n".join(lines) + "\n"


def _locator(marker: MarkerPlan, clip: ClipPlan, rec_in: int, src_in: int,
             tc: Callable[[int], str]) -> str:
    source = src_in + (marker.at - rec_in)
    text = ascii_text(marker.name)
    if marker.duration:
        text += (f" (90% window {marker.start - marker.at:+d}/"
                 f"{marker.start + marker.duration - marker.at:+d} frames")
        text += f", confidence {marker.confidence:.2f})" if marker.confidence is not None else ")"
    color = LOCATOR_COLORS.get(marker.color, "BLUE")
    return f"* LOC: {tc(source)} {color:<7} {text}"
