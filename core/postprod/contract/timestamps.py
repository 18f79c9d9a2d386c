"""Scene Timestamps request (`metadata`) and response models (contract §4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .common import ContractModel, ResultWarning

Basis = Literal["startCue", "anchor", "interpolated"]


class SceneCue(ContractModel):
    id: str | None = Field(default=None, min_length=1, max_length=200)
    start_cue_text: str
    anchor_text: str
    description: str | None = None

    @field_validator("start_cue_text", "anchor_text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v


class TimestampsRequest(ContractModel):
    """The `metadata` part of Scene Timestamps."""

    scenes: list[SceneCue] = Field(min_length=1)
    start_offset_ms: int = Field(default=0, ge=0)
    language_code: str | None = Field(default=None, min_length=2, max_length=35,
                                      pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
    narration_text: str | None = None


class SceneStart(ContractModel):
    index: int
    id: str
    start_ms: int


class Window(ContractModel):
    start_ms: int
    end_ms: int


class Transition(ContractModel):
    from_scene_id: str
    to_scene_id: str
    at_ms: int
    window: Window
    confidence: float = Field(ge=0, le=1)
    basis: Basis


class TimestampsData(ContractModel):
    scenes: list[SceneStart]
    transitions: list[Transition]
    warnings: list[ResultWarning] = Field(default_factory=list)


class TimestampsMeta(ContractModel):
    request_id: str
    audio_duration_ms: int
    start_offset_ms: int
    language_code: str


class TimestampsResponse(ContractModel):
    data: TimestampsData
    meta: TimestampsMeta
