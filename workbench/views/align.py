"""Align page: time each scene's start against the narration, review the cuts, fix them by hand."""

from __future__ import annotations

from typing import Any

import streamlit as st

from postprod import review
from postprod.plots import alignment_figure, cut_panels_figure, waveform_envelope, window_class
from workbench import audio, jobs, session, steps
from workbench.widgets import job_panel, limits, price_line, show_error, tier

state = st.session_state
st.title("🎚️ Align")

if not state["narration"]:
    st.info("No narration yet: add one on the Project page or open the sample project.",
            icon="ℹ️")
    st.page_link("views/project.py", label="Go to Project", icon="📁")
    st.stop()
if not state["cues"]:
    st.info("No cues yet: describe the scenes (or write cues by hand) first.", icon="ℹ️")
    st.page_link("views/describe.py", label="Go to Describe", icon="🖼️")
    st.stop()

lim = limits()
st.caption(f"{tier()} tier: narration up to {lim.timestamps_audio_sec / 60:g} min, "
           f"{lim.timestamps_scenes} scenes, cues up to {lim.timestamps_cue_chars} characters")

MODELS = {"base": "base: default, more accurate", "tiny.en": "tiny.en: fast, English only"}
model = st.radio("Speech model", list(MODELS), format_func=MODELS.__getitem__, index=0,
                 horizontal=True, key="align_model", persist_state="session")

request = steps.timestamps_request(state)
missing = steps.missing_cues(state["cues"])
if missing:
    st.warning("Cues missing: " + steps.missing_cues_text(state["cues"])
               + ". Fill them on the Describe page.", icon="⚠️")
    st.page_link("views/describe.py", label="Go to Describe", icon="🖼️")
cost = price_line("Align", lambda: steps.quote_timestamps(state, request, tier=tier()))

job = job_panel("align")
busy = job is not None and job.status == "running"
nudged = steps.edited_starts(state)
keep = True
if nudged and not busy:
    keep = st.radio(
        f"You moved {len(nudged)} start(s) by hand. When the new alignment arrives:",
        [True, False], horizontal=True, key="align_keep_nudges",
        format_func={True: "keep my nudges", False: "start over from the new alignment"
                     }.__getitem__) is not False
if st.button("Align the cuts", key="run_align", type="primary", disabled=busy):
    try:
        steps.start_align(state, request, tier=tier(), model=str(model), keep_nudges=keep)
    except jobs.JobBusy as exc:
        st.warning(f"{exc}; wait for it or cancel it.", icon="⏳")
    else:
        st.rerun()
if job is not None and job.status == "done" and job.kind == "align":
    st.success(f"{job.label}: done in {job.elapsed_sec:.1f} s", icon="✅")
elif job is not None and job.status == "cancelled" and job.kind == "align":
    st.info(f"{job.label}: cancelled; the last alignment is kept.", icon="⏹️")
show_error("align", input_key=session.timestamps_fingerprint(state))

response = steps.timestamps_result(state)
if response is None:
    st.stop()
if state["timestamps_fingerprint"] != session.timestamps_fingerprint(state):
    st.warning("The narration or the cues changed since this alignment; align again to use "
               "them.", icon="⚠️")

starts: list[int] = list(state["starts_ms"])
scenes = response.data.scenes
transitions = response.data.transitions
cue_texts = [str(r.get("startCueText") or "") for r in state["cues"]]
if len(cue_texts) != len(scenes):
    cue_texts = [""] * len(scenes)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Scenes", len(scenes))
m2.metric("Narration", f"{response.meta.audio_duration_ms / 1000:.1f} s")
m3.metric("Mean confidence",
          f"{sum(t.confidence for t in transitions) / len(transitions):.2f}"
          if transitions else "—")
m4.metric("Edited cuts", sum(1 for s, m in zip(starts, scenes, strict=True) if s != m.start_ms))
for w in response.data.warnings:
    st.caption(f"⚠️ {w.code}" + (f" (`{w.field}`)" if w.field else "") + f": {w.message}")

