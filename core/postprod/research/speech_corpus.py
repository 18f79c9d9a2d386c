"""A synthetic narration corpus with exact truth, built offline (espeak-ng + sox), for the
benchmark, the calibration and the notebooks.

Truth: the true cut of a scene is the acoustic onset of the first word of its first scripted
sentence: the first 1 ms block of that sentence's own synthesised audio (before any noise or
music is mixed in) whose peak exceeds 1 % of the sentence's peak amplitude. Narrator
departures (asides, repeated openings) never precede a scene's first sentence except the
"chapter" aside, which is spoken before a scene and is not part of it.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .corpus_texts import ASIDES, DEV_PARAGRAPHS, TEST_PARAGRAPHS

RATE = 22_050
"""Sample rate of the corpus files, Hz (espeak-ng's own; the aligner resamples)."""

Preset = Literal["quick", "full", "dev", "hour"]

ROOM_TONE_SNR_DB = 45.0
"""Level of the noise floor under every narration, dB below the active speech level. Real
recordings never hold digital silence (room tone, preamp hiss: ≈ 35–55 dB down at home or in a
booth); pauses of pure zeros make onsets unrealistically easy to find."""

LONG_SEC = 600.0
"""Narrations longer than this are written as 16 kHz FLAC (shorter ones as 22.05 kHz WAV)."""

MP3_SEC = 1500.0
"""Narrations longer than this are delivered as MP3 (see `DELIVERIES`): an hour of FLAC would
exceed the 25 MB limit, and an hour-long narration is delivered compressed."""

DELIVERIES: dict[str, tuple[str, list[str]]] = {
    "mp3": (".mp3", ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "48k"]),
    "m4a": (".m4a", ["-ar", "22050", "-c:a", "aac", "-b:a", "64k"]),
    "opus": (".ogg", ["-c:a", "libopus", "-b:a", "32k"]),
}
"""Lossy deliveries (suffix, ffmpeg encoder arguments), at low speech bitrates: 16 kHz MP3 at
48 kbit/s, AAC-LC in M4A at 64 kbit/s, Opus at 32 kbit/s. Their transients smear (an MP3's
pre-echo reaches up to a granule before an onset), which the windows must know."""


@dataclass(frozen=True)
class ItemSpec:
    """How one narration is made.

    Attributes:
        name: file stem.
        paragraphs: (set, first, end) slice of `DEV_PARAGRAPHS`/`TEST_PARAGRAPHS`.
        voice: espeak-ng voice.
        wpm: speaking rate, words per minute.
        condition: ``clean``, ``noise`` (white noise at 10 dB SNR over active speech) or
            ``music`` (a sox-synthesised pad 18 dB under active speech).
        departures: narrator departures from the script (asides, skips, repeats).
        scene_sec: (min, max) scene length, seconds.
        seed: random seed of pauses, scene lengths, departures and cue lengths.
        readings: the paragraphs are read this many times in a row, reading r starting
            r/readings of the way through them (an hour-long narration from the same texts:
            every cue then occurs ``readings`` times, in different company).
        delivery: ``pcm`` (WAV, or 16 kHz FLAC beyond `LONG_SEC`; MP3 beyond `MP3_SEC`) or a
            lossy codec of `DELIVERIES`.
    """

    name: str
    paragraphs: tuple[str, int, int]
    voice: str
    wpm: int
    condition: str
    departures: bool
    scene_sec: tuple[float, float]
    seed: int
    readings: int = 1
    delivery: str = "pcm"


@dataclass
class CorpusItem:
    """One narration with its request and its truth.

    Attributes:
        name: item name.
        audio_path: 22.05 kHz mono WAV, or 16 kHz FLAC beyond `LONG_SEC`.
        request: Scene Timestamps `metadata` (camelCase JSON data) with `narrationText`.
        true_starts_ms: per scene, the true cut in ms from the start of the audio.
        duration_sec: audio length, seconds.
        spec: how it was made (None for a recording whose cuts were marked by hand).
        departures: what the narrator did differently from the script.
        true_pauses_ms: None (onset truth), or per scene the (start, end) ms of the pause
            before it in which any cut is right (hand marks that sit mid-pause); the end is
            the onset in `true_starts_ms`.
        source: ``synthetic``, or the dev-speech source (``timit``, ``moby``, ``mfa``).
        split: ``tune`` or ``held`` for dev speech (never tuned on ``held``).
        condition: ``clean``, ``noise``, ``music``, ``noise+music`` or ``mp3`` (dev speech).
    """

    name: str
    audio_path: Path
    request: dict[str, Any]
    true_starts_ms: list[int]
    duration_sec: float
    spec: ItemSpec | None
    departures: list[str] = field(default_factory=list)
    true_pauses_ms: list[tuple[int, int]] | None = None
    source: str = "synthetic"
    split: str = ""
    condition: str = ""

    def request_without_narration(self) -> dict[str, Any]:
        """The same request with `narrationText` left out (cues only)."""
        return {k: v for k, v in self.request.items() if k != "narrationText"}


