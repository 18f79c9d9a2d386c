"""Helpers for the researcher notebooks: the sample project's truth, settings grids, scoring of
scene cuts against a truth, calibration curves and the figures drawn from them.

Pure functions (plus reading the sample project's JSON); plotly only, no Streamlit. The
notebooks call these and the operations' public APIs, nothing else.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path
from statistics import NormalDist, median
from typing import Any

import plotly.graph_objects as go

from .contract import TimestampsResponse

NOMINAL_LEVEL = 0.9
"""The contract's window level: `window` is a 90 % interval for the true cut."""


# --- the sample project -----------------------------------------------------------------------

def sample_media_dir(start: str | Path | None = None) -> Path:
    """The `sample_media/` folder of this checkout.

    Looked up beside the package (an editable install in a checkout), then in `start` (default:
    the current directory) and its parents. Raises FileNotFoundError when there is none.
    """
    candidates = [Path(__file__).resolve().parents[2]]
    here = Path(start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    for root in candidates:
        folder = root / "sample_media"
        if (folder / "narration_truth.json").is_file():
            return folder
    raise FileNotFoundError("no sample_media/ folder with narration_truth.json found")


@dataclass(frozen=True)
class CutTruth:
    """Where a scene truly starts in a narration (times in ms from the start of the audio).

    Attributes:
        scene_index: 0-based scene index.
        scene_id: the scene's id.
        onset_ms: speech onset of the scene's first word: the contract's true cut.
        pause_start_ms: end of the speech before it; an editor may cut anywhere in
            [pause_start_ms, onset_ms]; None when the truth does not say.
    """

    scene_index: int
    scene_id: str
    onset_ms: int
    pause_start_ms: int | None = None


@dataclass(frozen=True)
class NarrationTruth:
    """A narration recording with the true start of every scene.

    Attributes:
        audio: path of the narration audio.
        metadata: the Scene Timestamps `metadata` (JSON-ready dict) for it.
        duration_ms: length of the audio, ms.
        cuts: one truth per scene, scene 0 included (its cut is the start of the timeline).
    """

    audio: Path
    metadata: dict[str, Any]
    duration_ms: int
    cuts: tuple[CutTruth, ...]


def load_truth(*, truth_path: str | Path, metadata_path: str | Path,
               audio_path: str | Path | None = None) -> NarrationTruth:
    """Reads a truth file in the sample project's format (`narration_truth.json`: `scenes[]`
    with `id`, `onsetMs`, `pauseBeforeStartMs`; `durationMs`; `audio`) and its Scene
    Timestamps metadata. This is also the format for a user's own recording + truth.
    """
    truth_path = Path(truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    audio = Path(audio_path) if audio_path is not None else truth_path.parent / truth["audio"]
    cuts = tuple(CutTruth(scene_index=i, scene_id=s["id"], onset_ms=int(s["onsetMs"]),
                          pause_start_ms=(int(s["pauseBeforeStartMs"])
                                          if "pauseBeforeStartMs" in s else None))
                 for i, s in enumerate(truth["scenes"]))
    ids = [s.get("id") for s in metadata["scenes"]]
    if len(ids) != len(cuts):
        raise ValueError(f"truth has {len(cuts)} scenes, metadata {len(ids)}")
    return NarrationTruth(audio=audio, metadata=metadata, duration_ms=int(truth["durationMs"]),
                          cuts=cuts)


def truth_from_corpus_item(item: Any) -> NarrationTruth:
    """A `NarrationTruth` from a benchmark corpus item (`postprod.align.corpus.CorpusItem`:
    `audio_path`, `request`, `true_starts_ms`, `duration_sec`); its truth has no pauses."""
    ids = [s.get("id") or f"scene-{i}" for i, s in enumerate(item.request["scenes"])]
    cuts = tuple(CutTruth(scene_index=i, scene_id=ids[i], onset_ms=int(ms))
                 for i, ms in enumerate(item.true_starts_ms))
    return NarrationTruth(audio=Path(item.audio_path), metadata=dict(item.request),
                          duration_ms=round(item.duration_sec * 1000), cuts=cuts)


def sample_truth(folder: str | Path | None = None) -> NarrationTruth:
    """The sample project's narration with its measured truth."""
    root = Path(folder) if folder is not None else sample_media_dir()
    return load_truth(truth_path=root / "narration_truth.json",
                      metadata_path=root / "timestamps_metadata.json")


# --- settings grids ---------------------------------------------------------------------------

def settings_grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """Every combination of the given values, in a stable order (last axis fastest).

    `settings_grid(a=[1, 2], b=[True])` -> `[{"a": 1, "b": True}, {"a": 2, "b": True}]`.
    """
    names = list(axes)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(list(axes[n]) for n in names))]


