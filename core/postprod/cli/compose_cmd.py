"""`postprod compose`, `postprod price compose` and `postprod bench compose`."""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
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


def bench_manifest(*, items: int, fps: float = 25) -> dict[str, Any]:
    """A manifest with ``items`` folder items: stills, trimmed videos with dissolves, audio.

    About 70 % stills, 20 % videos (every other one with its own audio track), 10 % audio
    layers on three lanes (narration once, music looped, sfx), 1 crossfade in 3 cuts.
    """
    folder: list[dict[str, Any]] = []
    sequence: list[dict[str, Any]] = []
    layers: list[dict[str, Any]] = []
    n_audio = max(1, items // 10)
    n_video = max(1, items // 5)
    n_still = max(1, items - n_audio - n_video)
    for k in range(n_still):
        folder.append({"id": f"still-{k}", "kind": "image", "path": f"scenes/still {k}.jpg"})
    for k in range(n_video):
        folder.append({"id": f"video-{k}", "kind": "video", "path": f"clips/v{k}.mp4",
                       "durationSec": 12.0})
    for k in range(n_audio):
        folder.append({"id": f"audio-{k}", "kind": "audio", "path": f"audio/a{k}.wav",
                       "durationSec": 20.0 + k})
    for k in range(n_still + n_video):
        entry: dict[str, Any]
        if k % 4 == 3 and k // 4 < n_video:
            v = k // 4
            entry = {"itemId": f"video-{v}", "trim": {"inSec": 2.0, "outSec": 7.5},
                     "embeddedAudio": {"separateTrack": v % 2 == 0}}
        else:
            entry = {"itemId": f"still-{k % n_still}", "durationSec": 4.0 + (k % 7) * 0.37}
        if k and k % 3 == 0:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 0.5}
        sequence.append(entry)
    cursor = 0.0
    for k in range(n_audio):
        lane = ("narration", "music", "sfx")[k % 3]
        layers.append({"itemId": f"audio-{k}", "fromSec": cursor, "toSec": cursor + 60.0,
                       "trackId": lane, "role": lane,
                       "placement": "loopToFit" if lane == "music" else "once"})
        if lane == "sfx":
            cursor += 60.0
    return {"project": {"name": f"Bench {items} items", "fps": fps,
                        "resolution": {"w": 1920, "h": 1080}},
            "folder": {"mediaRootPath": "/media/bench", "items": folder},
            "intent": {"sequence": sequence, "audioLayers": layers},
            "output": {"targetConsumer": "generic"}}


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
    from ..compose import compose_otio

    manifest = bench_manifest(items=items, fps=fps)
    manifest["responseFormat"] = response_format
    first = compose_otio(manifest)  # warm-up (imports, adapter plugin manifest)
    times_ms: list[float] = []
    cpu_ms: list[float] = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        compose_otio(manifest)
        times_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
    tracemalloc.start()
    compose_otio(manifest)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times_ms.sort()
    p90 = times_ms[min(len(times_ms) - 1, round(0.9 * (len(times_ms) - 1)))]
    summary = first.response.data.summary
    rows = [
        ("items", str(items)),
        ("sequence entries / audio layers",
         f"{len(manifest['intent']['sequence'])} / {len(manifest['intent']['audioLayers'])}"),
        ("timeline", f"{summary.duration_sec:g} s, {summary.duration_frames} frames, "
                     f"{summary.audio_tracks} audio tracks, {summary.transitions} dissolves"),
        ("format", response_format),
        ("repeats", str(repeat)),
        ("median ms", f"{statistics.median(times_ms):.1f}"),
        ("p90 ms", f"{p90:.1f}"),
        ("min ms", f"{times_ms[0]:.1f}"),
        ("median CPU ms (this process)", f"{statistics.median(cpu_ms):.1f}"),
        ("peak Python memory MiB", f"{peak / 2**20:.2f}"),
        ("otio size KiB", f"{len(first.otio_json.encode()) / 1024:.0f}"),
        ("target", "median <= 50 ms"),
    ]
    width = max(len(k) for k, _ in rows)
    click.echo(f"{'metric'.ljust(width)}  value")
    click.echo(f"{'-' * width}  {'-' * 30}")
    for k, v in rows:
        click.echo(f"{k.ljust(width)}  {v}")


def long_sequence_manifest(*, entries: int, fps: float = 25) -> dict[str, Any]:
    """``entries`` sequence entries over 50 stills and 10 videos, 1 crossfade in 3, a narration.

    Each entry lasts 0.44 s, so 8000 entries stay inside the 3600 s timeline limit.
    """
    stills = [{"id": f"still-{k}", "kind": "image", "path": f"scenes/still {k}.jpg"}
              for k in range(50)]
    videos = [{"id": f"video-{k}", "kind": "video", "path": f"clips/v{k}.mp4",
               "durationSec": 12.0} for k in range(10)]
    sequence: list[dict[str, Any]] = []
    for k in range(entries):
        entry: dict[str, Any] = (
            {"itemId": f"video-{k % 10}", "trim": {"inSec": 2.0, "outSec": 2.44}}
            if k % 5 == 4 else {"itemId": f"still-{k % 50}", "durationSec": 0.44})
        if k and k % 3 == 0:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 0.16}
        sequence.append(entry)
    length = round(entries * 0.44, 2)
    return {"project": {"name": f"Long {entries}", "fps": fps,
                        "resolution": {"w": 1920, "h": 1080}},
            "folder": {"mediaRootPath": "/media/bench", "items": [
                *stills, *videos,
                {"id": "nar", "kind": "audio", "path": "narration.wav", "durationSec": length}]},
            "intent": {"sequence": sequence, "audioLayers": [
                {"itemId": "nar", "fromSec": 0, "toSec": length, "role": "narration"}]},
            "markers": [{"atSec": round(k * 0.44, 2), "name": f"scene-{k}",
                         "window": {"startSec": round(k * 0.44, 2),
                                    "endSec": round(k * 0.44 + 0.2, 2)}, "confidence": 0.9}
                        for k in range(0, entries, 10)]}


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
    from ..compose.exports import EXPORT_KINDS

    sizes = [int(x) for x in entries.split(",") if x.strip()]
    columns: list[str] = [*EXPORT_KINDS]
    if adapters:
        columns += ["fcp_xml adapter", "cmx_3600 adapter"]
    rows: list[list[str]] = []
    with click.progressbar(sizes, label="composing and exporting", file=sys.stderr) as bar:
        for n in bar:
            rows.append(_time_exports(n, fps=fps, repeat=repeat, adapters=adapters))
    header = ["entries", *[f"{c} CPU s" for c in columns]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    click.echo("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        click.echo("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))


