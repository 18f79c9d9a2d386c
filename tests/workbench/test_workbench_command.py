"""`postprod workbench`: its command line and its refusals (the browser test runs it for real)."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from postprod.cli import main
from postprod.cli.workbench_cmd import streamlit_command, workbench_app_path


def test_command_line_is_headless_local_and_quiet() -> None:
    app = workbench_app_path()
    assert app == Path(__file__).resolve().parents[2] / "workbench" / "app.py" and app.is_file()
    cmd = streamlit_command(app=app, port=8765)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {"--server.address": "127.0.0.1", "--server.port": "8765",
                     "--server.headless": "true", "--server.fileWatcherType": "none",
                     "--browser.gatherUsageStats": "false", "--client.toolbarMode": "minimal"}


def test_missing_project_dir_and_bad_port_are_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["workbench", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    port = runner.invoke(main, ["workbench", "--port", "70000"])
    assert port.exit_code == 2 and "70000" in port.output


def test_missing_entry_script_is_named(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POSTPROD_WORKBENCH_APP", str(tmp_path / "app.py"))
    result = CliRunner().invoke(main, ["workbench"])
    assert result.exit_code == 1 and "entry script not found" in result.output
