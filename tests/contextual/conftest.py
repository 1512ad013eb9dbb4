"""Fixtures of the contextual tests: real sentences (the model, `minilm`, is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sst2_sentences(data_dir) -> list[str]:
    """The first 100 sentences of SST-2's dev set."""
    lines = (data_dir / "sentiment" / "sst2" / "dev.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" ", 1)[1] for line in lines[:100]]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory, minilm):
    """A randomly initialised 2-layer BERT (width 16) with MiniLM's tokenizer, saved as a Hugging Face folder."""
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-bert")
    config = BertConfig(
        vocab_size=minilm.tokenizer.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    shutil.copy(minilm.folder.path / "tokenizer.json", folder / "tokenizer.json")
    return folder
