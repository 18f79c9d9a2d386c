"""Calibrated 90 % windows and confidences: per evidence class, the shift, the 5 %/95 % residual
quantiles and the share within 250 ms, measured on the development corpus.

The table ships as `calibration.json` beside this module; regenerate it with
``python -m postprod.align.calibrate`` (see that module).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
NOMINAL = 0.90
"""Coverage the windows are calibrated for."""


@dataclass(frozen=True)
class ClassStats:
    """Residual statistics of one evidence class (residual = true cut − estimate, ms).

    Attributes:
        shift_ms: median residual, added to estimates of this class.
        lo_ms: 5 % quantile of the residual after the shift.
        hi_ms: 95 % quantile of the residual after the shift.
        p250: share of shifted residuals within ±250 ms (the class's confidence).
        n: dev-set cuts it was measured on.
    """

    shift_ms: float
    lo_ms: float
    hi_ms: float
    p250: float
    n: int


DEFAULTS: dict[str, ClassStats] = {
    "onset": ClassStats(shift_ms=0.0, lo_ms=-250.0, hi_ms=250.0, p250=0.8, n=0),
    "raw": ClassStats(shift_ms=150.0, lo_ms=-400.0, hi_ms=400.0, p250=0.5, n=0),
}
"""Used when calibration is off or a class was never seen on the dev set."""


def evidence_class(*, mode: str, basis: str, refined: bool) -> str:
    """Name of the class a placed cut falls in, e.g. ``"script:startCue:onset"``."""
    return f"{mode}:{basis}:{'onset' if refined else 'raw'}"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, ClassStats]]:
    if not CALIBRATION_FILE.is_file():
        return {}
    raw = json.loads(CALIBRATION_FILE.read_text())
    return {model: {cls: ClassStats(**v) for cls, v in classes.items()}
            for model, classes in raw.get("models", {}).items()}


def stats_for(cls: str, *, model: str, calibrated: bool = True) -> ClassStats:
    """Statistics of ``cls`` for ``model`` (falls back to any model, then to `DEFAULTS`)."""
    if calibrated:
        table = _table()
        pooled = "*:" + cls.split(":", 1)[1] if cls.count(":") == 2 else cls
        for key in (model, "base", "tiny.en"):
            for name in (cls, pooled):
                if name in table.get(key, {}):
                    return table[key][name]
    return DEFAULTS["onset" if cls.endswith(":onset") else "raw"]


def fit_class(residuals_ms: list[float], *, min_half_width_ms: float = 20.0) -> ClassStats:
    """Fit one class from dev residuals (true − estimate, ms, estimate before any shift).

    Quantiles are taken with a small-sample widening: with n cuts the 5 %/95 % points are
    read at the (0.5/n)-more-extreme levels so few samples give wider, not narrower, windows.
    """
    r = np.asarray(residuals_ms, dtype=np.float64)
    n = len(r)
    shift = float(np.median(r))
    rs = r - shift
    tail = max(0.005, 0.05 - 0.5 / max(n, 1))
    lo = float(np.quantile(rs, tail))
    hi = float(np.quantile(rs, 1.0 - tail))
    lo = min(lo, -min_half_width_ms)
    hi = max(hi, min_half_width_ms)
    p250 = float(np.mean(np.abs(rs) <= 250.0))
    return ClassStats(shift_ms=round(shift, 1), lo_ms=round(lo, 1), hi_ms=round(hi, 1),
                      p250=round(p250, 3), n=n)
