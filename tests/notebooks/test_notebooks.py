"""The researcher notebooks run top to bottom on the library's public API, and none is committed
with outputs.

Each notebook is committed twice, paired by jupytext: `notebooks/NAME.ipynb` (what a researcher
opens, outputs stripped) and `notebooks/NAME.py` (percent format, for readable diffs). The two must
hold the same cells. The `.ipynb` is executed with nbclient in a kernel that runs this interpreter
(a kernelspec written to a temp dir, so a clean CI clone needs no `jupyter kernelspec install`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
NAMES = ["alignment_tuning", "describe_inspection", "compose_walkthrough"]
KERNEL_NAME = "postprod-notebook-test"
CELL_TIMEOUT_SEC = 600
CI_PARAMETERS = {
    # Small and fast on 2 cores, injected after the parameters cell as papermill does. The
    # tuning notebook runs on the human dev speech (its shortest recording, pause truth) when
    # the folder is there, else on the sample narration, with the placement options only.
    "alignment_tuning": ('CORPUS = "auto"\nHUMAN_SOURCES = ["mfa"]\nHUMAN_SPLITS = ["held"]\n'
                         'PLACEMENT_ONLY = True\nWORST = 2\n'
                         'OPTIONS_OUT = "{out}/chosen_align_options.json"'),
    # the user's own images: a folder of renamed stills and a narration file
    "describe_inspection": 'IMAGES_DIR = "{out}/stills"\nNARRATION_FILE = "{out}/script.txt"',
    "compose_walkthrough": "",
    # the tuning sweep through the batch runner (one local worker): three settings, one of
    # them a recogniser setting, on the sample narration
    "alignment_tuning:batch": ('CORPUS = "sample"\nSWEEP_RUNNER = "batch"\nBATCH_WORKERS = 1\n'
                               'RANGES = {{"min_cue_score": (0.62, 0.7), "beam_size": (5, 1)}}\n'
                               'WORST = 2\nOPTIONS_OUT = "{out}/chosen_align_options.json"'),
}
RUNS = [*NAMES, "alignment_tuning:batch"]
"""Notebook runs: a name, or `name:variant` for the same notebook under other parameters."""
AFTER = {
    # The sliders re-place and redraw on change (the widgets never block a top-to-bottom run).
    "alignment_tuning": (
        "before = dict(tried['summary'])\n"
        "controls['onset_refinement'].value = not controls['onset_refinement'].value\n"
        "assert tried['summary'] != before, (before, tried['summary'])\n"
        "assert f\"MAE {tried['summary']['mae_ms']} ms\" in panel.value\n"
        "assert ('onset_refinement' in tried['settings']) == "
        "(controls['onset_refinement'].value != AlignOptions().onset_refinement)\n"
        "from postprod.align.options_file import read_options_file\n"
        "assert read_options_file(path)[1] == chosen_model"),
    # picking another scene redraws the one-scene panel
    "describe_inspection": ("picker.value = len(labels) - 1\n"
                            "assert shown['scene'] == labels[-1] != labels[0], shown\n"
                            "assert labels[-1] in panel.value"),
}


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data dir holding one kernelspec that starts this very interpreter."""
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "postprod (test interpreter)",
        "language": "python",
    }))
    return root


def test_every_notebook_is_committed_as_percent_script() -> None:
    scripts = sorted(p.stem for p in NOTEBOOKS.glob("*.py"))
    assert scripts == sorted(NAMES)
    for name in NAMES:
        text = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
        assert "formats: ipynb,py:percent" in text, name
        assert '# %% tags=["parameters"]' in text, name
        nb = jupytext.reads(text, fmt="py:percent")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name


def test_each_ipynb_holds_the_cells_of_its_percent_script() -> None:
    for name in NAMES:
        script = jupytext.read(NOTEBOOKS / f"{name}.py")
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        pairs = [(c.cell_type, c.source) for c in script.cells]
        assert [(c.cell_type, c.source) for c in notebook.cells] == pairs, (
            f"{name}.ipynb and {name}.py differ: run `jupytext --sync notebooks/{name}.py`")


def test_no_committed_notebook_carries_outputs() -> None:
    tracked = subprocess.run(["git", "ls-files", "--", "*.ipynb"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.split()
    assert sorted(Path(rel).stem for rel in tracked) == sorted(NAMES)
    for rel in tracked:
        nb = nbformat.read(REPO / rel, as_version=4)
        for cell in nb.cells:
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None, rel


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS)
def test_notebook_runs(run: str, kernel_dir: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    name = run.partition(":")[0]
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if name == "describe_inspection":
        stills = tmp_path / "stills"
        stills.mkdir()
        for k, jpg in enumerate(sorted((REPO / "sample_media" / "scenes").glob("*.jpg"))):
            shutil.copyfile(jpg, stills / f"{k + 1:02d}_{jpg.stem}.jpg")
        (tmp_path / "script.txt").write_text(
            (REPO / "sample_media" / "narration.txt").read_text(encoding="utf-8"),
            encoding="utf-8")
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    if CI_PARAMETERS[run]:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
            CI_PARAMETERS[run].format(out=tmp_path), metadata={"tags": ["injected-parameters"]}))
    if name in AFTER:
        nb.cells.append(nbformat.v4.new_code_cell(AFTER[name]))
    if run == "alignment_tuning:batch":  # every setting ran as a batch job
        nb.cells.append(nbformat.v4.new_code_cell(
            "assert [c['setting'] for c in sweep.cost] == list(sweep.settings_of), sweep.cost\n"
            "assert len(sweep.settings_of) == 3, sweep.settings_of"))
    # First, prove the kernel is this interpreter (so the notebook sees this checkout's package).
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable"))
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT_SEC,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    with capsys.disabled():  # the run time is part of the report, even when tests pass
        print(f"\nnotebook {run}: executed in {elapsed:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert figures, f"{name} drew no plotly figure"
    if name == "alignment_tuning":
        assert (tmp_path / "chosen_align_options.json").is_file()
