"""Calibrated 90 % windows and confidences: per evidence class, the shift, the 5 %/95 % residual
quantiles and the share within 250 ms, measured on the development corpus.

A cut refined to an acoustic onset is further conditioned on the local SNR there
(`Onset.snr_db`): the same detector is within a few ms after a quiet pause and tens of ms late
when noise fills the pause, so one window per class would be too wide for the first and too
narrow for the second. A lossily coded source (MP3, AAC, Opus) has bands of its own: its
transients smear, and the onset is found up to a codec frame early.

The table ships as `calibration.json` beside this module; regenerate it with
``postprod bench calibrate`` (`postprod.research.calibration_fit`).
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


SNR_BAND_DB = 20.0
"""Edge of the two local-SNR bands, dB: below it noise fills the pause (the onset hides under
it); above it the pause holds only room tone or a steady bed."""

MIN_BAND_CUTS = 30
"""A band is fitted only from at least this many dev cuts; otherwise its class applies."""

SHAPE_MIN_CUTS = 30
"""Fewest dev cuts from which a window is the shortest run (below: equal tails)."""

BAND_MIN_HALF_WIDTH_MS = 1.0
"""Narrowest half-width of a band's window, ms (the resolution of the corpus truth)."""


def snr_band(snr_db: float | None) -> str:
    """Band name of a local SNR: ``"snr<20"``, ``"snr>=20"``, or ``"no onset"`` (None)."""
    if snr_db is None:
        return "no onset"
    return f"snr<{SNR_BAND_DB:g}" if snr_db < SNR_BAND_DB else f"snr>={SNR_BAND_DB:g}"


def band_class(cls: str, snr_db: float | None, *, lossy: bool = False) -> str | None:
    """The band key of a refined cut (``"*:startCue:onset:snr>=20"``, with ``":lossy"`` for a
    lossily coded source), None when not refined."""
    if snr_db is None or not cls.endswith(":onset") or cls.count(":") != 2:
        return None
    return "*:" + cls.split(":", 1)[1] + ":" + snr_band(snr_db) + (":lossy" if lossy else "")


def evidence_class(*, mode: str, basis: str, refined: bool) -> str:
    """Name of the class a placed cut falls in, e.g. ``"script:startCue:onset"``."""
    return f"{mode}:{basis}:{'onset' if refined else 'raw'}"


def load_table(path: str | Path) -> dict[str, dict[str, ClassStats]]:
    """Model → class → statistics from a calibration file (``calibration.json`` format).

    Raises:
        ValueError: the file cannot be read or is not a calibration table (says which).
    """
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=8)
def _load(path: str) -> dict[str, dict[str, ClassStats]]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        models = raw["models"]
        return {model: {cls: ClassStats(**v) for cls, v in classes.items()}
                for model, classes in models.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{path} is not a calibration table (expected the JSON written by "
            f"`postprod bench calibrate --write FILE`): {exc}") from exc


def _table(path: str | Path | None = None) -> dict[str, dict[str, ClassStats]]:
    if path is not None:
        return load_table(path)
    return load_table(CALIBRATION_FILE) if CALIBRATION_FILE.is_file() else {}


def stats_for(cls: str, *, model: str, calibrated: bool = True,
              snr_db: float | None = None, lossy: bool = False,
              table_file: str | Path | None = None) -> ClassStats:
    """Statistics of ``cls`` for ``model``: its local-SNR band when ``snr_db`` is given and the
    band was fitted (the lossy-source band first when ``lossy``), else the class, else the
    class pooled over modes; then any model; then `DEFAULTS`. ``table_file``: a calibration
    file to use instead of the shipped one."""
    if calibrated:
        table = _table(table_file)
        pooled = "*:" + cls.split(":", 1)[1] if cls.count(":") == 2 else cls
        bands = [band_class(cls, snr_db, lossy=True)] if lossy else []
        bands.append(band_class(cls, snr_db))
        names = [b for b in bands if b] + [cls, pooled]
        for key in (model, "base", "tiny.en"):
            for name in names:
                if name in table.get(key, {}):
                    return table[key][name]
    return DEFAULTS["onset" if cls.endswith(":onset") else "raw"]


def fit_class(residuals_ms: list[float], *, min_half_width_ms: float = 20.0) -> ClassStats:
    """Fit one class from dev residuals (true − estimate, ms, estimate before any shift).

    The shift is the median residual (whole ms). The window is the shortest run of sorted
    shifted residuals that holds ceil((n+1)·90 %) of the n dev cuts (the finite-sample count of
    split-conformal intervals, so fewer cuts give wider windows; ties: the run centred nearest
    the shift). Onset errors are skewed — late in noise, early under a codec's pre-echo — and
    an equal-tailed interval spends its width on the thin tail. Below `SHAPE_MIN_CUTS` (too few
    cuts to tell the dense side from the tail) the bounds are the equal-tailed split-conformal
    order statistics instead.
    """
    r = np.asarray(residuals_ms, dtype=np.float64)
    n = len(r)
    if n == 0:
        raise ValueError("no residuals to fit")
    shift = float(np.round(np.median(r)))
    rs = np.sort(r - shift)
    if n >= SHAPE_MIN_CUTS:
        k = min(n, int(np.ceil((n + 1) * NOMINAL)))
        widths = rs[k - 1:] - rs[: n - k + 1]
        runs = np.nonzero(widths == widths.min())[0]
        i = int(min(runs, key=lambda j: (abs(rs[j] + rs[j + k - 1]), j)))
        lo, hi = float(rs[i]), float(rs[i + k - 1])
    else:
        # Equal tails: the floor((n+1)·5 %)-th and ceil((n+1)·95 %)-th smallest (the extremes
        # below 19 cuts).
        lo = float(rs[max(int(np.floor((n + 1) * (1.0 - NOMINAL) / 2)), 1) - 1])
        hi = float(rs[min(int(np.ceil((n + 1) * (1.0 + NOMINAL) / 2)), n) - 1])
    lo = min(lo, -min_half_width_ms)
    hi = max(hi, min_half_width_ms)
    p250 = float(np.mean(np.abs(rs) <= 250.0))
    return ClassStats(shift_ms=round(shift, 1), lo_ms=round(lo, 1), hi_ms=round(hi, 1),
                      p250=round(p250, 3), n=n)
