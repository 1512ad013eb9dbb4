"""Every public name has a docstring: the check the site's strict build makes, here in pytest too.

"Public" and "documented" are defined once, in docs/_ext/embedkit_docs/public.py, which the site's API
reference uses as well.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "embedkit_docs_public", ROOT / "docs" / "_ext" / "embedkit_docs" / "public.py"
)
assert _spec is not None and _spec.loader is not None
public = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = public  # dataclasses look their module up while the class is made
_spec.loader.exec_module(public)


def test_public_packages():
    """Check that the public packages are embedkit and each package below it with __all__."""
    assert public.public_packages() == [
        "embedkit",
        "embedkit.bias",
        "embedkit.classify",
        "embedkit.cli",
        "embedkit.compare",
        "embedkit.contextual",
        "embedkit.evaluation",
        "embedkit.io",
        "embedkit.nn",
        "embedkit.nn.classifiers",
        "embedkit.search",
        "embedkit.sequences",
        "embedkit.training",
        "embedkit.viz",
    ]


def test_every_public_name_has_a_docstring():
    """Check that each name of each public package's __all__ has a docstring of its own."""
    names = [pn for module in public.public_packages() for pn in public.public_names(module)]
    assert len(names) > 200
    assert [pn.qualname for pn in names if pn.doc is None] == []


def test_every_public_method_has_a_docstring():
    """Check that each public method and property of each public class has a docstring of its own."""
    classes = {id(pn.obj): pn for m in public.public_packages() for pn in public.public_names(m) if pn.kind != "data"}
    missing = [
        f"{pn.qualname}.{member}"
        for pn in classes.values()
        if pn.kind in ("class", "exception")
        for member in public.undocumented_members(pn.obj)
    ]
    assert len(classes) > 100
    assert missing == []


def test_constant_docstring_found_through_imports():
    """Check that a constant's docstring is the string after its assignment, found through a re-export."""
    (pn,) = [pn for pn in public.public_names("embedkit") if pn.name == "DEFAULT_VECTORS"]
    assert pn.kind == "data"
    assert pn.doc is not None and pn.doc.startswith("The named vector set that :func:`~embedkit.load` reads")
    (models,) = [pn for pn in public.public_names("embedkit.nn") if pn.name == "MODELS"]  # LANGUAGE_MODELS as MODELS
    assert models.doc is not None and models.doc.startswith("The language models by")


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A package ``fakepkg`` whose __all__ holds documented and undocumented names of every kind."""
    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from .consts import GOOD as ALIAS, BAD\n"
        "from .things import Plain, Record, Described, f, g\n"
        "__all__ = ['ALIAS', 'BAD', 'Plain', 'Record', 'Described', 'f', 'g']\n"
    )
    (pkg / "consts.py").write_text('GOOD = (1, 2)\n"""Two numbers."""\nBAD = 3\n')
    (pkg / "things.py").write_text(
        "from dataclasses import dataclass\n"
        "class Base:\n    '''The base.'''\n"
        "class Plain(Base):\n    def said(self):\n        '''Said.'''\n    def unsaid(self):\n        pass\n"
        "    @property\n    def bare(self):\n        return 1\n    def _private(self):\n        pass\n"
        "@dataclass\nclass Record:\n    x: int\n"
        "@dataclass\nclass Described:\n    '''A record that says what it is.'''\n    x: int\n"
        "def f():\n    '''Do f.'''\n"
        "def g():\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fakepkg"
    for name in [m for m in sys.modules if m == "fakepkg" or m.startswith("fakepkg.")]:
        del sys.modules[name]


def test_missing_docstrings_are_found(fake_package):
    """Check that an inherited docstring, a dataclass's made-up one and a bare constant count as missing."""
    docs = {pn.name: pn.doc for pn in public.public_names(fake_package)}
    assert docs == {
        "ALIAS": "Two numbers.",
        "BAD": None,
        "Plain": None,
        "Record": None,
        "Described": "A record that says what it is.",
        "f": "Do f.",
        "g": None,
    }
    (plain,) = [pn for pn in public.public_names(fake_package) if pn.name == "Plain"]
    assert public.undocumented_members(plain.obj) == ["unsaid", "bare"]
