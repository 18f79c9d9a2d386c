"""The notebooks' plotly figures: errors along the file and their histogram, windows against
the truth, coverage curves, readable tables, the sweep at a glance, worst cuts with their
waveform, narration segmentation, image evidence and narration affinity; and a PNG writer
(headless Chromium)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from .cut_scores import COVERAGE_BAND, BestChoice, CutScore, coverage_curve
from .sweeps import DEFAULTS_LABEL


def _by_setting(rows: Iterable[CutScore]) -> dict[str, list[CutScore]]:
    groups: dict[str, list[CutScore]] = {}
    for r in rows:
        groups.setdefault(r.setting, []).append(r)
    return groups



def error_along_file_figure(rows: Sequence[CutScore]) -> go.Figure:
    """Signed error (ms) of every cut against its true time (s), one trace per setting."""
    fig = go.Figure()
    for setting, group in _by_setting(rows).items():
        fig.add_trace(go.Scatter(
            x=[r.true_ms / 1000 for r in group], y=[r.error_ms for r in group],
            mode="markers+lines", name=setting,
            hovertext=[f"{r.scene_id}: {r.error_ms:+d} ms ({r.basis})" for r in group],
            hoverinfo="text"))
    fig.add_hline(y=0, line={"color": "#444", "width": 1})
    fig.update_layout(title="Error per scene along the file", xaxis_title="true cut (s)",
                      yaxis_title="error (ms, + = late)", height=380)
    return fig



def error_histogram_figure(rows: Sequence[CutScore], *, bin_ms: int = 50) -> go.Figure:
    """Histogram of signed errors (ms), one overlaid trace per setting."""
    fig = go.Figure()
    for setting, group in _by_setting(rows).items():
        fig.add_trace(go.Histogram(x=[r.error_ms for r in group], name=setting, opacity=0.6,
                                   xbins={"size": bin_ms}))
    fig.update_layout(barmode="overlay", title="Error histogram", height=360,
                      xaxis_title="error (ms, + = late)", yaxis_title="cuts")
    return fig



def windows_figure(rows: Sequence[CutScore]) -> go.Figure:
    """Each cut's 90 % window around the run's cut, relative to the true cut (ms), with the
    pause before the scene shaded: one row per (setting, cut)."""
    fig = go.Figure()
    labels = [f"{r.setting} | {r.scene_id}" for r in rows]
    paused = [(label, r) for label, r in zip(labels, rows, strict=True)
              if r.pause_start_ms is not None]
    if paused:
        fig.add_trace(go.Bar(
            y=[label for label, _ in paused],
            x=[r.true_ms - (r.pause_start_ms or 0) for _, r in paused],
            base=[(r.pause_start_ms or 0) - r.true_ms for _, r in paused], orientation="h",
            marker_color="rgba(120,120,120,0.25)", name="pause before the scene"))
    fig.add_trace(go.Scatter(
        y=labels, x=[r.error_ms for r in rows], mode="markers", name="cut (90 % window)",
        marker={"color": ["#2e9d5b" if r.in_window else "#d1453b" for r in rows], "size": 9},
        error_x={"type": "data", "symmetric": False,
                 "array": [r.window_end_ms - r.at_ms for r in rows],
                 "arrayminus": [r.at_ms - r.window_start_ms for r in rows]}))
    fig.add_vline(x=0, line={"color": "#222", "width": 1.5})
    fig.update_layout(title="Windows against the truth (0 = true cut)", barmode="overlay",
                      xaxis_title="ms relative to the true cut", height=140 + 22 * len(rows),
                      yaxis={"autorange": "reversed"})
    return fig



def coverage_figure(rows: Sequence[CutScore], *, levels: Sequence[float] = (
        0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)) -> go.Figure:
    """Observed coverage against the nominal level, one curve per setting, with the diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0.5, 1.0], y=[0.5, 1.0], mode="lines", name="ideal",
                             line={"dash": "dash", "color": "#888"}))
    for setting, group in _by_setting(rows).items():
        curve = coverage_curve(group, levels=levels)
        fig.add_trace(go.Scatter(x=[lv for lv, _ in curve], y=[c for _, c in curve],
                                 mode="markers+lines", name=setting))
    fig.update_layout(title="Window coverage versus nominal level", height=380,
                      xaxis_title="nominal level", yaxis_title="observed coverage",
                      yaxis_range=[0, 1.02])
    return fig



