"""Files read through gensim: its native ``KeyedVectors.save`` pickles (only with
``allow_pickle=True``) and fastText's ``.bin`` models (their whole-word vectors), whose structure is
walked first so that a damaged file is refused with a byte offset instead of hanging gensim.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..errors import VectorFileError
from .sinks import Sink, feed
from .source import DECOMPRESS_ERRORS, ReadOptions, open_binary

__all__ = [
    "FASTTEXT_MAGIC",
    "looks_like_legacy_fasttext",
    "read_fasttext_bin",
    "read_gensim",
    "require_pickle_opt_in",
    "sniff_fasttext",
    "sniff_gensim",
    "stream_fasttext_bin",
    "stream_gensim",
]

FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # fastText's FASTTEXT_FILEFORMAT_MAGIC_INT32


def sniff_gensim(head: bytes) -> bool:
    """A pickle (protocol 2 or later): gensim's native ``save()``."""
    return head[:1] == b"\x80"


def sniff_fasttext(head: bytes) -> bool:
    """fastText's magic number (models written since 2017)."""
    return head.startswith(FASTTEXT_MAGIC)


def looks_like_legacy_fasttext(b: bytes) -> bool:
    """fastText models written before the magic number: twelve small int32 arguments first
    (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate)."""
    if len(b) < 48:
        return False
    args = np.frombuffer(b[:48], dtype="<i4")
    return bool(
        0 < args[0] <= 100_000
        and (args >= 0).all()
        and (args < 1 << 25).all()
        and args[6] in (1, 2, 3)
        and args[7] in (1, 2, 3)
    )


def require_pickle_opt_in(path: Path, opts: ReadOptions) -> None:
    """Refuse a gensim native file unless ``allow_pickle``: it is a pickle, which can run code."""
    if not opts.allow_pickle:
        raise VectorFileError(
            path,
            "this is a gensim native file, a Python pickle that can run arbitrary code when loaded; "
            "pass allow_pickle=True only if you trust its source (or convert it once with "
            "'embedkit convert')",
        )


def read_gensim(path: Path, *, allow_pickle: bool) -> tuple[list[str], np.ndarray]:
    """The keys and matrix of gensim's ``KeyedVectors.save`` (or a model's ``wv``)."""
    require_pickle_opt_in(path, ReadOptions(allow_pickle=allow_pickle))
    from gensim import utils

    try:
        obj = utils.SaveLoad.load(str(path), mmap="r")
    except Exception as exc:  # noqa: BLE001 - anything a corrupt pickle raises
        raise VectorFileError(path, f"cannot read gensim file: {type(exc).__name__}: {exc}") from None
    kv = getattr(obj, "wv", obj)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise VectorFileError(path, f"the gensim file holds a {type(obj).__name__}, not word vectors")
    return list(map(str, kv.index_to_key)), np.asarray(kv.vectors, dtype=np.float32)


def _check_fasttext_bin(path: Path) -> None:
    """Walk a fastText .bin's header, vocabulary and matrix header before gensim reads it.

    gensim's reader loops forever on a file cut inside the vocabulary (it reads one byte at a
    time until a NUL that never comes) and allocates whatever a corrupt size asks for; both
    were found by fuzzing. This refuses such files with the byte offset instead.
    """
    with open_binary(path) as f:
        pos = 0

        def read(n: int, what: str) -> bytes:
            nonlocal pos
            try:
                b = f.read(n)
            except DECOMPRESS_ERRORS as exc:
                raise VectorFileError(path, f"cannot decompress: {exc}") from None
            if len(b) < n:
                raise VectorFileError(
                    path, f"truncated fastText binary: the file ends inside {what}", offset=pos + len(b)
                )
            pos += n
            return b

        magic, _version = struct.unpack("<2i", read(8, "the header"))
        new_format = magic == 793712314
        args = struct.unpack("<12i" if new_format else "<10i", read(48 if new_format else 40, "the header"))
        read(8, "the header")  # t, a double
        dim = args[0] if new_format else magic
        bucket = args[8] if new_format else args[6]
        if not 0 < dim <= 100_000 or not 0 <= bucket <= 1 << 28:
            raise VectorFileError(path, f"corrupt fastText header: dimension {dim}, {bucket} buckets", offset=0)
        vocab_size, nwords, nlabels = struct.unpack("<3i", read(12, "the vocabulary header"))
        read(8, "the vocabulary header")
        prune = struct.unpack("<q", read(8, "the vocabulary header"))[0] if new_format else 0
        if not 0 <= nwords <= vocab_size <= 1 << 30 or nlabels < 0 or not -1 <= prune <= 1 << 30:
            raise VectorFileError(path, f"corrupt fastText vocabulary header: {vocab_size} words", offset=pos - 20)
        buf = b""
        for i in range(vocab_size):
            end = buf.find(b"\x00")
            while end < 0:
                more = f.read(1 << 16)
                if not more:
                    raise VectorFileError(
                        path,
                        f"truncated fastText binary: the file ends inside word {i + 1} of {vocab_size}",
                        offset=pos + len(buf),
                    )
                buf += more
                end = buf.find(b"\x00")
            while len(buf) < end + 10:
                more = f.read(1 << 16)
                if not more:
                    raise VectorFileError(
                        path, f"truncated fastText binary: the file ends after word {i + 1}", offset=pos + len(buf)
                    )
                buf += more
            pos += end + 10
            buf = buf[end + 10 :]
        need = 8 * max(prune, 0) + (1 if new_format else 0) + 16
        while len(buf) < need:
            more = f.read(1 << 16)
            if not more:
                raise VectorFileError(
                    path, "truncated fastText binary: the file ends before the matrix", offset=pos + len(buf)
                )
            buf += more
        rows, cols = struct.unpack("<2q", buf[need - 16 : need])
        if rows != nwords + bucket or cols != dim:
            raise VectorFileError(
                path,
                f"corrupt fastText matrix header: {rows} x {cols}, expected {nwords + bucket} x {dim}",
                offset=pos + need - 16,
            )


def read_fasttext_bin(path: Path, *, encoding: str, limit: int | None) -> tuple[list[str], np.ndarray]:
    from gensim.models.fasttext import load_facebook_vectors

    _check_fasttext_bin(path)
    try:
        kv = load_facebook_vectors(str(path), encoding=encoding)
    except Exception as exc:  # noqa: BLE001 - struct/Unicode/EOF errors from gensim's parser
        raise VectorFileError(path, f"cannot read fastText binary: {type(exc).__name__}: {exc}") from None
    keys, matrix = list(kv.index_to_key), np.asarray(kv.vectors, dtype=np.float32)
    if limit is not None:
        keys, matrix = keys[:limit], matrix[:limit]
    return keys, matrix


def stream_gensim(path: Path, sink: Sink, opts: ReadOptions, f=None) -> None:
    """Read a gensim native file (random access: ``f`` is never a pipe here) into ``sink``."""
    keys, matrix = read_gensim(path, allow_pickle=opts.allow_pickle)
    if opts.limit is not None:
        keys, matrix = keys[: opts.limit], matrix[: opts.limit]
    feed(sink, keys, matrix)


def stream_fasttext_bin(path: Path, sink: Sink, opts: ReadOptions, f=None) -> None:
    """Read a fastText ``.bin``'s whole-word vectors (random access) into ``sink``."""
    keys, matrix = read_fasttext_bin(path, encoding=opts.encoding, limit=None)
    if opts.limit is not None:
        keys, matrix = keys[: opts.limit], matrix[: opts.limit]
    feed(sink, keys, matrix)
