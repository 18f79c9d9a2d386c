"""The workbench's calls into the library: requests built from session state, results kept.

The pages draw; this module only gathers the inputs the library asks for. Library modules are
imported when a step runs, so a page still draws (and says what is missing) without them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from postprod.contract import (
    ComposeRequest,
    DescribeResponse,
    Tier,
    TimestampsResponse,
    parse_model,
)
from postprod.progress import ProgressCallback

CUE_COLUMNS = ("scene", "sceneId", "cueSource", "startCueText", "anchorText", "interpretation",
               "description", "image")
"""Column order of the cue editor: the editable cues first, where they are seen without
scrolling."""
_ALIGN_LOCK = threading.Lock()
"""One alignment at a time per process: two would only fight over the same two cores."""


def scene_ids(scenes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Readable, unique scene ids from the image file names (``01_lab.jpg`` -> ``lab``).

    A leading sort number (``01_``) is dropped when something is left after it.

    They satisfy the compose item-id pattern ``[A-Za-z0-9._-]{1,64}``.
    """
    out: list[str] = []
    used: set[str] = set()
    for i, scene in enumerate(scenes):
        stem = Path(str(scene["name"])).stem
        stem = re.sub(r"^\d+[ _.-]+(?=\S)", "", stem) or stem
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:56] or f"scene-{i}"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        out.append(candidate)
    return out


# --- Describe -----------------------------------------------------------------------------------

def describe_request(
    state: Mapping[Any, Any], *, style: str, extra_detail: Sequence[int] = ()
) -> dict[str, Any]:
    """The Describe Scenes metadata for the session's project (contract §3.1)."""
    request: dict[str, Any] = {"sceneIds": scene_ids(state["scenes"]),
                               "hints": {"style": style}}
    if state.get("narration_text"):
        request["narrationText"] = state["narration_text"]
    if extra_detail:
        request["sceneOptions"] = [{"index": int(i), "extraDetail": True}
                                   for i in sorted(set(extra_detail))]
    return request


def quote_describe(state: Mapping[Any, Any], request: Mapping[str, Any], *, tier: Tier) -> int:
    """Credits Describe would cost (raises the error the run would raise on a limit)."""
    from postprod.describe import quote_describe as quote

    return int(quote([s["path"] for s in state["scenes"]], request, tier=tier))


def cue_rows(
    response: DescribeResponse, scenes: Sequence[Mapping[str, Any]], *,
    narration_text: str | None = None, max_cue_chars: int = 500,
) -> list[dict[str, Any]]:
    """One editable row per scene from a Describe result.

    A scene Describe left without cue fields gets the library's hand-off fill (the narration
    between its neighbours' anchors) and ``cueSource: "filled"``, so the reviewer sees which
    cues to check; without narration text its cue fields stay empty.
    """
    from postprod.describe import to_timestamps_request

    handoff = to_timestamps_request(response, narration_text=narration_text or None,
                                    max_cue_chars=max_cue_chars)["scenes"]
    ids = scene_ids(scenes)
    rows = []
    for scene, filled in zip(response.data.scenes, handoff, strict=True):
        own = bool(scene.anchor_text and scene.start_cue_text)
        rows.append({
            "scene": scene.index,
            "sceneId": scene.scene_id or ids[scene.index],
            "image": str(scenes[scene.index]["name"]) if scene.index < len(scenes) else "",
            "description": scene.description,
            "interpretation": scene.interpretation or "",
            "anchorText": scene.anchor_text if own else filled.get("anchorText", ""),
            "startCueText": scene.start_cue_text if own else filled.get("startCueText", ""),
            "cueSource": "describe" if own else ("filled" if filled.get("anchorText")
                                                 else "none"),
        })
    return rows


def project_cues(state: Mapping[Any, Any]) -> list[dict[str, Any]] | None:
    """Cue rows from the opened project's ``timestamps_metadata.json``, matched by scene id
    (else by order); None when the project has none or it does not fit the scenes."""
    import json

    source = state.get("project_source")
    if not source:
        return None
    path = Path(source) / "timestamps_metadata.json"
    if not path.is_file():
        return None
    try:
        given = json.loads(path.read_text(encoding="utf-8")).get("scenes") or []
    except (ValueError, AttributeError):
        return None
    ids = scene_ids(state["scenes"])
    by_id = {str(c.get("id")): c for c in given if isinstance(c, dict)}
    if all(i in by_id for i in ids):
        chosen = [by_id[i] for i in ids]
    elif len(given) == len(ids):
        chosen = list(given)
    else:
        return None
    return [{"scene": i, "sceneId": ids[i], "image": str(s["name"]),
             "description": str(c.get("description") or ""), "interpretation": "",
             "anchorText": str(c.get("anchorText") or ""),
             "startCueText": str(c.get("startCueText") or ""), "cueSource": "project"}
            for i, (s, c) in enumerate(zip(state["scenes"], chosen, strict=True))]


