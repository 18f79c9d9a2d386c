"""Describe page: one description per still, with the narration cues Align will use (editable)."""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from postprod.models.captioner import CAPTIONER_ENV
from workbench import jobs, session, steps
from workbench.widgets import job_panel, limits, price_line, show_error, tier

state = st.session_state
st.title("🖼️ Describe")

if not state["scenes"]:
    st.info("No scene images yet: add them on the Project page or open the sample project.",
            icon="ℹ️")
    st.page_link("views/project.py", label="Go to Project", icon="📁")
    st.stop()
bad = session.bad_files(state)
if bad:
    st.warning("Some files cannot be used: " + ", ".join(f"`{n}`" for n in bad)
               + ". Remove or replace them on the Project page.", icon="⚠️")
    st.page_link("views/project.py", label="Go to Project", icon="📁")

lim = limits()
paid = bool(lim.describe_paid_features)
reason = f"available on the premium and enterprise tiers, not on {tier()}"

c_style, c_extra = st.columns([1, 2])
with c_style:
    styles = ["short", "normal", "detailed"] if paid else ["short", "normal"]
    style_key = f"describe_style_{'paid' if paid else 'free'}"
    style = st.selectbox("Style", styles, index=1, key=style_key,
                         help="short: ≤ 12 words · normal: one sentence ≤ 30 words · "
                              "detailed: 2–3 sentences ≤ 70 words (paid tiers)")
    if not paid:
        st.caption(f"🔒 *detailed* style: {reason}")
with c_extra:
    options = list(range(len(state["scenes"])))
    extra = st.multiselect(
        "Extra detail for scenes"
        + (f" (at most {lim.describe_extra_detail_scenes})" if paid else ""),
        options, default=[], key="describe_extra", disabled=not paid,
        format_func={i: f"{i}: {s['name']}" for i, s in enumerate(state["scenes"])}.__getitem__,
        help=None if paid else f"Extra detail is {reason}.")
    if not paid:
        st.caption(f"🔒 extra detail: {reason}")

captioner_dir = st.text_input(
    "Captioner model folder (optional)", key="captioner_dir", persist_state="session",
    value=os.environ.get(CAPTIONER_ENV, ""),
    placeholder="empty: descriptions are written from the visual evidence",
    help="A local transformers image-to-text model folder on this machine, loaded offline "
         f"(never downloaded); default: ${CAPTIONER_ENV}. Its caption replaces the first "
         "sentence of each description.")

request = steps.describe_request(state, style=style, extra_detail=extra if paid else [])
cost = price_line("Describe", lambda: steps.quote_describe(state, request, tier=tier()))
if (state["narration"] and not (state["narration_text"] or "").strip()
        and not state["narration"].get("error")):
    st.info("No script text: Describe proposes cues from the narration's words. Transcribe "
            "the narration on the Project page first.", icon="ℹ️")
    st.page_link("views/project.py", label="Go to Project to transcribe the narration",
                 icon="📁")

job = job_panel("describe")
busy = job is not None and job.status == "running"
if st.button("Describe the scenes", key="run_describe", type="primary",
             disabled=busy or bool(bad) or cost is None,
             help="Fix what the warning above says first." if cost is None or bad else None):
    try:
        steps.start_describe(state, request, tier=tier(), captioner=captioner_dir,
                             max_cue_chars=lim.timestamps_cue_chars)
    except jobs.JobBusy as exc:
        st.warning(f"{exc}; wait for it or cancel it.", icon="⏳")
    else:
        st.rerun()
if job is not None and job.status == "done" and job.kind == "describe":
    st.success(f"{job.label}: done in {job.elapsed_sec:.1f} s", icon="✅")
show_error("describe", input_key=session.describe_fingerprint(state))

