"""Fixtures of the io tests: a private cache folder, the first 3,000 GloVe vectors."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private, empty cache directory for one test."""
    d = tmp_path / "cache"
    monkeypatch.setenv("EMBEDKIT_CACHE", str(d))
    return d


@pytest.fixture(scope="module")
def glove_head(glove):
    return glove.most_frequent(3000)
