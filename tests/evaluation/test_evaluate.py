"""Tests for embedkit.evaluation: counts and correlations equal to gensim's, intervals, comparisons."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

import embedkit
from embedkit.errors import BenchmarkError
from embedkit.evaluation.analogies import compare_analogies, evaluate_analogies
from embedkit.evaluation.benchmark_files import read_analogies
from embedkit.evaluation.similarity import compare_similarity, evaluate_similarity

from ..conftest import gensim_data
from ..reference import gensim_3cosadd_sections, gensim_3cosmul_sections

# Per-section (name, correct, total) of gensim 4.4 on the default vectors, Google set, restrict=30000.
# 3CosAdd, from:
#   python -c "import embedkit; from gensim.test.utils import datapath; kv = embedkit.load().to_gensim();
#   _, s = kv.evaluate_word_analogies(datapath('questions-words.txt'), restrict_vocab=30000);
#   print([(x['section'], len(x['correct']), len(x['correct']) + len(x['incorrect'])) for x in s])"
GENSIM_3COSADD_30K = [
    ("capital-common-countries", 403, 506),
    ("capital-world", 2006, 2715),
    ("currency", 31, 236),
    ("city-in-state", 354, 2203),
    ("family", 259, 342),
    ("gram1-adjective-to-adverb", 127, 870),
    ("gram2-opposite", 45, 380),
    ("gram3-comparative", 699, 1332),
    ("gram4-superlative", 202, 600),
    ("gram5-present-participle", 397, 930),
    ("gram6-nationality-adjective", 1362, 1445),
    ("gram7-past-tense", 586, 1560),
    ("gram8-plural", 680, 1056),
    ("gram9-plural-verbs", 242, 702),
]
# 3CosMul: gensim's most_similar_cosmul on a KeyedVectors of the first 30000 words, in a loop with
# evaluate_word_analogies' rules (tests/reference.py), from the repository root:
#   python -c "import embedkit; from gensim.test.utils import datapath; from tests.reference import
#   gensim_3cosmul_sections as f; print(f(embedkit.load().to_gensim(), datapath('questions-words.txt'), 30000))"
GENSIM_3COSMUL_30K = [
    ("capital-common-countries", 364, 506),
    ("capital-world", 1718, 2715),
    ("currency", 32, 236),
    ("city-in-state", 241, 2203),
    ("family", 259, 342),
    ("gram1-adjective-to-adverb", 99, 870),
    ("gram2-opposite", 33, 380),
    ("gram3-comparative", 604, 1332),
    ("gram4-superlative", 172, 600),
    ("gram5-present-participle", 307, 930),
    ("gram6-nationality-adjective", 1326, 1445),
    ("gram7-past-tense", 494, 1560),
    ("gram8-plural", 571, 1056),
    ("gram9-plural-verbs", 214, 702),
]


def _counts(result):
    return [(s.name, s.correct, s.total) for s in result.sections]


@pytest.fixture(scope="module")
def add30k(glove):
    return evaluate_analogies(glove, "google", restrict=30000)


@pytest.fixture(scope="module")
def mul30k(glove):
    return evaluate_analogies(glove, "google", restrict=30000, method="3cosmul")


def test_3cosadd_counts_equal_gensim_full_google_set(add30k):
    """Check per-section counts, totals and skipped questions against gensim's on all 19,544 questions."""
    assert _counts(add30k) == GENSIM_3COSADD_30K
    assert add30k.skipped == 19544 - sum(t for _, _, t in GENSIM_3COSADD_30K) == 4667
    assert (add30k.total.correct, add30k.total.total) == (7393, 14877)
    assert (add30k.semantic.correct, add30k.semantic.total) == (3053, 6002)
    assert (add30k.syntactic.correct, add30k.syntactic.total) == (4340, 8875)
    assert round(add30k.accuracy, 3) == 0.497


