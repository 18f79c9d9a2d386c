"""`postprod bench render`: seconds per minute of timeline and peak memory on the sample project.

Each render runs in its own process (`postprod render`), so its peak resident memory is its own
(``wait4`` rusage) and the CPU time counts every encoder thread.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BenchRow:
    """One measured render.

    Attributes:
        variant: ``sample project`` (stills, a video clip, dissolves, narration, looped music),
            ``stills only`` (the same without the video clip) or ``stills only x4`` (that,
            four times over: the same peak memory shows the frames are streamed).
        height: output height, pixels.
        timeline_sec: the timeline's length, seconds.
        wall_sec: wall-clock time of the whole command (start-up included), seconds.
        cpu_sec: user + system CPU time of the command, all threads, seconds.
        peak_mib: peak resident memory of the command, MiB.
    """

    variant: str
    height: int
    timeline_sec: float
    wall_sec: float
    cpu_sec: float
    peak_mib: float

    @property
    def sec_per_minute(self) -> float:
        """Wall seconds per minute of timeline."""
        return self.wall_sec * 60 / self.timeline_sec

    @property
    def realtime(self) -> float:
        """Timeline seconds rendered per wall second."""
        return self.timeline_sec / self.wall_sec


LONG_REPEATS = 4
"""The long variant repeats the stills-only timeline (narration and music too) this often."""


def bench_manifests(sample_dir: Path) -> dict[str, dict[str, Any]]:
    """The sample project's manifest, and a stills-only copy (no video clip, music cut to the
    narration), and that four times over; all with absolute media URLs."""
    manifest = json.loads((sample_dir / "compose.json").read_text(encoding="utf-8"))
    manifest["folder"]["mediaRootPath"] = str(sample_dir.resolve())
    stills = copy.deepcopy(manifest)
    kinds = {i["id"]: i["kind"] for i in stills["folder"]["items"]}
    stills["intent"]["sequence"] = [e for e in stills["intent"]["sequence"]
                                    if kinds[e["itemId"]] == "image"]
    end = sum(e["durationSec"] for e in stills["intent"]["sequence"])
    for layer in stills["intent"]["audioLayers"]:
        layer["toSec"] = min(layer["toSec"], end)
    long = copy.deepcopy(stills)  # four times as long: peak memory must not follow
    long["intent"]["sequence"] = stills["intent"]["sequence"] * LONG_REPEATS
    long["intent"]["audioLayers"] = [
        {**layer, "fromSec": layer["fromSec"] + k * end, "toSec": layer["toSec"] + k * end}
        for k in range(LONG_REPEATS) for layer in stills["intent"]["audioLayers"]]
    return {"sample project": manifest, "stills only": stills,
            f"stills only x{LONG_REPEATS}": long}


def _run(args: Sequence[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MiB) of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_bench(*, sample_dir: Path, heights: Sequence[int], variants: Sequence[str],
              work_dir: Path) -> list[BenchRow]:
    """Render each variant at each height once, each in a fresh `postprod render` process."""
    from ..compose import compose_otio

    rows = []
    manifests = bench_manifests(sample_dir)
    for variant in variants:
        manifest = manifests[variant]
        path = work_dir / f"{variant.replace(' ', '-')}.json"
        path.write_text(json.dumps(manifest), encoding="utf-8")
        seconds = compose_otio(manifest).response.data.summary.duration_sec
        for height in heights:
            out = work_dir / f"{variant.replace(' ', '-')}-{height}.mp4"
            wall, cpu, peak = _run([sys.executable, "-m", "postprod", "render", str(path),
                                    "--out", str(out), "--height", str(height)])
            rows.append(BenchRow(variant=variant, height=height, timeline_sec=seconds,
                                 wall_sec=wall, cpu_sec=cpu, peak_mib=peak))
    return rows


def format_table(rows: Sequence[BenchRow]) -> str:
    """The printed table: the machine (cores, load average), one line per render, the target."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [f"{cores} cores, load average {load}; each render is one `postprod render` "
             "process (start-up included)"]
    header = ("variant", "height", "timeline s", "wall s", "s per min", "x real time", "CPU s",
              "CPU s per min", "peak MiB")
    table = [header] + [
        (r.variant, f"{r.height}p", f"{r.timeline_sec:.2f}", f"{r.wall_sec:.2f}",
         f"{r.sec_per_minute:.2f}", f"{r.realtime:.1f}", f"{r.cpu_sec:.2f}",
         f"{r.cpu_sec * 60 / r.timeline_sec:.2f}", f"{r.peak_mib:.0f}") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("target: >= 10x real time at 540p for stills on 2 cores")
    return "\n".join(lines)
