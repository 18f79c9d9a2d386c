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
# # Alignment tuning: Scene Timestamps under a grid of settings
#
# Recognise each narration once per model (the expensive step), then place the scenes under
# every combination of `AlignOptions` knobs (cheap) and score each cut against the truth:
# error along the file, error histograms, each cut's 90 % window against the truth, and window
# coverage against the nominal level. The last cell prints the settings to copy into a config.
#
# Data, by the `CORPUS` parameter:
# - `"sample"`: the sample project's narration (`sample_media/`, 45 s, measured truth);
# - `"quick"`, `"full"`, `"dev"`: the benchmark corpus (`postprod.align.corpus`, synthesised
#   into `CORPUS_DIR`; `full` is ≈45 min of audio with a 20-minute file);
# - `"user"`: your own recording with its truth (`USER_AUDIO`, `USER_TRUTH` in the format of
#   `sample_media/narration_truth.json`, `USER_METADATA` = the Scene Timestamps metadata).
#
# Defaults are small (one model, the sample narration: well under a minute on 2 cores).

# %%
import json
import tempfile
import time

from postprod.align import (
    AlignOptions,
    build_response,
    energy_envelope,
    load_audio,
    parse_request,
    place_scenes,
    transcribe_words,
)
from postprod.plots import alignment_figure, waveform_envelope
from postprod.research import (
    best_setting,
    coverage_figure,
    error_along_file_figure,
    error_histogram_figure,
    load_truth,
    options_dict,
    options_with,
    sample_truth,
    score_cuts,
    setting_label,
    settings_grid,
    summarise,
    table_figure,
    truth_from_corpus_item,
    windows_figure,
)

# %% tags=["parameters"]
CORPUS = "sample"  # "sample" | "quick" | "full" | "dev" | "user"
CORPUS_DIR = None  # where the benchmark corpus is synthesised (None: a temp dir)
MODELS = ["tiny.en"]  # add "base" (the product default) for the real comparison
GRID = {  # AlignOptions fields and the values to try
    "onset_refinement": [True, False],
    "calibrated_windows": [True, False],
    "use_narration": [True, False],
}
USER_AUDIO = None
USER_TRUTH = None
USER_METADATA = None

# %% [markdown]
# ## The narrations and their truth

# %%
if CORPUS == "sample":
    truths = {"sample": sample_truth()}
elif CORPUS == "user":
    truths = {"user": load_truth(truth_path=USER_TRUTH, metadata_path=USER_METADATA,
                                 audio_path=USER_AUDIO)}
else:
    from postprod.align.corpus import build_corpus

    corpus_dir = CORPUS_DIR or tempfile.mkdtemp(prefix="postprod-corpus-")
    started = time.perf_counter()
    items = build_corpus(corpus_dir, preset=CORPUS)
    print(f"corpus {CORPUS!r} built in {time.perf_counter() - started:.1f} s in {corpus_dir}")
    truths = {item.name: truth_from_corpus_item(item) for item in items}

for name, truth in truths.items():
    print(f"{name}: {truth.audio.name}, {truth.duration_ms / 1000:.1f} s, "
          f"{len(truth.cuts)} scenes, narrationText: {'narrationText' in truth.metadata}")

# %% [markdown]
# ## Recognise once per model and narration, place under every setting

# %%
grid = settings_grid(**GRID)
rows = []
responses = {}
settings_of = {}  # label -> {"model": ..., **AlignOptions fields}
cost = []
for model in MODELS:
    for name, truth in truths.items():
        request = parse_request(truth.metadata)
        decoded = load_audio(str(truth.audio), tier="enterprise")
        started = time.perf_counter()
        transcript = transcribe_words(decoded.samples, model=model,
                                      language=request.language_code,
                                      options=AlignOptions().transcribe_options())
        recognised = time.perf_counter() - started
        envelope = energy_envelope(decoded.samples)
        started = time.perf_counter()
        for settings in grid:
            options = options_with(AlignOptions(), settings)
            label = setting_label({"model": model, **settings})
            settings_of[label] = {"model": model, **settings}
            placement = place_scenes(transcript, envelope, request, options=options,
                                     model=model)
            response = build_response(placement, request, duration_sec=decoded.duration_sec,
                                      language=request.language_code or transcript.language,
                                      request_id="req_notebook")
            responses[(label, name)] = response
            rows += score_cuts(response=response, truth=truth, setting=label)
        placing = (time.perf_counter() - started) / len(grid)
        cost.append({"model": model, "narration": name,
                     "audio_s": round(decoded.duration_sec, 1),
                     "recognise_s": round(recognised, 2),
                     "real_time_factor": round(recognised / decoded.duration_sec, 3),
                     "place_ms_per_setting": round(1000 * placing, 1)})
table_figure(cost, title="Cost per narration (model load excluded)")

# %% [markdown]
# ## Error per scene along the file
# A drift shows as errors that grow with time; early recogniser starts as a negative bias.

# %%
error_along_file_figure(rows)

# %%
error_histogram_figure(rows, bin_ms=50)

# %% [markdown]
# ## Each cut's window against the truth
# 0 is the true cut (the first word's onset); grey is the pause before it, where any cut is
# editorially right; the bar is the 90 % window (green when it holds the truth).

# %%
windows_figure(rows)

# %% [markdown]
# ## Coverage versus nominal level
# The windows are 90 % intervals: at 0.9 the curve should sit near 0.9. Other levels scale the
# window's sides as a normal error would; a curve far from the diagonal means the error shape
# is not normal (e.g. a heavy tail of misses). With few cuts the curve moves in big steps.

# %%
coverage_figure(rows)

# %% [markdown]
# ## One run in the workbench's picture
# The best setting on the first narration: envelope, scene bands, every cut's window.

# %%
table = summarise(rows)
best = best_setting(table)
first = next(iter(truths))
truth = truths[first]
decoded = load_audio(str(truth.audio), tier="enterprise")
env = waveform_envelope(samples=decoded.samples, sample_rate=16000)
alignment_figure(response=responses[(best["setting"], first)], envelope=env,
                 cue_texts=[s["startCueText"] for s in truth.metadata["scenes"]])

# %% [markdown]
# ## The settings table, and the settings to copy into a config
# Best = lowest MAE among the settings whose window coverage is honest (85–95 %); with the
# few cuts of the sample narration, prefer a corpus run (`CORPUS = "quick"` or `"full"`)
# before changing a default.

# %%
table_figure(table, title="Scene cuts per setting (ms; shares in %)")

# %%
for row in table:
    print(json.dumps(row))
chosen = dict(settings_of[best["setting"]])
print("\nbest:", best["setting"])
model = chosen.pop("model")
config = {"model": model, **options_dict(options_with(AlignOptions(), chosen))}
print(json.dumps(config, indent=2))
