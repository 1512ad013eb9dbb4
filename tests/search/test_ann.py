"""The approximate index behind nearest_many(index="hnsw"), checked against the exact search."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit import nearest_many
from embedkit.search import ann

ROOT = Path(__file__).resolve().parent.parent
LEGACY = Path(__file__).resolve().parent / "data" / "hnswlib-0.8.0-40x8.bin"  # written by hnswlib 0.8.0


@pytest.fixture(scope="module")
def head(glove, tmp_path_factory) -> embedkit.Vectors:
    """The 20,000 most frequent GloVe words, memory-mapped from a private .ekv file."""
    path = embedkit.save(glove.most_frequent(20_000), tmp_path_factory.mktemp("ann") / "head.ekv")
    v = embedkit.load(path)
    assert v.is_memmap
    return v


def test_recall_against_exact_search(head):
    """Check that recall@10 of the HNSW index against exact search is at least 0.95 on 1,000 queries, with exact scores."""
    queries = head.keys[1000:2000]
    exact = nearest_many(head, queries, k=10)
    approx = nearest_many(head, queries, k=10, index="hnsw")
    recall = sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, approx)) / 10_000
    assert recall >= 0.95
    for a, b in zip(exact, approx):
        common = set(a.words) & set(b.words)
        sa = dict(zip(a.words, a.scores))
        sb = dict(zip(b.words, b.scores))
        assert all(abs(sa[w] - sb[w]) < 1e-6 for w in common)
        assert b.scores == sorted(b.scores, reverse=True) and b.query not in b.words
    frog = nearest_many(head, ["frog"], k=3, index="hnsw")[0]
    assert frog.words == ["snake", "monkey", "spider"]
    assert frog.scores[0] == pytest.approx(0.8445, abs=1e-4)


def test_index_is_saved_beside_the_file_and_reused(head):
    """Check that the graph is written beside the memory-mapped file, named for its size and rows, and loaded back."""
    path = ann.index_path(head)
    idx = ann.get_index(head)
    assert path is not None and path.exists() and idx.path == path
    assert path.parent == ann._memmap_origin(head.matrix)[0].parent
    assert path.name.endswith(f"-{len(head)}x{head.dim}.hnsw-M16-efc100.ekann")
    assert path.read_bytes()[:8] == ann.MAGIC
    fresh = embedkit.load(ann._memmap_origin(head.matrix)[0])
    again = ann.get_index(fresh)
    assert again.path == path and again.graph is not idx.graph
    q = fresh.normalized[[5, 500, 5000]]
    assert_allclose(again.search(q, 5), idx.search(q, 5))
    assert ann.index_path(head.most_frequent(1000)) != path  # another slice, another graph


def test_exclude_vectors_and_errors(head):
    """Check exclude, vector queries and argument errors with index='hnsw'."""
    got = nearest_many(head, ["king"], k=5, exclude=["queen", "prince"], index="hnsw")[0]
    assert "queen" not in got.words and "prince" not in got.words and len(got) == 5
    vec = nearest_many(head, head.vectors(["king"]), k=1, index="hnsw")[0]
    assert vec.words == ["king"] and vec.scores[0] == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="restrict is not supported"):
        nearest_many(head, ["king"], restrict=100, index="hnsw")
    with pytest.raises(ValueError, match="index must be 'exact' or 'hnsw'"):
        nearest_many(head, ["king"], index="faiss")
    with pytest.raises(ValueError, match="ef must be a positive int and needs index='hnsw'"):
        nearest_many(head, ["king"], ef=100)


def test_wider_search_raises_recall(head):
    """Check that ef trades time for recall: ef=4 misses exact neighbours that ef=200 finds, and recall never drops."""
    queries = head.keys[5000:6000]
    exact = nearest_many(head, queries, k=10)

    def recall(ef):
        approx = nearest_many(head, queries, k=10, index="hnsw", ef=ef)
        return sum(len(set(a.words) & set(b.words)) for a, b in zip(exact, approx)) / 10_000

    low, high = recall(4), recall(200)
    assert low < 0.99 < high and high > low


def test_in_memory_vectors_keep_their_graph_on_the_object():
    """Check that vectors not backed by a file build the graph once and find exact answers on a tiny set."""
    rng = np.random.default_rng(3)
    v = embedkit.Vectors([f"w{i}" for i in range(300)], rng.standard_normal((300, 8)))
    assert ann.index_path(v) is None
    first = ann.get_index(v)
    assert ann.get_index(v) is first
    exact = nearest_many(v, v.keys[:50], k=5)
    approx = nearest_many(v, v.keys[:50], k=5, index="hnsw")
    assert [a.words for a in exact] == [b.words for b in approx]  # 300 points: the graph is exhaustive


# --- a damaged, foreign or legacy index file is rebuilt, never handed to native code -------------

QUERY = ["king", "three", "city", "water"]
PROBE = """
import json, sys, warnings
import embedkit
v = embedkit.load(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    got = embedkit.nearest_many(v, sys.argv[2:], k=5, index="hnsw")
print(json.dumps({"words": [n.words for n in got], "scores": [n.scores for n in got],
                  "warnings": [str(w.message) for w in caught]}))
"""


def _probe(ekv: Path) -> dict:
    """Query ``ekv`` with index='hnsw' in a fresh interpreter, so that a segfault fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(ekv), *QUERY],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def small(glove, tmp_path_factory) -> tuple[Path, dict, bytes]:
    """2,000 GloVe words in a private .ekv, the exact top-5 of QUERY, and the good index file's bytes."""
    folder = tmp_path_factory.mktemp("ann-damage")
    ekv = embedkit.save(glove.most_frequent(2000), folder / "small.ekv")
    v = embedkit.load(ekv)
    exact = nearest_many(v, QUERY, k=5)
    ann.get_index(v)
    return ekv, {"words": [n.words for n in exact], "scores": [n.scores for n in exact]}, ann.index_path(v).read_bytes()


