"""Similarity rows of a comparison over very few pairs: resamples on which a correlation is undefined."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from embedkit.compare import compare, render_markdown
from embedkit.evaluation.bootstrap import confidence_interval, percentile_interval_95


@pytest.mark.parametrize("words", [180, 260])
def test_few_pairs_give_finite_intervals_without_warnings(glove, words):
    """Check that 3-6 common pairs give finite intervals within [-1, 1], identical sets a zero difference, and no numpy warning."""
    sets = [glove.most_frequent(words), glove.most_frequent(words)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'invalid value encountered in divide', 'All-NaN slice encountered'
        c = compare(sets, names=["a", "b"], benchmarks=("wordsim353", "simlex999"), downstream=(), progress=False)
        text = render_markdown(c)
    rows = [r for r in c.metrics if r.group == "similarity"]
    assert rows and all(3 <= r.items <= 6 for r in rows)
    for r in rows:
        for v in r.values:
            assert np.isfinite([v.low, v.high]).all() and -1 - 1e-9 <= v.low <= v.high <= 1 + 1e-9, (r.metric, v)
        d = r.differences[1]
        assert d is not None and (d.value, d.low, d.high) == (0.0, 0.0, 0.0) and not r.decisive
    assert re.search(r"\bnan\b", text, re.IGNORECASE) is None


def test_intervals_leave_undefined_resamples_out():
    """Check that NaN draws are left out of both percentile intervals, and that all-NaN draws give NaN without a warning."""
    draws = np.array([np.nan, *np.arange(201.0), np.nan])
    assert percentile_interval_95(draws) == percentile_interval_95(np.arange(201.0)) == (5.0, 195.0)
    assert confidence_interval(draws, 0.95) == confidence_interval(np.arange(201.0), 0.95)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(percentile_interval_95(np.full(4, np.nan))).all()
        assert np.isnan(confidence_interval(np.full(4, np.nan), 0.95)).all()