def table_figure(table: Sequence[Mapping[str, Any]], *, title: str = "",
                 width_px: int = 1200) -> go.Figure:
    """A plotly table of dict rows (same keys in every row): every row shown, long text
    wrapped (never cut off), the figure as tall as its wrapped rows plus small margins."""
    import textwrap

    if not table:
        return go.Figure(layout={"title": title})
    keys = list(table[0])

    def text(v: Any) -> str:
        return "–" if v is None else str(v)

    # column widths by content (header included), then wrap each cell to its column
    longest = [max(len(text(k)), *(len(text(r[k])) for r in table)) for k in keys]
    weights = [min(max(n, 4), 70) for n in longest]
    usable = width_px - 40
    px = [usable * w / sum(weights) for w in weights]
    chars = [max(6, int(p / 7.2)) for p in px]  # ~7 px per character at 12 px
    cells = [[("<br>".join(textwrap.wrap(text(r[k]), c)) or text(r[k])) for r in table]
             for k, c in zip(keys, chars, strict=True)]
    heads = ["<b>" + "<br>".join(textwrap.wrap(str(k), c)) + "</b>"
             for k, c in zip(keys, chars, strict=True)]
    row_lines = [max(col[i].count("<br>") + 1 for col in cells) for i in range(len(table))]
    head_lines = max(h.count("<br>") + 1 for h in heads)
    line_px = 20
    fig = go.Figure(go.Table(
        columnwidth=px,
        header={"values": heads, "align": "left", "fill_color": "#e4e8f0",
                "height": line_px * head_lines + 8},
        cells={"values": cells, "align": "left", "height": line_px}))
    top = 50 if title else 10
    height = top + 20 + line_px * head_lines + 8 + sum(line_px * n + 2 for n in row_lines)
    fig.update_layout(title=title, height=height, width=width_px,
                      margin={"l": 10, "r": 10, "t": top, "b": 10})
    return fig



def segmentation_figure(*, narration: str, units: Sequence[tuple[int, int]],
                        scenes: Sequence[tuple[int, int] | None], scene_labels: Sequence[str],
                        truth: Sequence[tuple[int, int]] | None = None) -> go.Figure:
    """The narration as a strip of characters: its units (sentences or clauses) in the top
    row, each scene's span below, and the true spans (when known) at the bottom.

    Args:
        narration: the full narration text.
        units: `[start, end)` character ranges of the units the segmentation chose among.
        scenes: one `[start, end)` range per scene, None where a scene got no span.
        scene_labels: one label per scene (its id or index).
        truth: the true `[start, end)` range of each scene, if known.
    """
    palette = ("#4a6fa5", "#2e9d5b", "#e0a100", "#d1453b", "#7a5195", "#00a0b0", "#a05a2c",
               "#6c8ebf")
    fig = go.Figure()

    def bars(row: str, spans: Sequence[tuple[int, int] | None], names: Sequence[str],
             colours: Sequence[str]) -> None:
        kept = [(sp, nm, c) for sp, nm, c in zip(spans, names, colours, strict=True)
                if sp is not None]
        if not kept:
            return
        fig.add_trace(go.Bar(
            y=[row] * len(kept), x=[sp[1] - sp[0] for sp, _, _ in kept],
            base=[sp[0] for sp, _, _ in kept], orientation="h", name=row, showlegend=False,
            marker={"color": [c for _, _, c in kept], "line": {"width": 1, "color": "white"}},
            text=[nm for _, nm, _ in kept], textposition="inside", insidetextanchor="middle",
            hovertext=[f"{nm}: {_clip(narration[sp[0]:sp[1]])}" for sp, nm, _ in kept],
            hoverinfo="text"))

    bars("units", list(units), [f"u{i}" for i in range(len(units))],
         ["#bbbbbb" if i % 2 else "#999999" for i in range(len(units))])
    colours = [palette[i % len(palette)] for i in range(len(scenes))]
    bars("scenes", list(scenes), list(scene_labels), colours)
    rows = ["units", "scenes"]
    if truth is not None:
        bars("truth", list(truth), list(scene_labels), colours)
        rows.append("truth")
    fig.update_layout(barmode="overlay", title="Narration segmentation (characters)",
                      height=140 + 50 * len(rows), xaxis_title="character offset",
                      xaxis_range=[0, len(narration)],
                      yaxis={"categoryorder": "array", "categoryarray": rows[::-1]})
    return fig



