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

from ..contract import TimestampsResponse

NOMINAL_LEVEL = 0.9
"""The contract's window level: `window` is a 90 % interval for the true cut."""


# --- the sample project -----------------------------------------------------------------------

def sample_media_dir(start: str | Path | None = None) -> Path:
    """The `sample_media/` folder of this checkout.

    Looked up beside the package (an editable install in a checkout), then in `start` (default:
    the current directory) and its parents. Raises FileNotFoundError when there is none.
    """
    candidates = [Path(__file__).resolve().parents[3]]
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
        pause_is_truth: the marks were placed by hand somewhere in the pause (not at the
            onset): a cut anywhere in [pause_start_ms, onset_ms] is exact, and a window that
            meets the pause holds the truth.
    """

    scene_index: int
    scene_id: str
    onset_ms: int
    pause_start_ms: int | None = None
    pause_is_truth: bool = False


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
    """A `NarrationTruth` from a corpus item (`postprod.research.speech_corpus.CorpusItem`:
    `audio_path`, `request`, `true_starts_ms`, `duration_sec`, and `true_pauses_ms` where the
    item has it). Synthetic items have onset truth and no pauses; an item whose
    `true_pauses_ms` gives a pause per scene has pause truth (hand marks inside the pause)."""
    ids = [s.get("id") or f"scene-{i}" for i, s in enumerate(item.request["scenes"])]
    pauses = getattr(item, "true_pauses_ms", None)
    cuts = []
    for i, ms in enumerate(item.true_starts_ms):
        pause = pauses[i] if pauses is not None else None
        in_pause = pause is not None and int(pause[1]) > int(pause[0])
        cuts.append(CutTruth(scene_index=i, scene_id=ids[i], onset_ms=int(ms),
                             pause_start_ms=int(pause[0]) if in_pause and pause else None,
                             pause_is_truth=in_pause))
    duration = float(item.duration_sec or 0.0)
    if duration <= 0:  # a hand-marked recording whose JSON left it out
        import soundfile

        duration = float(soundfile.info(str(item.audio_path)).duration)
    return NarrationTruth(audio=Path(item.audio_path), metadata=dict(item.request),
                          duration_ms=round(duration * 1000), cuts=tuple(cuts))


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
        pause_is_truth: the truth is the pause before the scene (see `CutTruth`).
        narration: the name of the narration it belongs to.
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
    pause_is_truth: bool = False
    narration: str = ""

    @property
    def error_ms(self) -> int:
        """Signed error, ms: positive = the run cuts late. With pause truth: 0 inside the
        pause, else the distance to its nearer edge."""
        if self.pause_is_truth and self.pause_start_ms is not None:
            if self.pause_start_ms <= self.at_ms <= self.true_ms:
                return 0
            edge = self.true_ms if self.at_ms > self.true_ms else self.pause_start_ms
            return self.at_ms - edge
        return self.at_ms - self.true_ms

    @property
    def in_window(self) -> bool:
        """The true cut lies inside the 90 % window (pause truth: the window meets the
        pause)."""
        if self.pause_is_truth and self.pause_start_ms is not None:
            return (self.window_start_ms <= self.true_ms
                    and self.window_end_ms >= self.pause_start_ms)
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
               setting: str = "", narration: str = "") -> list[CutScore]:
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
                             confidence=tr.confidence, basis=tr.basis,
                             pause_is_truth=cut.pause_is_truth, narration=narration))
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


COVERAGE_BAND = (85.0, 95.0)
"""Window coverage (%) that counts as honest for 90 % windows on a few dozen cuts."""


@dataclass(frozen=True)
class BestChoice:
    """The setting a tuning run recommends, and whether it earned it.

    Attributes:
        row: its row of `summarise`.
        in_band: its window coverage lies in `band`; False means no setting's does and `row`
            is only the closest (see `summary`).
        band: the coverage band, %.
        settings: how many settings were compared.
        in_band_count: how many of them lie in the band.
        coverage_seen: lowest and highest coverage over all settings, %.
    """

    row: Mapping[str, Any]
    in_band: bool
    band: tuple[float, float]
    settings: int
    in_band_count: int
    coverage_seen: tuple[float, float]

    @property
    def setting(self) -> str:
        """The chosen setting's label."""
        return str(self.row["setting"])

    def summary(self) -> str:
        """What to say about the choice, plainly (several sentences)."""
        r, lo, hi = self.row, *self.band
        figures = (f"{r['setting']}: MAE {r['mae_ms']} ms, P90 {r['p90_ms']} ms, "
                   f"window coverage {r['coverage_pct']} % over {r['n']} cuts, median window "
                   f"{r['median_width_ms']} ms")
        step = f" (with {r['n']} cuts, coverage moves in steps of {100 / r['n']:.1f} %)" \
            if r["n"] < 40 else ""
        if self.in_band:
            return (f"Best: {figures}. It is the lowest error among the {self.in_band_count} of "
                    f"{self.settings} settings whose windows cover {lo:g}–{hi:g} % of the true "
                    f"cuts{step}.")
        side = ("too narrow (overconfident)" if r["coverage_pct"] < lo
                else "too wide (they could be tighter)")
        return (f"NO setting reaches the {lo:g}–{hi:g} % coverage band: coverage runs from "
                f"{self.coverage_seen[0]} to {self.coverage_seen[1]} % over {self.settings} "
                f"settings{step}. The closest is {figures}; its windows are {side}. Do not take "
                "its windows as 90 % intervals on this corpus: refit the calibration on it "
                "(python -m postprod.research.calibration_fit --marked DIR --write FILE) or "
                "widen the corpus before changing a default.")


