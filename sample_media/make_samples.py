"""Makes the sample project: five scene stills, a narration with its true timings, a music loop,
a video clip and the request files of the three operations.

Deterministic: the text and JSON files come out byte-identical on every run; the audio and video
depend only on the installed espeak-ng, sox, ffmpeg and scikit-image versions.

Usage: `.venv/bin/python sample_media/make_samples.py [--out DIR]` (default: this folder).
Needs: scikit-image and Pillow (Python), espeak-ng, sox and ffmpeg (Debian).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from PIL import Image
from skimage import data as skdata

HERE = Path(__file__).resolve().parent

NARRATION_RATE_HZ = 22050
MUSIC_RATE_HZ = 44100
VOICE = "en-us"
WORDS_PER_MINUTE = 150
LEAD_IN_SEC = 0.5
"""Silence before the first sentence (it belongs to scene 0)."""
PAUSE_IN_SCENE_SEC = 0.45
"""Silence inserted between two sentences of the same scene."""
PAUSE_BETWEEN_SCENES_SEC = 0.9
"""Silence inserted between the last sentence of a scene and the first of the next."""
TAIL_SEC = 0.8
"""Silence after the last sentence."""
EDGE_MARGIN_SEC = 0.02
"""Silence kept before a sentence's speech onset and after its offset when a clip is trimmed."""
ONSET_THRESHOLD = 0.02
"""Speech onset/offset: the 5 ms RMS envelope first/last exceeds this fraction of its peak."""

JPEG_QUALITY = 88
MAX_SIDE_PX = 1024
CLIP_SEC = 6.0
CLIP_FPS = 25
CLIP_TRIM_IN_SEC = 1.0
CLIP_TRIM_OUT_SEC = 5.0
CLIP_CROSSFADE_SEC = 1.0
MUSIC_CHORD_SEC = 1.6


@dataclass(frozen=True)
class Scene:
    """One scene of the story: its id, the scikit-image photo, its narration sentences."""

    id: str
    photo: str
    sentences: tuple[str, ...]
    anchor_text: str
    """A distinctive phrase of the scene, verbatim from its sentences."""


SCENES: tuple[Scene, ...] = (
    Scene("astronaut", "astronaut",
          ("Meet Eileen, an astronaut who has trained for years to fly.",
           "She smiles in her orange flight suit, with the flag and a model shuttle "
           "behind her."),
          "orange flight suit, with the flag"),
    Scene("rocket", "rocket",
          ("On launch day, the rocket lifts off on a column of fire.",
           "White smoke rolls across the pad as the engines roar."),
          "rocket lifts off on a column of fire"),
    Scene("deep_field", "hubble_deep_field",
          ("High above the clouds, the sky turns black and deep.",
           "Thousands of distant galaxies glow like scattered jewels in the dark."),
          "distant galaxies glow like scattered jewels"),
    Scene("coffee", "coffee",
          ("Weeks later, back on Earth, the morning begins slowly.",
           "A cup of espresso waits on its red saucer, with a silver spoon."),
          "cup of espresso waits on its red saucer"),
    Scene("cat", "chelsea",
          ("Her tabby cat stares up with wide green eyes.",
           "Home, it turns out, was the best part of the journey."),
          "was the best part of the journey"),
)
START_CUE_WORDS = 5


def narration_text() -> str:
    """The whole narration script: every sentence in scene order, one paragraph."""
    return " ".join(s for scene in SCENES for s in scene.sentences)


def start_cue_text(scene: Scene) -> str:
    """The first `START_CUE_WORDS` words of the scene's first sentence, verbatim."""
    return " ".join(scene.sentences[0].split()[:START_CUE_WORDS])


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- stills -----------------------------------------------------------------------------------

