"""Entry frame of the workbench: tier and project summary in the sidebar, four pages.

Run it with ``postprod workbench [PROJECT_DIR]`` or ``streamlit run workbench/app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:  # pages import `workbench.*` whatever the working directory
    sys.path.insert(0, str(_REPO))

from postprod.contract import TIERS  # noqa: E402
from workbench import jobs, session, steps  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="postprod workbench", page_icon="🎬", layout="wide")
session.init_state(st.session_state)
state = st.session_state


def _restore() -> None:
    """A new session (a reload, a new tab) opens the project its URL names, else the project
    `postprod workbench DIR` was started on."""
    if state.get("_restored"):
        return
    state["_restored"] = True
    folder = session.find_project(str(st.query_params.get("project") or ""))
    folder = folder or session.startup_project()
    if folder is not None:
        try:
            session.load(state, folder)
        except Exception as exc:  # a damaged project.json: say so, start empty
            st.error(f"Cannot open the project in `{folder}`: {exc}", icon="🚫")


_restore()
if state.get("_open_next"):  # chosen on the Project page; opened before any widget exists
    try:
        session.load(state, Path(state.pop("_open_next")))
    except Exception as exc:
        st.error(f"Cannot open that project: {exc}", icon="🚫")
if state["project_dir"]:  # a background job that ended since the last run
    steps.apply_job(state, jobs.current(state["project_dir"]))
if "tier" not in state:
    state["tier"] = "enterprise"

pages = [
    st.Page(VIEWS / "project.py", title="Project", icon="📁", url_path="project", default=True),
    st.Page(VIEWS / "describe.py", title="Describe", icon="🖼️", url_path="describe"),
    st.Page(VIEWS / "align.py", title="Align", icon="🎚️", url_path="align"),
    st.Page(VIEWS / "compose.py", title="Compose", icon="🎞️", url_path="compose"),
]
current = st.navigation(pages, position="sidebar")

with st.sidebar:
    st.selectbox("Tier", TIERS, key="tier",
                 help="Limits and prices of this tier apply to every step (contract §1.5–1.6).")
    summary = st.empty()


def _draw_summary() -> None:
    state = st.session_state
    narration = state["narration"]
    with summary.container():
        st.caption(
            f"**{state['project_name']}** · {len(state['scenes'])} scenes · "
            f"narration: {narration['name'] if narration else '—'}")
        done = [name for name, key in (("described", "describe_result"),
                                       ("aligned", "timestamps_result"),
                                       ("composed", "compose_result")) if state[key]]
        st.caption("Steps done: " + (", ".join(done) if done else "none yet"))


def _save() -> None:
    """Write the project when anything changed, and keep its name in the URL (a reload
    reopens it)."""
    session.save(state)
    if state["project_dir"]:
        key = Path(state["project_dir"]).name
        if st.query_params.get("project") != key:
            st.query_params["project"] = key


# Saved before the page too: widget changes are already in the state, and a page that stops
# early (st.stop) ends the run before anything after it.
_save()
_draw_summary()
current.run()
_draw_summary()  # redrawn after the page, so it shows what the page just did
_save()
