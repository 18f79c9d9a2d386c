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
from ..contract.errors import ValidationFailed
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
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of stdout.")
@TIER_OPTION
@contract_errors
def compose_command(manifest: str, response_format: str | None, out_path: Path | None,
                    tier: str) -> None:
    """Compose MANIFEST.json (contract §2) into an OpenTimelineIO timeline."""
    from ..compose import compose_otio

    data = _read_manifest(manifest)
    if response_format is not None and isinstance(data, dict):
        data = {**data, "responseFormat": response_format}
    result = compose_otio(data, tier=tier)  # type: ignore[arg-type]
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


@price.command("compose")
@click.argument("manifest", type=str)
@TIER_OPTION
@contract_errors
def price_compose_command(manifest: str, tier: str) -> None:
    """Credits MANIFEST.json would cost (full validation, no OTIO written)."""
    from ..compose import quote_compose

    emit_json({"cost": quote_compose(_read_manifest(manifest), tier=tier)})  # type: ignore[arg-type]


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
