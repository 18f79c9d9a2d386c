"""`postprod timestamps`, `postprod price timestamps` and `postprod bench timestamps`."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..contract.common import read_json_bytes
from ..contract.limits import as_tier

if TYPE_CHECKING:
    from ..align import AlignOptions

from . import TIER_OPTION, bench, contract_errors, emit_json, main, price, progress_bar

FC = TypeVar("FC", bound=Callable[..., Any])

MODEL_OPTION = click.option(
    "--model", default="base", show_default=True,
    help="Speech recogniser: tiny.en (fast, English only), base, or a CTranslate2 directory.")


def _calibration(path: Path | None) -> Path | None:
    """The ``--calibration`` file, checked before any audio is read."""
    if path is not None:
        from ..align.calibration import load_table

        try:
            load_table(path)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--calibration") from exc
    return path


def calibration_option(*, help: str) -> Callable[[FC], FC]:
    """The ``--calibration FILE`` option, checked before any audio is read."""
    return click.option("--calibration", "calibration", default=None,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        callback=lambda ctx, param, value: _calibration(value), help=help)


def _options(path: Path | None) -> tuple[AlignOptions, str | None] | None:
    """The ``--options`` file (AlignOptions + model), checked before any audio is read."""
    if path is None:
        return None
    from ..align.options_file import read_options_file

    try:
        opts, model = read_options_file(path)
        if opts.calibration_file is not None:
            from ..align.calibration import load_table

            load_table(opts.calibration_file)
    except (ValueError, OSError) as exc:
        raise click.BadParameter(str(exc), param_hint="--options") from exc
    return opts, model


def _metadata(path: Path) -> bytes:
    return read_json_bytes(path, field="metadata")


@main.command("timestamps")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata", "metadata", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The request's metadata JSON (scenes, startOffsetMs, narrationText...).")
@TIER_OPTION
@MODEL_OPTION
@calibration_option(help="Window calibration written by `postprod bench calibrate --write "
                         "FILE` (e.g. fitted on your own hand-marked recordings); default: "
                         "shipped.")
@click.option("--options", "options", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              callback=lambda ctx, param, value: _options(value),
              help="Alignment settings file (e.g. written by the alignment_tuning notebook); "
                   "its model applies unless --model is given.")
@contract_errors
def timestamps_command(audio: Path, metadata: Path, tier: str, model: str,
                       calibration: Path | None,
                       options: tuple[AlignOptions, str | None] | None) -> None:
    """Time each scene's start in the narration AUDIO; response JSON on stdout."""
    from dataclasses import replace

    from ..align import AlignOptions, scene_timestamps

    opts = AlignOptions()
    if options is not None:
        opts = options[0]
        model_given = click.get_current_context().get_parameter_source("model")
        if options[1] and model_given != click.core.ParameterSource.COMMANDLINE:
            model = options[1]
    if calibration is not None:
        opts = replace(opts, calibration_file=str(calibration))
    with progress_bar("timestamps") as on_progress:
        response = scene_timestamps(audio, _metadata(metadata), tier=as_tier(tier),
                                    model=model, options=opts, progress=on_progress)
    emit_json(response.to_json_data())


@price.command("timestamps")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata", "metadata", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@TIER_OPTION
@contract_errors
def price_timestamps_command(audio: Path, metadata: Path, tier: str) -> None:
    """Credits Scene Timestamps would cost for AUDIO + metadata (no model runs)."""
    from ..align import quote_timestamps

    emit_json({"cost": quote_timestamps(audio, _metadata(metadata), tier=as_tier(tier))})


@bench.command("timestamps")
@click.option("--quick", is_flag=True, help="Small corpus (≈4 min of audio), for a fast look.")
@click.option("--hour", is_flag=True,
              help="One narration of just under 60 minutes (MP3), for memory and drift.")
@click.option("--models", default="tiny.en,base", show_default=True,
              help="Comma-separated recognisers to compare.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Keep the corpus and per-scene JSON here (default: temp).")
@click.option("--dev-speech", "dev_speech", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Also score human speech with hand-marked timing from this dev-speech folder "
                   "(read where it lies; narrations built from it go under --out).")
@click.option("--human", "human", is_flag=True,
              help="Score the human dev speech (in --dev-speech, or the shared folder beside "
                   "the repository) alone, without the synthetic corpus.")
@click.option("--human-conditions", default="clean,noise+music,mp3", show_default=True,
              help="Conditions of the human narrations (clean, noise, music, noise+music, mp3).")
