"""The editor exports offered beside the .otio in the `json` response (contract §2.2/§2.3)."""

from __future__ import annotations

import opentimelineio as otio

from ..contract.common import ResultWarning
from ..contract.compose import ExportFile
from .plan import TimelinePlan


def exports_for(timeline: otio.schema.Timeline, plan: TimelinePlan,
                *, slug: str) -> tuple[dict[str, ExportFile], list[ResultWarning]]:
    """Exports for the request's target consumer, keyed ``fcp7Xml`` / ``fcpxml`` / ``edlV1``."""
    return {}, []
