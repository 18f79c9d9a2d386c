# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Alignment tuning: Scene Timestamps under every setting, on people's recordings
#
# Recognise each narration once per model (the expensive step), place the scenes under every
# `AlignOptions` setting (cheap) and score each cut against hand-marked truth. You get: a table
# of every setting, what each knob does on its own, an honest "best" (it says so when no
# setting's windows cover 85–95 % of the true cuts), the worst cuts to listen to, sliders to
# try placements by hand, and the chosen settings written to a file that
# `postprod timestamps --options FILE` reads.
#
# **Corpus** (`CORPUS` below):
# - `"human"`: the human dev speech folder (`shared/dev-speech` beside the repository, or
#   `$POSTPROD_DEV_SPEECH`): TIMIT read sentences (onset truth), Moby-Dick chapters read for
#   LibriVox and a spontaneous noisy recording (MFA), both with hand marks inside the pause
#   (pause truth: a cut anywhere in the pause is exact). Tune on split `"tune"`, then check the
#   choice on `"held"`.
# - `"marked"`: **your own recordings** with marked starts, in `MARKED_DIR`: per narration
#   `NAME.json` = `{"request": <Scene Timestamps metadata>, "trueStartsMs": [0, 5210, ...]}`
#   (one true start per scene, ms from the start of the audio, scene 0 first) beside
#   `NAME.wav` (or `.flac`, `.mp3`, `.m4a`, `.ogg`, `.opus`).
# - `"synthetic"`: the synthetic bench (`postprod.research.speech_corpus`, preset
#   `SYNTHETIC_PRESET`: `"quick"`, `"dev"` or `"full"`), synthesised into `WORK_DIR`.
# - `"sample"`: the sample project's 45 s narration (4 cuts: a smoke test, not a tuning set).
# - `"auto"`: `"human"` when the folder is present, else `"sample"`.

# %%
import json
import tempfile
from pathlib import Path

import ipywidgets as widgets
from IPython.display import Audio, Markdown, display

from postprod.align import AlignOptions, load_audio
from postprod.align.options_file import write_options_file
from postprod.plots import alignment_figure, waveform_envelope
from postprod.research.cut_scores import cut_clip, honest_best, summarise, worst_cuts
from postprod.research.notebook_figures import (
    coverage_figure,
    error_along_file_figure,
    error_histogram_figure,
    settings_table_figure,
    sweep_figure,
    table_figure,
    windows_figure,
    worst_cuts_figure,
)
from postprod.research.sweeps import (
    OPTION_RANGES,
    RECOGNISER_FIELDS,
    Sweep,
    options_with,
    place_and_score,
    sweep_settings,
    sweep_with,
)
from postprod.research.truth import (
    dev_speech_dir,
    human_truths,
    marked_truths,
    sample_truth,
    truth_from_corpus_item,
)

# %% tags=["parameters"]
CORPUS = "auto"  # "auto" | "human" | "marked" | "synthetic" | "sample"
HUMAN_SOURCES = ["timit", "moby", "mfa"]  # any of them
HUMAN_SPLITS = ["tune"]  # "tune" to choose, "held" to check the choice
HUMAN_CONDITIONS = ["clean"]  # also "noise", "music", "noise+music", "mp3"
MARKED_DIR = None  # your recordings: NAME.json + NAME.wav per narration
SYNTHETIC_PRESET = "quick"  # "quick" | "dev" | "full"
WORK_DIR = None  # where built narrations go (None: a temporary folder)
MODELS = ["tiny.en"]  # add "base" (the product default) for the real comparison
SWEEP = "one-at-a-time"  # or "product" (every combination of RANGES: grows fast)
RANGES = dict(OPTION_RANGES)  # every AlignOptions field; narrow or drop entries to taste
PLACEMENT_ONLY = False  # True: skip the recogniser's options (one recognition per narration)
SWEEP_RUNNER = "in-process"  # "in-process" | "batch" (local process pool) | "ray" (a cluster)
RAY_ADDRESS = "auto"  # SWEEP_RUNNER = "ray": "auto", "ray://HOST:10001" or "current"
BATCH_WORKERS = None  # batch workers (None: the runner's default, one per core / cluster CPU)
BATCH_DIR = None  # batch results folder, resumable (None: a folder in WORK_DIR)
WORST = 5  # cuts to listen to
OPTIONS_OUT = "chosen_align_options.json"  # where the chosen settings are written