def make_stills(out: Path) -> list[Path]:
    """Writes `scenes/NN_<id>.jpg` (JPEG q88, long side <= 1024 px); returns the paths."""
    scenes_dir = out / "scenes"
    scenes_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, scene in enumerate(SCENES, start=1):
        img = Image.fromarray(np.asarray(getattr(skdata, scene.photo)())[..., :3])
        if max(img.size) > MAX_SIDE_PX:
            img.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
        path = scenes_dir / f"{i:02d}_{scene.id}.jpg"
        img.save(path, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        paths.append(path)
    return paths


# --- narration --------------------------------------------------------------------------------

def speech_bounds(audio: np.ndarray, *, rate_hz: int) -> tuple[int, int]:
    """First and last sample of speech in a clip, by a 5 ms RMS envelope.

    audio: np.ndarray [shape=(n,)], float, mono. Returns (onset, offset) sample indexes.
    """
    win = max(1, int(0.005 * rate_hz))
    env = np.sqrt(np.convolve(audio.astype(np.float64) ** 2, np.ones(win) / win, mode="same"))
    above = np.flatnonzero(env > ONSET_THRESHOLD * env.max())
    if above.size == 0:
        raise RuntimeError("no speech in a synthesised sentence")
    return int(above[0]), int(above[-1]) + 1


def _silence(path: Path, seconds: float) -> None:
    sf.write(path, np.zeros(round(seconds * NARRATION_RATE_HZ), dtype=np.int16),
             NARRATION_RATE_HZ, subtype="PCM_16")


def make_narration(out: Path, work: Path) -> dict[str, Any]:
    """Synthesises `narration.wav` sentence by sentence and returns the truth record (ms)."""
    parts: list[Path] = []
    sentences: list[dict[str, Any]] = []
    scenes: list[dict[str, Any]] = []
    cursor = 0  # samples written so far
    lead = work / "lead.wav"
    _silence(lead, LEAD_IN_SEC)
    parts.append(lead)
    cursor += round(LEAD_IN_SEC * NARRATION_RATE_HZ)
    margin = round(EDGE_MARGIN_SEC * NARRATION_RATE_HZ)
    prev_offset = 0
    n = 0
    for si, scene in enumerate(SCENES):
        for ji, text in enumerate(scene.sentences):
            if n > 0:
                pause_sec = PAUSE_IN_SCENE_SEC if ji > 0 else PAUSE_BETWEEN_SCENES_SEC
                pause = work / f"pause_{n:02d}.wav"
                _silence(pause, pause_sec)
                parts.append(pause)
                cursor += round(pause_sec * NARRATION_RATE_HZ)
            raw = work / f"raw_{n:02d}.wav"
            _run(["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(raw), text])
            audio, rate = sf.read(raw, dtype="int16")
            if rate != NARRATION_RATE_HZ:
                raise RuntimeError(f"espeak-ng wrote {rate} Hz, expected {NARRATION_RATE_HZ}")
            on, off = speech_bounds(audio.astype(np.float64), rate_hz=rate)
            start, end = max(0, on - margin), min(len(audio), off + margin)
            clip = work / f"sent_{n:02d}.wav"
            sf.write(clip, audio[start:end], rate, subtype="PCM_16")
            parts.append(clip)
            onset = cursor + (on - start)
            offset = cursor + (off - start)
            record = {"index": n, "sceneIndex": si, "sceneId": scene.id, "text": text,
                      "onsetMs": _ms(onset), "offsetMs": _ms(offset),
                      "pauseBeforeStartMs": _ms(prev_offset)}
            sentences.append(record)
            if ji == 0:
                scenes.append({"index": si, "id": scene.id, "onsetMs": _ms(onset),
                               "pauseBeforeStartMs": _ms(prev_offset),
                               "startCueText": start_cue_text(scene)})
            prev_offset = offset
            cursor += end - start
            n += 1
    tail = work / "tail.wav"
    _silence(tail, TAIL_SEC)
    parts.append(tail)
    cursor += round(TAIL_SEC * NARRATION_RATE_HZ)
    target = out / "narration.wav"
    _run(["sox", "-R", *[str(p) for p in parts], "-b", "16", "-c", "1",
          "-r", str(NARRATION_RATE_HZ), str(target)])
    info = sf.info(target)
    if info.frames != cursor:
        raise RuntimeError(f"joined narration has {info.frames} samples, expected {cursor}")
    return {
        "audio": "narration.wav",
        "sampleRateHz": NARRATION_RATE_HZ,
        "durationMs": _ms(cursor),
        "voice": VOICE,
        "wordsPerMinute": WORDS_PER_MINUTE,
        "pausesSec": {"leadIn": LEAD_IN_SEC, "inScene": PAUSE_IN_SCENE_SEC,
                      "betweenScenes": PAUSE_BETWEEN_SCENES_SEC, "tail": TAIL_SEC},
        "note": ("onsetMs/offsetMs: speech onset/offset by energy (5 ms RMS above 2 % of the "
                 "sentence's peak). pauseBeforeStartMs: end of the speech before it; any cut in "
                 "[pauseBeforeStartMs, onsetMs] is editorially right. Scene 0 starts at 0 on the "
                 "timeline; its onsetMs is the first word."),
        "scenes": scenes,
        "sentences": sentences,
    }


def _ms(samples: int) -> int:
    return round(samples * 1000 / NARRATION_RATE_HZ)


# --- music and clip ---------------------------------------------------------------------------

CHORDS = (("C3", "E3", "G3", "C4"), ("A2", "C3", "E3", "A3"),
          ("F2", "A2", "C3", "F3"), ("G2", "B2", "D3", "G3"))


def make_music(out: Path, work: Path) -> float:
    """Writes `music_loop.wav` (44.1 kHz mono, four soft chords); returns its length in s."""
    chord_files = []
    for i, notes in enumerate(CHORDS):
        path = work / f"chord_{i}.wav"
        synth: list[str] = []
        for note in notes:
            synth += ["sine", note]
        _run(["sox", "-R", "-n", "-r", str(MUSIC_RATE_HZ), "-c", str(len(notes)), "-b", "16",
              str(path), "synth", str(MUSIC_CHORD_SEC), *synth,
              "fade", "h", "0.15", str(MUSIC_CHORD_SEC), "0.5", "vol", "0.45"])
        chord_files.append(str(path))
    target = out / "music_loop.wav"
    _run(["sox", "-R", *chord_files, "-b", "16", str(target), "remix", "-",
          "fade", "t", "0.3", "-0", "0.6"])
    info = sf.info(target)
    return info.frames / info.samplerate


def make_clip(out: Path, still: Path, music: Path) -> None:
    """Writes `clip.mp4`: a slow zoom over one still, 1280x720, 25 fps, H.264 + AAC."""
    frames = int(CLIP_SEC * CLIP_FPS)
    vf = (f"scale=2560:-2,crop=2560:1440,"
          f"zoompan=z='min(1+0.0016*on,1.25)':d={frames}:"
          f"x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s=1280x720:fps={CLIP_FPS},"
          f"format=yuv420p")
    _run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(still),
          "-i", str(music), "-filter:v", vf,
          "-af", f"afade=t=out:st={CLIP_SEC - 1.0}:d=1.0", "-t", str(CLIP_SEC),
          "-c:v", "libx264", "-preset", "medium", "-crf", "30", "-threads", "1",
          "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
          "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
          "-flags:a", "+bitexact", "-movflags", "+faststart", str(out / "clip.mp4")])


# --- request files ----------------------------------------------------------------------------

def compose_manifest(*, truth: dict[str, Any], still_paths: list[str],
                     music_sec: float) -> dict[str, Any]:
    """The Compose OTIO manifest of the sample project (contract §2.1), timings in seconds.

    Each still lasts until the next scene's speech onset (scene 0 from 0), the last one until
    the end of the narration; the clip follows as an outro under the music.
    """
    narration_sec = truth["durationMs"] / 1000
    starts = [0.0] + [s["onsetMs"] / 1000 for s in truth["scenes"][1:]]
    ends = [*starts[1:], narration_sec]
    items: list[dict[str, Any]] = [
        {"id": scene.id, "kind": "image", "path": path}
        for scene, path in zip(SCENES, still_paths, strict=True)]
    items += [
        {"id": "clip", "kind": "video", "path": "clip.mp4", "durationSec": CLIP_SEC},
        {"id": "narration", "kind": "audio", "path": "narration.wav",
         "durationSec": narration_sec},
        {"id": "music", "kind": "audio", "path": "music_loop.wav",
         "durationSec": round(music_sec, 3)},
    ]
    sequence: list[dict[str, Any]] = []
    for i, scene in enumerate(SCENES):
        entry: dict[str, Any] = {"itemId": scene.id,
                                 "durationSec": round(ends[i] - starts[i], 3)}
        if scene.id == "deep_field":
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 0.5}
        sequence.append(entry)
    sequence.append({"itemId": "clip",
                     "trim": {"inSec": CLIP_TRIM_IN_SEC, "outSec": CLIP_TRIM_OUT_SEC},
                     "transitionIn": {"type": "crossfade", "durationSec": CLIP_CROSSFADE_SEC},
                     "clipNameHint": "outro zoom"})
    total_sec = narration_sec + (CLIP_TRIM_OUT_SEC - CLIP_TRIM_IN_SEC)
    return {
        "project": {"name": "Home from orbit", "fps": 25,
                    "resolution": {"w": 1920, "h": 1080}, "audioSampleRate": 48000},
        "folder": {"items": items},
        "intent": {
            "sequence": sequence,
            "audioLayers": [
                {"itemId": "narration", "fromSec": 0, "toSec": narration_sec,
                 "trackId": "narration", "role": "narration"},
                {"itemId": "music", "fromSec": 0, "toSec": round(total_sec, 3),
                 "trackId": "music", "role": "music", "placement": "loopToFit"},
            ],
        },
        "output": {"targetConsumer": "generic"},
    }


