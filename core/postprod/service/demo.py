"""The docs page's demo endpoints: the real operations on the shipped sample project.

For trying the service from its interactive docs only: inputs are sample files chosen by name
(no uploads), no key, no credits, `meta.demo: true` on every answer. A direct caller is refused:
each demo call must carry a short-lived token that the docs page receives (HMAC-SHA256 of its
expiry under a per-deployment secret, `X-Demo-Token`), and each client is held to a few calls a
minute.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..contract.common import RequestModel
from ..contract.errors import PostprodError, RateLimited

DEMO_TOKEN_HEADER = "X-Demo-Token"
TOKEN_VERSION = "d1"

SampleManifest = Literal["compose.json"]
SampleImage = Literal["01_astronaut.jpg", "02_rocket.jpg", "03_deep_field.jpg",
                      "04_coffee.jpg", "05_cat.jpg"]
DEFAULT_IMAGES: tuple[SampleImage, ...] = ("01_astronaut.jpg", "02_rocket.jpg")
SampleAudio = Literal["narration.wav"]
SampleCues = Literal["timestamps_metadata.json"]
SampleTarget = Literal["generic", "resolve", "premiere", "fcpx", "kdenlive"]
DEMO_TIER: Literal["free"] = "free"
"""Demo calls run under the free tier's limits (the sample project fits them)."""


class DemoTokenRequired(PostprodError):
    """A demo call without a valid docs-page token (missing, forged or expired)."""

    code = "DEMO_TOKEN_REQUIRED"
    http_status = 403


class DemoComposeRequest(RequestModel):
    """Compose OTIO on the sample manifest."""

    manifest: SampleManifest = Field(default="compose.json",
                                     description="a sample manifest of sample_media/")
    target_consumer: SampleTarget = Field(default="generic",
                                          description="the editor the timeline is tuned for")


class DemoDescribeRequest(RequestModel):
    """Describe Scenes on sample images, optionally with the sample narration."""

    images: list[SampleImage] = Field(
        default_factory=lambda: list(DEFAULT_IMAGES), min_length=1,
        max_length=5, description="sample scene images of sample_media/scenes/, in order")
    with_narration: bool = Field(default=True,
                                 description="send sample_media/narration.txt as narrationText")


class DemoTimestampsRequest(RequestModel):
    """Scene Timestamps on the sample narration and its cues."""

    audio: SampleAudio = Field(default="narration.wav",
                               description="a sample narration of sample_media/")
    cues: SampleCues = Field(default="timestamps_metadata.json",
                             description="a sample `metadata` part of sample_media/")


def new_demo_secret() -> str:
    """A fresh random signing secret (hex, 256 bits)."""
    return secrets.token_hex(32)


