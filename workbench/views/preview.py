"""Preview on the Compose page: render the composed timeline to an MP4, play it, download it.

`show_preview` is the one entry point; the Compose page calls it under its timeline. Renders are
kept in the upload store, keyed by the timeline and the options, so a rerun of the page plays the
same file without rendering again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import streamlit as st

from workbench import session
from workbench.widgets import clear_error, progress_status, record_error, show_error

HEIGHTS = (360, 540, 720)
PREVIEW_KEY = "preview_result"


def _render_key(otio_json: str, *, height: int, burn_in: bool, placeholders: bool,
                windows: str) -> str:
    h = hashlib.sha256(otio_json.encode())
    h.update(json.dumps([height, burn_in, placeholders, windows]).encode())
    return h.hexdigest()[:16]


def _windows_json(timestamps: Any) -> str:
    if timestamps is None:
        return ""
    data = timestamps.to_json_data() if hasattr(timestamps, "to_json_data") else timestamps
    return json.dumps(data, sort_keys=True)


def show_preview(composed: Mapping[str, Any], *, timestamps: Any = None,
                 source: Callable[[], tuple[str, Path]] | None = None,
                 state: MutableMapping[Any, Any] | None = None) -> None:
    """Draw the Preview section for a built timeline.

    Args:
        composed: the Compose page's stored result (``otio_json``, ``file_name``, ...).
        timestamps: the (edited) Scene Timestamps response the cut was timed with; its 90 %
            windows are drawn by the burn-in.
        source: called when a render starts: the timeline to render and the folder its
            relative media URLs start from, when the built timeline names media as another
            machine sees them (default: the built timeline, media resolved from the working
            directory). A preview is known by the built timeline either way.
        state: session state (default ``st.session_state``).
    """
    state = st.session_state if state is None else state
    st.subheader("Preview")
    c1, c2, c3 = st.columns(3)
    height = c1.selectbox("Preview height", HEIGHTS, index=HEIGHTS.index(360),
                          format_func=lambda h: f"{h}p", key="preview_height")
    burn_in = c2.toggle("Burn-in (scene, timecode, 90 % windows)", value=False,
                        key="preview_burn_in")
    placeholders = c3.toggle("Cards for missing media", value=False, key="preview_placeholders",
                             help="Draw a labelled card where a file is missing instead of "
                                  "stopping with an error.")
    otio_json = str(composed["otio_json"])
    windows = _windows_json(timestamps) if burn_in else ""
    key = _render_key(otio_json, height=int(height), burn_in=bool(burn_in),
                      placeholders=bool(placeholders), windows=windows)
    out = session.store_root() / "previews" / f"{key}.mp4"

    cancel_slot = st.empty()
    if st.button("Render the preview", key="run_preview", type="primary",
                 icon="▶️"):
        # Any click while rendering reruns the page, which stops the render at its next
        # progress event (the library removes the unfinished file).
        cancel_slot.button("Cancel the render", key="cancel_preview")
        try:
            render_json, media_root = (otio_json, None) if source is None else source()
            with progress_status(f"Rendering the preview at {height}p") as on_progress:
                result = _render(render_json, out, height=int(height), burn_in=bool(burn_in),
                                 placeholders=bool(placeholders),
                                 timestamps=timestamps if burn_in else None,
                                 media_root=media_root, progress=on_progress)
        except Exception as exc:
            record_error("preview", exc)
        else:
            clear_error("preview")
            state[PREVIEW_KEY] = {
                "key": key, "path": str(result.path), "frames": result.frames,
                "rate": str(result.rate), "size": list(result.size),
                "duration_sec": result.duration_sec, "elapsed_sec": result.elapsed_sec,
                "placeholders": list(result.placeholders)}
        cancel_slot.empty()
    elif state.get("cancel_preview"):
        st.info("Render cancelled.", icon="⏹️")
    show_error("preview")

    shown = state.get(PREVIEW_KEY)
    if not shown or not Path(shown["path"]).is_file():
        st.caption("Render the timeline to watch it here: every frame as the .otio says, with "
                   "the narration and music mixed.")
        return
    if shown["key"] != key:
        st.caption("The timeline or the preview settings changed since this preview; render "
                   "it again to see them.")
    w, h = shown["size"]
    st.caption(f"{shown['frames']} frames at {shown['rate']} fps · {w}×{h} · "
               f"{shown['duration_sec']:.2f} s · rendered in {shown['elapsed_sec']:.1f} s"
               + (f" · cards for: {', '.join(shown['placeholders'])}"
                  if shown["placeholders"] else ""))
    st.video(shown["path"], format="video/mp4")
    stem = str(composed.get("file_name") or "timeline.otio").rsplit(".", 1)[0]
    st.download_button("Download the preview (MP4)", data=lambda: Path(shown["path"]).read_bytes(),
                       file_name=f"{stem}.preview.mp4", mime="video/mp4",
                       key="download_preview", on_click="ignore", icon="⬇️")


def _render(otio_json: str, out: Path, **options: Any) -> Any:
    from postprod.render import render_preview

    out.parent.mkdir(parents=True, exist_ok=True)
    return render_preview(otio_json, out, **options)
