"""The captioner slot with a tiny randomly initialised VisionEncoderDecoder saved to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from postprod.contract.errors import EngineUnavailable
from postprod.describe import describe_scenes

pytestmark = pytest.mark.model

VOCAB = frozenset({"a", "photo", "of", "cat", "cup", "coffee", "rocket", "sky"})


def tiny_captioner(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        GPT2Config,
        PreTrainedTokenizerFast,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
        ViTImageProcessor,
    )

    torch.manual_seed(0)
    words = ["<pad>", "<s>", "</s>", "<unk>", *sorted(VOCAB)]
    tok = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)},
                                     unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>")
    enc = ViTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=64, image_size=32, patch_size=8)
    dec = GPT2Config(vocab_size=len(words), n_embd=32, n_layer=1, n_head=2, n_positions=64,
                     bos_token_id=1, eos_token_id=2, pad_token_id=0, add_cross_attention=True,
                     is_decoder=True)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id, cfg.pad_token_id, cfg.eos_token_id = 1, 0, 2
    model = VisionEncoderDecoderModel(config=cfg)
    gen = model.generation_config
    gen.decoder_start_token_id, gen.pad_token_id, gen.eos_token_id = 1, 0, 2
    gen.suppress_tokens = [0, 1, 2, 3]  # random weights: force real words, never stop early
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def captioner_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_captioner(tmp_path_factory.mktemp("captioner"))


def test_caption_replaces_the_template_and_is_capped(captioner_dir: Path,
                                                     coffee_jpeg: bytes) -> None:
    vocab = VOCAB
    for style, limit in (("short", 12), ("normal", 30)):
        resp = describe_scenes([coffee_jpeg], {"hints": {"style": style}},
                               captioner=captioner_dir)
        words = resp.data.scenes[0].description.rstrip("…").lower().split()
        assert len(words) == limit  # 40 generated words, cut to the style's limit
        assert set(words) <= vocab  # the caption model wrote it, not the templates


def test_caption_respects_the_free_tier_char_cap(captioner_dir: Path,
                                                 coffee_jpeg: bytes) -> None:
    resp = describe_scenes([coffee_jpeg], {"hints": {"style": "normal"}}, tier="free",
                           captioner=str(captioner_dir))
    assert len(resp.data.scenes[0].description) <= 200


def test_captioner_from_environment(captioner_dir: Path, coffee_jpeg: bytes,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTPROD_CAPTIONER_DIR", str(captioner_dir))
    text = describe_scenes([coffee_jpeg], {"hints": {"style": "short"}}).data.scenes[0]
    assert "espresso" not in text.description.lower()


def test_unloadable_folder_is_engine_unavailable(tmp_path: Path, coffee_jpeg: bytes) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EngineUnavailable) as err:
        describe_scenes([coffee_jpeg], None, captioner=tmp_path)
    assert err.value.http_status == 503 and str(tmp_path) not in err.value.message
    with pytest.raises(EngineUnavailable):
        describe_scenes([coffee_jpeg], None, captioner=tmp_path / "missing")
