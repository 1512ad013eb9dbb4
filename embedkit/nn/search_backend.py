"""Exact search on a torch device: the blocked top-k of :mod:`embedkit.search.kernels` in torch.

:mod:`embedkit.search.backends` finds this module by name (``make_backend``) when a search asks for
``device="cuda"`` (or ``"auto"`` on a machine with a GPU); ``search/`` never imports it, since it
sits below ``nn/``. :class:`TorchSearch` runs the numpy kernels' algorithm: the same score
functions (cosine against the unit rows, 3CosMul through each query block's distinct words with
the same float32 steps), the same query and candidate blocks as the caller's numpy path, the same
exclusions and ``restrict``, in float32, with ties broken by the lower row.

Ties: each score block becomes int64 keys, the float's order-preserving bits in the high half and
``2**32 - 1 - row`` in the low half, so a plain ``topk`` of the keys picks the best scores and,
among equal scores, the lower rows, without a stable sort or a host synchronisation per block.
The answers equal the numpy kernels' except where two scores lie within the last float32 bits
(the device's matrix products sum in another order).

Memory: the unit-normalised candidate rows are copied to the device once per call (or once for
many calls with :meth:`TorchSearch.hold`); when they need more than ``max_device_bytes`` they are
streamed in chunks of that size, each chunk scanned by every query block before the next is
copied (the running top-k of every query stays on the device). Score blocks add about
``query_block * candidate_block * 16`` bytes on top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from ..errors import DeviceError, InvalidArgumentError
from ..search.analogy import COSMUL_EPS
from ..search.kernels import unit_view
from ..vectors import Vectors

__all__ = ["TorchSearch", "cuda_available", "make_backend"]

_LOW = 1 << 32
_UPLOAD_ROWS = 1 << 16  # rows normalised on the host and copied per step (bounded host memory)
_CPU_MAX_BYTES = 1 << 32


def cuda_available() -> bool:
    """Whether torch sees a CUDA device."""
    return torch.cuda.is_available()


def make_backend(device: str) -> TorchSearch:
    """The backend :mod:`embedkit.search.backends` builds for a device name (``"auto"``: CUDA or
    :class:`~embedkit.errors.DeviceError`)."""
    return TorchSearch("cuda" if device == "auto" else device)


def _check_device(device: str | torch.device) -> torch.device:
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise InvalidArgumentError(f"not a torch device: {device!r}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {str(device)!r} needs a CUDA GPU, and torch sees none (use 'cpu' or 'auto')")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise DeviceError(f"device {str(device)!r} does not exist: torch sees {count} CUDA device(s)")
    elif dev.type != "cpu":
        raise InvalidArgumentError(f"the search backend runs on 'cuda' or 'cpu' torch devices, got {str(device)!r}")
    return dev


def _tensor(a: np.ndarray, dtype: type = np.float32) -> torch.Tensor:
    """A host tensor over ``a`` (copied only where ``a`` is read-only or not contiguous: torch
    warns about tensors over read-only memory, such as a memory map or a cached normalised copy)."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return torch.from_numpy(a if a.flags.writeable else a.copy())


def _encode(S: torch.Tensor, c0: int) -> torch.Tensor:
    """int64 keys of a score block whose columns are rows ``c0, c0 + 1, ...``: larger key =
    higher score, then lower row."""
    S.add_(0.0)  # -0.0 + 0.0 is +0.0: the two zeros tie, as in numpy
    bits = S.view(torch.int32)
    ordered = torch.where(bits >= 0, bits, bits ^ 0x7FFFFFFF)
    low = (_LOW - 1 - c0) - torch.arange(S.shape[1], device=S.device, dtype=torch.int64)
    return ordered.to(torch.int64) * _LOW + low


