"""Oversize uploads: refused with 413 while streaming, server memory and disk stay bounded."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.server

API = "/postproduction/v1"
BOUNDARY = "----postprodTestBoundary7MA4YWxkTrZu0gW"
CHUNK = b"\x00\x11\x22\x33" * 16384  # 64 KiB, generated once, sent again and again
MB = 1_000_000


def _part_head(name: str, filename: str, content_type: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()


def _text_part(name: str, text: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            f"{text}\r\n").encode()


def stream_upload(port: int, path: str, api_key: str, *, prefix: bytes, file_bytes: int,
                  declare_length: bool = False) -> tuple[int, dict[str, str], bytes, int]:
    """POST a multipart body whose file part is ``file_bytes`` long, generated chunk by chunk.

    Stops sending as soon as the server answers (as a careful client does). Returns the status,
    headers, body and how many body bytes were sent.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {api_key}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n")
    if declare_length:
        head += f"Content-Length: {len(prefix) + file_bytes + len(tail)}\r\n\r\n"
    else:
        head += "Transfer-Encoding: chunked\r\n\r\n"

    def send(data: bytes) -> None:
        sock.sendall(data if declare_length else b"%x\r\n%s\r\n" % (len(data), data))

    sock.sendall(head.encode())
    send(prefix)
    sent = len(prefix)
    answered = False
    while sent < file_bytes:
        readable, writable, _ = select.select([sock], [sock], [], 30)
        if readable:
            answered = True
            break
        if writable:
            try:
                send(CHUNK)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
    if not answered and sent >= file_bytes:
        send(tail)
        if not declare_length:
            sock.sendall(b"0\r\n\r\n")
    raw = b""
    sock.settimeout(30)
    while b"\r\n\r\n" not in raw:
        data = sock.recv(65536)
        if not data:
            break
        raw += data
    head_bytes, _, body = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        data = sock.recv(65536)
        if not data:
            break
        body += data
    sock.close()
    return status, headers, body, sent


class Watch:
    """Samples the server's RSS and the bytes in its upload directory while a test runs."""

    def __init__(self, pid: int, upload_dir: Path) -> None:
        self.proc = psutil.Process(pid)
        self.upload_dir = upload_dir
        self.baseline = self.proc.memory_info().rss
        self.peak_rss = self.baseline
        self.peak_disk = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _disk(self) -> int:
        total = 0
        for p in self.upload_dir.rglob("*"):
            with contextlib.suppress(FileNotFoundError):
                total += p.stat().st_size if p.is_file() else 0
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
            self.peak_disk = max(self.peak_disk, self._disk())
            time.sleep(0.01)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _upload_dir(server) -> Path:
    return Path(server.settings.upload_dir)


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "content-length"])
def test_200mb_audio_refused_while_streaming(server, make_key, ledger, sample_media,
                                             declare_length) -> None:
    k = make_key("free", 50)
    meta = (sample_media / "timestamps_metadata.json").read_text()
    prefix = _text_part("metadata", meta) + _part_head("audio", "huge.wav", "audio/wav")
    with Watch(server.pid, _upload_dir(server)) as watch:
        status, headers, body, sent = stream_upload(
            server.port, f"{API}/scene-timestamps", k.api_key, prefix=prefix,
            file_bytes=200 * MB, declare_length=declare_length)
    assert status == 413, body
    err = json.loads(body)
    assert err["error"]["code"] == "PAYLOAD_TOO_LARGE" and err["error"]["field"] == "audio"
    assert "5 MB" in err["error"]["allowed"] and "free" in err["error"]["allowed"]
    assert headers["x-credits-used"] == "0" and headers["x-credits-remaining"] == "50"
    assert headers["x-request-id"] == err["meta"]["requestId"]
    # The server stopped reading right after the 5 MB limit (plus socket buffers) ...
    assert sent < 40 * MB
    if declare_length:
        assert watch.peak_disk == 0  # refused on the declared length: nothing written
    # ... never held more than the limit on disk, nor the upload in memory ...
    assert watch.peak_disk <= 5 * MB
    assert watch.peak_rss - watch.baseline < 40 * MB, (watch.baseline, watch.peak_rss)
    # ... and left nothing behind.
    time.sleep(0.2)
    assert list(_upload_dir(server).iterdir()) == []
    assert ledger.balance(k.info.key_id) == 50


def test_images_over_the_total_name_the_part(server, make_key, sample_media) -> None:
    k = make_key("free", 50)
    first = (sample_media / "scenes" / "01_astronaut.jpg").read_bytes()
    prefix = (_part_head("images", "01.jpg", "image/jpeg") + first + b"\r\n"
              + _part_head("images", "02.jpg", "image/jpeg"))
    status, _, body, _ = stream_upload(server.port, f"{API}/describe-scenes", k.api_key,
                                       prefix=prefix, file_bytes=50 * MB)
    assert status == 413
    err = json.loads(body)["error"]
    assert err["code"] == "PAYLOAD_TOO_LARGE" and err["field"] == "images[1]"
    assert list(_upload_dir(server).iterdir()) == []
    # The connection was closed, not drained: the server is free at once for the next call.
    assert server.proc.poll() is None