# --- the picture --------------------------------------------------------------------------------
narration = state["narration"]
samples, rate = audio.narration_samples(narration["path"], narration["sha256"])
envelope = waveform_envelope(samples=samples, sample_rate=rate, buckets=2500)
fig = alignment_figure(response=response, envelope=envelope, cue_texts=cue_texts,
                       starts_ms=starts)
event = st.plotly_chart(fig, key="align_plot", on_select="rerun", selection_mode="points",
                        width="stretch")

# --- audition and nudges ------------------------------------------------------------------------
if transitions:
    points = []
    try:
        points = list(event["selection"]["points"]) if event else []
    except (KeyError, TypeError):
        points = []
    if points and "x" in points[0]:
        x_ms = float(points[0]["x"]) * 1000
        picked = min(range(1, len(starts)), key=lambda i: abs(starts[i] - x_ms))
        if state.get("align_last_pick") != (picked, x_ms):
            state["align_last_pick"] = (picked, x_ms)
            state["selected_cut"] = picked
            # a fresh "Cut" box shows the pick: setting a mounted selectbox's value from the
            # script could leave the browser showing one cut while it sends back another
            state["cut_box"] = int(state.get("cut_box") or 0) + 1

    def _width(i: int) -> int:
        w = transitions[i - 1].window
        return w.end_ms - w.start_ms

    queue = sorted(range(1, len(scenes)), key=lambda i: (-_width(i), i))
    icons = {"narrow": "🟢", "medium": "🟠", "wide": "🔴", "interpolated": "⚪"}

    def _label(i: int) -> str:
        t = transitions[i - 1]
        cls = window_class(width_ms=_width(i), basis=t.basis)
        # Only the aligner's facts: the browser keeps a selectbox's shown label while the
        # value stays the same, so the (editable) start is shown beside it instead.
        return (f"{icons[cls]} cut {i}: {t.from_scene_id} → {t.to_scene_id} · "
                f"window {_width(i)} ms · {t.basis} · confidence {t.confidence:.2f}")

    box_key = f"audition_cut_{int(state.get('cut_box') or 0)}"
    chosen = state["selected_cut"] if state.get("selected_cut") in queue else queue[0]
    st.subheader("Audition a cut")
    st.caption("Cuts are listed widest window first (the least certain); click a marker in the "
               "plot to pick one. The clip is 1.5 s either side of the cut.")
    cut = int(st.selectbox("Cut", queue, index=queue.index(chosen), format_func=_label,
                           key=box_key))
    state["selected_cut"] = cut
    moved = starts[cut] - scenes[cut].start_ms
    window = transitions[cut - 1].window
    st.markdown(f"Cut {cut} starts **{starts[cut]} ms** · aligned at {scenes[cut].start_ms} ms"
                + (f" · moved **{moved:+d} ms**" if moved else "")
                + f" · 90 % window {window.start_ms}–{window.end_ms} ms")

    def _nudge(delta_ms: int) -> None:
        # The cut is read when the button fires, from the current "Cut" box as the browser
        # shows it (its value arrives with the click), never bound when the button was drawn:
        # a callback runs with the arguments of the button's last registration, and a run cut
        # short before it reached the buttons (a click on the plot, then a key press at once)
        # would leave the previous cut's arguments in place. No box value, no nudge.
        index = state.get(f"audition_cut_{int(state.get('cut_box') or 0)}")
        if not isinstance(index, int) or not 0 < index < len(state["starts_ms"]):
            return
        new = list(state["starts_ms"])
        new[index] = max(0, new[index] + delta_ms)
        state["starts_ms"] = new
        state["start_version"] += 1

    c_a, c_b, c_c, c_d, c_audio = st.columns([1, 1, 1, 1, 5], vertical_alignment="center")
    c_a.button("−500 ms", key="nudge_m500", on_click=_nudge, args=(-500,))
    c_b.button("−100 ms", key="nudge_m100", on_click=_nudge, args=(-100,), shortcut="Left")
    c_c.button("+100 ms", key="nudge_p100", on_click=_nudge, args=(100,), shortcut="Right")
    c_d.button("+500 ms", key="nudge_p500", on_click=_nudge, args=(500,))
    center = (starts[cut] - response.meta.start_offset_ms) / 1000
    clip = audio.clip_around(samples, rate, center_sec=center, half_width_sec=1.5)
    with c_audio:
        if clip.size:
            st.audio(clip, sample_rate=rate)
        st.caption(f"cue: {cue_texts[cut] or '—'}")

    st.subheader("Cuts up close (±2 s)")
    shown = sorted({cut, *queue[:7]})
    st.caption("Each panel: the narration 2 s either side of the cut, the 90 % window shaded, "
               "the cut as a black line (the aligner's own cut dashed when moved) and the "
               "scene it starts." + (f" Showing the chosen cut and the {len(shown) - 1} least "
                                     "certain others." if len(queue) > len(shown) else ""))
    thumbs = [audio.thumbnail_uri(s["path"], s["sha256"]) if not s.get("error") else None
              for s in state["scenes"]] if len(state["scenes"]) == len(scenes) else None
    st.plotly_chart(cut_panels_figure(response=response, samples=samples, sample_rate=rate,
                                      starts_ms=starts, cuts=shown, thumbnails=thumbs),
                    key="cut_panels", width="stretch")

