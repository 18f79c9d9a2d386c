"""Batch runs: many Scene Timestamps or Describe Scenes jobs on a local process pool or a Ray
cluster, one model set per worker, results byte-equal to the single operations', resumable."""

from .jobs import Job, describe_job, read_jobs, result_text, timestamps_job
from .queue import BatchEvent
from .runner import (
    BatchProgress,
    BatchReport,
    JobRow,
    error_path,
    result_path,
    run,
    summary_csv,
)
from .sweep import sweep_jobs, sweep_results
from .work import Outcome, WorkerSettings

__all__ = [
    "BatchEvent",
    "BatchProgress",
    "BatchReport",
    "Job",
    "JobRow",
    "Outcome",
    "WorkerSettings",
    "describe_job",
    "error_path",
    "read_jobs",
    "result_path",
    "result_text",
    "run",
    "summary_csv",
    "sweep_jobs",
    "sweep_results",
    "timestamps_job",
]
