"""Where the sample project lies: `sample_media/` of the checkout (the service's demo routes,
the notebooks and the benches read it)."""

from __future__ import annotations

from pathlib import Path


def sample_media_dir(start: str | Path | None = None) -> Path:
    """The `sample_media/` folder of this checkout.

    Looked up beside the package (an editable install in a checkout), then in `start` (default:
    the current directory) and its parents. Raises FileNotFoundError when there is none.
    """
    candidates = [Path(__file__).resolve().parents[2]]
    here = Path(start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    for root in candidates:
        folder = root / "sample_media"
        if (folder / "narration_truth.json").is_file():
            return folder
    raise FileNotFoundError("no sample_media/ folder with narration_truth.json found")
