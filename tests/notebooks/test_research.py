"""The notebooks' helpers (postprod.research): truth loading, grids, scoring, calibration."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from postprod.contract import TimestampsResponse, parse_model
from postprod.research.cut_scores import (
    CutScore,
    coverage_curve,
    honest_best,
    scaled_window,
    score_cuts,
    summarise,
)
from postprod.research.notebook_figures import (
    coverage_figure,
    error_along_file_figure,
    error_histogram_figure,
    evidence_figure,
    segmentation_figure,
    table_figure,
    windows_figure,
)
from postprod.research.sweeps import options_with, settings_grid
from postprod.research.truth import sample_truth, true_scene_spans, truth_from_corpus_item
from postprod.samples import sample_media_dir


def _response(starts: list[int], windows: list[tuple[int, int]], offset: int = 0,
              ids: list[str] | None = None) -> TimestampsResponse:
    ids = ids or [f"s{i}" for i in range(len(starts))]
    return parse_model(TimestampsResponse, {
        "data": {
            "scenes": [{"index": i, "id": ids[i], "startMs": s + (offset if i else 0)}
                       for i, s in enumerate(starts)],
            "transitions": [{"fromSceneId": ids[i], "toSceneId": ids[i + 1],
                             "atMs": starts[i + 1] + offset,
                             "window": {"startMs": w[0] + offset, "endMs": w[1] + offset},
                             "confidence": 0.8, "basis": "startCue"}
                            for i, w in enumerate(windows)],
            "warnings": []},
        "meta": {"requestId": "req_00000000000000000000000000", "audioDurationMs": 50_000,
                 "startOffsetMs": offset, "languageCode": "en"}})


def test_sample_truth_matches_the_sample_project() -> None:
    truth = sample_truth()
    assert truth.audio == sample_media_dir() / "narration.wav" and truth.audio.is_file()
    assert [c.scene_id for c in truth.cuts] == [s["id"] for s in truth.metadata["scenes"]]
    assert all(a.onset_ms < b.pause_start_ms < b.onset_ms
               for a, b in zip(truth.cuts, truth.cuts[1:], strict=False))


def test_score_cuts_removes_the_offset_and_measures_errors() -> None:
    truth = sample_truth()
    true = [c.onset_ms for c in truth.cuts]
    starts = [0, true[1] + 120, true[2] - 40, true[3], true[4] + 900]
    windows = [(s - 100, s + 100) for s in starts[1:]]
    rows = score_cuts(response=_response(starts, windows, offset=1500,
                                         ids=[c.scene_id for c in truth.cuts]),
                      truth=truth, setting="x")
    assert [r.error_ms for r in rows] == [120, -40, 0, 900]
    assert [r.in_window for r in rows] == [False, True, True, False]
    assert [r.in_pause for r in rows] == [False, True, True, False]
    (summary,) = summarise(rows)
    assert summary["n"] == 4 and summary["mae_ms"] == pytest.approx((120 + 40 + 0 + 900) / 4)
    assert summary["within_100ms_pct"] == 50.0 and summary["within_500ms_pct"] == 75.0
    assert summary["coverage_pct"] == 50.0 and summary["median_width_ms"] == 200
    assert summary["bias_ms"] == pytest.approx((120 - 40 + 900) / 4)
    assert summary["failures_over_2s"] == 0


def test_grid_and_options() -> None:
    grid = settings_grid(model=["tiny.en", "base"], refine=[True, False])
    assert grid == [{"model": "tiny.en", "refine": True}, {"model": "tiny.en", "refine": False},
                    {"model": "base", "refine": True}, {"model": "base", "refine": False}]

    @dataclass(frozen=True)
    class Opts:
        refine: bool = True
        beam: int = 5

    assert options_with(Opts(), {"refine": False}) == Opts(refine=False)
    with pytest.raises(ValueError, match="refnie"):
        options_with(Opts(), {"refnie": False})
    with pytest.raises(TypeError):
        options_with({"refine": True}, {})


def test_best_is_honest_about_the_coverage_band() -> None:
    table = [{"setting": "a", "n": 40, "mae_ms": 10, "p90_ms": 20, "failures_over_2s": 0,
              "median_width_ms": 50, "coverage_pct": 60.0},
             {"setting": "b", "n": 40, "mae_ms": 30, "p90_ms": 60, "failures_over_2s": 0,
              "median_width_ms": 300, "coverage_pct": 90.0},
             {"setting": "c", "n": 40, "mae_ms": 20, "p90_ms": 50, "failures_over_2s": 0,
              "median_width_ms": 900, "coverage_pct": 99.0}]
    chosen = honest_best(table)
    assert chosen.setting == "b" and chosen.in_band and chosen.in_band_count == 1
    assert chosen.summary().startswith("Best: b: MAE 30 ms")
    # none in the band: the closest (c is 4 points above, a 25 below), flagged, said plainly
    closest = honest_best([table[0], table[2]])
    assert closest.setting == "c" and not closest.in_band
    text = closest.summary()
    assert text.startswith("NO setting reaches the 85–95 % coverage band")
    assert "coverage runs from 60.0 to 99.0 %" in text and "too wide" in text
    low = honest_best(table[:1])
    assert low.setting == "a" and not low.in_band and "too narrow (overconfident)" in low.summary()
    with pytest.raises(ValueError):
        honest_best([])


def _row(at: int, lo: int, hi: int, true: int) -> CutScore:
    return CutScore(setting="s", scene_index=1, scene_id="x", true_ms=true, pause_start_ms=true,
                    at_ms=at, window_start_ms=lo, window_end_ms=hi, confidence=0.5,
                    basis="startCue")


@given(at=st.integers(0, 10_000), minus=st.integers(0, 2000), plus=st.integers(0, 2000),
       level=st.floats(0.05, 0.99))
def test_scaled_windows_nest_by_level(at: int, minus: int, plus: int, level: float) -> None:
    row = _row(at, at - minus, at + plus, at)
    lo, hi = scaled_window(row, level=level)
    assert lo <= at <= hi
    assert scaled_window(row, level=0.9) == pytest.approx((at - minus, at + plus))
    lo2, hi2 = scaled_window(row, level=min(0.999, level + 0.005))
    assert lo2 <= lo + 1e-9 and hi2 >= hi - 1e-9


def test_coverage_curve_rises_with_the_level() -> None:
    rows = [_row(1000, 900, 1100, 1000 + d) for d in range(-200, 201, 10)]
    curve = coverage_curve(rows)
    shares = [c for _, c in curve]
    assert shares == sorted(shares) and 0 < shares[0] < shares[-1] <= 1
    assert dict(curve)[0.9] == pytest.approx(21 / 41)


def test_figures_draw_every_setting() -> None:
    rows = [_row(1000, 900, 1100, 1050), _row(2000, 1800, 2300, 1900)]
    for fig in (error_along_file_figure(rows), error_histogram_figure(rows),
                coverage_figure(rows), windows_figure(rows)):
        assert len(fig.data) >= 1
    assert len(table_figure(summarise(rows)).data) == 1


def test_true_scene_spans_cover_the_sample_narration_in_order() -> None:
    folder = sample_media_dir()
    narration = (folder / "narration.txt").read_text(encoding="utf-8").strip()
    truth = json.loads((folder / "narration_truth.json").read_text())
    spans = true_scene_spans(narration, truth["sentences"])
    assert len(spans) == len(truth["scenes"])
    assert spans[0][0] == 0 and spans[-1][1] == len(narration)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    for (start, _), cue in zip(spans, truth["scenes"], strict=True):
        assert narration[start:].startswith(cue["startCueText"])
    with pytest.raises(ValueError):
        true_scene_spans(narration, [{"sceneIndex": 0, "text": "not in it"}])


def test_truth_from_a_corpus_item_has_no_pauses() -> None:
    item = SimpleNamespace(audio_path="/x/a.wav", duration_sec=12.3456,
                           request={"scenes": [{"id": "a"}, {"startCueText": "b"}]},
                           true_starts_ms=[0, 5000])
    truth = truth_from_corpus_item(item)
    assert truth.audio == Path("/x/a.wav") and truth.duration_ms == 12346
    assert [(c.scene_id, c.onset_ms, c.pause_start_ms) for c in truth.cuts] == [
        ("a", 0, None), ("scene-1", 5000, None)]
    row = CutScore(setting="s", scene_index=1, scene_id="x", true_ms=5000, pause_start_ms=None,
                   at_ms=4990, window_start_ms=4900, window_end_ms=5100, confidence=0.9,
                   basis="startCue")
    assert row.in_pause is None and summarise([row])[0]["in_pause_pct"] is None
    assert len(windows_figure([row]).data) == 1  # no pause bar when the pause is unknown


def test_evidence_and_segmentation_figures() -> None:
    ev = SimpleNamespace(labels=[SimpleNamespace(label="espresso", probability=0.8)],
                         colours=[SimpleNamespace(name="brown", share=0.5)])
    fig = evidence_figure(image=np.zeros((8, 8, 3), dtype=np.uint8), evidence=ev, title="t")
    assert [t.type for t in fig.data] == ["image", "bar", "bar"]
    seg = segmentation_figure(narration="One two. Three four.", units=[(0, 8), (9, 20)],
                              scenes=[(0, 8), None], scene_labels=["a", "b"],
                              truth=[(0, 8), (9, 20)])
    assert [t.name for t in seg.data] == ["units", "scenes", "truth"]
    assert list(seg.data[1].text) == ["a"]


def test_every_align_option_has_a_range_holding_its_default() -> None:
    from dataclasses import fields as dc_fields

    from postprod.align import AlignOptions
    from postprod.research.sweeps import OPTION_RANGES, RECOGNISER_FIELDS

    defaults = AlignOptions()
    assert list(OPTION_RANGES) == [f.name for f in dc_fields(AlignOptions)]
    for name, values in OPTION_RANGES.items():
        assert getattr(defaults, name) in values, name
    # exactly the recogniser's fields change the recognition
    for name, values in OPTION_RANGES.items():
        changed = any(options_with(defaults, {name: v}).transcribe_options()
                      != defaults.transcribe_options() for v in values)
        assert changed == (name in RECOGNISER_FIELDS and name != "cpu_threads"), name


def test_one_at_a_time_sweep_moves_one_option_from_the_defaults() -> None:
    from postprod.research.sweeps import OPTION_RANGES, sweep_label, sweep_settings

    settings = sweep_settings(OPTION_RANGES)
    assert settings[0] == {}
    assert all(len(s) == 1 for s in settings[1:])
    expected = sum(len(v) - 1 for v in OPTION_RANGES.values())
    assert len(settings) == 1 + expected
    assert {"min_cue_score": 0.8} in settings and {"calibration_model": "base"} in settings
    assert sweep_label("base", {}) == "model=base | defaults"
    assert sweep_settings({"beam_size": [1, 5], "vad_filter": [False, True]},
                          mode="product")[-1] == {"beam_size": 5, "vad_filter": True}
    with pytest.raises(ValueError, match="min_cue"):
        sweep_settings({"min_cue": [0.5]})
    with pytest.raises(ValueError, match="mode"):
        sweep_settings({"beam_size": [1]}, mode="grid")


def test_pause_truth_counts_a_cut_anywhere_in_the_pause_as_exact() -> None:
    def cut(at: int, lo: int, hi: int) -> CutScore:
        return CutScore(setting="s", scene_index=1, scene_id="x", true_ms=5000,
                        pause_start_ms=4000, at_ms=at, window_start_ms=lo, window_end_ms=hi,
                        confidence=0.5, basis="startCue", pause_is_truth=True)

    assert cut(4500, 4490, 4510).error_ms == 0 and cut(4500, 4490, 4510).in_window
    assert cut(5300, 5200, 5400).error_ms == 300 and not cut(5300, 5200, 5400).in_window
    assert cut(3900, 3000, 3950).error_ms == -100 and not cut(3900, 3000, 3950).in_window
    assert cut(3900, 3000, 4100).in_window  # the window meets the pause
    item = SimpleNamespace(audio_path="/x/a.wav", duration_sec=10.0,
                           request={"scenes": [{"id": "a"}, {"id": "b"}]},
                           true_starts_ms=[0, 5000], true_pauses_ms=[(0, 0), (4000, 5000)])
    truth = truth_from_corpus_item(item)
    assert [(c.pause_start_ms, c.pause_is_truth) for c in truth.cuts] == [(None, False),
                                                                          (4000, True)]


def test_worst_cuts_and_their_clips() -> None:
    from postprod.research.cut_scores import cut_clip, worst_cuts
    from postprod.research.notebook_figures import worst_cuts_figure

    rows = [_row(1000 + e, 900 + e, 1100 + e, 1000) for e in (5, -700, 40, 3000)]
    worst = worst_cuts(rows, setting="s", count=2)
    assert [r.error_ms for r in worst] == [3000, -700]
    samples = np.arange(16000 * 10, dtype=np.float32)
    clip, start = cut_clip(samples=samples, sample_rate=16000, at_ms=1000, pad_sec=2.0)
    assert start == 0 and clip.size == 16000 * 3  # clipped at the file's start
    clip, start = cut_clip(samples=samples, sample_rate=16000, at_ms=5000, pad_sec=2.0)
    assert start == 3000 and clip.size == 16000 * 4 and clip[0] == 3 * 16000
    fig = worst_cuts_figure(cuts=[(r, samples[:64000], 0) for r in worst])
    assert len(fig.data) == 2
    assert any("run's cut at +3.0 s" in a.text for a in fig.layout.annotations)


def test_settings_table_shows_every_row_and_full_names() -> None:
    from postprod.research.cut_scores import honest_best
    from postprod.research.notebook_figures import settings_table_figure

    long = "model=base | " + ", ".join(f"option_{k}=0.{k}" for k in range(12))
    table = [{"setting": f"{long} #{i}", "n": 10, "mae_ms": 10.0 + i, "median_ms": 1,
              "p90_ms": 2, "bias_ms": 0, "within_100ms_pct": 90, "within_250ms_pct": 90,
              "within_500ms_pct": 90, "in_pause_pct": None, "failures_over_2s": 0,
              "coverage_pct": 80.0 + i, "median_width_ms": 100} for i in range(8)]
    fig = settings_table_figure(table, best=honest_best(table))
    names = list(fig.data[0].cells.values[0])
    assert len(names) == 8
    assert all(n.replace("<br>", " ").replace("  ", " ").startswith("model=base |")
               for n in names)
    assert all(f"#{i}" in n for i, n in zip(range(8), names, strict=True))
    lines = sum(n.count("<br>") + 1 for n in names)
    assert fig.layout.height >= 22 * lines + 100  # tall enough for every wrapped line


def test_affinity_figure_outlines_each_span() -> None:
    from postprod.research.notebook_figures import affinity_figure

    fig = affinity_figure(affinity=np.array([[0.2, -0.1, 0.0], [-0.2, 0.1, 0.3]]),
                          units=["One.", "Two.", "Three."], scene_labels=["a", "b"],
                          spans=[(0, 0), (1, 2)], hits=[["cat", None, None],
                                                        [None, None, None]])
    assert fig.data[0].type == "heatmap" and len(fig.layout.shapes) == 2
    assert fig.layout.shapes[1].x0 == 0.5 and fig.layout.shapes[1].x1 == 2.5


def test_marked_recordings_become_truths(tmp_path: Path) -> None:
    import shutil

    from postprod.research.truth import marked_truths

    sample = sample_truth()
    shutil.copyfile(sample.audio, tmp_path / "mine.wav")
    (tmp_path / "mine.json").write_text(json.dumps({
        "request": sample.metadata, "trueStartsMs": [c.onset_ms for c in sample.cuts]}))
    (truth,) = marked_truths(tmp_path).values()
    assert [c.onset_ms for c in truth.cuts] == [c.onset_ms for c in sample.cuts]
    assert truth.duration_ms == pytest.approx(sample.duration_ms, abs=2)  # read from the audio


def test_human_dev_speech_truths(tmp_path: Path) -> None:
    from postprod.research.truth import dev_speech_dir, human_truths

    folder = dev_speech_dir()
    if folder is None:
        pytest.skip("no shared/dev-speech beside the repository (set POSTPROD_DEV_SPEECH)")
    truths = human_truths(tmp_path, root=folder, sources=["mfa", "timit"], splits=["held"])
    assert sorted(truths) == ["mfa-held-clean", "timit-held-clean"]
    mfa, timit = truths["mfa-held-clean"], truths["timit-held-clean"]
    assert all(c.pause_is_truth for c in mfa.cuts[1:])
    assert not any(c.pause_is_truth for c in timit.cuts)
    assert timit.audio.is_file() and timit.audio.parent == tmp_path


def test_alignment_figure_labels_many_scenes_by_index_only() -> None:
    from postprod.plots import alignment_figure

    def labels(n: int) -> list[str]:
        starts = [1000 * i for i in range(n)]
        fig = alignment_figure(response=_response(starts, [(s - 50, s + 50)
                                                           for s in starts[1:]]))
        return [a.text for a in fig.layout.annotations if a.yref == "y domain"]

    assert labels(3) == ["0: s0", "1: s1", "2: s2"]
    assert labels(12) == [str(i) for i in range(12)]


def test_table_figure_is_tall_enough_for_every_wrapped_row() -> None:
    rows = [{"setting": "x" * 150 + f" {i}", "mae_ms": i, "note": None} for i in range(8)]
    fig = table_figure(rows, title="t")
    cells = fig.data[0].cells.values
    assert len(cells[0]) == 8 and cells[2][0] == "–"
    lines = sum(max(col[i].count("<br>") + 1 for col in cells) for i in range(8))
    assert lines > 8  # the long names wrapped
    top, bottom = fig.layout.margin.t, fig.layout.margin.b
    assert fig.layout.height - top - bottom >= 20 * lines + fig.data[0].header.height
