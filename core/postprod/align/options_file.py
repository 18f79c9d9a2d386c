"""Alignment settings as a file: what a tuning run chose, read back by `postprod timestamps
--options FILE` (and by anything else that takes `AlignOptions`).

Format (JSON, UTF-8)::

    {"format": "postprod-align-options/1",
     "model": "base",                       # optional: the recogniser the settings were tuned for
     "options": {"min_cue_score": 0.62, ...},  # any subset of AlignOptions fields
     "measured": {...}}                     # optional, free-form: how the settings scored

Fields left out keep the product defaults. An unknown field, a value of the wrong type or
another format tag is refused with a message naming it (a typo never passes silently).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .options import AlignOptions

FORMAT = "postprod-align-options/1"
"""The format tag every options file carries."""


def options_to_data(*, options: AlignOptions, model: str | None = None,
                    measured: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON data of an options file: every field of ``options`` (explicit beats implicit),
    the recogniser ``model`` and free-form ``measured`` figures when given."""
    data: dict[str, Any] = {"format": FORMAT}
    if model is not None:
        data["model"] = model
    data["options"] = asdict(options)
    if measured is not None:
        data["measured"] = dict(measured)
    return data


def write_options_file(path: str | Path, *, options: AlignOptions, model: str | None = None,
                       measured: Mapping[str, Any] | None = None) -> Path:
    """Write the options file (see the module docstring); returns its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(options_to_data(options=options, model=model, measured=measured),
                      indent=2, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    return out


def options_from_data(data: Any, *, base: AlignOptions | None = None
                      ) -> tuple[AlignOptions, str | None]:
    """``(options, model)`` from the JSON data of an options file.

    Raises:
        ValueError: not an options file, an unknown field (the message lists the allowed
            ones) or a value of the wrong type (the message names the field).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'not an alignment options file: needs "format": "{FORMAT}"')
    extra = sorted(set(data) - {"format", "model", "options", "measured"})
    if extra:
        raise ValueError(f"unknown keys {', '.join(extra)}; allowed: format, model, options, "
                         "measured")
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise ValueError('"model" must be a string (e.g. "base", "tiny.en")')
    given = data.get("options", {})
    if not isinstance(given, dict):
        raise ValueError('"options" must be an object of AlignOptions fields')
    names = [f.name for f in fields(AlignOptions)]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ValueError(f"unknown options {', '.join(unknown)}; allowed: {', '.join(names)}")
    hints = typing.get_type_hints(AlignOptions)
    checked: dict[str, Any] = {}
    for name, value in given.items():
        try:
            checked[name] = TypeAdapter(hints[name]).validate_python(value, strict=True)
        except ValidationError as exc:
            expected = str(hints[name]).replace("typing.", "")
            raise ValueError(f"options.{name}: {value!r} is not {expected} "
                             f"({exc.errors()[0]['msg']})") from None
    return replace(base or AlignOptions(), **checked), model


def read_options_file(path: str | Path, *, base: AlignOptions | None = None
                      ) -> tuple[AlignOptions, str | None]:
    """``(options, model)`` from an options file; ValueError as `options_from_data`, or when
    the file is not JSON."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{Path(path).name}: not JSON ({exc.msg}, line {exc.lineno})") from None
    return options_from_data(data, base=base)