def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"



def evidence_figure(*, image: Any, evidence: Any, title: str = "",
                    top_labels: int = 5) -> go.Figure:
    """One image beside its visual evidence: detected faces boxed on the image, the top
    classifier labels with probabilities and the dominant named colours with their shares.

    Args:
        image: the image's pixels, np.ndarray [shape=(h, w, 3)], uint8 RGB.
        evidence: its `postprod.describe.VisualEvidence` (`labels[]` with `label` and
            `probability`, `colours[]` with `name` and `share`).
        title: figure title (e.g. the scene id and what else was found).
        top_labels: how many labels to show.
    """
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3, column_widths=[0.4, 0.35, 0.25],
                        subplot_titles=("image", "labels", "colours"))
    # a JPEG data URI of a copy at most 640 px long (a `z` array of a 1000 px still is
    # megabytes of JSON per figure: slow to send, and nbclient stalls on it inside a widget)
    import base64
    import io

    import numpy as np
    from PIL import Image as PILImage

    shown = PILImage.fromarray(np.asarray(image, dtype=np.uint8))
    shown.thumbnail((640, 640))
    buf = io.BytesIO()
    shown.convert("RGB").save(buf, format="JPEG", quality=85)
    fig.add_trace(go.Image(source="data:image/jpeg;base64,"
                           + base64.b64encode(buf.getvalue()).decode("ascii")),
                  row=1, col=1)
    labels = list(evidence.labels)[:top_labels][::-1]
    fig.add_trace(go.Bar(x=[s.probability for s in labels], y=[s.label for s in labels],
                         orientation="h", marker_color="#4a6fa5", showlegend=False,
                         text=[f"{s.probability:.2f}" for s in labels], textposition="auto"),
                  row=1, col=2)
    colours = list(evidence.colours)[::-1]
    fig.add_trace(go.Bar(x=[c.share for c in colours], y=[c.name for c in colours],
                         orientation="h", showlegend=False,
                         marker={"color": [c.name for c in colours],
                                 "line": {"width": 1, "color": "#333"}}),
                  row=1, col=3)
    faces = list(getattr(evidence, "faces", []) or [])
    width = int(getattr(evidence, "width", 0) or 0)
    if faces and width:
        # face boxes are in the analysed copy's pixels: scale them to the image shown
        sx = shown.width / width
        sy = shown.height / evidence.height
        for f in faces:
            fig.add_shape(type="rect", x0=f.x * sx, y0=f.y * sy, x1=(f.x + f.width) * sx,
                          y1=(f.y + f.height) * sy, line={"color": "#ffd400", "width": 3},
                          row=1, col=1)
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=1, col=1)
    fig.update_xaxes(range=[0, 1], row=1, col=2)
    fig.update_xaxes(range=[0, 1], row=1, col=3)
    fig.update_layout(title=title, height=300, margin={"l": 10, "r": 10, "t": 60, "b": 30})
    return fig



