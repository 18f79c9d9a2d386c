"""Fit the shipped window calibration on the development corpus.

    python -m postprod.research.calibration_fit [--models tiny.en,base] [--out DIR]
    python -m postprod.research.calibration_fit --marked DIR --models base \
        --write my-calibration.json

Builds the `dev` preset of `speech_corpus` (paragraphs and seeds the benchmark never scores),
aligns it with calibration off, and writes `calibration.json` beside `postprod.align.calibration`
(the table the engine loads): per model and evidence class the median residual (shift) and the
5 %/95 % residual quantiles after it, and the same per local-SNR band for cuts refined to an
onset (pooled over modes).

With ``--human [DIR]`` it fits the same classes on the tuning part of the human dev speech
(`dev_speech`: read sentences by four speakers and one audiobook chapter, clean, under noise and
music, and as MP3; the held-out part is never used) and widens the shipped table with them:
for every class and band fitted on both, the window becomes the union of the two intervals
(around the synthetic shift); classes seen only on people (a cue found acoustically) keep
their human fit. Synthetic narration is read identically every time; people are not,
and their onsets lie 5–30 ms from where an energy detector puts them.

With ``--marked DIR`` it fits on your own recordings instead (see `corpus.load_marked` for
the format: the request JSON plus the hand-marked true cuts); use the written table with
`AlignOptions.calibration_file` or ``postprod timestamps --calibration FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from ..align.calibration import (
    BAND_MIN_HALF_WIDTH_MS,
    CALIBRATION_FILE,
    DEFAULTS,
    MIN_BAND_CUTS,
    ClassStats,
    band_class,
    fit_class,
)
from ..align.options import AlignOptions
from .corpus_evaluation import SceneRow, evaluate_item
from .dev_speech import load_dev_speech
from .speech_corpus import CorpusItem, build_corpus, load_marked
from .timestamps_bench import load_transcript, save_transcript

MIN_CLASS_CUTS = 15
"""Classes with fewer dev cuts are pooled across modes (``*:basis:onset``)."""

COMMAND = "python -m postprod.research.calibration_fit --models tiny.en,base"


def fit(rows: list[SceneRow]) -> dict[str, dict[str, float]]:
    """Class → fitted statistics from dev rows (residuals taken before any shift)."""
    groups: dict[str, list[float]] = defaultdict(list)
    bands: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.method == "baseline" or r.basis == "interpolated":
            continue
        residual = r.true_ms - (r.est_ms - r.shift_ms)
        groups[r.evidence_class].append(residual)
        _, basis, how = r.evidence_class.split(":")
        groups[f"*:{basis}:{how}"].append(residual)
        band = band_class(r.evidence_class, r.snr_db, lossy=r.lossy)
        if band:
            bands[band].append(residual)
    out = {}
    for cls, res in sorted(groups.items()):
        if len(res) >= MIN_CLASS_CUTS:
            out[cls] = fit_class(res).__dict__
        elif cls.startswith("*:"):
            # Too few cuts for honest 5 %/95 % points: keep the median, widen to the default.
            fitted = fit_class(res)
            default = DEFAULTS["onset" if cls.endswith(":onset") else "raw"]
            out[cls] = ClassStats(shift_ms=fitted.shift_ms,
                                  lo_ms=min(fitted.lo_ms, default.lo_ms),
                                  hi_ms=max(fitted.hi_ms, default.hi_ms),
                                  p250=min(fitted.p250, default.p250), n=fitted.n).__dict__
    for band, res in sorted(bands.items()):
        if len(res) >= MIN_BAND_CUTS:
            out[band] = fit_class(res, min_half_width_ms=BAND_MIN_HALF_WIDTH_MS).__dict__
    return out


HUMAN_COMMAND = "python -m postprod.research.calibration_fit --models tiny.en,base --human"

HUMAN_CONDITIONS = ("clean", "noise+music", "mp3")
"""Conditions of the human tuning narrations the windows are fitted on."""


def human_rows(items: list[CorpusItem], *, model: str, root: Path) -> list[SceneRow]:
    """Rows of the human tuning narrations aligned with calibration off (both modes)."""
    opts = AlignOptions(calibrated_windows=False)
    rows: list[SceneRow] = []
    for item in items:
        kept = root / "transcripts" / f"{model}-{item.name}.json"
        r, stats, extra = evaluate_item(
            item, model=model, options=opts, methods=("script", "cues"),
            transcript=load_transcript(kept) if kept.is_file() else None)
        save_transcript(extra["transcript"], kept)
        rows += r
        print(f"{model} {item.name}: {len(r)} cuts, RTF {stats.rtf:.3f}")
    return rows


def widen(synthetic: dict[str, dict[str, float]], human: dict[str, dict[str, float]]
          ) -> dict[str, dict[str, float]]:
    """Classes of both tables; where both fitted one, the union of their intervals (in
    residual terms, shift + lo … shift + hi) around the synthetic shift (estimates on clean
    narration keep their precision), the lower confidence."""
    out = dict(synthetic)
    for cls, h in human.items():
        s = synthetic.get(cls)
        if s is None:
            out[cls] = h
            continue
        lo = min(s["shift_ms"] + s["lo_ms"], h["shift_ms"] + h["lo_ms"])
        hi = max(s["shift_ms"] + s["hi_ms"], h["shift_ms"] + h["hi_ms"])
        out[cls] = {"shift_ms": s["shift_ms"], "lo_ms": round(lo - s["shift_ms"], 1),
                    "hi_ms": round(hi - s["shift_ms"], 1), "p250": min(s["p250"], h["p250"]),
                    "n": int(s["n"]) + int(h["n"])}
    return out


def human_residual_rows(rows: list[SceneRow]) -> list[SceneRow]:
    """Rows whose residual (true − estimate) is taken against the nearest right cut: the
    onset, or for pause-marked truth the nearest point of the pause."""
    return [replace(r, true_ms=r.est_ms - r.err_ms) for r in rows]


def main(argv: list[str] | None = None) -> None:
    """Build the dev corpus, align with each model, write the calibration table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="tiny.en,base")
    ap.add_argument("--out", default=None,
                    help="keep the dev corpus and its transcripts here (reused when present)")
    ap.add_argument("--marked", default=None,
                    help="fit on these recordings with hand-marked cuts instead of the dev preset")
    ap.add_argument("--write", default=str(CALIBRATION_FILE))
    ap.add_argument("--human", nargs="?", const="", default=None,
                    help="widen the shipped table with a fit on the human dev speech's tuning "
                         "part (in DIR, or the shared folder beside the repository)")
    args = ap.parse_args(argv)
    if args.human is not None:
        _main_human(args)
        return
    if args.marked and args.write == str(CALIBRATION_FILE):
        ap.error("--marked needs --write FILE (the shipped table is fitted on the dev preset)")
    models = [m for m in args.models.split(",") if m]
    with tempfile.TemporaryDirectory(prefix="postprod-calib-") as tmp:
        root = Path(args.out or tmp)
        items = load_marked(args.marked) if args.marked else build_corpus(root, preset="dev")
        table: dict[str, dict[str, dict[str, float]]] = {}
        opts = AlignOptions(calibrated_windows=False)
        for model in models:
            rows: list[SceneRow] = []
            for item in items:
                kept = root / "transcripts" / f"{model}-{item.name}.json"
                methods = (("script", "cues") if item.request.get("narrationText")
                           else ("cues",))
                r, stats, extra = evaluate_item(
                    item, model=model, options=opts, methods=methods,
                    transcript=load_transcript(kept) if kept.is_file() else None)
                save_transcript(extra["transcript"], kept)
                rows += r
                print(f"{model} {item.name}: {len(r)} cuts, RTF {stats.rtf:.3f}")
            table[model] = fit(rows)
    if args.marked:
        command = "python -m postprod.research.calibration_fit " + " ".join(
            sys.argv[1:] if argv is None else argv)
        corpus = f"recordings marked by hand in {args.marked}"
    else:
        command, corpus = COMMAND, "postprod.research.speech_corpus preset 'dev'"
    Path(args.write).write_text(json.dumps(
        {"version": 1, "command": command, "nominal": 0.9, "corpus": corpus, "models": table},
        indent=1) + "\n")
    print(json.dumps(table, indent=1))


def _main_human(args: argparse.Namespace) -> None:
    models = [m for m in args.models.split(",") if m]
    shipped = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    synthetic = shipped.get("synthetic_models", shipped["models"])
    with tempfile.TemporaryDirectory(prefix="postprod-calib-") as tmp:
        root = Path(args.out or tmp)
        items = load_dev_speech(root / "dev-speech", root=args.human or None, splits=("tune",),
                                conditions=HUMAN_CONDITIONS)
        # Models not refitted keep what the shipped table holds for them.
        table: dict[str, dict[str, dict[str, float]]] = dict(shipped["models"])
        for model in models:
            human = fit(human_residual_rows(human_rows(items, model=model, root=root)))
            table[model] = widen(synthetic.get(model, {}), human)
    previous = str(shipped.get("command", COMMAND))
    command = f"{previous}; {HUMAN_COMMAND.replace('tiny.en,base', ','.join(models))}"
    Path(args.write).write_text(json.dumps(
        {"version": 1, "command": command, "nominal": 0.9,
         "corpus": "postprod.research.speech_corpus preset 'dev', widened by the tuning part "
                   "of the human dev speech (postprod.research.dev_speech, split 'tune')",
         "models": table, "synthetic_models": synthetic}, indent=1) + "\n")
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
