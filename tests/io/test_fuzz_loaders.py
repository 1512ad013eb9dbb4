"""Property-based tests of every reader on random and mutated vector files (hypothesis).

The only allowed outcomes are a correct result or :class:`VectorFileError` naming the file:
never another exception, a hang, or a silently wrong matrix. "Correct" is decided by small
reference parsers written from the documented rules (``tests/reference.py``), independently of embedkit's fast
paths. The default run is kept to a few seconds per reader; ``benchmarks/fuzz_long.py`` runs
the same properties for much longer.
"""

from __future__ import annotations

import bz2
import gzip
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embedkit
import embedkit.io.source as io_source
from embedkit import VectorFileError
from embedkit.io.ekv import EKV_MAGIC

from ..conftest import gensim_data
from ..reference import REFERENCE, Refused, ref_binary, ref_text

MAX_EXAMPLES = int(os.environ.get("EMBEDKIT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a per-example time limit fails on a loaded machine (hypothesis calls it Flaky); speed is benchmarked
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("EMBEDKIT_FUZZ_RANDOM") is None,
    database=None,  # nothing written into the working tree
)

# ---- generating valid files ----------------------------------------------------------------

WORD_CHARS = st.sampled_from(list("abcxyz019'-_.") + ["é", "ß", "日", "本", "😀", "\u00a0"])
words_st = st.lists(st.text(WORD_CHARS, min_size=1, max_size=6), min_size=1, max_size=8, unique=True)
value_st = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32)


@st.composite
def vector_sets(draw) -> tuple[list[str], np.ndarray]:
    words = draw(words_st)
    dim = draw(st.integers(1, 5))
    vals = draw(st.lists(value_st, min_size=len(words) * dim, max_size=len(words) * dim))
    return words, np.array(vals, dtype=np.float32).reshape(len(words), dim)


def render(words: list[str], m: np.ndarray, fmt: str, *, crlf: bool = False, trailing_space: bool = False) -> bytes:
    """A file of ``fmt`` holding exactly ``words`` and ``m``."""
    eol = b"\r\n" if crlf else b"\n"
    sp = b" " if trailing_space else b""
    head = f"{len(words)} {m.shape[1]}".encode() + eol if fmt != "glove" else b""
    if fmt == "word2vec-binary":
        return head + b"".join(w.encode() + b" " + m[i].astype("<f4").tobytes() + b"\n" for i, w in enumerate(words))
    lines = [(w + " " + " ".join(repr(float(x)) for x in m[i])).encode() + sp for i, w in enumerate(words)]
    return head + eol.join(lines) + eol


