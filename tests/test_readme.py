"""The README's and the docs pages' Python examples run as written, from any folder once EMBEDKIT_DATA is set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # minutes: run by the full suite, not by `pytest -m "not slow"`

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The docs pages whose ```python blocks are executed (a block that cannot run here is fenced without a language).
DOCS = (
    "vectors.md",
    "search.md",
    "evaluation.md",
    "projections.md",
    "training.md",
    "classification.md",
    "compare.md",
    "sequences.md",
    "bias.md",
    "contextual.md",
)


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


BLOCKS = _blocks(README)
DOC_BLOCKS = [(name, i, block) for name in DOCS for i, block in enumerate(_blocks(ROOT / "docs" / name))]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch, data_dir):
    """A working directory outside the repository, with EMBEDKIT_DATA naming the datasets (as a newcomer runs them)."""
    folder = tmp_path / "somewhere" / "else"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("EMBEDKIT_DATA", str(data_dir.resolve()))
    return folder


def test_readme_has_examples():
    """Check that the README still carries Python examples (so the test below cannot pass vacuously)."""
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, elsewhere, capsys):
    """Check that README Python block number `index` executes without error (its asserts included) from another folder."""
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), {"__name__": "readme"})  # noqa: S102  (our own examples)


def test_readme_examples_name_no_data_path():
    """Check that no Python example of the README or the docs hard-codes the datasets' folder in a string ("../shared/data/...")."""
    blocks = [("README.md", b) for b in BLOCKS] + [(f"docs/{name}", b) for name, _, b in DOC_BLOCKS]
    literal = re.compile(r"""["'][^"'\n]*shared/data""")
    assert [name for name, block in blocks if literal.search(block)] == []
    assert literal.search('read_dataset("../shared/data/sentiment/mr/mr.txt")')  # what it catches


def test_docs_have_examples():
    """Check that every listed docs page exists and carries at least one Python example."""
    assert {name for name, _, _ in DOC_BLOCKS} == set(DOCS)


@pytest.mark.parametrize(("name", "index", "block"), DOC_BLOCKS, ids=[f"{n}-{i}" for n, i, _ in DOC_BLOCKS])
def test_docs_example_runs(name, index, block, elsewhere, capsys):
    """Check that Python block number `index` of docs page `name` executes without error (its asserts included) from another folder."""
    exec(compile(block, f"docs/{name}[python block {index}]", "exec"), {"__name__": "readme"})  # noqa: S102  (our own examples)
