"""`postprod notebooks [DIR]`: copy the researcher notebooks to a folder of your own and open
JupyterLab on it (127.0.0.1), so the shipped notebooks stay clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from . import main

NOTEBOOKS_ENV = "POSTPROD_NOTEBOOKS_DIR"
DEFAULT_DIR = "postprod-notebooks"


def shipped_notebooks_dir() -> Path:
    """The shipped notebooks: $POSTPROD_NOTEBOOKS_DIR or ``notebooks/`` of the repository."""
    env = os.environ.get(NOTEBOOKS_ENV)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3] / "notebooks"


def copy_notebooks(*, source: Path, target: Path) -> tuple[list[Path], list[Path]]:
    """Copy every ``*.ipynb`` of ``source`` into ``target`` (created), never over a notebook
    already there (the user's edits win).

    Returns:
        ``(copied, kept)``: the notebooks written and those left as they were, in ``target``.

    Raises:
        FileNotFoundError: ``source`` holds no notebook.
    """
    shipped = sorted(source.glob("*.ipynb"))
    if not shipped:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}")
    target.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for nb in shipped:
        dest = target / nb.name
        if dest.exists():
            kept.append(dest)
        else:
            shutil.copyfile(nb, dest)
            copied.append(dest)
    return copied, kept


def jupyterlab_command(*, root: Path, port: int, open_browser: bool,
                       address: str = "127.0.0.1") -> list[str]:
    """The ``jupyter lab`` command line serving ``root`` on ``address:port`` (this interpreter,
    so the kernel sees this install of postprod)."""
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            f"--ServerApp.ip={address}", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.open_browser={'True' if open_browser else 'False'}",
            # Jupyter refuses root unless told; containers and CI run as root.
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]


@main.command("notebooks")
@click.argument("directory", required=False, default=DEFAULT_DIR,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=8888, show_default=True,
              help="TCP port on 127.0.0.1.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser (print the URL only).")
@click.option("--copy-only", is_flag=True, help="Copy the notebooks and stop (no JupyterLab).")
def notebooks_command(directory: Path, port: int, no_browser: bool, copy_only: bool) -> None:
    """Copy the researcher notebooks into DIRECTORY and open JupyterLab on it.

    DIRECTORY (default ./postprod-notebooks) is created when missing; a notebook already
    there is kept as it is, so running this again reopens your work. The shipped notebooks
    (alignment_tuning, describe_inspection, compose_walkthrough) are never edited.
    """
    source = shipped_notebooks_dir()
    try:
        copied, kept = copy_notebooks(source=source, target=directory)
    except FileNotFoundError as exc:
        raise click.ClickException(
            f"{exc} (set {NOTEBOOKS_ENV} to the notebooks folder)") from None
    for nb in copied:
        click.echo(f"copied {nb}", err=True)
    for nb in kept:
        click.echo(f"kept   {nb} (already there: yours)", err=True)
    if copy_only:
        return
    from ..extras import require_extra

    require_extra("notebooks", purpose="`postprod notebooks` (JupyterLab)")
    cmd = jupyterlab_command(root=directory.resolve(), port=port, open_browser=not no_browser)
    click.echo(f"JupyterLab on http://127.0.0.1:{port}/lab  (Ctrl+C stops it)", err=True)
    if os.name == "posix":
        # Replace this process, so a supervisor's SIGTERM reaches the server directly.
        os.execv(sys.executable, cmd)
    sys.exit(subprocess.call(cmd))  # pragma: no cover - non-POSIX