# --- grid ---------------------------------------------------------------------------------------
cues: list[dict[str, Any]] | None = state["cues"]
per_row = 5
for start in range(0, len(state["scenes"]), per_row):
    cols = st.columns(per_row)
    for col, i in zip(cols, range(start, min(start + per_row, len(state["scenes"]))),
                      strict=False):
        scene = state["scenes"][i]
        with col:
            if scene.get("error"):
                st.markdown(f"🚫 {i}. `{scene['name']}` (cannot be read)")
            else:
                st.image(scene["path"], caption=f"{i}. {scene['name']}", width="stretch")
            row = cues[i] if cues and i < len(cues) else None
            if row:
                if row.get("description"):
                    st.markdown(f"**{row['description']}**")
                if row.get("interpretation"):
                    st.caption(f"🧭 {row['interpretation']}")
                st.caption(f"⚓ anchor: {row.get('anchorText') or '—'}")
                st.caption(f"▶️ start cue: {row.get('startCueText') or '—'}")
                conf = next((s.get("cueConfidence") for s in (state["describe_result"] or {})
                             .get("data", {}).get("scenes", []) if s.get("index") == i), None)
                if conf is not None and conf < 0.5 and row.get("cueSource") == "describe":
                    st.caption(f"🔎 review this start: weak evidence (cue confidence {conf:.2f})")

# --- cue editor ---------------------------------------------------------------------------------
st.subheader("Cues for Align")
if cues is None:
    st.caption("Describe the scenes to get cues, or write them by hand.")
    given = steps.project_cues(state)
    if given and st.button("Use the project's cues (timestamps_metadata.json)",
                           key="project_cues"):
        state["cues"] = given
        state["cue_version"] += 1
        st.rerun()
    if st.button("Write cues by hand", key="blank_cues"):
        ids = steps.scene_ids(state["scenes"])
        state["cues"] = [{"scene": i, "sceneId": ids[i], "image": s["name"], "description": "",
                          "interpretation": "", "anchorText": "", "startCueText": "",
                          "cueSource": "edited"}
                         for i, s in enumerate(state["scenes"])]
        state["cue_version"] += 1
        st.rerun()
else:
    editor_key = f"cue_editor_{state['cue_version']}"

    def _commit_cue_edits() -> None:
        state["cues"] = steps.apply_cue_edits(state["cues"], state[editor_key])
        state["cue_version"] += 1

    st.caption("Edit the anchor and start cue of any scene; Align uses exactly these. The start "
               "cue is the first words of the anchor, both verbatim from the narration.")
    st.data_editor(
        cues, key=editor_key, on_change=_commit_cue_edits, hide_index=True, num_rows="fixed",
        width="stretch", column_order=list(steps.CUE_COLUMNS),
        disabled=["scene", "sceneId", "image", "description", "cueSource"],
        column_config={
            "scene": st.column_config.NumberColumn("#", width="small"),
            "sceneId": st.column_config.TextColumn("id"),
            "anchorText": st.column_config.TextColumn(
                "anchor", max_chars=lim.timestamps_cue_chars, width="large"),
            "startCueText": st.column_config.TextColumn(
                "start cue", max_chars=lim.timestamps_cue_chars, width="medium"),
            "cueSource": st.column_config.TextColumn(
                "cue from", help="describe: found by Describe · filled: the narration between "
                "its neighbours (check it) · edited: by hand · project: the project's file"),
        })
    missing = steps.missing_cues(cues)
    if missing:
        st.warning("Align needs a start cue and an anchor for every scene; missing: "
                   + steps.missing_cues_text(cues), icon="⚠️")
    narration_text = state["narration_text"]
    if narration_text:
        not_verbatim = [r["sceneId"] for r in cues
                        if r.get("anchorText") and r["anchorText"] not in narration_text]
        if not_verbatim:
            st.caption("ℹ️ anchors not found verbatim in the narration text: "
                       + ", ".join(not_verbatim))
    if not missing:
        st.page_link("views/align.py", label="Next: align the cuts to the narration", icon="➡️")
