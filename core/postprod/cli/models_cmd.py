"""`postprod models`: the shipped weight files and their SHA-256 check."""

from __future__ import annotations

import sys

import click

from . import contract_errors, emit_json, main


@main.group()
def models() -> None:
    """The model weights the product ships and loads."""


@models.command("verify")
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of a table.")
@contract_errors
def models_verify(as_json: bool) -> None:
    """Hash every shipped weight file and compare it with the table (exit 1 on a mismatch or a
    missing file; the joined Whisper base folder counts only once it is built)."""
    from ..models.weights import check_all

    rows = check_all()
    if as_json:
        emit_json([{"name": r.entry.name, "package": r.entry.package, "engine": r.entry.engine,
                    "sha256": r.entry.sha256, "size": r.entry.size, "path": r.path,
                    "status": r.status} for r in rows])
    else:
        width = max(len(r.entry.name) for r in rows)
        click.echo(f"{'file':<{width}}  {'sha256 (expected)':<64}  {'bytes':>11}  status  package")
        for r in rows:
            click.echo(f"{r.entry.name:<{width}}  {r.entry.sha256}  {r.entry.size:>11,}  "
                       f"{r.status}  {r.entry.package}")
    if any(r.status != "ok" and r.status != "not built yet" for r in rows):
        sys.exit(1)
