"""Tests for embedkit.nn.search_backend: the torch search path (on torch's CPU device) against numpy."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose

from embedkit import Vectors
from embedkit.errors import DeviceError, InvalidArgumentError
from embedkit.evaluation.analogies import evaluate_analogies
from embedkit.evaluation.benchmark_files import read_analogies
from embedkit.evaluation.similarity import evaluate_similarity
from embedkit.nn.search_backend import TorchSearch
from embedkit.search.analogy import analogy_many, analogy_rows
from embedkit.search.backends import resolve_backend
from embedkit.search.neighbors import nearest_many

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TOL = 1e-6  # float32 products summed in another order may swap answers tied this closely


def assert_same_up_to_ties(rows_a, scores_a, rows_b, scores_b, tol=TOL):
    """Equal scores (within ``tol``) and equal rows, except among scores tied within ``tol``."""
    rows_a, rows_b = np.asarray(rows_a), np.asarray(rows_b)
    scores_a, scores_b = np.asarray(scores_a, dtype=np.float64), np.asarray(scores_b, dtype=np.float64)
    assert rows_a.shape == rows_b.shape
    assert_allclose(scores_a, scores_b, atol=tol, rtol=0)
    k = rows_a.shape[1]
    for i, j in zip(*np.nonzero(rows_a != rows_b)):
        others = np.delete(scores_a[i], j)
        assert j == k - 1 or np.any(np.abs(others - scores_a[i, j]) <= tol), (i, j, rows_a[i], rows_b[i])


def neighbor_arrays(vectors, results):
    rows = np.array([vectors.indices(r.words) for r in results])
    return rows, np.array([r.scores for r in results])


@pytest.fixture(scope="module")
def google_rows(glove):
    """Row triples (and answers) of 1,500 Google questions spread over every section."""
    qs = read_analogies("google")
    flat = [q for s in qs.sections for q in s.questions]
    known = [q for q in flat[::6] if all(w in glove for w in q)][:1500]
    return glove.indices([w for q in known for w in q]).reshape(-1, 4)


def test_nearest_many_matches_numpy(glove):
    """Check that the torch path gives numpy's neighbours and scores on 200 GloVe words over 100,000 rows."""
    words = list(glove.keys_view[:2000:10])
    a = nearest_many(glove, words, k=10, restrict=100000)
    b = nearest_many(glove, words, k=10, restrict=100000, device="torch-cpu")
    assert_same_up_to_ties(*neighbor_arrays(glove, a), *neighbor_arrays(glove, b))
    (frog,) = nearest_many(glove, ["frog"], k=3, restrict=100000, device="torch-cpu")
    assert frog.words == ["snake", "ape", "toad"]


def test_nearest_many_streams_the_matrix_in_chunks(glove):
    """Check that a device limit below the matrix streams it in chunks with the same answers, exclusions and vectors as queries."""
    backend = TorchSearch("cpu", max_device_bytes=4 * 50 * 7777)  # 7,777 rows per chunk
    assert len(backend.chunks(glove, 50000)) == 7
    words = list(glove.keys_view[:1000:10])
    a = nearest_many(glove, words, k=7, restrict=50000)
    b = nearest_many(glove, words, k=7, restrict=50000, device=backend)
    assert_same_up_to_ties(*neighbor_arrays(glove, a), *neighbor_arrays(glove, b))
    Q = np.stack([glove["frog"], glove["paris"]])
    a = nearest_many(glove, Q, k=5, exclude=["toad", "france"], restrict=50000)
    b = nearest_many(glove, Q, k=5, exclude=["toad", "france"], restrict=50000, device=backend)
    assert [r.words for r in a] == [r.words for r in b]
    assert "toad" not in b[0].words and b[0].words[0] == "frog"


def test_hold_keeps_the_matrix_for_later_calls(glove):
    """Check that a held matrix is searched as one chunk, whatever the device limit, with the same answers."""
    backend = TorchSearch("cpu", max_device_bytes=1000)
    backend.hold(glove, 30000)
    assert backend.chunks(glove, 30000) == [(0, 30000)]
    assert len(backend.chunks(glove, 30001)) > 1  # beyond the held rows it streams again
    words = ["frog", "king", "computer"]
    assert [r.words for r in nearest_many(glove, words, k=5, restrict=30000, device=backend)] == [
        r.words for r in nearest_many(glove, words, k=5, restrict=30000)
    ]
    backend.release()
    assert len(backend.chunks(glove, 30000)) > 1


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("max_bytes", [None, 4 * 50 * 5000])
def test_analogy_rows_match_numpy(glove, google_rows, method, max_bytes):
    """Check that 3CosAdd and 3CosMul on the device give numpy's top 5 on 1,500 Google questions, streamed or not."""
    a, b, c = google_rows[:, 0], google_rows[:, 1], google_rows[:, 2]
    ref = analogy_rows(glove, a, b, c, 5, method=method, restrict=30000)
    got = analogy_rows(
        glove, a, b, c, 5, method=method, restrict=30000, device=TorchSearch("cpu", max_device_bytes=max_bytes)
    )
    assert_same_up_to_ties(*ref, *got)
    assert (got[0][:, 0] == google_rows[:, 3]).mean() == pytest.approx((ref[0][:, 0] == google_rows[:, 3]).mean())


def test_analogy_many_on_the_device(glove):
    """Check analogy_many's answers and scores on the device for the classic question."""
    (r,) = analogy_many(glove, [("man", "king", "woman")], k=3, device="torch-cpu")
    assert r.words == ["queen", "throne", "prince"]
    assert_allclose(r.scores, analogy_many(glove, [("man", "king", "woman")], k=3)[0].scores, atol=TOL)


