"""Tokenizer and vocabulary shared by the embedding trainer and the classifiers.

The tokenizer follows the conventions of the GloVe and word2vec vocabularies and of the
Kim (2014) sentence-classification files: lower-case by default, punctuation split off,
English clitics separated (``don't`` -> ``do n't``, ``it's`` -> ``it 's``), hyphenated words
and decimal numbers kept whole.

:func:`detect_encoding` tells UTF-8 from the older Windows-1252/Latin-1 files (datasets, benchmark
files and training corpora are read with it); :func:`first_non_utf8` finds where a file stops being
UTF-8 and :func:`not_utf8_message` says so in the one wording every reader warns with.
"""

from __future__ import annotations

import codecs
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._fs import require_file
from .errors import DataError

__all__ = [
    "PAD",
    "UNK",
    "BadByte",
    "Vocabulary",
    "detect_encoding",
    "first_non_utf8",
    "is_word",
    "not_utf8_message",
    "tokenize",
]

PAD = "<pad>"
"""The padding token: id 0 of every vocabulary that has one."""
UNK = "<unk>"
"""The token that stands for every word out of the vocabulary."""

_TOKEN_RE = re.compile(
    r"n't\b"  # the clitic of don't, can't ...
    r"|'(?:s|re|ve|ll|d|m)\b"  # 's 're 've 'll 'd 'm
    r"|\w+(?=n't\b)"  # the stem before n't
    r"|\w+(?:[-.]\w+)*"  # words, hyphenated words, numbers like 3.5
    r"|[^\w\s]",  # any other single non-space character
    re.IGNORECASE,
)


# letters, joined by inner hyphens, apostrophes or dots, and a final dot (u.s., mr.); not the clitic n't
_WORD_RE = re.compile(r"(?![nN]['’][tT]$)[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?")


def is_word(token: str) -> bool:
    """Whether ``token`` is a word to show a reader: letters (any script), with hyphens, apostrophes
    or dots only between letters, and perhaps a final dot (``u.s.``, ``mr.``). Punctuation, clitics
    such as ``'s``, numbers and tokens with digits are not; figures and report rows that pick words
    to show skip them.

    >>> tokens = [",", "'s", "n't", "the", "t-mobile", "o'clock", "u.s.", "1990", "g3", "-", "...", "été"]
    >>> [t for t in tokens if is_word(t)]
    ['the', 't-mobile', "o'clock", 'u.s.', 'été']
    """
    return _WORD_RE.fullmatch(token) is not None