@click.option("--human-splits", default="tune,held", show_default=True,
              help="Parts of the human dev speech to score (held = held out, never tuned on).")
@click.option("--reuse-transcripts", is_flag=True,
              help="Reuse recognitions kept in --out from an earlier run (speed columns then "
                   "meaningless).")
def bench_timestamps_command(quick: bool, hour: bool, models: str, out_dir: Path | None,
                             dev_speech: Path | None, human: bool, human_conditions: str,
                             human_splits: str, reuse_transcripts: bool) -> None:
    """Accuracy, window coverage, speed and memory of Scene Timestamps on a synthetic corpus
    (and, with --dev-speech or --human, on human speech with hand-marked timing)."""
    from ..research.dev_speech import CONDITIONS, default_root
    from ..research.speech_corpus import Preset
    from ..research.timestamps_bench import run_bench

    names = [m.strip() for m in models.split(",") if m.strip()]
    preset: Preset = "hour" if hour else ("quick" if quick else "full")
    conds = tuple(c.strip() for c in human_conditions.split(",") if c.strip())
    bad = [c for c in conds if c not in CONDITIONS]
    if bad:
        raise click.BadParameter(f"unknown {bad}; allowed: {', '.join(CONDITIONS)}",
                                 param_hint="--human-conditions")
    splits = tuple(x.strip() for x in human_splits.split(",") if x.strip())
    if not splits or any(x not in ("tune", "held") for x in splits):
        raise click.BadParameter("tune and/or held", param_hint="--human-splits")
    if human and dev_speech is None:
        dev_speech = default_root()
    with (contextlib.nullcontext(str(out_dir)) if out_dir is not None
          else tempfile.TemporaryDirectory(prefix="postprod-bench-")) as root:
        run_bench(models=names, out_dir=Path(root), echo=click.echo, preset=preset,
                  dev_speech=dev_speech, synthetic=not human, human_conditions=conds,
                  human_splits=splits, reuse_transcripts=reuse_transcripts)


@bench.command("calibrate")
@click.option("--models", default="tiny.en,base", show_default=True,
              help="Comma-separated recognisers to fit.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Keep the corpus and its recognitions here, reused when "
                                 "present (default: temp).")
@click.option("--marked", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Fit on your own recordings with hand-marked cuts (NAME.json "
                                 "beside NAME.wav, ...) instead of the dev corpus; needs "
                                 "--write.")
@click.option("--human", is_flag=True,
              help="Widen the shipped table with a fit on the tuning part of the human dev "
                   "speech (in --dev-speech, or the shared folder beside the repository).")
@click.option("--dev-speech", "dev_speech", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The dev-speech folder for --human.")
@click.option("--write", "write", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The table file to write (default: the shipped table, "
                                 "postprod/align/calibration.json).")
@contract_errors
def bench_calibrate_command(models: str, out_dir: Path | None, marked: Path | None,
                            human: bool, dev_speech: Path | None, write: Path | None) -> None:
    """Fit the 90 % window calibration of Scene Timestamps (per model and evidence class) and
    print the fitted table."""
    from ..align.calibration import CALIBRATION_FILE
    from ..contract.errors import ValidationFailed
    from ..research.calibration_fit import (
        fit_calibration,
        fit_human_calibration,
        format_table,
    )

    names = [m.strip() for m in models.split(",") if m.strip()]
    if not names:
        raise ValidationFailed("--models: no recogniser named", field="--models",
                               allowed="comma-separated recognisers, e.g. tiny.en,base")
    if marked is not None and human:
        raise ValidationFailed("--marked and --human both given", field="--human",
                               allowed="one of --marked DIR or --human")
    if marked is not None and write is None:
        raise ValidationFailed("--marked needs --write FILE (the shipped table is fitted on "
                               "the dev corpus)", field="--write", allowed="a file to write")
    if dev_speech is not None and not human:
        raise ValidationFailed("--dev-speech is read only with --human", field="--dev-speech",
                               allowed="--dev-speech DIR together with --human")
    target = write or CALIBRATION_FILE
    with progress_bar("calibrate") as on_progress:
        if human:
            table = fit_human_calibration(models=names, write=target, dev_speech=dev_speech,
                                          out_dir=out_dir, on_progress=on_progress)
        else:
            command = f"postprod bench calibrate --models {','.join(names)}" + (
                "" if marked is None else f" --marked {marked} --write {target}")
            table = fit_calibration(models=names, write=target, out_dir=out_dir, marked=marked,
                                    command=command, on_progress=on_progress)
    click.echo(format_table(table))
    click.echo(f"written to {target}")
