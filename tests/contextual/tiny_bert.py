"""A tiny random BERT folder (16 dimensions, 2 layers, a 24-piece WordPiece vocabulary) that embedkit
loads as it loads MiniLM: for tests whose arithmetic is checked by hand, in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PIECES = [
    "[unused0]",
    "[unused1]",
    "the",
    "bank",
    "river",
    "money",
    "loan",
    "water",
    "un",
    "##bel",
    "##ie",
    "##vable",
    "##s",
    "##ing",
    "rob",
    "##ber",
    "##y",
    ".",
    "a",
]
"""The vocabulary after the special tokens, in id order (two ``[unusedN]`` placeholders first)."""


def make_tiny_bert(folder: Path, *, seed: int = 0) -> Path:
    """Write a random BERT (safetensors weights) and its fast tokenizer into ``folder``."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {p: i for i, p in enumerate(SPECIAL + PIECES)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))  # noqa: S106 - a vocabulary token, not a password
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tok.add_special_tokens(SPECIAL)
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    torch.manual_seed(seed)
    transformers.BertModel(config).eval().save_pretrained(str(folder), safe_serialization=True)
    return folder
