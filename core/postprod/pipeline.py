"""The glue of contract §5: Scene Timestamps result + media -> the Compose OTIO manifest."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from .contract.common import parse_model
from .contract.compose import ITEM_ID_PATTERN, ComposeRequest
from .contract.errors import ValidationFailed
from .contract.limits import Tier
from .contract.timestamps import TimestampsResponse

NARRATION_ID = "narration"
MUSIC_ID = "music"


def build_compose_manifest(
    *,
    scene_images: Sequence[str],
    timestamps: TimestampsResponse | Mapping[str, Any],
    narration_path: str,
    narration_duration_sec: float,
    project_name: str,
    fps: float = 25,
    resolution: tuple[int, int] = (1920, 1080),
    music_path: str | None = None,
    music_duration_sec: float | None = None,
    music_gain_role: str = "music",
    media_root_path: str | None = None,
    target_consumer: str = "generic",
    crossfade_sec: float = 0,
    scene_markers: bool = True,
) -> ComposeRequest:
    """The Compose manifest for one scene-by-scene narrated timeline.

    Each still lasts until the next scene's `startMs`; the first one starts at 0 (the leading
    `startOffsetMs` belongs to it) and the last one lasts until the end of the narration, so the
    timeline is `startOffsetMs` + the narration's duration long. The narration is an audio layer
    from `startOffsetMs`; an optional music bed loops to fit the whole timeline.

    Args:
        scene_images: one image path per scene, in scene order, relative to the project folder
            (``scenes/01.jpg``); absolute paths under ``media_root_path`` are made relative.
        timestamps: the Scene Timestamps response (model or its JSON data).
        narration_path: the narration audio, relative to the project folder.
        narration_duration_sec: its decoded duration, seconds.
        project_name: timeline name (file name slug).
        fps: project frames per second (29.97 etc. mean the NTSC rates).
        resolution: (width, height) in pixels.
        music_path: optional music bed, relative to the project folder.
        music_duration_sec: its duration in seconds (required with ``music_path``).
        music_gain_role: the audio role of the bed (``music`` or ``sfx``, ...).
        media_root_path: absolute project folder, makes every target_url an absolute URL.
        target_consumer: ``generic``, ``resolve``, ``premiere``, ``fcpx`` or ``kdenlive``.
        crossfade_sec: a dissolve of this many seconds on every cut (0: cuts).
        scene_markers: one marker per scene start (name = scene id), ranged over the 90 %
            window of its transition and coloured by its confidence (contract §2.1 `markers`).

    Raises:
        ValidationFailed: scene and image counts differ, missing music duration, or a manifest
            the contract rejects (with the manifest's JSON paths).
    """
    ts = parse_model(TimestampsResponse, timestamps)
    scenes = ts.data.scenes
    if len(scenes) != len(scene_images):
        raise ValidationFailed(
            f"{len(scene_images)} scene images for {len(scenes)} timed scenes",
            field="scene_images", allowed=f"exactly {len(scenes)} image paths, one per scene")
    if music_path is not None and music_duration_sec is None:
        raise ValidationFailed("music_duration_sec is required to loop the music bed",
                               field="music_duration_sec", allowed="a number > 0 (seconds)")
    offset = Fraction(ts.meta.start_offset_ms, 1000)
    end = offset + Fraction(repr(float(narration_duration_sec)))
    starts = [Fraction(0)] + [Fraction(s.start_ms, 1000) for s in scenes[1:]]
    if starts[-1] >= end and len(scenes) > 1:
        raise ValidationFailed(
            f"the last scene starts at {float(starts[-1]):g} s, not before the end of the "
            f"narration ({float(end):g} s)", field="timestamps.data.scenes",
            allowed="scene starts before startOffsetMs + narration_duration_sec")

    ids = _scene_ids([s.id for s in scenes])
    items: list[dict[str, Any]] = []
    sequence: list[dict[str, Any]] = []
    for i, (scene, image) in enumerate(zip(scenes, scene_images, strict=True)):
        items.append({"id": ids[i], "kind": "image",
                      "path": _relative(image, media_root_path)})
        stop = starts[i + 1] if i + 1 < len(starts) else end
        entry: dict[str, Any] = {"itemId": ids[i], "durationSec": float(stop - starts[i]),
                                 "clipNameHint": scene.id[:120]}
        if i and crossfade_sec > 0:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": crossfade_sec}
        sequence.append(entry)
    items.append({"id": NARRATION_ID, "kind": "audio",
                  "path": _relative(narration_path, media_root_path, field="narration_path"),
                  "durationSec": narration_duration_sec})
    layers: list[dict[str, Any]] = [
        {"itemId": NARRATION_ID, "fromSec": float(offset), "toSec": float(end),
         "trackId": NARRATION_ID, "role": "narration"}]
    if music_path is not None:
        items.append({"id": MUSIC_ID, "kind": "audio",
                      "path": _relative(music_path, media_root_path, field="music_path"),
                      "durationSec": music_duration_sec})
        layers.append({"itemId": MUSIC_ID, "fromSec": 0, "toSec": float(end),
                       "trackId": MUSIC_ID, "role": music_gain_role,
                       "placement": "loopToFit"})
    folder: dict[str, Any] = {"items": items}
    if media_root_path is not None:
        folder["mediaRootPath"] = media_root_path
    markers: list[dict[str, Any]] = []
    if scene_markers:
        windows = {t.to_scene_id: t for t in ts.data.transitions}
        for i, scene in enumerate(scenes):
            marker: dict[str, Any] = {"atSec": float(starts[i]), "name": scene.id[:200]}
            t = windows.get(scene.id) if i else None
            if t is not None:
                at = marker["atSec"]
                lo, hi = t.window.start_ms / 1000, t.window.end_ms / 1000
                marker["note"] = f"placed by {t.basis}"
                if not lo <= at <= hi:
                    # a start moved by hand: the range still shows the engine's window, stretched
                    # to the cut the producer chose (a marker's range must hold the marker)
                    marker["note"] += f"; moved by hand ({lo:.3f}–{hi:.3f} s was the 90 % window)"
                    lo, hi = min(lo, at), max(hi, at)
                marker["window"] = {"startSec": lo, "endSec": hi}
                marker["confidence"] = t.confidence
            markers.append(marker)
    manifest = {
        "project": {"name": project_name, "fps": fps,
                    "resolution": {"w": resolution[0], "h": resolution[1]}},
        "folder": folder,
        "intent": {"sequence": sequence, "audioLayers": layers},
        "output": {"targetConsumer": target_consumer},
        "markers": markers,
    }
    return parse_model(ComposeRequest, manifest)


def _scene_ids(scene_ids: Sequence[str]) -> list[str]:
    """Item ids for the scenes: the scene id where it is a valid, unused item id."""
    taken = {NARRATION_ID, MUSIC_ID}
    out: list[str] = []
    for i, sid in enumerate(scene_ids):
        candidate = sid if re.match(ITEM_ID_PATTERN, sid) and sid not in taken else f"scene-{i}"
        while candidate in taken:
            candidate += "_"
        taken.add(candidate)
        out.append(candidate)
    return out


def _relative(path: str, media_root_path: str | None, *, field: str = "scene_images") -> str:
    """``path`` relative to the project folder with ``/`` separators."""
    norm = path.replace("\\", "/")
    if media_root_path is not None:
        root = media_root_path.replace("\\", "/").rstrip("/") + "/"
        if norm.lower().startswith(root.lower()):
            norm = norm[len(root):]
    if PurePosixPath(norm).is_absolute() or PureWindowsPath(norm).drive:
        raise ValidationFailed(f"{path!r} is not inside the project folder",
                               field=field,
                               allowed="paths relative to the project folder (or under "
                                       "media_root_path)")
    while norm.startswith("./"):
        norm = norm[2:]
    return norm


def transcribe_narration(
    audio: str | bytes,
    *,
    tier: Tier = "enterprise",
    model: str = "base",
    language: str | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """The narration's words as script text, by Scene Timestamps' own recogniser.

    Used when a project has narration audio but no script: the text feeds Describe Scenes'
    cue finder (``narrationText``) exactly as a written script would.

    Args:
        audio: path or bytes of the narration (WAV, FLAC, MP3, M4A/AAC, OGG/Opus).
        tier: the Scene Timestamps audio limits that apply (contract §1.6).
        model: ``"tiny.en"``, ``"base"`` or a local CTranslate2 directory.
        language: BCP-47 hint; detected when None.
        progress: receives ``decode`` then ``transcribe`` `Progress` events (fraction of the
            audio recognised).

    Returns:
        ``{"text": str, "languageCode": str, "durationMs": int, "words": int}``; the text is
        the recognised words joined with single spaces.

    Raises:
        PostprodError subclasses: PAYLOAD_TOO_LARGE, TIER_LIMIT_EXCEEDED,
        UNSUPPORTED_MEDIA_TYPE, AUDIO_UNDECODABLE, AUDIO_EMPTY (no speech heard),
        ENGINE_UNAVAILABLE, VALIDATION_ERROR (a language the model cannot recognise).
    """
    from .align.operation import load_audio
    from .align.options import AlignOptions
    from .align.transcribe import check_language, transcribe_words
    from .contract.errors import AudioEmpty
    from .progress import report

    check_language(language, model=model)
    report(progress, "decode", 0.0, "decoding audio")
    decoded = load_audio(audio, tier=tier)
    report(progress, "decode", 0.05, "audio decoded")

    def on_transcribe(p: Any) -> None:
        report(progress, "transcribe", 0.05 + 0.95 * p.fraction, p.message)

    transcript = transcribe_words(decoded.samples, model=model, language=language,
                                  options=AlignOptions().transcribe_options(),
                                  progress=on_transcribe)
    text = re.sub(r"\s+", " ", " ".join(w.text.strip() for w in transcript.words)).strip()
    if not text:
        raise AudioEmpty("no speech was found in the audio", field="audio",
                         allowed="audio with speech")
    return {"text": text, "languageCode": transcript.language,
            "durationMs": round(decoded.duration_sec * 1000), "words": len(transcript.words)}
