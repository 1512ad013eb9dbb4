"""Sphinx configuration for embedkit's documentation site.

Build it from the repository root (the pages in docs/, the README and the notebooks are read where they
are, so every link between them works on the site as it does in the repository):

    sphinx-build -W --keep-going -c docs . site/html

``-W`` turns every warning into a failure: a broken link or anchor, a public name without a docstring, a
reference to a name that does not exist, a notebook cell that raises. Why Sphinx, and the measurements
behind the choice: docs/contributing.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))  # document this checkout's embedkit, whatever else is installed
# ... and run the notebooks against it too (their kernels inherit the environment)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)

project = "embedkit"
author = "the embedkit developers"
copyright = "the embedkit developers"

extensions = [
    "myst_nb",  # Markdown pages (MyST) and notebooks, executed at build time
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # the docstrings are NumPy style
    "sphinx.ext.viewcode",
    "embedkit_docs",  # docs/_ext: API and command-line reference, navigation, strict checks
]

# The source folder is the repository root; only these files are pages (README.md is the tour).
root_doc = "docs/index"
include_patterns = ["README.md", "CHANGELOG.md", "docs/**.md", "docs/**.rst", "notebooks/*.ipynb"]
exclude_patterns = [".venv", ".cache", "site", "build", "dist", "benchmarks", "tests", "embedkit", "vectors"]

# Every reference must resolve (Sphinx's "nitpicky" mode); embedkit_docs resolves a reference to a name
# that exists but has no page of its own (numpy.ndarray, a private helper) to plain code, so what is
# left is a reference to nothing, which fails the build under -W.
nitpicky = True

# MyST: GitHub-style anchors (#on-a-gpu-device) for headings down to level 4, checked like page links.
myst_heading_anchors = 4
myst_enable_extensions = ["dollarmath"]

# Notebooks: executed at build time, outputs kept in a cache keyed by the code cells (site/.jupyter_cache),
# never in git. A cell that raises fails the build.
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # the traceback of a failing cell, in the build log
nb_merge_streams = True
nb_render_markdown_format = "myst"  # a Markdown output (the comparison report) with its tables
# Files the notebooks write (the comparison report) go beside the site, not into notebooks/.
os.environ.setdefault("EMBEDKIT_REPORT_DIR", str(ROOT / "site" / "notebook-files"))

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = False  # True splits dataclass signatures with dict[str, float] fields (Sphinx 9.0)
autodoc_inherit_docstrings = False  # a public name documents itself
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # an Attributes section as fields, not a second entry beside the dataclass field

html_theme = "furo"
highlight_language = "text"  # a block without a language is output or a listing, not Python
html_title = "embedkit"
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["embedkit.css"]

# The site's navigation (embedkit_docs adds it to the root page): every page must be in it, or the
# build fails ("document isn't included in any toctree").
embedkit_nav = [
    (
        "User guide",
        [
            "A tour (the README) <README>",
            "docs/vectors",
            "docs/search",
            "docs/ann",
            "docs/evaluation",
            "docs/projections",
            "docs/explorer",
            "docs/training",
            "docs/classification",
            "docs/sequences",
            "docs/compare",
            "docs/bias",
            "docs/contextual",
            "docs/cli",
            "docs/reliability",
            "docs/benchmarks",
            "docs/architecture",
            "docs/contributing",
            "CHANGELOG",
        ],
    ),
    (
        "Notebooks",
        [
            "notebooks/analogies",
            "notebooks/explore",
            "notebooks/train-embeddings",
            "notebooks/classify",
            "notebooks/sequences",
            "notebooks/compare",
            "notebooks/contextual",
        ],
    ),
    (
        "Reference",
        [
            "docs/reference/embedkit",
            "docs/reference/embedkit.io",
            "docs/reference/embedkit.search",
            "docs/reference/embedkit.evaluation",
            "docs/reference/embedkit.viz",
            "docs/reference/embedkit.training",
            "docs/reference/embedkit.classify",
            "docs/reference/embedkit.sequences",
            "docs/reference/embedkit.compare",
            "docs/reference/embedkit.bias",
            "docs/reference/embedkit.contextual",
            "docs/reference/embedkit.nn",
            "docs/reference/embedkit.nn.classifiers",
            "docs/reference/embedkit.cli",
            "docs/reference/command-line",
        ],
    ),
]
# The API reference's pages, in order of preference: a name exported by several of them has its entry on
# the first (embedkit.nearest is documented as embedkit.search.nearest). Every package with __all__ must
# be here, and each must have a page (.. embedkit-api::), or the build fails.
embedkit_api_modules = [
    "embedkit.io",
    "embedkit.search",
    "embedkit.evaluation",
    "embedkit.viz",
    "embedkit.training",
    "embedkit.classify",
    "embedkit.sequences",
    "embedkit.compare",
    "embedkit.bias",
    "embedkit.contextual",
    "embedkit.nn",
    "embedkit.nn.classifiers",
    "embedkit.cli",
    "embedkit",
]
