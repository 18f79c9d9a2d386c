"""Compose OTIO request and response models (contract §2)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from pydantic import Field, field_validator, model_validator

from .common import ContractModel, RequestModel, ResultWarning

ITEM_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
TargetConsumer = Literal["generic", "resolve", "premiere", "fcpx", "kdenlive"]
ResponseFormat = Literal["file", "json"]
ItemKind = Literal["image", "video", "audio"]
AudioRole = Literal["narration", "dialogue", "sfx", "music"]
Placement = Literal["once", "loopToFit"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # a URL scheme (one letter is a drive)
PositiveSec = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeSec = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Resolution(RequestModel):
    w: int = Field(ge=16, le=16384, description="width in pixels")
    h: int = Field(ge=16, le=16384, description="height in pixels")


class Project(RequestModel):
    name: str = Field(min_length=1, max_length=200, description="timeline name; file name slug")

    fps: float = Field(gt=0, le=240, allow_inf_nan=False,
                       description="frames per second; 23.976/29.97/47.952/59.94 mean NTSC")
    resolution: Resolution
    audio_sample_rate: Literal[44100, 48000, 96000] = 48000

    @field_validator("name")
    @classmethod
    def _printable_name(cls, v: str) -> str:
        if _CONTROL.search(v):
            raise ValueError("name must not contain control characters (NUL, newline, tab, ...)")
        if not v.strip():
            raise ValueError("name must not be blank")
        return v


class FolderItem(RequestModel):
    id: str = Field(pattern=ITEM_ID_PATTERN)
    kind: ItemKind
    path: str = Field(min_length=1, max_length=1024,
                      description="relative, '/' separators, no leading '/', no drive, no '..'")
    duration_sec: PositiveSec | None = None

    @field_validator("path")
    @classmethod
    def _relative_path(cls, v: str) -> str:
        if _CONTROL.search(v):
            raise ValueError("path must not contain control characters (NUL, newline, ...)")
        if _SCHEME.match(v):
            raise ValueError("path must be a relative file path, not a URL "
                             f"({v.split(':', 1)[0]}:)")
        if "%" in v and unquote(v) != v:
            raise ValueError("path must not be percent-encoded (write the characters "
                             "themselves: 'my clip.mov', not 'my%20clip.mov')")
        if v.startswith("/") or "\\" in v or re.match(r"^[A-Za-z]:", v):
            raise ValueError("path must be relative with '/' separators (no leading '/', "
                             "no drive letter, no backslashes)")
        if any(part == ".." for part in v.split("/")):
            raise ValueError("path must not contain '..'")
        if any(part == "" for part in v.split("/")):
            raise ValueError("path must not contain empty segments ('//' or a trailing '/')")
        return v


class Folder(RequestModel):
    media_root_path: str | None = Field(
        default=None, min_length=1, max_length=1024,
        description="absolute root ('/...' or 'C:/...', backslashes accepted)")
    items: list[FolderItem] = Field(min_length=1)

    @field_validator("media_root_path")
    @classmethod
    def _absolute_root(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if _CONTROL.search(v):
            raise ValueError("mediaRootPath must not contain control characters")
        if v.replace("\\", "/").startswith("//") and not v.startswith("\\\\"):
            # '//host' is ambiguous (a POSIX root or a share); a share is written with backslashes
            raise ValueError("mediaRootPath must not start with '//': write '/...' for a local "
                             "folder or '\\\\host\\share' for a network share")
        if not (v.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", v) or v.startswith("\\\\")):
            raise ValueError("mediaRootPath must be absolute: '/...', 'C:/...' or 'C:\\...'")
        return v


class Trim(RequestModel):
    in_sec: NonNegativeSec | None = None
    out_sec: PositiveSec | None = None


class TransitionIn(RequestModel):
    type: Literal["cut", "crossfade", "dissolve"]
    duration_sec: PositiveSec | None = None

    @model_validator(mode="after")
    def _duration_for_crossfade(self) -> TransitionIn:
        if self.type in ("crossfade", "dissolve") and self.duration_sec is None:
            raise ValueError("durationSec is required for a crossfade")
        return self


class EmbeddedAudio(RequestModel):
    separate_track: bool = False


class SequenceEntry(RequestModel):
    item_id: str = Field(min_length=1)
    duration_sec: PositiveSec | None = None
    trim: Trim | None = None
    transition_in: TransitionIn | None = None
    embedded_audio: EmbeddedAudio | None = None
    clip_name_hint: str | None = Field(default=None, min_length=1, max_length=120)


class AudioLayer(RequestModel):
    item_id: str = Field(min_length=1)
    from_sec: NonNegativeSec
    to_sec: PositiveSec
    track_id: str | None = Field(default=None, min_length=1, max_length=64)
    role: AudioRole
    placement: Placement = "once"
    clip_name_hint: str | None = Field(default=None, min_length=1, max_length=120)

    @model_validator(mode="after")
    def _ordered(self) -> AudioLayer:
        if self.to_sec <= self.from_sec:
            raise ValueError(f"toSec ({self.to_sec}) must be greater than fromSec "
                             f"({self.from_sec})")
        return self


class Intent(RequestModel):
    sequence: list[SequenceEntry] = Field(min_length=1)
    audio_layers: list[AudioLayer] = Field(default_factory=list)


class MarkerWindow(RequestModel):
    start_sec: NonNegativeSec
    end_sec: NonNegativeSec


class TimelineMarker(RequestModel):
    """A point of interest on the timeline: a scene start and its 90 % window (Scene Timestamps)."""

    at_sec: NonNegativeSec = Field(description="the scene start on the timeline, seconds")
    name: str = Field(min_length=1, max_length=200, description="marker name (scene id)")
    note: str | None = Field(default=None, max_length=2000, description="marker comment")
    window: MarkerWindow | None = Field(
        default=None, description="the marker's range: the 90 % window around atSec, seconds")
    confidence: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False,
                                     description="sets the colour: >= 0.8 green, >= 0.5 "
                                                 "yellow, below red; none: blue")

    @model_validator(mode="after")
    def _window_holds_at(self) -> TimelineMarker:
        w = self.window
        if w is not None and not w.start_sec <= self.at_sec <= w.end_sec:
            raise ValueError(f"window ({w.start_sec:g}–{w.end_sec:g} s) must hold atSec "
                             f"({self.at_sec:g} s)")
        return self


class Output(RequestModel):
    target_consumer: TargetConsumer = "generic"


class ComposeRequest(RequestModel):
    """The editorial manifest: project settings, media folder, the cut, the output tuning."""

    project: Project
    folder: Folder
    intent: Intent
    output: Output = Field(default_factory=Output)
    markers: list[TimelineMarker] = Field(default_factory=list)
    response_format: ResponseFormat = "file"


class ComposeSummary(ContractModel):
    duration_sec: float
    duration_frames: int
    video_clips: int
    transitions: int
    audio_tracks: int


class ExportFile(ContractModel):
    """An alternative editor format offered beside the .otio (FCP 7 XML, FCPXML, EDL)."""

    file_name: str
    media_type: str
    content: str
    note: str | None = None


class ComposeData(ContractModel):
    file_name: str
    media_type: str = "application/vnd.opentimelineio+json"
    otio: dict[str, Any]
    summary: ComposeSummary
    warnings: list[ResultWarning] = Field(default_factory=list)
    exports: dict[str, ExportFile] = Field(default_factory=dict)


class ComposeMeta(ContractModel):
    request_id: str
    response_format: ResponseFormat
    target_consumer: TargetConsumer


class ComposeResponse(ContractModel):
    """The `json` response of Compose OTIO."""

    data: ComposeData
    meta: ComposeMeta