def test_3cosmul_counts_equal_gensim_full_google_set(mul30k):
    """Check 3CosMul per-section counts against gensim's most_similar_cosmul loop on the full set."""
    assert _counts(mul30k) == GENSIM_3COSMUL_30K
    assert (mul30k.total.correct, mul30k.total.total) == (6434, 14877)


@pytest.mark.parametrize(("method", "kernel"), [("3cosadd", "product"), ("3cosadd", "rows"), ("3cosmul", "auto")])
def test_counts_equal_gensim_live_on_subset(glove_kv, glove, subset_file, method, kernel):
    """Check counts against gensim computed in the test, on 168 questions with restrict=20000."""
    r = evaluate_analogies(glove, subset_file, restrict=20000, method=method, kernel=kernel)
    ref = (gensim_3cosadd_sections if method == "3cosadd" else gensim_3cosmul_sections)(glove_kv, subset_file, 20000)
    assert _counts(r) == ref
    assert r.invalid_lines == 1
    assert sum(r.outcomes >= 0) == r.total.total


@pytest.fixture(scope="module")
def mixed_case(glove):
    """20,000 GloVe words plus capitalised variants of the subset's words, some of them more
    frequent (earlier) than the lower-case word, some less, with nearby vectors."""
    rng = np.random.default_rng(7)
    base = glove.most_frequent(20000)
    qs = read_analogies("google")
    words = sorted({w.lower() for s in qs.sections for q in s.questions[:12] for w in q} & set(base.keys))
    front, back = words[::2], words[1::2]
    keys = [w.title() if w.title() != w else w.upper() for w in front] + base.keys
    keys += [w.title() if w.title() != w else w.upper() for w in back]
    extra_f = base.vectors(front) + 0.2 * rng.standard_normal((len(front), base.dim)).astype(np.float32)
    extra_b = base.vectors(back) + 0.2 * rng.standard_normal((len(back), base.dim)).astype(np.float32)
    return embedkit.Vectors(keys, np.concatenate([extra_f, base.matrix, extra_b]))


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize(("method", "kernel"), [("3cosadd", "product"), ("3cosadd", "rows"), ("3cosmul", "auto")])
def test_case_folding_equals_gensim(mixed_case, subset_file, method, kernel, case_insensitive):
    """Check gensim's case rules (most frequent casing wins, folded question words ignored)."""
    kv = mixed_case.to_gensim()
    restrict = len(mixed_case) - 40
    r = evaluate_analogies(
        mixed_case, subset_file, restrict=restrict, method=method, case_insensitive=case_insensitive, kernel=kernel
    )
    ref = (gensim_3cosadd_sections if method == "3cosadd" else gensim_3cosmul_sections)(
        kv, subset_file, restrict, case_insensitive=case_insensitive
    )
    assert _counts(r) == ref
    assert r.total.total > (100 if case_insensitive else 0)


def test_predictions_and_outcomes(add30k):
    """Check the per-question record: 'Athens Greece Baghdad' answers 'iraq', outcomes sum to counts."""
    assert add30k.predicted[0] == "iraq"
    assert add30k.outcomes[0] == 1
    assert int((add30k.outcomes == 1).sum()) == add30k.total.correct
    assert int((add30k.outcomes == -1).sum()) == add30k.skipped


def test_plain_file_without_sections(glove, tmp_path):
    """Check a headerless comma file: one section named after the file, semantic total."""
    p = tmp_path / "mine.csv"
    p.write_text("man,king,woman,queen\nparis,france,rome,italy\ngood,better,bad,worse\nqwxz,a,b,c\n")
    r = evaluate_analogies(glove, p)
    assert _counts(r) == [("mine", 3, 3)]
    assert (r.semantic.correct, r.syntactic.total, r.skipped) == (3, 0, 1)
    assert r.predicted[:3] == ("queen", "italy", "worse")


