"""Shared pieces of the contract: model base, request ids, warnings, parsing into models."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Mapping
from typing import Any, BinaryIO, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel
from ulid import ULID

from .errors import ErrorDetail, InvalidJson, PayloadTooLarge, PostprodError, ValidationFailed

REQUEST_ID_PREFIX = "req_"


def new_request_id() -> str:
    """A fresh request id: ``req_`` + 26 Crockford base32 characters (a ULID)."""
    return REQUEST_ID_PREFIX + str(ULID())


class ContractModel(BaseModel):
    """Base of every request and response model.

    Python attributes are snake_case; JSON names are the contract's camelCase (both accepted on
    input, camelCase on output). Unknown fields are rejected so typos never pass silently.
    """

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    def to_json_data(self) -> dict[str, Any]:
        """Contract JSON: camelCase keys, optional fields without evidence left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RequestModel(ContractModel):
    """Base of every request model: strict types (contract §1.4: a wrong type is a
    `VALIDATION_ERROR`). ``"25"`` is not a number, ``true`` is not 1 and ``"yes"`` is not a
    boolean; an integer is still a valid number of seconds."""

    model_config = ConfigDict(strict=True)


class ResultWarning(ContractModel):
    """A non-fatal note on a result (`warnings[]`): code, the field it concerns, a sentence."""

    code: str
    field: str | None = None
    message: str


M = TypeVar("M", bound=BaseModel)


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a contract JSON path: ``intent.sequence[1].trim.outSec``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before", "function-wrap") or "[" in str(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _allowed_for(err: Mapping[str, Any]) -> str | None:
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "no such field (check the spelling against the contract)"
    if kind == "missing":
        return "required"
    if "expected" in ctx:
        return str(ctx["expected"])
    for key, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if key in ctx:
            return f"{op} {ctx[key]}"
    if "min_length" in ctx and "max_length" in ctx:
        return f"length {ctx['min_length']}..{ctx['max_length']}"
    if "min_length" in ctx:
        return f"length >= {ctx['min_length']}"
    if "max_length" in ctx:
        return f"length <= {ctx['max_length']}"
    if "pattern" in ctx:
        return f"matches {ctx['pattern']}"
    if "allowed" in ctx:
        return str(ctx["allowed"])
    return None


def validation_error(exc: PydanticValidationError, *, prefix: str = "") -> ValidationFailed:
    """Every problem pydantic found as one `VALIDATION_ERROR` (first + `details`)."""
    details: list[ErrorDetail] = []
    for err in exc.errors(include_url=False):
        path = field_path(tuple(err["loc"]))
        if prefix:
            path = prefix + path if path else prefix.rstrip(".")
        msg = str(err.get("msg", "invalid value"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        shown = f"{path}: {msg}" if path else msg
        details.append(ErrorDetail(code="VALIDATION_ERROR", message=shown, field=path or None,
                                   allowed=_allowed_for(err)))
    first = details[0]
    return ValidationFailed(first.message, field=first.field, allowed=first.allowed,
                            details=details[1:])


MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a request may have (the contract's own is 6)."""
MAX_JSON_BYTES = 4_000_000
"""Largest JSON text read (a Compose manifest or a `metadata` part), bytes."""

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(text: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, in linear time and without parsing.

    Escapes and then strings are cut out first, so brackets inside strings do not count; the
    answer for text that is not JSON is only an upper bound, which is all the check needs.
    """
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", text)).translate(None, _NOT_BRACKET)
    opens = brackets.count(b"[") + brackets.count(b"{")
    if opens <= MAX_JSON_DEPTH:
        return opens
    steps = (1 if b in b"[{" else -1 for b in brackets)
    return max(itertools.accumulate(steps), default=0)


def parse_json_text(text: str | bytes, *, field: str | None = None,
                    max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text to data, or `INVALID_JSON` naming ``field`` and the position of the fault.

    Size (bytes) and nesting depth are checked before the text is parsed: a body over either
    bound is refused without building anything.

    Raises:
        PayloadTooLarge: more than ``max_bytes`` bytes (UTF-8).
        InvalidJson: not JSON, or nested deeper than ``max_depth``.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    what = field or "the body"
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"{what} is {len(raw)} bytes, over the limit of {max_bytes}",
                              field=field, allowed=f"<= {max_bytes} bytes of JSON")
    if json_depth(raw) > max_depth:
        raise InvalidJson(f"{what} nests arrays and objects more than {max_depth} deep",
                          field=field, allowed=f"JSON nested at most {max_depth} deep")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except UnicodeDecodeError as exc:
        reason = f"invalid UTF-8 at byte {exc.start}"
    except (ValueError, RecursionError):  # e.g. an integer literal of thousands of digits
        reason = "a number in it is too long to read"
    where = f"{field} is" if field else "the body is"
    raise InvalidJson(f"{where} not valid JSON: {reason}", field=field,
                      allowed="a JSON object (RFC 8259, UTF-8)")


def read_json_bytes(source: str | os.PathLike[str] | BinaryIO, *, field: str | None = None,
                    max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """At most ``max_bytes`` bytes of a JSON file or stream, read before anything parses them.

    Raises:
        PayloadTooLarge: the source holds more than ``max_bytes`` bytes (nothing more is read).
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            data = f.read(max_bytes + 1)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        what = field or "the JSON input"
        raise PayloadTooLarge(f"{what} is over the limit of {max_bytes} bytes", field=field,
                              allowed=f"<= {max_bytes} bytes of JSON")
    return data


def parse_model(model: type[M], data: Any, *, prefix: str = "") -> M:
    """Validate ``data`` (a model, mapping, or JSON text/bytes) into ``model``.

    Raises:
        InvalidJson: text that is not JSON.
        ValidationFailed: every schema problem, with JSON paths (``prefix`` prepended, e.g.
            ``"metadata."`` for multipart metadata).
    """
    if isinstance(data, model):
        return data
    if isinstance(data, str | bytes | bytearray):
        data = parse_json_text(bytes(data) if isinstance(data, bytearray) else data,
                               field=prefix.rstrip(".") or None)
    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True)
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            f"{prefix.rstrip('.') or 'the request'} must be a JSON object, "
            f"not {type(data).__name__}",
            field=prefix.rstrip(".") or None, allowed="a JSON object")
    try:
        return model.model_validate(dict(data))
    except PydanticValidationError as exc:
        raise validation_error(exc, prefix=prefix) from None
    except PostprodError as exc:  # a model's own rule check names its field itself
        raise exc.with_field_prefix(prefix) from None