def honest_best(table: Sequence[Mapping[str, Any]], *,
                band: tuple[float, float] = COVERAGE_BAND) -> BestChoice:
    """The setting with the lowest MAE among those whose window coverage lies in ``band`` (%)
    (ties: fewer failures, then narrower windows). When none does, the one whose coverage is
    closest to the band (ties: lower MAE), flagged ``in_band=False``: never a silent fallback.

    Raises:
        ValueError: an empty table.
    """
    if not table:
        raise ValueError("empty table")
    lo, hi = band
    honest = [r for r in table if lo <= r["coverage_pct"] <= hi]
    if honest:
        row = min(honest, key=lambda r: (r["mae_ms"], r["failures_over_2s"],
                                         r["median_width_ms"]))
    else:
        row = min(table, key=lambda r: (max(lo - r["coverage_pct"], r["coverage_pct"] - hi),
                                        r["mae_ms"], r["failures_over_2s"]))
    covs = [float(r["coverage_pct"]) for r in table]
    return BestChoice(row=row, in_band=bool(honest), band=band, settings=len(table),
                      in_band_count=len(honest), coverage_seen=(min(covs), max(covs)))


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


# --- corpora for tuning -------------------------------------------------------------------------

def dev_speech_dir(start: str | Path | None = None) -> Path | None:
    """The human dev speech folder (``shared/dev-speech`` beside the repository), or None.

    Looked up as ``$POSTPROD_DEV_SPEECH``, then ``shared/dev-speech`` in the parents of the
    checkout and of ``start`` (default: the current directory); a folder counts when it holds
    ``INDEX.md``.
    """
    import os

    env = os.environ.get("POSTPROD_DEV_SPEECH")
    if env:
        return Path(env) if (Path(env) / "INDEX.md").is_file() else None
    repo = Path(__file__).resolve().parents[3]
    here = Path(start or Path.cwd()).resolve()
    for root in (*repo.parents, here, *here.parents):
        folder = root / "shared" / "dev-speech"
        if (folder / "INDEX.md").is_file():
            return folder
    return None


def human_truths(work_dir: str | Path, *, root: str | Path | None = None,
                 sources: Sequence[str] = ("timit",), splits: Sequence[str] = ("tune",),
                 conditions: Sequence[str] = ("clean",)) -> dict[str, NarrationTruth]:
    """Narrations of the human dev speech with their hand-marked truth (one per source, split
    and condition), built into ``work_dir`` by `postprod.research.dev_speech.load_dev_speech`.

    TIMIT items carry onset truth; Moby-Dick and MFA items pause truth (hand marks inside the
    pause; see `CutTruth.pause_is_truth`). Tune on ``tune``, check on ``held``.
    """
    from .dev_speech import load_dev_speech

    items = load_dev_speech(work_dir, root=root, sources=tuple(sources), splits=tuple(splits),
                            conditions=tuple(conditions))
    return {item.name: truth_from_corpus_item(item) for item in items}


