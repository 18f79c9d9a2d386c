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
#    concepts they group into, faces (boxed on the image), on-screen text (OCR), dominant
#    colours, light, framing; and the weighted phrases that evidence offers the narration.
# 2. The descriptions in each style (`short`, `normal`, `detailed`), each beside the evidence
#    it was written from.
# 3. The narration: the units it was split into, every scene's affinity to every unit (the
#    heatmap the segmentation reads), the span each scene got, and each cue with the evidence
#    behind it (keyword, how firmly the image shows it, the interpretation sentence).
#
# By default it inspects the sample project (`sample_media/`). For **your own images** set
# `IMAGES_DIR` to a folder of stills (taken in file-name order: name them `01_...`, `02_...`)
# or `IMAGES` to a list of paths, and `NARRATION` (or `NARRATION_FILE`) to your script.

# %%
import base64
import html
import io
import json
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from IPython.display import display
from PIL import Image, ImageOps

from postprod.describe import (
    describe_from_evidence,
    describe_scenes,
    narration_cues,
    scene_evidence,
    split_units,
    to_timestamps_request,
)
from postprod.describe.narration import centre
from postprod.describe.narration_matching import evidence_terms, scene_affinity
from postprod.describe.scenes import interpretation, keyword_support
from postprod.research.notebook_figures import (
    affinity_figure,
    evidence_figure,
    segmentation_figure,
    table_figure,
)
from postprod.research.truth import true_scene_spans
from postprod.samples import sample_media_dir

# %% tags=["parameters"]
IMAGES_DIR = None  # a folder of your stills (.jpg/.jpeg/.png/.webp), in file-name order
IMAGES = None  # or a list of image paths in scene order; None (both): the sample project
NARRATION = None  # the narration text; None: NARRATION_FILE, or the sample's narration
NARRATION_FILE = None  # a UTF-8 text file holding the narration
SCENE_IDS = None  # one id per image; None: the sample's ids (or none for your own images)
STYLES = ["short", "normal", "detailed"]
EXTRA_DETAIL = False  # deeper analysis for every image (more labels, OCR, full palette)
MAX_CHARS = 500  # per-field limit of the paid tiers (free: 200)

