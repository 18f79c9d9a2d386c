"""Requests a careless or hostile client sends: each is refused in the envelope, charges
nothing, and costs the server no memory (a real uvicorn process on 127.0.0.1)."""

from __future__ import annotations

import io
import json
import socket
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from postprod.service.runner import ServiceProcess
from postprod.service.settings import ServiceSettings

pytestmark = pytest.mark.server

API = "/postproduction/v1"
FIVE_KEYS = {"code", "message", "field", "allowed", "details"}
RSS_LIMIT_BYTES = 300 * 1024 * 1024


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident set (VmHWM of /proc/<pid>/status), bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for pid {pid}")


def post_compose(client, key: str, manifest: dict | bytes, **headers: str):
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    return client.post(f"{API}/compose-otio?responseFormat=json", content=body,
                       headers={"X-API-Key": key, "Content-Type": "application/json",
                                **headers})


def looped(manifest: bytes, to_sec: float) -> dict:
    data = json.loads(manifest)
    music = next(i for i in data["folder"]["items"] if i["id"] == "music")
    assert music["durationSec"] > 0
    data["intent"]["audioLayers"] = [{"itemId": "music", "fromSec": 0, "toSec": to_sec,
                                      "role": "music", "placement": "loopToFit"}]
    return data


def test_loop_to_fit_past_the_limit_costs_no_memory(server, client, make_key, ledger,
                                                    compose_manifest, envelope) -> None:
    """`toSec` 1e308 (and 1e7) with loopToFit: 422 from the request's numbers alone, on a real
    request and on a price check, and the server's peak RSS stays under 300 MB."""
    k = make_key("enterprise", 100)
    ok = post_compose(client, k.api_key, compose_manifest)  # the compose path, loaded once
    assert ok.status_code == 200, ok.text
    balance = ledger.balance(k.info.key_id)
    timings = {}
    for to_sec in (1e308, 1e7):
        for price_check in ("false", "true"):
            started = time.perf_counter()
            r = post_compose(client, k.api_key, looped(compose_manifest, to_sec),
                             **{"X-Price-Check": price_check})
            timings[(to_sec, price_check)] = time.perf_counter() - started
            body = envelope(r, status=422, code="TIER_LIMIT_EXCEEDED",
                            field="intent.audioLayers[0].toSec")
            assert body["error"]["allowed"] == "<= 3600 s on the enterprise tier"
            assert len(body["error"]["message"]) < 200  # no 300-digit numbers
    assert ledger.balance(k.info.key_id) == balance
    peak = peak_rss_bytes(server.pid)
    print(f"\npeak RSS of the service {peak / 2**20:.0f} MiB; answers "
          + ", ".join(f"toSec {t:g} price-check {p}: {s * 1000:.0f} ms"
                      for (t, p), s in timings.items()))
    assert peak < RSS_LIMIT_BYTES, f"peak RSS {peak / 2**20:.0f} MiB"


def test_too_many_loop_repetitions_are_refused(client, make_key, compose_manifest,
                                               envelope) -> None:
    """A 0.01 s loop over an hour would be 360,000 clips: refused before any is built."""
    k = make_key("enterprise", 100)
    data = looped(compose_manifest, 3600)
    next(i for i in data["folder"]["items"] if i["id"] == "music")["durationSec"] = 0.01
    body = envelope(post_compose(client, k.api_key, data), status=400, code="VALIDATION_ERROR",
                    field="intent.audioLayers[0].toSec")
    assert "at most 2000" in body["error"]["message"]


@pytest.mark.parametrize(("path", "value"), [
    ("project.fps", "25"), ("project.fps", True), ("project.resolution.w", "1920"),
    ("project.resolution.w", 1920.5), ("intent.sequence.0.durationSec", "9"),
    ("intent.sequence.0.embeddedAudio.separateTrack", "yes"),
])
def test_wrong_types_are_validation_errors(client, make_key, ledger, compose_manifest,
                                           envelope, path: str, value: object) -> None:
    k = make_key("enterprise", 100)
    data = json.loads(compose_manifest)
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[leaf] = value
    field = path.replace(".0.", "[0].")
    envelope(post_compose(client, k.api_key, data), status=400, code="VALIDATION_ERROR",
             field=field)
    assert ledger.balance(k.info.key_id) == 100


@pytest.mark.parametrize(("where", "value", "field"), [
    ("name", "Home\u0000 from orbit", "project.name"),
    ("path", "javascript:alert(1)", "folder.items[0].path"),
    ("path", "%2e%2e/%2e%2e/etc/passwd", "folder.items[0].path"),
    ("root", "//evil/share", "folder.mediaRootPath"),
])
def test_hostile_names_and_paths_are_refused(client, make_key, compose_manifest, envelope,
                                             where: str, value: str, field: str) -> None:
    k = make_key("enterprise", 100)
    data = json.loads(compose_manifest)
    if where == "name":
        data["project"]["name"] = value
    elif where == "path":
        data["folder"]["items"][0]["path"] = value
    else:
        data["folder"]["mediaRootPath"] = value
    envelope(post_compose(client, k.api_key, data), status=400, code="VALIDATION_ERROR",
             field=field)