EDITABLE_CUE_COLUMNS = ("anchorText", "startCueText", "interpretation")


def apply_cue_edits(
    rows: Sequence[Mapping[str, Any]], delta: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Cue rows with a data editor's ``edited_rows`` applied (only the editable text columns)."""
    out = [dict(r) for r in rows]
    for idx, changes in (delta.get("edited_rows") or {}).items():
        i = int(idx)
        if not 0 <= i < len(out):
            continue
        for column, value in changes.items():
            if column in EDITABLE_CUE_COLUMNS:
                out[i][column] = "" if value is None else str(value)
                if column in ("anchorText", "startCueText"):
                    out[i]["cueSource"] = "edited"
    return out


def apply_start_edits(starts_ms: Sequence[int], delta: Mapping[str, Any]) -> list[int]:
    """Scene starts (ms) with a data editor's ``edited_rows`` of ``startMs`` applied."""
    out = [int(s) for s in starts_ms]
    for idx, changes in (delta.get("edited_rows") or {}).items():
        i = int(idx)
        value = changes.get("startMs")
        if 0 <= i < len(out) and value is not None:
            out[i] = round(float(value))
    return out


# --- Align --------------------------------------------------------------------------------------

def missing_cues(cues: Sequence[Mapping[str, Any]]) -> list[str]:
    """Contract paths of cue fields that are blank (Scene Timestamps requires both)."""
    out = []
    for i, row in enumerate(cues):
        for key in ("startCueText", "anchorText"):
            if not str(row.get(key) or "").strip():
                out.append(f"scenes[{i}].{key}")
    return out


def missing_cues_text(cues: Sequence[Mapping[str, Any]]) -> str:
    """The blank cue fields in plain words: ``scene 1 (rocket): start cue; …``."""
    names = {"startCueText": "start cue", "anchorText": "anchor"}
    out = []
    for i, row in enumerate(cues):
        blank = [names[k] for k in ("startCueText", "anchorText")
                 if not str(row.get(k) or "").strip()]
        if blank:
            out.append(f"scene {i} ({row.get('sceneId', i)}): {' and '.join(blank)}")
    return "; ".join(out)


def timestamps_request(state: Mapping[Any, Any]) -> dict[str, Any]:
    """The Scene Timestamps metadata from the (hand-edited) cues of the Describe page."""
    scenes = []
    for row in state.get("cues") or []:
        cue: dict[str, Any] = {"id": row["sceneId"], "startCueText": row["startCueText"],
                               "anchorText": row["anchorText"]}
        if row.get("description"):
            cue["description"] = row["description"]
        scenes.append(cue)
    request: dict[str, Any] = {"scenes": scenes}
    if state.get("narration_text"):
        request["narrationText"] = state["narration_text"]
    return request


def quote_timestamps(state: Mapping[Any, Any], request: Mapping[str, Any], *, tier: Tier) -> int:
    """Credits Align would cost for the session's narration and cues."""
    from postprod.align import quote_timestamps as quote

    return int(quote(state["narration"]["path"], request, tier=tier))


def estimate_timestamps(state: Mapping[Any, Any], *, tier: Tier) -> int:
    """Credits Align will cost before there are cues: the narration's length, one scene per
    still (placeholder cues; the price does not depend on their text)."""
    n = max(1, len(state["scenes"]))
    request = {"scenes": [{"startCueText": "cue", "anchorText": "cue"}] * n}
    return quote_timestamps(state, request, tier=tier)


def run_timestamps(
    state: Mapping[Any, Any], request: Mapping[str, Any], *, tier: Tier, model: str,
    progress: ProgressCallback | None = None,
) -> TimestampsResponse:
    """Run Scene Timestamps on the session's narration (one alignment at a time per process)."""
    from postprod.align import scene_timestamps

    with _ALIGN_LOCK:
        return scene_timestamps(state["narration"]["path"], request, tier=tier, model=model,
                                progress=progress)


def timestamps_result(state: Mapping[Any, Any]) -> TimestampsResponse | None:
    """The stored alignment, as a model."""
    data = state.get("timestamps_result")
    return parse_model(TimestampsResponse, data) if data else None


# --- Compose ------------------------------------------------------------------------------------

def narration_duration_sec(path: str) -> float:
    """Duration of the narration file, seconds."""
    from postprod.media.probe import media_duration_sec

    return float(media_duration_sec(path))


def media_layout(state: Mapping[Any, Any], *, use_music: bool, prefix: str) -> dict[str, str]:
    """Each project file the timeline uses -> its path in the timeline: the producer's own file
    name (made unique) under ``prefix`` (``media/`` in a bundle, ``""`` in a media folder)."""
    from postprod.bundle import media_names

    entries = [*state["scenes"], state["narration"]]
    if use_music and state.get("music"):
        entries.append(state["music"])
    names = media_names([str(e["name"]) for e in entries])
    return {str(e["path"]): f"{prefix}{n}" for e, n in zip(entries, names, strict=True)}


def build_manifest(
    state: Mapping[Any, Any], *, timestamps: TimestampsResponse, fps: float,
    resolution: tuple[int, int], target_consumer: str, use_music: bool, crossfade_sec: float,
    for_bundle: bool = False,
) -> ComposeRequest:
    """The Compose manifest from the project and the (edited) alignment, via the library glue.

    Media are named by the producer's own file names: under the project's "media folder on
    the editing machine" (``mediaRootPath``) when one is set, else relative to the timeline
    file in ``media/`` (the bundle's layout; ``for_bundle`` forces that).
    """
    from postprod.pipeline import build_compose_manifest

    folder = "" if for_bundle else str(state.get("media_folder") or "").strip()
    layout = media_layout(state, use_music=use_music, prefix="" if folder else "media/")
    images = [layout[s["path"]] for s in state["scenes"]]
    narration = state["narration"]["path"]
    music = state["music"]["path"] if use_music and state.get("music") else None
    return build_compose_manifest(
        scene_images=images, timestamps=timestamps, narration_path=layout[narration],
        narration_duration_sec=narration_duration_sec(narration),
        project_name=str(state.get("project_name") or "Untitled project"), fps=fps,
        resolution=resolution, music_path=layout[music] if music else None,
        music_duration_sec=narration_duration_sec(music) if music else None,
        media_root_path=folder or None, target_consumer=target_consumer,
        crossfade_sec=crossfade_sec)


def preview_timeline(state: Mapping[Any, Any], manifest: ComposeRequest, *, tier: Tier,
                     store: Path) -> tuple[str, Path]:
    """The timeline to preview and the folder its media resolve from.

    The Compose page's timeline names media as the editing machine will see them (a media
    folder there, or ``media/<name>`` beside the timeline), which need not exist here. The
    preview composes the bundle layout of the same manifest (built with ``for_bundle``) and
    links ``<store>/<layout>/media/<name>`` to the project's stored files.

    Returns:
        (OTIO JSON of the bundle-layout timeline, the folder its relative URLs start from).
    """
    import hashlib
    import os
    import shutil

    use_music = any(i.id == "music" for i in manifest.folder.items)
    layout = media_layout(state, use_music=use_music, prefix="media/")
    digest = hashlib.sha256(repr(sorted(layout.items())).encode()).hexdigest()[:16]
    root = store / digest
    for src, rel in layout.items():
        link = root / rel
        if link.exists():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.symlink(Path(src).resolve(), link)
        except OSError:  # a file system without links: a copy does the same job
            shutil.copyfile(src, link)
    return str(run_compose(manifest, tier=tier).otio_json), root


def build_bundle(state: Mapping[Any, Any], manifest: ComposeRequest, *, tier: Tier) -> Any:
    """The bundle zip (timeline, exports, media) for a manifest built with ``for_bundle``."""
    from postprod.bundle import build_bundle as bundle

    use_music = any(i.id == "music" for i in manifest.folder.items)
    layout = media_layout(state, use_music=use_music, prefix="media/")
    return bundle(manifest=manifest, media={v: k for k, v in layout.items()}, tier=tier)


def run_compose(manifest: Any, *, tier: Tier) -> Any:
    """Compose the OTIO timeline; returns the library's ComposeResult."""
    from postprod.compose import compose_otio

    return compose_otio(manifest, tier=tier, with_exports=True)


def quote_compose(manifest: Any, *, tier: Tier) -> int:
    """Credits Compose would cost (always 4, after the tier's limits pass)."""
    from postprod.compose import quote_compose as quote

    return int(quote(manifest, tier=tier))


# --- background jobs ----------------------------------------------------------------------------

ALIGN_TRANSCRIBE_SPAN = (0.05, 0.95)
"""Share of Scene Timestamps' progress spent recognising speech (decode before, placing after)."""


def start_describe(state: MutableMapping[Any, Any], request: Mapping[str, Any], *, tier: Tier,
                   captioner: str, max_cue_chars: int) -> Any:
    """Start Describe Scenes as the project's background job (images and text as they are now).

    Raises:
        workbench.jobs.JobBusy: another job of the project is running.
    """
    from workbench import jobs, session

    paths = [s["path"] for s in state["scenes"]]
    snapshot = {"scenes": [dict(s) for s in state["scenes"]]}

    def work(progress: ProgressCallback) -> Any:
        from postprod.describe import describe_scenes

        return describe_scenes(paths, dict(request), tier=tier, progress=progress,
                               captioner=captioner).to_json_data()

    return jobs.start(project=session.ensure_project(state), kind="describe",
                      label="Describing scenes", work=work,
                      params={"input": session.describe_fingerprint(state),
                              "narration_text": state.get("narration_text") or "",
                              "max_cue_chars": max_cue_chars, **snapshot})


def start_align(state: MutableMapping[Any, Any], request: Mapping[str, Any], *, tier: Tier,
                model: str, keep_nudges: bool) -> Any:
    """Start Scene Timestamps as the project's background job.

    ``keep_nudges``: when the result arrives, starts moved by hand stay where they are.
    """
    from workbench import jobs, session

    narration = {"narration": {"path": state["narration"]["path"]}}

    def work(progress: ProgressCallback) -> Any:
        return run_timestamps(narration, dict(request), tier=tier, model=model,
                              progress=progress).to_json_data()

    return jobs.start(project=session.ensure_project(state), kind="align",
                      label=f"Aligning with {model}", work=work,
                      params={"input": session.timestamps_fingerprint(state),
                              "keep_nudges": keep_nudges, "model": model,
                              "transcribe_span": ALIGN_TRANSCRIBE_SPAN})


def start_transcribe(state: MutableMapping[Any, Any], *, tier: Tier, model: str) -> Any:
    """Start "Transcribe narration" (the Align recogniser) as the project's background job."""
    from workbench import jobs, session

    path = state["narration"]["path"]

    def work(progress: ProgressCallback) -> Any:
        from postprod.pipeline import transcribe_narration

        with _ALIGN_LOCK:
            return transcribe_narration(path, tier=tier, model=model, progress=progress)

    return jobs.start(project=session.ensure_project(state), kind="transcribe",
                      label=f"Transcribing the narration with {model}", work=work,
                      params={"input": state["narration"]["sha256"],
                              "transcribe_span": (0.05, 1.0)})


def edited_starts(state: Mapping[Any, Any]) -> dict[int, int]:
    """Scene index -> start (ms) of every start moved by hand away from the alignment."""
    result = timestamps_result(state)
    starts = state.get("starts_ms") or []
    if result is None or len(starts) != len(result.data.scenes):
        return {}
    return {i: int(s) for i, (s, m) in enumerate(zip(starts, result.data.scenes, strict=True))
            if int(s) != m.start_ms}


def apply_job(state: MutableMapping[Any, Any], job: Any) -> bool:
    """Put a finished job's outcome into the project once (result, or its error kept with the
    input it failed on). Returns True when something was applied."""
    if job is None or job.status == "running" or job.id in (state.get("applied_jobs") or []):
        return False
    state["applied_jobs"] = [*(state.get("applied_jobs") or [])[-30:], job.id]
    errors = dict(state.get("errors") or {})
    if job.status == "error":
        errors[job.kind] = {**(job.error or {}), "input": job.params.get("input")}
        state["errors"] = errors
        return True
    if job.status != "done":
        return True
    errors.pop(job.kind, None)
    state["errors"] = errors
    if job.kind == "describe":
        scenes = job.params.get("scenes") or state["scenes"]
        response = parse_model(DescribeResponse, job.result)
        state["describe_result"] = job.result
        state["describe_fingerprint"] = job.params.get("input")
        state["cues"] = cue_rows(response, scenes,
                                 narration_text=job.params.get("narration_text") or None,
                                 max_cue_chars=int(job.params.get("max_cue_chars") or 500))
        state["cue_version"] = int(state.get("cue_version") or 0) + 1
    elif job.kind == "align":
        kept = edited_starts(state) if job.params.get("keep_nudges") else {}
        response_ts = parse_model(TimestampsResponse, job.result)
        starts = [s.start_ms for s in response_ts.data.scenes]
        for i, start in kept.items():
            if 0 < i < len(starts):
                starts[i] = start
        state["timestamps_result"] = job.result
        state["timestamps_fingerprint"] = job.params.get("input")
        state["starts_ms"] = starts
        state["start_version"] = int(state.get("start_version") or 0) + 1
    elif job.kind == "transcribe":
        state["narration_text"] = str(job.result["text"])
        state["narration_text_area"] = state["narration_text"]
    return True
