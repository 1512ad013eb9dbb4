"""Fixtures of the contextual tests: real sentences (the model, `minilm`, is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sst2_sentences(data_dir) -> list[str]:
    """The first 100 sentences of SST-2's dev set."""
    lines = (data_dir / "sentiment" / "sst2" / "dev.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" ", 1)[1] for line in lines[:100]]
