"""`postprod bench timestamps`: build the corpus, align it with each model, print one table."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..align.calibration import snr_band
from ..align.options import AlignOptions
from ..align.transcribe import Transcript, Word
from .corpus_evaluation import RunStats, SceneRow, evaluate_item, summarize
from .dev_speech import CONDITIONS, SOURCES, load_dev_speech
from .speech_corpus import CorpusItem, Preset, build_corpus

QUARTER_SEC = 300.0
"""Bucket width of the error-vs-position table, seconds."""

HUMAN_CONDITIONS = ("clean", "noise+music", "mp3")
"""Conditions of the human dev-speech narrations the bench scores."""

def run_bench(*, models: list[str], out_dir: Path, preset: Preset = "full",
              options: AlignOptions | None = None, echo: Any = print,
              dev_speech: Path | None = None, synthetic: bool = True,
              human_conditions: tuple[str, ...] = HUMAN_CONDITIONS,
              human_splits: tuple[str, ...] = ("tune", "held"),
              reuse_transcripts: bool = False) -> dict[str, Any]:
    """Build the corpus into ``out_dir``, align every item with every model, print tables.

    Args:
        preset: the corpus preset (``quick``, ``full`` or ``hour``).
        dev_speech: the human dev-speech folder (`dev_speech.load_dev_speech`); its rows
            (tune and held-out, per source and condition) are printed beside the synthetic
            ones. None: synthetic rows only.
        synthetic: score the synthetic corpus (off: human rows only).
        human_conditions: conditions of the human narrations (`dev_speech.CONDITIONS`).
        human_splits: ``tune`` and/or ``held`` (the held-out part alone for a quicker look).
        reuse_transcripts: take recognitions kept in ``out_dir/transcripts`` from an earlier
            run instead of recognising again (the speed columns are then meaningless).

    Returns:
        ``{"rows": [...], "runs": [...], "summary": {...}}`` (also written to
        ``out_dir/bench_timestamps.json``).
    """
    items = build_corpus(out_dir / "corpus", preset=preset) if synthetic else []
    human: list[CorpusItem] = []
    if dev_speech is not None:
        human = load_dev_speech(out_dir / "dev-speech", root=dev_speech,
                                conditions=human_conditions, splits=human_splits)
    if items:
        total_audio = sum(i.duration_sec for i in items)
        echo(f"corpus: {len(items)} narrations, {total_audio / 60:.1f} min "
             f"({', '.join(f'{i.name} {i.duration_sec / 60:.1f} min' for i in items)})")
    if human:
        echo(f"human dev speech ({dev_speech}): {len(human)} narrations, "
             f"{sum(i.duration_sec for i in human) / 60:.1f} min")
    rows: list[SceneRow] = []
    runs: list[RunStats] = []
    hrows: list[SceneRow] = []
    hruns: list[RunStats] = []
    for model in models:
        for item in items + human:
            kept = out_dir / "transcripts" / f"{model}-{item.name}.json"
            r, stats, extra = evaluate_item(
                item, model=model, options=options,
                transcript=load_transcript(kept) if reuse_transcripts and kept.is_file()
                else None)
            save_transcript(extra["transcript"], kept)
            if item.spec is None:
                hrows += r
                hruns.append(stats)
            else:
                rows += r
                runs.append(stats)
            echo(f"  {model:8s} {item.name:22s} {stats.audio_sec / 60:5.1f} min  "
                 f"RTF {stats.rtf:.3f} (CPU {stats.cpu_rtf:.3f})  peak {stats.peak_rss_mb:.0f} MB")
    summary: dict[str, Any] = {}
    if items:
        summary = _table(rows, runs, models, echo)
        _coverage(rows, models, echo)
        long_items = [i for i in items if i.duration_sec >= 1200]
        if long_items:
            _drift(rows, long_items[0].name, models, echo)
    if human:
        summary["human"] = _human_table(hrows, hruns, human, models, echo)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"rows": [asdict(r) for r in rows + hrows], "runs": [asdict(r) for r in runs + hruns],
              "summary": summary, "load": _load()}
    (out_dir / "bench_timestamps.json").write_text(json.dumps(result, indent=1))
    return result


def _human_table(rows: list[SceneRow], runs: list[RunStats], items: list[CorpusItem],
                 models: list[str], echo: Any) -> dict[str, Any]:
    """Human dev-speech rows per model, split, source, condition and method, then the held-out
    part pooled (clean, and mixed/coded variants)."""
    meta = {i.name: i for i in items}
    head = (f"{'model':8s} {'split':5s} {'source':6s} {'condition':12s} {'method':9s} "
            f"{'n':>4s} {'med':>5s} {'≤100':>6s} {'≤250':>6s} {'≤500':>6s} {'>500':>5s} "
            f"{'>2s':>4s} {'cover':>6s} {'width':>6s} {'RTF':>6s} {'cpuRTF':>6s}")
    echo("")
    echo("human dev speech (pause-marked truth: error 0 inside the pause, else the distance "
         "to it; cover = window meets the pause or holds the onset)")
    echo(head)
    echo("-" * len(head))
    out: dict[str, Any] = {}

    def line(model: str, split: str, source: str, cond: str, method: str,
             sel: list[SceneRow], rtf: float | None, cpu_rtf: float | None = None) -> None:
        s = summarize(sel)
        if not s.get("n"):
            return
        s["over_500"] = int(sum(abs(r.err_ms) > 500 for r in sel))
        out[f"{model}/{split}/{source}/{cond}/{method}"] = s
        cover = "-" if method == "baseline" else f"{s['coverage']:5.1f}%"
        width = "-" if method == "baseline" else f"{s['width_ms']:.0f}"
        echo(f"{model:8s} {split:5s} {source:6s} {cond:12s} {method:9s} {s['n']:4d} "
             f"{s['median_ms']:5.0f} {s['within_100']:5.1f}% {s['within_250']:5.1f}% "
             f"{s['within_500']:5.1f}% {s['over_500']:5d} {s['fail_2s']:4d} {cover:>6s} "
             f"{width:>6s} {'-' if rtf is None else f'{rtf:6.3f}':>6s} "
             f"{'-' if cpu_rtf is None else f'{cpu_rtf:6.3f}':>6s}")

    for model in models:
        for split in ("tune", "held"):
            for source in SOURCES:
                for cond in CONDITIONS:
                    names = {n for n, i in meta.items()
                             if i.split == split and i.source == source and i.condition == cond}
                    if not names:
                        continue
                    mr = [r for r in runs if r.model == model and r.item in names]
                    audio = max(sum(r.audio_sec for r in mr), 1e-9)
                    rtf = sum(r.elapsed_sec for r in mr) / audio if mr else None
                    # CPU per recogniser thread; a cues-only request runs the cues placement
                    # instead of the one with narrationText.
                    cpu = {"script": sum(r.cpu_sec / max(r.threads, 1) for r in mr) / audio,
                           "cues": sum((r.cpu_sec - r.place_cpu_sec + r.cues_cpu_sec)
                                       / max(r.threads, 1) for r in mr) / audio}
                    for method in ("script", "cues", "baseline"):
                        line(model, split, source, cond, method,
                             [r for r in rows if r.model == model and r.item in names
                              and r.method == method], rtf,
                             cpu.get(method) if mr else None)
        for split in ("tune", "held"):
            for label, conds in (("clean", ("clean",)),
                                 ("noise/music", ("noise", "music", "noise+music")),
                                 ("mp3", ("mp3",))):
                names = {n for n, i in meta.items() if i.split == split and i.condition in conds}
                for method in ("script", "cues"):
                    line(model, split, "all", label, method,
                         [r for r in rows if r.model == model and r.item in names
                          and r.method == method], None)
    echo("")
    echo("med = median |error| ms; >500 / >2s = cuts beyond 500 ms / 2 s; width = median window "
         "width, ms; RTF = (decode + recognition + placement) / audio, model load excluded; "
         "cpuRTF = the same stages' CPU seconds per recogniser thread / audio (the cues row: "
         "with the cues-only placement instead)")
    return out


def save_transcript(transcript: Transcript, path: Path) -> None:
    """Keep what the recogniser heard, so placement settings can be studied without rerunning it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"language": transcript.language,
                                "durationSec": transcript.duration_sec,
                                "chunks": transcript.chunks,
                                "words": [asdict(w) for w in transcript.words]}))