PRESETS: dict[str, list[ItemSpec]] = {
    "quick": [
        ItemSpec("quick-clean", ("test", 0, 5), "en-us", 165, "clean", True, (8, 25), 11),
        ItemSpec("quick-noise", ("test", 5, 9), "en-gb-x-rp", 150, "noise", True, (8, 25), 12),
    ],
    "full": [
        ItemSpec("long-20min", ("test", 0, 36), "en-us", 100, "clean", True, (8, 25), 21),
        ItemSpec("noise-rp", ("test", 0, 8), "en-gb-x-rp", 150, "noise", True, (8, 25), 22),
        ItemSpec("music-en", ("test", 8, 16), "en", 170, "music", True, (8, 25), 23),
        ItemSpec("fast-f3", ("test", 16, 24), "en-us+f3", 185, "clean", True, (8, 25), 24),
        ItemSpec("noise-music", ("test", 24, 36), "en-029", 145, "noise+music", True, (8, 25),
                 25),
        ItemSpec("mp3-gb", ("test", 16, 24), "en-gb", 160, "clean", True, (8, 25), 26,
                 delivery="mp3"),
    ],
    "dev": [
        ItemSpec("dev-clean", ("dev", 0, 8), "en-us", 160, "clean", True, (4, 12), 101),
        ItemSpec("dev-noise", ("dev", 0, 8), "en-gb-x-rp", 150, "noise", True, (4, 12), 102),
        ItemSpec("dev-music", ("dev", 0, 8), "en", 175, "music", True, (4, 12), 103),
        ItemSpec("dev-fast", ("dev", 0, 8), "en-us+f3", 190, "clean", True, (4, 12), 104),
        ItemSpec("dev-mix", ("dev", 0, 8), "en-029", 140, "noise+music", True, (4, 12), 105),
        ItemSpec("dev-slow", ("dev", 0, 8), "en-gb-scotland", 105, "clean", True, (4, 12), 106),
        ItemSpec("dev-music2", ("dev", 0, 8), "en-gb-x-gbclan", 160, "music", True, (4, 12),
                 107),
        ItemSpec("dev-mp3", ("dev", 0, 8), "en-gb", 155, "clean", True, (4, 12), 108,
                 delivery="mp3"),
        ItemSpec("dev-m4a", ("dev", 0, 8), "en-us+m3", 170, "music", True, (4, 12), 109,
                 delivery="m4a"),
        ItemSpec("dev-opus", ("dev", 0, 8), "en-gb-x-rp", 125, "clean", True, (4, 12), 110,
                 delivery="opus"),
    ],
    "hour": [
        ItemSpec("hour-3x", ("test", 0, 36), "en-us", 112, "clean", True, (8, 25), 31,
                 readings=3),
    ],
}
"""Corpus presets; `dev` (calibration) shares no paragraph and no seed with the others; `hour`
is one narration of just under 60 minutes (the enterprise limit), for memory and drift."""

_ABBREVIATIONS = {"Mr.", "Mrs.", "Dr.", "St.", "Ms.", "Prof."}
_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph (split after . ! ? before a capital)."""
    out: list[str] = []
    for piece in _SENT_RE.split(paragraph):
        piece = piece.strip()
        if not piece:
            continue
        if out and out[-1].split()[-1] in _ABBREVIATIONS:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _require_tools() -> None:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (Debian package {tool})")


def synthesize(text: str, *, voice: str, wpm: int) -> np.ndarray:
    """espeak-ng speech for ``text``: np.ndarray [shape=(n,)], float32, 22.05 kHz mono."""
    import soundfile as sf

    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         capture_output=True, check=True).stdout
    x, sr = sf.read(io.BytesIO(wav), dtype="float32")
    if sr != RATE:
        raise RuntimeError(f"espeak-ng produced {sr} Hz, expected {RATE}")
    return np.asarray(x, dtype=np.float32).reshape(-1)


def speech_onset(x: np.ndarray) -> int:
    """First sample of the first 1 ms block whose peak exceeds 1 % of ``x``'s peak."""
    block = RATE // 1000
    n = len(x) // block
    peaks = np.abs(x[: n * block]).reshape(n, block).max(axis=1)
    over = np.nonzero(peaks > 0.01 * float(np.abs(x).max()))[0]
    return int(over[0]) * block if len(over) else 0