# ---- mutations -------------------------------------------------------------------------------


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` after one to three random edits of the kinds real files suffer."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "count", "latin1", "dup_line", "crlf"]))
        n = len(data)
        if n == 0:
            break
        i = draw(st.integers(0, n - 1))
        if kind == "truncate":
            data = data[:i]
        elif kind == "flip":
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1 :]
        elif kind == "insert":
            data = (
                data[:i]
                + draw(st.sampled_from([b" ", b"\n", b"\x00", b"\xff", b"nan", b"1e999", b"-", b"\t"]))
                + data[i:]
            )
        elif kind == "delete":
            data = data[:i] + data[i + draw(st.integers(1, 8)) :]
        elif kind == "count":
            nl = data.find(b"\n")
            head = data[: max(nl, 0)].split()
            if len(head) == 2 and head[0].isdigit():
                data = str(max(0, int(head[0]) + draw(st.integers(-3, 3)))).encode() + b" " + head[1] + data[nl:]
        elif kind == "latin1":
            data = data[:i] + "é".encode("latin-1") + data[i:]
        elif kind == "dup_line":
            a = data.rfind(b"\n", 0, i) + 1
            b = data.find(b"\n", i)
            b = n if b < 0 else b + 1
            data = data[:b] + data[a:b] + data[b:]
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n", draw(st.integers(1, 3)))
    return data


# ---- the property ----------------------------------------------------------------------------


def load_outcome(path: Path, fmt: str | None, cache: bool = False) -> embedkit.Vectors | VectorFileError:
    """embedkit's result on ``path``: Vectors, or the VectorFileError it raised (anything else fails)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # repeated words
            return embedkit.load(path, format=fmt or "auto", cache=cache)
    except VectorFileError as exc:
        assert exc.path == str(path) and str(exc).startswith(str(path))
        assert exc.problem and len(str(exc)) < 400
        return exc


def check_against_reference(data: bytes, fmt: str, tmp: Path, *, cache: bool = False) -> None:
    path = tmp / f"fuzz.{fmt}"
    path.write_bytes(data)
    got = load_outcome(path, fmt, cache=cache)
    try:
        want = REFERENCE[fmt](data)
    except Refused as why:
        assert isinstance(got, VectorFileError), f"accepted a file the rules refuse ({why}): {data[:200]!r}"
        return
    assert not isinstance(got, VectorFileError), f"refused a valid file: {got}; {data[:200]!r}"
    assert got.keys == want[0]
    np.testing.assert_array_equal(got.matrix, want[1])


@pytest.fixture
def tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("EMBEDKIT_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary"])
@FUZZ
@given(vs=vector_sets(), crlf=st.booleans(), trailing=st.booleans())
def test_valid_files_read_exactly(fmt, vs, crlf, trailing, tmp):
    """Check that random valid files (CRLF, trailing spaces, any words) read back to exactly what was written."""
    words, m = vs
    data = render(words, m, fmt, crlf=crlf and fmt != "word2vec-binary", trailing_space=trailing)
    path = tmp / "valid"
    path.write_bytes(data)
    v = embedkit.load(path, format=fmt, cache=False)
    assert v.keys == words
    np.testing.assert_array_equal(v.matrix, m)


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary"])
@FUZZ
@given(data=st.data())
def test_mutated_files_are_read_exactly_or_refused(fmt, data, tmp):
    """Check that truncated, flipped, miscounted or mixed-encoding files give the reference result or VectorFileError."""
    words, m = data.draw(vector_sets())
    raw = data.draw(mutated(render(words, m, fmt)))
    check_against_reference(raw, fmt, tmp)


@FUZZ
@given(raw=st.binary(max_size=300), fmt=st.sampled_from([None, "glove", "word2vec", "word2vec-binary", "embedkit"]))
def test_random_bytes_never_crash(raw, fmt, tmp):
    """Check that arbitrary bytes, read as any format or auto-detected, give Vectors or VectorFileError only."""
    path = tmp / "noise"
    path.write_bytes(raw)
    got = load_outcome(path, fmt)
    if fmt in REFERENCE and not isinstance(got, VectorFileError):
        want = REFERENCE[fmt](raw)  # a file embedkit accepts, the rules accept too, with the same content
        assert got.keys == want[0]
        np.testing.assert_array_equal(got.matrix, want[1])


@FUZZ
@given(data=st.data(), comp=st.sampled_from(["gzip", "bz2"]))
def test_mutated_compressed_streams(data, comp, tmp):
    """Check that damaged gzip/bz2 streams are refused with VectorFileError (or read exactly where the damage is harmless)."""
    words, m = data.draw(vector_sets())
    plain = render(words, m, "word2vec")
    packed = gzip.compress(plain, mtime=0) if comp == "gzip" else bz2.compress(plain)
    raw = data.draw(mutated(packed))
    path = tmp / "v.gz"
    path.write_bytes(raw)
    got = load_outcome(path, None)
    if not isinstance(got, VectorFileError):
        try:
            inner = gzip.decompress(raw) if comp == "gzip" else bz2.decompress(raw)
        except Exception:  # noqa: BLE001 - the reference decompressor refuses: so must embedkit
            pytest.fail(f"read a {comp} stream that does not decompress: {raw[:80]!r}")
        fmt = embedkit.detect_format(path)
        if fmt in REFERENCE:
            want = REFERENCE[fmt](inner)
            assert got.keys == want[0]
            np.testing.assert_array_equal(got.matrix, want[1])


@FUZZ
@given(data=st.data())
def test_mutated_embedkit_files_and_caches(data, tmp):
    """Check that a damaged .ekv file is refused with VectorFileError (or, if only matrix bytes changed, has the right shape)."""
    words, m = data.draw(vector_sets())
    path = embedkit.save(embedkit.Vectors(words, m), tmp / "v.ekv")
    raw = path.read_bytes()
    bad = data.draw(mutated(raw))
    path.write_bytes(bad)
    got = load_outcome(path, None)
    if not isinstance(got, VectorFileError) and bad.startswith(EKV_MAGIC):
        assert got.shape == (len(got.keys), m.shape[1]) and len(got.keys) == len(set(got.keys))


FASTTEXT_BIN = gensim_data("lee_fasttext.bin")


@settings(FUZZ, max_examples=max(5, MAX_EXAMPLES // 6))
@given(data=st.data())
def test_mutated_fasttext_binary(data, tmp):
    """Check that a truncated or byte-flipped fastText .bin gives VectorFileError or vectors, never another exception."""
    raw = Path(FASTTEXT_BIN).read_bytes()
    i = data.draw(st.integers(0, len(raw) - 1))
    kind = data.draw(st.sampled_from(["truncate", "flip"]))
    bad = raw[:i] if kind == "truncate" else raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1 :]
    path = tmp / "m.bin"
    path.write_bytes(bad)
    load_outcome(path, "fasttext-bin")


def test_reference_parsers_agree_with_gensim_on_a_real_file():
    """Check that the reference text and binary parsers used by the fuzz oracle read gensim's files as gensim does."""
    from gensim.models import KeyedVectors

    txt = Path(gensim_data("lee_fasttext.vec")).read_bytes()
    keys, m = ref_text(txt, header=True)
    kv = KeyedVectors.load_word2vec_format(gensim_data("lee_fasttext.vec"))
    assert keys == kv.index_to_key and len(keys) == 1762
    np.testing.assert_array_equal(m, kv.vectors)
    keys, m = ref_binary(Path(gensim_data("euclidean_vectors.bin")).read_bytes())
    kvb = KeyedVectors.load_word2vec_format(gensim_data("euclidean_vectors.bin"), binary=True)
    assert keys == kvb.index_to_key
    np.testing.assert_array_equal(m, kvb.vectors)


def test_small_chunks_give_the_same_result_as_one_chunk(monkeypatch, tmp):
    """Check that parsing in 7-byte chunks (every record split across chunks) gives the one-chunk result and line numbers."""
    words = ["the", "ß", "日本", "x"]
    m = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    for fmt in ("glove", "word2vec", "word2vec-binary"):
        data = render(words, m, fmt, trailing_space=True) + b"\n\n"
        p = tmp / f"chunks.{fmt}"
        p.write_bytes(data)
        whole = embedkit.load(p, format=fmt, cache=False)
        monkeypatch.setattr(io_source, "CHUNK", 7)
        small = embedkit.load(p, format=fmt, cache=False)
        cached = embedkit.load(p, format=fmt)
        monkeypatch.setattr(io_source, "CHUNK", 1 << 25)
        assert small == whole == cached and whole.keys == words
    bad = tmp / "bad.txt"
    bad.write_bytes(b"a 1 2\nb 3 4\nc 5 6\nd 7 x\n")
    monkeypatch.setattr(io_source, "CHUNK", 5)
    with pytest.raises(VectorFileError, match=r"bad\.txt, line 4: value 'x' is not a number"):
        embedkit.load(bad, cache=False)


class _Payload:
    """Unpickling this object writes a marker file: the proof that a pickle ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.mark.parametrize("fmt", [None, "gensim", "embedkit", "word2vec", "glove", "word2vec-binary", "fasttext-bin"])
def test_a_malicious_pickle_never_runs(fmt, tmp):
    """Check that a code-running pickle is refused under every format, with the allow_pickle advice, and never executed."""
    import pickle

    marker = tmp / "marker"
    path = tmp / "evil.kv"
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=4))
    with pytest.raises(VectorFileError) as info:
        embedkit.load(path, format=fmt or "auto")
    assert not marker.exists()
    if fmt in (None, "gensim"):
        assert str(info.value) == (
            f"{path}: this is a gensim native file, a Python pickle that can run arbitrary code when loaded; "
            "pass allow_pickle=True only if you trust its source (or convert it once with 'embedkit convert')"
        )
    pickle.loads(path.read_bytes())  # noqa: S301  (on purpose: the payload is real, unpickling does run it)
    assert marker.read_text() == "pwned"


# ---- one-pass inputs (pipes) and damaged caches ---------------------------------------------


def _through_pipe(data: bytes, fmt: str | None) -> embedkit.Vectors | VectorFileError:
    """embedkit's result on ``data`` read from a real OS pipe (``/dev/fd/N``), written by a thread."""
    import contextlib
    import threading

    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as f, contextlib.suppress(BrokenPipeError):
            f.write(data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    try:
        return load_outcome(Path(f"/dev/fd/{r}"), fmt)
    finally:
        os.close(r)
        t.join(10)


@pytest.mark.parametrize("fmt", ["glove", "word2vec", "word2vec-binary"])
@FUZZ
@given(data=st.data(), comp=st.sampled_from([None, "gzip", "bz2"]), auto=st.booleans())
def test_pipes_read_exactly_like_files(fmt, data, comp, auto, tmp, monkeypatch):
    """Check that valid or damaged files (plain or compressed) read from a pipe give exactly what the same bytes give as a file: the same vectors, or the same error at the same place."""
    monkeypatch.setattr(io_source, "CHUNK", 64)  # many chunks per file: the sniffed head must be replayed exactly
    words, m = data.draw(vector_sets())
    raw = render(words, m, fmt)
    if data.draw(st.booleans()):
        raw = data.draw(mutated(raw))
    if comp:
        raw = gzip.compress(raw, mtime=0) if comp == "gzip" else bz2.compress(raw)
    path = tmp / "v"
    path.write_bytes(raw)
    want = load_outcome(path, None if auto else fmt)
    got = _through_pipe(raw, None if auto else fmt)
    if isinstance(want, VectorFileError):
        assert isinstance(got, VectorFileError), f"a pipe read what the file refuses ({want}): {raw[:200]!r}"
        assert (got.problem, got.line, got.offset) == (want.problem, want.line, want.offset)
    else:
        assert not isinstance(got, VectorFileError), f"a pipe refused what the file reads: {got}"
        assert got.keys == want.keys and got.format == want.format
        np.testing.assert_array_equal(got.matrix, want.matrix)


@st.composite
def overwritten(draw, data: bytes) -> bytes:
    """``data`` with one to three runs of bytes overwritten in place (same size, as a disk or a stray writer does)."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(data) - 1))
        new = draw(st.binary(min_size=1, max_size=8))[: len(data) - i]
        data[i : i + len(new)] = new
    return bytes(data)


@FUZZ
@given(data=st.data())
def test_ekv_overwritten_in_place_is_never_served_silently(data, tmp):
    """Check that an .ekv file with bytes overwritten in place gives exactly the saved vectors (the damage hit only padding) or VectorFileError."""
    words, m = data.draw(vector_sets())
    v = embedkit.Vectors(words, m)
    path = embedkit.save(v, tmp / "v.ekv")
    path.write_bytes(data.draw(overwritten(path.read_bytes())))
    got = load_outcome(path, None)
    if not isinstance(got, VectorFileError):
        assert got.keys == v.keys
        np.testing.assert_array_equal(got.matrix, v.matrix)


@FUZZ
@given(data=st.data())
def test_damaged_cache_is_rebuilt_never_served(data, tmp):
    """Check that a cache entry overwritten in place, truncated or padded is never served: the load gives the file's vectors."""
    words, m = data.draw(vector_sets())
    v = embedkit.Vectors(words, m)
    for old in (tmp / "cache").glob("*"):
        old.unlink()
    path = tmp / "v.bin"
    path.write_bytes(render(words, m, "word2vec-binary"))
    assert embedkit.load(path, format="word2vec-binary") == v
    [entry] = (tmp / "cache").glob("*.ekv")
    raw = entry.read_bytes()
    kind = data.draw(st.sampled_from(["overwrite", "truncate", "pad"]))
    if kind == "overwrite":
        bad = data.draw(overwritten(raw))
    elif kind == "truncate":
        bad = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        bad = raw + data.draw(st.binary(min_size=1, max_size=16))
    entry.write_bytes(bad)
    got = embedkit.load(path, format="word2vec-binary")
    assert got.keys == v.keys
    np.testing.assert_array_equal(got.matrix, v.matrix)
