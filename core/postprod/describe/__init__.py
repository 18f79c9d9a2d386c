"""Describe Scenes: ordered scene images (+ narration) → descriptions and narration cues.

Offline visual evidence (ImageNet classifier, face detector, OCR, colour and light measures)
written into plain descriptions; narration cues by a monotonic segmentation of the narration.
"""

from .evidence import VisualEvidence, analyze_image
from .handoff import to_timestamps_request
from .narration import SceneCue, split_sentences, split_units
from .scenes import describe_scenes, narration_cues, quote_describe, scene_evidence
from .wording import STYLE_WORD_LIMITS, cap_words, describe_from_evidence

__all__ = [
    "STYLE_WORD_LIMITS",
    "SceneCue",
    "VisualEvidence",
    "analyze_image",
    "cap_words",
    "describe_from_evidence",
    "describe_scenes",
    "narration_cues",
    "quote_describe",
    "scene_evidence",
    "split_sentences",
    "split_units",
    "to_timestamps_request",
]
