"""Scene Timestamps request (`metadata`) and response models (contract §4)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from .common import ContractModel, RequestModel, ResultWarning
from .errors import ValidationFailed

Basis = Literal["startCue", "anchor", "interpolated"]
BASES: tuple[Basis, ...] = get_args(Basis)


class SceneCue(RequestModel):
    """One scene's cues. Also accepts a Describe Scenes scene unchanged (contract §3.2): its
    `sceneId` stands for `id`, `index` must be the scene's position, and `interpretation`,
    `extraDetail` and `cueConfidence` are read and ignored for timing."""

    id: str | None = Field(default=None, min_length=1, max_length=200)
    start_cue_text: str
    anchor_text: str
    description: str | None = None
    index: int | None = Field(default=None, ge=0,
                              description="Describe's join key; must equal the position")
    scene_id: str | None = Field(default=None, min_length=1, max_length=200,
                                 description="Describe's name for `id`")
    interpretation: str | None = Field(default=None, description="ignored for timing")
    extra_detail: bool | None = Field(default=None, description="ignored for timing")
    cue_confidence: float | None = Field(default=None, ge=0.0, le=1.0,
                                         description="ignored for timing")

    @field_validator("start_cue_text", "anchor_text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v


class TimestampsRequest(RequestModel):
    """The `metadata` part of Scene Timestamps."""

    scenes: list[SceneCue] = Field(min_length=1)
    start_offset_ms: int = Field(default=0, ge=0)
    language_code: str | None = Field(default=None, min_length=2, max_length=35,
                                      pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
    narration_text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap_describe_response(cls, data: Any) -> Any:
        """A whole Describe Scenes response (``{"data": {"scenes": …}, "meta": …}``) is read as
        its scenes, with its `meta.languageCode` as the recognition hint (contract §3.2: the
        output of describe-scenes can be sent to scene-timestamps unchanged)."""
        if (isinstance(data, dict) and set(data) == {"data", "meta"}
                and isinstance(data["data"], dict) and isinstance(data["meta"], dict)
                and set(data["data"]) == {"scenes"} and "style" in data["meta"]):
            out: dict[str, Any] = {"scenes": data["data"]["scenes"]}
            if isinstance(data["meta"].get("languageCode"), str):
                out["languageCode"] = data["meta"]["languageCode"]
            return out
        return data

    @model_validator(mode="after")
    def _describe_fields(self) -> TimestampsRequest:
        """Describe's `index` must be the position; its `sceneId` stands for `id`."""
        for i, scene in enumerate(self.scenes):
            if scene.index is not None and scene.index != i:
                raise ValidationFailed(
                    f"scenes[{i}].index is {scene.index}, but the scene is at position {i}",
                    field=f"scenes[{i}].index",
                    allowed=f"{i} (the scene's position in scenes[]), or no index")
            if scene.scene_id is not None:
                if scene.id is not None and scene.id != scene.scene_id:
                    raise ValidationFailed(
                        f"scenes[{i}].sceneId {scene.scene_id!r} differs from its id "
                        f"{scene.id!r}", field=f"scenes[{i}].sceneId",
                        allowed=f"{scene.id!r} (the same as id), or only one of id and sceneId")
                scene.id = scene.scene_id
        return self


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
