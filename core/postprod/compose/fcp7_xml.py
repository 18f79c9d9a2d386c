"""FCP 7 XML (xmeml) export for Premiere before 25.6 and older XML importers (otio-fcp-adapter)."""

from __future__ import annotations

import copy
import re
from fractions import Fraction

import opentimelineio as otio

from .timebase import nominal_fps

MEDIA_TYPE = "application/xml"


def write_to_string(timeline: otio.schema.Timeline) -> str:
    """The timeline as FCP 7 XML.

    Every time is already at the project rate (the adapter fails on audio at 48 kHz), the
    sequence `<format><samplecharacteristics>` carries width, height and rate, and `file://`
    URLs become ``file://localhost/…`` with an encoded drive colon, as Premiere expects.
    """
    meta = timeline.metadata["postprod"]
    rate = Fraction(meta["rate"])
    ntsc = rate.denominator == 1001
    export = copy.deepcopy(timeline)
    export.metadata["fcp_xml"] = {"media": {"video": {"format": {"samplecharacteristics": {
        "width": meta["resolution"]["w"],
        "height": meta["resolution"]["h"],
        "rate": {"timebase": nominal_fps(rate), "ntsc": "TRUE" if ntsc else "FALSE"},
        "pixelaspectratio": "square",
    }}}}}
    for clip in export.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference):
            ref.target_url = localhost_url(ref.target_url)
    return str(otio.adapters.write_to_string(export, "fcp_xml"))


def localhost_url(url: str) -> str:
    """``file:///C:/a b.mov`` -> ``file://localhost/C%3A/a%20b.mov``; relative paths unchanged."""
    if not url.startswith("file:///"):
        return url
    rest = url[len("file:///"):]
    rest = re.sub(r"^([A-Za-z]):/", r"\1%3A/", rest)
    return "file://localhost/" + rest