def test_deep_nesting_and_huge_numbers_are_invalid_json(client, make_key, ledger,
                                                        sample_media, envelope) -> None:
    """1,000 nested arrays on all three endpoints; a 5,000-digit integer: INVALID_JSON that
    names neither Python nor its limits."""
    k = make_key("enterprise", 100)
    deep = b"[" * 1000 + b"]" * 1000
    nested_meta = b'{"scenes": ' + deep + b"}"
    body = envelope(post_compose(client, k.api_key, deep), status=400, code="INVALID_JSON")
    assert "32 deep" in body["error"]["message"]
    image = (sample_media / "scenes" / "01_astronaut.jpg").read_bytes()
    r = client.post(f"{API}/describe-scenes", headers={"X-API-Key": k.api_key},
                    files=[("images", ("a.jpg", image, "image/jpeg")),
                           ("metadata", (None, nested_meta, "application/json"))])
    envelope(r, status=400, code="INVALID_JSON", field="metadata")
    audio = (sample_media / "narration.wav").read_bytes()
    r = client.post(f"{API}/scene-timestamps", headers={"X-API-Key": k.api_key},
                    files=[("audio", ("n.wav", audio, "audio/wav")),
                           ("metadata", (None, nested_meta, "application/json"))])
    envelope(r, status=400, code="INVALID_JSON", field="metadata")
    r = post_compose(client, k.api_key, b'{"project": ' + b"9" * 5000 + b"}")
    body = envelope(r, status=400, code="INVALID_JSON")
    assert "sys." not in r.text and "digits" not in body["error"]["message"]
    assert ledger.balance(k.info.key_id) == 100


def test_every_error_has_the_five_keys(client, envelope) -> None:
    for r in (client.get(f"{API}/nope"), client.post(f"{API}/compose-otio"),
              client.delete(f"{API}/health")):
        body = r.json()
        assert set(body["error"]) == FIVE_KEYS, body
    body = envelope(client.post(f"{API}/compose-otio"), status=401, code="API_KEY_REQUIRED")
    assert body["error"]["field"] == "X-API-Key" and body["error"]["details"] == []
    body = client.get(f"{API}/nope").json()
    assert body["error"]["field"] is None  # present, null: it does not apply


def test_price_check_header_is_what_openapi_declares(client, make_key, compose_manifest,
                                                     envelope) -> None:
    declared = next(p for p in client.get(f"{API}/openapi.json").json()["paths"]
                    [f"{API}/compose-otio"]["post"]["parameters"]
                    if p["name"] == "X-Price-Check")["schema"]["enum"]
    assert declared == ["true", "false"]
    k = make_key("enterprise", 100)
    for value in ("true", "false"):
        assert post_compose(client, k.api_key, compose_manifest,
                            **{"X-Price-Check": value}).status_code == 200
    for value in ("0", "1", "yes", "TRUE"):
        envelope(post_compose(client, k.api_key, compose_manifest, **{"X-Price-Check": value}),
                 status=400, code="VALIDATION_ERROR", field="X-Price-Check")


