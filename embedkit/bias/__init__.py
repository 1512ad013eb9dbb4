"""Bias in embeddings: the Word Embedding Association Test (Caliskan et al. 2017). numpy only.

>>> from embedkit.bias import Query, weat, WEAT_TESTS
>>> list(WEAT_TESTS)[:3]
['weat1', 'weat2', 'weat3']
"""

from .query import MAX_MISSING, Query, ResolvedQuery, read_word_set, read_word_sets
from .weat import (
    EXACT_LIMIT,
    PERMUTATIONS,
    WeatResult,
    association,
    effect_size,
    permutation_p_value,
    weat,
    weat_from_scores,
)
from .wordsets import CALISKAN_2017, CALISKAN_EFFECT_SIZES, WEAT_TESTS, WeatTest, weat_test

__all__ = [
    "CALISKAN_2017",
    "CALISKAN_EFFECT_SIZES",
    "EXACT_LIMIT",
    "MAX_MISSING",
    "PERMUTATIONS",
    "WEAT_TESTS",
    "Query",
    "ResolvedQuery",
    "WeatResult",
    "WeatTest",
    "association",
    "effect_size",
    "permutation_p_value",
    "read_word_set",
    "read_word_sets",
    "weat",
    "weat_from_scores",
    "weat_test",
]
