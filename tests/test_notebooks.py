"""The notebooks in notebooks/ run top to bottom.

With ``EMBEDKIT_NOTEBOOKS_FOR_SITE=1`` (as ``.ci/run`` sets it) each notebook is run as the site build
runs it (its files written to ``site/notebook-files``, as docs/conf.py says) and, once it has run
without error, stored in the site's notebook cache (``site/.jupyter_cache``, keyed by the code
cells), so the site build that follows shows these outputs instead of running every notebook again.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # minutes: run by the full suite, not by `pytest -m "not slow"`

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FOR_SITE = os.environ.get("EMBEDKIT_NOTEBOOKS_FOR_SITE") == "1"
SITE = ROOT / "site"  # docs/conf.py: the site's notebook cache and the files the notebooks write


def test_there_are_notebooks():
    """Check that the notebooks folder is not empty (so the test below cannot pass vacuously)."""
    assert any(p.name == "analogies.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    """Check that the notebook executes every cell without error, in its own folder."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env_before = dict(os.environ)
    os.environ.setdefault("MPLBACKEND", "Agg")
    # where notebooks write files they make
    os.environ["EMBEDKIT_REPORT_DIR"] = str(SITE / "notebook-files" if FOR_SITE else tmp_path)
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            record_timing=False,  # no timestamps in the cells: what the site build stores, so its cache matches
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    seconds = time.perf_counter() - start
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    if FOR_SITE:
        _store_for_the_site(path, nb, seconds)


def _store_for_the_site(path: Path, nb, seconds: float) -> None:
    """Put the executed notebook in the site's notebook cache, as myst-nb stores one it has run."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(SITE / ".jupyter_cache"))
    cache.cache_notebook_bundle(
        CacheBundleIn(nb, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )
    # the site build will find it: the notebook file as it stands matches the stored run
    assert cache.match_cache_notebook(nbformat.read(path, as_version=4)).uri == str(path)