# --- the starts table ---------------------------------------------------------------------------
st.subheader("Scene starts")
try:
    checks = review.check_scene_starts(response=response, starts_ms=starts)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
status_icons = {"ok": "✅", "edited": "✏️", "outside_window": "⚠️", "not_increasing": "⛔",
                "bad_first": "⛔", "past_audio_end": "⛔"}
rows: list[dict[str, Any]] = [{
    "scene": c.index, "id": c.scene_id, "startMs": c.start_ms, "alignedMs": c.model_start_ms,
    "window": (f"{c.window_start_ms}–{c.window_end_ms}" if c.window_start_ms is not None
               else "—"),
    # scene 0 has no cut before it: a dash rather than the grid's grey "None"
    "confidence": f"{transitions[c.index - 1].confidence:.2f}" if c.index > 0 else "—",
    "basis": transitions[c.index - 1].basis if c.index > 0 else "offset",
    "check": f"{status_icons[c.status]} {c.message}",
} for c in checks]
editor_key = f"start_editor_{state['start_version']}"


def _commit_starts() -> None:
    state["starts_ms"] = steps.apply_start_edits(state["starts_ms"], state[editor_key])
    state["start_version"] += 1


st.data_editor(
    rows, key=editor_key, on_change=_commit_starts, hide_index=True, num_rows="fixed",
    width="stretch", disabled=["scene", "id", "alignedMs", "window", "confidence", "basis",
                               "check"],
    column_config={
        "startMs": st.column_config.NumberColumn("start (ms)", min_value=0, step=1,
                                                 format="%d"),
        "alignedMs": st.column_config.NumberColumn("aligned (ms)", format="%d"),
        "window": st.column_config.TextColumn("90 % window (ms)"),
        "confidence": st.column_config.TextColumn("confidence"),
        "check": st.column_config.TextColumn("check", width="large"),
    })


def _reset_starts() -> None:
    state["starts_ms"] = [s.start_ms for s in scenes]
    state["start_version"] += 1


st.button("Reset all starts to the alignment", key="reset_starts", on_click=_reset_starts)
blocking = [c for c in checks if c.blocking]
if blocking:
    st.error("These starts cannot make a timeline: " + "; ".join(
        f"scene {c.index} ({c.scene_id}): {c.message}" for c in blocking), icon="⛔")
else:
    outside = sum(1 for c in checks if c.status == "outside_window")
    st.success("Starts are in order; Compose uses them"
               + (f" ({outside} outside their window)" if outside else "") + ".", icon="✅")
    st.page_link("views/compose.py", label="Next: compose the timeline", icon="➡️")
