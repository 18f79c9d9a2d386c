"""Fit the shipped window calibration on the development corpus.

    postprod bench calibrate [--models tiny.en,base] [--out DIR]
    postprod bench calibrate --marked DIR --models base --write my-calibration.json
    postprod bench calibrate --models base --human

(``python -m postprod.research.calibration_fit`` takes the same arguments, with ``--human
[DIR]`` for the dev speech folder.)

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

With ``--marked DIR`` it fits on your own recordings instead (see `speech_corpus.load_marked` for
the format: the request JSON plus the hand-marked true cuts); use the written table with
`AlignOptions.calibration_file` or ``postprod timestamps --calibration FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
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
from ..progress import ProgressCallback, report
from .corpus_evaluation import SceneRow, evaluate_item
from .dev_speech import load_dev_speech
from .speech_corpus import CorpusItem, build_corpus, load_marked
from .timestamps_bench import load_transcript, save_transcript

MIN_CLASS_CUTS = 15
"""Classes with fewer dev cuts are pooled across modes (``*:basis:onset``)."""

COMMAND = "postprod bench calibrate --models tiny.en,base"


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


HUMAN_COMMAND = "postprod bench calibrate --models tiny.en,base --human"

HUMAN_CONDITIONS = ("clean", "noise+music", "mp3")
"""Conditions of the human tuning narrations the windows are fitted on."""


def human_rows(items: list[CorpusItem], *, model: str, root: Path,
               on_item: Callable[[str], None] | None = None) -> list[SceneRow]:
    """Rows of the human tuning narrations aligned with calibration off (both modes).

    Args:
        root: recognitions are kept in ``root/transcripts`` and reused from there.
        on_item: called after each narration with a one-line report of it.
    """
    return _aligned_rows(items, model=model, root=root, methods=("script", "cues"),
                         on_item=on_item)


def _aligned_rows(items: Sequence[CorpusItem], *, model: str, root: Path,
                  methods: tuple[str, ...] | None = None,
                  on_item: Callable[[str], None] | None = None) -> list[SceneRow]:
    """Each item aligned with ``model``, calibration off, scored by ``methods`` (None: the
    script and cue modes, cues alone where an item has no narration text); recognitions kept
    in ``root/transcripts`` and reused."""
    opts = AlignOptions(calibrated_windows=False)
    rows: list[SceneRow] = []
    for item in items:
        kept = root / "transcripts" / f"{model}-{item.name}.json"
        used = methods or (("script", "cues") if item.request.get("narrationText")
                           else ("cues",))
        r, stats, extra = evaluate_item(
            item, model=model, options=opts, methods=used,
            transcript=load_transcript(kept) if kept.is_file() else None)
        save_transcript(extra["transcript"], kept)
        rows += r
        if on_item is not None:
            on_item(f"{model} {item.name}: {len(r)} cuts, RTF {stats.rtf:.3f}")
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


Table = dict[str, dict[str, dict[str, float]]]
"""Model -> evidence class or band -> fitted statistics (`ClassStats` fields)."""


def _counting(total: int, on_progress: ProgressCallback | None,
              echo: Callable[[str], None] | None) -> Callable[[str], None]:
    """A per-item callback: one progress event (fraction of ``total`` items done) and the
    item's line to ``echo``."""
    done = [0]

    def on_item(line: str) -> None:
        done[0] += 1
        report(on_progress, "align", done[0] / max(total, 1), line)
        if echo is not None:
            echo(line)

    return on_item


def fit_calibration(*, models: Sequence[str], write: str | Path,
                    out_dir: str | Path | None = None, marked: str | Path | None = None,
                    command: str = COMMAND, on_progress: ProgressCallback | None = None,
                    echo: Callable[[str], None] | None = None) -> Table:
    """Fit the window table on the dev preset (or on your hand-marked recordings) and write it.

    Args:
        models: speech recognisers to fit (``tiny.en``, ``base``).
        write: the table file to write (the shipped one is
            `postprod.align.calibration.CALIBRATION_FILE`).
        out_dir: keep the corpus and its recognitions here (reused when present); None: a
            temporary folder.
        marked: a folder of recordings with hand-marked cuts (`speech_corpus.load_marked`)
            to fit on instead of the dev preset.
        command: the command line recorded in the table (default: the shipped table's).
        on_progress: progress events (corpus built, then one per aligned narration).
        echo: where each narration's one-line report goes (None: nowhere).

    Returns:
        the fitted table (also written to ``write``).
    """
    with tempfile.TemporaryDirectory(prefix="postprod-calib-") as tmp:
        root = Path(out_dir or tmp)
        report(on_progress, "corpus", 0.0, "reading the marked recordings" if marked
               else "synthesising the dev corpus")
        items = load_marked(marked) if marked else build_corpus(root, preset="dev")
        on_item = _counting(len(items) * len(models), on_progress, echo)
        table: Table = {}
        for model in models:
            table[model] = fit(_aligned_rows(items, model=model, root=root, on_item=on_item))
    corpus = (f"recordings marked by hand in {marked}" if marked
              else "postprod.research.speech_corpus preset 'dev'")
    Path(write).write_text(json.dumps(
        {"version": 1, "command": command, "nominal": 0.9, "corpus": corpus, "models": table},
        indent=1) + "\n")
    return table


