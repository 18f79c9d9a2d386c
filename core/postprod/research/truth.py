"""Truth for tuning: narrations with the true start of every scene (the sample project, the
human dev speech, your own hand-marked recordings, synthetic corpus items), and the true
character span of each scene in a narration."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..samples import sample_media_dir


@dataclass(frozen=True)
class CutTruth:
    """Where a scene truly starts in a narration (times in ms from the start of the audio).

    Attributes:
        scene_index: 0-based scene index.
        scene_id: the scene's id.
        onset_ms: speech onset of the scene's first word: the contract's true cut.
        pause_start_ms: end of the speech before it; an editor may cut anywhere in
            [pause_start_ms, onset_ms]; None when the truth does not say.
        pause_is_truth: the marks were placed by hand somewhere in the pause (not at the
            onset): a cut anywhere in [pause_start_ms, onset_ms] is exact, and a window that
            meets the pause holds the truth.
    """

    scene_index: int
    scene_id: str
    onset_ms: int
    pause_start_ms: int | None = None
    pause_is_truth: bool = False



@dataclass(frozen=True)
class NarrationTruth:
    """A narration recording with the true start of every scene.

    Attributes:
        audio: path of the narration audio.
        metadata: the Scene Timestamps `metadata` (JSON-ready dict) for it.
        duration_ms: length of the audio, ms.
        cuts: one truth per scene, scene 0 included (its cut is the start of the timeline).
    """

    audio: Path
    metadata: dict[str, Any]
    duration_ms: int
    cuts: tuple[CutTruth, ...]



def load_truth(*, truth_path: str | Path, metadata_path: str | Path,
               audio_path: str | Path | None = None) -> NarrationTruth:
    """Reads a truth file in the sample project's format (`narration_truth.json`: `scenes[]`
    with `id`, `onsetMs`, `pauseBeforeStartMs`; `durationMs`; `audio`) and its Scene
    Timestamps metadata. This is also the format for a user's own recording + truth.
    """
    truth_path = Path(truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    audio = Path(audio_path) if audio_path is not None else truth_path.parent / truth["audio"]
    cuts = tuple(CutTruth(scene_index=i, scene_id=s["id"], onset_ms=int(s["onsetMs"]),
                          pause_start_ms=(int(s["pauseBeforeStartMs"])
                                          if "pauseBeforeStartMs" in s else None))
                 for i, s in enumerate(truth["scenes"]))
    ids = [s.get("id") for s in metadata["scenes"]]
    if len(ids) != len(cuts):
        raise ValueError(f"truth has {len(cuts)} scenes, metadata {len(ids)}")
    return NarrationTruth(audio=audio, metadata=metadata, duration_ms=int(truth["durationMs"]),
                          cuts=cuts)



def truth_from_corpus_item(item: Any) -> NarrationTruth:
    """A `NarrationTruth` from a corpus item (`postprod.research.speech_corpus.CorpusItem`:
    `audio_path`, `request`, `true_starts_ms`, `duration_sec`, and `true_pauses_ms` where the
    item has it). Synthetic items have onset truth and no pauses; an item whose
    `true_pauses_ms` gives a pause per scene has pause truth (hand marks inside the pause)."""
    ids = [s.get("id") or f"scene-{i}" for i, s in enumerate(item.request["scenes"])]
    pauses = getattr(item, "true_pauses_ms", None)
    cuts = []
    for i, ms in enumerate(item.true_starts_ms):
        pause = pauses[i] if pauses is not None else None
        in_pause = pause is not None and int(pause[1]) > int(pause[0])
        cuts.append(CutTruth(scene_index=i, scene_id=ids[i], onset_ms=int(ms),
                             pause_start_ms=int(pause[0]) if in_pause and pause else None,
                             pause_is_truth=in_pause))
    duration = float(item.duration_sec or 0.0)
    if duration <= 0:  # a hand-marked recording whose JSON left it out
        import soundfile

        duration = float(soundfile.info(str(item.audio_path)).duration)
    return NarrationTruth(audio=Path(item.audio_path), metadata=dict(item.request),
                          duration_ms=round(duration * 1000), cuts=tuple(cuts))



def sample_truth(folder: str | Path | None = None) -> NarrationTruth:
    """The sample project's narration with its measured truth."""
    root = Path(folder) if folder is not None else sample_media_dir()
    return load_truth(truth_path=root / "narration_truth.json",
                      metadata_path=root / "timestamps_metadata.json")



def true_scene_spans(narration: str, sentences: Sequence[Mapping[str, Any]]
                     ) -> list[tuple[int, int]]:
    """Each scene's true `[start, end)` character range in `narration`, from truth sentences
    (`{"sceneIndex", "text"}` in narration order, as in `narration_truth.json`), each located
    verbatim after the previous one. Raises ValueError when a sentence is not found."""
    spans: dict[int, tuple[int, int]] = {}
    pos = 0
    for s in sentences:
        at = narration.find(s["text"], pos)
        if at < 0:
            raise ValueError(f"sentence not found in the narration: {s['text']!r}")
        end = at + len(s["text"])
        k = int(s["sceneIndex"])
        spans[k] = (spans[k][0], end) if k in spans else (at, end)
        pos = end
    return [spans[k] for k in sorted(spans)]



def dev_speech_dir(start: str | Path | None = None) -> Path | None:
    """The human dev speech folder (``shared/dev-speech`` beside the repository), or None.

    Looked up as ``$POSTPROD_DEV_SPEECH``, then ``shared/dev-speech`` in the parents of the
    checkout and of ``start`` (default: the current directory); a folder counts when it holds
    ``INDEX.md``.
    """
    import os

    env = os.environ.get("POSTPROD_DEV_SPEECH")
    if env:
        return Path(env) if (Path(env) / "INDEX.md").is_file() else None
    repo = Path(__file__).resolve().parents[3]
    here = Path(start or Path.cwd()).resolve()
    for root in (*repo.parents, here, *here.parents):
        folder = root / "shared" / "dev-speech"
        if (folder / "INDEX.md").is_file():
            return folder
    return None



def human_truths(work_dir: str | Path, *, root: str | Path | None = None,
                 sources: Sequence[str] = ("timit",), splits: Sequence[str] = ("tune",),
                 conditions: Sequence[str] = ("clean",)) -> dict[str, NarrationTruth]:
    """Narrations of the human dev speech with their hand-marked truth (one per source, split
    and condition), built into ``work_dir`` by `postprod.research.dev_speech.load_dev_speech`.

    TIMIT items carry onset truth; Moby-Dick and MFA items pause truth (hand marks inside the
    pause; see `CutTruth.pause_is_truth`). Tune on ``tune``, check on ``held``.
    """
    from .dev_speech import load_dev_speech

    items = load_dev_speech(work_dir, root=root, sources=tuple(sources), splits=tuple(splits),
                            conditions=tuple(conditions))
    return {item.name: truth_from_corpus_item(item) for item in items}



def marked_truths(folder: str | Path) -> dict[str, NarrationTruth]:
    """Your own recordings with hand-marked cuts, in the corpus's format
    (`postprod.research.speech_corpus.load_marked`: ``NAME.json`` = ``{"request": <Scene Timestamps
    metadata>, "trueStartsMs": [...]}`` beside ``NAME.wav``/``.flac``/``.mp3``/...)."""
    from .speech_corpus import load_marked

    return {item.name: truth_from_corpus_item(item) for item in load_marked(folder)}
