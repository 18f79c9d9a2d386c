"""`postprod compose`, `postprod price compose`, `postprod bench compose` and `postprod bench
exports` (the benches themselves: `postprod.research.compose_bench`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..contract.common import parse_json_text, read_json_bytes
from ..contract.errors import ValidationFailed, one_of
from ..contract.limits import as_tier
from . import TIER_OPTION, bench, contract_errors, emit_json, main, price


def _read_manifest(path: str) -> Any:
    """The manifest file's JSON (``-`` reads stdin); INVALID_JSON when it is not JSON."""
    if path == "-":
        return parse_json_text(read_json_bytes(sys.stdin.buffer))
    file = Path(path)
    if not file.is_file():
        raise ValidationFailed(f"manifest file {path!r} does not exist", field=None,
                               allowed="a readable JSON file")
    return parse_json_text(read_json_bytes(file))


@main.command("compose")
@click.argument("manifest", type=str)
@click.option("--format", "response_format", type=click.Choice(["file", "json"]), default=None,
              help="file: the .otio text; json: the JSON response wrapper. Default: the "
                   "manifest's responseFormat.")
@click.option("--export", "export_kinds", multiple=True,
              type=click.Choice(["fcpxml", "fcp7", "edl", "kdenlive"]),
              help="Write this editor format instead of the .otio (repeatable: each --export "
                   "pairs with the --out in the same position, or goes to --out-dir).")
@click.option("--out", "out_paths", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of stdout (one per --export when exporting).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --export: write each export here under its own file name.")
@TIER_OPTION
@contract_errors
def compose_command(manifest: str, response_format: str | None, export_kinds: tuple[str, ...],
                    out_paths: tuple[Path, ...], out_dir: Path | None, tier: str) -> None:
    """Compose MANIFEST.json (contract §2) into an OpenTimelineIO timeline.

    With --export, write FCPXML, FCP 7 XML, a CMX 3600 EDL or a Kdenlive project instead:
    ``postprod compose cut.json --export fcpxml --out cut.fcpxml --export edl --out cut.edl``.
    """
    from ..compose import compose_otio

    data = _read_manifest(manifest)
    if response_format is not None and isinstance(data, dict):
        data = {**data, "responseFormat": response_format}
    if export_kinds:
        _write_exports(data, export_kinds, out_paths, out_dir, tier)
        return
    if len(out_paths) > 1 or out_dir is not None:
        raise ValidationFailed("--out takes one file and --out-dir needs --export",
                               field="--out", allowed="one --out, or --export KIND per --out")
    out_path = out_paths[0] if out_paths else None
    result = compose_otio(data, tier=as_tier(tier))
    if result.response.meta.response_format == "json":
        text = json.dumps(result.response.to_json_data(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = result.otio_json
    if out_path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        out_path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_path} ({result.response.data.summary.duration_frames} frames)",
                   err=True)


def _write_exports(data: Any, kinds: tuple[str, ...], out_paths: tuple[Path, ...],
                   out_dir: Path | None, tier: str) -> None:
    """Compose once and write each requested export to its --out (or --out-dir, or stdout)."""
    from ..compose import compose_otio, slugify
    from ..compose.exports import EXPORT_KINDS, build_export

    if out_paths and len(out_paths) != len(kinds):
        raise ValidationFailed(
            f"{len(kinds)} --export for {len(out_paths)} --out", field="--out",
            allowed="one --out per --export, in the same order, or --out-dir DIR")
    if not out_paths and out_dir is None and len(kinds) > 1:
        raise ValidationFailed("several exports cannot share stdout", field="--out",
                               allowed="one --out per --export, or --out-dir DIR")
    result = compose_otio(data, tier=as_tier(tier), with_exports=False)
    plan = result.plan
    assert plan is not None
    slug = slugify(plan.request.project.name)
    for n, kind in enumerate(kinds):
        file, warnings = build_export(one_of(kind, EXPORT_KINDS, field="--export"),
                                      result.timeline, plan, slug=slug)
        if file is None:
            raise ValidationFailed(warnings[0].message, field="project.fps",
                                   allowed=warnings[0].message.split(": it carries ")[1]
                                   .split(", not ")[0])
        for w in warnings:
            click.echo(f"warning {w.code}: {w.message}", err=True)
        target = (out_paths[n] if out_paths else
                  out_dir / file.file_name if out_dir is not None else None)
        if target is None:
            sys.stdout.write(file.content)
            sys.stdout.flush()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8")
        click.echo(f"wrote {target} ({kind}, {plan.end} frames)", err=True)


@price.command("compose")
@click.argument("manifest", type=str)
@TIER_OPTION
@contract_errors
def price_compose_command(manifest: str, tier: str) -> None:
    """Credits MANIFEST.json would cost (full validation, no OTIO written)."""
    from ..compose import quote_compose

    emit_json({"cost": quote_compose(_read_manifest(manifest), tier=as_tier(tier))})


@bench.command("compose")
@click.option("--items", type=click.IntRange(1, 200), default=200, show_default=True,
              help="folder.items[] in the generated manifest")
@click.option("--repeat", type=click.IntRange(1, 10_000), default=30, show_default=True)
@click.option("--fps", type=float, default=25, show_default=True)
@click.option("--format", "response_format", type=click.Choice(["file", "json"]),
              default="file", show_default=True,
              help="json also builds the FCP 7 XML / EDL exports")
def bench_compose_command(items: int, repeat: int, fps: float, response_format: str) -> None:
    """Time compose_otio on a generated manifest (target: median <= 50 ms for 200 items)."""
    from ..research.compose_bench import run_compose_bench

    rows = run_compose_bench(items=items, repeat=repeat, fps=fps,
                             response_format=response_format)
    width = max(len(k) for k, _ in rows)
    click.echo(f"{'metric'.ljust(width)}  value")
    click.echo(f"{'-' * width}  {'-' * 30}")
    for k, v in rows:
        click.echo(f"{k.ljust(width)}  {v}")


@bench.command("exports")
@click.option("--entries", default="1000,2000,4000,8000", show_default=True,
              help="comma-separated sequence lengths to time")
@click.option("--fps", type=float, default=25, show_default=True)
@click.option("--repeat", type=click.IntRange(1, 100), default=3, show_default=True,
              help="runs per writer and length (the table shows the fastest)")
@click.option("--adapters/--no-adapters", default=True, show_default=True,
              help="also time the OTIO fcp_xml and cmx_3600 adapters on the same timeline "
                   "(how these two exports were written before)")
def bench_exports_command(entries: str, fps: float, repeat: int, adapters: bool) -> None:
    """CPU seconds of each editor export on long generated sequences (linear: x2 per doubling)."""
    from ..research.compose_bench import export_columns, time_exports

    sizes = [int(x) for x in entries.split(",") if x.strip()]
    columns = export_columns(adapters=adapters)
    rows: list[list[str]] = []
    with click.progressbar(sizes, label="composing and exporting", file=sys.stderr) as bar:
        for n in bar:
            rows.append(time_exports(entries=n, fps=fps, repeat=repeat, adapters=adapters))
    header = ["entries", *[f"{c} CPU s" for c in columns]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    click.echo("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        click.echo("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
