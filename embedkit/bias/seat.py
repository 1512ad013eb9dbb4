"""SEAT, the Sentence Encoder Association Test (May, Wang, Bordia, Bowman, Rudinger 2019, "On Measuring
Social Biases in Sentence Encoders", NAACL, arXiv:1903.10561): WEAT over "semantically bleached"
sentences made from each word by templates, encoded by a sentence encoder.

Each word of a set becomes several sentences; the set is all of them; :func:`~embedkit.bias.weat` then
runs on the sentence vectors unchanged (statistic, effect size, exact or Monte-Carlo p, bootstrap
interval). The templates are the authors' (``scripts/generate_basic_contexts.py`` of
github.com/W4ngatang/sent-bias):

- a name (capitalised, not all capitals): "This is Adam.", "That is Adam.", "There is Adam.", "Here is
  Adam.", "Adam is here.", "Adam is there.", "Adam is a person.", "The person's name is Adam.";
- an adjective of their list: "This is brief.", "That is brief.", "They are brief.";
- a mass noun of their list: "This is love.", "That is love.", "There is love.", "It is love.";
- a verb of their list: "This will kill." ... "That may kill." (8);
- he/she, him/her and his/hers: their pronoun templates;
- any other noun: "This is a rose.", "That is a rose.", "There is a rose.", "Here is a rose.", "The rose
  is here.", "The rose is there.", "A rose is a thing." (or "... is a person." for person words), "It is
  a rose.", and the plural: "These are roses.", "Those are roses.", "They are roses.", "The roses are
  here.", "The roses are there.", "Roses are things." (or "... are people.").

Unlike the authors' script, the two target sets are not cut to the same size by an unseeded random
sample: WEAT does not need equal sizes, so every sentence is kept and the result is deterministic.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..vectors import Vectors
from .query import Query
from .weat import EXACT_LIMIT, PERMUTATIONS, WeatResult, weat

if TYPE_CHECKING:
    from ..nn.contextual import Encoder

__all__ = ["SEAT_TEMPLATES", "seat", "seat_query", "seat_sentences"]

SEAT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "name": (
        "This is {term}.",
        "That is {term}.",
        "There is {term}.",
        "Here is {term}.",
        "{term} is here.",
        "{term} is there.",
        "{term} is a person.",
        "The person's name is {term}.",
    ),
    "subject_pronoun": (
        "{term} is here.",
        "{term} is there.",
        "Here {term} is.",
        "There {term} is.",
        "{term} is a person.",
    ),
    "object_pronoun": ("It is {term}.", "This is {term}.", "That is {term}."),
    "possessive_pronoun": (
        "This is {term}.",
        "That is {term}.",
        "There is {term}.",
        "Here is {term}.",
        "It is {term}.",
        "{term} is there.",
        "{term} is here.",
    ),
    "adjective": ("This is {term}.", "That is {term}.", "They are {term}."),
    "mass_noun": ("This is {term}.", "That is {term}.", "There is {term}.", "It is {term}."),
    "verb": (
        "This will {term}.",
        "This did {term}.",
        "This can {term}.",
        "This may {term}.",
        "That will {term}.",
        "That did {term}.",
        "That can {term}.",
        "That may {term}.",
    ),
    "singular_noun": (
        "This is {article} {term}.",
        "That is {article} {term}.",
        "There is {article} {term}.",
        "Here is {article} {term}.",
        "The {term} is here.",
        "The {term} is there.",
    ),
    "plural_noun": (
        "These are {term}.",
        "Those are {term}.",
        "They are {term}.",
        "The {term} are here.",
        "The {term} are there.",
    ),
    "singular_person": ("{article} {term} is a person.",),
    "plural_person": ("{term} are people.",),
    "singular_thing": ("{article} {term} is a thing.", "It is {article} {term}."),
    "plural_thing": ("{term} are things.",),
}
"""May et al.'s sentence templates by kind of word (``{term}`` the word, ``{article}`` a or an)."""

# The word classes of the authors' script, for the words of Caliskan's tests.
_ADJECTIVES = frozenset(
    [
        "impermanent",
        "unstable",
        "variable",
        "fleeting",
        "short-term",
        "brief",
        "occasional",
        "stable",
        "constant",
        "persistent",
        "chronic",
        "prolonged",
    ]
)
_MASS_NOUNS = frozenset(
    [
        "freedom",
        "health",
        "love",
        "peace",
        "cheer",
        "heaven",
        "loyalty",
        "pleasure",
        "laughter",
        "filth",
        "grief",
        "hatred",
        "poverty",
        "agony",
        "dynamite",
        "teargas",
        "joy",
        "physics",
        "calculus",
        "science",
        "chemistry",
        "astronomy",
        "NASA",
        "poetry",
        "art",
        "literature",
        "math",
        "algebra",
        "geometry",
        "always",
        "forever",
        "vomit",
    ]
)
_PLURAL_NOUNS = frozenset(["parents", "children", "cousins", "relatives", "numbers", "equations"])
_VERBS = frozenset(["pollute", "kill", "stink"])
_PERSON = re.compile(
    r"\b(?:woman|man|female|male|girl|boy|sister|brother|daughter|son|mother|father|aunt|uncle|grandmother|"
    r"grandfather|American)\b"
)