def _decode(keys: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    high = torch.div(keys, _LOW, rounding_mode="floor")
    rows = (_LOW - 1) - (keys - high * _LOW)
    bits = high.to(torch.int32)
    scores = torch.where(bits >= 0, bits, bits ^ 0x7FFFFFFF).view(torch.float32)
    s, r = scores.cpu().numpy().copy(), rows.cpu().numpy().copy()
    r[~np.isfinite(s)] = -1
    s[r < 0] = -np.inf
    return r, s


_EMPTY_KEY = int(_encode(torch.tensor([[-np.inf]], dtype=torch.float32), _LOW - 1)[0, 0])


class TorchSearch:
    """The exact search kernels on a torch device (a :class:`~embedkit.search.backends.SearchBackend`).

    Parameters
    ----------
    device:
        ``"cuda"``, ``"cuda:N"`` or ``"cpu"`` (torch's CPU device: the same code path, to test it
        without a GPU), or a :class:`torch.device`.
    max_device_bytes:
        The most the candidate matrix may take on the device; above it the matrix is streamed in
        chunks. Default: half the GPU's free memory (4 GiB on the CPU device).

    Pass it as ``device=`` to :func:`~embedkit.search.nearest_many` and the others; :meth:`hold`
    keeps a matrix on the device across calls.

    Examples
    --------
    >>> import embedkit
    >>> from embedkit.search import nearest_many
    >>> v = embedkit.load()
    >>> nearest_many(v, ["frog"], k=3, device=TorchSearch("cpu"))[0].words
    ['snake', 'ape', 'toad']
    """

    def __init__(self, device: str | torch.device = "cuda", *, max_device_bytes: int | None = None) -> None:
        self.device = _check_device(device)
        if max_device_bytes is None:
            if self.device.type == "cuda":
                max_device_bytes = torch.cuda.mem_get_info(self.device)[0] // 2
            else:
                max_device_bytes = _CPU_MAX_BYTES
        if max_device_bytes < 1:
            raise InvalidArgumentError(f"max_device_bytes must be positive, got {max_device_bytes}")
        self.max_device_bytes = int(max_device_bytes)
        self._held: tuple[Vectors, torch.Tensor] | None = None

    def __repr__(self) -> str:
        return f"TorchSearch({str(self.device)!r}, max_device_bytes={self.max_device_bytes})"

    # -- the candidate matrix on the device --------------------------------------------------------

    def _upload(self, vectors: Vectors, r0: int, r1: int) -> torch.Tensor:
        unit = unit_view(vectors)
        out = torch.empty((r1 - r0, vectors.dim), dtype=torch.float32, device=self.device)
        for s in range(r0, r1, _UPLOAD_ROWS):
            e = min(s + _UPLOAD_ROWS, r1)
            out[s - r0 : e - r0].copy_(_tensor(unit[s:e]))
        return out

    def hold(self, vectors: Vectors, rows: int | None = None) -> None:
        """Copy the first ``rows`` unit-normalised rows of ``vectors`` (all by default) to the device
        and keep them there for later searches of ``vectors`` (until :meth:`release`); ignores
        ``max_device_bytes``."""
        n = len(vectors) if rows is None else min(int(rows), len(vectors))
        self._held = None
        self._held = (vectors, self._upload(vectors, 0, n))
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def release(self) -> None:
        """Drop the matrix :meth:`hold` copied to the device."""
        self._held = None

    def chunks(self, vectors: Vectors, n_candidates: int) -> list[tuple[int, int]]:
        """The row ranges the candidates are scanned in: one, unless they must be streamed."""
        if self._held is not None and self._held[0] is vectors and len(self._held[1]) >= n_candidates:
            return [(0, n_candidates)]
        per = max(1, self.max_device_bytes // (4 * vectors.dim))
        return [(r0, min(r0 + per, n_candidates)) for r0 in range(0, n_candidates, per)]

    def _chunk_tensors(self, vectors: Vectors, n_candidates: int) -> Iterator[tuple[int, int, torch.Tensor]]:
        for r0, r1 in self.chunks(vectors, n_candidates):
            if self._held is not None and self._held[0] is vectors and len(self._held[1]) >= r1:
                yield r0, r1, self._held[1][r0:r1]
            else:
                yield r0, r1, self._upload(vectors, r0, r1)

    # -- the blocked top-k -------------------------------------------------------------------------

    def _topk(self, *args: Any) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_topk_blocks` in full float32: TF32 products (``torch.set_float32_matmul_precision
        ("high")`` elsewhere in the process) round to about 1e-3 and would change answers."""
        before = torch.get_float32_matmul_precision()
        torch.set_float32_matmul_precision("highest")
        try:
            return self._topk_blocks(*args)
        finally:
            torch.set_float32_matmul_precision(before)

    def _topk_blocks(
        self,
        vectors: Vectors,
        n_queries: int,
        n_candidates: int,
        k: int,
        exclude: np.ndarray | None,
        score: Callable[[int, int, torch.Tensor], torch.Tensor],
        query_block: int,
        candidate_block: int,
        progress: Callable[[float], object] | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        rows_out = np.full((n_queries, k), -1, dtype=np.int64)
        scores_out = np.full((n_queries, k), -np.inf, dtype=np.float32)
        if k <= 0 or n_candidates <= 0 or n_queries <= 0:
            return rows_out, scores_out
        ex = None if exclude is None else _tensor(exclude, np.int64).to(self.device)
        best = torch.full((n_queries, k), _EMPTY_KEY, dtype=torch.int64, device=self.device)
        n_chunks = len(self.chunks(vectors, n_candidates))
        for r0, r1, C in self._chunk_tensors(vectors, n_candidates):
            for q0 in range(0, n_queries, query_block):
                q1 = min(q0 + query_block, n_queries)
                keys = [best[q0:q1]]
                for c0 in range(r0, r1, candidate_block):
                    c1 = min(c0 + candidate_block, r1)
                    S = score(q0, q1, C[c0 - r0 : c1 - r0])  # (q1 - q0, c1 - c0)
                    if ex is not None and ex.shape[1]:
                        local = ex[q0:q1] - c0
                        inside = (local >= 0) & (local < c1 - c0)
                        # amin with +inf leaves a column alone: excluded rows outside the block are no-ops
                        src = torch.where(inside, -torch.inf, torch.inf).to(S.dtype)
                        S.scatter_reduce_(1, torch.where(inside, local, 0), src, reduce="amin")
                    block = _encode(S, c0)
                    keys.append(block.topk(min(k, c1 - c0), dim=1).values)
                merged = torch.cat(keys, dim=1)
                best[q0:q1] = merged.topk(k, dim=1).values
                if progress is not None:
                    progress((q1 - q0) / n_chunks)
        rows, scores = _decode(best)
        return rows, scores

    def cosine_topk(
        self,
        vectors: Vectors,
        queries: np.ndarray,
        k: int,
        exclude: np.ndarray | None,
        *,
        n_candidates: int,
        query_block: int,
        candidate_block: int,
        progress: Callable[[float], object] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` of unit ``queries`` ``(n, dim)`` against the unit rows ``0:n_candidates``."""
        Q = _tensor(queries).to(self.device)

        def score(q0: int, q1: int, C: torch.Tensor) -> torch.Tensor:
            return Q[q0:q1] @ C.T

        return self._topk(vectors, len(Q), n_candidates, k, exclude, score, query_block, candidate_block, progress)

    def cosmul_topk(
        self,
        vectors: Vectors,
        a: np.ndarray,
        b: np.ndarray,
        c: np.ndarray,
        k: int,
        exclude: np.ndarray | None,
        *,
        n_candidates: int,
        query_block: int,
        candidate_block: int,
        progress: Callable[[float], object] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` 3CosMul answers of the row triples ``(a, b, c)``: the numpy kernel's steps
        (each query block's distinct words multiplied once, ``s = (1 + cos) / 2``, ``s_b * s_c /
        (s_a + 1e-6)``) on the device."""
        n = len(a)
        words = np.concatenate([a, b, c]).astype(np.int64)
        unit = unit_view(vectors)
        plans: dict[int, tuple[torch.Tensor, torch.Tensor | None]] = {}
        eps = float(COSMUL_EPS)

        def plan(q0: int, q1: int) -> tuple[torch.Tensor, torch.Tensor | None]:
            if q0 not in plans:
                sl = np.r_[q0:q1, n + q0 : n + q1, 2 * n + q0 : 2 * n + q1]
                uniq, pos = np.unique(words[sl], return_inverse=True)
                if len(uniq) <= 2 * (q1 - q0):
                    rows = _tensor(unit[uniq]).to(self.device)
                    plans[q0] = (rows, _tensor(pos.reshape(3, -1), np.int64).to(self.device))
                else:
                    plans[q0] = (_tensor(unit[words[sl]]).to(self.device), None)
            return plans[q0]

        def score(q0: int, q1: int, C: torch.Tensor) -> torch.Tensor:
            m = q1 - q0
            rows, pos = plan(q0, q1)
            U = rows @ C.T  # (distinct words or 3m, c1 - c0)
            U += 1.0
            U *= 0.5
            if pos is None:
                out = U[m : 2 * m] * U[2 * m :]
                out /= U[:m] + eps
                return out
            out = U[pos[1]]
            out *= U[pos[2]]
            U += eps
            out /= U[pos[0]]
            return out

        return self._topk(vectors, n, n_candidates, k, exclude, score, query_block, candidate_block, progress)

    def pair_cosines(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Row-wise dot products of two ``(n, dim)`` arrays of unit rows, as float32."""
        L, R = _tensor(left).to(self.device), _tensor(right).to(self.device)
        return (L * R).sum(dim=1).cpu().numpy()