def describe_metadata() -> dict[str, Any]:
    """The Describe Scenes `metadata` of the sample project."""
    return {"narrationText": narration_text(), "sceneIds": [s.id for s in SCENES]}


def timestamps_metadata() -> dict[str, Any]:
    """The Scene Timestamps `metadata` of the sample project."""
    return {"scenes": [{"id": s.id, "startCueText": start_cue_text(s),
                        "anchorText": s.anchor_text} for s in SCENES],
            "narrationText": narration_text(), "languageCode": "en"}


def make_all(out: Path) -> None:
    """Writes every sample file into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="postprod-samples-"))
    try:
        (out / "narration.txt").write_text(narration_text() + "\n", encoding="utf-8")
        _write_json(out / "describe_metadata.json", describe_metadata())
        _write_json(out / "timestamps_metadata.json", timestamps_metadata())
        stills = make_stills(out)
        truth = make_narration(out, work)
        _write_json(out / "narration_truth.json", truth)
        music_sec = make_music(out, work)
        make_clip(out, stills[2], out / "music_loop.wav")
        rel = [p.relative_to(out).as_posix() for p in stills]
        _write_json(out / "compose.json",
                    compose_manifest(truth=truth, still_paths=rel, music_sec=music_sec))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args()
    make_all(args.out)


if __name__ == "__main__":
    main()
