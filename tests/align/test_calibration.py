"""Window calibration: split-conformal bounds per class, local-SNR bands, the lookup order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from postprod.align.calibration import (
    CALIBRATION_FILE,
    ClassStats,
    band_class,
    fit_class,
    snr_band,
    stats_for,
)


def test_the_window_is_the_shortest_run_holding_the_conformal_count() -> None:
    """1..100 ms: shift 50 (median, whole ms); every run of ceil(101 × 90 %) = 91 residuals is
    90 ms wide, and the one centred on the shift wins. Skewed errors (a tail of late cuts):
    the window keeps the dense side instead of spending width on the tail."""
    st = fit_class([float(x) for x in range(1, 101)], min_half_width_ms=1.0)
    assert st == ClassStats(shift_ms=50.0, lo_ms=-45.0, hi_ms=45.0, p250=1.0, n=100)
    skewed = [0.0] * 50 + [1.0] * 30 + [2.0] * 10 + [float(x) for x in range(10, 20)]
    st = fit_class(skewed, min_half_width_ms=1.0)
    assert (st.shift_ms, st.lo_ms, st.hi_ms) == (0.0, -1.0, 10.0)


def test_few_cuts_take_the_extremes_and_the_floor() -> None:
    st = fit_class([0.0, 10.0, 20.0], min_half_width_ms=20.0)
    assert (st.shift_ms, st.lo_ms, st.hi_ms, st.n) == (10.0, -20.0, 20.0, 3)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n", [20, 57, 300])
def test_the_window_holds_at_least_ninety_percent_of_its_own_cuts(seed: int, n: int) -> None:
    r = np.round(np.random.default_rng(seed).standard_t(3, size=n) * 30.0)
    st = fit_class(r.tolist(), min_half_width_ms=1.0)
    inside = (r - st.shift_ms >= st.lo_ms) & (r - st.shift_ms <= st.hi_ms)
    assert inside.mean() >= 0.9
    assert st.lo_ms <= 0.0 <= st.hi_ms


def test_snr_bands_split_noisy_pauses_from_quiet_ones() -> None:
    assert snr_band(None) == "no onset"
    assert snr_band(8.0) == "snr<20"
    assert snr_band(20.0) == snr_band(45.0) == "snr>=20"
    assert band_class("script:startCue:onset", 8.0) == "*:startCue:onset:snr<20"
    assert band_class("cues:startCue:onset", 45.0) == "*:startCue:onset:snr>=20"
    assert band_class("script:startCue:raw", 8.0) is None
    assert band_class("script:startCue:onset", None) is None


def test_a_lossy_source_takes_its_own_quiet_band_and_falls_back_to_the_plain_one() -> None:
    """MP3/AAC/Opus transients smear: quiet-pause cuts of a lossy source get the lossy band
    (fitted on dev items delivered lossily); a band without a lossy fit uses the plain one."""
    table = json.loads(CALIBRATION_FILE.read_text())["models"]["base"]
    assert band_class("cues:startCue:onset", 45.0, lossy=True) == "*:startCue:onset:snr>=20:lossy"
    lossy = stats_for("cues:startCue:onset", model="base", snr_db=45.0, lossy=True)
    assert lossy == ClassStats(**table["*:startCue:onset:snr>=20:lossy"])
    plain = stats_for("cues:startCue:onset", model="base", snr_db=45.0)
    assert lossy.hi_ms - lossy.lo_ms > plain.hi_ms - plain.lo_ms
    assert "*:startCue:onset:snr<20:lossy" not in table  # no noisy lossy dev item
    assert stats_for("cues:startCue:onset", model="base", snr_db=8.0, lossy=True) == ClassStats(
        **table["*:startCue:onset:snr<20"])


def test_a_refined_cut_takes_its_band_then_its_class_from_the_shipped_table() -> None:
    table = json.loads(CALIBRATION_FILE.read_text())["models"]["base"]
    for snr, band in ((8.0, "*:startCue:onset:snr<20"), (45.0, "*:startCue:onset:snr>=20")):
        assert stats_for("script:startCue:onset", model="base", snr_db=snr) == ClassStats(
            **table[band])
    assert stats_for("script:startCue:onset", model="base") == ClassStats(
        **table["script:startCue:onset"])
    # Uncalibrated: the fixed default whatever the band.
    off = stats_for("script:startCue:onset", model="base", snr_db=8.0, calibrated=False)
    assert (off.lo_ms, off.hi_ms) == (-250.0, 250.0)
    # The noisy band is wider than the quiet one on the shipped table.
    quiet = stats_for("cues:startCue:onset", model="base", snr_db=45.0)
    noisy = stats_for("cues:startCue:onset", model="base", snr_db=8.0)
    assert noisy.hi_ms - noisy.lo_ms > quiet.hi_ms - quiet.lo_ms


def _marked_folder(folder, narration) -> None:  # type: ignore[no-untyped-def]
    """The test narration as a recording with hand-marked cuts (the corpus's own format)."""
    import shutil

    from .conftest import SCENE_SENTENCE, scene_request

    folder.mkdir()
    shutil.copy(narration.path, folder / "reading.wav")
    truth = [0] + [narration.onsets_ms[k] for k in SCENE_SENTENCE[1:]]
    (folder / "reading.json").write_text(json.dumps(
        {"request": scene_request(narration_text=narration.script), "trueStartsMs": truth}))


@pytest.mark.model
def test_windows_refit_on_your_own_marked_recordings_are_the_ones_used(
        tmp_path, narration, transcript) -> None:  # type: ignore[no-untyped-def]
    """`postprod bench calibrate --marked DIR --write FILE` fits a table on recordings with
    hand-marked cuts and prints it; `AlignOptions.calibration_file` makes every window come from
    it instead of the shipped one."""
    from postprod.align.operation import parse_request
    from postprod.align.options import AlignOptions
    from postprod.align.placement import place_scenes

    from .conftest import scene_request
    from .test_cli import run_cli

    _marked_folder(tmp_path / "marked", narration)
    out = tmp_path / "mine.json"
    proc = run_cli("bench", "calibrate", "--marked", str(tmp_path / "marked"),
                   "--models", "tiny.en", "--write", str(out), "--out", str(tmp_path / "work"))
    assert proc.returncode == 0, proc.stderr.decode()
    written = json.loads(out.read_text())
    assert "marked by hand" in written["corpus"]
    assert written["command"].startswith("postprod bench calibrate --models tiny.en --marked")
    mine = written["models"]["tiny.en"]
    # 3 cuts × (script, cues): too few for a class or a band of their own, so one pooled class
    # keeps their median shift with the default window.
    pooled = {k: v for k, v in mine.items() if k.startswith("*:") and k.count(":") == 2}
    assert sum(v["n"] for v in pooled.values()) == 6
    # the printed table: a header, then one line per fitted class with its figures
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split() == ["model", "class", "shift", "ms", "lo", "ms", "hi", "ms",
                                "≤250", "ms", "cuts"]
    for cls, st in mine.items():
        assert any(line.split()[:2] == ["tiny.en", cls]
                   and line.split()[2:5] == [f"{st[k]:.0f}" for k in ("shift_ms", "lo_ms",
                                                                      "hi_ms")]
                   and line.split()[-1] == str(st["n"]) for line in lines), cls
    assert lines[-1] == f"written to {out}"
    # the same fit in process (recognitions reused from --out): the progress the bar draws,
    # one event per aligned narration up to 1, and the same table
    from postprod.research.calibration_fit import fit_calibration

    events: list = []
    again = fit_calibration(models=["tiny.en"], write=tmp_path / "again.json",
                            out_dir=tmp_path / "work", marked=tmp_path / "marked",
                            on_progress=events.append)
    assert [(e.stage, e.fraction) for e in events] == [("corpus", 0.0), ("align", 1.0)]
    assert events[-1].message.startswith("tiny.en reading: 6 cuts")
    assert again == {"tiny.en": mine}

    words, decoded = transcript
    req = parse_request(scene_request(narration_text=narration.script))
    opts = AlignOptions(calibration_file=str(out))
    placed = place_scenes(words, decoded.samples, req, options=opts, model="tiny.en")
    shipped = place_scenes(words, decoded.samples, req, model="tiny.en")
    for p, q in zip(placed.scenes[1:], shipped.scenes[1:], strict=True):
        st = stats_for(p.evidence_class, model="tiny.en", snr_db=p.snr_db, table_file=out)
        assert st in [ClassStats(**v) for v in mine.values()]
        assert p.shift_ms == st.shift_ms
        assert p.window_sec == pytest.approx((p.time_sec + st.lo_ms / 1000,
                                              p.time_sec + st.hi_ms / 1000))
        assert p.window_sec != q.window_sec  # 6 cuts are pooled and widened: not the shipped


def test_a_bad_calibration_file_fails_before_any_audio_is_read(tmp_path) -> None:
    from postprod.align import scene_timestamps
    from postprod.align.options import AlignOptions

    from .conftest import scene_request

    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1}')
    with pytest.raises(ValueError, match="not a calibration table"):
        scene_timestamps(b"not audio", scene_request(), tier="free", model="tiny.en",
                         options=AlignOptions(calibration_file=str(bad)))
    from .test_cli import run_cli, write_json

    meta = write_json(tmp_path / "meta.json", scene_request())
    proc = run_cli("timestamps", str(bad), "--metadata", str(meta), "--calibration", str(bad))
    assert proc.returncode == 2
    assert b"--calibration" in proc.stderr and b"not a calibration table" in proc.stderr


