"""The cache (keyed by file identity, rebuilt when damaged) and the integrity checks of .ekv files: digests, the matrix checksum, finiteness."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import embedkit
from embedkit import VectorFileError
from embedkit.errors import NonFiniteValueError
from embedkit.io.cache import cache_path, file_identity
from embedkit.io.ekv import EKV_MAGIC
from embedkit.io.named import REGISTRY

# ---- the cache -------------------------------------------------------------------------------


def test_cache_is_keyed_by_mtime_and_rebuilt_when_damaged(tmp_path, cache):
    """Check that a changed file is re-read, and a damaged cache file is rebuilt instead of loaded."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\nb 3 4\n")
    first = embedkit.load(p)
    entry = cache_path(["file", "glove", "utf-8", "strict", *file_identity(p)])
    assert entry.exists() and [f.name for f in cache.iterdir()] == [entry.name]
    assert embedkit.load(p).is_memmap
    p.write_text("a 9 9\nb 3 4\nc 5 6\n")
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    second = embedkit.load(p)
    second = embedkit.Vectors(second.keys, np.array(second.matrix))  # detach from the file we damage below
    assert second.keys == ["a", "b", "c"] and second["a"].tolist() == [9, 9]
    assert first.keys == ["a", "b"]
    entry2 = cache_path(["file", "glove", "utf-8", "strict", *file_identity(p)])
    entry2.write_bytes(entry2.read_bytes()[:-4])  # a torn write
    third = embedkit.load(p)
    assert third == second
    assert not [f for f in cache.iterdir() if f.name.endswith(".tmp")]


