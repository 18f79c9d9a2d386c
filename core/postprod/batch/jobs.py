"""Batch jobs: one JSON object a line (`JOBS.jsonl`), read into `Job`s with their size estimate.

A Scene Timestamps line: ``{"id": "ep01", "audio": "ep01.wav", "metadata": {...} | "ep01.json"}``;
a Describe Scenes line: ``{"id": "sb01", "images": ["a.jpg", "b.jpg"], "metadata": ...}``
(metadata optional). Both may carry ``"requestId"`` (echoed in `meta.requestId`); timestamps
lines may carry ``"options"`` (`AlignOptions` fields, e.g. from a parameter sweep). Relative
paths are read from the folder of the jobs file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from ..contract.common import ContractModel, new_request_id, validation_error
from ..contract.errors import DuplicateId, InvalidJson, PostprodError, ValidationFailed

Operation = Literal["timestamps", "describe"]
OPERATIONS: tuple[Operation, ...] = ("timestamps", "describe")

JOB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
"""A job id names its result files, so it is a plain file name (no folders, no leading dot)."""
_JOB_ID = re.compile(JOB_ID_PATTERN)
DESCRIBE_WEIGHT_PER_IMAGE = 5.0
"""A scene image weighs about as much work as this many seconds of narration (≈0.4 s per image
against ≈0.08 s per second of audio with tiny.en here), so mixed batches still run the longest
jobs first and the time left is estimated in one unit."""
ERROR_SUFFIX = ".error"
"""Failures are written as ``<id>.error.json``; an id may not end like that itself."""


class TimestampsJobLine(ContractModel):
    """One Scene Timestamps line of a jobs file."""

    id: str = Field(pattern=JOB_ID_PATTERN)
    audio: str = Field(min_length=1)
    metadata: dict[str, Any] | str
    request_id: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class DescribeJobLine(ContractModel):
    """One Describe Scenes line of a jobs file."""

    id: str = Field(pattern=JOB_ID_PATTERN)
    images: list[str] = Field(min_length=1)
    metadata: dict[str, Any] | str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Job:
    """One request of a batch, ready to send to a worker (plain data, picklable).

    Attributes:
        id: names the result files ``<id>.json`` / ``<id>.error.json``.
        operation: ``"timestamps"`` or ``"describe"``.
        audio: absolute path of the narration (timestamps).
        images: absolute paths of the scene images, in order (describe).
        metadata: the request's metadata: a mapping given inline, the path of a JSON file
            (read by the worker as the single commands read ``--metadata``), or None.
        metadata_is_path: whether `metadata` is a file path.
        request_id: echoed in ``meta.requestId``; None gives a fresh id per run.
        options: `AlignOptions` fields to change from the batch's settings (timestamps).
        audio_sec: the audio's declared length, seconds (0 for describe; a size-based guess
            when the header declares none).
        weight: estimated work, what "longest first" sorts by: audio seconds, or
            `DESCRIBE_WEIGHT_PER_IMAGE` per image for describe.
        invalid: for a line that could not be read, the error envelope JSON text to write
            instead of running anything.
    """

    id: str
    operation: Operation
    audio: str | None = None
    images: tuple[str, ...] = ()
    metadata: Mapping[str, Any] | str | None = None
    metadata_is_path: bool = False
    request_id: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    audio_sec: float = 0.0
    weight: float = 0.0
    invalid: str | None = None


def envelope_text(exc: PostprodError, request_id: str) -> str:
    """The error envelope as the single commands print it (2-space JSON, newline)."""
    return result_text(exc.envelope_dict(request_id))


def result_text(data: Any) -> str:
    """JSON exactly as `postprod timestamps` / `postprod describe` print it on stdout."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def timestamps_job(*, id: str, audio: str | Path, metadata: Mapping[str, Any] | str | Path,
                   request_id: str | None = None, options: Mapping[str, Any] | None = None,
                   base_dir: str | Path | None = None) -> Job:
    """A Scene Timestamps job (paths made absolute against ``base_dir``, default cwd).

    Args:
        id: the job id (a file name: letters, digits, ``.``, ``_``, ``-``).
        audio: the narration file.
        metadata: the metadata as a mapping, or the path of its JSON file.
        request_id: for ``meta.requestId``; None gives a fresh id when the job runs.
        options: `AlignOptions` fields to change (checked here: unknown names are refused).
        base_dir: folder relative paths are read from.

    Raises:
        ValidationFailed: a bad id or an unknown option name.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    _check_id(id, field="id")
    opts = dict(options or {})
    _check_options(opts)
    audio_path = _resolve(audio, base)
    is_path = isinstance(metadata, str | Path)
    meta: Mapping[str, Any] | str = (_resolve(metadata, base) if isinstance(metadata, str | Path)
                                     else dict(metadata))
    seconds = _audio_seconds(audio_path)
    return Job(id=id, operation="timestamps", audio=audio_path, metadata=meta,
               metadata_is_path=is_path, request_id=request_id, options=opts,
               audio_sec=seconds, weight=seconds)


def describe_job(*, id: str, images: Iterable[str | Path],
                 metadata: Mapping[str, Any] | str | Path | None = None,
                 request_id: str | None = None, base_dir: str | Path | None = None) -> Job:
    """A Describe Scenes job (paths made absolute against ``base_dir``, default cwd)."""
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    _check_id(id, field="id")
    paths = tuple(_resolve(p, base) for p in images)
    is_path = isinstance(metadata, str | Path)
    meta: Mapping[str, Any] | str | None
    if metadata is None:
        meta = None
    elif isinstance(metadata, str | Path):
        meta = _resolve(metadata, base)
    else:
        meta = dict(metadata)
    return Job(id=id, operation="describe", images=paths, metadata=meta, metadata_is_path=is_path,
               request_id=request_id, weight=DESCRIBE_WEIGHT_PER_IMAGE * len(paths))


def read_jobs(path: str | Path, *, operation: Operation) -> list[Job]:
    """The jobs of a JSONL file, in file order; blank lines are skipped.

    A line that cannot be read (not JSON, wrong fields, a bad id) becomes a job whose
    `invalid` holds its error envelope; it is named by its id when it has a usable one, else
    ``line-<n>`` (1-based). One bad line never stops the others.

    Raises:
        DuplicateId: two lines with one id (their result files would collide).
        ValidationFailed: the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"the jobs file {str(path)!r} cannot be read: {exc}",
                               field="jobs", allowed="a UTF-8 JSON Lines file") from None
    base = path.resolve().parent
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        job = parse_job_line(line, line_number=n, operation=operation, base_dir=base)
        if job.id in seen:
            raise DuplicateId(f"job id {job.id!r} is used on lines {seen[job.id]} and {n}",
                              field=f"line {n}.id", allowed="one id per job")
        seen[job.id] = n
        jobs.append(job)
    return jobs


