"""Fixtures for the workbench's browser tests: a live `postprod workbench` and Debian chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("POSTPROD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "workbench"
if str(REPO_ROOT) not in sys.path:  # `workbench` is a folder of the repo, not an installed package
    sys.path.insert(0, str(REPO_ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright launches Debian's chromium, never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install chromium` "
                    "(scripts/setup.sh does); the browser tests never download a browser")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """test-artifacts/workbench/ (gitignored), created."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def workbench_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the live workbench writes its console output."""
    return tmp_path_factory.mktemp("workbench") / "server.log"


@contextlib.contextmanager
def serve_workbench(sample_media: Path, log: Path) -> Iterator[str]:
    """`postprod workbench sample_media --port <free>` as a subprocess with its own store beside
    ``log`` (its console output); yields its URL once healthy, stops it on exit."""
    port = _free_port()
    env = {**os.environ, "POSTPROD_WORKBENCH_STORE": str(log.parent / "store")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "postprod", "workbench", str(sample_media), "--port",
             str(port)], stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the workbench did not come up:\n" + log.read_text(errors="replace"))
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="session")
def workbench_url(sample_media: Path, workbench_log: Path) -> Iterator[str]:
    """The workbench shared by the session's browser tests, until the session ends."""
    with serve_workbench(sample_media, workbench_log) as url:
        yield url
