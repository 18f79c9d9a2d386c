"""The operations the service calls, and the models they need loaded once per process.

The service never computes anything itself: these are thin calls into `postprod.compose`,
`postprod.describe` and `postprod.align`, imported on first use so that a process that only
composes never pays for the speech and vision stacks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..contract.compose import ComposeRequest
from ..contract.describe import DescribeRequest, DescribeResponse
from ..contract.errors import EngineUnavailable, PostprodError
from ..contract.limits import Tier
from ..contract.timestamps import TimestampsRequest, TimestampsResponse

if TYPE_CHECKING:
    from ..compose.api import ComposeResult

log = logging.getLogger("postprod.service")

OPERATIONS = ("compose-otio", "describe-scenes", "scene-timestamps")
FILE_FIELDS = ("images", "audio")


def prefix_metadata_fields(exc: PostprodError) -> PostprodError:
    """Library fields of a multipart operation as request paths, in place.

    Fields of the metadata part gain ``metadata.``; fields that already name a file part
    (``images[3]``, ``audio``) and errors about the whole request (no field) stay as they are.
    """

    def fix(field: str | None) -> str | None:
        if field is None or field.split("[", 1)[0].split(".", 1)[0] in FILE_FIELDS:
            return field
        if field.startswith("metadata.") or field == "metadata":
            return field
        return "metadata" + field if field.startswith("[") else f"metadata.{field}"

    exc.field = fix(exc.field)
    for d in exc.details:
        d.field = fix(d.field)
    return exc


class Engines:
    """Loads the models at startup (or on first use) and runs the three operations.

    Attributes:
        whisper_model: the speech recognition size used by Scene Timestamps.
        status: per operation ``ready``, ``loads on first request`` or ``unavailable``.
    """

    def __init__(self, *, whisper_model: str) -> None:
        self.whisper_model = whisper_model
        self.status: dict[str, str] = {"compose-otio": "ready",
                                       "describe-scenes": "loads on first request",
                                       "scene-timestamps": "loads on first request"}
        self._lock = threading.Lock()

    def warm_up(self) -> dict[str, float]:
        """Load every model now; returns seconds per operation. Failures are logged and shown
        in `status`; requests then retry the load and answer 503 ENGINE_UNAVAILABLE if it
        still fails."""
        timings: dict[str, float] = {}
        for operation, loader in (("describe-scenes", self._load_describe_models),
                                  ("scene-timestamps", self._load_timestamps_models)):
            t0 = time.perf_counter()
            try:
                loader()
            except Exception as exc:  # recorded; a request retries and reports 503
                self.status[operation] = "unavailable"
                log.error("warm-up: %s cannot load its models: %s", operation, exc)
            else:
                self.status[operation] = "ready"
            timings[operation] = time.perf_counter() - t0
        return timings

    def _load_describe_models(self) -> None:
        from ..models.classifier import get_classifier
        from ..models.embedder import get_text_embedder

        get_classifier()
        get_text_embedder()

    def _load_timestamps_models(self) -> None:
        from ..models.whisper import load_whisper

        load_whisper(self.whisper_model)

    # --- the operations -------------------------------------------------------------------

    def quote_compose(self, request: ComposeRequest, *, tier: Tier) -> int:
        from ..compose import quote_compose

        return quote_compose(request, tier=tier)

    def compose(self, request: ComposeRequest, *, tier: Tier, request_id: str
                ) -> ComposeResult:
        from ..compose import compose_otio

        return compose_otio(request, tier=tier, request_id=request_id)

    def quote_describe(self, images: Sequence[Path], request: DescribeRequest, *,
                       tier: Tier) -> int:
        describe = _import_operation("describe")
        try:
            return int(describe.quote_describe(list(images), request, tier=tier))
        except PostprodError as exc:
            raise prefix_metadata_fields(exc) from None

    def describe(self, images: Sequence[Path], request: DescribeRequest, *, tier: Tier,
                 request_id: str) -> DescribeResponse:
        describe = _import_operation("describe")
        try:
            result: DescribeResponse = describe.describe_scenes(
                list(images), request, tier=tier, request_id=request_id)
        except PostprodError as exc:
            raise prefix_metadata_fields(exc) from None
        self.status["describe-scenes"] = "ready"
        return result

    def quote_timestamps(self, audio: Path, request: TimestampsRequest, *, tier: Tier) -> int:
        align = _import_operation("align")
        from ..align.transcribe import check_language

        try:
            check_language(request.language_code, model=self.whisper_model)
            return int(align.quote_timestamps(audio, request, tier=tier))
        except PostprodError as exc:
            raise prefix_metadata_fields(exc) from None

    def timestamps(self, audio: Path, request: TimestampsRequest, *, tier: Tier,
                   request_id: str) -> TimestampsResponse:
        align = _import_operation("align")
        try:
            result: TimestampsResponse = align.scene_timestamps(
                audio, request, tier=tier, model=self.whisper_model, request_id=request_id)
        except PostprodError as exc:
            raise prefix_metadata_fields(exc) from None
        self.status["scene-timestamps"] = "ready"
        return result


def _import_operation(name: str) -> Any:
    from importlib import import_module

    try:
        return import_module(f"postprod.{name}")
    except ImportError as exc:
        raise EngineUnavailable(f"the {name} operation is not installed in this service",
                                allowed="a complete postprod installation") from exc