def fit_human_calibration(*, models: Sequence[str], write: str | Path,
                          dev_speech: str | Path | None = None,
                          out_dir: str | Path | None = None,
                          on_progress: ProgressCallback | None = None,
                          echo: Callable[[str], None] | None = None) -> Table:
    """Widen the shipped table with a fit on the tuning part of the human dev speech.

    Models not refitted keep what the shipped table holds for them; for each refitted model
    every class is the union of its synthetic and human intervals (`widen`).

    Args:
        models: speech recognisers to refit.
        write: the table file to write.
        dev_speech: the dev speech folder; None: `dev_speech.default_root`.
        out_dir: keep the built narrations and recognitions here; None: a temporary folder.
        on_progress: progress events (one per aligned narration).
        echo: where each narration's one-line report goes (None: nowhere).

    Returns:
        the written table's ``models``.
    """
    shipped = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    synthetic = shipped.get("synthetic_models", shipped["models"])
    with tempfile.TemporaryDirectory(prefix="postprod-calib-") as tmp:
        root = Path(out_dir or tmp)
        report(on_progress, "corpus", 0.0, "building the human tuning narrations")
        items = load_dev_speech(root / "dev-speech", root=dev_speech or None, splits=("tune",),
                                conditions=HUMAN_CONDITIONS)
        on_item = _counting(len(items) * len(models), on_progress, echo)
        table: Table = dict(shipped["models"])
        for model in models:
            human = fit(human_residual_rows(human_rows(items, model=model, root=root,
                                                       on_item=on_item)))
            table[model] = widen(synthetic.get(model, {}), human)
    previous = str(shipped.get("command", COMMAND))
    command = f"{previous}; {HUMAN_COMMAND.replace('tiny.en,base', ','.join(models))}"
    Path(write).write_text(json.dumps(
        {"version": 1, "command": command, "nominal": 0.9,
         "corpus": "postprod.research.speech_corpus preset 'dev', widened by the tuning part "
                   "of the human dev speech (postprod.research.dev_speech, split 'tune')",
         "models": table, "synthetic_models": synthetic}, indent=1) + "\n")
    return table


def format_table(table: Table) -> str:
    """The fitted table, one line per model and class: shift and the 90 % interval around
    it (ms), the share of cuts within 250 ms, the number of cuts."""
    header = ("model", "class", "shift ms", "lo ms", "hi ms", "≤250 ms", "cuts")
    rows: list[tuple[str, ...]] = [header]
    for model, classes in table.items():
        for cls, st in classes.items():
            rows.append((model, cls, f"{st['shift_ms']:.0f}", f"{st['lo_ms']:.0f}",
                         f"{st['hi_ms']:.0f}", f"{100 * st['p250']:.1f}%", f"{st['n']:.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m postprod.research.calibration_fit``: as ``postprod bench calibrate``."""
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
    models = [m for m in args.models.split(",") if m]
    if args.human is not None:
        table = fit_human_calibration(models=models, write=args.write,
                                      dev_speech=args.human or None, out_dir=args.out,
                                      echo=print)
        print(json.dumps(table, indent=1))
        return
    if args.marked and args.write == str(CALIBRATION_FILE):
        ap.error("--marked needs --write FILE (the shipped table is fitted on the dev preset)")
    command = f"postprod bench calibrate --models {','.join(models)}"
    if args.marked:
        command = "python -m postprod.research.calibration_fit " + " ".join(
            sys.argv[1:] if argv is None else argv)
    table = fit_calibration(models=models, write=args.write, out_dir=args.out,
                            marked=args.marked, command=command, echo=print)
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
