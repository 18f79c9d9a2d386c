"""`postprod describe`, `postprod price describe`, `postprod bench describe`."""

from __future__ import annotations

from pathlib import Path

import click

from ..contract.common import read_json_bytes
from ..contract.limits import as_tier
from . import TIER_OPTION, bench, contract_errors, emit_json, main, price, progress_bar

_IMAGES = click.argument("images", nargs=-1, required=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path))
_METADATA = click.option("--metadata", "metadata", type=click.Path(exists=True, dir_okay=False,
                                                                    path_type=Path),
                         help="The request's metadata JSON (narrationText, sceneIds, hints, "
                              "sceneOptions).")


@main.command("describe")
@_IMAGES
@_METADATA
@TIER_OPTION
@click.option("--captioner-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A local transformers image-to-text model folder (default: "
                   "$POSTPROD_CAPTIONER_DIR; none: descriptions from visual evidence).")
@contract_errors
def describe_command(images: tuple[Path, ...], metadata: Path | None, tier: str,
                     captioner_dir: Path | None) -> None:
    """Describe scene IMAGES (in order); with narration, add cues for `postprod timestamps`."""
    from ..describe import describe_scenes, quote_describe

    meta = read_json_bytes(metadata, field="metadata") if metadata else None
    # Request errors before the progress bar opens, so stderr holds the envelope alone.
    quote_describe(list(images), meta, tier=as_tier(tier))
    with progress_bar("describe") as on_progress:
        response = describe_scenes(list(images), meta, tier=as_tier(tier),
                                   captioner=captioner_dir, progress=on_progress)
    emit_json(response.to_json_data())


@price.command("describe")
@_IMAGES
@_METADATA
@TIER_OPTION
@contract_errors
def price_describe_command(images: tuple[Path, ...], metadata: Path | None, tier: str) -> None:
    """Credits a Describe Scenes request would cost (validation and limits, no model)."""
    from ..describe import quote_describe

    meta = read_json_bytes(metadata, field="metadata") if metadata else None
    emit_json({"cost": quote_describe(list(images), meta, tier=as_tier(tier))})


@bench.command("describe")
@click.option("--quick", is_flag=True, help="Fewer photos and storyboards (a smoke run).")
@click.option("--repeats", default=3, show_default=True, help="Timing repeats per photo.")
def bench_describe_command(quick: bool, repeats: int) -> None:
    """Latency per image and style, OCR cost, memory, label and narration-cue accuracy."""
    from ..research.describe_bench import format_table, run_benchmark

    click.echo(format_table(run_benchmark(repeats=repeats, quick=quick)))
