"""The `postprod` command: one click group; each operation adds its subcommands in its own module.

Exit status: 0 success, 2 bad input (error envelope as JSON on stderr), 1 internal error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

import click

from ..contract import PostprodError, new_request_id
from ..contract.errors import InternalError, ValidationFailed
from ..extras import missing_extra_error
from ..progress import Progress

P = ParamSpec("P")
R = TypeVar("R")

TIER_OPTION = click.option(
    "--tier", type=click.Choice(["free", "premium", "enterprise"]), default="enterprise",
    show_default=True, help="Limits to apply (contract §1.6).")


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (UTF-8, stable key order as given)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _envelope_exit(err: PostprodError, request_id: str | None = None) -> NoReturn:
    """Print ``err``'s envelope on stderr and exit 2 (1 for an internal error)."""
    rid = request_id or new_request_id()
    click.echo(json.dumps(err.envelope_dict(rid), ensure_ascii=False, indent=2), err=True)
    sys.exit(1 if isinstance(err, InternalError) else 2)


def contract_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn `PostprodError` into the envelope on stderr + exit 2; anything else into exit 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        request_id = new_request_id()
        try:
            return func(*args, **kwargs)
        except PostprodError as exc:
            _envelope_exit(exc, request_id)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # a missing extra says which; a bug is said briefly
            missing = (missing_extra_error(exc) if isinstance(exc, ModuleNotFoundError)
                       else None)
            _envelope_exit(missing or InternalError(
                f"internal error ({type(exc).__name__}); request {request_id}"), request_id)

    return wrapper


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[Progress], None]]:
    """A tqdm bar on stderr driven by `Progress` events (fraction -> percent).

    Drawn only when stderr is a terminal: captured stderr (scripts, CI) then holds nothing
    but an error envelope, which stays parseable JSON.
    """
    from tqdm import tqdm

    bar = tqdm(total=100, desc=label, file=sys.stderr, unit="%", leave=False, disable=None,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

    def on_progress(p: Progress) -> None:
        bar.n = round(p.fraction * 100)
        bar.set_postfix_str(p.message or p.stage, refresh=False)
        bar.refresh()

    try:
        yield on_progress
    finally:
        bar.close()


class EnvelopeGroup(click.Group):
    """The `postprod` group: a wrong option or argument is a `VALIDATION_ERROR` envelope on
    stderr with exit 2, like every other bad input (no usage text in its place)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except ModuleNotFoundError as exc:  # a command of an extra that is not installed
            missing = missing_extra_error(exc)
            if missing is None:
                raise
            _envelope_exit(missing)
        except PostprodError as exc:  # raised by a command without `contract_errors`
            _envelope_exit(exc)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `postprod`: the help
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            sys.exit(2)
        except click.UsageError as exc:
            param = getattr(exc, "param", None)
            field = (param.opts[0] if param is not None and getattr(param, "opts", None)
                     else getattr(param, "name", None))
            choices = getattr(getattr(param, "type", None), "choices", None)
            allowed = ("one of " + ", ".join(map(str, choices)) if choices
                       else "see the command's --help")
            _envelope_exit(ValidationFailed(exc.format_message(), field=field,
                                            allowed=allowed))
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=EnvelopeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="postprod-workbench")
def main() -> None:
    """postprod: compose OTIO timelines, describe scenes, time scene cuts against narration."""


@main.group()
def bench() -> None:
    """Measure speed, memory and accuracy; each prints a table."""


@main.group()
def price() -> None:
    """Say what a request would cost in credits, without running it."""


# Each module adds its own commands to `main`, `bench` or `price` when imported. The bench
# commands import `postprod.research` inside their functions only.
from . import (  # noqa: E402
    batch_cmd,
    compose_cmd,
    describe_cmd,
    models_cmd,
    notebooks_cmd,
    render_cmd,
    service_cmd,
    timestamps_cmd,
    workbench_cmd,
)

__all__ = [
    "batch_cmd", "compose_cmd", "describe_cmd", "models_cmd", "notebooks_cmd", "render_cmd",
    "service_cmd", "timestamps_cmd", "workbench_cmd",
]