def _sign(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def issue_token(*, secret: str, ttl_s: int, now: float | None = None) -> str:
    """A token valid for ``ttl_s`` seconds: ``d1.<expiry unix s>.<nonce>.<signature>``."""
    expiry = int((time.time() if now is None else now) + ttl_s)
    payload = f"{TOKEN_VERSION}.{expiry}.{secrets.token_urlsafe(9)}"
    return f"{payload}.{_sign(secret, payload)}"


def check_token(token: str | None, *, secret: str, ttl_s: int, now: float | None = None
                ) -> None:
    """Raise `DemoTokenRequired` unless ``token`` was issued with ``secret`` and is unexpired.

    Args:
        token: the `X-Demo-Token` header (None when absent).
        secret: the deployment's signing secret.
        ttl_s: the lifetime tokens are issued with, seconds (a later expiry is forged).
        now: the clock, unix seconds (tests).
    """
    allowed = "the token the docs page (/postproduction/v1/docs) issues, within its lifetime"
    if not token:
        raise DemoTokenRequired(
            "the demo endpoints are for the interactive docs page only; call the production "
            "endpoints with an X-API-Key instead", field=DEMO_TOKEN_HEADER, allowed=allowed)
    parts = token.split(".")
    valid = (len(parts) == 4 and parts[0] == TOKEN_VERSION and parts[1].isdigit()
             and len(token) <= 200
             and hmac.compare_digest(_sign(secret, ".".join(parts[:3])), parts[3]))
    if not valid:
        raise DemoTokenRequired("the demo token is not one this service issued",
                                field=DEMO_TOKEN_HEADER, allowed=allowed)
    clock = time.time() if now is None else now
    expiry = int(parts[1])
    if expiry < clock or expiry > clock + ttl_s + 60:
        raise DemoTokenRequired("the demo token has expired; reload the docs page",
                                field=DEMO_TOKEN_HEADER, allowed=allowed)


class ClientRateLimiter:
    """At most ``per_minute`` demo calls per client in any 60 s (in this process's memory).

    Attributes:
        per_minute: calls admitted per client and sliding minute.
        max_clients: clients remembered at once; the idle ones are forgotten first.
    """

    WINDOW_S = 60.0

    def __init__(self, *, per_minute: int, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, client: str, *, now: float | None = None) -> None:
        """Count one call of ``client`` or raise `RateLimited` (with the wait in seconds)."""
        clock = time.monotonic() if now is None else now
        with self._lock:
            calls = self._calls.setdefault(client, deque())
            while calls and calls[0] <= clock - self.WINDOW_S:
                calls.popleft()
            if len(calls) >= self.per_minute:
                wait = max(1, math.ceil(calls[0] + self.WINDOW_S - clock))
                raise RateLimited(
                    f"demo calls are limited to {self.per_minute} per minute per client; "
                    f"retry in {wait} s", retry_after_s=wait,
                    allowed=f"<= {self.per_minute} demo calls per minute")
            calls.append(clock)
            if len(self._calls) > self.max_clients:
                self._forget_idle(clock)

    def _forget_idle(self, clock: float) -> None:
        for key in [k for k, v in self._calls.items() if not v or v[-1] <= clock - self.WINDOW_S]:
            del self._calls[key]
        while len(self._calls) > self.max_clients:  # all busy: drop the oldest entries
            del self._calls[next(iter(self._calls))]


class DemoCache:
    """Demo answers by sample choice (LRU): the sample inputs are few and fixed, so each
    choice runs the model once per process.

    Attributes:
        size: answers kept at most.
    """

    def __init__(self, *, size: int = 64) -> None:
        self.size = size
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """A copy of the answer stored under ``key`` (None when there is none)."""
        with self._lock:
            cached = self._answers.get(key)
            if cached is None:
                return None
            self._answers.move_to_end(key)
        return copy.deepcopy(cached)

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Keep ``answer`` under ``key``, forgetting the least recently used beyond `size`."""
        with self._lock:
            self._answers[key] = copy.deepcopy(answer)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def demo_scene_ids(images: Sequence[str]) -> list[str]:
    """``03_deep_field.jpg`` -> ``deep_field``; a repeated image gets ``-2``, ``-3``."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for name in images:
        base = Path(name).stem.split("_", 1)[-1]
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def docs_page(*, title: str, openapi_url: str, assets_url: str, token: str) -> str:
    """The Swagger UI page: its script and stylesheet from this service (``assets_url``), and
    the demo token added to the calls it makes to the demo endpoints only."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - interactive docs</title>
<link rel="stylesheet" type="text/css" href="{assets_url}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets_url}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets_url}/swagger-ui-bundle.js"></script>
<script>
const demoToken = "{token}";
window.ui = SwaggerUIBundle({{
  url: "{openapi_url}",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  requestInterceptor: (req) => {{
    if (new URL(req.url, window.location.href).pathname.includes("/demo/")) {{
      req.headers["{DEMO_TOKEN_HEADER}"] = demoToken;
    }}
    return req;
  }},
}});
</script>
</body>
</html>
"""


DOCS_PAGE_HEADERS = {
    # Everything the page loads comes from this service; the token must not be cached.
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
