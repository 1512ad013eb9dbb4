"""Search: exact blocked top-k kernels, the approximate HNSW index, nearest neighbours, analogies.

Modules: ``kernels`` (blocked top-k, unit-normalised rows, the size above which nothing copies the
matrix normalised), ``neighbors`` (:func:`nearest`, :func:`nearest_many`), ``analogy``
(:func:`analogy`, :func:`analogy_many`, 3CosAdd and 3CosMul) and ``ann`` (the HNSW graph behind
``nearest_many(..., index="hnsw")``). Like ``embedkit.analogy``, the name ``analogy`` here is the
function; take the module's other names with ``from embedkit.search.analogy import ...``.
"""

from .analogy import analogy, analogy_many
from .neighbors import Neighbor, Neighbors, nearest, nearest_many

__all__ = ["Neighbor", "Neighbors", "analogy", "analogy_many", "nearest", "nearest_many"]