def _word_freq() -> Counter[str]:
    words = re.findall(r"[a-z']+", " ".join(DEV_PARAGRAPHS + TEST_PARAGRAPHS).lower())
    return Counter(words)


def _least_common_phrase(text: str, length: int, freq: Counter[str]) -> str:
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if len(spans) <= length:
        return text
    best = None
    for i in range(len(spans) - length + 1):
        words = [text[a:b] for a, b in spans[i:i + length]]
        keys = [re.sub(r"[^a-z']", "", w.lower()) for w in words]
        score = sum(math.log(freq.get(k, 1)) for k in keys) / length
        if best is None or score < best[0]:
            best = (score, i)
    assert best is not None
    i = best[1]
    return text[spans[i][0]: spans[i + length - 1][1]]


def _room_tone(n: int, *, seed: int) -> np.ndarray:
    """``n`` samples of unit-RMS room tone: white noise through a one-pole low-pass (≈ 1 kHz
    corner at 22.05 kHz), its own generator so the item's other random draws are unchanged."""
    from scipy.signal import lfilter

    white = np.random.default_rng(10_000 + seed).standard_normal(n)
    tone = np.asarray(lfilter([0.25], [1.0, -0.75], white), dtype=np.float64)
    return (tone / max(float(np.sqrt(np.mean(np.square(tone)))), 1e-12)).astype(np.float32)


def _active_rms(x: np.ndarray) -> float:
    block = RATE // 50
    n = len(x) // block
    rms = np.sqrt(np.mean(np.square(x[: n * block].reshape(n, block)), axis=1) + 1e-20)
    active = rms[rms > 0.03 * rms.max()]
    return float(np.sqrt(np.mean(np.square(active)))) if len(active) else 1e-6


def _music_bed(seconds: float, work: Path, *, rate: int = RATE) -> np.ndarray:
    import soundfile as sf

    path = work / "bed.wav"
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", "3", str(path), "synth",
                    f"{seconds:.3f}", "sine", "196", "sine", "247", "sine", "294",
                    "tremolo", "0.25", "70", "remix", "-", "gain", "-n", "-12"],
                   check=True, capture_output=True)
    bed, _ = sf.read(str(path), dtype="float32")
    path.unlink()
    return np.asarray(bed, dtype=np.float32).reshape(-1)