# %%
truth = None
if IMAGES_DIR is not None:
    IMAGES = [str(p) for p in sorted(Path(IMAGES_DIR).iterdir())
              if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")]
    if not IMAGES:
        raise FileNotFoundError(f"no .jpg/.jpeg/.png/.webp images in {IMAGES_DIR}")
if NARRATION is None and NARRATION_FILE is not None:
    NARRATION = Path(NARRATION_FILE).read_text(encoding="utf-8").strip()
if IMAGES is None:
    samples = sample_media_dir()
    IMAGES = [str(p) for p in sorted((samples / "scenes").glob("*.jpg"))]
    meta = json.loads((samples / "describe_metadata.json").read_text())
    NARRATION = NARRATION or meta["narrationText"]
    SCENE_IDS = SCENE_IDS or meta["sceneIds"]
    truth = json.loads((samples / "narration_truth.json").read_text())
labels = SCENE_IDS or [Path(p).stem for p in IMAGES]
print(len(IMAGES), "images;", len(NARRATION or ""), "narration characters")

# %% [markdown]
# ## 1. Visual evidence per image
# Yellow boxes: detected faces. Labels: the classifier's top classes with probabilities.
# Colours: the dominant named colours with their share of the pixels.

# %%
evidence = scene_evidence(IMAGES, extra_detail=EXTRA_DETAIL)
pixels = []
for path in IMAGES:
    with Image.open(path) as img:
        pixels.append(np.asarray(ImageOps.exif_transpose(img).convert("RGB")))


def found_line(ev):
    """One line of what else was found in an image."""
    concept = ev.main_concept()
    found = [f"concept: {concept.phrase} ({concept.probability:.2f})" if concept else
             "no concept above the hedge threshold",
             f"{len(ev.faces)} face(s)", f"light: {ev.light or 'ordinary'}",
             f"framing: {ev.framing or '-'}"]
    if ev.ocr_ran:
        found.append(f"text: {ev.text!r}" if ev.text else "no text read")
    return "; ".join(found)


for label, image, ev in zip(labels, pixels, evidence, strict=True):
    evidence_figure(image=image, evidence=ev, title=f"{label}: {found_line(ev)}").show()

# %%
table_figure([{"scene": label,
               "concepts": ", ".join(f"{c.phrase} {c.probability:.2f}"
                                     + ("" if c.reliable else " (unreliable)")
                                     for c in ev.concepts[:3]),
               "faces": len(ev.faces),
               "text (OCR)": ev.text if ev.ocr_ran else "(OCR not run)",
               "colours": ", ".join(f"{c.name} {c.share:.0%}" for c in ev.colours),
               "brightness": round(ev.brightness, 2), "contrast": round(ev.contrast, 2),
               "orientation": ev.orientation}
              for label, ev in zip(labels, evidence, strict=True)],
             title="Evidence summary")

# %% [markdown]
# What each image offers the narration matching: weighted phrases (weight = trust, from the
# classifier probability or the detector) and the keywords whose verbatim presence in a
# sentence counts as strong evidence.

# %%
terms = [evidence_terms(ev) for ev in evidence]
table_figure([{"scene": label, "phrase": t.text, "weight": round(t.weight, 2),
               "keywords": ", ".join(t.keywords)}
              for label, scene_terms in zip(labels, terms, strict=True) for t in scene_terms],
             title="Evidence phrases offered to the narration")

# %%
print(json.dumps(evidence[0].as_dict(), indent=1)[:1500])

# %% [markdown]
# ## 2. Descriptions per style
# The same evidence written in each style (`describe_from_evidence`, the writer
# `describe_scenes` uses); `detailed` is a paid-tier style in the service.

# %%
for label, ev in zip(labels, evidence, strict=True):
    print(f"--- {label}  [{found_line(ev)}]")
    for style in STYLES:
        text = describe_from_evidence(ev, style=style, max_chars=MAX_CHARS)
        print(f"{style:>9} ({len(text.split()):>2} words): {text}")

# %% [markdown]
# ## 3. The narration: units, affinities, spans and cues
# The narration is split into units (sentences, then clauses while there are fewer units than
# scenes). Every scene's evidence phrases are compared with every unit (sentence encoder, plus
# a bonus when a keyword occurs verbatim); the segmentation reads the double-centred affinity
# below and gives each scene a contiguous span in story order. Its first words become
# `startCueText`, its text `anchorText`.

# %%
cues = [None] * len(IMAGES)
if NARRATION:
    units = split_units(NARRATION, count=len(IMAGES))
    unit_texts = [u.text(NARRATION) for u in units]
    raw, hits = scene_affinity(terms, unit_texts)
    cues = narration_cues(NARRATION, evidence, max_chars=MAX_CHARS)
    spans = []
    for cue in cues:
        inside = [j for j, u in enumerate(units)
                  if cue is not None and u.start >= cue.span.start and u.end <= cue.span.end]
        spans.append((inside[0], inside[-1]) if inside else None)
    display(affinity_figure(affinity=centre(raw), units=unit_texts, scene_labels=labels,
                            spans=spans, hits=hits))
    true_spans = (true_scene_spans(NARRATION, truth["sentences"]) if truth is not None
                  else None)
    segmentation_figure(
        narration=NARRATION, units=[(u.start, u.end) for u in units],
        scenes=[(c.span.start, c.span.end) if c is not None else None for c in cues],
        scene_labels=labels, truth=true_spans).show()
    rows = []
    for i, (label, ev, cue) in enumerate(zip(labels, evidence, cues, strict=True)):
        if cue is None:
            rows.append({"scene": label, "start cue": "(no span)"})
            continue
        rows.append({
            "scene": label, "start cue": cue.start_cue_text,
            "affinity": round(cue.affinity, 3),
            "keyword": cue.keyword_hit or "-",
            "image shows it": (keyword_support(ev, cue.keyword_hit) or "weakly")
            if cue.keyword_hit else "-",
            "cue sent": "no (contradicted)" if cue.contradicted else "yes",
            "interpretation": interpretation(ev, cue),
            "true start": "-" if true_spans is None else (
                "right" if cue.span.start == true_spans[i][0] else "MISSED")})
    display(table_figure(rows, title="Cues and the evidence behind them"))

# %% [markdown]
# ## One scene at a time
# Pick a scene: its image and evidence, its descriptions, its span of narration and why.

# %%
picker = widgets.Dropdown(options=[(label, i) for i, label in enumerate(labels)], value=0,
                          description="scene")
panel = widgets.HTML()
shown = {}


def show_scene(change=None):
    """Everything the describer found and decided for the picked scene, as HTML."""
    i = picker.value
    ev, cue = evidence[i], cues[i]
    shown["scene"] = labels[i]
    thumb = Image.fromarray(pixels[i])
    thumb.thumbnail((360, 360))
    buf = io.BytesIO()
    thumb.convert("RGB").save(buf, format="JPEG", quality=85)
    rows = [f"<b>{style}</b>: "
            f"{html.escape(describe_from_evidence(ev, style=style, max_chars=MAX_CHARS))}"
            for style in STYLES]
    if cue is not None:
        rows.append(f"<b>span</b>: “{html.escape(cue.span.text(NARRATION))}”")
        rows.append(f"<b>start cue</b> “{html.escape(cue.start_cue_text)}”, affinity "
                    f"{cue.affinity:.3f}, keyword {html.escape(cue.keyword_hit or '-')}; "
                    f"{html.escape(interpretation(ev, cue))}")
    panel.value = (
        f"<div style='display:flex;gap:16px'><img src='data:image/jpeg;base64,"
        f"{base64.b64encode(buf.getvalue()).decode()}'/><div><p><b>{html.escape(labels[i])}"
        f"</b>: {html.escape(found_line(ev))}</p><p>{'</p><p>'.join(rows)}</p></div></div>")


picker.observe(show_scene, names="value")
show_scene()
display(widgets.VBox([picker, panel]))

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
