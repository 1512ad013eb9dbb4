"""Intrinsic evaluation: analogy accuracy and word-similarity correlation, with bootstrap intervals.

:func:`evaluate_analogies` gives, section by section, the same counts as gensim's
``KeyedVectors.evaluate_word_analogies`` (same case folding, same skipped questions, same choice
of the answer among the top five), computed in batched, blocked matrix products instead of one
question at a time. :func:`evaluate_similarity` gives the Pearson and Spearman correlations of
gensim's ``evaluate_word_pairs``. Every accuracy and correlation comes with a seeded bootstrap
interval, and :func:`compare_analogies` / :func:`compare_similarity` compare two vector sets on
the same questions or pairs (the difference with its paired-bootstrap interval).

Modules: ``benchmark_files`` (reading analogy and similarity files), ``analogies`` (with ``cosadd``, its
two 3CosAdd kernels), ``similarity``, ``bootstrap`` (the resampling and intervals every score uses) and
``alignment`` (neighbour overlap and Procrustes alignment of two sets).
"""

from .alignment import align, neighbor_overlap
from .analogies import compare_analogies, evaluate_analogies
from .benchmark_files import benchmark_path, read_analogies, read_similarity
from .similarity import compare_similarity, evaluate_similarity

__all__ = [
    "align",
    "benchmark_path",
    "compare_analogies",
    "compare_similarity",
    "evaluate_analogies",
    "evaluate_similarity",
    "neighbor_overlap",
    "read_analogies",
    "read_similarity",
]