def test_accuracy_intervals(add30k, glove, subset_file):
    """Check bootstrap intervals: seeded, reproducible, containing the estimate, binomial width."""
    for acc in (*add30k.sections, add30k.semantic, add30k.syntactic, add30k.total):
        assert acc.ci[0] <= acc.accuracy <= acc.ci[1]
    p, n = add30k.total.accuracy, add30k.total.total
    half = 1.96 * np.sqrt(p * (1 - p) / n)
    assert_allclose(add30k.total.ci, (p - half, p + half), atol=0.002)
    first = evaluate_analogies(glove, subset_file, restrict=30000, seed=5)
    again = evaluate_analogies(glove, subset_file, restrict=30000, seed=5)
    other = evaluate_analogies(glove, subset_file, restrict=30000, seed=6)
    assert [a.ci for a in again.sections] == [a.ci for a in first.sections]
    assert again.total.ci == first.total.ci
    assert other.total.ci != first.total.ci
    assert (other.total.correct, other.total.total) == (first.total.correct, first.total.total)


def test_to_dict_json(add30k):
    """Check that to_dict is JSON with the sections, the totals, skipped and settings."""
    d = json.loads(json.dumps(add30k.to_dict()))
    assert d["sections"][0] == {
        "name": "capital-common-countries",
        "correct": 403,
        "total": 506,
        "accuracy": 403 / 506,
        "ci": list(add30k.sections[0].ci),
    }
    assert d["total"]["correct"] == 7393 and d["skipped"] == 4667
    assert (d["method"], d["restrict"], d["case_insensitive"]) == ("3cosadd", 30000, True)


def test_compare_analogies(add30k, mul30k, glove, subset_file):
    """Check the paired comparison: 3CosAdd beats 3CosMul by 6.4 points, the interval excludes 0."""
    c = compare_analogies(add30k, mul30k)
    assert c.n == 14877
    assert_allclose(c.difference, (7393 - 6434) / 14877)
    assert c.ci[0] <= c.difference <= c.ci[1]
    assert c.ci[0] > 0
    same = compare_analogies(add30k, add30k)
    assert (same.difference, same.ci) == (0.0, (0.0, 0.0))
    big = evaluate_analogies(glove, subset_file, restrict=30000, n_boot=10)
    small = evaluate_analogies(glove, subset_file, restrict=3000, n_boot=10)
    c2 = compare_analogies(big, small)
    assert c2.n == small.total.total < big.total.total  # the questions answered by both
    with pytest.raises(ValueError, match="not on the same questions"):
        compare_analogies(add30k, big)


@pytest.mark.parametrize("name,file", [("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")])
@pytest.mark.parametrize("oov", ["skip", "zero"])
def test_similarity_equals_gensim(glove, glove_kv, name, file, oov):
    """Check Pearson, Spearman and the OOV ratio against gensim's evaluate_word_pairs to 1e-6."""
    r = evaluate_similarity(glove, name, oov=oov)
    pearson, spearman, ratio = glove_kv.evaluate_word_pairs(gensim_data(file), dummy4unknown=(oov == "zero"))
    assert_allclose(r.pearson, pearson[0], atol=1e-6)
    assert_allclose(r.spearman, spearman[0], atol=1e-6)
    assert_allclose(100 * r.oov_ratio, ratio)
    assert r.spearman_ci[0] <= r.spearman <= r.spearman_ci[1]
    assert r.pearson_ci[0] <= r.pearson <= r.pearson_ci[1]


def test_similarity_values_and_unknown_pairs(glove):
    """Check the measured numbers: WordSim353 Spearman 0.5033, SimLex999 leaves out one pair."""
    ws = evaluate_similarity(glove, "wordsim353")
    assert (ws.pairs, ws.oov_pairs) == (353, 0)
    assert_allclose([ws.pearson, ws.spearman], [0.506619, 0.503320], atol=1e-6)
    sl = evaluate_similarity(glove, "simlex999")
    assert (sl.pairs, sl.oov_pairs, sl.unknown) == (998, 1, (("disorganize", "organize"),))
    assert_allclose(sl.spearman, 0.263060, atol=1e-6)
    zero = evaluate_similarity(glove, "simlex999", oov="zero")
    assert zero.pairs == 999 and zero.model[np.isnan(sl.model)].size == 1


