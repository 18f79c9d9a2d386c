"""The editor exports offered beside the .otio in the `json` response (contract §2.2/§2.3)."""

from __future__ import annotations

import opentimelineio as otio

from ..contract.common import ResultWarning
from ..contract.compose import ExportFile
from . import edl, fcp7_xml, fcpxml
from .plan import TimelinePlan

FCP7_CONSUMERS = ("generic", "resolve", "premiere")


def exports_for(timeline: otio.schema.Timeline, plan: TimelinePlan,
                *, slug: str) -> tuple[dict[str, ExportFile], list[ResultWarning]]:
    """Exports for the request's target consumer.

    Keys: ``fcp7Xml`` (generic, resolve, premiere), ``fcpxml`` (fcpx), and ``edl<Track>``
    (``edlV1``) for every video track, for every consumer.
    """
    consumer = plan.request.output.target_consumer
    out: dict[str, ExportFile] = {}
    warnings: list[ResultWarning] = []
    if consumer in FCP7_CONSUMERS:
        out["fcp7Xml"] = ExportFile(
            file_name=f"{slug}.xml", media_type=fcp7_xml.MEDIA_TYPE,
            content=fcp7_xml.write_to_string(timeline),
            note="FCP 7 XML (xmeml 4) for Premiere Pro before 25.6 and other XML importers")
    if consumer == "fcpx":
        out["fcpxml"] = ExportFile(
            file_name=f"{slug}.fcpxml", media_type=fcpxml.MEDIA_TYPE,
            content=fcpxml.write_to_string(timeline),
            note=f"FCPXML {fcpxml.VERSION} for Final Cut Pro")
    has_audio = any(t.kind == otio.schema.TrackKind.Audio for t in timeline.tracks)
    for index, name in enumerate(edl.video_track_names(timeline)):
        out[f"edl{name}"] = ExportFile(
            file_name=f"{slug}-{name}.edl", media_type=edl.MEDIA_TYPE,
            content=edl.write_to_string(timeline, track_index=index),
            note=f"CMX 3600 EDL of video track {name}; audio is left out")
        if has_audio:
            warnings.append(ResultWarning(
                code="EDL_AUDIO_OMITTED", field=None,
                message=f"the EDL of track {name} carries video only; the audio tracks are "
                        "in the .otio and the XML exports"
                        if consumer != "kdenlive" else
                        f"the EDL of track {name} carries video only; the audio tracks are "
                        "in the .otio"))
    return out, warnings