# %% [markdown]
# ## The narrations and their truth

# %%
work_dir = Path(WORK_DIR or tempfile.mkdtemp(prefix="postprod-tuning-"))
corpus = CORPUS
if corpus == "auto":
    corpus = "human" if dev_speech_dir() is not None else "sample"
if corpus == "human":
    folder = dev_speech_dir()
    if folder is None:
        raise FileNotFoundError("no dev speech folder: put it at ../shared/dev-speech beside "
                                "the repository or set POSTPROD_DEV_SPEECH")
    truths = human_truths(work_dir, root=folder, sources=HUMAN_SOURCES, splits=HUMAN_SPLITS,
                          conditions=HUMAN_CONDITIONS)
elif corpus == "marked":
    truths = marked_truths(MARKED_DIR)
elif corpus == "synthetic":
    from postprod.research.speech_corpus import build_corpus

    truths = {item.name: truth_from_corpus_item(item)
              for item in build_corpus(work_dir, preset=SYNTHETIC_PRESET)}
elif corpus == "sample":
    truths = {"sample": sample_truth()}
else:
    raise ValueError(f"CORPUS must be auto, human, marked, synthetic or sample, not {CORPUS!r}")

table_figure([{"narration": name, "audio": truth.audio.name,
               "seconds": round(truth.duration_ms / 1000, 1), "scenes": len(truth.cuts),
               "truth": ("pause (hand marks in the pause)" if any(c.pause_is_truth
                                                                  for c in truth.cuts)
                         else "onset of the first word"),
               "narrationText": "narrationText" in truth.metadata}
              for name, truth in truths.items()],
             title=f"Corpus: {corpus} ({sum(len(t.cuts) - 1 for t in truths.values())} cuts)")

# %% [markdown]
# ## Recognise once per model and recogniser setting, place under every setting
# `one-at-a-time` moves each option through its range with every other option at its default:
# what each knob does on its own. The recogniser's options (`beam_size`, `chunk_sec`,
# `vad_filter`, `condition_on_previous_text`, `gap_fill_sec`) cost one recognition per value;
# all the others only re-place.
#
# **Which runner** (`SWEEP_RUNNER`): all three give the same rows and scores, so everything
# below reads any of them.
# - `"in-process"` recognises each narration once per recogniser setting and reuses it for
#   every placement setting: the cheapest on one machine, and the right choice for a few
#   narrations.
# - `"batch"` runs every (setting, narration) as a Scene Timestamps job of `postprod.batch` on
#   a local process pool: each job runs the whole operation, so recognition is paid again for
#   every grid point (the full one-at-a-time sweep: 53 recognitions per narration instead of
#   11). It pays off when there are many recordings (the pool keeps
#   every core busy, results land in files, and a rerun resumes where it stopped).
# - `"ray"`: the same jobs on a Ray cluster (`RAY_ADDRESS`; start one with `ray start --head`,
#   or join a cluster): pays off when the cluster's cores outnumber the recognitions saved by
#   reuse, i.e. many recordings or a big grid on many nodes.
#
# The sliders further down reuse recognitions; after a batch sweep the first slider draw
# recognises each narration once more (the workers' recognitions stay in the workers).

# %%
ranges = {k: v for k, v in RANGES.items() if not (PLACEMENT_ONLY and k in RECOGNISER_FIELDS)}
settings = sweep_settings(ranges, mode=SWEEP)
print(f"{len(settings)} settings x {len(MODELS)} model(s) x {len(truths)} narration(s)")
sweep = sweep_with(SWEEP_RUNNER, truths=truths, models=MODELS, settings=settings,
                   out_dir=BATCH_DIR or work_dir / "sweep-batch", ray_address=RAY_ADDRESS,
                   workers=BATCH_WORKERS)
table = summarise(sweep.rows)
best = honest_best(table)
table_figure(sweep.cost, title=("Recogniser passes (model load excluded)"
                                 if SWEEP_RUNNER == "in-process"
                                 else "Batch jobs (each recognises; model load excluded)"))

# %% [markdown]
# ## The honest best
# Lowest error among the settings whose 90 % windows hold 85–95 % of the true cuts. When none
# does, it says so and shows the closest: such a "best" is not a default to adopt.

# %%
display(Markdown(("### " if best.in_band else "### ⚠ ") + best.summary()))