def test_similarity_intervals_seeded(glove):
    """Check that similarity intervals repeat with the same seed and change with another."""
    a = evaluate_similarity(glove, "wordsim353", seed=3)
    b = evaluate_similarity(glove, "wordsim353", seed=3)
    c = evaluate_similarity(glove, "wordsim353", seed=4)
    assert a.spearman_ci == b.spearman_ci and a.pearson_ci == b.pearson_ci
    assert a.spearman_ci != c.spearman_ci
    assert 0.15 < a.spearman_ci[1] - a.spearman_ci[0] < 0.22  # about 4 standard errors of r on 353 pairs


def test_similarity_case_and_restrict(glove, glove_kv, tmp_path):
    """Check restrict against gensim, then case folding and strip_pos on a small file written here."""
    r = evaluate_similarity(glove, "wordsim353", restrict=5000)
    pearson, spearman, ratio = glove_kv.evaluate_word_pairs(gensim_data("wordsim353.tsv"), restrict_vocab=5000)
    assert_allclose([r.pearson, r.spearman], [pearson[0], spearman[0]], atol=1e-6)
    assert_allclose(100 * r.oov_ratio, ratio)
    assert r.oov_pairs == 353 - r.pairs > 50
    p = tmp_path / "pairs.txt"
    p.write_text("Cat-n Dog-n 8\ncar-n Automobile-n 9\nsun-n Moon-n 5\nqwxzy-n cat-n 1\n")
    r = evaluate_similarity(glove, p, strip_pos=True)
    assert (r.pairs, r.oov_pairs) == (3, 1)
    cos = [
        float(glove.normalized[glove.index_of(a)] @ glove.normalized[glove.index_of(b)])
        for a, b in [("cat", "dog"), ("car", "automobile"), ("sun", "moon")]
    ]
    assert_allclose(r.model[:3], cos, rtol=1e-6)
    with pytest.raises(
        BenchmarkError,
        match=r"0 of the 4 pairs of .*pairs\.txt have both words in the vocabulary "
        r"\(the first 300,000 words\): at least two are needed to correlate",
    ):
        evaluate_similarity(glove, p, strip_pos=True, case_insensitive=False)


def test_compare_similarity(glove):
    """Check the paired comparison against scipy on the pairs both vector sets know."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    noisy = glove.with_matrix(glove.matrix + 0.5 * rng.standard_normal(glove.matrix.shape).astype(np.float32))
    a = evaluate_similarity(glove, "simlex999", n_boot=200)
    b = evaluate_similarity(noisy.most_frequent(50000), "simlex999", restrict=None, n_boot=200)
    c = compare_similarity(a, b, n_boot=500)
    both = ~np.isnan(a.model) & ~np.isnan(b.model)
    assert c.n == int(both.sum()) < 998
    assert_allclose(c.spearman_a, spearmanr(a.gold[both], a.model[both])[0], atol=1e-9)
    assert_allclose(c.spearman_b, spearmanr(b.gold[both], b.model[both])[0], atol=1e-9)
    assert_allclose(c.spearman_difference, c.spearman_a - c.spearman_b)
    assert c.spearman_ci[0] <= c.spearman_difference <= c.spearman_ci[1]
    same = compare_similarity(a, a)
    assert same.spearman_difference == 0.0 and same.spearman_ci == (0.0, 0.0)
    with pytest.raises(ValueError, match="not on the same pairs"):
        compare_similarity(a, evaluate_similarity(glove, "wordsim353", n_boot=10))


def test_bad_arguments(glove):
    """Check the error messages for a bad method, oov policy, batch size and bootstrap settings."""
    with pytest.raises(ValueError, match="method must be '3cosadd' or '3cosmul', got '3cos'"):
        evaluate_analogies(glove, method="3cos")
    with pytest.raises(ValueError, match="oov must be 'skip' or 'zero', got 'drop'"):
        evaluate_similarity(glove, oov="drop")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        evaluate_analogies(glove, batch_size=0)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        evaluate_similarity(glove, confidence=95)