def options_with(base: Any, settings: Mapping[str, Any]) -> Any:
    """A copy of the dataclass `base` (e.g. `AlignOptions()`) with the given fields replaced.

    Raises ValueError naming the keys that are not fields of it (a typo in a grid never
    passes silently).
    """
    if not is_dataclass(base) or isinstance(base, type):
        raise TypeError("base must be a dataclass instance")
    names = {f.name for f in fields(base)}
    unknown = sorted(set(settings) - names)
    if unknown:
        raise ValueError(f"not fields of {type(base).__name__}: {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(names))}")
    return replace(base, **dict(settings))


def setting_label(settings: Mapping[str, Any]) -> str:
    """A short, stable label for one grid point: `model=tiny.en, refine=True`."""
    return ", ".join(f"{k}={v}" for k, v in settings.items())


# --- scoring cuts against the truth -----------------------------------------------------------

@dataclass(frozen=True)
class CutScore:
    """One transition of one run, compared with the truth (times in ms on the audio's clock,
    i.e. `startOffsetMs` removed).

    Attributes:
        setting: label of the settings that produced it.
        scene_index: index of the scene the cut leads into (1..N-1).
        scene_id: that scene's id.
        true_ms: the true cut (speech onset of the scene's first word).
        pause_start_ms: start of the pause before it (None: unknown).
        at_ms: where the run put the cut.
        window_start_ms, window_end_ms: the run's 90 % window.
        confidence: the run's confidence in [0, 1].
        basis: `startCue`, `anchor` or `interpolated`.
    """

    setting: str
    scene_index: int
    scene_id: str
    true_ms: int
    pause_start_ms: int | None
    at_ms: int
    window_start_ms: int
    window_end_ms: int
    confidence: float
    basis: str

    @property
    def error_ms(self) -> int:
        """Signed error, ms: positive = the run cuts late."""
        return self.at_ms - self.true_ms

    @property
    def in_window(self) -> bool:
        """The true cut lies inside the 90 % window."""
        return self.window_start_ms <= self.true_ms <= self.window_end_ms

    @property
    def in_pause(self) -> bool | None:
        """The run's cut lies in the pause before the scene (editorially right); None when
        the truth does not know the pause."""
        if self.pause_start_ms is None:
            return None
        return self.pause_start_ms <= self.at_ms <= self.true_ms

    @property
    def width_ms(self) -> int:
        """Width of the window, ms."""
        return self.window_end_ms - self.window_start_ms


def score_cuts(*, response: TimestampsResponse, truth: NarrationTruth,
               setting: str = "") -> list[CutScore]:
    """Compares each transition of a Scene Timestamps result with the truth."""
    offset = response.meta.start_offset_ms
    cuts = truth.cuts
    if len(response.data.scenes) != len(cuts):
        raise ValueError(f"response has {len(response.data.scenes)} scenes, truth {len(cuts)}")
    rows = []
    for k, tr in enumerate(response.data.transitions):
        cut = cuts[k + 1]
        rows.append(CutScore(setting=setting, scene_index=k + 1, scene_id=cut.scene_id,
                             true_ms=cut.onset_ms, pause_start_ms=cut.pause_start_ms,
                             at_ms=tr.at_ms - offset,
                             window_start_ms=tr.window.start_ms - offset,
                             window_end_ms=tr.window.end_ms - offset,
                             confidence=tr.confidence, basis=tr.basis))
    return rows


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(rows: Iterable[CutScore]) -> list[dict[str, Any]]:
    """One row per setting (first-appearance order): n, MAE, median and P90 absolute error,
    bias (mean signed error), % within 100/250/500 ms, % cut inside the pause (over the cuts
    whose pause is known; None when none is), failures (> 2 s), window coverage and median
    window width. Errors in ms, shares in %.
    """
    groups: dict[str, list[CutScore]] = {}
    for row in rows:
        groups.setdefault(row.setting, []).append(row)
    table = []
    for setting, group in groups.items():
        abs_err = [abs(r.error_ms) for r in group]
        n = len(group)
        pauses = [r.in_pause for r in group if r.in_pause is not None]
        table.append({
            "setting": setting,
            "n": n,
            "mae_ms": round(sum(abs_err) / n, 1),
            "median_ms": round(median(abs_err), 1),
            "p90_ms": round(_percentile(abs_err, 0.9), 1),
            "bias_ms": round(sum(r.error_ms for r in group) / n, 1),
            "within_100ms_pct": round(100 * sum(e <= 100 for e in abs_err) / n, 1),
            "within_250ms_pct": round(100 * sum(e <= 250 for e in abs_err) / n, 1),
            "within_500ms_pct": round(100 * sum(e <= 500 for e in abs_err) / n, 1),
            "in_pause_pct": round(100 * sum(pauses) / len(pauses), 1) if pauses else None,
            "failures_over_2s": sum(e > 2000 for e in abs_err),
            "coverage_pct": round(100 * sum(r.in_window for r in group) / n, 1),
            "median_width_ms": round(median(r.width_ms for r in group), 1),
        })
    return table