def tokenize(text: str, *, lower: bool = True) -> list[str]:
    """Split ``text`` into word and punctuation tokens.

    Examples
    --------
    >>> tokenize("It's a well-known film, isn't it? 3.5 stars!")
    ['it', "'s", 'a', 'well-known', 'film', ',', 'is', "n't", 'it', '?', '3.5', 'stars', '!']
    >>> tokenize("Don't PANIC", lower=False)
    ['Do', "n't", 'PANIC']
    """
    if lower:
        text = text.lower()
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True)
class Vocabulary:
    """Words to integer ids and back. Special tokens come first (``<pad>`` = 0, ``<unk>`` = 1 by
    default), then words by descending count (ties in first-seen order).

    Build one with :meth:`from_counts` or :meth:`from_texts`; save it as plain data with
    :meth:`to_dict` (checkpoints store that, never a pickle).

    Examples
    --------
    >>> v = Vocabulary.from_texts([["a", "b", "a"], ["c", "a"]], min_count=1)
    >>> v.words
    ['<pad>', '<unk>', 'a', 'b', 'c']
    >>> v.encode(["a", "zzz"]).tolist()
    [2, 1]
    """

    words: list[str]
    specials: tuple[str, ...] = (PAD, UNK)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if list(self.words[: len(self.specials)]) != list(self.specials):
            raise DataError("the vocabulary must start with its special tokens")
        index = {w: i for i, w in enumerate(self.words)}
        if len(index) != len(self.words):
            raise DataError("repeated words in the vocabulary")
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, int],
        *,
        min_count: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = (PAD, UNK),
    ) -> Vocabulary:
        """Words with at least ``min_count`` occurrences, the most frequent ``max_size`` of them
        (``max_size`` counts the special tokens too)."""
        items = [(w, c) for w, c in counts.items() if c >= min_count and w not in specials]
        items.sort(key=lambda wc: -wc[1])  # stable: ties keep insertion (first-seen) order
        if max_size is not None:
            items = items[: max(0, max_size - len(specials))]
        return cls(list(specials) + [w for w, _ in items], tuple(specials), [0] * len(specials) + [c for _, c in items])

    @classmethod
    def from_texts(cls, texts: Iterable[Sequence[str]], **kwargs) -> Vocabulary:
        """Count the tokens of already-tokenized texts, then :meth:`from_counts`."""
        counts: Counter[str] = Counter()
        for toks in texts:
            counts.update(toks)
        return cls.from_counts(counts, **kwargs)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> int:
        return self.index.get(word, self.unk_id)

    @property
    def index(self) -> Mapping[str, int]:
        return self._index  # type: ignore[attr-defined]  # set in __post_init__ (frozen; not a field)

    @property
    def unk_id(self) -> int:
        return self.index.get(UNK, -1)

    @property
    def pad_id(self) -> int:
        return self.index.get(PAD, -1)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Token ids as an int32 array; unknown tokens map to ``<unk>``."""
        get, unk = self.index.get, self.unk_id
        return np.fromiter((get(t, unk) for t in tokens), dtype=np.int32, count=len(tokens))

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.words[i] for i in ids]

    def to_dict(self) -> dict:
        """Plain data (lists and strings) for checkpoints and JSON."""
        return {"words": list(self.words), "specials": list(self.specials), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, d: Mapping) -> Vocabulary:
        return cls(list(d["words"]), tuple(d["specials"]), list(d.get("counts", [])))


# -- file encodings ----------------------------------------------------------------------------
def _decodes(path: Path, encoding: str, chunk: int = 1 << 20) -> bool:
    """Whether the whole file decodes strictly in ``encoding`` (read in chunks, constant memory)."""
    dec = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as f:
            while block := f.read(chunk):
                dec.decode(block)
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class BadByte:
    """The first byte of a file that is not UTF-8: its line (from 1), byte offset (from 0) and value."""

    line: int
    offset: int
    value: int


def first_non_utf8(path: str | os.PathLike, chunk: int = 1 << 20) -> BadByte | None:
    r"""Where ``path`` stops being UTF-8 (``None``: it is UTF-8 throughout), read in chunks.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_bytes("naïve\n".encode() + b"caf\xe9\n")
    >>> first_non_utf8(p)
    BadByte(line=2, offset=10, value=233)
    """
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    seen = newlines = 0  # bytes read, and the newlines among them
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            pending = dec.getstate()[0]  # the start of a character cut by the last chunk: never a newline
            try:
                dec.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                data = exc.object  # pending + block
                return BadByte(
                    newlines + data[: exc.start].count(b"\n") + 1, seen - len(pending) + exc.start, data[exc.start]
                )
            if not block:
                return None
            seen += len(block)
            newlines += block.count(b"\n")


_ENCODING_NAMES = {"cp1252": "Windows-1252 (cp1252)", "latin-1": "Latin-1"}


def not_utf8_message(name: str, encoding: str, bad: BadByte | None = None) -> str:
    """The warning for a file read in ``encoding`` because it is not UTF-8 (``bad``: where it stops being UTF-8).

    >>> not_utf8_message("corpus.txt", "cp1252", BadByte(2, 10, 0xE9))
    'corpus.txt is not UTF-8 (line 2: byte 0xe9); read it as Windows-1252 (cp1252)'
    """
    where = "" if bad is None else f" (line {bad.line}: byte {bad.value:#04x})"
    return f"{name} is not UTF-8{where}; read it as {_ENCODING_NAMES.get(encoding, encoding)}"


def detect_encoding(path: str | os.PathLike) -> str:
    r"""``"utf-8-sig"`` for a file with a UTF-8 byte-order mark, ``"utf-8"`` for valid UTF-8,
    else ``"cp1252"`` (Windows-1252, the usual encoding of older English corpora) when every byte
    decodes in it, else ``"latin-1"`` (which decodes any byte).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_bytes(b"1 a clich\xe9 \x85\n")
    >>> detect_encoding(p), p.read_text(encoding=detect_encoding(p)).strip()
    ('cp1252', '1 a cliché …')
    """
    path = require_file(path)
    with open(path, "rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    if first_non_utf8(path) is None:
        return "utf-8"
    return "cp1252" if _decodes(path, "cp1252") else "latin-1"
