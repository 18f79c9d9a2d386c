"""Parameter sweeps as batch jobs: every recording × every point of a grid of `AlignOptions`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .jobs import Job, timestamps_job

SWEEP_SEPARATOR = "--"
"""Between the recording's name and the grid point's number in a job id."""


def sweep_jobs(*, recordings: Mapping[str, tuple[str | Path, Mapping[str, Any] | str | Path]],
               grid: Sequence[Mapping[str, Any]],
               base: Mapping[str, Any] | None = None) -> list[Job]:
    """Scene Timestamps jobs for each recording under each setting of ``grid``.

    Args:
        recordings: name -> (narration audio, metadata mapping or JSON file path); names are
            job-id safe (letters, digits, ``.``, ``_``, ``-``).
        grid: settings to try, each a mapping of `AlignOptions` field names to values (e.g.
            ``postprod.research.sweeps.settings_grid(min_cue_score=[0.5, 0.62],
            beam_size=[1, 5])``).
        base: fields every point shares (applied first; a grid point overrides them).

    Returns:
        Jobs named ``<recording>--<k>`` (k = the point's index in ``grid``, 3 digits), recording
        by recording, each with its point's options; run them with `postprod.batch.run`, read
        them back with `sweep_results`.

    Raises:
        ValidationFailed: a name that cannot be a job id, or a field `AlignOptions` lacks.
    """
    jobs: list[Job] = []
    for name, (audio, metadata) in recordings.items():
        for k, point in enumerate(grid):
            options = {**dict(base or {}), **dict(point)}
            jobs.append(timestamps_job(id=f"{name}{SWEEP_SEPARATOR}{k:03d}", audio=audio,
                                       metadata=metadata, options=options))
    return jobs


def sweep_results(out_dir: str | Path, jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """One row per job of a finished sweep: recording, point index, its options, and either
    the parsed `TimestampsResponse` (``response``) or the error envelope (``error``)."""
    import json

    from ..contract.timestamps import TimestampsResponse
    from .runner import error_path, result_path

    rows: list[dict[str, Any]] = []
    for job in jobs:
        recording, _, index = job.id.rpartition(SWEEP_SEPARATOR)
        row: dict[str, Any] = {"job_id": job.id, "recording": recording,
                               "point": int(index) if index.isdigit() else None,
                               "options": dict(job.options), "response": None, "error": None}
        done = result_path(out_dir, job.id)
        failed = error_path(out_dir, job.id)
        if done.is_file():
            row["response"] = TimestampsResponse.model_validate_json(done.read_text("utf-8"))
        elif failed.is_file():
            row["error"] = json.loads(failed.read_text("utf-8"))["error"]
        rows.append(row)
    return rows

