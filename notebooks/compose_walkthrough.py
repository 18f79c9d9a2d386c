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
# # Compose walkthrough: from a manifest to an editor's timeline
#
# 1. A Compose manifest written by hand, composed into OpenTimelineIO.
# 2. The same from the pipeline: Describe Scenes on the sample stills, Scene Timestamps on the
#    sample narration, `build_compose_manifest` glues the two results into a manifest.
# 3. The OTIO tree, a preview of the tracks, and the exports for each editor.
#
# Everything here calls the library's public API; the notebook computes nothing itself.

# %%
import itertools
import json
from collections import Counter

import opentimelineio as otio

from postprod.compose import compose_otio, quote_compose
from postprod.contract import ComposeRequest, TimestampsResponse, parse_model
from postprod.pipeline import build_compose_manifest
from postprod.plots import timeline_figure
from postprod.samples import sample_media_dir

# %% tags=["parameters"]
ASR_MODEL = "tiny.en"  # "base" for the default model (slower, better on real voices)
RUN_MODELS = True  # False: skip describe/timestamps and use the sample project's truth
CROSSFADE_SEC = 0.5  # crossfade between the pipeline's stills (0 = cuts)
TIER = "enterprise"

# %%
SAMPLES = sample_media_dir()
print("sample project:", SAMPLES)

# %% [markdown]
# ## 1. A manifest by hand
# Two stills, a crossfade, the trimmed clip and the music looped under all of it. Times are
# seconds; the composer rounds positions (not durations) to frames at the project rate.

# %%
by_hand = {
    "project": {"name": "Walkthrough by hand", "fps": 25, "resolution": {"w": 1920, "h": 1080}},
    "folder": {"items": [
        {"id": "rocket", "kind": "image", "path": "scenes/02_rocket.jpg"},
        {"id": "deep_field", "kind": "image", "path": "scenes/03_deep_field.jpg"},
        {"id": "clip", "kind": "video", "path": "clip.mp4", "durationSec": 6.0},
        {"id": "music", "kind": "audio", "path": "music_loop.wav", "durationSec": 6.4},
    ]},
    "intent": {
        "sequence": [
            {"itemId": "rocket", "durationSec": 3.0},
            {"itemId": "deep_field", "durationSec": 2.5,
             "transitionIn": {"type": "crossfade", "durationSec": 0.8}},
            {"itemId": "clip", "trim": {"inSec": 1.0, "outSec": 4.0},
             "transitionIn": {"type": "crossfade", "durationSec": 1.0}},
        ],
        "audioLayers": [{"itemId": "music", "fromSec": 0, "toSec": 8.5, "role": "music",
                         "placement": "loopToFit", "trackId": "music"}],
    },
    "responseFormat": "json",
}
request = parse_model(ComposeRequest, by_hand)
print("price:", quote_compose(request, tier=TIER), "credits")
result = compose_otio(request, tier=TIER)
print(result.file_name)
print(json.dumps(result.response.data.summary.model_dump(by_alias=True), indent=2))
for w in result.response.data.warnings:
    print("warning:", w.code, w.field, w.message)
# ROUNDED_TO_FRAME warnings are expected: the sample's times are in ms, the cuts in frames.

# %%
timeline_figure(otio.adapters.read_from_string(result.otio_json, "otio_json"))

# %% [markdown]
# ## 2. The sample project's manifest
# `sample_media/compose.json` uses every sample file: five stills timed to the narration, the
# clip as an outro, the narration, and the music on its own lane with `loopToFit`.

# %%
sample_request = parse_model(ComposeRequest, (SAMPLES / "compose.json").read_text())
sample_result = compose_otio(sample_request, tier="free")
sample_timeline = otio.adapters.read_from_string(sample_result.otio_json, "otio_json")
timeline_figure(sample_timeline)

# %% [markdown]
# ## 3. From Describe Scenes and Scene Timestamps
# The pipeline the workbench walks (contract §5). With `RUN_MODELS = False` the notebook builds a
# Scene Timestamps result from the sample project's measured truth instead of running the
# models, so the glue can be studied on its own.

# %%
stills = sorted((SAMPLES / "scenes").glob("*.jpg"))
describe_meta = json.loads((SAMPLES / "describe_metadata.json").read_text())
narration = SAMPLES / "narration.wav"
truth = json.loads((SAMPLES / "narration_truth.json").read_text())

