"""Scene Timestamps: narration audio + ordered scene cues → each scene's start and a 90 % window.

The pipeline is split so the expensive part is reusable: `transcribe_words` (the recogniser)
once, then `place_scenes` (cheap, pure apart from the envelope) for any `AlignOptions`.
"""

from .calibration import ClassStats, evidence_class, stats_for
from .onset import Envelope, Onset, energy_envelope, find_onset
from .operation import (
    build_response,
    check_request_limits,
    load_audio,
    parse_request,
    quote_timestamps,
    scene_timestamps,
)
from .options import AlignOptions
from .placement import Placement, ScenePlacement, place_scenes
from .script_matching import Candidate, PhraseIndex, TokenMap, choose_monotonic, map_script
from .text import normalize_text, normalize_word, tokenize_text, tokenize_words
from .transcribe import TranscribeOptions, Transcript, Word, transcribe_words

__all__ = [
    "AlignOptions",
    "Candidate",
    "ClassStats",
    "Envelope",
    "Onset",
    "PhraseIndex",
    "Placement",
    "ScenePlacement",
    "TokenMap",
    "TranscribeOptions",
    "Transcript",
    "Word",
    "build_response",
    "check_request_limits",
    "choose_monotonic",
    "energy_envelope",
    "evidence_class",
    "find_onset",
    "load_audio",
    "map_script",
    "normalize_text",
    "normalize_word",
    "parse_request",
    "place_scenes",
    "quote_timestamps",
    "scene_timestamps",
    "stats_for",
    "tokenize_text",
    "tokenize_words",
    "transcribe_words",
]
