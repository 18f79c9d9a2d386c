"""Progress events of long operations, shared by CLI bars, workbench widgets and notebooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One progress report.

    Attributes:
        stage: short machine name of the step (``"decode"``, ``"transcribe"``, ``"align"``).
        fraction: overall completion in [0, 1].
        message: a short sentence for people.
    """

    stage: str
    fraction: float
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def report(
    callback: ProgressCallback | None, stage: str, fraction: float, message: str = ""
) -> None:
    """Send one event to ``callback`` when there is one; fraction is clamped to [0, 1]."""
    if callback is not None:
        callback(Progress(stage=stage, fraction=min(1.0, max(0.0, fraction)), message=message))
