"""Models load once per process, at startup, and every request reuses them.

The app runs in process under Starlette's TestClient, which runs the real lifespan (the
warm-up); the model classes are wrapped to count constructions, nothing else is replaced.
"""

from __future__ import annotations

from pathlib import Path

import faster_whisper
import pytest
from starlette.testclient import TestClient

from postprod.models import classifier, embedder, whisper
from postprod.service.app import create_app
from postprod.service.ledger import Ledger
from postprod.service.settings import ServiceSettings

API = "/postproduction/v1"


@pytest.mark.model
def test_models_load_at_startup_once_and_requests_reuse_them(
        tmp_path: Path, sample_media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    def counting(cls: type, name: str) -> type:
        class Counting(cls):  # type: ignore[valid-type,misc]
            def __init__(self, *args: object, **kwargs: object) -> None:
                built.append(name)
                super().__init__(*args, **kwargs)

        return Counting

    monkeypatch.setattr(faster_whisper, "WhisperModel",
                        counting(faster_whisper.WhisperModel, "whisper"))
    monkeypatch.setattr(whisper, "_CACHE", {})
    monkeypatch.setattr(classifier, "ImageClassifier",
                        counting(classifier.ImageClassifier, "classifier"))
    monkeypatch.setattr(classifier, "_instance", None)
    monkeypatch.setattr(embedder, "TextEmbedder", counting(embedder.TextEmbedder, "embedder"))
    monkeypatch.setattr(embedder, "_instance", None)

    db_url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    app = create_app(ServiceSettings(db_url=db_url, whisper_model="tiny.en", warm_up=True,
                                     upload_dir=str(tmp_path / "uploads")))
    ledger: Ledger = app.state.ledger
    key = ledger.create_key(tier="enterprise", credits=100, days=1).api_key
    assert built == []  # nothing loads before the server starts

    with TestClient(app) as client:  # runs the lifespan: the warm-up
        assert sorted(built) == ["classifier", "embedder", "whisper"]
        health = client.get(f"{API}/health").json()["data"]
        assert health == {"status": "ok", "operations": {"compose-otio": "ready",
                                                         "describe-scenes": "ready",
                                                         "scene-timestamps": "ready"}}
        audio = (sample_media / "narration.wav").read_bytes()
        metadata = (sample_media / "timestamps_metadata.json").read_text()
        for _ in range(2):
            r = client.post(f"{API}/scene-timestamps", headers={"X-API-Key": key},
                            files={"audio": ("narration.wav", audio, "audio/wav")},
                            data={"metadata": metadata})
            assert r.status_code == 200, r.text
        images = sorted((sample_media / "scenes").glob("*.jpg"))
        r = client.post(f"{API}/describe-scenes", headers={"X-API-Key": key},
                        files=[("images", (p.name, p.read_bytes(), "image/jpeg"))
                               for p in images])
        assert r.status_code == 200, r.text
        assert sorted(built) == ["classifier", "embedder", "whisper"]  # none loaded again
    assert ledger.balance(ledger.list_keys()[0].key_id) == 100 - 9 - 9 - 5
    ledger.close()
