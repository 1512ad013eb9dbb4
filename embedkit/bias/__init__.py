"""Bias in embeddings: the Word Embedding Association Test (Caliskan et al. 2017), RND, RNSB, MAC, ECT and
RIPA, SEAT for sentence encoders (May et al. 2019), hard debiasing (Bolukbasi et al. 2016) and Double-Hard
Debias (Wang et al. 2020). numpy only (SEAT's encoder runs under embedkit.contextual).

>>> from embedkit.bias import Query, weat, WEAT_TESTS
>>> list(WEAT_TESTS)[:3]
['weat1', 'weat2', 'weat3']
"""

from .debias import BiasSubspace, bias_subspace, hard_debias
from .double_hard import FrequencyDirection, double_hard_debias, frequency_direction, two_means
from .gender_words import (
    BOLUKBASI_2016,
    DEFINITIONAL_PAIRS,
    EQUALIZE_PAIRS,
    GENDER_SPECIFIC_FULL,
    GENDER_SPECIFIC_SEED,
)
from .metrics import MetricResult, ect, mac, ripa, rnd
from .plots import DirectionProjection, plot_direction, plot_effect_sizes, project_on_direction
from .query import MAX_MISSING, Query, ResolvedQuery, read_word_pairs, read_word_set, read_word_sets
from .report import DEBIAS_METHODS, DebiasReport, Score, debias_report
from .rnsb import RnsbResult, logistic_regression, rnsb
from .seat import SEAT_TEMPLATES, seat, seat_query, seat_sentences
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
    "BOLUKBASI_2016",
    "CALISKAN_2017",
    "CALISKAN_EFFECT_SIZES",
    "DEBIAS_METHODS",
    "DEFINITIONAL_PAIRS",
    "EQUALIZE_PAIRS",
    "EXACT_LIMIT",
    "GENDER_SPECIFIC_FULL",
    "GENDER_SPECIFIC_SEED",
    "MAX_MISSING",
    "PERMUTATIONS",
    "SEAT_TEMPLATES",
    "WEAT_TESTS",
    "BiasSubspace",
    "DebiasReport",
    "DirectionProjection",
    "FrequencyDirection",
    "MetricResult",
    "Query",
    "ResolvedQuery",
    "RnsbResult",
    "Score",
    "WeatResult",
    "WeatTest",
    "association",
    "bias_subspace",
    "debias_report",
    "double_hard_debias",
    "ect",
    "effect_size",
    "frequency_direction",
    "hard_debias",
    "logistic_regression",
    "mac",
    "permutation_p_value",
    "plot_direction",
    "plot_effect_sizes",
    "project_on_direction",
    "read_word_pairs",
    "read_word_set",
    "read_word_sets",
    "ripa",
    "rnd",
    "rnsb",
    "seat",
    "seat_query",
    "seat_sentences",
    "two_means",
    "weat",
    "weat_from_scores",
    "weat_test",
]
