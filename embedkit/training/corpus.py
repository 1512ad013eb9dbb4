"""Corpora for training embeddings: text read in one streaming pass into an int32 array of token ids.

Every line of a file (or every string of an iterable) is tokenized with the shared
:func:`embedkit.text.tokenize` and followed by the end-of-line token ``</s>`` (word2vec's
convention), so language models see where lines end. The vocabulary is the shared
:class:`embedkit.text.Vocabulary` with the specials ``<pad>``, ``<unk>``, ``</s>``, built from
the training part only: the held-out part is the last ``valid_fraction`` of the tokens, and its
words that the training part never saw are ``<unk>``.

Memory: one pass assigns provisional ids (a dict of distinct words and int32 chunks), then the
chunks are remapped one by one into the final int32 array, so the peak beyond the token ids is
the dict of distinct words and one chunk.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .._fs import require_file
from ..errors import DataError, DataFileError, EmbedkitWarning, InvalidArgumentError, InvalidTypeError
from ..text import PAD, UNK, Vocabulary, detect_encoding, first_non_utf8, not_utf8_message, tokenize

__all__ = ["EOS", "Corpus", "char_corpus_from_text", "corpus_from_texts", "read_char_corpus", "read_corpus"]

EOS = "</s>"
"""The end-of-sentence token that ends every non-empty line of a word corpus."""
SPECIALS = (PAD, UNK, EOS)
_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class Corpus:
    """Token ids of a corpus and its vocabulary.

    Attributes
    ----------
    train:
        ``(N,)`` int32 ids of the training part, in text order.
    valid:
        ``(M,)`` int32 ids of the held-out part (the end of the text; empty without a split).
    vocab:
        The vocabulary (``<pad>`` = 0, ``<unk>`` = 1, ``</s>`` = 2, then words by descending count).
    """

    train: np.ndarray
    valid: np.ndarray
    vocab: Vocabulary

    @property
    def eos_id(self) -> int:
        """The id of :data:`EOS` (``</s>``) in the vocabulary of a word corpus."""
        return self.vocab.index[EOS]

    def __len__(self) -> int:
        return int(len(self.train) + len(self.valid))

    def counts(self) -> np.ndarray:
        """How often each id occurs in the training part, ``(len(vocab),)`` int64."""
        return np.bincount(self.train, minlength=len(self.vocab)).astype(np.int64)

    def sentences(self, *, keep_unknown: bool = True) -> Iterator[list[str]]:
        """The training part as lists of words, one per line (what gensim trains on)."""
        words = self.vocab.words
        ends = np.flatnonzero(self.train == self.eos_id)
        start = 0
        unk = self.vocab.unk_id
        for end in [*ends.tolist(), len(self.train)]:
            ids = self.train[start:end]
            if not keep_unknown:
                ids = ids[ids != unk]
            if len(ids):
                yield [words[i] for i in ids.tolist()]
            start = end + 1

    def __repr__(self) -> str:
        return f"<Corpus {len(self.train)} train + {len(self.valid)} held-out tokens, {len(self.vocab)} words>"


def read_corpus(
    paths: Sequence[str | os.PathLike],
    *,
    lower: bool = True,
    min_count: int = 1,
    max_size: int | None = None,
    valid_fraction: float = 0.0,
    encoding: str = "auto",
) -> Corpus:
    """Read text files into a :class:`Corpus`, streaming line by line.

    Parameters
    ----------
    paths:
        One or more text files, read in order as one text.
    lower:
        Lower-case before tokenizing (the default, as GloVe and word2vec vocabularies are).
    min_count, max_size:
        Vocabulary limits (see :meth:`Vocabulary.from_counts`; ``max_size`` counts the specials).
    valid_fraction:
        The fraction of tokens, taken from the end, held out for perplexity.
    encoding:
        Text encoding; ``"auto"`` reads each file as UTF-8, or, with a warning naming its first
        line that is not, as Windows-1252 (else Latin-1), as the datasets are read (see
        :func:`~embedkit.text.detect_encoding`): ``café`` stays ``café``. Undecodable bytes are
        replaced.

    Raises
    ------
    DataFileError
        Files without a single word (a ``ValueError``), naming them.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.txt")
    >>> _ = open(p, "w").write("To be, or not to be\\n\\nThat is the question\\n")
    >>> c = read_corpus([p])
    >>> c.vocab.words[:6]
    ['<pad>', '<unk>', '</s>', 'to', 'be', ',']
    >>> c.train.tolist()
    [3, 4, 5, 6, 7, 3, 4, 2, 8, 9, 10, 11, 2]
    """
    encodings = _encodings(paths, encoding)

    def lines() -> Iterator[str]:
        for p, enc in zip(paths, encodings):
            with open(p, encoding=enc, errors="replace") as f:
                yield from f

    corpus = _build(lines(), lower=lower, min_count=min_count, max_size=max_size, valid_fraction=valid_fraction)
    if not len(corpus):
        names = ", ".join(str(p) for p in paths)
        raise DataFileError(f"{names}: no words (the {'file is' if len(paths) == 1 else 'files are'} empty or blank)")
    return corpus


def corpus_from_texts(
    texts: Iterable[str],
    *,
    lower: bool = True,
    min_count: int = 1,
    max_size: int | None = None,
    valid_fraction: float = 0.0,
) -> Corpus:
    """A :class:`Corpus` from an iterable of strings (each string's lines are lines of the text).

    Examples
    --------
    >>> c = corpus_from_texts(["the cat sat", "the dog"], valid_fraction=0.25)
    >>> c.vocab.decode(c.train), c.vocab.decode(c.valid)
    (['the', 'cat', 'sat', '</s>', 'the'], ['<unk>', '</s>'])
    """
    if isinstance(texts, str):
        raise InvalidTypeError("texts must be an iterable of strings, e.g. [text]")

    def lines() -> Iterator[str]:
        for t in texts:
            yield from t.splitlines()

    return _build(lines(), lower=lower, min_count=min_count, max_size=max_size, valid_fraction=valid_fraction)


def read_char_corpus(
    paths: Sequence[str | os.PathLike], *, valid_fraction: float = 0.1, encoding: str = "auto"
) -> Corpus:
    """Read text files, in order, into a character :class:`Corpus`: every character, the newline
    included, is a token (see :func:`char_corpus_from_text`). ``encoding`` as for :func:`read_corpus`.
    Files without a single character are a :class:`~embedkit.errors.DataFileError` (a ``ValueError``)
    naming them.
    """
    encodings = _encodings(paths, encoding)
    parts = []
    for p, enc in zip(paths, encodings):
        with open(p, encoding=enc, errors="replace") as f:
            parts.append(f.read())
    text = "".join(parts)
    if not text:
        names = ", ".join(str(p) for p in paths)
        raise DataFileError(f"{names}: no characters (the {'file is' if len(paths) == 1 else 'files are'} empty)")
    return char_corpus_from_text(text, valid_fraction=valid_fraction)


def _encodings(paths: Sequence[str | os.PathLike], encoding: str) -> list[str]:
    """Each corpus file's encoding (``"auto"``: detected, with a warning for a file that is not
    UTF-8); a missing file, or ``paths`` a single path, is refused first."""
    if isinstance(paths, (str, os.PathLike)):
        raise InvalidTypeError("paths must be a sequence of paths, e.g. [path]")
    for p in paths:
        require_file(p, "corpus file", regular=True)  # read twice: its encoding, then its text
    if encoding != "auto":
        return [encoding] * len(paths)
    found = [detect_encoding(p) for p in paths]
    for p, enc in zip(paths, found):
        if enc not in ("utf-8", "utf-8-sig"):
            warnings.warn(not_utf8_message(str(p), enc, first_non_utf8(p)), EmbedkitWarning, stacklevel=4)
    return found


def char_corpus_from_text(text: str, *, valid_fraction: float = 0.1) -> Corpus:
    """A character :class:`Corpus` of ``text``, split as nanoGPT splits it: the first
    ``int(n * (1 - valid_fraction))`` characters train, the rest are held out.

    The vocabulary is the text's distinct characters in code-point order, with no special tokens
    (nanoGPT's, so tiny-Shakespeare gives its 65 characters): taken from the whole text, so the
    held-out part has no unknown character, and a prompt with a character outside it is an error
    at generation time, not a silent ``<unk>``.

    Examples
    --------
    >>> c = char_corpus_from_text("abba\\ncab\\n", valid_fraction=0.2)
    >>> c.vocab.words, c.train.tolist(), c.valid.tolist()
    (['\\n', 'a', 'b', 'c'], [1, 2, 2, 1, 0, 3, 1], [2, 0])
    """
    if isinstance(text, bytes) or not isinstance(text, str):
        raise InvalidTypeError(f"text must be a str, got {type(text).__name__}")
    if not 0.0 <= valid_fraction < 1.0:
        raise InvalidArgumentError(f"valid_fraction must be in [0, 1), got {valid_fraction}")
    if not text:
        raise DataError("the text is empty: no characters to train on")
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    ids = np.fromiter((lookup[c] for c in text), dtype=np.int32, count=len(text))
    n_train = int(len(ids) * (1.0 - valid_fraction))
    counts = np.bincount(ids[:n_train], minlength=len(chars)).tolist()
    vocab = Vocabulary(chars, (), [int(c) for c in counts])
    return Corpus(ids[:n_train], ids[n_train:], vocab)


def _build(lines: Iterable[str], *, lower: bool, min_count: int, max_size: int | None, valid_fraction: float) -> Corpus:
    if not 0.0 <= valid_fraction < 1.0:
        raise InvalidArgumentError(f"valid_fraction must be in [0, 1), got {valid_fraction}")
    if min_count < 1:
        raise InvalidArgumentError(f"min_count must be >= 1, got {min_count}")
    provisional: dict[str, int] = {EOS: 0}
    setdefault = provisional.setdefault
    chunks: list[np.ndarray] = []
    buf: list[int] = []
    for line in lines:
        toks = tokenize(line, lower=lower)
        if not toks:
            continue
        # setdefault with the current size gives each new word the next provisional id.
        buf.extend([setdefault(t, len(provisional)) for t in toks])
        buf.append(0)
        if len(buf) >= _CHUNK:
            chunks.append(np.asarray(buf, dtype=np.int32))
            buf = []
    if buf:
        chunks.append(np.asarray(buf, dtype=np.int32))
    total = sum(len(c) for c in chunks)
    n_train = total - round(total * valid_fraction)
    # Count the training part only, in first-seen order so ties keep text order.
    counts = np.zeros(len(provisional), dtype=np.int64)
    pos = 0
    for c in chunks:
        part = c[: max(0, n_train - pos)]
        counts += np.bincount(part, minlength=len(provisional))
        pos += len(c)
    prov_words = list(provisional)
    vocab = Vocabulary.from_counts(
        {w: int(n) for w, n in zip(prov_words[1:], counts[1:].tolist()) if n},
        min_count=min_count,
        max_size=max_size,
        specials=SPECIALS,
    )
    remap = np.fromiter((vocab[w] for w in prov_words), dtype=np.int32, count=len(prov_words))
    ids = np.empty(total, dtype=np.int32)
    pos = 0
    chunks.reverse()
    while chunks:  # remap and free one chunk at a time
        c = chunks.pop()
        ids[pos : pos + len(c)] = remap[c]
        pos += len(c)
    return Corpus(ids[:n_train], ids[n_train:], vocab)
