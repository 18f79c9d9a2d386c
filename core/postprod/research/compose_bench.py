"""The compose benches behind `postprod bench compose` and `postprod bench exports`: generated
manifests (a 200-item folder; sequences of thousands of entries) and their timings."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Any


def bench_manifest(*, items: int, fps: float = 25) -> dict[str, Any]:
    """A manifest with ``items`` folder items: stills, trimmed videos with dissolves, audio.

    About 70 % stills, 20 % videos (every other one with its own audio track), 10 % audio
    layers on three lanes (narration once, music looped, sfx), 1 crossfade in 3 cuts.
    """
    folder: list[dict[str, Any]] = []
    sequence: list[dict[str, Any]] = []
    layers: list[dict[str, Any]] = []
    n_audio = max(1, items // 10)
    n_video = max(1, items // 5)
    n_still = max(1, items - n_audio - n_video)
    for k in range(n_still):
        folder.append({"id": f"still-{k}", "kind": "image", "path": f"scenes/still {k}.jpg"})
    for k in range(n_video):
        folder.append({"id": f"video-{k}", "kind": "video", "path": f"clips/v{k}.mp4",
                       "durationSec": 12.0})
    for k in range(n_audio):
        folder.append({"id": f"audio-{k}", "kind": "audio", "path": f"audio/a{k}.wav",
                       "durationSec": 20.0 + k})
    for k in range(n_still + n_video):
        entry: dict[str, Any]
        if k % 4 == 3 and k // 4 < n_video:
            v = k // 4
            entry = {"itemId": f"video-{v}", "trim": {"inSec": 2.0, "outSec": 7.5},
                     "embeddedAudio": {"separateTrack": v % 2 == 0}}
        else:
            entry = {"itemId": f"still-{k % n_still}", "durationSec": 4.0 + (k % 7) * 0.37}
        if k and k % 3 == 0:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 0.5}
        sequence.append(entry)
    cursor = 0.0
    for k in range(n_audio):
        lane = ("narration", "music", "sfx")[k % 3]
        layers.append({"itemId": f"audio-{k}", "fromSec": cursor, "toSec": cursor + 60.0,
                       "trackId": lane, "role": lane,
                       "placement": "loopToFit" if lane == "music" else "once"})
        if lane == "sfx":
            cursor += 60.0
    return {"project": {"name": f"Bench {items} items", "fps": fps,
                        "resolution": {"w": 1920, "h": 1080}},
            "folder": {"mediaRootPath": "/media/bench", "items": folder},
            "intent": {"sequence": sequence, "audioLayers": layers},
            "output": {"targetConsumer": "generic"}}


def run_compose_bench(*, items: int, repeat: int, fps: float = 25,
                      response_format: str = "file") -> list[tuple[str, str]]:
    """Time `compose_otio` on `bench_manifest` (after one warm-up run): wall and CPU ms per
    call over ``repeat`` calls, peak Python memory, the timeline's size. Returns the table's
    (metric, value) rows."""
    from ..compose import compose_otio

    manifest = bench_manifest(items=items, fps=fps)
    manifest["responseFormat"] = response_format
    first = compose_otio(manifest)  # warm-up (imports, adapter plugin manifest)
    times_ms: list[float] = []
    cpu_ms: list[float] = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        compose_otio(manifest)
        times_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
    tracemalloc.start()
    compose_otio(manifest)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times_ms.sort()
    p90 = times_ms[min(len(times_ms) - 1, round(0.9 * (len(times_ms) - 1)))]
    summary = first.response.data.summary
    rows = [
        ("items", str(items)),
        ("sequence entries / audio layers",
         f"{len(manifest['intent']['sequence'])} / {len(manifest['intent']['audioLayers'])}"),
        ("timeline", f"{summary.duration_sec:g} s, {summary.duration_frames} frames, "
                     f"{summary.audio_tracks} audio tracks, {summary.transitions} dissolves"),
        ("format", response_format),
        ("repeats", str(repeat)),
        ("median ms", f"{statistics.median(times_ms):.1f}"),
        ("p90 ms", f"{p90:.1f}"),
        ("min ms", f"{times_ms[0]:.1f}"),
        ("median CPU ms (this process)", f"{statistics.median(cpu_ms):.1f}"),
        ("peak Python memory MiB", f"{peak / 2**20:.2f}"),
        ("otio size KiB", f"{len(first.otio_json.encode()) / 1024:.0f}"),
        ("target", "median <= 50 ms"),
    ]
    return rows


def long_sequence_manifest(*, entries: int, fps: float = 25) -> dict[str, Any]:
    """``entries`` sequence entries over 50 stills and 10 videos, 1 crossfade in 3, a narration.

    Each entry lasts 0.44 s, so 8000 entries stay inside the 3600 s timeline limit.
    """
    stills = [{"id": f"still-{k}", "kind": "image", "path": f"scenes/still {k}.jpg"}
              for k in range(50)]
    videos = [{"id": f"video-{k}", "kind": "video", "path": f"clips/v{k}.mp4",
               "durationSec": 12.0} for k in range(10)]
    sequence: list[dict[str, Any]] = []
    for k in range(entries):
        entry: dict[str, Any] = (
            {"itemId": f"video-{k % 10}", "trim": {"inSec": 2.0, "outSec": 2.44}}
            if k % 5 == 4 else {"itemId": f"still-{k % 50}", "durationSec": 0.44})
        if k and k % 3 == 0:
            entry["transitionIn"] = {"type": "crossfade", "durationSec": 0.16}
        sequence.append(entry)
    length = round(entries * 0.44, 2)
    return {"project": {"name": f"Long {entries}", "fps": fps,
                        "resolution": {"w": 1920, "h": 1080}},
            "folder": {"mediaRootPath": "/media/bench", "items": [
                *stills, *videos,
                {"id": "nar", "kind": "audio", "path": "narration.wav", "durationSec": length}]},
            "intent": {"sequence": sequence, "audioLayers": [
                {"itemId": "nar", "fromSec": 0, "toSec": length, "role": "narration"}]},
            "markers": [{"atSec": round(k * 0.44, 2), "name": f"scene-{k}",
                         "window": {"startSec": round(k * 0.44, 2),
                                    "endSec": round(k * 0.44 + 0.2, 2)}, "confidence": 0.9}
                        for k in range(0, entries, 10)]}


def export_columns(*, adapters: bool) -> list[str]:
    """The writers `time_exports` times, in its row order: every editor export, then (with
    ``adapters``) the OTIO ``fcp_xml`` and ``cmx_3600`` adapters."""
    from ..compose.exports import EXPORT_KINDS

    return [*EXPORT_KINDS, *(["fcp_xml adapter", "cmx_3600 adapter"] if adapters else [])]


def _timed(job: Any) -> float:
    """CPU seconds of this process (the writers are single-threaded; on a shared machine the
    wall clock mostly measures the neighbours)."""
    t0 = time.process_time()
    job()
    return time.process_time() - t0


def time_exports(*, entries: int, fps: float, repeat: int, adapters: bool) -> list[str]:
    """One table row: ``entries``, then the fastest of ``repeat`` runs of each writer of
    `export_columns` on `long_sequence_manifest`, CPU seconds."""
    import opentimelineio as otio

    from ..compose import compose_otio
    from ..compose.exports import EXPORT_KINDS, build_export

    result = compose_otio(long_sequence_manifest(entries=entries, fps=fps),
                          with_exports=False)
    plan = result.plan
    assert plan is not None
    jobs: list[Any] = [
        (lambda k=kind: build_export(k, result.timeline, plan, slug="bench"))
        for kind in EXPORT_KINDS]
    if adapters:
        video_only = otio.schema.Timeline(name="bench")
        video_only.tracks.append(result.timeline.tracks[0].clone())
        jobs.append(lambda: otio.adapters.write_to_string(result.timeline, "fcp_xml"))
        jobs.append(lambda: otio.adapters.write_to_string(
            video_only, "cmx_3600", rate=float(plan.rate), style="avid"))
    return [str(entries), *(f"{min(_timed(job) for _ in range(repeat)):.3f}" for job in jobs)]
