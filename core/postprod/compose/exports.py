"""The editor exports offered beside the .otio (contract §2.2/§2.3), and one by name for the CLI.

Every export of one request starts at the same timecode (the consumer's: 01:00:00:00 for
Resolve, else 00:00:00:00) and lands every clip, dissolve and marker on the same frames as the
.otio. An export that cannot carry the project rate is left out with an ``EXPORT_SKIPPED``
warning instead of failing the request.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import opentimelineio as otio

from ..contract.common import ResultWarning
from ..contract.compose import ExportFile
from . import edl, fcp7_xml, fcpxml, kdenlive
from .consumers import consumer_tuning
from .plan import TimelinePlan
from .timebase import rate_text

ExportKind = Literal["fcpxml", "fcp7", "edl", "kdenlive"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("fcpxml", "fcp7", "edl", "kdenlive")
FCP7_CONSUMERS = ("generic", "resolve", "premiere")
_KEYS = {"fcpxml": "fcpxml", "fcp7": "fcp7Xml", "edl": "edlV1", "kdenlive": "kdenlive"}


def default_kinds(consumer: str) -> list[ExportKind]:
    """The exports a `json` response carries for ``consumer``."""
    kinds: list[ExportKind] = []
    if consumer in FCP7_CONSUMERS:
        kinds.append("fcp7")
    if consumer == "fcpx":
        kinds.append("fcpxml")
    if consumer == "kdenlive":
        kinds.append("kdenlive")
    kinds.append("edl")
    return kinds


def exports_for(timeline: otio.schema.Timeline, plan: TimelinePlan, *, slug: str,
                kinds: list[ExportKind] | None = None,
                ) -> tuple[dict[str, ExportFile], list[ResultWarning]]:
    """Exports of ``kinds`` (default: the consumer's), keyed ``fcp7Xml``, ``fcpxml``,
    ``kdenlive`` and ``edlV1``; warnings for what an export leaves out or cannot carry."""
    consumer = plan.request.output.target_consumer
    out: dict[str, ExportFile] = {}
    warnings: list[ResultWarning] = []
    for kind in kinds if kinds is not None else default_kinds(consumer):
        file, kind_warnings = build_export(kind, timeline, plan, slug=slug)
        warnings.extend(kind_warnings)
        if file is not None:
            out[_KEYS[kind]] = file
    return out, warnings


def build_export(kind: ExportKind, timeline: otio.schema.Timeline, plan: TimelinePlan, *,
                 slug: str) -> tuple[ExportFile | None, list[ResultWarning]]:
    """One export, or None with an ``EXPORT_SKIPPED`` warning when it cannot carry the rate."""
    start = consumer_tuning(plan.request.output.target_consumer).global_start_frames(plan.rate)
    start = start or 0
    rate = plan.rate
    warnings: list[ResultWarning] = []
    if kind == "fcp7":
        if not fcp7_xml.supports_rate(rate):
            return None, [_skipped("FCP 7 XML", rate, "integer or NTSC timebases")]
        return ExportFile(
            file_name=f"{slug}.xml", media_type=fcp7_xml.MEDIA_TYPE,
            content=fcp7_xml.write_to_string(plan, start_frames=start),
            note="FCP 7 XML (xmeml 4) for Premiere Pro before 25.6 and other XML importers"), []
    if kind == "fcpxml":
        return ExportFile(
            file_name=f"{slug}.fcpxml", media_type=fcpxml.MEDIA_TYPE,
            content=fcpxml.write_to_string(timeline, start_frames=start),
            note=f"FCPXML {fcpxml.VERSION} for Final Cut Pro"), []
    if kind == "kdenlive":
        return ExportFile(
            file_name=f"{slug}.kdenlive", media_type=kdenlive.MEDIA_TYPE,
            content=kdenlive.write_to_string(plan),
            note="Kdenlive project with its dissolves (mixes), audio tracks and guides"), []
    if not edl.supports_rate(rate):
        return None, [_skipped("CMX 3600 EDL", rate,
                               "23.976, 24, 25, 29.97, 30, 47.952, 48, 50, 59.94 or 60 fps")]
    if any(t.kind == "audio" for t in plan.tracks):
        warnings.append(ResultWarning(
            code="EDL_AUDIO_OMITTED", field=None,
            message="the EDL of track V1 carries video only; the audio tracks are in the "
                    ".otio" + ("" if plan.request.output.target_consumer == "kdenlive"
                               else " and the XML exports")))
    return ExportFile(
        file_name=f"{slug}-V1.edl", media_type=edl.MEDIA_TYPE,
        content=edl.write_to_string(plan, start_frames=start),
        note="CMX 3600 EDL of video track V1 (non-drop-frame); audio is left out"), warnings


def _skipped(what: str, rate: Fraction, allowed: str) -> ResultWarning:
    return ResultWarning(
        code="EXPORT_SKIPPED", field="project.fps",
        message=f"no {what} for this timeline: it carries {allowed}, not {rate_text(rate)} fps; "
                "the .otio and the other exports are complete")