def test_cache_can_be_turned_off(tmp_path, cache):
    """Check that cache=False writes nothing."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    embedkit.load(p, cache=False)
    assert not cache.exists() or not list(cache.iterdir())


def test_embedkit_file_is_memory_mapped_and_checked(glove_head, tmp_path):
    """Check that .ekv files are memory-mapped, and that a truncated one is refused."""
    p = embedkit.save(glove_head, tmp_path / "v.ekv")
    v = embedkit.load(p)
    assert v.is_memmap and v == glove_head
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(VectorFileError, match=r"v\.ekv, byte \d+: truncated or padded"):
        embedkit.load(p)


def test_writer_refuses_words_with_spaces(tmp_path):
    """Check that text writers refuse words that would corrupt the file."""
    v = embedkit.Vectors(["new york", "b"], np.eye(2))
    with pytest.raises(ValueError, match="'new york' cannot be written in glove format"):
        embedkit.save(v, tmp_path / "x.txt", format="glove")
    assert embedkit.load(embedkit.save(v, tmp_path / "x.ekv")) == v


# ---- the cache: stale and damaged entries -----------------------------------------------------


@pytest.mark.parametrize("how", ["in place (cp -p)", "replaced (rsync -t, tar x)"])
def test_cache_not_served_after_same_size_same_mtime_change(how, tmp_path, cache):
    """Check that content changed with the same size and modification time is re-read, not served from the cache."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\nb 3 4\n")
    st = p.stat()
    assert embedkit.load(p)["a"].tolist() == [1, 2]
    if how.startswith("in place"):
        with open(p, "r+b") as f:
            f.write(b"a 7 8\n")
    else:
        other = tmp_path / "new.txt"
        other.write_text("a 7 8\nb 3 4\n")
        os.replace(other, p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (p.stat().st_size, p.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert embedkit.load(p)["a"].tolist() == [7, 8]


def test_cache_entry_of_another_file_is_rebuilt_with_a_warning(glove_head, tmp_path, cache):
    """Check that another file's cache entry copied in place of a file's own is not served: a warning names both files and the entry is rebuilt."""
    a = embedkit.save(glove_head.subset(glove_head.keys[:100]), tmp_path / "a.txt", format="glove")
    b = embedkit.save(glove_head.subset(glove_head.keys[100:200]), tmp_path / "b.txt", format="glove")
    assert embedkit.load(a).keys[:2] == ["the", ","]
    entry_a = cache_path(["file", "glove", "utf-8", "strict", *file_identity(a)])
    entry_b = cache_path(["file", "glove", "utf-8", "strict", *file_identity(b)])
    assert entry_a.exists() and not entry_b.exists()
    entry_b.write_bytes(entry_a.read_bytes())
    for limit in (None, 10):
        with pytest.warns(embedkit.EmbedkitWarning) as caught:
            got = embedkit.load(b, limit=limit)
        assert [str(w.message) for w in caught] == [
            f"embedkit: the cache entry {entry_b} does not match {str(b)!r} (it was made from {str(a)!r}); rebuilding it"
        ]
        assert got == glove_head.subset(glove_head.keys[100 : 200 if limit is None else 110])
        entry_b.write_bytes(entry_a.read_bytes())
    entry_b.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert embedkit.load(b) == embedkit.load(b) == glove_head.subset(glove_head.keys[100:200])
    assert embedkit.load(b).is_memmap and embedkit.load(a).keys == glove_head.keys[:100]
    old_entry = cache_path(["file", "glove", "utf-8", "strict", *file_identity(a)]).read_bytes()
    embedkit.save(glove_head.subset(glove_head.keys[:50]), a, format="glove")  # a new version of a.txt
    cache_path(["file", "glove", "utf-8", "strict", *file_identity(a)]).write_bytes(old_entry)
    with pytest.warns(embedkit.EmbedkitWarning, match=rf"\(it was made from '{a}' as it was then\); rebuilding it$"):
        assert embedkit.load(a).keys == glove_head.keys[:50]


def _matrix_offset(p: Path) -> int:
    raw = p.read_bytes()
    hlen = int.from_bytes(raw[len(EKV_MAGIC) : len(EKV_MAGIC) + 8], "little")
    return json.loads(raw[len(EKV_MAGIC) + 8 : len(EKV_MAGIC) + 8 + hlen])["data_offset"]


def _overwrite(p: Path, offset: int, data: bytes) -> None:
    with open(p, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_damaged_ekv_matrix_and_keys_are_refused(glove_head, tmp_path):
    """Check that bytes overwritten in place in an .ekv matrix or key list are refused by checksum, and what verify=False still reads."""
    p = embedkit.save(glove_head, tmp_path / "v.ekv")
    off = _matrix_offset(p)
    _overwrite(p, off + 4 * 50 * 7 + 12, b"\x00\x00\x80\x3f")  # one float of row 8 becomes 1.0
    with pytest.raises(
        VectorFileError,
        match=rf"v\.ekv, byte {off}: the matrix was changed or damaged after it "
        r"was written \(XXH3-64 mismatch\)",
    ):
        embedkit.load(p)
    assert embedkit.load(p, verify=False).matrix[7, 3] == 1.0  # documented: not checked without verify
    p = embedkit.save(glove_head, tmp_path / "k.ekv")
    raw = p.read_bytes()
    i = raw.rindex(b'"the"')
    _overwrite(p, i, b'"thx"')
    with pytest.raises(
        VectorFileError,
        match=r"k\.ekv, byte \d+: the header or the key list was changed or damaged "
        r"after it was written \(SHA-256 mismatch\)",
    ):
        embedkit.load(p, verify=False)


def test_damaged_cache_matrix_is_rebuilt(tmp_path, cache):
    """Check that a cache entry whose matrix bytes were overwritten in place is rebuilt, never served."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\nb 3 4\n")
    embedkit.load(p)
    [entry] = cache.glob("*.ekv")
    _overwrite(entry, _matrix_offset(entry), np.float32([9]).tobytes())
    v = embedkit.load(p)
    assert v.matrix.tolist() == [[1, 2], [3, 4]] and v.is_memmap


def test_ekv_without_recorded_finiteness_is_checked_value_by_value(tmp_path):
    """Check that an .ekv file written before checksums were recorded still has its values checked finite."""
    p = tmp_path / "old.ekv"
    keys = json.dumps(["a", "b"]).encode()
    header = {
        "version": 2,
        "dtype": "<f4",
        "shape": [2, 2],
        "data_offset": 256,
        "keys_offset": 272,
        "keys_length": len(keys),
        "meta": {},
    }
    h = json.dumps(header).encode()
    head = EKV_MAGIC + len(h).to_bytes(8, "little") + h
    p.write_bytes(head.ljust(256, b"\x00") + np.float32([1, 2, 3, np.nan]).tobytes() + keys)
    with pytest.raises(VectorFileError, match=r"old\.ekv, byte 264: value nan \(not finite\) in column 2"):
        embedkit.load(p)
    p.write_bytes(head.ljust(256, b"\x00") + np.float32([1, 2, 3, 4]).tobytes() + keys)
    assert embedkit.load(p).matrix.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary", "embedkit"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_save_refuses_non_finite_values(fmt, bad, tmp_path):
    """Check that save() refuses NaN and infinity in every format, naming word, row and column, and writes nothing."""
    m = np.ones((3, 2), np.float32)
    m[1, 1] = bad
    v = embedkit.Vectors(["a", "b", "c"], m)
    with pytest.raises(
        NonFiniteValueError, match=rf"^cannot save: the vector of 'b' \(row 2\) holds {bad} in column 2"
    ):
        embedkit.save(v, tmp_path / "x", format=fmt)
    assert list(tmp_path.iterdir()) == []


def test_registered_set_with_non_finite_values_is_refused(cache):
    """Check that a registered set whose matrix holds NaN is refused when its cache is built."""
    embedkit.register("nan-set", lambda: ["nan-set", "1"], lambda: (["a", "b"], np.float32([[1, 2], [np.nan, 0]])))
    try:
        with pytest.raises(NonFiniteValueError, match=r"^nan-set: the vector of 'b' \(row 2\) holds nan in column 1"):
            embedkit.load("nan-set")
    finally:
        REGISTRY.pop("nan-set")
    assert not list(cache.glob("*"))
