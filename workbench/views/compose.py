"""Compose page: stills until the next cut, the narration under them, optional music; download."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import streamlit as st

from postprod import review
from postprod.contract import ComposeRequest
from postprod.plots import timeline_figure
from workbench import session, steps
from workbench.widgets import clear_error, limits, price_line, record_error, show_error, tier

state = st.session_state
st.title("🎞️ Compose")


def _manifest_sha(manifest: ComposeRequest) -> str:
    return hashlib.sha256(json.dumps(manifest.to_json_data(), sort_keys=True).encode()
                          ).hexdigest()[:16]



response = steps.timestamps_result(state)
if response is None or not state["starts_ms"]:
    st.info("No alignment yet: align the cuts first.", icon="ℹ️")
    st.page_link("views/align.py", label="Go to Align", icon="🎚️")
    st.stop()
try:
    edited = review.with_scene_starts(response=response, starts_ms=state["starts_ms"])
except ValueError as exc:
    st.error(f"The edited scene starts cannot make a timeline: {exc}. Fix them on the Align "
             "page.", icon="⛔")
    st.page_link("views/align.py", label="Go to Align to fix the starts", icon="🎚️")
    st.stop()

lim = limits()
st.caption(f"{tier()} tier: up to {lim.compose_items} media items and "
           f"{lim.compose_timeline_sec:g} s of timeline")

FPS = [23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0]
RESOLUTIONS = {"1920×1080 (HD)": (1920, 1080), "1280×720": (1280, 720),
               "3840×2160 (UHD)": (3840, 2160), "1080×1920 (vertical)": (1080, 1920),
               "1080×1080 (square)": (1080, 1080)}
TARGETS = {"generic": "Generic OTIO", "resolve": "DaVinci Resolve", "premiere": "Adobe Premiere",
           "fcpx": "Final Cut Pro", "kdenlive": "Kdenlive"}
# defaults through session state: a reopened project's settings are already there
for key, default in (("compose_fps", 25.0), ("compose_crossfade", 0.0),
                     ("compose_music", bool(state["music"])),
                     ("media_folder_input", state["media_folder"])):
    if key not in state:
        state[key] = default
c1, c2, c3 = st.columns(3)
target = c1.selectbox("Target editor", list(TARGETS), format_func=TARGETS.__getitem__,
                      key="compose_target", persist_state="session")
fps = c2.selectbox("Frame rate (fps)", FPS, key="compose_fps",
                   format_func=lambda f: f"{f:g}", persist_state="session")
res_label = c3.selectbox("Resolution", list(RESOLUTIONS), key="compose_resolution",
                         persist_state="session")
c4, c5 = st.columns(2)
use_music = c4.toggle("Music bed (looped to fit)", persist_state="session",
                      disabled=not state["music"], key="compose_music",
                      help=None if state["music"] else "Add music on the Project page.")
crossfade = c5.number_input("Crossfade between stills (s, 0 = cuts)", min_value=0.0,
                            max_value=2.0, step=0.1, key="compose_crossfade",
                            persist_state="session")

st.text_input(
    "Media folder on the editing machine (optional)", key="media_folder_input",
    placeholder="empty: media/ next to the timeline file",
    on_change=lambda: state.update(media_folder=state["media_folder_input"].strip()),
    help="Where the producer's files will be on the editor's machine (/Volumes/Footage/orbit, "
         "D:/orbit). The exports point at each file's own name in it. Empty: references are "
         "relative to the timeline file (media/<name>), as in the bundle.")

manifest = None
try:
    manifest = steps.build_manifest(
        state, timestamps=edited, fps=float(fps), resolution=RESOLUTIONS[str(res_label)],
        target_consumer=str(target), use_music=bool(use_music) and bool(state["music"]),
        crossfade_sec=float(crossfade))
except Exception as exc:
    record_error("manifest", exc)
else:
    clear_error("manifest")
show_error("manifest")
if manifest is not None:
    price_line("Compose", lambda: steps.quote_compose(manifest, tier=tier()))

if st.button("Build the timeline", key="run_compose", type="primary",
             disabled=manifest is None) and manifest is not None:
    try:
        with st.spinner("Composing the timeline"):
            result = steps.run_compose(manifest, tier=tier())
    except Exception as exc:
        record_error("compose", exc, input_key=_manifest_sha(manifest))
    else:
        clear_error("compose")
        state["compose_result"] = {
            "otio_json": result.otio_json, "file_name": result.file_name,
            "response": result.response.to_json_data(),
            "manifest": manifest.to_json_data(), "manifest_sha": _manifest_sha(manifest)}
show_error("compose", input_key=_manifest_sha(manifest) if manifest is not None else None)

composed = state["compose_result"]
if composed and manifest is not None and composed.get("manifest_sha") != _manifest_sha(manifest):
    st.warning("The scene starts or the settings changed since this timeline was built; "
               "build it again to include them.", icon="⚠️")
if composed:
    import opentimelineio as otio

    timeline = otio.adapters.read_from_string(composed["otio_json"], "otio_json")
    summary = composed["response"]["data"]["summary"]
    s1, s2, s3, s4 = st.columns(4)
    s1.metric("Duration", f"{summary['durationSec']:.2f} s")
    s2.metric("Frames", summary["durationFrames"])
    s3.metric("Video clips", summary["videoClips"])
    s4.metric("Audio tracks", summary["audioTracks"])
    st.plotly_chart(timeline_figure(timeline), key="timeline_plot", width="stretch")
    warnings = composed["response"]["data"].get("warnings", [])
    if warnings:
        codes = sorted({w["code"] for w in warnings})
        with st.expander(f"⚠️ {len(warnings)} notes from Compose ({', '.join(codes)})"):
            for w in warnings:
                st.caption(f"**{w['code']}**" + (f" (`{w['field']}`)" if w.get("field") else "")
                           + f": {w['message']}")

    from workbench.views.preview import show_preview
    # the bundle's layout of the same cut (media/<own name>): the bundle download and the
    # preview (through links to the stored files) both use it
    bundle_manifest = None if manifest is None else steps.build_manifest(
        state, timestamps=edited, fps=float(fps), resolution=RESOLUTIONS[str(res_label)],
        target_consumer=str(target), use_music=bool(use_music) and bool(state["music"]),
        crossfade_sec=float(crossfade), for_bundle=True)
    files = {k: state[k] for k in ("scenes", "narration", "music")}
    tier_now = tier()

    def preview_source(ready: ComposeRequest) -> Callable[[], Any]:
        return lambda: steps.preview_timeline(files, ready, tier=tier_now,
                                              store=session.store_root() / "previews" / "media")

    show_preview(composed, timestamps=edited,
                 source=None if bundle_manifest is None else preview_source(bundle_manifest))
    st.subheader("Downloads")
    d1, d2, d3 = st.columns(3)
    d1.download_button(f"Download {composed['file_name']}", data=composed["otio_json"],
                       file_name=composed["file_name"], mime="application/vnd.opentimelineio+json",
                       key="download_otio", on_click="ignore", type="primary", icon="⬇️")
    stem = composed["file_name"].rsplit(".", 1)[0]
    d2.download_button("Download JSON response",
                       data=json.dumps(composed["response"], ensure_ascii=False, indent=2),
                       file_name=f"{stem}.response.json", mime="application/json",
                       key="download_response", on_click="ignore")
    d3.download_button("Download manifest (API request)",
                       data=json.dumps(composed["manifest"], ensure_ascii=False, indent=2),
                       file_name=f"{stem}.compose.json", mime="application/json",
                       key="download_manifest", on_click="ignore")
    exports = composed["response"]["data"].get("exports") or {}
    if exports:
        st.caption("Other formats for this editor:")
        cols = st.columns(max(1, len(exports)))
        for col, (name, export) in zip(cols, exports.items(), strict=False):
            col.download_button(f"Download {export['fileName']}", data=export["content"],
                                file_name=export["fileName"], mime=export["mediaType"],
                                key=f"download_export_{name}", on_click="ignore",
                                help=export.get("note"))
    st.subheader("Bundle for the editor")
    st.caption("One .zip with the timeline, the exports for this editor and every media file "
               "under its own name in media/, referenced relative to the timeline: unzip it "
               "anywhere and open the timeline.")
    if bundle_manifest is not None:
        stem_b = composed["file_name"].rsplit(".", 1)[0]
        for_bundle: ComposeRequest = bundle_manifest
        st.download_button(
            "Download the bundle (.zip)", key="download_bundle", type="primary", icon="📦",
            data=lambda: steps.build_bundle(files, for_bundle, tier=tier_now).data,
            file_name=f"{stem_b}.zip", mime="application/zip", on_click="ignore")
    with st.expander("Compose manifest (JSON, for the API)"):
        st.json(composed["manifest"], expanded=False)
elif manifest is not None:
    with st.expander("Compose manifest that will be sent (JSON)"):
        st.json(manifest.to_json_data(), expanded=False)
