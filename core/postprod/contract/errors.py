"""Error codes of the contract: one exception per code under `PostprodError`, carried as data."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """One problem of a request, in the shape of the contract's error envelope (§1.4)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    field: str | None = None
    allowed: str | None = None


class ErrorBody(ErrorDetail):
    """The `error` object of the envelope: the first problem plus `details` for the others."""

    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requestId: str  # contract spelling


class ErrorEnvelope(BaseModel):
    """`{"error": {...}, "meta": {"requestId": ...}}`: every failed call, on every transport."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorBody
    meta: ErrorMeta


class PostprodError(Exception):
    """Base of every error the library raises on purpose.

    Attributes:
        code: the contract's error code, e.g. ``TRIM_OUT_OF_RANGE``.
        http_status: the HTTP status the service answers with.
        message: a sentence naming the bad value and what is allowed.
        field: JSON path into the request (``intent.sequence[1].trim.outSec``,
            ``metadata.scenes[0].anchorText``, ``images[3]``), or None for the whole request.
        allowed: what would have been accepted, in words (``"<= 20 on the free tier"``).
        details: further problems of the same request, same shape.
    """

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: str | None = None,
        details: list[ErrorDetail] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed
        self.details: list[ErrorDetail] = list(details or [])

    def as_detail(self) -> ErrorDetail:
        """This error as one `details[]` entry."""
        return ErrorDetail(code=self.code, message=self.message, field=self.field,
                           allowed=self.allowed)

    def with_field_prefix(self, prefix: str) -> PostprodError:
        """Prefix `field` (and each detail's) with ``prefix`` (e.g. ``"metadata."``), in place."""
        if not prefix:
            return self
        self.field = prefix.rstrip(".") if not self.field else _join(prefix, self.field)
        for d in self.details:
            d.field = prefix.rstrip(".") if not d.field else _join(prefix, d.field)
        return self

    def envelope(self, request_id: str) -> ErrorEnvelope:
        """The contract's error envelope for this error."""
        return ErrorEnvelope(
            error=ErrorBody(code=self.code, message=self.message, field=self.field,
                            allowed=self.allowed, details=list(self.details)),
            meta=ErrorMeta(requestId=request_id),
        )

    def envelope_dict(self, request_id: str) -> dict[str, Any]:
        """The envelope as plain JSON data: all five keys of `error` always there (`field` and
        `allowed` are null where they do not apply), the same in every `details` entry."""
        return self.envelope(request_id).model_dump()

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"


def _join(prefix: str, field: str) -> str:
    head = prefix.rstrip(".")
    return head + field if field.startswith("[") else f"{head}.{field}"


class InvalidJson(PostprodError):
    """The body or the `metadata` part is not JSON."""

    code = "INVALID_JSON"
    http_status = 400


class ValidationFailed(PostprodError):
    """Schema violation: missing field, wrong type, out of range, or an unknown field."""

    code = "VALIDATION_ERROR"
    http_status = 400


class ApiKeyRequired(PostprodError):
    """No `X-API-Key` header."""

    code = "API_KEY_REQUIRED"
    http_status = 401


class InvalidApiKey(PostprodError):
    """The key is unknown or revoked."""

    code = "INVALID_API_KEY"
    http_status = 401


class ApiKeyExpired(PostprodError):
    """The key is past its expiry."""

    code = "API_KEY_EXPIRED"
    http_status = 401


class InsufficientCredits(PostprodError):
    """The balance is below the exact cost of this request."""

    code = "INSUFFICIENT_CREDITS"
    http_status = 402


class TierFeatureNotAvailable(PostprodError):
    """A paid-only feature asked for on the free tier (never silently downgraded)."""

    code = "TIER_FEATURE_NOT_AVAILABLE"
    http_status = 403


class PayloadTooLarge(PostprodError):
    """A file or the whole upload is over the tier's byte limit."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class UnsupportedMediaType(PostprodError):
    """Wrong content type, or an image/audio file of an unsupported format."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415


class TierLimitExceeded(PostprodError):
    """A count, duration or text length over the tier's limit."""

    code = "TIER_LIMIT_EXCEEDED"
    http_status = 422


class UnknownItemReference(PostprodError):
    """A compose reference names no item of `folder.items[]`."""

    code = "UNKNOWN_ITEM_REFERENCE"
    http_status = 422


class DuplicateId(PostprodError):
    """Two items (or scenes) share one id."""

    code = "DUPLICATE_ID"
    http_status = 422


class ItemKindMismatch(PostprodError):
    """An item of the wrong kind for where it is used (audio on the video track, ...)."""

    code = "ITEM_KIND_MISMATCH"
    http_status = 422


class TrimOutOfRange(PostprodError):
    """A trim outside `0 <= inSec < outSec <= durationSec`."""

    code = "TRIM_OUT_OF_RANGE"
    http_status = 422


class TransitionTooLong(PostprodError):
    """A crossfade longer than the handles allow; `allowed` names the largest duration."""

    code = "TRANSITION_TOO_LONG"
    http_status = 422


class TrackOverlap(PostprodError):
    """Two audio layers overlap on one lane."""

    code = "TRACK_OVERLAP"
    http_status = 422


class SceneIdsCountMismatch(PostprodError):
    """`sceneIds` does not have one entry per image."""

    code = "SCENE_IDS_COUNT_MISMATCH"
    http_status = 422


class TooManyExtraDetailScenes(PostprodError):
    """More scenes flagged `extraDetail` than the tier allows."""

    code = "TOO_MANY_EXTRA_DETAIL_SCENES"
    http_status = 422


class ImageUndecodable(PostprodError):
    """An image part that claims a supported format but cannot be decoded safely."""

    code = "IMAGE_UNDECODABLE"
    http_status = 422


class AudioUndecodable(PostprodError):
    """An audio file that cannot be decoded."""

    code = "AUDIO_UNDECODABLE"
    http_status = 422


class AudioEmpty(PostprodError):
    """Audio with no speech at all (or no samples)."""

    code = "AUDIO_EMPTY"
    http_status = 422


class RateLimited(PostprodError):
    """Per-minute or per-day quota used up; `retry_after_s` feeds `Retry-After`."""

    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class InternalError(PostprodError):
    """A bug: logged with the request id, nothing charged."""

    code = "INTERNAL_ERROR"
    http_status = 500


class EngineUnavailable(PostprodError):
    """A model could not be loaded."""

    code = "ENGINE_UNAVAILABLE"
    http_status = 503


ERROR_CLASSES: dict[str, type[PostprodError]] = {
    cls.code: cls
    for cls in (
        InvalidJson, ValidationFailed, ApiKeyRequired, InvalidApiKey, ApiKeyExpired,
        InsufficientCredits, TierFeatureNotAvailable, PayloadTooLarge, UnsupportedMediaType,
        TierLimitExceeded, UnknownItemReference, DuplicateId, ItemKindMismatch, TrimOutOfRange,
        TransitionTooLong, TrackOverlap, SceneIdsCountMismatch, TooManyExtraDetailScenes,
        ImageUndecodable, AudioUndecodable, AudioEmpty, RateLimited, InternalError,
        EngineUnavailable,
    )
}
"""Every error code of the contract (§1.4) to its exception class."""


def collect(errors: list[PostprodError]) -> PostprodError:
    """One error to raise for several problems: the first, with the rest as `details`."""
    first = errors[0]
    first.details.extend(e.as_detail() for e in errors[1:])
    return first


S = TypeVar("S", bound=str)


def one_of(value: str, allowed: tuple[S, ...], *, field: str) -> S:
    """``value`` as the member of ``allowed`` it equals (typed as the allowed literals).

    Raises:
        ValidationFailed: it is none of them; ``allowed`` lists them.
    """
    for option in allowed:
        if value == option:
            return option
    raise ValidationFailed(f"{field} {value!r} is not allowed", field=field,
                           allowed="one of " + ", ".join(allowed))
