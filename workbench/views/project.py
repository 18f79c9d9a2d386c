"""Project page: scene stills (ordered), narration audio and text, optional music, or the sample."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from postprod import project as projects
from postprod.contract import PostprodError, compose_price
from workbench import jobs, session, steps
from workbench.widgets import (
    MB,
    error_text,
    fmt_mb,
    job_panel,
    limits,
    price_line,
    show_error,
    tier,
)

WAV_FACTOR = 3  # a WAV narration up to this many times the tier's cap is taken, to convert

state = st.session_state
st.title("📁 Project")

# --- saved projects -----------------------------------------------------------------------------
root = session.projects_root()
saved = projects.list_projects(root)
start = session.startup_project()
if start is not None and all(p.folder.resolve() != start for p in saved):
    saved.insert(0, projects.ProjectInfo(folder=start, name=start.name,
                                         modified=start.stat().st_mtime))
here = state["project_dir"]
with st.container(border=True):
    c_list, c_open, c_new = st.columns([4, 1, 1], vertical_alignment="bottom")
    labels = {str(p.folder): f"{p.name} · saved "
              f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(p.modified))}" for p in saved}
    chosen = c_list.selectbox("Saved projects", list(labels), format_func=labels.__getitem__,
                              index=list(labels).index(here) if here in labels else None,
                              placeholder="no saved project yet" if not labels
                              else "choose a project to open", key="project_pick")
    if c_open.button("Open it", key="open_saved", disabled=not chosen or chosen == here):
        state["_open_next"] = str(chosen)
        st.rerun()
    if c_new.button("New project", key="new_project"):
        session.init_state(state)
        for key, value in session.DEFAULTS.items():
            state[key] = value.copy() if isinstance(value, list | dict) else value
        state["project_name"] = "Untitled project"
        session.ensure_project(state)
        state["project_name_input"] = state["project_name"]
        state["narration_text_area"] = ""
        st.rerun()
    if here:
        st.caption(f"Saved automatically in `{here}`")
        c_exp, c_imp = st.columns(2)
        c_exp.download_button("Export this project (.zip)",
                              data=lambda: projects.export_zip(Path(here)),
                              file_name=f"{Path(here).name}.zip", mime="application/zip",
                              key="export_project", on_click="ignore", icon="📦")
    else:
        c_imp = st.container()
    imported = c_imp.file_uploader("Import a project (.zip)", type=["zip"], key="import_project")
    if imported is not None and imported.file_id not in state["seen_uploads"]:
        state["seen_uploads"] = [*state["seen_uploads"], imported.file_id]
        try:
            folder = projects.import_zip(root=root, data=imported.getvalue())
        except PostprodError as exc:
            st.error(f"{imported.name}: {exc.message}", icon="🚫")
        else:
            state["_open_next"] = str(folder)
            st.rerun()

sample_dir = session.default_project_dir()
col_open, col_info = st.columns([1, 3])
with col_open:
    if st.button("Open the sample project", key="open_sample", type="primary",
                 disabled=not sample_dir.is_dir()):
        try:
            session.open_project(state, sample_dir)
        except FileNotFoundError as exc:
            st.error(f"Cannot open {sample_dir}: {exc}", icon="🚫")
        else:
            st.toast(f"Opened a copy of {sample_dir.name}")
with col_info:
    st.caption(f"Sample project folder: `{sample_dir}` (opened as a copy; never written to)"
               + ("" if sample_dir.is_dir() else " (missing)"))
    if state["project_source"]:
        st.success(f"Project opened from `{state['project_source']}`", icon="✅")

# Text widgets are seeded from the project keys (their own state is dropped on page changes).
if "project_name_input" not in state:
    state["project_name_input"] = state["project_name"]
if "narration_text_area" not in state:
    state["narration_text_area"] = state["narration_text"]
st.text_input("Project name (timeline name)", key="project_name_input",
              on_change=lambda: state.update(project_name=state["project_name_input"]))

lim = limits()

# --- scene stills ---------------------------------------------------------------------------
st.subheader("Scene images")
total_bytes = sum(s["size"] for s in state["scenes"])
st.caption(
    f"{tier()} tier: up to **{lim.describe_images} images**, "
    f"**{fmt_mb(lim.describe_total_bytes)}** in total · "
    f"now {len(state['scenes'])} images, {fmt_mb(total_bytes)}")
if len(state["scenes"]) > lim.describe_images or total_bytes > lim.describe_total_bytes:
    st.warning("Over this tier's Describe limits: Describe will refuse these images.", icon="⚠️")
uploads = st.file_uploader(
    "Add scene images (JPEG, PNG, WebP), in scene order", type=["jpg", "jpeg", "png", "webp"],
    accept_multiple_files=True, key="scene_upload",
    max_upload_size=max(1, lim.describe_total_bytes // MB),
    help=f"At most {fmt_mb(lim.describe_total_bytes)} per file and in total on the {tier()} "
         "tier.")
if uploads:
    seen = set(state["seen_uploads"])
    new = [f for f in uploads if f.file_id not in seen]
    if new:
        for f in sorted(new, key=lambda f: f.name):
            state["scenes"] = [*state["scenes"], session.store_upload(
                state, name=f.name, data=f.getvalue(), kind="image")]
            seen.add(f.file_id)
        state["seen_uploads"] = sorted(seen)
        state["project_source"] = None

for i, scene in enumerate(state["scenes"]):
    c_img, c_name, c_up, c_down, c_del = st.columns([1, 5, 0.6, 0.6, 0.6],
                                                    vertical_alignment="center")
    with c_img:
        if scene.get("error"):
            st.markdown("🚫")
        else:
            st.image(scene["path"], width=90)
    with c_name:
        st.markdown(f"**{i}.** `{scene['name']}` · {fmt_mb(scene['size'])}")
        if scene.get("error"):
            st.error(f"`{scene['name']}` cannot be used: " + error_text(scene["error"]),
                     icon="🚫")
    c_up.button("⬆️", key=f"up_{i}", help="Move up", disabled=i == 0,
                on_click=session.move_scene, args=(state, i, -1))
    c_down.button("⬇️", key=f"down_{i}", help="Move down",
                  disabled=i == len(state["scenes"]) - 1,
                  on_click=session.move_scene, args=(state, i, 1))
    c_del.button("✖️", key=f"remove_{i}", help="Remove this scene",
                 on_click=session.remove_scene, args=(state, i))

# --- narration ------------------------------------------------------------------------------
st.subheader("Narration")
narration = state["narration"]
audio_cap = lim.timestamps_audio_bytes
st.caption(
    f"{tier()} tier: audio up to **{fmt_mb(audio_cap)}** and "
    f"**{lim.timestamps_audio_sec / 60:g} min** (a WAV up to {WAV_FACTOR}× that size is "
    f"accepted and converted to FLAC here); narration text up to "
    f"**{lim.describe_narration_chars:,} characters** for Describe and "
    f"**{lim.timestamps_narration_chars:,}** for Align")
audio_file = st.file_uploader("Narration audio (WAV, FLAC, MP3, M4A, OGG)",
                              type=[s.lstrip(".") for s in session.AUDIO_SUFFIXES],
                              key="narration_upload",
                              max_upload_size=max(1, WAV_FACTOR * audio_cap // MB))
if audio_file is not None and audio_file.file_id not in state["seen_uploads"]:
    state["narration"] = session.store_upload(state, name=audio_file.name,
                                              data=audio_file.getvalue(), kind="audio")
    state["seen_uploads"] = [*state["seen_uploads"], audio_file.file_id]
    state["project_source"] = None
    narration = state["narration"]
if narration:
    st.markdown(f"🎙️ `{narration['name']}` · {fmt_mb(narration['size'])}")
    if narration.get("error"):
        st.error(f"`{narration['name']}` cannot be used as narration: "
                 + error_text(narration["error"]), icon="🚫")
    else:
        if narration["size"] > audio_cap:
            if session.is_wav(narration):
                st.warning(f"`{narration['name']}` is {fmt_mb(narration['size'])}, over the "
                           f"{tier()} tier's {fmt_mb(audio_cap)}. FLAC holds the same audio, "
                           "losslessly, in about half the size.", icon="⚠️")
                if st.button("Convert to FLAC", key="convert_flac", icon="🗜️"):
                    with st.spinner("Converting to FLAC"):
                        state["narration"] = session.convert_to_flac(state, narration)
                    st.rerun()
            else:
                st.warning(f"`{narration['name']}` is {fmt_mb(narration['size'])}, over the "
                           f"{tier()} tier's audio limit of {fmt_mb(audio_cap)}.", icon="⚠️")
        st.audio(narration["path"])

text_file = st.file_uploader("Narration text (.txt), optional", type=["txt"],
                             key="narration_text_upload", max_upload_size=1)
if text_file is not None and text_file.file_id not in state["seen_uploads"]:
    state["narration_text"] = text_file.getvalue().decode("utf-8", errors="replace").strip()
    state["seen_uploads"] = [*state["seen_uploads"], text_file.file_id]
    state["narration_text_area"] = state["narration_text"]


def _keep_text() -> None:
    state["narration_text"] = state["narration_text_area"]


if narration and not narration.get("error") and not state["narration_text"].strip():
    with st.container(border=True):
        st.markdown("No script text: transcribe the narration to get it (the recogniser Align "
                    "uses), then Describe proposes cues from it.")
        job = job_panel("transcribe")
        busy = job is not None and job.status == "running"
        c_t, c_m = st.columns([1, 2], vertical_alignment="center")
        t_model = c_m.radio("Recogniser", ["base", "tiny.en"], horizontal=True,
                            key="transcribe_model",
                            format_func={"base": "base (any language)",
                                         "tiny.en": "tiny.en (fast, English)"}.__getitem__)
        if c_t.button("Transcribe narration", key="run_transcribe", type="primary",
                      disabled=busy):
            try:
                steps.start_transcribe(state, tier=tier(), model=str(t_model))
            except jobs.JobBusy as exc:
                st.warning(f"{exc}; wait for it or cancel it.", icon="⏳")
            else:
                st.rerun()
        show_error("transcribe", input_key=narration["sha256"])

st.text_area("Narration text (the script; helps Describe find cues and Align place them)",
             key="narration_text_area", height=140,
             on_change=_keep_text)
n_chars = len(state["narration_text"])
st.caption(f"{n_chars:,} characters")
if n_chars > lim.describe_narration_chars:
    st.warning(f"Longer than the {tier()} tier's {lim.describe_narration_chars:,} characters "
               "for Describe.", icon="⚠️")

# --- music ----------------------------------------------------------------------------------
st.subheader("Music bed (optional)")
music_file = st.file_uploader("Music (looped to fit the narration on Compose)",
                              type=[s.lstrip(".") for s in session.AUDIO_SUFFIXES],
                              key="music_upload",
                              max_upload_size=max(1, audio_cap // MB))
if music_file is not None and music_file.file_id not in state["seen_uploads"]:
    state["music"] = session.store_upload(state, name=music_file.name,
                                          data=music_file.getvalue(), kind="audio")
    state["seen_uploads"] = [*state["seen_uploads"], music_file.file_id]
if state["music"]:
    c_m, c_x = st.columns([5, 1])
    c_m.markdown(f"🎵 `{state['music']['name']}` · {fmt_mb(state['music']['size'])}")
    if state["music"].get("error"):
        c_m.error(f"`{state['music']['name']}` cannot be used as music: "
                  + error_text(state["music"]["error"]), icon="🚫")
    c_x.button("Remove music", key="remove_music", on_click=lambda: state.update(music=None))

st.divider()
bad = session.bad_files(state)
ready = bool(state["scenes"]) and bool(state["narration"]) and not bad
if bad:
    st.warning("Remove or replace the files marked 🚫 first: " + ", ".join(
        f"`{name}`" for name in bad), icon="⚠️")
if ready:
    st.subheader("Credits on the " + tier() + " tier")
    c_d, c_a, c_c = st.columns(3)
    with c_d:
        price_line("Describe", lambda: steps.quote_describe(
            state, steps.describe_request(state, style="normal"), tier=tier()))
    with c_a:
        price_line("Align", lambda: steps.estimate_timestamps(state, tier=tier()))
    with c_c:
        st.markdown(f"💳 **Compose: {compose_price()} credits**")
    st.caption("Each page shows the exact price of its step before it runs.")
if ready:
    st.page_link("views/describe.py", label="Next: describe the scenes", icon="➡️")
elif not bad:
    st.info("Add scene images and a narration, or open the sample project.", icon="ℹ️")