def load_transcript(path: Path) -> Transcript:
    """A transcript written by the bench (``<out>/transcripts/<model>-<item>.json``)."""
    raw = json.loads(path.read_text())
    return Transcript(words=[Word(**w) for w in raw["words"]], language=raw["language"],
                      duration_sec=raw["durationSec"],
                      chunks=[tuple(c) for c in raw["chunks"]])


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _table(rows: list[SceneRow], runs: list[RunStats], models: list[str], echo: Any
           ) -> dict[str, Any]:
    head = (f"{'model':8s} {'method':22s} {'n':>4s} {'MAE':>6s} {'med':>5s} {'P90':>6s} "
            f"{'≤100':>6s} {'≤250':>6s} {'≤500':>6s} {'>2s':>4s} {'cover':>6s} {'width':>6s} "
            f"{'RTF':>6s} {'cpuRTF':>6s} {'peakMB':>7s}")
    echo("")
    echo(head)
    echo("-" * len(head))
    labels = {"script": "with narrationText", "cues": "cues only",
              "baseline": "baseline: words+exact"}
    summary: dict[str, Any] = {}
    for model in models:
        mruns = [r for r in runs if r.model == model]
        audio = max(sum(r.audio_sec for r in mruns), 1e-9)
        rtf = sum(r.elapsed_sec for r in mruns) / audio
        cpu_rtf = sum(r.cpu_sec / max(r.threads, 1) for r in mruns) / audio
        peak = max((r.peak_rss_mb for r in mruns), default=0.0)
        for method in ("script", "cues", "baseline"):
            s = summarize([r for r in rows if r.model == model and r.method == method])
            if not s.get("n"):
                continue
            s["rtf"] = rtf
            s["cpu_rtf"] = cpu_rtf
            s["peak_mb"] = peak
            summary[f"{model}/{method}"] = s
            cover = "-" if method == "baseline" else f"{s['coverage']:5.1f}%"
            width = "-" if method == "baseline" else f"{s['width_ms']:.0f}"
            echo(f"{model:8s} {labels[method]:22s} {s['n']:4d} {s['mae_ms']:6.0f} "
                 f"{s['median_ms']:5.0f} {s['p90_ms']:6.0f} {s['within_100']:5.1f}% "
                 f"{s['within_250']:5.1f}% {s['within_500']:5.1f}% {s['fail_2s']:4d} "
                 f"{cover:>6s} {width:>6s} {rtf:6.3f} {cpu_rtf:6.3f} {peak:7.0f}")
    echo("")
    echo("MAE and median in ms of |error|; cover = share of true cuts inside the 90 % window; "
         "width = median window width, ms; RTF = (decode + recognition + placement) / audio "
         "length, model load excluded; cpuRTF = the same stages' CPU seconds per recogniser "
         f"thread / audio length (other load not counted); load average {_load()}")
    return summary


