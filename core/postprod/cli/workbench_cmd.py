"""`postprod workbench`: start the Streamlit workbench on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..extras import require_extra
from . import main

PROJECT_DIR_ENV = "POSTPROD_PROJECT_DIR"
APP_ENV = "POSTPROD_WORKBENCH_APP"


def workbench_app_path() -> Path:
    """The workbench entry script: $POSTPROD_WORKBENCH_APP or ``workbench/app.py`` of the repo."""
    env = os.environ.get(APP_ENV)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3] / "workbench" / "app.py"


def streamlit_command(*, app: Path, port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line, headless, without usage stats or file watching."""
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.address", address, "--server.port", str(port),
            "--server.headless", "true", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]


@main.command("workbench")
@click.argument("project_dir", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True,
              help="TCP port on 127.0.0.1.")
def workbench_command(project_dir: Path | None, port: int) -> None:
    """Start the workbench in the browser at http://127.0.0.1:PORT.

    PROJECT_DIR is either a saved workbench project (a folder with project.json), opened at
    start in every new tab, or a media folder (scenes/*.jpg, narration.wav, narration.txt,
    music*.wav) that "Open the sample project" copies into a new project, never writing into
    it. Default: the repository's sample_media/ as the sample.
    """
    require_extra("workbench", purpose="`postprod workbench`")
    app = workbench_app_path()
    if not app.is_file():
        raise click.ClickException(f"workbench entry script not found: {app} "
                                   f"(set {APP_ENV} to its path)")
    env = dict(os.environ)
    if project_dir is not None:
        env[PROJECT_DIR_ENV] = str(project_dir.resolve())
    cmd = streamlit_command(app=app, port=port)
    click.echo(f"workbench on http://127.0.0.1:{port}  (Ctrl+C stops it)", err=True)
    if os.name == "posix":
        # Replace this process, so a supervisor's SIGTERM reaches the server directly.
        os.execve(sys.executable, cmd, env)
    sys.exit(subprocess.call(cmd, env=env))  # pragma: no cover - non-POSIX
