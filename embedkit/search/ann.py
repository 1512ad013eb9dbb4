"""Approximate nearest neighbours: an HNSW graph over the unit-normalised rows (faiss's ``IndexHNSWFlat``).

``nearest_many(vectors, queries, index="hnsw")`` uses it; this module builds the graph, saves it
beside the memory-mapped cache (so it is built once per vector file) and answers batches of
queries. The graph proposes candidates; their scores are then recomputed exactly, so every
returned score is the true cosine and results are sorted the same way as the exact path.

faiss-cpu was chosen by measurement against hnswlib, usearch, voyager and pynndescent
(``benchmarks/bench_ann.py``; the table and the reasons are in ``docs/ann.md``). It ships wheels,
so nothing compiles at install time.

The saved file is embedkit's own container around faiss's serialised index (never a pickle)::

    b"EKANN\\x00\\x01\\n"  u32 header length  header (JSON)  faiss payload  sha256 of all before it

Native code only ever sees a payload whose checksum, sizes and header (backend and version,
rows, dimensions, M, ef_construction, the source file's identity) match: a damaged, truncated,
empty or foreign file (another vector set's, or one written by the earlier hnswlib backend) is
rebuilt, with a ``RuntimeWarning``, instead of reaching the library that would crash on it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._fs import atomic_write
from ..errors import FileWriteError, MissingDependencyError
from ..progress import progress_bar
from ..vectors import Vectors
from .kernels import order_desc

__all__ = [
    "BACKEND",
    "HnswIndex",
    "ann_topk",
    "build_index",
    "check_index_file",
    "get_index",
    "index_header",
    "index_path",
]

BACKEND = "faiss"
M_DEFAULT = 16
EF_CONSTRUCTION_DEFAULT = 100
EF_SEARCH_DEFAULT = 50  # query-time breadth; recall@10 and queries/s at 50, 100 and 200: docs/ann.md
FORMAT = 1
MAGIC = b"EKANN\x00\x01\n"
_HEADER_MAX = 1 << 16
_DIGEST = 32  # sha256
_CHUNK = 1 << 24
_BLOCK = 1 << 16
_SERIAL = 4096


def _faiss():
    try:
        import faiss
    except ImportError:  # pragma: no cover - a core dependency
        raise MissingDependencyError("index='hnsw' needs the package faiss-cpu: pip install faiss-cpu") from None
    return faiss


def _backend_version() -> str:
    return str(_faiss().__version__)


@dataclass(frozen=True)
class HnswIndex:
    """An HNSW graph over the rows of one ``Vectors`` (cosine, i.e. inner product of unit rows).

    ``graph`` is a ``faiss.IndexHNSWFlat`` (inner product); search only reads it.
    """

    graph: Any  # a faiss index (faiss ships no type information)
    n: int
    dim: int
    M: int
    ef_construction: int
    path: Path | None = None

    def search(self, queries: np.ndarray, k: int, *, ef: int = EF_SEARCH_DEFAULT) -> np.ndarray:
        """The ``(n, k)`` candidate rows for unit-normalised ``queries`` (approximate, best first; ``-1`` pads)."""
        k = min(k, self.n)
        Q = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)  # (n, dim)
        labels = np.full((len(Q), k), -1, dtype=np.int64)
        if len(Q) == 0 or k == 0:
            return labels
        faiss = _faiss()
        # Per-call parameters, not the index's efSearch: concurrent searches stay independent.
        _, found = self.graph.search(Q, k, params=faiss.SearchParametersHNSW(efSearch=max(ef, k)))
        labels[:] = found  # faiss pads with -1 where it found fewer
        return labels


def _memmap_origin(matrix: np.ndarray) -> tuple[Path, int] | None:
    """The file a memory-mapped matrix comes from and the byte offset of its first row there."""
    base: object = matrix
    while isinstance(base, np.ndarray):
        filename = getattr(base, "filename", None)
        if isinstance(base, np.memmap) and filename:
            start = matrix.__array_interface__["data"][0] - base.__array_interface__["data"][0]
            return Path(filename), int(base.offset) + int(start)
        base = base.base
    return None


def _source(vectors: Vectors) -> tuple[Path, dict] | None:
    origin = _memmap_origin(vectors.matrix)
    if origin is None:
        return None
    file, offset = origin
    st = file.stat()
    return file, {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "offset": offset}


def index_path(vectors: Vectors, *, M: int = M_DEFAULT, ef_construction: int = EF_CONSTRUCTION_DEFAULT) -> Path | None:
    """Where the graph of memory-mapped ``vectors`` is saved (beside its file), else ``None``.

    The name holds the file's size and modification time and the rows covered, so a changed
    file or another slice of it never picks up a stale graph (and the header says so again).
    """
    src = _source(vectors)
    if src is None:
        return None
    file, s = src
    n, dim = vectors.shape
    stem = f"{file.name}.{s['size']}-{s['mtime_ns']}-{s['offset']}-{n}x{dim}.hnsw-M{M}-efc{ef_construction}"
    return file.with_name(f"{stem}.ekann")


def _legacy_path(path: Path) -> Path:
    """The name the hnswlib backend gave the same graph (removed once the new file is written)."""
    return path.with_suffix(".bin")


def build_index(
    vectors: Vectors,
    *,
    M: int = M_DEFAULT,
    ef_construction: int = EF_CONSTRUCTION_DEFAULT,
    threads: int = 0,
    progress: bool = False,
) -> HnswIndex:
    """Build the HNSW graph of ``vectors``, feeding unit-normalised rows block by block.

    ``progress`` counts the rows added on a bar on stderr once the build has run
    :data:`~embedkit.progress.PROGRESS_DELAY` seconds (400,000 rows take minutes on two cores).

    The graph holds its own float32 copy of the rows, so its memory is about
    ``len * (4 * dim + 8 * M)`` bytes plus a few per cent. ``threads=0`` leaves faiss's
    OpenMP default (every core).

    Examples
    --------
    >>> import numpy as np
    >>> v = Vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    >>> build_index(v).search(np.array([[1.0, 0.0]], dtype=np.float32), 2).tolist()
    [[0, 1]]
    """
    faiss = _faiss()
    n, dim = vectors.shape
    graph = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = ef_construction
    matrix, norms = vectors.matrix, vectors.norms
    # The first rows go in on one thread: threads racing to link into a nearly empty graph leave
    # some nodes badly connected (and the graph would differ from run to run); small sets are
    # then built the same way every time.
    starts = [0, *range(min(n, _SERIAL), n, _BLOCK)]
    bar = progress_bar(desc="building the HNSW graph", total=n, unit=" rows", unit_scale=True, enabled=progress)
    with bar:
        for s, e in zip(starts, [*starts[1:], n]):
            _add_block(faiss, graph, matrix, norms, s, e, 1 if s == 0 else threads)
            bar.update(e - s)
    return HnswIndex(graph, n, dim, M, ef_construction)


def _add_block(faiss, graph, matrix: np.ndarray, norms: np.ndarray, s: int, e: int, threads: int) -> None:
    """Add rows ``s:e``, unit-normalised, to ``graph`` on ``threads`` OpenMP threads (0: faiss's default)."""
    block = np.asarray(matrix[s:e], dtype=np.float32)
    nrm = norms[s:e, None]
    unit = np.divide(block, nrm, out=np.zeros_like(block), where=nrm > 0)
    with _omp_threads(faiss, threads):
        graph.add(unit)  # rows get ids 0, 1, ... in order


@contextmanager
def _omp_threads(faiss, threads: int):
    """faiss's OpenMP thread count for the block (0: leave it), restored afterwards."""
    before = faiss.omp_get_max_threads()
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def get_index(
    vectors: Vectors, *, M: int = M_DEFAULT, ef_construction: int = EF_CONSTRUCTION_DEFAULT, progress: bool = False
) -> HnswIndex:
    """The graph of ``vectors``: loaded from beside its memory-mapped file if that file checks out,
    else built (and saved there, atomically). In-memory vectors keep theirs on the object, built once.

    A file that fails the checks is rebuilt with a ``RuntimeWarning`` naming it and the reason.
    ``progress``: a bar while the graph is built (see :func:`build_index`).
    """
    cached = vectors.__dict__.setdefault("_hnsw", {})
    key = (M, ef_construction)
    if key in cached:
        return cached[key]
    path = index_path(vectors, M=M, ef_construction=ef_construction)
    index = None
    if path is not None and (path.exists() or path.is_symlink()):
        expected = index_header(vectors, M, ef_construction)
        try:
            index = _from_payload(check_index_file(path, expected), vectors, M, ef_construction, path)
        except (ValueError, OSError, RuntimeError) as exc:
            warnings.warn(f"embedkit: rebuilding the approximate index {path}: {exc}", RuntimeWarning, stacklevel=3)
    if index is None:
        index = build_index(vectors, M=M, ef_construction=ef_construction, progress=progress)
        if path is not None:
            index = _save(index, path, index_header(vectors, M, ef_construction))
    cached[key] = index
    return index


def index_header(vectors: Vectors, M: int = M_DEFAULT, ef_construction: int = EF_CONSTRUCTION_DEFAULT) -> dict:
    """What the header of the index file of ``vectors`` must say (all but ``payload_bytes``)."""
    src = _source(vectors)
    n, dim = vectors.shape
    return {
        "format": FORMAT,
        "backend": BACKEND,
        "backend_version": _backend_version(),
        "n": n,
        "dim": dim,
        "M": M,
        "ef_construction": ef_construction,
        "source": None if src is None else src[1],
        "fingerprint": _fingerprint(vectors),
    }


def _fingerprint(vectors: Vectors, samples: int = 64) -> str:
    """sha256 of up to ``samples`` evenly spaced rows: another vector set of the same shape (and,
    by chance, the same file size and time) still tells itself apart, for a few page reads."""
    n = len(vectors)
    rows = np.unique(np.linspace(0, n - 1, num=min(samples, n)).astype(np.int64)) if n else np.empty(0, np.int64)
    return hashlib.sha256(np.ascontiguousarray(vectors.matrix[rows]).tobytes()).hexdigest()


def check_index_file(path: Path, expected: dict) -> bytearray:
    """The faiss payload of the index file ``path``, once its magic, sizes, checksum and header
    (equal to ``expected`` but for ``payload_bytes``) check out; else ``ValueError`` saying why.

    The whole file is read into memory once and hashed; native code sees only these bytes.
    """
    size = path.stat().st_size
    if size < len(MAGIC) + 4 + _DIGEST:
        raise ValueError(f"{size} bytes is too short for an index file")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        head = f.read(len(MAGIC) + 4)
        if head[: len(MAGIC)] != MAGIC:
            raise ValueError("not an embedkit index file (no EKANN magic; an hnswlib graph from an older embedkit?)")
        hlen = int.from_bytes(head[len(MAGIC) :], "little")
        if hlen > _HEADER_MAX or len(MAGIC) + 4 + hlen + _DIGEST > size:
            raise ValueError(f"header length {hlen} does not fit the file's {size} bytes")
        raw = f.read(hlen)
        payload = bytearray(size - len(MAGIC) - 4 - hlen - _DIGEST)
        view = memoryview(payload)
        got = 0
        while got < len(payload):
            r = f.readinto(view[got : got + _CHUNK])
            if not r:
                raise ValueError("the file shrank while it was read")
            got += r
        digest = f.read(_DIGEST + 1)
    h.update(head)
    h.update(raw)
    h.update(payload)
    if len(digest) != _DIGEST or h.digest() != digest:
        raise ValueError("checksum mismatch (the file is damaged)")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the header is not JSON") from None
    if not isinstance(header, dict) or header.get("payload_bytes") != len(payload):
        raise ValueError("the header's payload size does not match the file")
    for name, want in expected.items():
        if header.get(name) != want:
            raise ValueError(f"built for {name}={header.get(name)!r}, these vectors need {want!r}")
    return payload


def _from_payload(payload: bytearray, vectors: Vectors, M: int, ef_construction: int, path: Path) -> HnswIndex:
    n, dim = vectors.shape
    # The payload is exactly what this faiss version wrote for these vectors (checksummed), so
    # faiss may read it; its own counts are checked once more all the same.
    faiss = _faiss()
    graph = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
    if not isinstance(graph, faiss.IndexHNSWFlat) or graph.ntotal != n or graph.d != dim:  # pragma: no cover
        raise ValueError(f"faiss's own header ({type(graph).__name__}, {graph.ntotal} x {graph.d}) disagrees")
    return HnswIndex(graph, n, dim, M, ef_construction, path)


def _save(index: HnswIndex, path: Path, header: dict) -> HnswIndex:
    """Write ``index`` to ``path`` atomically (:func:`embedkit._fs.atomic_write`: the user's permissions,
    fsync, rename), with the header and the checksum around faiss's payload. faiss streams the payload
    twice through a callback, once to count its bytes for the header and once into the file, so no
    scratch file (or second copy in memory) is needed."""
    faiss = _faiss()
    try:
        size = 0

        def count(chunk: bytes) -> int:
            nonlocal size
            size += len(chunk)
            return len(chunk)

        faiss.write_index(index.graph, faiss.PyCallbackIOWriter(count, _CHUNK))
        raw = json.dumps({**header, "payload_bytes": size}, sort_keys=True).encode("utf-8")
        h = hashlib.sha256()
        with atomic_write(path) as out:

            def write(chunk: bytes) -> int:
                h.update(chunk)
                return out.write(chunk)

            for chunk in (MAGIC, len(raw).to_bytes(4, "little"), raw):
                write(chunk)
            faiss.write_index(index.graph, faiss.PyCallbackIOWriter(write, _CHUNK))
            out.write(h.digest())
        _legacy_path(path).unlink(missing_ok=True)
    except (OSError, RuntimeError) as exc:
        reason = exc.problem if isinstance(exc, FileWriteError) else exc
        warnings.warn(f"embedkit: could not save the approximate index {path}: {reason}", RuntimeWarning, stacklevel=4)
        return index  # e.g. a read-only cache folder: keep the graph in memory only
    return HnswIndex(index.graph, index.n, index.dim, index.M, index.ef_construction, path)


def ann_topk(
    vectors: Vectors,
    queries: np.ndarray,
    k: int,
    exclude: np.ndarray | None = None,
    *,
    ef: int | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and exact cosine scores of the approximate top-``k`` for unit-normalised ``queries``.

    Same contract as :func:`embedkit.neighbors.cosine_topk`: ``exclude`` is ``(n, m)`` rows to
    skip (``-1`` pads); rows are ``-1`` and scores ``-inf`` where fewer than ``k`` are found.
    ``ef`` (default :data:`EF_SEARCH_DEFAULT`) trades speed for recall. ``progress``: a bar
    while the graph is built on first use.
    """
    nq = len(queries)
    rows_out = np.full((nq, k), -1, dtype=np.int64)
    scores_out = np.full((nq, k), -np.inf, dtype=np.float32)
    if k <= 0 or nq == 0 or len(vectors) == 0:
        return rows_out, scores_out
    index = get_index(vectors, M=M_DEFAULT, ef_construction=EF_CONSTRUCTION_DEFAULT, progress=progress)
    ef = EF_SEARCH_DEFAULT if ef is None else ef
    m = 0 if exclude is None else exclude.shape[1]
    kk = min(k + m, len(vectors))
    matrix, norms = vectors.matrix, vectors.norms
    for q0 in range(0, nq, 4096):
        Q = np.asarray(queries[q0 : q0 + 4096], dtype=np.float32)
        cand = index.search(Q, kk, ef=max(ef, kk))  # (b, kk), -1 where the graph found fewer
        rows = np.asarray(matrix[cand.ravel()], dtype=np.float32).reshape(*cand.shape, -1)  # (b, kk, dim)
        nrm = norms[cand]
        S = np.einsum("bd,bkd->bk", Q, rows)
        S = np.divide(S, nrm, out=np.zeros_like(S), where=nrm > 0)
        S[cand < 0] = -np.inf
        if m and exclude is not None:  # m > 0 only with exclude
            S[(cand[:, :, None] == exclude[q0 : q0 + 4096, None, :]).any(axis=2)] = -np.inf
        order = order_desc(S, cand)[:, :k]
        top_s = np.take_along_axis(S, order, axis=1)
        top_i = np.take_along_axis(cand, order, axis=1)
        top_i[~np.isfinite(top_s)] = -1
        w = top_s.shape[1]
        rows_out[q0 : q0 + 4096, :w] = top_i
        scores_out[q0 : q0 + 4096, :w] = top_s
    return rows_out, scores_out