def _fill(template: str, term: str) -> str:
    vowel = term.startswith("honor") or term[:1] in "aeiouAEIOU"
    article = "an" if vowel and not term.startswith(("European", "Ukrainian")) else "a"
    s = template.format(article=article, term=term)
    return s[0].upper() + s[1:]


def _plural(s: str) -> str:
    if re.search(r"\bwoman\b", s):
        return re.sub(r"\bwoman\b", "women", s)
    if re.search(r"\bman\b", s):
        return re.sub(r"\bman\b", "men", s)
    if s.endswith("y") and len(s) > 1 and s[-2] not in "aeiou":
        return s[:-1] + "ies"
    return s + "es" if s.endswith(("ch", "sh", "s")) else s + "s"


def seat_sentences(word: str) -> tuple[str, ...]:
    """The template sentences of one word, chosen by its kind as May et al.'s script does.

    >>> seat_sentences("brief")
    ('This is brief.', 'That is brief.', 'They are brief.')
    >>> seat_sentences("aster")[:2]
    ('This is an aster.', 'That is an aster.')
    """
    t = SEAT_TEMPLATES
    if word[:1] in string.ascii_uppercase and not word.endswith("American") and word != word.upper():
        kinds: tuple[tuple[str, str], ...] = (("name", word),)
    elif word in _ADJECTIVES:
        kinds = (("adjective", word),)
    elif word in _VERBS:
        kinds = (("verb", word),)
    elif word in _MASS_NOUNS:
        kinds = (("mass_noun", word),)
    elif word in ("he", "she"):
        kinds = (("subject_pronoun", word),)
    elif word in ("him", "her"):
        kinds = (("object_pronoun", word),)
    elif word in ("his", "hers"):
        kinds = (("possessive_pronoun", word),)
    else:
        if word in _PLURAL_NOUNS:
            one, many = ("child" if word == "children" else word[:-1]), word
        else:
            one, many = word, _plural(word)
        person = _PERSON.search(word) is not None
        kinds = (
            ("singular_noun", one),
            ("singular_person" if person else "singular_thing", one),
            ("plural_noun", many),
            ("plural_person" if person else "plural_thing", many),
        )
    return tuple(_fill(template, term) for kind, term in kinds for template in t[kind])


def seat_query(test: str | Query) -> Query:
    """The SEAT version of a WEAT query (a built-in test's name, ``weat1`` .. ``weat10``, or a
    :class:`Query`): every word replaced by its template sentences (:func:`seat_sentences`), duplicates
    kept once.

    >>> seat_query("weat7").x[:2]
    ('This is math.', 'That is math.')
    """
    q = test if isinstance(test, Query) else Query.from_test(test)

    def expand(words: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(s for w in words for s in seat_sentences(w)))

    return Query(
        expand(q.x),
        expand(q.y),
        expand(q.a),
        expand(q.b),
        target_names=q.target_names,
        attribute_names=q.attribute_names,
        name=f"seat-{q.name}",
    )


def seat(
    test: str | Query,
    *,
    model: str | os.PathLike | Encoder = "minilm",
    encoder: Callable[[list[str]], np.ndarray] | None = None,
    two_sided: bool = False,
    exact_limit: int = EXACT_LIMIT,
    permutations: int = PERMUTATIONS,
    n_boot: int = 1000,
    ddof: int = 1,
    seed: int = 0,
) -> WeatResult:
    """SEAT: WEAT on the template sentences of ``test``, encoded by the sentence encoder ``model``
    (a name, a folder or a loaded encoder for :func:`embedkit.contextual.encode`; MiniLM by default,
    offline) or by ``encoder`` (a function from
    a list of sentences to a ``(N, dim)`` matrix). The other arguments are :func:`weat`'s."""
    q = seat_query(test)
    sentences = list(dict.fromkeys([*q.x, *q.y, *q.a, *q.b]))
    if encoder is None:
        from ..contextual import encode

        matrix = encode(sentences, model=model)
    else:
        matrix = np.asarray(encoder(sentences), dtype=np.float32)
    v = Vectors(sentences, matrix, source="SEAT template sentences")
    return weat(
        v,
        q,
        two_sided=two_sided,
        exact_limit=exact_limit,
        permutations=permutations,
        n_boot=n_boot,
        ddof=ddof,
        seed=seed,
        max_missing=0.0,
    )
