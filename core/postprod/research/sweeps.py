"""Settings sweeps over `AlignOptions`: grids, one-at-a-time ranges, and running a sweep
in-process (each narration recognised once, placed under every setting) or as batch jobs on the
local pool or a Ray cluster."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from ..contract import TimestampsResponse
from .cut_scores import CutScore, score_cuts
from .truth import NarrationTruth


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



def options_dict(options: Any) -> dict[str, Any]:
    """A dataclass of options as a plain dict (what a researcher pastes into a config)."""
    if not is_dataclass(options) or isinstance(options, type):
        raise TypeError("options must be a dataclass instance")
    return asdict(options)



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
    "breath_check": (True, False),
    "snap_interpolated": (True, False),
    "calibration_model": (None, "tiny.en", "base"),
    "calibration_file": (None,),
}
"""Sensible values of every `AlignOptions` field, the product default among them.
`cpu_threads` changes speed only and `calibration_file` is yours to add (a table fitted with
``postprod bench calibrate --marked DIR --write FILE``), so each has one
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
