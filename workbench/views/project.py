"""Project page: scene stills (ordered), narration audio and text, optional music, or the sample."""

from __future__ import annotations

import streamlit as st

from postprod.contract import compose_price
from workbench import session, steps
from workbench.widgets import fmt_mb, limits, price_line, tier

state = st.session_state
st.title("📁 Project")

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
            st.toast(f"Opened {sample_dir.name}")
with col_info:
    st.caption(f"Sample project folder: `{sample_dir}`"
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
uploads = st.file_uploader("Add scene images (JPEG, PNG, WebP), in scene order",
                           type=["jpg", "jpeg", "png", "webp"], accept_multiple_files=True,
                           key="scene_upload")
if uploads:
    seen = set(state["seen_uploads"])
    new = [f for f in uploads if f.file_id not in seen]
    if new:
        for f in sorted(new, key=lambda f: f.name):
            state["scenes"] = [*state["scenes"], session.store_upload(name=f.name,
                                                                      data=f.getvalue())]
            seen.add(f.file_id)
        state["seen_uploads"] = sorted(seen)
        state["project_source"] = None

for i, scene in enumerate(state["scenes"]):
    c_img, c_name, c_up, c_down, c_del = st.columns([1, 5, 0.6, 0.6, 0.6],
                                                    vertical_alignment="center")
    with c_img:
        st.image(scene["path"], width=90)
    with c_name:
        st.markdown(f"**{i}.** `{scene['name']}` · {fmt_mb(scene['size'])}")
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
st.caption(
    f"{tier()} tier: audio up to **{fmt_mb(lim.timestamps_audio_bytes)}** and "
    f"**{lim.timestamps_audio_sec / 60:g} min**; narration text up to "
    f"**{lim.describe_narration_chars:,} characters** for Describe and "
    f"**{lim.timestamps_narration_chars:,}** for Align")
audio_file = st.file_uploader("Narration audio (WAV, FLAC, MP3, M4A, OGG)",
                              type=[s.lstrip(".") for s in session.AUDIO_SUFFIXES],
                              key="narration_upload")
if audio_file is not None and audio_file.file_id not in state["seen_uploads"]:
    state["narration"] = session.store_upload(name=audio_file.name, data=audio_file.getvalue())
    state["seen_uploads"] = [*state["seen_uploads"], audio_file.file_id]
    state["project_source"] = None
    narration = state["narration"]
if narration:
    st.markdown(f"🎙️ `{narration['name']}` · {fmt_mb(narration['size'])}")
    if narration["size"] > lim.timestamps_audio_bytes:
        st.warning("The narration is over this tier's audio size limit.", icon="⚠️")
    st.audio(narration["path"])

text_file = st.file_uploader("Narration text (.txt), optional", type=["txt"],
                             key="narration_text_upload")
if text_file is not None and text_file.file_id not in state["seen_uploads"]:
    state["narration_text"] = text_file.getvalue().decode("utf-8", errors="replace").strip()
    state["seen_uploads"] = [*state["seen_uploads"], text_file.file_id]
    state["narration_text_area"] = state["narration_text"]


def _keep_text() -> None:
    state["narration_text"] = state["narration_text_area"]


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
                              key="music_upload")
if music_file is not None and music_file.file_id not in state["seen_uploads"]:
    state["music"] = session.store_upload(name=music_file.name, data=music_file.getvalue())
    state["seen_uploads"] = [*state["seen_uploads"], music_file.file_id]
if state["music"]:
    c_m, c_x = st.columns([5, 1])
    c_m.markdown(f"🎵 `{state['music']['name']}` · {fmt_mb(state['music']['size'])}")
    c_x.button("Remove music", key="remove_music", on_click=lambda: state.update(music=None))

st.divider()
ready = bool(state["scenes"]) and bool(state["narration"])
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
else:
    st.info("Add scene images and a narration, or open the sample project.", icon="ℹ️")
