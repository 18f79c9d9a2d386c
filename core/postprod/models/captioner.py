"""The captioner slot: a user-supplied local transformers image-to-text model folder.

No captioning weights ship with the product; a user who has a BLIP, GIT or
VisionEncoderDecoder checkout on disk points the workbench, the CLI (``--captioner-dir``) or the
environment (``POSTPROD_CAPTIONER_DIR``) at it. It is loaded with ``local_files_only=True``:
nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..contract.errors import EngineUnavailable
from .classifier import available_cores

CAPTIONER_ENV = "POSTPROD_CAPTIONER_DIR"
"""Environment variable naming the captioner folder when no argument is given."""

MAX_NEW_TOKENS = 40


def captioner_dir_from(value: str | Path | None) -> Path | None:
    """The captioner folder to use: ``value`` if given, else ``$POSTPROD_CAPTIONER_DIR``, else None.

    A blank value (or blank variable) means "no captioner".
    """
    if value is None:
        value = os.environ.get(CAPTIONER_ENV) or None
    if value is None or not str(value).strip():
        return None
    return Path(value).expanduser()


class Captioner:
    """A loaded image-to-text model. Use `get_captioner(folder)`; calls are serialised."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise EngineUnavailable(
                f"the captioner folder {folder.name!r} does not exist or is not a folder",
                allowed="a local transformers image-to-text model folder")
        try:
            import torch
            import transformers as tf
        except ImportError as exc:
            raise EngineUnavailable(f"captioning needs {exc.name}, which is not installed") \
                from None
        torch.set_num_threads(available_cores())
        self._torch = torch
        try:
            config = tf.AutoConfig.from_pretrained(folder, local_files_only=True)
            self._model, self._image_proc, self._tokenizer = _load(tf, folder, config)
        except EngineUnavailable:
            raise
        except Exception as exc:  # any loader failure: name the folder, not the internals
            reason = str(exc).replace(str(folder), folder.name)[:160]
            raise EngineUnavailable(
                f"the captioner folder {folder.name!r} could not be loaded as a local "
                f"image-to-text model ({type(exc).__name__}: {reason})",
                allowed="a transformers model folder with config, weights, tokenizer and "
                        "image processor (e.g. BLIP, GIT, VisionEncoderDecoder)") from None
        self._model.eval()
        self._lock = threading.Lock()

    def caption(self, rgb: np.ndarray) -> str:
        """One caption for one image, greedy decoding (deterministic), whitespace-normalised.

        Args:
            rgb: np.ndarray [shape=(h, w, 3)], uint8 RGB.
        """
        from PIL import Image

        image = Image.fromarray(rgb)
        with self._lock, self._torch.inference_mode():
            inputs = self._image_proc(images=image, return_tensors="pt")
            tokens = self._model.generate(**dict(inputs), max_new_tokens=MAX_NEW_TOKENS,
                                          do_sample=False, num_beams=1)
        text = self._tokenizer.batch_decode(tokens, skip_special_tokens=True)[0]
        return " ".join(str(text).split())


def _load(tf: Any, folder: Path, config: Any) -> tuple[Any, Any, Any]:
    """Model, image processor (or processor) and tokenizer for the folder's architecture."""
    kw = {"local_files_only": True}
    if getattr(config, "model_type", "") == "vision-encoder-decoder":
        model = tf.VisionEncoderDecoderModel.from_pretrained(folder, **kw)
        image_proc = tf.AutoImageProcessor.from_pretrained(folder, **kw)
        tokenizer = tf.AutoTokenizer.from_pretrained(folder, **kw)
        return model, image_proc, tokenizer
    processor = tf.AutoProcessor.from_pretrained(folder, **kw)
    model = None
    for name in ("AutoModelForImageTextToText", "AutoModelForVision2Seq", "AutoModelForCausalLM"):
        auto = getattr(tf, name, None)
        if auto is None:
            continue
        try:
            model = auto.from_pretrained(folder, **kw)
            break
        except (ValueError, KeyError):
            continue
    if model is None:
        raise EngineUnavailable(f"the captioner folder {folder.name!r} holds no image-to-text "
                                "model this version of transformers can load")
    tokenizer = getattr(processor, "tokenizer", processor)
    return model, processor, tokenizer


_lock = threading.Lock()
_cache: dict[str, Captioner] = {}


def get_captioner(folder: str | Path) -> Captioner:
    """The captioner for ``folder``, loaded once per process per resolved path.

    Raises:
        EngineUnavailable: the folder is missing or does not hold a loadable model.
    """
    path = Path(folder).expanduser().resolve()
    key = str(path)
    with _lock:
        if key not in _cache:
            _cache[key] = Captioner(path)
        return _cache[key]