def marked_truths(folder: str | Path) -> dict[str, NarrationTruth]:
    """Your own recordings with hand-marked cuts, in the corpus's format
    (`postprod.research.speech_corpus.load_marked`: ``NAME.json`` = ``{"request": <Scene Timestamps
    metadata>, "trueStartsMs": [...]}`` beside ``NAME.wav``/``.flac``/``.mp3``/...)."""
    from .speech_corpus import load_marked

    return {item.name: truth_from_corpus_item(item) for item in load_marked(folder)}


# --- the options grid -----------------------------------------------------------------------------

OPTION_RANGES: dict[str, tuple[Any, ...]] = {
    "onset_refinement": (True, False),
    "calibrated_windows": (True, False),
    "use_narration": (True, False),
    "beam_size": (1, 2, 5, 8),
    "chunk_sec": (120.0, 300.0, 600.0),
    "vad_filter": (False, True),
    "condition_on_previous_text": (False, True),
    "cpu_threads": (None,),
    "gap_fill_sec": (0.0, 1.5, 3.0, 6.0),
    "min_cue_score": (0.5, 0.56, 0.62, 0.7, 0.8),
    "candidates_per_scene": (2, 4, 6, 10),
    "anchor_bonus": (0.0, 0.2, 0.35, 0.6),
    "anchor_score_factor": (0.6, 0.8, 1.0),
    "onset_search_before": (0.2, 0.4, 0.6, 1.0),
    "onset_search_after": (0.2, 0.4, 0.6, 1.0),
    "min_pause_sec": (0.06, 0.12, 0.2, 0.3),
    "expected_shift_sec": (0.0, 0.05, 0.1, 0.2),
    "pause_weight": (0.0, 0.4, 0.8, 1.6),
    "seconds_per_char": (None, 0.06, 0.08),
    "swallow_factor": (1.3, 1.6, 2.0),
    "swallow_slack_sec": (0.1, 0.25, 0.4),
    "squeeze_factor": (0.25, 0.4, 0.6),
    "acoustic_search": (True, False),
    "snap_interpolated": (True, False),
    "calibration_model": (None, "tiny.en", "base"),
    "calibration_file": (None,),
}
"""Sensible values of every `AlignOptions` field, the product default among them.
`cpu_threads` changes speed only and `calibration_file` is yours to add (a table fitted with
``python -m postprod.research.calibration_fit --marked DIR --write FILE``), so each has one
value."""

RECOGNISER_FIELDS = ("beam_size", "chunk_sec", "vad_filter", "condition_on_previous_text",
                     "cpu_threads", "gap_fill_sec")
"""Fields that change the recognition (each value costs a recogniser pass per narration);
every other field only changes the cheap placement."""

DEFAULTS_LABEL = "defaults"


def sweep_settings(ranges: Mapping[str, Sequence[Any]], *, mode: str = "one-at-a-time",
                   base: Any = None) -> list[dict[str, Any]]:
    """The settings to try.

    ``one-at-a-time``: the defaults (``{}``), then each field at each of its other values with
    every other field at its default (what each knob does on its own; len = 1 + the non-default
    values). ``product``: every combination (`settings_grid`; grows fast).

    Raises:
        ValueError: an unknown mode, or a name that is not an `AlignOptions` field.
    """
    from ..align import AlignOptions

    base = base if base is not None else AlignOptions()
    unknown = sorted(set(ranges) - {f.name for f in fields(base)})
    if unknown:
        raise ValueError(f"not fields of {type(base).__name__}: {', '.join(unknown)}")
    if mode == "product":
        return settings_grid(**ranges)
    if mode != "one-at-a-time":
        raise ValueError(f"mode must be 'one-at-a-time' or 'product', not {mode!r}")
    out: list[dict[str, Any]] = [{}]
    for name, values in ranges.items():
        default = getattr(base, name)
        out += [{name: v} for v in values if v != default or type(v) is not type(default)]
    return out