def parse_job_line(line: str, *, line_number: int, operation: Operation,
                   base_dir: Path) -> Job:
    """One line of a jobs file as a `Job` (an `invalid` one when it cannot be read)."""
    fallback = f"line-{line_number}"
    try:
        data = json.loads(line)
    except ValueError as exc:
        err: PostprodError = InvalidJson(f"line {line_number} is not valid JSON: {exc}",
                                         field=f"line {line_number}",
                                         allowed="one JSON object per line")
        return _invalid(fallback, operation, err, None)
    line_id = data.get("id") if isinstance(data, dict) else None
    job_id = line_id if isinstance(line_id, str) and _usable_id(line_id) else fallback
    request_id = data.get("requestId") if isinstance(data, dict) else None
    request_id = request_id if isinstance(request_id, str) else None
    if not isinstance(data, dict):
        err = ValidationFailed(f"line {line_number} must be a JSON object",
                               field=f"line {line_number}", allowed="a JSON object")
        return _invalid(job_id, operation, err, request_id)
    try:
        if operation == "timestamps":
            ts = TimestampsJobLine.model_validate(data)
            return timestamps_job(id=ts.id, audio=ts.audio, metadata=ts.metadata,
                                  request_id=ts.request_id, options=ts.options,
                                  base_dir=base_dir)
        ds = DescribeJobLine.model_validate(data)
        return describe_job(id=ds.id, images=ds.images, metadata=ds.metadata,
                            request_id=ds.request_id, base_dir=base_dir)
    except PydanticValidationError as exc:
        return _invalid(job_id, operation, validation_error(exc), request_id)
    except PostprodError as exc:
        return _invalid(job_id, operation, exc, request_id)


def _invalid(job_id: str, operation: Operation, err: PostprodError,
             request_id: str | None) -> Job:
    return Job(id=job_id, operation=operation, request_id=request_id,
               invalid=envelope_text(err, request_id or new_request_id()))


def _usable_id(job_id: str) -> bool:
    return bool(_JOB_ID.match(job_id)) and not job_id.endswith(ERROR_SUFFIX)


def _check_id(job_id: str, *, field: str) -> None:
    if not _usable_id(job_id):
        raise ValidationFailed(
            f"job id {job_id!r} cannot name a result file", field=field,
            allowed="1-128 letters, digits, '.', '_' or '-', not starting with '.', '_' or '-' "
                    f"and not ending in {ERROR_SUFFIX!r}")


def _check_options(options: Mapping[str, Any]) -> None:
    from ..align.options import AlignOptions

    names = {f.name for f in fields(AlignOptions)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise ValidationFailed(f"unknown alignment option {unknown[0]!r}",
                               field=f"options.{unknown[0]}",
                               allowed="fields of AlignOptions: " + ", ".join(sorted(names)))


def _resolve(p: str | Path, base: Path) -> str:
    path = Path(p).expanduser()
    return str(path if path.is_absolute() else base / path)


def _audio_seconds(path: str) -> float:
    """Declared duration, seconds; a guess from the size (16-bit mono 16 kHz) without one."""
    from ..media.audio import probe_duration_sec

    try:
        declared = probe_duration_sec(path)
    except Exception:  # a corrupt file still gets a size-based place in the queue
        declared = None
    if declared is not None:
        return float(declared)
    try:
        return Path(path).stat().st_size / 32_000
    except OSError:
        return 0.0
