"""Preview render: a composed timeline -> a frame-exact H.264/AAC MP4 that plays in a browser.

Modules: `layout` (OTIO -> frames, pure), `media` (stills, video and audio readers, placeholder
cards), `picture` (dissolve mixes, burn-in), `sound` (the audio mix), `encode` (the MP4 writer),
`api` (`render_preview`), `bench` (speed and memory on the sample project).
"""

from .api import RenderCancelled, RenderResult, load_timeline, render_preview

__all__ = ["RenderCancelled", "RenderResult", "load_timeline", "render_preview"]