def test_marked_recordings_need_their_audio_and_one_true_cut_per_scene(tmp_path) -> None:
    from postprod.research.speech_corpus import load_marked

    from .conftest import scene_request

    (tmp_path / "a.json").write_text(json.dumps({"request": scene_request(),
                                                 "trueStartsMs": [0, 1, 2, 3]}))
    with pytest.raises(ValueError, match=r"a\.json: no audio beside it"):
        load_marked(tmp_path)
    (tmp_path / "a.flac").write_bytes(b"")
    assert [i.name for i in load_marked(tmp_path)] == ["a"]
    (tmp_path / "a.json").write_text(json.dumps({"request": scene_request(),
                                                 "trueStartsMs": [0, 1]}))
    with pytest.raises(ValueError, match="one time per scene"):
        load_marked(tmp_path)
    with pytest.raises(ValueError, match=r"no NAME\.json"):
        load_marked(tmp_path / "empty")


@pytest.mark.parametrize(("args", "field"), [
    (["--marked", "."], "--write"),
    (["--marked", ".", "--human", "--write", "x.json"], "--human"),
    (["--dev-speech", "."], "--dev-speech"),
    (["--models", ","], "--models"),
])
def test_bench_calibrate_refuses_contradictory_options_before_any_work(
        tmp_path, args: list[str], field: str) -> None:
    """Before a corpus is built or a model loaded: the error envelope names the option."""
    from .test_cli import run_cli

    proc = run_cli("bench", "calibrate", *[str(tmp_path) if a == "." else a for a in args])
    assert proc.returncode == 2
    assert json.loads(proc.stderr)["error"]["field"] == field
    assert proc.stdout == b""
