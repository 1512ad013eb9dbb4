"""Tests for embedkit.evaluation.cosadd: the rows kernel gives the product kernel's answers, tie for tie."""

from __future__ import annotations

import numpy as np
import pytest

import embedkit
from embedkit.errors import InvalidArgumentError
from embedkit.evaluation import cosadd
from embedkit.evaluation.analogies import evaluate_analogies, vocab_rows
from embedkit.evaluation.benchmark_files import read_analogies


def _question_rows(vectors, restrict: int) -> np.ndarray:
    """The ``(a, b, c, d)`` rows of the Google questions whose words are all among the first ``restrict``."""
    ok = vocab_rows(vectors.keys_view[:restrict], True)
    flat = [w.upper() for s in read_analogies("google").sections for q in s.questions for w in q]
    rows = np.array([ok.get(w, -1) for w in flat], dtype=np.int64).reshape(-1, 4)
    return rows[(rows >= 0).all(axis=1)]


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Run the kernels as evaluate_analogies' workers do, on single-threaded BLAS (small products
    run faster so, and leave the other core free)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def google30k(glove):
    return _question_rows(glove, 30000)


@pytest.fixture(scope="module")
def shuffled30k(google30k):
    """4,000 of the questions in a seeded random order: many distinct words per block."""
    return google30k[np.random.default_rng(3).permutation(len(google30k))[:4000]]


def test_rows_kernel_top5_equals_product_kernel_full_google_set(glove, google30k):
    """Check that both kernels give the same five answers, in the same order, to all 14,877 questions at restrict 30,000."""
    # 'auto' takes the rows kernel here, so test_evaluate's counts against gensim's are the rows kernel's.
    assert cosadd.choose_kernel(google30k, 50, 1024) == "rows"
    assert len(google30k) == 14877
    rows = cosadd.rows_top(glove, google30k, 30000, 5, 1024)
    product = cosadd.product_top(glove, google30k, 30000, 5, 1024)
    np.testing.assert_array_equal(rows, product)
    assert glove.keys[rows[0, 0]] == "iraq"  # Athens Greece Baghdad ?


def test_rows_kernel_equals_product_kernel_many_distinct_words(glove, shuffled30k):
    """Check the two kernels' five answers on 4,000 shuffled questions (about 0.7 distinct words per question)."""
    np.testing.assert_array_equal(
        cosadd.rows_top(glove, shuffled30k, 30000, 5, 1024), cosadd.product_top(glove, shuffled30k, 30000, 5, 1024)
    )


@pytest.mark.parametrize("n_cand", [4, 6, 1000, 5000])
def test_rows_kernel_restrict(glove, google30k, n_cand):
    """Check the kernels agree when the candidates are cut short, down to fewer than five (-1 padded)."""
    q = google30k[:300]
    rows = cosadd.rows_top(glove, q, n_cand, 5, 128)
    np.testing.assert_array_equal(rows, cosadd.product_top(glove, q, n_cand, 5, 128))
    assert rows.max() < n_cand
    if n_cand == 4:  # at most 4 candidates, some of them question words: padding
        assert (rows[:, 4] == -1).all()


def _tied(n_twins: int) -> tuple[embedkit.Vectors, np.ndarray]:
    """Question words a, b, c at rows 0-2, ``n_twins`` identical best answers among noise rows."""
    rng = np.random.default_rng(0)
    a, b, c = np.eye(8, dtype=np.float32)[:3]
    noise = rng.standard_normal((40, 8)).astype(np.float32) * 0.3 + np.float32(-0.5) * (b - a + c)
    matrix = np.concatenate([np.stack([a, b, c]), noise])
    twins = np.sort(rng.choice(np.arange(3, len(matrix)), n_twins, replace=False))
    matrix[twins] = b - a + c + np.float32(0.1)
    vectors = embedkit.Vectors([f"w{i}" for i in range(len(matrix))], matrix)
    return vectors, twins


@pytest.mark.parametrize("n_twins", [3, 12])
def test_rows_kernel_ties_go_to_lower_rows(monkeypatch, n_twins):
    """Check exact ties (identical vectors) rank by row, as the product kernel: kept and scored again (3), or answered by the product kernel (12)."""
    vectors, twins = _tied(n_twins)
    calls = []
    product_top = cosadd.product_top
    monkeypatch.setattr(cosadd, "product_top", lambda *a: calls.append(len(a[1])) or product_top(*a))
    q = np.array([[0, 1, 2, 3]])
    got = cosadd.rows_top(vectors, q, len(vectors), 5, 16)
    assert got[0, : min(5, n_twins)].tolist() == twins[:5].tolist()
    # 12 twins within the margin of the fifth best: more than the 8 kept, so the product kernel answers.
    assert calls == ([] if n_twins == 3 else [1])
    assert got[0].tolist() == product_top(vectors, q, len(vectors), 5, 16)[0].tolist()


def test_rows_margin_bounds_float32_difference(glove, google30k):
    """Check that on 1,000 real questions x 4,096 candidates the row sums differ from |m| times the product scores by less than rows_margin."""
    q = google30k[::15][:1000]
    a, b, c = (glove.normalized[q[:, i]] for i in range(3))
    X = glove.normalized[:4096]
    sums = (X @ b.T - X @ a.T) + X @ c.T  # (candidates, questions)
    m = (b + c) - a
    scores = X @ cosadd.gensim_queries(glove, q[:, 0], q[:, 1], q[:, 2]).T
    diff = np.abs(sums - scores * np.linalg.norm(m.astype(np.float64), axis=1)).max()
    assert cosadd.rows_margin(50) == 2 * 313 * 2.0**-24
    assert 0 < diff < cosadd.rows_margin(50)


def test_choose_kernel(google30k, shuffled30k):
    """Check the cost model: rows for the Google set's order (0.1 distinct words a question), product when shuffled."""
    assert cosadd.choose_kernel(google30k, 50, 1024) == "rows"
    assert cosadd.choose_kernel(shuffled30k, 50, 1024) == "product"
    assert cosadd.choose_kernel(shuffled30k, 300, 1024) == "rows"  # longer products: the rows pay off sooner
    assert cosadd.choose_kernel(google30k[:0], 50, 1024) == "product"


def test_kernel_override(glove, subset_file, monkeypatch):
    """Check that kernel= forces a kernel ('auto' takes the product one on the 168-question subset) and is validated."""

    def no_rows(*args):
        raise RuntimeError("rows kernel called")

    monkeypatch.setattr(cosadd, "rows_top", no_rows)
    auto = evaluate_analogies(glove, subset_file, restrict=20000, n_boot=1)
    forced = evaluate_analogies(glove, subset_file, restrict=20000, kernel="product", n_boot=1)
    assert (auto.total.correct, auto.total.total) == (forced.total.correct, forced.total.total)
    with pytest.raises(RuntimeError, match="rows kernel called"):
        evaluate_analogies(glove, subset_file, restrict=20000, kernel="rows", n_boot=1)
    with pytest.raises(InvalidArgumentError, match=r"kernel must be one of \('auto', 'product', 'rows'\), got 'fast'"):
        evaluate_analogies(glove, subset_file, kernel="fast")  # type: ignore[arg-type]
