"""Plotly figure builders for alignment review and composed timelines (no Streamlit).

The workbench and the notebooks draw the same pictures from these pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .contract import TimestampsResponse

WINDOW_NARROW_MS = 400
"""A 90 % window up to this width is drawn green (a cut to trust after one listen)."""
WINDOW_WIDE_MS = 1200
"""Up to this width amber; wider red. Interpolated cuts are grey whatever their width."""
COLOURS = {"narrow": "#2e9d5b", "medium": "#e0a100", "wide": "#d1453b", "interpolated": "#8a8a8a"}
BASIS_SYMBOLS = {"startCue": "circle", "anchor": "diamond", "interpolated": "x"}


@dataclass(frozen=True)
class Envelope:
    """A min/max waveform envelope, small enough for a browser.

    Attributes:
        times_sec: bucket start times, seconds from the start of the audio [shape=(n,)].
        lows: minimum sample value per bucket, in [-1, 1] [shape=(n,)].
        highs: maximum sample value per bucket, in [-1, 1] [shape=(n,)].
    """

    times_sec: np.ndarray
    lows: np.ndarray
    highs: np.ndarray


def waveform_envelope(*, samples: np.ndarray, sample_rate: int, buckets: int = 2000) -> Envelope:
    """Min/max per bucket of a mono signal.

    Args:
        samples: mono audio [shape=(n,)], float, nominally in [-1, 1].
        sample_rate: samples per second (> 0).
        buckets: at most this many points per curve (>= 1).

    Returns:
        The envelope; an empty signal gives empty arrays.
    """
    if sample_rate <= 0 or buckets < 1:
        raise ValueError("sample_rate and buckets must be positive")
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size == 0:
        empty = np.zeros(0, dtype=np.float32)
        return Envelope(times_sec=empty, lows=empty, highs=empty)
    per = max(1, -(-x.size // buckets))
    n = -(-x.size // per)
    padded = np.pad(x, (0, n * per - x.size), mode="edge").reshape(n, per)
    times = np.arange(n, dtype=np.float64) * per / sample_rate
    return Envelope(times_sec=times, lows=padded.min(axis=1), highs=padded.max(axis=1))


def window_class(*, width_ms: int, basis: str) -> str:
    """``narrow``/``medium``/``wide`` by the 90 % window width, ``interpolated`` for that basis."""
    if basis == "interpolated":
        return "interpolated"
    if width_ms <= WINDOW_NARROW_MS:
        return "narrow"
    if width_ms <= WINDOW_WIDE_MS:
        return "medium"
    return "wide"


def alignment_figure(
    *,
    response: TimestampsResponse,
    envelope: Envelope | None = None,
    cue_texts: Sequence[str] | None = None,
    starts_ms: Sequence[int] | None = None,
    height_px: int = 460,
) -> go.Figure:
    """Two rows on a shared time axis (seconds on the final timeline).

    Top: the narration envelope with one shaded band per scene (from its start to the next).
    Bottom: one marker per cut at its time, y = confidence, the 90 % window as asymmetric
    ``error_x``, colour by window width, symbol by basis; hover shows the cue. When
    ``starts_ms`` differs from the aligner, hollow grey markers show where it put the cut.

    Args:
        response: the Scene Timestamps result.
        envelope: waveform envelope of the narration (times from the start of the audio;
            shifted by ``startOffsetMs`` here), or None to leave the top row empty.
        cue_texts: the start cue of each scene, in scene order, for hover text.
        starts_ms: edited scene starts (ms, final timeline), one per scene; default the model's.
        height_px: figure height in pixels.
    """
    scenes = response.data.scenes
    offset_sec = response.meta.start_offset_ms / 1000
    end_sec = offset_sec + response.meta.audio_duration_ms / 1000
    starts = list(starts_ms) if starts_ms is not None else [s.start_ms for s in scenes]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.55, 0.45],
                        subplot_titles=("Narration and scenes", "Cuts: 90 % window, confidence"))
    if envelope is not None and envelope.times_sec.size:
        t = envelope.times_sec + offset_sec
        fig.add_trace(go.Scatter(
            x=np.concatenate([t, t[::-1]]), y=np.concatenate([envelope.highs,
                                                              envelope.lows[::-1]]),
            fill="toself", mode="lines", line={"width": 0.5, "color": "#4a6fa5"},
            fillcolor="rgba(74,111,165,0.45)", name="narration", hoverinfo="skip",
            showlegend=False), row=1, col=1)
    band_colours = ("rgba(120,120,200,0.10)", "rgba(120,200,160,0.10)")
    for i, scene in enumerate(scenes):
        x0 = starts[i] / 1000
        x1 = starts[i + 1] / 1000 if i + 1 < len(scenes) else max(end_sec, x0)
        fig.add_vrect(x0=x0, x1=x1, fillcolor=band_colours[i % 2], line_width=0, row=1, col=1)
        fig.add_annotation(x=(x0 + x1) / 2, y=1.0, yref="y domain",
                           text=f"{i}: {scene.id}" if len(scenes) <= 10 else str(i),
                           showarrow=False, font={"size": 14, "color": "#1f1f1f"},
                           bgcolor="rgba(255,255,255,0.75)", row=1, col=1)
        if i > 0:
            fig.add_vline(x=x0, line={"width": 1, "color": "rgba(60,60,60,0.5)"}, row=1, col=1)
    cue_texts = list(cue_texts) if cue_texts is not None else [""] * len(scenes)
    by_class: dict[str, dict[str, list[Any]]] = {}
    ghosts_x: list[float] = []
    ghosts_y: list[float] = []
    for k, tr in enumerate(response.data.transitions):
        idx = k + 1
        at = starts[idx] / 1000
        cls = window_class(width_ms=tr.window.end_ms - tr.window.start_ms, basis=tr.basis)
        bucket = by_class.setdefault(cls, {key: [] for key in (
            "x", "y", "plus", "minus", "symbol", "custom", "text")})
        bucket["x"].append(at)
        bucket["y"].append(tr.confidence)
        bucket["plus"].append(max(0.0, tr.window.end_ms / 1000 - at))
        bucket["minus"].append(max(0.0, at - tr.window.start_ms / 1000))
        bucket["symbol"].append(BASIS_SYMBOLS.get(tr.basis, "circle"))
        bucket["custom"].append(idx)
        cue = cue_texts[idx] if idx < len(cue_texts) else ""
        bucket["text"].append(
            f"cut {k + 1}: {tr.from_scene_id} → {tr.to_scene_id}<br>at {starts[idx]} ms"
            f" (window {tr.window.start_ms}–{tr.window.end_ms} ms)<br>confidence "
            f"{tr.confidence:.2f}, basis {tr.basis}<br>cue: {_short(cue)}")
        if starts[idx] != tr.at_ms:
            ghosts_x.append(tr.at_ms / 1000)
            ghosts_y.append(tr.confidence)
    for cls in ("narrow", "medium", "wide", "interpolated"):
        if cls not in by_class:
            continue
        b = by_class[cls]
        fig.add_trace(go.Scatter(
            x=b["x"], y=b["y"], mode="markers", name=f"window {cls}",
            marker={"size": 11, "color": COLOURS[cls], "symbol": b["symbol"],
                    "line": {"width": 1, "color": "#222"}},
            error_x={"type": "data", "symmetric": False, "array": b["plus"],
                     "arrayminus": b["minus"], "color": COLOURS[cls], "thickness": 2},
            customdata=b["custom"], hovertext=b["text"], hoverinfo="text"), row=2, col=1)
    if ghosts_x:
        fig.add_trace(go.Scatter(
            x=ghosts_x, y=ghosts_y, mode="markers", name="aligner's cut",
            marker={"size": 11, "color": "rgba(0,0,0,0)", "line": {"width": 2,
                                                                  "color": "#888"}},
            hoverinfo="skip"), row=2, col=1)
    fig.update_yaxes(range=[-1.05, 1.05], showticklabels=False, row=1, col=1)
    fig.update_yaxes(range=[-0.05, 1.1], title_text="confidence", row=2, col=1)
    fig.update_xaxes(title_text="time on the timeline (s)", row=2, col=1)
    fig.update_xaxes(range=[min(0.0, offset_sec), end_sec * 1.01 + 0.1])
    fig.update_layout(height=height_px, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.18}, uirevision="alignment",
                      clickmode="event+select")
    return fig


def cut_panels_figure(
    *,
    response: TimestampsResponse,
    samples: np.ndarray,
    sample_rate: int,
    starts_ms: Sequence[int] | None = None,
    cuts: Sequence[int] | None = None,
    thumbnails: Sequence[str | None] | None = None,
    half_width_sec: float = 2.0,
    columns: int = 2,
    panel_height_px: int = 210,
) -> go.Figure:
    """One panel per cut, zoomed to ``half_width_sec`` either side of it.

    Each panel shows the narration's waveform there, the 90 % window as a shaded band, the
    cut as a solid line (the aligner's own cut dashed grey when it was moved) and, top left,
    the thumbnail of the scene the cut starts.

    Args:
        response: the Scene Timestamps result.
        samples: the narration, mono [shape=(n,)], float in [-1, 1].
        sample_rate: its rate, Hz.
        starts_ms: edited scene starts (ms, final timeline); default the aligner's.
        cuts: which cuts to draw (scene indexes ≥ 1); default all.
        thumbnails: one image URL (``data:image/jpeg;base64,…``) or None per scene.
        half_width_sec: half the span of each panel, seconds.
        columns: panels per row.
        panel_height_px: height of one row of panels, pixels.
    """
    scenes = response.data.scenes
    transitions = response.data.transitions
    offset_sec = response.meta.start_offset_ms / 1000
    starts = list(starts_ms) if starts_ms is not None else [s.start_ms for s in scenes]
    chosen = [c for c in (cuts if cuts is not None else range(1, len(scenes)))
              if 1 <= c < len(scenes) and c - 1 < len(transitions)]
    rows = max(1, -(-len(chosen) // columns))
    titles = [f"cut {c}: {transitions[c - 1].from_scene_id} → {transitions[c - 1].to_scene_id}"
              for c in chosen]
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles or None,
                        horizontal_spacing=0.06, vertical_spacing=min(0.3, 0.5 / rows))
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    for k, cut in enumerate(chosen):
        row, col = k // columns + 1, k % columns + 1
        tr = transitions[cut - 1]
        at = starts[cut] / 1000
        lo_sec, hi_sec = at - half_width_sec, at + half_width_sec
        a = max(0, int((lo_sec - offset_sec) * sample_rate))
        b = min(x.size, int((hi_sec - offset_sec) * sample_rate))
        if b > a:
            env = waveform_envelope(samples=x[a:b], sample_rate=sample_rate, buckets=600)
            t = env.times_sec + a / sample_rate + offset_sec
            fig.add_trace(go.Scatter(
                x=np.concatenate([t, t[::-1]]),
                y=np.concatenate([env.highs, env.lows[::-1]]), fill="toself", mode="lines",
                line={"width": 0.5, "color": "#4a6fa5"}, fillcolor="rgba(74,111,165,0.5)",
                hoverinfo="skip", showlegend=False), row=row, col=col)
        cls = window_class(width_ms=tr.window.end_ms - tr.window.start_ms, basis=tr.basis)
        fig.add_vrect(x0=tr.window.start_ms / 1000, x1=max(tr.window.end_ms / 1000,
                                                          tr.window.start_ms / 1000 + 0.004),
                      fillcolor=COLOURS[cls], opacity=0.3, line_width=0, row=row, col=col)
        fig.add_vline(x=at, line={"width": 2, "color": "#1f1f1f"}, row=row, col=col)
        if starts[cut] != tr.at_ms:
            fig.add_vline(x=tr.at_ms / 1000, line={"width": 1.5, "color": "#888",
                                                   "dash": "dash"}, row=row, col=col)
        fig.update_xaxes(range=[lo_sec, hi_sec], row=row, col=col)
        fig.update_yaxes(range=[-1.05, 1.05], showticklabels=False, row=row, col=col)
        thumb = thumbnails[cut] if thumbnails is not None and cut < len(thumbnails) else None
        if thumb:
            axis = k + 1
            suffix = "" if axis == 1 else str(axis)
            fig.add_layout_image(source=thumb, xref=f"x{suffix} domain",
                                 yref=f"y{suffix} domain", x=0.0, y=1.0, sizex=0.28,
                                 sizey=0.55, xanchor="left", yanchor="top", layer="above")
        fig.add_annotation(
            x=1.0, y=0.0, xref=f"x{'' if k == 0 else k + 1} domain",
            yref=f"y{'' if k == 0 else k + 1} domain", xanchor="right", yanchor="bottom",
            showarrow=False, font={"size": 12},
            text=f"{starts[cut]} ms · window {tr.window.end_ms - tr.window.start_ms} ms")
    fig.update_annotations(font_size=13)
    fig.update_layout(height=rows * panel_height_px + 40, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 40, "b": 20})
    return fig


def timeline_figure(timeline: Any, *, height_px: int | None = None) -> go.Figure:
    """Tracks of a composed timeline as horizontal bars, one row per track.

    Args:
        timeline: an ``opentimelineio.schema.Timeline``; each clip is drawn at its
            ``range_in_parent()`` (seconds), gaps are left empty, transitions drawn as
            thin dark bars centred on their cut.
        height_px: figure height; default grows with the track count.
    """
    import opentimelineio as otio

    fig = go.Figure()
    tracks = list(timeline.tracks)
    names = []
    for i, t in enumerate(tracks):
        slot = f"{t.kind[0]}{i + 1}"
        names.append(f"{slot}: {t.name}" if t.name and t.name != slot else t.name or slot)
    palette = {"Video": "#4a6fa5", "Audio": "#2e9d5b"}
    for track, label in zip(tracks, names, strict=True):
        xs: list[float] = []
        bases: list[float] = []
        texts: list[str] = []
        for child in track:
            if isinstance(child, otio.schema.Gap):
                continue
            if isinstance(child, otio.schema.Transition):
                cut = child.range_in_parent().start_time.to_seconds()
                fig.add_trace(go.Bar(
                    y=[label], x=[(child.in_offset + child.out_offset).to_seconds()],
                    base=[cut - child.in_offset.to_seconds()], orientation="h",
                    marker_color="#333", width=0.25, name="transition", showlegend=False,
                    hovertext=[f"{child.transition_type} {child.name}"], hoverinfo="text"))
                continue
            r = child.range_in_parent()
            start, dur = r.start_time.to_seconds(), r.duration.to_seconds()
            xs.append(dur)
            bases.append(start)
            texts.append(f"{child.name}<br>{start:.3f}–{start + dur:.3f} s ({dur:.3f} s)")
        if xs:
            fig.add_trace(go.Bar(
                y=[label] * len(xs), x=xs, base=bases, orientation="h", name=label,
                marker={"color": palette.get(track.kind, "#777"),
                        "line": {"width": 1, "color": "white"}},
                text=[t.split("<br>")[0] for t in texts], textposition="inside",
                insidetextanchor="middle", hovertext=texts, hoverinfo="text",
                showlegend=False))
    fig.update_layout(
        barmode="overlay", height=height_px or 120 + 60 * max(1, len(tracks)),
        uniformtext={"minsize": 9, "mode": "hide"},  # no clipped names on slivers
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        xaxis={"title": {"text": "seconds"}},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": names},
        title={"text": timeline.name, "font": {"size": 13}})
    return fig


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
