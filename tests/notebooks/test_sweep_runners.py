"""The tuning notebook's sweep through the batch runner scores every cut as the in-process sweep
does (real recogniser, the sample narration, two settings: one placement, one recogniser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postprod.research.cut_scores import summarise
from postprod.research.sweeps import sweep_with
from postprod.research.truth import sample_truth

SETTINGS = [{}, {"beam_size": 1, "min_cue_score": 0.7}]


def _scores(sweep) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.setting, r.narration, r.scene_id, r.at_ms, r.window_start_ms, r.window_end_ms,
             r.confidence, r.basis) for r in sweep.rows]


@pytest.mark.model
@pytest.mark.slow
def test_batch_sweep_scores_equal_the_in_process_sweep(tmp_path: Path) -> None:
    truths = {"sample narration": sample_truth()}
    here = sweep_with("in-process", truths=truths, models=["tiny.en"], settings=SETTINGS,
                      progress=False)
    batch = sweep_with("batch", truths=truths, models=["tiny.en"], settings=SETTINGS,
                       out_dir=tmp_path, workers=1, progress=False)
    assert len(here.rows) == 2 * (len(truths["sample narration"].cuts) - 1)
    assert _scores(batch) == _scores(here)
    assert summarise(batch.rows) == summarise(here.rows)
    assert batch.settings_of == here.settings_of
    assert batch.responses.keys() == here.responses.keys()
    # one job per setting and narration, in their own folder; a rerun resumes them all
    assert [c["resumed"] for c in batch.cost] == [False, False]
    (folder,) = tmp_path.iterdir()
    assert sorted(p.name for p in folder.glob("*.json")) == [
        "sample_narration--000.json", "sample_narration--001.json"]
    again = sweep_with("batch", truths=truths, models=["tiny.en"], settings=SETTINGS,
                       out_dir=tmp_path, workers=1, progress=False)
    assert [c["resumed"] for c in again.cost] == [True, True]
    assert _scores(again) == _scores(here)


def test_unknown_runner_is_refused() -> None:
    with pytest.raises(ValueError, match="in-process, batch, ray"):
        sweep_with("cluster", truths={}, models=["tiny.en"], settings=[{}])
