"""Pixels of one output frame: dissolve mixes and the stakeholder-review burn-in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from PIL import Image, ImageDraw

from .layout import RenderLayout
from .media import Rgb, font


def dissolve(outgoing: Rgb, incoming: Rgb, weight: float) -> Rgb:
    """``outgoing`` and ``incoming`` mixed, ``weight`` (0..1) of the incoming one, rounded."""
    w = round(weight * 256)
    mixed = outgoing.astype(np.uint16) * (256 - w) + incoming.astype(np.uint16) * w + 128
    return (mixed >> 8).astype(np.uint8)


def timecode(frame: int, rate: Fraction) -> str:
    """Non-drop ``HH:MM:SS:FF`` of ``frame`` at the nominal rate (30 for 29.97)."""
    fps = max(1, round(rate))
    ff = frame % fps
    seconds = frame // fps
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{ff:02d}"


@dataclass(frozen=True)
class CutWindow:
    """The 90 % window Scene Timestamps gave for the cut at timeline frame ``cut``.

    Attributes:
        cut: timeline frame of the cut (the start of the clip named ``scene``).
        scene: the incoming scene's clip name.
        start_ms: window start on the timeline, ms.
        end_ms: window end on the timeline, ms.
    """

    cut: int
    scene: str
    start_ms: int
    end_ms: int


def cut_windows(layout: RenderLayout, windows: Mapping[str, tuple[int, int]]) -> list[CutWindow]:
    """The windows of ``windows`` (scene id -> (start_ms, end_ms)) at the cuts of ``layout``:
    a clip matches by its item id or its name."""
    out = []
    for clip in layout.video[1:]:
        found = windows.get(clip.item_id or "") or windows.get(clip.name)
        if found is not None:
            out.append(CutWindow(cut=clip.start, scene=clip.name, start_ms=int(found[0]),
                                 end_ms=int(found[1])))
    return out


class BurnIn:
    """Draws the scene name, the timecode and, near a cut with a window, the window as a bar."""

    LEAD_MS = 600
    """How long before and after a window (or its cut) the bar shows, ms."""

    def __init__(self, layout: RenderLayout, size: tuple[int, int],
                 windows: Sequence[CutWindow] = ()) -> None:
        self.layout = layout
        self.size = size
        self.windows = list(windows)
        self.text_font = font(size[1] // 22)
        self.small_font = font(size[1] // 30)

    def draw(self, rgb: Rgb, frame: int) -> Rgb:
        """A copy of ``rgb`` with the burn-in of timeline ``frame``."""
        width, height = self.size
        image = Image.fromarray(rgb)
        draw = ImageDraw.Draw(image, "RGBA")
        pad = max(2, height // 60)
        clip = self.layout.clip_at(frame)
        name = clip.name if clip is not None else "(gap)"
        tc = timecode(self.layout.start_frame + frame, self.layout.rate)
        for text, anchor, xy in ((name, "la", (pad * 2, pad * 2)),
                                 (tc, "ra", (width - pad * 2, pad * 2))):
            box = draw.textbbox(xy, text, font=self.text_font, anchor=anchor)
            draw.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
                           fill=(0, 0, 0, 160))
            draw.text(xy, text, font=self.text_font, fill=(255, 255, 255), anchor=anchor)
        ms = float(Fraction(frame) / self.layout.rate * 1000)
        for window in self.windows:
            cut_ms = float(Fraction(window.cut) / self.layout.rate * 1000)
            lo = min(window.start_ms, cut_ms) - self.LEAD_MS
            hi = max(window.end_ms, cut_ms) + self.LEAD_MS
            if lo <= ms <= hi:
                self._bar(draw, window, lo, hi, ms, cut_ms)
        return np.asarray(image, dtype=np.uint8)

    def _bar(self, draw: ImageDraw.ImageDraw, window: CutWindow, lo: float, hi: float,
             ms: float, cut_ms: float) -> None:
        width, height = self.size
        pad = max(2, height // 60)
        bar_h = max(4, height // 36)
        top = height - pad * 3 - bar_h
        left, right = pad * 2, width - pad * 2

        def x(t: float) -> float:
            return left + (right - left) * (t - lo) / (hi - lo)

        draw.rectangle((left, top, right, top + bar_h), fill=(0, 0, 0, 150))
        draw.rectangle((x(window.start_ms), top, x(window.end_ms), top + bar_h),
                       fill=(240, 170, 40, 220))
        draw.rectangle((x(cut_ms) - 1, top - pad, x(cut_ms) + 1, top + bar_h + pad),
                       fill=(255, 255, 255, 255))
        draw.rectangle((x(ms) - 1, top - pad, x(ms) + 1, top + bar_h + pad),
                       fill=(230, 40, 40, 255))
        label = (f"cut into {window.scene}: 90 % window {window.start_ms / 1000:.2f}–"
                 f"{window.end_ms / 1000:.2f} s")
        draw.text((left, top - pad), label, font=self.small_font, fill=(255, 255, 255),
                  anchor="ld")