def best_setting(table: Sequence[Mapping[str, Any]], *, coverage_range: tuple[float, float] =
                 (85.0, 95.0)) -> Mapping[str, Any]:
    """The row with the lowest MAE among those whose coverage lies in `coverage_range` (%);
    the lowest MAE overall when none does (ties: fewer failures, then narrower windows)."""
    if not table:
        raise ValueError("empty table")
    honest = [r for r in table if coverage_range[0] <= r["coverage_pct"] <= coverage_range[1]]
    pool = honest or list(table)
    return min(pool, key=lambda r: (r["mae_ms"], r["failures_over_2s"], r["median_width_ms"]))


def options_dict(options: Any) -> dict[str, Any]:
    """A dataclass of options as a plain dict (what a researcher pastes into a config)."""
    if not is_dataclass(options) or isinstance(options, type):
        raise TypeError("options must be a dataclass instance")
    return asdict(options)


# --- calibration --------------------------------------------------------------------------------

def scaled_window(row: CutScore, *, level: float,
                  nominal: float = NOMINAL_LEVEL) -> tuple[float, float]:
    """The window at another confidence level, assuming normal errors around the cut: each side
    of the nominal window is scaled by z(level) / z(nominal). Returns (start_ms, end_ms)."""
    if not 0 < level < 1:
        raise ValueError("level must lie in (0, 1)")
    z = NormalDist().inv_cdf
    factor = z(0.5 + level / 2) / z(0.5 + nominal / 2)
    return (row.at_ms - factor * (row.at_ms - row.window_start_ms),
            row.at_ms + factor * (row.window_end_ms - row.at_ms))


def coverage_curve(rows: Sequence[CutScore], *, levels: Sequence[float] = (
        0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)) -> list[tuple[float, float]]:
    """Observed coverage of the scaled windows at each nominal level: [(level, share)]."""
    if not rows:
        return [(lv, math.nan) for lv in levels]
    curve = []
    for level in levels:
        hits = 0
        for r in rows:
            lo, hi = scaled_window(r, level=level)
            hits += lo <= r.true_ms <= hi
        curve.append((level, hits / len(rows)))
    return curve


# --- figures ----------------------------------------------------------------------------------

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


def table_figure(table: Sequence[Mapping[str, Any]], *, title: str = "") -> go.Figure:
    """A plotly table of dict rows (same keys in every row)."""
    if not table:
        return go.Figure(layout={"title": title})
    keys = list(table[0])
    return go.Figure(go.Table(
        header={"values": keys, "align": "left"},
        cells={"values": [[row[k] for row in table] for k in keys], "align": "left"}),
        layout={"title": title, "height": 120 + 28 * len(table)})


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


def true_scene_spans(narration: str, sentences: Sequence[Mapping[str, Any]]
                     ) -> list[tuple[int, int]]:
    """Each scene's true `[start, end)` character range in `narration`, from truth sentences
    (`{"sceneIndex", "text"}` in narration order, as in `narration_truth.json`), each located
    verbatim after the previous one. Raises ValueError when a sentence is not found."""
    spans: dict[int, tuple[int, int]] = {}
    pos = 0
    for s in sentences:
        at = narration.find(s["text"], pos)
        if at < 0:
            raise ValueError(f"sentence not found in the narration: {s['text']!r}")
        end = at + len(s["text"])
        k = int(s["sceneIndex"])
        spans[k] = (spans[k][0], end) if k in spans else (at, end)
        pos = end
    return [spans[k] for k in sorted(spans)]


def evidence_figure(*, image: Any, evidence: Any, title: str = "",
                    top_labels: int = 5) -> go.Figure:
    """One image beside its visual evidence: the top classifier labels with probabilities and
    the dominant named colours with their shares.

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
    fig.add_trace(go.Image(z=image), row=1, col=1)
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
    fig.update_xaxes(showticklabels=False, row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=1, col=1)
    fig.update_xaxes(range=[0, 1], row=1, col=2)
    fig.update_xaxes(range=[0, 1], row=1, col=3)
    fig.update_layout(title=title, height=300, margin={"l": 10, "r": 10, "t": 60, "b": 30})
    return fig
