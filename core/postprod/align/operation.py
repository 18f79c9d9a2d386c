"""Scene Timestamps as a library call: validation and limits, decoding, recognition, placement,
and the contract's response (contract §4)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..contract.common import new_request_id, parse_model
from ..contract.errors import (
    AudioEmpty,
    DuplicateId,
    PayloadTooLarge,
    PostprodError,
    collect,
    one_of,
)
from ..contract.limits import Tier, check_max, limits_for
from ..contract.pricing import duration_ms_for_price, timestamps_price
from ..contract.timestamps import (
    BASES,
    SceneStart,
    TimestampsData,
    TimestampsMeta,
    TimestampsRequest,
    TimestampsResponse,
    Transition,
    Window,
)
from ..media.audio import DecodedAudio, decode_audio, probe_duration_sec, source_size
from ..models.whisper import load_whisper
from ..progress import ProgressCallback, report
from .calibration import load_table
from .options import AlignOptions
from .placement import Placement, place_scenes
from .transcribe import MIN_SPEECH_SEC, check_language, speech_seconds, transcribe_words

AudioInput = str | Path | bytes
RequestInput = TimestampsRequest | Mapping[str, Any] | str | bytes

SILENCE_PEAK = 1e-4
"""A decoded signal whose peak stays below this (−80 dBFS) holds no speech at all."""


def parse_request(request: RequestInput) -> TimestampsRequest:
    """Validate ``request`` (model, mapping or JSON text) into a `TimestampsRequest`.

    Raises:
        InvalidJson, ValidationFailed: with plain JSON paths (``scenes[3].anchorText``).
        DuplicateId: two scenes with one `id`.
    """
    req = parse_model(TimestampsRequest, request)
    seen: dict[str, int] = {}
    for i, scene in enumerate(req.scenes):
        if scene.id is None:
            continue
        if scene.id in seen:
            raise DuplicateId(f"scene id {scene.id!r} is used by scenes {seen[scene.id]} and {i}",
                              field=f"scenes[{i}].id", allowed="unique scene ids")
        seen[scene.id] = i
    return req


def check_request_limits(request: TimestampsRequest, *, tier: Tier) -> None:
    """Scene count and text lengths against ``tier`` (contract §1.6).

    Raises:
        TierLimitExceeded: the first excess, the others in `details`.
    """
    lim = limits_for(tier)
    errors: list[PostprodError] = []

    def add(err: PostprodError | None) -> None:
        if err is not None:
            errors.append(err)

    add(check_max(value=len(request.scenes), limit=lim.timestamps_scenes, tier=tier,
                  field="scenes", what="scenes[] count"))
    total = 0
    for i, s in enumerate(request.scenes):
        add(check_max(value=len(s.start_cue_text), limit=lim.timestamps_cue_chars, tier=tier,
                      field=f"scenes[{i}].startCueText", what="startCueText length",
                      unit=" characters"))
        add(check_max(value=len(s.anchor_text), limit=lim.timestamps_cue_chars, tier=tier,
                      field=f"scenes[{i}].anchorText", what="anchorText length",
                      unit=" characters"))
        total += len(s.start_cue_text) + len(s.anchor_text) + len(s.description or "")
    add(check_max(value=total, limit=lim.timestamps_all_text_chars, tier=tier, field="scenes",
                  what="all scene text fields together", unit=" characters"))
    if request.narration_text is not None:
        add(check_max(value=len(request.narration_text), limit=lim.timestamps_narration_chars,
                      tier=tier, field="narrationText", what="narrationText length",
                      unit=" characters"))
    if errors:
        raise collect(errors)


def load_audio(audio: AudioInput, *, tier: Tier) -> DecodedAudio:
    """Check ``audio`` against ``tier`` and decode it; cheap checks first.

    Order: bytes (413), format by first bytes (415), declared duration (422), decode
    (422 `AUDIO_UNDECODABLE`), decoded duration (422), digital silence (422 `AUDIO_EMPTY`).
    """
    lim = limits_for(tier)
    size = source_size(audio)
    if size > lim.timestamps_audio_bytes:
        raise PayloadTooLarge(
            f"the audio file is {size} bytes, over the {tier} tier's limit of "
            f"{lim.timestamps_audio_bytes} bytes; {size_advice(lim.timestamps_audio_bytes)}",
            field="audio", allowed=f"<= {lim.timestamps_audio_bytes} bytes on the {tier} tier")
    declared = probe_duration_sec(audio)
    if declared is not None:
        _check_duration(declared, tier=tier)
    decoded = decode_audio(audio, max_duration_sec=lim.timestamps_audio_sec)
    _check_duration(decoded.duration_sec, tier=tier)
    if len(decoded.samples) == 0 or float(np.max(np.abs(decoded.samples))) < SILENCE_PEAK:
        raise AudioEmpty("the audio holds no speech (it is silent)", field="audio",
                         allowed="audio with speech")
    return decoded


WAV_BYTES_PER_MIN = 16_000 * 2 * 60
"""16 kHz mono 16-bit PCM: 1.92 MB per minute."""

FLAC_BYTES_PER_MIN = 1_100_000
"""16 kHz mono speech as FLAC (lossless), measured on human narration: ≈ 1.1 MB per minute."""

MP3_BYTES_PER_MIN = 64_000 // 8 * 60
"""MP3 at 64 kbit/s: 0.48 MB per minute."""


def size_advice(limit_bytes: int) -> str:
    """How long a narration fits under ``limit_bytes`` as WAV, FLAC and MP3, and how to convert
    (for the size-cap error: a 20-minute 16 kHz mono WAV is 38 MB)."""
    def minutes(per_min: int) -> int:
        return int(limit_bytes // per_min)

    return (f"{limit_bytes / 1e6:g} MB holds about {minutes(WAV_BYTES_PER_MIN)} min of 16 kHz "
            f"mono WAV but {minutes(FLAC_BYTES_PER_MIN)} min as FLAC (lossless) or "
            f"{minutes(MP3_BYTES_PER_MIN)} min as 64 kbit/s MP3: convert it first, e.g. "
            "`ffmpeg -i narration.wav -ac 1 -ar 16000 narration.flac` (or `-b:a 64k "
            "narration.mp3`)")


def _check_duration(seconds: float, *, tier: Tier) -> None:
    lim = limits_for(tier)
    err = check_max(value=round(seconds, 3), limit=lim.timestamps_audio_sec, tier=tier,
                    field="audio", what="audio duration", unit=" s")
    if err is not None:
        raise err


def _price(decoded: DecodedAudio, request: TimestampsRequest) -> int:
    return timestamps_price(audio_duration_ms=duration_ms_for_price(decoded.duration_sec),
                            scene_count=len(request.scenes))


def quote_timestamps(audio: AudioInput, request: RequestInput, *, tier: Tier = "enterprise"
                     ) -> int:
    """Credits Scene Timestamps would cost, after every check but without any model.

    Args:
        audio: path or bytes of the narration.
        request: the `metadata` (model, mapping or JSON text).
        tier: limits to apply.

    Returns:
        6 + 3 per started 5 min of decoded audio + 1 per started 10 scenes beyond 10.
    """
    req = parse_request(request)
    check_request_limits(req, tier=tier)
    decoded = load_audio(audio, tier=tier)
    return _price(decoded, req)


def scene_timestamps(
    audio: AudioInput,
    request: RequestInput,
    *,
    tier: Tier = "enterprise",
    model: str = "base",
    options: AlignOptions | None = None,
    progress: ProgressCallback | None = None,
    request_id: str | None = None,
) -> TimestampsResponse:
    """Each scene's start on the final timeline and a 90 % window for every transition.

    Args:
        audio: path or bytes of the narration (WAV, FLAC, MP3, M4A/AAC, OGG/Opus).
        request: the `metadata` (model, mapping or JSON text).
        tier: limits to apply (contract §1.6).
        model: ``"tiny.en"``, ``"base"`` or a local CTranslate2 directory.
        options: alignment settings (`AlignOptions`).
        progress: receives stages ``decode``, ``transcribe``, ``align``.
        request_id: echoed in `meta.requestId`; a new one when None.

    Returns:
        TimestampsResponse; every time in ms on the final timeline (`startOffsetMs` added).

    Raises:
        PostprodError subclasses: INVALID_JSON, VALIDATION_ERROR, DUPLICATE_ID,
        TIER_LIMIT_EXCEEDED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, AUDIO_UNDECODABLE,
        AUDIO_EMPTY, ENGINE_UNAVAILABLE.
        ValueError: ``options.calibration_file`` is not a calibration table.
    """
    opts = options or AlignOptions()
    if opts.calibration_file is not None:
        load_table(opts.calibration_file)  # a bad table fails before any work
    req = parse_request(request)
    check_request_limits(req, tier=tier)
    check_language(req.language_code, model=model)
    report(progress, "decode", 0.0, "decoding audio")
    decoded = load_audio(audio, tier=tier)
    # The recogniser first (a missing one is ENGINE_UNAVAILABLE whatever the audio), then:
    # noise or near-silence makes it invent words, so no voice activity is no speech.
    load_whisper(model, cpu_threads=opts.transcribe_options().cpu_threads)
    if speech_seconds(decoded.samples) < MIN_SPEECH_SEC:
        raise AudioEmpty("no speech was found in the audio (only silence or noise)",
                         field="audio", allowed="audio with speech")
    report(progress, "decode", 0.05, "audio decoded")

    def on_transcribe(p: Any) -> None:
        report(progress, "transcribe", 0.05 + 0.9 * p.fraction, p.message)

    transcript = transcribe_words(decoded.samples, model=model, language=req.language_code,
                                  options=opts.transcribe_options(), progress=on_transcribe)
    if not transcript.words:
        raise AudioEmpty("no speech was found in the audio", field="audio",
                         allowed="audio with speech")
    report(progress, "align", 0.96, "placing scenes")
    placement = place_scenes(transcript, decoded.samples, req, options=opts, model=model,
                             lossy=decoded.lossy)
    language = req.language_code or transcript.language
    response = build_response(placement, req, duration_sec=decoded.duration_sec,
                              language=language, request_id=request_id or new_request_id())
    report(progress, "align", 1.0, "done")
    return response


def build_response(placement: Placement, request: TimestampsRequest, *, duration_sec: float,
                   language: str, request_id: str) -> TimestampsResponse:
    """The contract's response from a placement: integer ms, offset added, strictly increasing
    starts, windows containing `atMs` and clamped to the neighbours and the audio."""
    n = len(request.scenes)
    offset = request.start_offset_ms
    dur_ms = max(n, round(duration_sec * 1000))
    starts = [0] * n
    for i in range(1, n):
        ms = round(placement.scenes[i].time_sec * 1000)
        starts[i] = max(ms, starts[i - 1] + 1)
    # Never past the end of the audio, still strictly increasing.
    for i in range(n - 1, 0, -1):
        cap = dur_ms - (n - 1 - i) - 1
        starts[i] = min(starts[i], cap)
        if i + 1 < n:
            starts[i] = min(starts[i], starts[i + 1] - 1)
    ids = [s.id or f"scene-{i}" for i, s in enumerate(request.scenes)]
    scenes = [SceneStart(index=i, id=ids[i], start_ms=offset + starts[i]) for i in range(n)]
    transitions = []
    for i in range(1, n):
        p = placement.scenes[i]
        at = starts[i]
        lo_bound = starts[i - 1]
        hi_bound = starts[i + 1] if i + 1 < n else dur_ms
        lo = min(at, max(lo_bound, round(p.window_sec[0] * 1000)))
        hi = max(at, min(hi_bound, round(p.window_sec[1] * 1000)))
        transitions.append(Transition(
            from_scene_id=ids[i - 1], to_scene_id=ids[i], at_ms=offset + at,
            window=Window(start_ms=offset + lo, end_ms=offset + hi),
            confidence=p.confidence, basis=one_of(p.basis, BASES, field="basis")))
    return TimestampsResponse(
        data=TimestampsData(scenes=scenes, transitions=transitions,
                            warnings=list(placement.warnings)),
        meta=TimestampsMeta(request_id=request_id, audio_duration_ms=round(duration_sec * 1000),
                            start_offset_ms=offset, language_code=language))
