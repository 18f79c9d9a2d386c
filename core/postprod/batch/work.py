"""What a batch worker does, on any backend: load the models once, then run jobs one at a time
through the single operations and hand back the exact JSON they would print."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..contract.common import new_request_id
from ..contract.errors import InternalError, PostprodError, ValidationFailed
from ..contract.limits import Tier
from .jobs import Job, Operation, envelope_text, result_text

MEMORY_EXIT_CODE = 75
"""Exit status of a worker that stopped itself for going over its memory limit."""


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker needs besides the job (plain data, sent once per worker).

    Attributes:
        operations: the operations whose models the worker loads at start.
        tier: limits applied to every job, as the single commands' ``--tier``.
        model: the speech recogniser (``"tiny.en"``, ``"base"`` or a CTranslate2 folder).
        calibration_file: a window calibration file; None = the shipped one.
        captioner_dir: a local image-to-text model folder for Describe Scenes; None = the
            ``$POSTPROD_CAPTIONER_DIR`` default of the single command.
        cpu_threads: recogniser threads per worker.
        memory_limit_mb: the worker stops itself (and its job is retried once elsewhere) when
            its resident memory passes this, MB; None = no limit.
    """

    operations: tuple[Operation, ...] = ("timestamps",)
    tier: Tier = "enterprise"
    model: str = "base"
    calibration_file: str | None = None
    captioner_dir: str | None = None
    cpu_threads: int = 1
    memory_limit_mb: int | None = 4096


@dataclass(frozen=True)
class Outcome:
    """What a worker hands back for one job.

    Attributes:
        job_id: the job.
        ok: True for a result, False for an error envelope.
        text: the file's content (response JSON or error envelope, as the single commands
            print it).
        code: the error code when not ok.
        audio_sec: the decoded audio's length, seconds (timestamps results), else the job's
            declared length.
        wall_sec: wall-clock seconds the job took in the worker.
        worker: ``host:pid`` of the worker.
    """

    job_id: str
    ok: bool
    text: str
    code: str | None = None
    audio_sec: float = 0.0
    wall_sec: float = 0.0
    worker: str = ""


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """One model set, loaded once at construction; `run` takes jobs one at a time."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.name = worker_name()
        self.pid = os.getpid()
        self.load_error: PostprodError | None = None
        t0 = time.perf_counter()
        try:
            load_models(settings)
        except PostprodError as exc:  # reported by every job, as the single command would
            self.load_error = exc
        self.load_sec = time.perf_counter() - t0
        if settings.memory_limit_mb is not None:
            start_memory_watch(settings.memory_limit_mb)

    def run(self, job: Job) -> Outcome:
        """Run ``job`` through its single operation; every failure becomes an envelope."""
        t0 = time.perf_counter()
        rid = job.request_id or new_request_id()
        audio_sec = job.audio_sec
        try:
            if self.load_error is not None:
                raise self.load_error
            data, measured = run_operation(job, self.settings, request_id=rid)
            ok, text, code = True, result_text(data), None
            audio_sec = measured if measured is not None else audio_sec
        except PostprodError as exc:
            ok, text, code = False, envelope_text(exc, rid), exc.code
        except Exception as exc:  # a bug: the same brief envelope as the CLI gives
            err = InternalError(f"internal error ({type(exc).__name__}); request {rid}")
            ok, text, code = False, envelope_text(err, rid), err.code
        return Outcome(job_id=job.id, ok=ok, text=text, code=code, audio_sec=audio_sec,
                       wall_sec=time.perf_counter() - t0, worker=self.name)


def load_models(settings: WorkerSettings) -> None:
    """Load every model the settings' operations use into this process's caches.

    Raises:
        EngineUnavailable: a model cannot be loaded.
    """
    if "timestamps" in settings.operations:
        from ..models.whisper import load_whisper

        load_whisper(settings.model, cpu_threads=settings.cpu_threads)
    if "describe" in settings.operations:
        from ..models.captioner import captioner_dir_from, get_captioner
        from ..models.classifier import get_classifier
        from ..models.embedder import get_text_embedder

        get_classifier()
        get_text_embedder()
        folder = captioner_dir_from(settings.captioner_dir)
        if folder is not None:
            get_captioner(folder)


def run_operation(job: Job, settings: WorkerSettings, *, request_id: str
                  ) -> tuple[dict[str, Any], float | None]:
    """The response JSON data of ``job`` and the audio seconds it decoded (None for describe).

    Metadata files are read as the single commands read ``--metadata`` (text for timestamps,
    bytes for describe), so parse errors are word for word the same.

    Raises:
        PostprodError: whatever the single operation raises.
    """
    if job.operation == "timestamps":
        from ..align import AlignOptions, scene_timestamps

        meta_ts: Any = (_read_metadata(str(job.metadata), text=True) if job.metadata_is_path
                        else job.metadata)
        opts = AlignOptions(calibration_file=settings.calibration_file,
                            cpu_threads=settings.cpu_threads)
        if job.options:
            opts = replace(opts, **dict(job.options))
        response = scene_timestamps(Path(str(job.audio)), meta_ts,
                                    tier=settings.tier,
                                    model=settings.model, options=opts,
                                    request_id=request_id)
        return response.to_json_data(), response.meta.audio_duration_ms / 1000
    from ..describe import describe_scenes

    meta_d: Any = (_read_metadata(str(job.metadata), text=False) if job.metadata_is_path
                   else job.metadata)
    described = describe_scenes([Path(p) for p in job.images], meta_d,
                                tier=settings.tier,
                                captioner=settings.captioner_dir, request_id=request_id)
    return described.to_json_data(), None


def _read_metadata(path: str, *, text: bool) -> str | bytes:
    try:
        return Path(path).read_text(encoding="utf-8") if text else Path(path).read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            f"the metadata file {path!r} cannot be read ({exc.__class__.__name__})",
            field="metadata", allowed="a readable JSON file") from None


def start_memory_watch(limit_mb: int, *, every_sec: float = 0.2) -> threading.Thread:
    """A daemon thread that ends this process (status `MEMORY_EXIT_CODE`) once its resident
    memory passes ``limit_mb``: the driver then retries the job once on a fresh worker."""
    import psutil

    proc = psutil.Process()
    limit = limit_mb * 1024 * 1024

    def watch() -> None:
        while True:
            if proc.memory_info().rss > limit:
                os._exit(MEMORY_EXIT_CODE)
            time.sleep(every_sec)

    thread = threading.Thread(target=watch, name="postprod-memory-watch", daemon=True)
    thread.start()
    return thread