def _drift(rows: list[SceneRow], item: str, models: list[str], echo: Any) -> None:
    echo("")
    echo(f"error vs position along {item} (MAE ms / n per {QUARTER_SEC / 60:.0f}-minute block)")
    sel = [r for r in rows if r.item == item]
    if not sel:
        return
    blocks = int(max(r.true_ms for r in sel) / 1000 // QUARTER_SEC) + 1
    echo(f"{'model':8s} {'method':10s} " + " ".join(
        f"{f'{int(b * 5)}-{int(b * 5 + 5)} min':>14s}" for b in range(blocks)))
    for model in models:
        for method in ("script", "cues", "baseline"):
            cells = []
            for b in range(blocks):
                e = [abs(r.err_ms) for r in sel if r.model == model and r.method == method
                     and b * QUARTER_SEC <= r.true_ms / 1000 < (b + 1) * QUARTER_SEC]
                cells.append(f"{np.mean(e):7.0f} / {len(e):3d}" if e else f"{'-':>13s}")
            echo(f"{model:8s} {method:10s} " + " ".join(f"{c:>14s}" for c in cells))


def _band(row: SceneRow) -> str:
    return snr_band(row.snr_db) + (" lossy" if row.lossy and row.snr_db is not None else "")


def _coverage(rows: list[SceneRow], models: list[str], echo: Any) -> None:
    """Window coverage per corpus item and per local-SNR band at the refined onset, so a reader
    sees whether one item or one kind of cut carries the overall figure."""
    scored = [r for r in rows if r.method != "baseline"]
    if not scored:
        return
    items = sorted({r.item for r in scored})
    bands = sorted({_band(r) for r in scored})
    echo("")
    echo("window coverage (cover % / n) per item and per local-SNR band at the refined onset "
         "(dB: speech just after the onset over the pause before it)")
    echo(f"{'model':8s} {'method':7s} " + " ".join(f"{c:>14s}" for c in items + bands))
    for model in models:
        for method in ("script", "cues"):
            sel = [r for r in scored if r.model == model and r.method == method]
            if not sel:
                continue
            cells = []
            for key in items + bands:
                part = [r for r in sel if key in (r.item, _band(r))]
                cells.append(f"{100 * np.mean([r.covered for r in part]):5.1f}% / {len(part):3d}"
                             if part else "-")
            echo(f"{model:8s} {method:7s} " + " ".join(f"{c:>14s}" for c in cells))