@pytest.mark.parametrize("method, correct", [("3cosadd", 1866), ("3cosmul", 1812)])
def test_evaluate_analogies_counts_on_the_device(glove, method, correct):
    """Check that evaluate_analogies on the device gives the numpy counts, streamed too."""
    ref = evaluate_analogies(glove, "google", restrict=5000, method=method, n_boot=10)
    for backend in ("torch-cpu", TorchSearch("cpu", max_device_bytes=4 * 50 * 1500)):
        got = evaluate_analogies(glove, "google", restrict=5000, method=method, n_boot=10, device=backend)
        assert (got.total.correct, got.total.total) == (ref.total.correct, ref.total.total) == (correct, 2872)
        assert [s.correct for s in got.sections] == [s.correct for s in ref.sections]
        assert got.predicted == ref.predicted


@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
def test_evaluate_similarity_on_the_device(glove, name):
    """Check that the similarity correlations on the device equal numpy's within float32 rounding."""
    ref = evaluate_similarity(glove, name, n_boot=10)
    got = evaluate_similarity(glove, name, n_boot=10, device="torch-cpu")
    assert_allclose(got.model, ref.model, atol=TOL, equal_nan=True)
    assert got.spearman == pytest.approx(ref.spearman, abs=1e-6)
    assert got.pairs == ref.pairs


def test_ties_go_to_the_lower_row_across_blocks_and_chunks():
    """Check that equal scores rank the lower row first, also across chunks, and that -0.0 ties with 0.0."""
    m = np.zeros((12, 3), dtype=np.float32)
    m[:, 0] = 1.0
    m[0] = [0.0, 1.0, 0.0]  # the query, orthogonal to nothing below but row 11
    m[1:11, 1] = 1.0  # rows 1..10: equal cosines with the query
    m[11] = [0.0, -1.0, 0.0]
    v = Vectors([f"w{i}" for i in range(12)], m)
    for limit in (None, 4 * 3 * 3):  # one chunk, or chunks of three rows
        backend = TorchSearch("cpu", max_device_bytes=limit)
        rows, _ = backend.cosine_topk(
            v, v.normalized[[0]], 4, np.array([[0]]), n_candidates=12, query_block=1, candidate_block=2
        )
        assert rows.tolist() == [[1, 2, 3, 4]]
    z = Vectors(["a", "b", "c"], np.array([[1, 0], [0, 1], [0, -1]], dtype=np.float32))
    q = np.array([[1.0, 0.0]], dtype=np.float32)  # cosine +0.0 with b, -0.0 with c
    rows, _ = TorchSearch("cpu").cosine_topk(z, q, 2, np.array([[0]]), n_candidates=3, query_block=1, candidate_block=1)
    assert rows.tolist() == [[1, 2]]


def test_fewer_candidates_than_k_pad_with_minus_one():
    """Check that fewer candidates than k give -1 rows and -inf scores, as the numpy kernels do."""
    v = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    backend = TorchSearch("cpu")
    rows, scores = backend.cosine_topk(
        v, v.normalized[:1], 4, np.array([[0, -1]]), n_candidates=3, query_block=8, candidate_block=8
    )
    assert rows.tolist() == [[1, 2, -1, -1]]
    assert scores.tolist() == [[0.0, 0.0, -np.inf, -np.inf]]
    assert [r.words for r in nearest_many(v, ["a"], k=5, device=backend)] == [["b", "c"]]


def test_device_errors():
    """Check the one-line errors for a CUDA device torch does not see, a bad device and a bad limit."""
    if not torch.cuda.is_available():
        with pytest.raises(
            DeviceError, match=r"^device 'cuda' needs a CUDA GPU, and torch sees none \(use 'cpu' or 'auto'\)$"
        ):
            nearest_many(Vectors(["a"], np.ones((1, 2), dtype=np.float32)), ["a"], device="cuda")
        assert resolve_backend("auto") is None
    with pytest.raises(InvalidArgumentError, match=r"^max_device_bytes must be positive, got 0$"):
        TorchSearch("cpu", max_device_bytes=0)
    with pytest.raises(
        InvalidArgumentError, match=r"^the search backend runs on 'cuda' or 'cpu' torch devices, got 'meta'$"
    ):
        TorchSearch("meta")
    with pytest.raises(InvalidArgumentError, match=r"^device is for exact search; index='hnsw' runs on the CPU$"):
        nearest_many(Vectors(["a"], np.ones((1, 2), dtype=np.float32)), ["a"], index="hnsw", device="torch-cpu")


def test_search_runs_in_full_float32_and_restores_the_precision(glove, monkeypatch):
    """Check that the search runs at "highest" float32 matmul precision under a process-wide TF32 setting, and restores it."""
    seen = []
    inner = TorchSearch._topk_blocks

    def spy(self, *args):
        seen.append(torch.get_float32_matmul_precision())
        return inner(self, *args)

    monkeypatch.setattr(TorchSearch, "_topk_blocks", spy)
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high")
    try:
        got = nearest_many(glove, ["frog", "king"], k=5, device="torch-cpu")
        assert torch.get_float32_matmul_precision() == "high"
    finally:
        torch.set_float32_matmul_precision(before)
    assert seen == ["highest"]
    assert [r.words for r in got] == [r.words for r in nearest_many(glove, ["frog", "king"], k=5)]
