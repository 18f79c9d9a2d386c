"""`postprod notebooks DIR`: a fresh copy of the notebooks, and a real JupyterLab serving them
(headless, free port on 127.0.0.1), asked through its REST API, then shut down through it."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from postprod.cli import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_copy_only_makes_a_fresh_copy_and_keeps_the_users_edits(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    result = CliRunner().invoke(main, ["notebooks", str(target), "--copy-only"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.glob("*.ipynb")) == SHIPPED
    for name in SHIPPED:
        assert (target / name).read_bytes() == (REPO / "notebooks" / name).read_bytes()
    edited = target / SHIPPED[0]
    edited.write_text("{}", encoding="utf-8")
    (target / SHIPPED[1]).unlink()
    again = CliRunner().invoke(main, ["notebooks", str(target), "--copy-only"])
    assert again.exit_code == 0, again.output
    assert edited.read_text(encoding="utf-8") == "{}"  # never overwritten
    assert (target / SHIPPED[1]).is_file()  # a missing one comes back
    assert f"kept   {edited}" in again.output


def test_a_folder_without_notebooks_is_a_clear_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTPROD_NOTEBOOKS_DIR", str(tmp_path / "empty"))
    result = CliRunner().invoke(main, ["notebooks", str(tmp_path / "x"), "--copy-only"])
    assert result.exit_code == 1 and "no notebooks (*.ipynb)" in result.output


@pytest.mark.server
@pytest.mark.notebook
def test_jupyterlab_serves_the_copied_notebooks(tmp_path: Path) -> None:
    target = tmp_path / "lab"
    port = _free_port()
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_TOKEN": token,
           # keep the user's Jupyter config and runtime files out of it
           "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "run"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "postprod", "notebooks", str(target), "--port", str(port),
         "--no-browser"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"JupyterLab exited early:\n{log}")
            try:
                if httpx.get(f"{base}/api/status", headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
            time.sleep(0.5)
        assert httpx.get(f"{base}/api/contents", timeout=10).status_code == 403  # token needed
        listing = httpx.get(f"{base}/api/contents", headers=headers, timeout=10).json()
        notebooks = sorted(item["name"] for item in listing["content"]
                           if item["type"] == "notebook")
        assert notebooks == SHIPPED
        one = httpx.get(f"{base}/api/contents/alignment_tuning.ipynb", headers=headers,
                        timeout=10).json()
        assert one["type"] == "notebook" and one["content"]["cells"]
        specs = httpx.get(f"{base}/api/kernelspecs", headers=headers, timeout=10).json()
        assert "python3" in specs["kernelspecs"]
        lab = httpx.get(f"{base}/lab", headers=headers, timeout=10)
        assert lab.status_code == 200 and "JupyterLab" in lab.text
        assert httpx.post(f"{base}/api/shutdown", headers=headers, timeout=10).status_code == 200
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=15)
