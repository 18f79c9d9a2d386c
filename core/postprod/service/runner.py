"""Start and stop a real service process on 127.0.0.1 (benchmarks, tests, notebooks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from .settings import ServiceSettings

HEALTH_PATH = "/postproduction/v1/health"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServiceProcess:
    """`uvicorn` serving the service in a child process, ready when `start()` returns.

    Attributes:
        settings: what the service runs with (passed through the environment).
        port: the TCP port on 127.0.0.1.
        workers: uvicorn worker processes (1 = the child serves requests itself).
        log_path: the child's stdout and stderr.
        via_cli: start it as ``postprod serve --db URL …`` (the operator's command) instead
            of uvicorn directly.
    """

    def __init__(self, settings: ServiceSettings, *, port: int | None = None, workers: int = 1,
                 log_path: Path | None = None, log_level: str = "warning",
                 via_cli: bool = False) -> None:
        self.settings = settings
        self.via_cli = via_cli
        self.port = port or free_port()
        self.workers = workers
        self.log_level = log_level
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="postprod-service-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self, *, timeout_s: float = 120.0) -> ServiceProcess:
        """Start the child and wait until `GET /health` answers (models loaded if warm-up)."""
        env = {**os.environ, **self.settings.to_env(), "PYTHONUNBUFFERED": "1"}
        if self.via_cli:
            cmd = [sys.executable, "-m", "postprod", "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--db", self.settings.db_url,
                   "--model", self.settings.whisper_model, "--workers", str(self.workers),
                   "--log-level", self.log_level]
            if not self.settings.warm_up:
                cmd.append("--no-warm-up")
        else:
            cmd = [sys.executable, "-m", "uvicorn", "--factory",
                   "postprod.service.app:create_app_from_env", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", self.log_level,
                   "--timeout-graceful-shutdown", "5"]
            if self.workers > 1:
                cmd += ["--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n"
                                   f"{self.log_text()[-4000:]}")
            try:
                if httpx.get(self.base_url + HEALTH_PATH, timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the service did not answer within {timeout_s:.0f} s:\n"
                           f"{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        """Everything the child has printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the child (and its workers): a crash, not a shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