def worst_cuts_figure(*, cuts: Sequence[tuple[CutScore, Any, int]], sample_rate: int = 16000,
                      title: str = "Worst cuts: ±2 s of narration around the true cut"
                      ) -> go.Figure:
    """One row per cut: the clip's waveform (ms relative to the true cut), the pause before the
    scene (grey), the 90 % window (green when it holds the truth, else red), the run's cut
    (dashed) and the truth (black).

    Args:
        cuts: ``(cut, clip, clip_start_ms)`` per cut (clips from `cut_clip`).
        sample_rate: the clips' rate, Hz.
        title: figure title.
    """
    import numpy as np
    from plotly.subplots import make_subplots

    from ..plots import waveform_envelope

    n = max(1, len(cuts))
    fig = make_subplots(rows=n, cols=1, vertical_spacing=min(0.08, 0.5 / n),
                        subplot_titles=[f"{c.scene_id}: {c.error_ms:+d} ms, window "
                                        f"{c.window_start_ms - c.true_ms:+d}…"
                                        f"{c.window_end_ms - c.true_ms:+d} ms ({c.basis})"
                                        for c, _, _ in cuts] or [""])
    for i, (cut, clip, start_ms) in enumerate(cuts, start=1):
        env = waveform_envelope(samples=np.asarray(clip), sample_rate=sample_rate, buckets=800)
        t = env.times_sec * 1000 + start_ms - cut.true_ms
        fig.add_trace(go.Scatter(x=np.concatenate([t, t[::-1]]),
                                 y=np.concatenate([env.highs, env.lows[::-1]]), fill="toself",
                                 mode="lines", line={"width": 0.5, "color": "#4a6fa5"},
                                 showlegend=False, hoverinfo="skip"), row=i, col=1)
        if cut.pause_start_ms is not None:
            fig.add_vrect(x0=cut.pause_start_ms - cut.true_ms, x1=0, line_width=0,
                          fillcolor="rgba(120,120,120,0.25)", row=i, col=1)
        fig.add_vrect(x0=cut.window_start_ms - cut.true_ms, x1=cut.window_end_ms - cut.true_ms,
                      line_width=0, row=i, col=1,
                      fillcolor="rgba(46,157,91,0.18)" if cut.in_window
                      else "rgba(209,69,59,0.18)")
        fig.add_vline(x=0, line={"color": "#111", "width": 2}, row=i, col=1)
        fig.add_vline(x=cut.at_ms - cut.true_ms, line={"color": "#d1453b", "width": 2,
                                                        "dash": "dash"}, row=i, col=1)
        off = cut.at_ms - cut.true_ms
        if abs(off) > 2000:  # the run's cut lies outside the clip: point to it
            fig.add_annotation(x=1990 if off > 0 else -1990, y=0, row=i, col=1,
                               text=f"run's cut at {off / 1000:+.1f} s {'→' if off > 0 else '←'}",
                               xanchor="right" if off > 0 else "left", showarrow=False,
                               font={"color": "#d1453b"}, bgcolor="rgba(255,255,255,0.8)")
        fig.update_xaxes(range=[-2000, 2000], row=i, col=1)
        fig.update_yaxes(showticklabels=False, row=i, col=1)
    fig.update_xaxes(title_text="ms relative to the true cut (black); dashed: the run's cut",
                     row=n, col=1)
    fig.update_layout(title=title, height=120 + 150 * n, margin={"t": 80})
    return fig



TABLE_COLUMNS = {
    "setting": "setting", "n": "cuts", "mae_ms": "MAE ms", "median_ms": "median ms",
    "p90_ms": "P90 ms", "bias_ms": "bias ms", "within_100ms_pct": "≤100 ms %",
    "within_250ms_pct": "≤250 ms %", "within_500ms_pct": "≤500 ms %",
    "in_pause_pct": "in pause %", "failures_over_2s": ">2 s", "coverage_pct": "coverage %",
    "median_width_ms": "window ms",
}