# %%
settings_table_figure(table, best=best)

# %%
if SWEEP == "one-at-a-time":
    display(sweep_figure(table))

# %% [markdown]
# ## Error along the file, and its distribution (defaults against the best)
# A drift shows as errors that grow with time; early recogniser starts as a negative bias.

# %%
defaults_label = next(label for label, st in sweep.settings_of.items()
                      if st == {"model": MODELS[0]})
shown = [defaults_label] + ([best.setting] if best.setting != defaults_label else [])
focus = [r for r in sweep.rows if r.setting in shown]
error_along_file_figure(focus)

# %%
error_histogram_figure(focus, bin_ms=50)

# %% [markdown]
# ## Each cut's window against the truth (the best setting)
# 0 is the true cut; grey is the pause before it (where any cut is editorially right; with
# pause truth, exact); the bar is the 90 % window, green when it holds the truth.

# %%
windows_figure([r for r in sweep.rows if r.setting == best.setting])

# %% [markdown]
# ## Coverage versus nominal level
# At 0.9 the curve should sit near 0.9. Other levels scale the window's sides as a normal
# error would; a curve far from the diagonal means the error shape is not normal.

# %%
coverage_figure(focus)

# %% [markdown]
# ## The worst cuts, to listen to
# ±2 s of narration around each true cut (black line); the run's cut is dashed. Confidence is a
# triage order, not a substitute for listening.

# %%
audio_cache = {}
clips = []
for cut in worst_cuts(sweep.rows, setting=best.setting, count=WORST):
    if cut.narration not in audio_cache:
        audio_cache[cut.narration] = load_audio(str(truths[cut.narration].audio),
                                                tier="enterprise").samples
    clip, start_ms = cut_clip(samples=audio_cache[cut.narration], sample_rate=16000,
                              at_ms=cut.true_ms, pad_sec=2.0)
    clips.append((cut, clip, start_ms))
worst_cuts_figure(cuts=clips)

# %%
for cut, clip, start_ms in clips:
    scene = truths[cut.narration].metadata["scenes"][cut.scene_index]
    display(Markdown(f"**{cut.narration} / {cut.scene_id}** (scene {cut.scene_index}): cut "
                     f"{cut.error_ms:+d} ms from the truth, window "
                     f"{'holds' if cut.in_window else 'MISSES'} it, basis {cut.basis}; cue "
                     f"“{scene.get('startCueText', '')}”. Clip starts at "
                     f"{start_ms / 1000:.2f} s, the true cut is at {cut.true_ms / 1000:.2f} s."))
    display(Audio(clip, rate=16000))
    if abs(cut.at_ms - cut.true_ms) > 1500:  # the run's cut is outside that clip: hear it too
        there, there_ms = cut_clip(samples=audio_cache[cut.narration], sample_rate=16000,
                                   at_ms=cut.at_ms, pad_sec=2.0)
        display(Markdown(f"…and ±2 s around where the run cut ({cut.at_ms / 1000:.2f} s):"))
        display(Audio(there, rate=16000))

# %% [markdown]
# ## One run in the workbench's picture
# The best setting on the first narration: envelope, scene bands, every cut's window.

# %%
first = next(iter(truths))
samples = audio_cache.get(first)
if samples is None:
    samples = load_audio(str(truths[first].audio), tier="enterprise").samples
alignment_figure(response=sweep.responses[(best.setting, first)],
                 envelope=waveform_envelope(samples=samples, sample_rate=16000),
                 cue_texts=[s.get("startCueText", "") for s in truths[first].metadata["scenes"]])

# %% [markdown]
# ## Try placements by hand
# Sliders for the placement options (cheap: the recognition is reused), starting from the
# best setting; each change re-places every narration and redraws. The recogniser's options
# need a new recognition: change them in `RANGES` and rerun the sweep instead.

# %%
model = sweep.settings_of[best.setting]["model"]
start = options_with(AlignOptions(), {k: v for k, v in sweep.settings_of[best.setting].items()
                                      if k != "model"})
slider = {"continuous_update": False, "style": {"description_width": "170px"},
          "layout": {"width": "460px"}}