def build_item(spec: ItemSpec, out_dir: Path) -> CorpusItem:
    """Synthesise one narration, its request and its truth into ``out_dir``."""
    import soundfile as sf

    _require_tools()
    rng = np.random.default_rng(spec.seed)
    source = DEV_PARAGRAPHS if spec.paragraphs[0] == "dev" else TEST_PARAGRAPHS
    paragraphs = list(source[spec.paragraphs[1]: spec.paragraphs[2]])
    if spec.readings > 1:
        step = len(paragraphs) // spec.readings
        paragraphs = [p for r in range(spec.readings)
                      for p in paragraphs[r * step:] + paragraphs[:r * step]]
    sentences: list[tuple[int, str]] = [(p, s) for p, para in enumerate(paragraphs)
                                        for s in split_sentences(para)]
    audio = [synthesize(s, voice=spec.voice, wpm=spec.wpm) for _, s in sentences]
    # Scenes: consecutive sentences in blocks of scene_sec, new paragraphs preferred.
    starts_idx: list[int] = [0]
    target = rng.uniform(*spec.scene_sec)
    acc = 0.0
    for k in range(len(sentences)):
        dur = len(audio[k]) / RATE + 0.6
        new_para = k > 0 and sentences[k][0] != sentences[k - 1][0]
        if k > 0 and (acc + dur > target or (new_para and acc >= spec.scene_sec[0])):
            starts_idx.append(k)
            target = rng.uniform(*spec.scene_sec)
            acc = 0.0
        acc += dur
    scene_first = set(starts_idx)
    # Departures: asides, skipped clauses and repeated openings, away from scene openings
    # (except one aside spoken before a scene, as a chapter announcement would be).
    spoken: list[list[np.ndarray]] = [[a] for a in audio]
    notes: list[str] = []
    if spec.departures:
        inner = [k for k in range(1, len(sentences)) if k not in scene_first]
        count = min(len(inner), max(3, len(sentences) // 12))
        picks: list[int] | np.ndarray = (rng.choice(inner, size=count, replace=False)
                                         if inner else [])
        for j, k in enumerate(sorted(int(p) for p in picks)):
            text = sentences[k][1]
            words = text.split()
            kind = ("aside", "skip", "repeat")[j % 3]
            if kind == "aside":
                aside = ASIDES[int(rng.integers(len(ASIDES)))]
                spoken[k] = [synthesize(aside, voice=spec.voice, wpm=spec.wpm),
                             np.zeros(int(RATE * 0.4), np.float32), audio[k]]
                notes.append(f"aside before sentence {k}: {aside!r}")
            elif kind == "skip" and len(words) >= 8:
                a = len(words) // 3
                b = a + max(2, len(words) // 4)
                said = " ".join(words[:a] + words[b:])
                spoken[k] = [synthesize(said, voice=spec.voice, wpm=spec.wpm)]
                notes.append(f"skipped {' '.join(words[a:b])!r} in sentence {k}")
            else:
                head = " ".join(words[: min(4, len(words))])
                spoken[k] = [synthesize(head, voice=spec.voice, wpm=spec.wpm),
                             np.zeros(int(RATE * 0.3), np.float32), audio[k]]
                notes.append(f"repeated opening {head!r} of sentence {k}")
        chapter_scenes = [k for k in starts_idx[2:]]
        if chapter_scenes:
            k = chapter_scenes[int(rng.integers(len(chapter_scenes)))]
            spoken[k] = [synthesize(ASIDES[0], voice=spec.voice, wpm=spec.wpm),
                         np.zeros(int(RATE * 0.8), np.float32), *spoken[k]]
            notes.append(f"chapter announcement before scene sentence {k}")
    # Assemble with varied pauses; longer at paragraph breaks.
    pieces: list[np.ndarray] = [np.zeros(int(RATE * rng.uniform(0.3, 1.0)), np.float32)]
    pos = len(pieces[0])
    onsets: list[int] = []
    for k in range(len(sentences)):
        if k > 0:
            para_break = sentences[k][0] != sentences[k - 1][0]
            gap = rng.uniform(1.2, 3.0) if para_break else rng.uniform(0.15, 0.9)
            z = np.zeros(int(RATE * gap), np.float32)
            pieces.append(z)
            pos += len(z)
        for part in spoken[k][:-1]:
            pieces.append(part)
            pos += len(part)
        onsets.append(pos + speech_onset(spoken[k][-1]))
        pieces.append(spoken[k][-1])
        pos += len(spoken[k][-1])
    pieces.append(np.zeros(int(RATE * 1.0), np.float32))
    speech = np.concatenate(pieces)
    level = _active_rms(speech)
    mix = speech + _room_tone(len(speech), seed=spec.seed) * (
        level / 10 ** (ROOM_TONE_SNR_DB / 20))
    if "noise" in spec.condition:
        noise = rng.standard_normal(len(speech)).astype(np.float32)
        mix += noise * (level / 10 ** (10 / 20))
    if "music" in spec.condition:
        with _workdir(out_dir) as work:
            bed = _music_bed(len(speech) / RATE + 0.1, work)[: len(speech)]
        bed = np.pad(bed, (0, len(speech) - len(bed)))
        mix += bed * (level / 10 ** (18 / 20) / max(_active_rms(bed), 1e-9))
    peak = float(np.abs(mix).max())
    if peak > 0.98:
        mix *= 0.98 / peak
    out_dir.mkdir(parents=True, exist_ok=True)
    delivery = "mp3" if spec.delivery == "pcm" and len(mix) / RATE > MP3_SEC else spec.delivery
    if delivery != "pcm":
        audio_path = _write_lossy(mix, out_dir / spec.name, delivery)
    elif len(mix) / RATE > LONG_SEC:
        # As a long narration is delivered: compressed and at 16 kHz, under the 25 MB limit.
        import librosa

        audio_path = out_dir / f"{spec.name}.flac"
        sf.write(str(audio_path), librosa.resample(mix, orig_sr=RATE, target_sr=16_000),
                 16_000, subtype="PCM_16")
    else:
        audio_path = out_dir / f"{spec.name}.wav"
        sf.write(str(audio_path), mix, RATE, subtype="PCM_16")
    # Cues from the script (verbatim), truth from the synthesis.
    freq = _word_freq()
    script = "\n\n".join(paragraphs)
    scenes = []
    for n_scene, first in enumerate(starts_idx):
        last = starts_idx[n_scene + 1] if n_scene + 1 < len(starts_idx) else len(sentences)
        text = " ".join(s for _, s in sentences[first:last])
        words = sentences[first][1].split()
        cue = " ".join(words[: int(rng.integers(4, 7))])
        anchor = _least_common_phrase(text, int(rng.integers(5, 9)), freq)
        scenes.append({"id": f"{spec.name}-{n_scene}", "startCueText": cue,
                       "anchorText": anchor})
    request = {"scenes": scenes, "languageCode": "en", "narrationText": script}
    truth = [0] + [round(onsets[k] * 1000 / RATE) for k in starts_idx[1:]]
    item = CorpusItem(name=spec.name, audio_path=audio_path, request=request,
                      true_starts_ms=truth, duration_sec=len(mix) / RATE, spec=spec,
                      departures=notes)
    (out_dir / f"{spec.name}.json").write_text(json.dumps(
        {"request": request, "trueStartsMs": truth, "durationSec": item.duration_sec,
         "spec": asdict(spec), "departures": notes}, indent=1))
    return item


def _write_lossy(mix: np.ndarray, stem: Path, delivery: str, *, rate: int = RATE) -> Path:
    """``mix`` (float32 mono at ``rate`` Hz) encoded by ffmpeg as ``delivery`` (`DELIVERIES`)."""
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is not installed (Debian package ffmpeg)")
    suffix, args = DELIVERIES[delivery]
    path = stem.with_suffix(suffix)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", "1",
                    "-i", "-", *args, str(path)],
                   input=mix.astype(np.float32).tobytes(), check=True, capture_output=True)
    return path


class _workdir:
    def __init__(self, root: Path) -> None:
        self.path = root / ".work"

    def __enter__(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus")


def load_marked(folder: str | Path) -> list[CorpusItem]:
    """Recordings with hand-marked cuts, in the corpus's own format: per narration
    ``NAME.json`` = ``{"request": <Scene Timestamps metadata>, "trueStartsMs": [...]}`` (one
    true cut per scene, ms from the start of the audio, scene 0 first) beside ``NAME.<audio>``.

    Raises:
        ValueError: a JSON without its audio, or truth that does not fit its scenes.
    """
    items = []
    for meta_path in sorted(Path(folder).glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        audio = next((meta_path.with_suffix(x) for x in AUDIO_SUFFIXES
                      if meta_path.with_suffix(x).is_file()), None)
        if audio is None:
            raise ValueError(f"{meta_path.name}: no audio beside it (NAME + one of "
                             f"{', '.join(AUDIO_SUFFIXES)})")
        request, truth = meta.get("request"), meta.get("trueStartsMs")
        if not isinstance(request, dict) or not isinstance(truth, list) or len(truth) != len(
                request.get("scenes", [])):
            raise ValueError(f"{meta_path.name}: needs \"request\" (Scene Timestamps metadata) "
                             "and \"trueStartsMs\" with one time per scene")
        items.append(CorpusItem(name=meta_path.stem, audio_path=audio, request=request,
                                true_starts_ms=[int(t) for t in truth],
                                duration_sec=float(meta.get("durationSec", 0.0)), spec=None))
    if not items:
        raise ValueError(f"{folder}: no NAME.json with NAME.<audio> beside it")
    return items


def build_corpus(out_dir: str | Path, *, preset: Preset = "quick", seed: int = 0
                 ) -> list[CorpusItem]:
    """Build every item of ``preset`` into ``out_dir`` (WAV + JSON per item).

    Args:
        out_dir: folder for the files (created).
        preset: ``quick`` (≈5 min of audio), ``full`` (≈45 min incl. one ≥ 20 min file) or
            ``dev`` (the calibration set; no paragraph or seed shared with the others).
        seed: added to every item's seed (0 = the published corpus).
    """
    out = Path(out_dir)
    specs = PRESETS[preset]
    items = []
    for spec in specs:
        if seed:
            spec = ItemSpec(**{**asdict(spec), "seed": spec.seed + 1000 * seed})
        items.append(build_item(spec, out))
    return items
