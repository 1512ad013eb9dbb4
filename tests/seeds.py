"""The seed of every test that trains a model and asserts what it learnt (marked ``trains``).

``EMBEDKIT_TEST_SEED=N`` (default 0) adds ``N`` to each such test's seeds, so that one command sweeps
them all over seeds (docs/contributing.md, "Tests that train")::

    for s in 0 1 2 3 4 5 6 7 8 9; do EMBEDKIT_TEST_SEED=$s python -m pytest -m trains -q; done
"""

from __future__ import annotations

import os

SHIFT = int(os.environ.get("EMBEDKIT_TEST_SEED", "0"))


def seed(base: int = 0) -> int:
    """``base`` shifted by ``$EMBEDKIT_TEST_SEED``: the seed a ``trains`` test starts from."""
    return base + SHIFT