def sweep_label(model: str, settings: Mapping[str, Any]) -> str:
    """`model=base | defaults` or `model=base | min_cue_score=0.7, pause_weight=0.4`."""
    return f"model={model} | " + (setting_label(settings) if settings else DEFAULTS_LABEL)


# --- running a sweep ------------------------------------------------------------------------------

@dataclass
class Recognised:
    """One narration recognised once (the expensive step), ready for any placement."""

    transcript: Any
    envelope: Any
    lossy: bool
    duration_sec: float
    request: Any
    seconds: float
    samples: Any = None
    """The decoded audio (16 kHz mono float32) for the acoustic search of unheard openings;
    None skips that search (as `place_scenes` does)."""


@dataclass
class Sweep:
    """Everything a tuning run produced.

    Attributes:
        rows: one `CutScore` per (setting, narration, cut).
        responses: the Scene Timestamps result per (setting label, narration).
        settings_of: setting label -> ``{"model": ..., **AlignOptions changes}``.
        recognised: (model, recogniser settings, narration) -> `Recognised`.
        cost: one row per recogniser pass (audio s, recognition s, real-time factor).
        truths: the narrations and their truth.
    """

    rows: list[CutScore]
    responses: dict[tuple[str, str], TimestampsResponse]
    settings_of: dict[str, dict[str, Any]]
    recognised: dict[tuple[str, tuple[Any, ...], str], Recognised]
    cost: list[dict[str, Any]]
    truths: Mapping[str, NarrationTruth]


def _recogniser_key(options: Any) -> tuple[Any, ...]:
    return tuple(getattr(options, f) for f in RECOGNISER_FIELDS)


def place_and_score(sweep: Sweep, *, model: str, settings: Mapping[str, Any],
                    label: str | None = None) -> list[CutScore]:
    """Place and score every narration under ``settings`` with ``model``, reusing the
    recognition (a recogniser field not yet recognised runs the recogniser); adds the rows,
    responses and label to ``sweep`` and returns the new rows."""
    import time

    from ..align import (
        AlignOptions,
        build_response,
        energy_envelope,
        load_audio,
        parse_request,
        place_scenes,
        transcribe_words,
    )

    options = options_with(AlignOptions(), settings)
    label = label or sweep_label(model, settings)
    sweep.settings_of[label] = {"model": model, **settings}
    new_rows: list[CutScore] = []
    for name, truth in sweep.truths.items():
        key = (model, _recogniser_key(options), name)
        rec = sweep.recognised.get(key)
        if rec is None:
            request = parse_request(truth.metadata)
            decoded = load_audio(str(truth.audio), tier="enterprise")
            # one copy of a narration's audio, whatever the recogniser settings
            samples = next((r.samples for (_, _, n), r in sweep.recognised.items()
                            if n == name and r.samples is not None), decoded.samples)
            started = time.perf_counter()
            transcript = transcribe_words(decoded.samples, model=model,
                                          language=request.language_code,
                                          options=options.transcribe_options())
            took = time.perf_counter() - started
            rec = Recognised(transcript=transcript, envelope=energy_envelope(decoded.samples),
                             lossy=decoded.lossy, duration_sec=decoded.duration_sec,
                             request=request, seconds=took, samples=samples)
            sweep.recognised[key] = rec
            sweep.cost.append({
                "model": model, "narration": name,
                "recogniser": ", ".join(f"{f}={getattr(options, f)}" for f in RECOGNISER_FIELDS),
                "audio_s": round(decoded.duration_sec, 1), "recognise_s": round(took, 2),
                "real_time_factor": round(took / max(decoded.duration_sec, 1e-9), 3)})
        # the audio too, so the acoustic search runs as in the operation
        placement = place_scenes(rec.transcript, rec.envelope, rec.request, options=options,
                                 model=model, lossy=rec.lossy, samples=rec.samples)
        response = build_response(placement, rec.request, duration_sec=rec.duration_sec,
                                  language=rec.request.language_code or rec.transcript.language,
                                  request_id="req_notebook")
        sweep.responses[(label, name)] = response
        new_rows += score_cuts(response=response, truth=truth, setting=label, narration=name)
    sweep.rows += new_rows
    return new_rows


