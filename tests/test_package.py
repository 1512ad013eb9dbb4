"""The package's own docstring: the layout, kept identical to the README's Architecture section."""

from __future__ import annotations

import textwrap
from pathlib import Path

import embedkit

ROOT = Path(__file__).resolve().parent.parent


def test_package_docstring_holds_the_readme_layout():
    """Check that embedkit's docstring holds the README's Architecture text and layout block, line for line."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Architecture\n", 1)[1]
    intro, block = section.split("```\n", 2)[:2]
    doc = embedkit.__doc__
    # the docstring ends the intro with "::" where the README has ":", so the site shows the block as it is
    assert intro.strip().removesuffix(":") + "::\n\n" + textwrap.indent(block.rstrip("\n"), "    ") + "\n" in doc
    assert block.splitlines()[0] == "embedkit/" and len(block.splitlines()) == 18
