"""Describe Scenes request (`metadata`) and response models (contract §3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import ContractModel, RequestModel

Style = Literal["short", "normal", "detailed"]


class DescribeHints(RequestModel):
    language_code: str | None = Field(default=None, min_length=2, max_length=35,
                                      pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                                      description="BCP-47 tag, e.g. en, de, pt-BR")
    style: Style = "normal"


class SceneOption(RequestModel):
    index: int = Field(ge=0)
    extra_detail: bool = False


class DescribeRequest(RequestModel):
    """The `metadata` part of Describe Scenes (all optional)."""

    narration_text: str | None = None
    scene_ids: list[str] | None = None
    hints: DescribeHints = Field(default_factory=DescribeHints)
    scene_options: list[SceneOption] | None = None


class DescribedScene(ContractModel):
    index: int
    scene_id: str | None = None
    description: str
    interpretation: str | None = None
    anchor_text: str | None = None
    start_cue_text: str | None = None
    cue_confidence: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="how firmly the narration places this scene's cue, 0..1; below 0.5 the "
                    "placement rests mostly on story order and is worth a review")
    extra_detail: bool | None = None


class DescribeData(ContractModel):
    scenes: list[DescribedScene]


class DescribeMeta(ContractModel):
    request_id: str
    style: Style
    language_code: str
    scene_count: int


class DescribeResponse(ContractModel):
    data: DescribeData
    meta: DescribeMeta
