"""Scene cuts scored against the truth: per-cut errors and window hits, per-setting summaries,
the honest best setting (lowest error among those whose 90 % windows cover 85–95 % of the true
cuts), coverage at other confidence levels, and the worst cuts with their audio."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist, median
from typing import Any

from ..contract import TimestampsResponse
from .truth import NarrationTruth

NOMINAL_LEVEL = 0.9
"""The contract's window level: `window` is a 90 % interval for the true cut."""



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
                "(postprod bench calibrate --marked DIR --write FILE) or "
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
