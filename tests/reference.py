"""Slow, plain reference implementations that tests and benchmarks check embedkit against.

Written from the documented rules or around gensim, independently of embedkit's fast paths; each
is a test oracle, so it lives with the tests. Benchmarks import it as ``tests.reference`` with the
repository root on ``sys.path``.

- :func:`gensim_3cosadd_sections`, :func:`gensim_3cosmul_sections`: gensim's analogy evaluation,
  section by section (``tests/evaluation/test_evaluate.py``, ``benchmarks/bench_evaluate.py``).
- :data:`REFERENCE`, :func:`ref_text`, :func:`ref_binary`, :class:`Refused`: vector-file parsers
  (``tests/io/test_fuzz_loaders.py``, and through it ``benchmarks/fuzz_long.py``).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "REFERENCE",
    "Refused",
    "dedupe",
    "gensim_3cosadd_sections",
    "gensim_3cosmul_sections",
    "ref_binary",
    "ref_text",
    "restricted_kv",
]


# ---- analogies: gensim's evaluation, section by section -----------------------------------------


def restricted_kv(kv, restrict: int):
    """A gensim ``KeyedVectors`` of the first ``restrict`` words of ``kv`` (a copy of their rows)."""
    from gensim.models import KeyedVectors

    out = KeyedVectors(kv.vector_size, count=0, dtype=np.float32)
    keys = list(kv.index_to_key[:restrict])
    out.index_to_key, out.key_to_index = keys, {k: i for i, k in enumerate(keys)}
    out.vectors, out.norms = np.array(kv.vectors[:restrict]), None
    return out


def gensim_3cosadd_sections(kv, path, restrict: int, case_insensitive: bool = True) -> list[tuple[str, int, int]]:
    """``(section, correct, total)`` of gensim's ``evaluate_word_analogies`` (3CosAdd), without its total."""
    _, secs = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict, case_insensitive=case_insensitive)
    return [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in secs[:-1]]


def gensim_3cosmul_sections(kv, path, restrict: int, case_insensitive: bool = True) -> list[tuple[str, int, int]]:
    """gensim's evaluate_word_analogies loop with most_similar_cosmul, on the first `restrict` words
    (gensim's most_similar_cosmul ignores restrict_vocab, so the KeyedVectors itself is cut)."""
    kv = restricted_kv(kv, restrict)
    keys = kv.index_to_key
    fold = str.upper if case_insensitive else str
    ok_vocab = {fold(k): kv.get_index(k) for k in reversed(keys)}
    original = kv.key_to_index
    out, name, correct, total = [], None, 0, 0
    with open(path, encoding="utf-8") as fin:
        for line in fin:
            if line.startswith(": "):
                if name is not None:
                    out.append((name, correct, total))
                name, correct, total = line.lstrip(": ").strip(), 0, 0
                continue
            try:
                a, b, c, expected = [fold(w) for w in line.split()]
            except ValueError:
                continue
            if any(w not in ok_vocab for w in (a, b, c, expected)):
                continue
            kv.key_to_index = ok_vocab
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                sims = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
            kv.key_to_index = original
            predicted = None
            for word, _ in sims:
                predicted = fold(word)
                if predicted in ok_vocab and predicted not in {a, b, c}:
                    break
            total += 1
            correct += predicted == expected
    out.append((name, correct, total))
    return out


# ---- vector files: parsers from the documented rules, written plainly ---------------------------


class Refused(Exception):
    """The rules refuse the file; the message says which rule."""


def ref_text(data: bytes, header: bool) -> tuple[list[str], np.ndarray]:
    lines = data.split(b"\n")
    while lines and not lines[-1].strip(b"\r "):
        lines.pop()  # trailing blank lines end the file
    if not lines:
        raise Refused("empty")
    count = dim = None
    if header:
        head = lines.pop(0).split()
        if len(head) != 2 or not all(t.isdigit() for t in head):
            raise Refused("header")
        count, dim = int(head[0]), int(head[1])
        if dim <= 0:
            raise Refused("dim")
        if len(lines) != count:
            raise Refused("count")
    keys, rows = [], []
    for line in lines:
        toks = line.rstrip(b"\r").rstrip(b" ").split(b" ")
        if not line.strip():
            raise Refused("blank line")
        if dim is None:
            dim = len(toks) - 1
            if dim < 1:
                raise Refused("no values")
        if len(toks) != dim + 1:
            raise Refused("width")
        try:
            vals = [float(t) for t in toks[1:]]
        except ValueError:
            raise Refused("number") from None
        try:
            keys.append(toks[0].decode("utf-8"))
        except UnicodeDecodeError:
            raise Refused("utf-8") from None
        rows.append(vals)
    m = np.array(rows, dtype=np.float64).astype(np.float32).reshape(len(rows), dim)
    if not np.isfinite(m).all():
        raise Refused("not finite")
    return dedupe(keys, m)


def ref_binary(data: bytes) -> tuple[list[str], np.ndarray]:
    nl = data.find(b"\n")
    head = data[:nl].split() if nl >= 0 else []
    if len(head) != 2 or not all(t.isdigit() for t in head):
        raise Refused("header")
    count, dim = int(head[0]), int(head[1])
    if dim <= 0:
        raise Refused("dim")
    pos, keys, rows = nl + 1, [], []
    for _ in range(count):
        while pos < len(data) and data[pos] in b"\r\n":
            pos += 1
        sp = data.find(b" ", pos, pos + 10000)
        if sp < 0 or sp + 1 + 4 * dim > len(data):
            raise Refused("truncated")
        try:
            keys.append(data[pos:sp].decode("utf-8"))
        except UnicodeDecodeError:
            raise Refused("utf-8") from None
        rows.append(np.frombuffer(data, "<f4", dim, sp + 1))
        pos = sp + 1 + 4 * dim
    if data[pos:].strip(b"\r\n"):
        raise Refused("more data")
    m = np.array(rows, dtype=np.float32).reshape(count, dim)
    if not np.isfinite(m).all():
        raise Refused("not finite")
    return dedupe(keys, m)


def dedupe(keys: list[str], m: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The first occurrence of each key, in file order."""
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    rows = sorted(first.values())
    return [keys[i] for i in rows], m[rows]


REFERENCE = {
    "glove": lambda d: ref_text(d, header=False),
    "word2vec": lambda d: ref_text(d, header=True),
    "word2vec-binary": ref_binary,
}