def _restore(small) -> tuple[Path, Path, bytes]:
    ekv, _, good = small
    path = ann.index_path(embedkit.load(ekv))
    path.write_bytes(good)
    return ekv, path, good


def _assert_rebuilt(small, path: Path, reason: str) -> None:
    ekv, want, _ = small
    got = _probe(ekv)
    assert got["words"] == want["words"]  # 2,000 points, M=16, ef=50: the graph finds the exact top-5
    assert_allclose(got["scores"], want["scores"], rtol=0, atol=2e-6)
    assert [w for w in got["warnings"] if "approximate index" in w] == [
        f"embedkit: rebuilding the approximate index {path}: {reason}"
    ]
    v = embedkit.load(ekv)
    ann.check_index_file(path, ann.index_header(v))  # rewritten whole
    again = _probe(ekv)
    assert again["warnings"] == [] and again["words"] == want["words"]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def test_intact_file_is_loaded_without_warning(small):
    """Check that an intact index file answers the exact top-5 in a fresh process, without a rebuild warning."""
    ekv, want, _ = small
    _restore(small)
    got = _probe(ekv)
    assert got["warnings"] == [] and got["words"] == want["words"]
    assert_allclose(got["scores"], want["scores"], rtol=0, atol=2e-6)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda d: _flip(d, 3),
            "not an embedkit index file (no EKANN magic; an hnswlib graph from an older embedkit?)",
        ),
        (lambda d: _flip(d, 11), "header length {hlen} does not fit the file's {size} bytes"),
        (lambda d: _flip(d, 20), "checksum mismatch (the file is damaged)"),
        (lambda d: _flip(d, 12 + int.from_bytes(d[8:12], "little") + 4), "checksum mismatch (the file is damaged)"),
        (lambda d: _flip(d, len(d) // 2), "checksum mismatch (the file is damaged)"),
        (lambda d: d[: len(d) // 2], "checksum mismatch (the file is damaged)"),
        (lambda d: d[:-1], "checksum mismatch (the file is damaged)"),
        (lambda d: d + b"\0", "checksum mismatch (the file is damaged)"),
        (lambda d: b"", "0 bytes is too short for an index file"),
        (lambda d: d[:11], "11 bytes is too short for an index file"),
    ],
    ids=[
        "magic-byte",
        "header-length-byte",
        "header-byte",
        "faiss-header-byte",
        "middle-byte",
        "half",
        "last-byte-cut",
        "one-more-byte",
        "empty",
        "header-only",
    ],
)
@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_damaged_file_is_rebuilt_not_crashed_on(small, damage, reason):
    """Check that a flipped, cut, lengthened or empty index file gives the right answer with a rebuild warning, never a crash."""
    _, path, good = _restore(small)
    bad = damage(good)
    path.write_bytes(bad)
    if "{hlen}" in reason:
        reason = reason.format(hlen=int.from_bytes(bad[8:12], "little"), size=len(bad))
    _assert_rebuilt(small, path, reason)


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_payload_damage_with_a_recomputed_checksum_is_caught_by_the_header(small):
    """Check that a consistent file whose header names another faiss version, M or row count is rebuilt."""
    _, path, good = _restore(small)
    hlen = int.from_bytes(good[8:12], "little")
    header = json.loads(good[12 : 12 + hlen])
    for field, value, shown in [("backend_version", "0.0.1", "'0.0.1'"), ("M", 8, "8"), ("n", 999, "999")]:
        raw = json.dumps({**header, field: value}).encode()
        body = ann.MAGIC + len(raw).to_bytes(4, "little") + raw + good[12 + hlen : -32]
        path.write_bytes(body + hashlib.sha256(body).digest())
        _assert_rebuilt(small, path, f"built for {field}={shown}, these vectors need {header[field]!r}")


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_file_of_another_vector_set_is_rebuilt(small, glove, tmp_path):
    """Check that the index of another 2,000 x 50 set copied over this one's is detected (source, fingerprint) and rebuilt."""
    ekv, path, _ = _restore(small)
    other = embedkit.load(embedkit.save(glove.subset(glove.keys[2000:4000]), tmp_path / "other.ekv"))
    ann.get_index(other)
    foreign = ann.index_path(other).read_bytes()
    path.write_bytes(foreign)
    header = json.loads(foreign[12 : 12 + int.from_bytes(foreign[8:12], "little")])
    mine = ann.index_header(embedkit.load(ekv))
    _assert_rebuilt(small, path, f"built for source={header['source']!r}, these vectors need {mine['source']!r}")
    # Same file identity in the header (a copy with its times kept), other rows: the fingerprint tells.
    raw = json.dumps({**header, "source": mine["source"]}).encode()
    body = (
        ann.MAGIC + len(raw).to_bytes(4, "little") + raw + foreign[12 + int.from_bytes(foreign[8:12], "little") : -32]
    )
    path.write_bytes(body + hashlib.sha256(body).digest())
    _assert_rebuilt(
        small, path, f"built for fingerprint={header['fingerprint']!r}, these vectors need {mine['fingerprint']!r}"
    )


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_hnswlib_file_from_an_older_embedkit_is_rebuilt_and_removed(small):
    """Check that a real hnswlib 0.8 graph, at the new name or the old one, is never read and the old one is removed."""
    _, path, _ = _restore(small)
    legacy = path.with_suffix(".bin")
    assert legacy.name.endswith(".hnsw-M16-efc100.bin")  # the name hnswlib-backed embedkit used
    shutil.copyfile(LEGACY, path)
    shutil.copyfile(LEGACY, legacy)
    _assert_rebuilt(
        small, path, "not an embedkit index file (no EKANN magic; an hnswlib graph from an older embedkit?)"
    )
    assert not legacy.exists()


def test_unreadable_or_unwritable_index_keeps_answers_right(small, tmp_path):
    """Check that an index path that is a folder is rebuilt in memory with two warnings and the exact answer."""
    ekv, want, _ = small
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copyfile(ekv, folder / "small.ekv")
    v = embedkit.load(folder / "small.ekv")
    path = ann.index_path(v)
    path.mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = nearest_many(v, QUERY, k=5, index="hnsw")
    assert [n.words for n in got] == want["words"]
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith(f"embedkit: rebuilding the approximate index {path}: [Errno 21] Is a directory")
    assert messages[1].startswith(f"embedkit: could not save the approximate index {path}: ")
    assert ann.get_index(v).path is None


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_cli_neighbors_survives_a_flipped_header_byte(small):
    """Check that `embedkit neighbors --index hnsw --ef 100` exits 0 with the exact answer after a header byte flip (was exit 139)."""
    ekv, path, good = _restore(small)
    want = small[1]
    path.write_bytes(_flip(good, 5))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    for _ in range(2):  # the second run reads the rebuilt file
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "embedkit.cli",
                "neighbors",
                "king",
                "-k",
                "5",
                "--index",
                "hnsw",
                "--ef",
                "100",
                "--vectors",
                str(ekv),
                "--json",
            ],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
        rows = json.loads(proc.stdout)["results"]["king"]
        assert [r["word"] for r in rows] == want["words"][0]
        assert_allclose([r["score"] for r in rows], want["scores"][0], rtol=0, atol=2e-6)
    assert path.read_bytes()[:8] == ann.MAGIC


FLIPS = """
import json, sys, warnings
import numpy as np
import embedkit
from embedkit.search import ann
ekv, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
path = ann.index_path(embedkit.load(ekv))
good = path.read_bytes()
rng = np.random.default_rng(seed)
answers, rebuilt = set(), 0
for at in rng.integers(0, len(good), count):
    bad = bytearray(good)
    bad[at] ^= 1 << int(rng.integers(8))
    path.write_bytes(bytes(bad))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = embedkit.nearest_many(embedkit.load(ekv), ["king", "water"], k=5, index="hnsw")
    rebuilt += any("rebuilding the approximate index" in str(w.message) for w in caught)
    answers.add(json.dumps([n.words for n in got]))
print(json.dumps({"answers": sorted(answers), "rebuilt": rebuilt}))
"""


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_random_bit_flips_never_reach_native_code(small):
    """Check that 40 seeded one-bit flips anywhere in the file each give a rebuild and the exact answer, never a crash."""
    ekv, _, _ = _restore(small)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", FLIPS, str(ekv), "7", "40"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    got = json.loads(proc.stdout)
    exact = nearest_many(embedkit.load(ekv), ["king", "water"], k=5)
    assert got == {"answers": [json.dumps([n.words for n in exact])], "rebuilt": 40}


def test_cli_rebuild_warning_is_one_line(small, capsys):
    """Check that `embedkit neighbors --index hnsw` on a damaged index prints the rebuild warning as one line, once."""
    from embedkit.cli import main

    ekv, path, good = _restore(small)
    path.write_bytes(_flip(good, len(good) // 2))
    assert main(["neighbors", "king", "-k", "5", "--index", "hnsw", "--vectors", str(ekv), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"embedkit: warning: rebuilding the approximate index {path}: checksum mismatch (the file is damaged)\n"
    )
    assert [r["word"] for r in json.loads(captured.out)["results"]["king"]] == small[1]["words"][0]
