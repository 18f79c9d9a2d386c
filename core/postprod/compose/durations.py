"""Missing media durations of a manifest, probed from the files on disk (a manifest written
by hand may leave out `durationSec` of its video and audio items)."""

from __future__ import annotations

from pathlib import Path

from ..contract.compose import ComposeRequest
from ..contract.errors import (
    AudioUndecodable,
    PostprodError,
    UnsupportedMediaType,
    ValidationFailed,
    collect,
)
from ..media.probe import MediaUnreadable, media_duration_sec


def fill_durations(request: ComposeRequest, *, root: str | Path) -> ComposeRequest:
    """A copy of ``request`` with every missing video/audio `durationSec` probed from disk.

    Args:
        request: the manifest; items that already have `durationSec`, and images, are kept.
        root: the project folder the items' relative paths start from.

    Raises:
        PostprodError: for each unreadable item (collected into `details`): VALIDATION_ERROR
            (`folder.items[k].path`) when the file is missing, AUDIO_UNDECODABLE for audio and
            UNSUPPORTED_MEDIA_TYPE for video that cannot be decoded.
    """
    base = Path(root)
    items = []
    errors: list[PostprodError] = []
    for k, item in enumerate(request.folder.items):
        if item.kind == "image" or item.duration_sec is not None:
            items.append(item)
            continue
        file = base.joinpath(*item.path.split("/"))
        at = f"folder.items[{k}].path"
        if not file.is_file():
            errors.append(ValidationFailed(
                f"{at}: {item.path!r} does not exist in the project folder", field=at,
                allowed="a file under the project folder"))
            items.append(item)
            continue
        try:
            seconds = media_duration_sec(file)
        except MediaUnreadable:
            cls = AudioUndecodable if item.kind == "audio" else UnsupportedMediaType
            errors.append(cls(f"{at}: {item.path!r} cannot be decoded as {item.kind}",
                              field=at, allowed=f"a decodable {item.kind} file"))
            items.append(item)
            continue
        items.append(item.model_copy(update={"duration_sec": round(seconds, 6)}))
    if errors:
        raise collect(errors)
    folder = request.folder.model_copy(update={"items": items})
    return request.model_copy(update={"folder": folder})