controls = {
    "onset_refinement": widgets.Checkbox(value=start.onset_refinement,
                                         description="onset_refinement"),
    "calibrated_windows": widgets.Checkbox(value=start.calibrated_windows,
                                           description="calibrated_windows"),
    "use_narration": widgets.Checkbox(value=start.use_narration, description="use_narration"),
    "min_cue_score": widgets.FloatSlider(value=start.min_cue_score, min=0.3, max=0.95,
                                         step=0.02, description="min_cue_score", **slider),
    "candidates_per_scene": widgets.IntSlider(value=start.candidates_per_scene, min=1, max=12,
                                              description="candidates_per_scene", **slider),
    "anchor_bonus": widgets.FloatSlider(value=start.anchor_bonus, min=0, max=1, step=0.05,
                                        description="anchor_bonus", **slider),
    "onset_search_before": widgets.FloatSlider(value=start.onset_search_before, min=0.1,
                                               max=1.5, step=0.05,
                                               description="onset_search_before (s)", **slider),
    "onset_search_after": widgets.FloatSlider(value=start.onset_search_after, min=0.1, max=1.5,
                                              step=0.05, description="onset_search_after (s)",
                                              **slider),
    "min_pause_sec": widgets.FloatSlider(value=start.min_pause_sec, min=0.03, max=0.4,
                                         step=0.01, description="min_pause_sec (s)", **slider),
    "expected_shift_sec": widgets.FloatSlider(value=start.expected_shift_sec, min=-0.1,
                                              max=0.3, step=0.01,
                                              description="expected_shift_sec (s)", **slider),
    "pause_weight": widgets.FloatSlider(value=start.pause_weight, min=0, max=2, step=0.1,
                                        description="pause_weight", **slider),
}
tried = {}
panel = widgets.HTML()


def replot(change=None):
    """Place every narration under the sliders' values and redraw (recognition reused): a
    summary line and one bar per cut (signed error, ms; green when its window holds the
    truth)."""
    values = {k: c.value for k, c in controls.items()}
    changes = {k: v for k, v in values.items() if v != getattr(AlignOptions(), k)}
    scratch = Sweep(rows=[], responses={}, settings_of={}, recognised=sweep.recognised,
                    cost=[], truths=truths)
    rows = place_and_score(scratch, model=model, settings=changes, label="sliders")
    (summary,) = summarise(rows)
    tried.update(settings=changes, summary=summary)
    bars = []
    for r in rows:
        e = max(-1000, min(1000, r.error_ms))
        colour = "#2e9d5b" if r.in_window else "#d1453b"
        left = 50 + min(0, e) / 20
        bars.append(f"<div style='display:flex;align-items:center;height:13px;font-size:10px'>"
                    f"<span style='width:190px;overflow:hidden'>{r.narration}/{r.scene_id}"
                    f"</span><span style='position:relative;width:400px;height:9px;"
                    f"background:#eee'><span style='position:absolute;left:{left}%;"
                    f"width:{max(0.3, abs(e) / 20)}%;height:9px;background:{colour}'></span>"
                    f"</span><span>&nbsp;{r.error_ms:+d} ms</span></div>")
    panel.value = (
        f"<p><b>MAE {summary['mae_ms']} ms</b>, P90 {summary['p90_ms']} ms, within 250 ms "
        f"{summary['within_250ms_pct']} %, <b>coverage {summary['coverage_pct']} %</b> "
        f"(best: MAE {best.row['mae_ms']} ms, coverage {best.row['coverage_pct']} %)</p>"
        "<p>error per cut, ±1 s (green: the window holds the truth)</p>" + "".join(bars))


for control in controls.values():
    control.observe(replot, names="value")
replot()
display(widgets.HBox([widgets.VBox(list(controls.values())), panel]))

# %% [markdown]
# ## The chosen settings, as a file
# `postprod timestamps NARRATION --metadata META.json --options chosen_align_options.json` runs
# with them (its model too, unless `--model` is given). The file records how they scored and
# whether the windows were honest on this corpus.

# %%
chosen = dict(sweep.settings_of[best.setting])
chosen_model = chosen.pop("model")
path = write_options_file(
    OPTIONS_OUT, options=options_with(AlignOptions(), chosen), model=chosen_model,
    measured={"corpus": corpus, "narrations": sorted(truths), "setting": best.setting,
              "in_coverage_band": best.in_band, "band_pct": list(best.band),
              **{k: v for k, v in best.row.items() if k != "setting"}})
print(f"written {Path(path).resolve()}")
print(json.dumps(json.loads(Path(path).read_text())["measured"], indent=1))
