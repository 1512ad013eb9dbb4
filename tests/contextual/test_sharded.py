"""Tests of embedkit.contextual.sharded: `embedkit encode` under torchrun with two CPU processes (gloo)
writes the file one process writes, rows in the same order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.cli import main
from embedkit.contextual.sharded import encode_corpus

pytest.importorskip("transformers")

# 11 sentences of different lengths: shards of 6 and 5, each batched by length on its own
SENTENCES = [
    "The bank raised its rates.",
    "We sat on the river bank.",
    "A film worth seeing.",
    "Unbelievable!",
    "The movie is long, slow and far too pleased with itself, yet oddly moving at the end.",
    "It rains.",
    "She deposited the cheque at the bank before noon.",
    "Birds nested along the bank of the stream.",
    "Nothing happens.",
    "An unbelievably tedious sequel.",
    "Rates fell.",
]


def _torchrun(argv: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    return subprocess.run(
        [*cmd, "-m", "embedkit.cli", *argv], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow  # a torchrun launch of two processes: tens of seconds
@pytest.mark.parametrize(("model", "layer"), [("tiny_bert", 1), ("tiny_lm_file", 1), ("tiny_lm_file", None)])
def test_two_processes_write_the_single_process_file(tmp_path, model, layer, request):
    """Check that two torchrun processes write the rows and keys one process writes, equal to 1e-5 (word
    vectors: the shards' words and vectors both travel; sentence vectors: the same path without words), for a
    Hugging Face encoder and for an embedkit transformer language model."""
    encoder = request.getfixturevalue(model)
    src = tmp_path / "s.txt"
    src.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    extra = [] if layer is None else ["--layer", str(layer)]
    one, two = tmp_path / "one.ekv", tmp_path / "two.ekv"
    assert main(["encode", "--model", str(encoder), "--input", str(src), "-o", str(one), "-q", *extra]) == 0
    run = _torchrun(["encode", "--model", str(encoder), "--input", str(src), "-o", str(two), "--json", *extra])
    assert run.returncode == 0, run.stderr[-3000:]
    reports = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1 and reports[0]["processes"] == 2  # rank 0 alone reports
    a, b = embedkit.load(one), embedkit.load(two)
    assert b.keys == a.keys
    if layer is None:
        assert a.keys == SENTENCES
    else:
        first = "0:0:The" if model == "tiny_bert" else "0:0:the"  # the language model's tokenizer lower-cases
        assert a.keys[0] == first and a.keys[-1] == "10:2:."
    assert_allclose(b.matrix, a.matrix, atol=1e-5)
    assert not np.array_equal(a.matrix[0], a.matrix[1])


@pytest.mark.slow  # needs MiniLM's tokenizer: seconds
def test_plain_run_is_one_process(tiny_bert):
    """Check that outside torchrun encode_corpus is encode / encode_tokens in one process."""
    from embedkit.contextual import encode, encode_tokens

    whole = encode_corpus(SENTENCES[:3], model=tiny_bert)
    assert whole is not None and whole.words is None and whole.processes == 1
    assert_allclose(whole.matrix, encode(SENTENCES[:3], model=tiny_bert))
    result = encode_corpus(SENTENCES[:3], model=tiny_bert, layer=2)
    assert result is not None and result.processes == 1
    tokens = encode_tokens(SENTENCES[:3], model=tiny_bert, layer=2)
    assert result.words == [t.words for t in tokens]
    assert_allclose(result.matrix, np.concatenate([t.vectors for t in tokens]))
