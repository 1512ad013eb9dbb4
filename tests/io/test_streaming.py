"""Vectors larger than memory: streaming conversion into the cache, float16 storage, interrupted and concurrent cache builds.

The real 3,000,000 x 300 run is ``benchmarks/bench_scale.py``; these tests check the same code
paths on files small enough for the default run, with the chunk size shrunk so that every file
spans many chunks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from numpy.testing import assert_allclose, assert_array_equal

import embedkit
import embedkit.io.source as io_source


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[embedkit.Vectors, Path, Path]:
    """40,000 x 300 seeded vectors (a 48 MB matrix) as word2vec binary and 4,000 of them as text."""
    rng = np.random.default_rng(7)
    v = embedkit.Vectors([f"w{i}" for i in range(40_000)], rng.standard_normal((40_000, 300), dtype=np.float32))
    d = tmp_path_factory.mktemp("synthetic")
    return (
        v,
        embedkit.save(v, d / "s.bin", format="word2vec-binary"),
        embedkit.save(v.most_frequent(4_000), d / "s.txt", format="word2vec"),
    )


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_binary_streams_into_cache_with_bounded_memory(synthetic, cache, monkeypatch):
    """Check that a 48 MB-matrix word2vec binary converts in 1 MB chunks with a heap peak under a quarter of the matrix."""
    v, binf, _ = synthetic
    monkeypatch.setattr(io_source, "CHUNK", 1 << 20)

    def peak_of(**kw) -> tuple[embedkit.Vectors, int]:
        tracemalloc.start()
        try:
            got = embedkit.load(binf, **kw)
            return got, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    got, peak = peak_of()
    assert got.is_memmap and got.shape == (40_000, 300)
    assert got == v
    assert peak < v.nbytes / 4, f"peak {peak / 1e6:.1f} MB for a {v.nbytes / 1e6:.0f} MB matrix"
    in_memory, peak_memory = peak_of(cache=False)  # the contrast: without the cache the matrix is in memory
    assert in_memory == v and peak_memory > v.nbytes


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_text_streams_into_cache_exactly_like_gensim(synthetic, cache, monkeypatch):
    """Check that word2vec text parsed in 64 kB chunks (~100 pieces) matches gensim's parse exactly."""
    _, _, txt = synthetic
    monkeypatch.setattr(io_source, "CHUNK", 1 << 16)
    got = embedkit.load(txt)
    kv = KeyedVectors.load_word2vec_format(str(txt))
    assert got.is_memmap and got.keys == kv.index_to_key
    assert_array_equal(got.matrix, kv.vectors)
    bad = txt.with_name("bad.txt")
    lines = txt.read_bytes().split(b"\n")
    lines[3_001] = lines[3_001].replace(b" ", b"  ", 1)
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(
        embedkit.VectorFileError, match=r"bad\.txt, line 3002: expected a word and 300 values, found 301"
    ):
        embedkit.load(bad)
    assert len(list(cache.glob("*.ekv"))) == 1 and not list(cache.glob("*.tmp"))


def test_duplicates_across_chunks_keep_the_first(tmp_path, cache, monkeypatch):
    """Check that a word repeated in a later chunk keeps its first vector, as gensim does, with one warning."""
    p = tmp_path / "dup.txt"
    p.write_bytes(b"4 2\na 1 2\nb 3 4\nc 5 6\na 7 8\n")
    monkeypatch.setattr(io_source, "CHUNK", 6)
    with pytest.warns(RuntimeWarning, match="1 repeated words"):
        v = embedkit.load(p)
    assert v.keys == ["a", "b", "c"]
    assert_array_equal(v.matrix, [[1, 2], [3, 4], [5, 6]])


def test_float16_storage(glove, tmp_path, cache):
    """Check that dtype='float16' halves the cache, rounds like numpy, and keeps frog's top-3 neighbours."""
    src = embedkit.save(glove.most_frequent(20_000), tmp_path / "g.bin", format="word2vec-binary")
    v32 = embedkit.load(src)
    v16 = embedkit.load(src, dtype="float16")
    assert v16.matrix.dtype == np.float16 and v16.is_memmap
    assert_array_equal(v16.matrix, v32.matrix.astype(np.float16))
    sizes = sorted(f.stat().st_size for f in cache.glob("*.ekv"))
    assert len(sizes) == 2 and 0.5 < sizes[0] / sizes[1] < 0.56
    assert (
        embedkit.nearest(v16, "frog", k=3).words
        == ["snake", "monkey", "spider"]
        == embedkit.nearest(v32, "frog", k=3).words
    )
    assert_allclose(v16.norms, v32.norms, rtol=2e-3)
    back = embedkit.load(embedkit.save(v16, tmp_path / "h.ekv"))
    assert back.matrix.dtype == np.float16 and back == v16
    with pytest.raises(ValueError, match="float16's range"):
        embedkit.load(
            embedkit.save(embedkit.Vectors(["big"], np.array([[1e6]])), tmp_path / "big.txt", format="glove"),
            dtype="float16",
        )


CHILD = textwrap.dedent("""
    import os, sys, time
    import embedkit, embedkit.io.sinks as sinks, embedkit.io.source as source
    source.CHUNK = 1 << 16
    real_add = sinks.Sink.add
    calls = 0
    def add(self, keys, matrix):
        global calls
        real_add(self, keys, matrix)
        calls += 1
        if calls == 5:
            print("HALFWAY", flush=True)
            time.sleep(60)
    sinks.Sink.add = add
    embedkit.load(sys.argv[1])
""")


def test_sigkill_during_cache_write_leaves_no_cache(synthetic, cache, tmp_path):
    """Check that a load killed with SIGKILL mid-conversion leaves no loadable cache entry, and the next load is exact."""
    v, binf, _ = synthetic
    env = dict(os.environ, EMBEDKIT_CACHE=str(cache))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(binf)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "HALFWAY"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGKILL
    assert not list(cache.glob("*.ekv"))  # only a temporary file, never under the cache's name
    [stale] = cache.glob(".*.tmp")
    assert stale.stat().st_size > 100_000  # the killed build got into the matrix
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = embedkit.load(binf)
    assert again.is_memmap and again == v
    assert not list(cache.glob(".*.tmp"))  # the next cache write removed the dead builder's temporary


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_concurrent_cache_builds_keep_each_others_temporaries(synthetic, cache, tmp_path):
    """Check that a build paused mid-write keeps its temporary while another process builds and loads the same cache, and both finish exact."""
    v, binf, _ = synthetic
    env = dict(os.environ, EMBEDKIT_CACHE=str(cache))
    slow = CHILD.replace("time.sleep(60)", "time.sleep(float(sys.argv[2]))").replace(
        "embedkit.load(sys.argv[1])", "w = embedkit.load(sys.argv[1]); print(len(w), w.is_memmap, flush=True)"
    )
    child = subprocess.Popen([sys.executable, "-c", slow, str(binf), "3"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "HALFWAY"
        [live] = cache.glob(".*.tmp")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            here = embedkit.load(binf, cache=True)  # a second builder, while the first is paused
        assert here.is_memmap and here == v
        assert live.exists()  # its writer is alive: not removed as stale
        assert child.stdout.readline().split() == ["40000", "True"]
        assert child.wait(60) == 0
    finally:
        child.kill()
    assert not list(cache.glob(".*.tmp"))
    assert embedkit.load(binf) == v