def settings_table_figure(table: Sequence[Mapping[str, Any]], *, best: BestChoice | None = None,
                          band: tuple[float, float] = COVERAGE_BAND,
                          title: str = "Scene cuts per setting") -> go.Figure:
    """Every row of `summarise`, full setting names wrapped (never cut off), sorted by MAE;
    coverage cells green inside ``band``, red outside; the chosen row highlighted."""
    import textwrap

    if not table:
        return go.Figure(layout={"title": title})
    rows = sorted(table, key=lambda r: (r["mae_ms"], r["failures_over_2s"]))
    keys = [k for k in TABLE_COLUMNS if k in rows[0]]
    wrap = 58
    names = ["<br>".join(textwrap.wrap(str(r["setting"]), wrap)) or "-" for r in rows]
    lines = [n.count("<br>") + 1 for n in names]
    chosen = best.setting if best is not None else None
    base_fill = ["#fff7c2" if r["setting"] == chosen else ("#f6f6f6" if i % 2 else "white")
                 for i, r in enumerate(rows)]
    fills = []
    for k in keys:
        if k == "coverage_pct":
            fills.append(["#d8f0de" if band[0] <= r[k] <= band[1] else "#f7d4d1" for r in rows])
        else:
            fills.append(base_fill)
    values = [names if k == "setting" else ["–" if r[k] is None else r[k] for r in rows]
              for k in keys]
    row_px = 22
    fig = go.Figure(go.Table(
        columnwidth=[440] + [78] * (len(keys) - 1),
        header={"values": [f"<b>{TABLE_COLUMNS[k]}</b>" for k in keys], "align": "left",
                "fill_color": "#e4e8f0", "height": 28},
        cells={"values": values, "align": ["left"] + ["right"] * (len(keys) - 1),
               "fill_color": fills, "height": row_px}))
    height = 100 + 30 + sum(row_px * n for n in lines)
    subtitle = "" if best is None else (" — chosen row highlighted" + (
        "" if best.in_band else " (closest only: no setting in the coverage band)"))
    fig.update_layout(title=title + subtitle, height=height, width=1400,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10})
    return fig



def sweep_figure(table: Sequence[Mapping[str, Any]], *,
                 band: tuple[float, float] = COVERAGE_BAND,
                 title: str = "Each option on its own: error and window coverage"
                 ) -> go.Figure:
    """One line per setting (in table order), MAE (ms) on the left and window coverage (%) on
    the right, with the defaults as a dotted reference and the coverage band shaded: what each
    knob does on its own in a one-at-a-time sweep."""
    from plotly.subplots import make_subplots

    labels = [str(r["setting"]) for r in table]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=("MAE (ms, lower is better)",
                                        f"window coverage (%, band {band[0]:g}–{band[1]:g})"))
    colours = ["#2e9d5b" if band[0] <= r["coverage_pct"] <= band[1] else "#d1453b"
               for r in table]
    fig.add_trace(go.Scatter(x=[r["mae_ms"] for r in table], y=labels, mode="markers",
                             marker={"color": "#4a6fa5", "size": 9}, name="MAE",
                             error_x={"type": "data", "symmetric": False, "array": [
                                 max(0.0, r["p90_ms"] - r["mae_ms"]) for r in table],
                                 "arrayminus": [0] * len(table), "color": "#9fb3d1"},
                             showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=[r["coverage_pct"] for r in table], y=labels, mode="markers",
                             marker={"color": colours, "size": 9}, name="coverage",
                             showlegend=False), row=1, col=2)
    fig.add_vrect(x0=band[0], x1=band[1], fillcolor="rgba(46,157,91,0.12)", line_width=0,
                  row=1, col=2)
    defaults = [r for r in table if str(r["setting"]).endswith(DEFAULTS_LABEL)]
    if defaults:
        fig.add_vline(x=defaults[0]["mae_ms"], line={"dash": "dot", "color": "#444"},
                      row=1, col=1)
        fig.add_vline(x=defaults[0]["coverage_pct"], line={"dash": "dot", "color": "#444"},
                      row=1, col=2)
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 11})
    fig.update_xaxes(range=[0, 102], row=1, col=2)
    fig.update_layout(title=title + " (whisker: P90; dotted: the defaults)",
                      height=140 + 19 * len(table), width=1200,
                      margin={"l": 10, "r": 20, "t": 80, "b": 40})
    return fig



