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
# # Describe inspection: what the describer sees, says, and where it puts each scene
#
# 1. The visual evidence per image: classifier labels with probabilities, the plain-words
#    concepts they group into, faces, on-screen text (OCR), dominant colours, light, framing.
# 2. The descriptions in each style (`short`, `normal`, `detailed`).
# 3. The narration segmentation as a picture: the units the narration was split into, the span
#    each scene got, and (for the sample project) the true spans.
#
# By default it inspects the sample project (`sample_media/`); point `IMAGES` at your own
# stills and `NARRATION` at your script to inspect those.

# %%
import json

import numpy as np
from PIL import Image, ImageOps

from postprod.describe import (
    describe_from_evidence,
    describe_scenes,
    narration_cues,
    scene_evidence,
    split_units,
    to_timestamps_request,
)
from postprod.research import (
    evidence_figure,
    sample_media_dir,
    segmentation_figure,
    table_figure,
    true_scene_spans,
)

# %% tags=["parameters"]
IMAGES = None  # list of image paths in scene order; None: the sample project's stills
NARRATION = None  # the narration text; None: the sample project's narration
SCENE_IDS = None  # one id per image; None: the sample's ids (or none for your own images)
STYLES = ["short", "normal", "detailed"]
EXTRA_DETAIL = False  # deeper analysis for every image (more labels, OCR, full palette)
MAX_CHARS = 500  # per-field limit of the paid tiers (free: 200)

# %%
samples = sample_media_dir()
if IMAGES is None:
    IMAGES = [str(p) for p in sorted((samples / "scenes").glob("*.jpg"))]
    meta = json.loads((samples / "describe_metadata.json").read_text())
    NARRATION = NARRATION or meta["narrationText"]
    SCENE_IDS = SCENE_IDS or meta["sceneIds"]
    truth = json.loads((samples / "narration_truth.json").read_text())
else:
    truth = None
labels = SCENE_IDS or [f"scene {i}" for i in range(len(IMAGES))]
print(len(IMAGES), "images;", len(NARRATION or ""), "narration characters")

# %% [markdown]
# ## 1. Visual evidence per image

# %%
evidence = scene_evidence(IMAGES, extra_detail=EXTRA_DETAIL)
for path, label, ev in zip(IMAGES, labels, evidence, strict=True):
    with Image.open(path) as img:
        pixels = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    concept = ev.main_concept()
    found = [f"concept: {concept.phrase} ({concept.probability:.2f})" if concept else
             "no concept above the hedge threshold",
             f"{len(ev.faces)} face(s)", f"light: {ev.light or 'ordinary'}",
             f"framing: {ev.framing or '-'}"]
    if ev.ocr_ran:
        found.append(f"text: {ev.text!r}" if ev.text else "no text read")
    evidence_figure(image=pixels, evidence=ev, title=f"{label}: " + "; ".join(found)).show()

# %%
table_figure([{"scene": label,
               "concepts": ", ".join(f"{c.phrase} {c.probability:.2f}"
                                     + ("" if c.reliable else " (unreliable)")
                                     for c in ev.concepts[:3]),
               "faces": len(ev.faces),
               "colours": ", ".join(f"{c.name} {c.share:.0%}" for c in ev.colours),
               "brightness": round(ev.brightness, 2), "contrast": round(ev.contrast, 2),
               "orientation": ev.orientation}
              for label, ev in zip(labels, evidence, strict=True)],
             title="Evidence summary")

# %%
print(json.dumps(evidence[0].as_dict(), indent=1)[:1500])

# %% [markdown]
# ## 2. Descriptions per style
# The same evidence written in each style (`describe_from_evidence`, the writer
# `describe_scenes` uses); `detailed` is a paid-tier style in the service.

# %%
for label, ev in zip(labels, evidence, strict=True):
    print(f"--- {label}")
    for style in STYLES:
        text = describe_from_evidence(ev, style=style, max_chars=MAX_CHARS)
        print(f"{style:>9} ({len(text.split()):>2} words): {text}")

# %% [markdown]
# ## 3. The narration segmentation
# The narration is split into units (sentences, then clauses while there are fewer units than
# scenes); a monotonic segmentation gives each scene a contiguous span in story order. Its
# first words become `startCueText`, its text `anchorText`.

# %%
if NARRATION:
    units = split_units(NARRATION, count=len(IMAGES))
    cues = narration_cues(NARRATION, evidence, max_chars=MAX_CHARS)
    true_spans = (true_scene_spans(NARRATION, truth["sentences"]) if truth is not None
                  else None)
    fig = segmentation_figure(
        narration=NARRATION, units=[(u.start, u.end) for u in units],
        scenes=[(c.span.start, c.span.end) if c is not None else None for c in cues],
        scene_labels=labels, truth=true_spans)
    fig.show()
    for i, (label, cue) in enumerate(zip(labels, cues, strict=True)):
        if cue is None:
            print(f"{label}: no span")
            continue
        agrees = "" if true_spans is None else (
            "  [starts where the true span starts]" if cue.span.start == true_spans[i][0]
            else "  [MISSES the true start]")
        print(f"{label}: cue {cue.start_cue_text!r}, affinity {cue.affinity:.2f}, "
              f"keyword {cue.keyword_hit!r}, contradicted {cue.contradicted}{agrees}")

# %% [markdown]
# ## What Scene Timestamps receives
# The contract's output (`describe_scenes`, style `normal`) and the Scene Timestamps request
# it becomes.

# %%
metadata = {"narrationText": NARRATION} if NARRATION else {}
if SCENE_IDS:
    metadata["sceneIds"] = SCENE_IDS
described = describe_scenes(IMAGES, metadata, tier="enterprise")
for scene in described.data.scenes:
    print(f"{scene.index} {scene.scene_id}: {scene.description}")
    if scene.interpretation:
        print(f"    {scene.interpretation}")
if NARRATION:
    print(json.dumps(to_timestamps_request(described, narration_text=NARRATION),
                     indent=1)[:2000])
