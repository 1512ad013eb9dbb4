"""The command-line reference, generated from the argparse parsers (``embedkit.cli.build_parser()``).

``.. embedkit-cli::`` walks the parser and its subcommands, depth first, and gives each command a section:
its description, its usage line and every option with its help text, expanded by the parser's own
formatter, so the page says what ``embedkit COMMAND --help`` prints. Nothing here is written by hand.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any, ClassVar

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

WIDTH = "100"  # the usage lines wrap as on a terminal this wide


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _paragraphs(text: str | None) -> list[nodes.Node]:
    return [nodes.paragraph(text=" ".join(p.split())) for p in (text or "").split("\n\n") if p.strip()]


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, parser)`` of each subcommand, in --help order, aliases once."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append((name, helps.get(name, ""), sub))
    return out


def command_section(parser: argparse.ArgumentParser, summary: str = "") -> nodes.section:
    """One command's section, with a section for each of its subcommands inside it."""
    section = nodes.section(ids=[_slug(parser.prog)], names=[nodes.fully_normalize_name(parser.prog)])
    section += nodes.title(text=parser.prog)
    body = _paragraphs(parser.description) or _paragraphs(summary)
    section.extend(body)
    section += nodes.literal_block(text=parser.format_usage().strip(), language="text")
    formatter = parser._get_formatter()
    subs = _subparsers(parser)
    for group in parser._action_groups:
        actions = [
            a
            for a in group._group_actions
            if a.help != argparse.SUPPRESS and not isinstance(a, argparse._SubParsersAction)
        ]
        if not actions:
            continue
        section += nodes.rubric(text=group.title or "options")
        items = nodes.definition_list()
        for action in actions:
            term = nodes.term()
            term += nodes.literal(text=formatter._format_action_invocation(action))
            definition = nodes.definition()
            definition += nodes.paragraph(text=" ".join(formatter._expand_help(action).split()) if action.help else "")
            items += nodes.definition_list_item("", term, definition)
        section += items
    if subs:
        section += nodes.rubric(text="commands")
        listing = nodes.bullet_list()
        for name, help_text, sub in subs:
            para = nodes.paragraph()
            ref = nodes.reference("", "", internal=True, refid=_slug(sub.prog))
            ref += nodes.literal(text=name)
            para += ref
            if help_text:
                para += nodes.Text(f": {help_text}")
            listing += nodes.list_item("", para)
        section += listing
    section.extend(_paragraphs(parser.epilog))
    for _name, help_text, sub in subs:
        section += command_section(sub, help_text)
    return section


class CliDirective(SphinxDirective):
    """``.. embedkit-cli::``: the whole command line, one section per command."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        from embedkit.cli import build_parser

        before = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = WIDTH
        try:
            top = command_section(build_parser())
        finally:
            if before is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = before
        # the page's own title stands for `embedkit`: its sections go straight under it
        return [child for child in top.children if not isinstance(child, nodes.title)]