if RUN_MODELS:
    from postprod.align import scene_timestamps
    from postprod.describe import describe_scenes, to_timestamps_request

    described = describe_scenes([str(p) for p in stills], describe_meta, tier=TIER)
    for scene in described.data.scenes:
        print(f"{scene.index} {scene.scene_id}: {scene.description}")
        print(f"    cue: {scene.start_cue_text!r}")
    stamps_request = to_timestamps_request(described,
                                           narration_text=describe_meta["narrationText"])
    timestamps = scene_timestamps(str(narration), stamps_request, tier=TIER, model=ASR_MODEL)
else:
    scenes = truth["scenes"]
    cuts = [0] + [s["onsetMs"] for s in scenes[1:]]
    timestamps = parse_model(TimestampsResponse, {
        "data": {
            "scenes": [{"index": i, "id": s["id"], "startMs": cuts[i]}
                       for i, s in enumerate(scenes)],
            "transitions": [{"fromSceneId": a["id"], "toSceneId": b["id"],
                             "atMs": cuts[i + 1],
                             "window": {"startMs": cuts[i + 1], "endMs": cuts[i + 1]},
                             "confidence": 1.0, "basis": "startCue"}
                            for i, (a, b) in enumerate(itertools.pairwise(scenes))],
            "warnings": []},
        "meta": {"requestId": "req_00000000000000000000000000", "startOffsetMs": 0,
                 "audioDurationMs": truth["durationMs"], "languageCode": "en"}})

for scene, cut in zip(timestamps.data.scenes, truth["scenes"], strict=True):
    print(f"{scene.id:>11}: starts {scene.start_ms:>6} ms (spoken at {cut['onsetMs']} ms)")

# %%
manifest = build_compose_manifest(
    scene_images=[p.relative_to(SAMPLES).as_posix() for p in stills],
    timestamps=timestamps,
    narration_path="narration.wav",
    narration_duration_sec=truth["durationMs"] / 1000,
    project_name="Home from orbit (pipeline)",
    music_path="music_loop.wav",
    music_duration_sec=6.4,
    crossfade_sec=CROSSFADE_SEC,
)
print(json.dumps(manifest.model_dump(by_alias=True, exclude_none=True), indent=1)[:1500])
pipeline_result = compose_otio(manifest, tier=TIER)
pipeline_timeline = otio.adapters.read_from_string(pipeline_result.otio_json, "otio_json")
timeline_figure(pipeline_timeline)

# %% [markdown]
# ## 4. The OTIO tree
# Every time is an integer frame count at the project rate; our data lives under the `postprod`
# metadata key.

# %%
def show_tree(timeline: otio.schema.Timeline) -> None:
    print(f"Timeline {timeline.name!r}, {timeline.duration().to_seconds():.3f} s, "
          f"metadata {dict(timeline.metadata.get('postprod', {}))}")
    for track in timeline.tracks:
        print(f"  {track.kind} track {track.name!r}")
        for child in track:
            kind = type(child).__name__
            if isinstance(child, otio.schema.Transition):
                print(f"    {kind:<10} {child.transition_type} in {child.in_offset.value:g} "
                      f"out {child.out_offset.value:g} frames")
                continue
            r = child.range_in_parent()
            target = ""
            if isinstance(child, otio.schema.Clip) and child.media_reference is not None:
                target = getattr(child.media_reference, "target_url", "")
            print(f"    {kind:<10} {child.name:<22} at {r.start_time.value:>6g} "
                  f"for {r.duration.value:>6g} frames  {target}")


show_tree(pipeline_timeline)

# %% [markdown]
# ## 5. Exports for each editor
# `targetConsumer` never changes timing; it tunes what each editor's importer needs. The `json`
# response also offers other formats the editor imports better (`exports`).

# %%
durations = set()
for consumer in ["generic", "resolve", "premiere", "fcpx", "kdenlive"]:
    tuned = manifest.model_copy(update={
        "output": manifest.output.model_copy(update={"target_consumer": consumer}),
        "response_format": "json"})
    out = compose_otio(tuned, tier=TIER)
    data = out.response.data
    durations.add(data.summary.duration_frames)
    exports = {k: f"{v.file_name} ({len(v.content)} chars)" for k, v in data.exports.items()}
    print(f"{consumer:>9}: {out.file_name}, {data.summary.duration_frames} frames, "
          f"exports {exports or '-'}")
    codes = Counter(w.code for w in data.warnings)
    print(f"{'':>11}warnings: {dict(codes) or '-'}")
assert len(durations) == 1, "targetConsumer must never change timing"

# %%
fcpx = compose_otio(manifest.model_copy(update={
    "output": manifest.output.model_copy(update={"target_consumer": "fcpx"}),
    "response_format": "json"}), tier=TIER)
for name, export in fcpx.response.data.exports.items():
    print(f"--- {name}: {export.file_name} ({export.media_type})")
    print(export.content[:800])