def run_sweep(*, truths: Mapping[str, NarrationTruth], models: Sequence[str],
              settings: Sequence[Mapping[str, Any]], progress: bool = True) -> Sweep:
    """Recognise each narration once per model and recogniser setting, place it under every
    setting and score every cut; a progress bar (tqdm) counts the settings."""
    from tqdm.auto import tqdm

    sweep = Sweep(rows=[], responses={}, settings_of={}, recognised={}, cost=[],
                  truths=dict(truths))
    # recogniser-changing settings last, so the bar moves fast through the cheap ones first
    ordered = sorted(settings, key=lambda st: any(k in RECOGNISER_FIELDS for k in st))
    jobs = [(m, st) for m in models for st in ordered]
    for model, st in tqdm(jobs, desc="settings", disable=not progress):
        place_and_score(sweep, model=model, settings=st)
    return sweep


SWEEP_RUNNERS = ("in-process", "batch", "ray")
"""How `sweep_with` runs a sweep: here, reusing each recognition (`run_sweep`); on the local
batch pool (`postprod.batch.run`); or on a Ray cluster through the same batch runner."""


def _job_name(name: str, taken: set[str]) -> str:
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-") or "narration"
    out, k = safe, 1
    while out in taken:
        k += 1
        out = f"{safe}_{k}"
    taken.add(out)
    return out