def _timed(job: Any) -> float:
    """CPU seconds of this process (the writers are single-threaded; on a shared machine the
    wall clock mostly measures the neighbours)."""
    t0 = time.process_time()
    job()
    return time.process_time() - t0


def _time_exports(n: int, *, fps: float, repeat: int, adapters: bool) -> list[str]:
    """One table row: the fastest of ``repeat`` runs of each writer, seconds."""
    import opentimelineio as otio

    from ..compose import compose_otio
    from ..compose.exports import EXPORT_KINDS, build_export

    result = compose_otio(long_sequence_manifest(entries=n, fps=fps), with_exports=False)
    plan = result.plan
    assert plan is not None
    jobs: list[Any] = [
        (lambda k=kind: build_export(k, result.timeline, plan, slug="bench"))
        for kind in EXPORT_KINDS]
    if adapters:
        video_only = otio.schema.Timeline(name="bench")
        video_only.tracks.append(result.timeline.tracks[0].clone())
        jobs.append(lambda: otio.adapters.write_to_string(result.timeline, "fcp_xml"))
        jobs.append(lambda: otio.adapters.write_to_string(
            video_only, "cmx_3600", rate=float(plan.rate), style="avid"))
    return [str(n), *(f"{min(_timed(job) for _ in range(repeat)):.3f}" for job in jobs)]
