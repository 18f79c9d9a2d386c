"""Visual evidence for one image, one module per source: classifier concepts (`concepts`),
faces (`faces`), colours (`colours`), on-screen text (`ocr`), and `analysis`, which runs them
all into one `VisualEvidence`."""

from .analysis import CLOSE_UP_FACE, VisualEvidence, analyze_image
from .colours import NamedColour, named_colours
from .concepts import CONFIDENT, HEDGED, TEXT_CLASSES, ConceptScore, group_concepts
from .faces import Face, detect_faces
from .ocr import read_lines, read_text

__all__ = [
    "CLOSE_UP_FACE",
    "CONFIDENT",
    "HEDGED",
    "TEXT_CLASSES",
    "ConceptScore",
    "Face",
    "NamedColour",
    "VisualEvidence",
    "analyze_image",
    "detect_faces",
    "group_concepts",
    "named_colours",
    "read_lines",
    "read_text",
]