def test_client_disconnect_is_not_an_internal_error(server, client, make_key, ledger) -> None:
    """A client that sends half a body and hangs up: logged as a disconnect, no traceback."""
    k = make_key("enterprise", 100)
    before = server.log_text()
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(f"POST {API}/compose-otio HTTP/1.1\r\nHost: x\r\nX-API-Key: {k.api_key}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"a\""
                  .encode())
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(f"GET {API}/health HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        s.recv(100)
    time.sleep(0.5)
    assert client.get(f"{API}/health").status_code == 200
    added = server.log_text()[len(before):]
    assert "internal error" not in added and "Traceback" not in added, added
    assert ledger.balance(k.info.key_id) == 100


def test_key_in_the_query_string_is_never_logged(db_url, make_key, tmp_path,
                                                 compose_manifest, envelope) -> None:
    """With the access log on: the refused `?apiKey=` request leaves no trace of the key."""
    import httpx

    k = make_key("enterprise", 100)
    settings = ServiceSettings(db_url=db_url, warm_up=False, upload_dir=str(tmp_path))
    with ServiceProcess(settings, log_path=tmp_path / "access.log", log_level="info") as sp:
        with httpx.Client(base_url=sp.base_url, timeout=60) as c:
            r = c.post(f"{API}/compose-otio?apiKey={k.api_key}&responseFormat=json",
                       content=compose_manifest, headers={"Content-Type": "application/json"})
            envelope(r, status=401, code="API_KEY_REQUIRED", field="X-API-Key")
            c.get(f"{API}/{k.api_key}")
        log = sp.log_text()
    assert "compose-otio?apiKey=[redacted]" in log  # the access log is on, and redacted
    assert k.api_key not in log and k.api_key[8:] not in log


def _near_silent_wav(seconds: float) -> bytes:
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(int(16_000 * seconds)) * 10 ** (-55 / 20) * 32767
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(noise.astype("<i2").tobytes())
    return out.getvalue()


@pytest.mark.model
def test_six_minutes_of_near_silence_is_audio_empty(client, make_key, ledger, envelope) -> None:
    k = make_key("enterprise", 100)
    meta = json.dumps({"scenes": [{"startCueText": "Meet Eileen", "anchorText": "flight suit"},
                                  {"startCueText": "On launch day", "anchorText": "rocket"}]})
    r = client.post(f"{API}/scene-timestamps", headers={"X-API-Key": k.api_key},
                    files=[("audio", ("quiet.wav", _near_silent_wav(360), "audio/wav")),
                           ("metadata", (None, meta, "application/json"))])
    envelope(r, status=422, code="AUDIO_EMPTY", field="audio")
    assert ledger.balance(k.info.key_id) == 100


@pytest.fixture(scope="module")
def base_model_server(db_url, tmp_path_factory) -> ServiceProcess:
    """The service with the default (multilingual) recogniser, models loaded on first use."""
    settings = ServiceSettings(db_url=db_url, whisper_model="base", warm_up=False,
                               upload_dir=str(tmp_path_factory.mktemp("uploads-base")))
    with ServiceProcess(settings, log_path=tmp_path_factory.mktemp("log") / "base.log") as sp:
        yield sp


@pytest.mark.parametrize("language", ["zz", "und", "xx-YY"])
@pytest.mark.parametrize("price_check", ["true", "false"])
def test_unknown_language_codes_are_validation_errors(base_model_server, make_key, ledger,
                                                      sample_media, envelope, language: str,
                                                      price_check: str) -> None:
    import httpx

    k = make_key("enterprise", 100)
    meta = json.loads((sample_media / "timestamps_metadata.json").read_text())
    meta["languageCode"] = language
    r = httpx.post(f"{base_model_server.base_url}{API}/scene-timestamps", timeout=120,
                   headers={"X-API-Key": k.api_key, "X-Price-Check": price_check},
                   files=[("audio", ("n.wav", (sample_media / "narration.wav").read_bytes(),
                                     "audio/wav")),
                          ("metadata", (None, json.dumps(meta), "application/json"))])
    body = envelope(r, status=400, code="VALIDATION_ERROR", field="metadata.languageCode")
    assert "en, " in body["error"]["allowed"] and "de" in body["error"]["allowed"]
    assert ledger.balance(k.info.key_id) == 100


def test_cli_bad_input_prints_the_envelope(tmp_path, sample_media) -> None:
    """Usage errors, deep nesting and unknown languages: the envelope on stderr, exit 2."""
    from click.testing import CliRunner

    from postprod.cli import main

    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 1000 + b"]" * 1000)
    meta = json.loads((sample_media / "timestamps_metadata.json").read_text())
    meta["languageCode"] = "zz"
    zz = tmp_path / "zz.json"
    zz.write_text(json.dumps(meta))
    for args, field in (
            (["compose", str(deep)], None),
            (["compose", "--format", "xml", str(sample_media / "compose.json")], "--format"),
            (["keys", "create", "--tier", "gold", "--credits", "1",
              "--db", f"sqlite:///{tmp_path / 'l.sqlite3'}"], "--tier"),
            (["timestamps", str(sample_media / "narration.wav"), "--metadata", str(zz),
              "--model", "base"], "languageCode")):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        envelope = json.loads(result.stderr)
        assert set(envelope["error"]) == FIVE_KEYS
        assert envelope["error"]["field"] == field, envelope
        assert "Usage:" not in result.stderr


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["intent"]["sequence"][1].update(durationSec=1e300),
     "intent.sequence[1].durationSec"),
    (lambda d: d["intent"]["sequence"][1].update(
        transitionIn={"type": "crossfade", "durationSec": 1e300}),
     "intent.sequence[1].transitionIn.durationSec"),
])
def test_absurd_lengths_give_short_messages(client, make_key, compose_manifest, envelope,
                                            mutate, field: str) -> None:
    """A clip or crossfade of 1e300 s: refused before planning, no 300-digit frame counts."""
    k = make_key("enterprise", 100)
    data = json.loads(compose_manifest)
    mutate(data)
    body = envelope(post_compose(client, k.api_key, data), status=422,
                    code="TIER_LIMIT_EXCEEDED", field=field)
    assert len(body["error"]["message"]) < 200 and len(body["error"]["allowed"]) < 60