def figure_png(fig: go.Figure, path: str | Path, *, width: int | None = None,
               height: int | None = None, chromium: str = "/usr/bin/chromium") -> Path:
    """Write ``fig`` as a PNG by drawing its HTML (plotly.js inlined, no network) in headless
    Chromium through Playwright; returns the path."""
    import tempfile

    from playwright.sync_api import sync_playwright

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    w = int(width or fig.layout.width or 1200)
    h = int(height or fig.layout.height or 500)
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "figure.html"
        fig.write_html(page_path, include_plotlyjs=True, full_html=True,
                       config={"staticPlot": True}, default_width=w, default_height=h)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu",
                                              "--disable-dev-shm-usage"])
            try:
                page = browser.new_page(viewport={"width": w + 20, "height": h + 20})
                page.goto(page_path.as_uri())
                page.wait_for_selector(".main-svg")
                page.locator(".plotly-graph-div").first.screenshot(path=str(out))
            finally:
                browser.close()
    return out



def affinity_figure(*, affinity: Any, units: Sequence[str], scene_labels: Sequence[str],
                    spans: Sequence[tuple[int, int] | None],
                    hits: Sequence[Sequence[str | None]] | None = None,
                    title: str = "Narration affinity: each scene's evidence against each unit"
                    ) -> go.Figure:
    """A heatmap of scene-to-unit affinity (rows: scenes, columns: narration units), each
    scene's chosen units outlined, and the keyword that fired in a cell written in it.

    Args:
        affinity: np.ndarray [shape=(scenes, units)], e.g. the double-centred affinity the
            segmentation uses (`postprod.describe.narration.centre`).
        units: the units' text, in narration order (hover text).
        scene_labels: one label per scene.
        spans: per scene, the ``[first, last]`` unit indices it got (inclusive), or None.
        hits: per scene and unit, the keyword behind the affinity (None: none).
    """
    import numpy as np

    a = np.asarray(affinity, dtype=np.float64)
    n, u = a.shape
    text = [[(hits[i][j] or "") if hits is not None else "" for j in range(u)]
            for i in range(n)]
    hover = [[f"{scene_labels[i]} × u{j}: {a[i, j]:+.3f}<br>{_clip(units[j], 80)}"
              for j in range(u)] for i in range(n)]
    lim = float(np.abs(a).max()) if a.size else 1.0
    fig = go.Figure(go.Heatmap(
        z=a, x=[f"u{j}" for j in range(u)], y=list(scene_labels), colorscale="RdBu",
        zmid=0, zmin=-lim, zmax=lim, text=text, texttemplate="%{text}",
        hovertext=hover, hoverinfo="text", colorbar={"title": "affinity"}))
    for i, span in enumerate(spans):
        if span is None:
            continue
        fig.add_shape(type="rect", x0=span[0] - 0.5, x1=span[1] + 0.5, y0=i - 0.5,
                      y1=i + 0.5, line={"color": "#111", "width": 3})
    fig.update_layout(title=title + " (outlined: the span each scene got)",
                      height=160 + 42 * n, width=max(700, 160 + 46 * u),
                      yaxis={"autorange": "reversed"}, xaxis_title="narration unit")
    return fig
