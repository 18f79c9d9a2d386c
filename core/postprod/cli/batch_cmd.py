"""`postprod batch timestamps|describe JOBS.jsonl --out DIR` and `postprod bench batch`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import TIER_OPTION, bench, contract_errors, main
from .timestamps_cmd import MODEL_OPTION, calibration_option

_JOBS = click.argument("jobs_file", metavar="JOBS.jsonl",
                       type=click.Path(exists=True, dir_okay=False, path_type=Path))
_OUT = click.option("--out", "out_dir", required=True,
                    type=click.Path(file_okay=False, path_type=Path),
                    help="Results folder: <id>.json, <id>.error.json, summary.csv.")
_WORKERS = click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Worker processes (or Ray actors); default: one per core here, "
                             "one per CPU of the Ray cluster.")
_THREADS = click.option("--threads", "threads", type=click.IntRange(min=1), default=None,
                        help="Recogniser threads per worker; default: cores / workers (local), "
                             "1 (Ray).")
_RAY = click.option("--ray", "ray_address", default=None, metavar="auto|ray://HOST:10001",
                    help="Run on a Ray cluster instead of local processes: 'auto' joins the "
                         "cluster of this machine, ray://HOST:10001 connects through Ray "
                         "Client. Input paths must be visible to every node.")
_MEMORY = click.option("--max-worker-memory", "memory_mb", type=click.IntRange(min=256),
                       default=4096, show_default=True,
                       help="A worker over this resident memory (MB) stops; its job is "
                            "retried once on a fresh worker, then written as an error.")
_RETRY = click.option("--retry-failed", is_flag=True,
                      help="Run jobs again that have an error file (default: skip them, like "
                           "finished ones).")


@main.group("batch")
def batch_group() -> None:
    """Run many jobs (one JSON object a line) with one result file each; reruns resume.

    Exit status: 0 every job has a result, 2 some have an error file (the rest ran),
    or the jobs file itself is unusable (envelope on stderr).
    """


@contextmanager
def batch_bar(label: str) -> Iterator[Callable[[Any], None]]:
    """A tqdm bar on stderr: jobs done of all, audio hours done, time left (terminals only)."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, file=sys.stderr, unit="job", leave=False, disable=None,
               bar_format="{desc}: {n}/{total} jobs |{bar:24}|{postfix}")

    def on_progress(p: Any) -> None:
        bar.total = p.total
        bar.n = p.done
        left = "estimating" if p.left_sec is None else f"{_clock(p.left_sec)} left"
        failed = f", {p.failed} failed" if p.failed else ""
        bar.set_postfix_str(f"{p.audio_sec_done / 3600:.2f}/{p.audio_sec_total / 3600:.2f} h "
                            f"audio{failed}, {left}", refresh=False)
        bar.refresh()

    try:
        yield on_progress
    finally:
        bar.close()


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


def _finish(report: Any, out_dir: Path) -> None:
    click.echo(f"{len(report.rows)} jobs: {report.ok} with a result, {report.failed} with an "
               f"error file; {report.ran} run now ({report.backend}, {report.workers} workers "
               f"started), {report.audio_hours_run():.3f} h of audio in "
               f"{report.wall_sec:.1f} s. Summary: {out_dir / 'summary.csv'}")
    if report.failed:
        sys.exit(2)


@batch_group.command("timestamps")
@_JOBS
@_OUT
@TIER_OPTION
@MODEL_OPTION
@calibration_option(help="Window calibration file, as for `postprod timestamps`.")
@_WORKERS
@_THREADS
@_RAY
@_MEMORY
@_RETRY
@contract_errors
def batch_timestamps_command(jobs_file: Path, out_dir: Path, tier: str, model: str,
                             calibration: Path | None, workers: int | None,
                             threads: int | None, ray_address: str | None, memory_mb: int,
                             retry_failed: bool) -> None:
    """Scene Timestamps for every line of JOBS.jsonl: {"id", "audio", "metadata", ...}.

    "metadata" is the request object or the path of its JSON file; relative paths are read
    from the folder of JOBS.jsonl. Optional: "requestId", "options" (AlignOptions fields).
    """
    from ..batch import read_jobs, run

    jobs = read_jobs(jobs_file, operation="timestamps")
    with batch_bar("batch timestamps") as on_progress:
        report = run(jobs, out_dir=out_dir, tier=tier, model=model, calibration_file=calibration,
                     workers=workers, ray=ray_address, threads_per_worker=threads,
                     memory_limit_mb=memory_mb, retry_failed=retry_failed,
                     progress=on_progress)
    _finish(report, out_dir)


@batch_group.command("describe")
@_JOBS
@_OUT
@TIER_OPTION
@click.option("--captioner-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A local transformers image-to-text model folder, as for `postprod "
                   "describe`.")
@_WORKERS
@_RAY
@_MEMORY
@_RETRY
@contract_errors
def batch_describe_command(jobs_file: Path, out_dir: Path, tier: str,
                           captioner_dir: Path | None, workers: int | None,
                           ray_address: str | None, memory_mb: int, retry_failed: bool) -> None:
    """Describe Scenes for every line of JOBS.jsonl: {"id", "images": [...], "metadata"?}.

    "metadata" is the request object or the path of its JSON file; relative paths are read
    from the folder of JOBS.jsonl. Optional: "requestId".
    """
    from ..batch import read_jobs, run

    jobs = read_jobs(jobs_file, operation="describe")
    with batch_bar("batch describe") as on_progress:
        report = run(jobs, out_dir=out_dir, tier=tier, captioner_dir=captioner_dir,
                     workers=workers, ray=ray_address, memory_limit_mb=memory_mb,
                     retry_failed=retry_failed, progress=on_progress)
    _finish(report, out_dir)


@bench.command("batch")
@click.option("--narrations", default=8, show_default=True, type=click.IntRange(min=2),
              help="Synthetic narrations (espeak-ng) in the batch.")
@click.option("--seconds", default=30.0, show_default=True, type=click.FloatRange(min=5),
              help="Length of each narration, about, seconds.")
@click.option("--model", default="tiny.en", show_default=True, help="Speech recogniser.")
@click.option("--no-ray", is_flag=True, help="Leave out the Ray path.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Keep the narrations and results here (default: temp).")
def bench_batch_command(narrations: int, seconds: float, model: str, no_ray: bool,
                        out_dir: Path | None) -> None:
    """Throughput (audio hours per hour) of batch timestamps: 1 and 2 local workers, and Ray."""
    from ..research.batch_bench import format_table, run_bench

    rows = run_bench(narrations=narrations, seconds=seconds, model=model, ray=not no_ray,
                     out_dir=out_dir, echo=lambda s: click.echo(s, err=True))
    click.echo(format_table(rows))