def run_sweep_batch(*, truths: Mapping[str, NarrationTruth], models: Sequence[str],
                    settings: Sequence[Mapping[str, Any]], out_dir: str | Path,
                    ray: str | None = None, workers: int | None = None,
                    progress: bool = True) -> Sweep:
    """The sweep of `run_sweep` run as Scene Timestamps batch jobs (`postprod.batch`): one job
    per (model, setting, narration), each running the whole operation (the recognition
    included), on the local process pool or, with ``ray``, a Ray cluster.

    The rows, labels and order are those of `run_sweep` for the same arguments, so every
    summary and figure reads either. ``recognised`` stays empty (the recognitions happened in
    the workers): `place_and_score` on the result recognises again where it needs to.
    ``cost`` has one row per job (its worker's wall seconds, recognition included).

    Args:
        truths: narration name -> its truth.
        models: speech recognisers (``"tiny.en"``, ``"base"``, a folder); one batch each.
        settings: `AlignOptions` changes to try (as from `sweep_settings`).
        out_dir: results folder; each model's batch goes in a subfolder named for the model
            and a digest of the narrations and settings, so a rerun of the same sweep resumes
            (finished jobs are kept) and a different sweep never reads another's results.
        ray: None for the local pool; ``"auto"``, ``"ray://HOST:10001"`` or ``"current"``
            (as `postprod.batch.run`).
        workers: worker count; None = the batch runner's default.
        progress: show a progress bar (tqdm) of the jobs.

    Raises:
        RuntimeError: a job failed (its error code and message are given).
        EngineUnavailable: Ray is asked for but not installed or not reachable.
    """
    import hashlib

    from tqdm.auto import tqdm

    from ..align import AlignOptions
    from ..batch import run as run_batch
    from ..batch import sweep_jobs, sweep_results

    sweep = Sweep(rows=[], responses={}, settings_of={}, recognised={}, cost=[],
                  truths=dict(truths))
    ordered = sorted(settings, key=lambda st: any(k in RECOGNISER_FIELDS for k in st))
    taken: set[str] = set()
    names = {name: _job_name(name, taken) for name in truths}
    recordings = {names[n]: (str(t.audio), t.metadata) for n, t in truths.items()}
    for model in models:
        grid = [dict(st) for st in ordered]
        digest = hashlib.sha256(json.dumps(
            {"recordings": {k: [a, m] for k, (a, m) in recordings.items()}, "grid": grid},
            sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]
        folder = Path(out_dir) / f"{_job_name(model, set())}-{digest}"
        jobs = sweep_jobs(recordings=recordings, grid=grid)
        with tqdm(total=len(jobs), desc=f"batch jobs ({model})", disable=not progress) as bar:
            def step(p: Any, bar: Any = bar) -> None:
                bar.n = p.done
                bar.refresh()

            report = run_batch(jobs, out_dir=folder, model=model, ray=ray, workers=workers,
                               progress=step)
        results = {(r["recording"], r["point"]): r for r in sweep_results(folder, jobs)}
        failed = [r for r in results.values() if r["response"] is None]
        if failed:
            err = failed[0]["error"] or {"code": "MISSING", "message": "no result file"}
            raise RuntimeError(f"{len(failed)} of {len(jobs)} sweep jobs failed (in {folder}); "
                               f"{failed[0]['job_id']}: {err.get('code')}: "
                               f"{err.get('message')}")
        wall = {row.id: row for row in report.rows}
        for k, st in enumerate(ordered):
            label = sweep_label(model, st)
            sweep.settings_of[label] = {"model": model, **st}
            options = options_with(AlignOptions(), st)
            for name, truth in truths.items():
                result = results[(names[name], k)]
                response = result["response"]
                sweep.responses[(label, name)] = response
                sweep.rows += score_cuts(response=response, truth=truth, setting=label,
                                         narration=name)
                row = wall[result["job_id"]]
                audio_s = response.meta.audio_duration_ms / 1000
                took = row.wall_sec if row.wall_sec is not None else math.nan
                sweep.cost.append({
                    "model": model, "narration": name, "setting": label,
                    "recogniser": ", ".join(f"{f}={getattr(options, f)}"
                                            for f in RECOGNISER_FIELDS),
                    "audio_s": round(audio_s, 1), "job_s": round(took, 2),
                    "real_time_factor": round(took / max(audio_s, 1e-9), 3),
                    "resumed": row.resumed})
    return sweep


def sweep_with(runner: str, *, truths: Mapping[str, NarrationTruth], models: Sequence[str],
               settings: Sequence[Mapping[str, Any]], out_dir: str | Path | None = None,
               ray_address: str = "auto", workers: int | None = None,
               progress: bool = True) -> Sweep:
    """The sweep run by ``runner`` (one of `SWEEP_RUNNERS`): ``"in-process"`` = `run_sweep`;
    ``"batch"`` = `run_sweep_batch` on the local pool; ``"ray"`` = the same on the Ray cluster
    at ``ray_address``. ``out_dir`` (batch runners only): None = a new temporary folder.

    Raises:
        ValueError: an unknown runner.
    """
    if runner == "in-process":
        return run_sweep(truths=truths, models=models, settings=settings, progress=progress)
    if runner not in SWEEP_RUNNERS:
        raise ValueError(f"runner must be one of {', '.join(SWEEP_RUNNERS)}, not {runner!r}")
    if out_dir is None:
        import tempfile

        out_dir = tempfile.mkdtemp(prefix="postprod-sweep-")
    return run_sweep_batch(truths=truths, models=models, settings=settings, out_dir=out_dir,
                           ray=ray_address if runner == "ray" else None, workers=workers,
                           progress=progress)


# --- worst cuts, listened to ---------------------------------------------------------------------

def worst_cuts(rows: Sequence[CutScore], *, setting: str, count: int = 5) -> list[CutScore]:
    """The ``count`` cuts of ``setting`` with the largest absolute error (then: outside the
    window first), worst first."""
    mine = [r for r in rows if r.setting == setting]
    return sorted(mine, key=lambda r: (-abs(r.error_ms), r.in_window))[:count]


def cut_clip(*, samples: Any, sample_rate: int, at_ms: int, pad_sec: float = 2.0
             ) -> tuple[Any, int]:
    """The audio ±``pad_sec`` around ``at_ms`` (clipped to the file): ``(clip, start_ms)``."""
    import numpy as np

    x = np.asarray(samples).reshape(-1)
    start = max(0, int((at_ms / 1000 - pad_sec) * sample_rate))
    end = min(x.size, int((at_ms / 1000 + pad_sec) * sample_rate))
    return x[start:end], round(1000 * start / sample_rate)


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


# --- readable tables and the sweep at a glance ----------------------------------------------------

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
