"""`postprod render` (a preview MP4 of a timeline or a manifest) and `postprod bench render`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from ..contract.common import parse_json_text
from ..contract.errors import ValidationFailed
from . import bench, contract_errors, main, progress_bar

HEIGHTS = ("360", "540", "720", "1080")


def _timeline_and_root(source: Path, media_root: Path | None) -> tuple[Any, Path | None]:
    """The timeline to render and its media root: an .otio as it is; a Compose manifest is
    composed first (media durations probed when missing), its media under its own folder."""
    if not source.is_file():
        raise ValidationFailed(f"{str(source)!r} does not exist", field=None,
                               allowed="an .otio timeline or a Compose manifest (.json)")
    text = source.read_bytes()
    if source.suffix.lower() == ".otio" or b'"OTIO_SCHEMA"' in text[:4096]:
        return str(source), media_root
    from ..compose import compose_otio, parse_compose_request
    from ..compose.durations import fill_durations

    request = parse_compose_request(parse_json_text(text))
    root = media_root or Path(request.folder.media_root_path or source.resolve().parent)
    request = fill_durations(request, root=root)
    return compose_otio(request, with_exports=False), root


@main.command("render")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The MP4 to write (H.264 + AAC).")
@click.option("--height", type=click.Choice(HEIGHTS), default="540", show_default=True,
              help="Output height in pixels; the width keeps the project's aspect.")
@click.option("--burn-in", is_flag=True,
              help="Draw the scene name, the timecode and (with --timestamps) each cut's 90 % "
                   "window.")
@click.option("--placeholders", is_flag=True,
              help="Draw a labelled card for missing media instead of failing.")
@click.option("--timestamps", "timestamps_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The Scene Timestamps response (JSON) the cut was timed with.")
@click.option("--media-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder that relative media paths start from (default: the input's folder).")
@contract_errors
def render_command(source: Path, out_path: Path, height: str, burn_in: bool, placeholders: bool,
                   timestamps_path: Path | None, media_root: Path | None) -> None:
    """Render TIMELINE.otio or MANIFEST.json to a preview MP4, frame for frame."""
    from ..render import render_preview

    timeline, root = _timeline_and_root(source, media_root)
    timestamps = None
    if timestamps_path is not None:
        if not timestamps_path.is_file():
            raise ValidationFailed(f"{str(timestamps_path)!r} does not exist",
                                   field="--timestamps",
                                   allowed="a Scene Timestamps response (JSON file)")
        timestamps = parse_json_text(timestamps_path.read_bytes())
    with progress_bar("render") as on_progress:
        result = render_preview(timeline, out_path, height=int(height), media_root=root,
                                burn_in=burn_in, placeholders=placeholders,
                                timestamps=timestamps, progress=on_progress)
    note = (f"; placeholders for {', '.join(result.placeholders)}" if result.placeholders
            else "")
    click.echo(f"wrote {out_path} ({result.frames} frames at {result.rate} fps, "
               f"{result.size[0]}×{result.size[1]}, {result.duration_sec:.2f} s) in "
               f"{result.elapsed_sec:.1f} s{note}", err=True)


@bench.command("render")
@click.option("--heights", default="540,1080", show_default=True,
              help="Comma-separated output heights.")
@click.option("--variant", "variants", multiple=True,
              type=click.Choice(["sample project", "stills only", "stills only x4"]),
              default=("stills only", "sample project"), show_default=True)
@click.option("--sample-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The sample project (default: sample_media/ of the repository).")
def bench_render_command(heights: str, variants: tuple[str, ...],
                         sample_dir: Path | None) -> None:
    """Seconds per minute of timeline and peak memory of `postprod render` (target: >= 10x real
    time at 540p for stills)."""
    from ..research.render_bench import format_table, run_bench
    from ..samples import sample_media_dir

    folder = sample_dir or sample_media_dir()
    sizes = [int(h) for h in heights.split(",") if h.strip()]
    with tempfile.TemporaryDirectory(prefix="postprod-bench-render-") as work:
        rows = run_bench(sample_dir=folder, heights=sizes, variants=variants, work_dir=Path(work))
    click.echo(format_table(rows))
    sys.stdout.flush()
