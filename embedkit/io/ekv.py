"""embedkit's own format (``.ekv``), also the cache format: a JSON header, the raw float32 (or
float16) matrix, memory-mapped when read, then the keys as a JSON array. Reading it never
unpickles anything.

Version 2 records the SHA-256 of header and keys (always checked), the XXH3-64 checksum of the matrix
(checked up to :data:`VERIFY_MAX_BYTES`, or with ``verify=True``) and that every value is finite.
Version 1 files (the keys before the matrix) are still read.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Self

import numpy as np
import xxhash

from .._fs import atomic_write, file_error
from ..errors import InvalidArgumentError, VectorFileError
from ..vectors import Vectors
from .sinks import DTYPES, Sink, feed
from .source import check_finite

__all__ = ["EKV_MAGIC", "VERIFY_MAX_BYTES", "EkvWriter", "read_ekv", "sniff", "write", "write_ekv"]

EKV_MAGIC = b"EMBEDKIT\x00\x01\n"


def sniff(head: bytes) -> bool:
    """The magic bytes that open every ``.ekv`` file."""
    return head.startswith(EKV_MAGIC)


class EkvWriter(Sink):
    """Writes rows straight into a temporary .ekv file beside ``target`` as they arrive, then the
    key list and the header, and renames it over ``target``: memory stays bounded by a block,
    and an interrupted write never leaves a file under ``target``'s name.

    Layout (version 2): magic, 8-byte header length, JSON header (space-padded, with the shape,
    dtype and the offsets of the rest), zero padding to a 64-byte boundary, the matrix
    (little-endian, row-major), then the key list as a JSON array. The header also records
    ``finite`` (every value was checked finite as it was written), ``matrix_xxh3`` (XXH3-64 of
    the matrix bytes; files written before it record ``matrix_crc32``, still checked) and ``digest`` (SHA-256 of the canonical header without it, then the key
    list); readers that predate them ignore them.
    """

    def __init__(self, target: Path, meta: dict, dtype: str = "float32", *, path: Path | str | None = None) -> None:
        super().__init__(path or target, dtype)
        self.target = Path(target)
        self.meta = meta
        self._hash = xxhash.xxh3_64()
        self._hlen = len(self._header(10**18, 10**18, 10**18, 10**18, checksum=2**64 - 1, digest="0" * 64))
        prefix = len(EKV_MAGIC) + 8 + self._hlen
        self._data_offset = prefix + (-prefix) % 64

    def _header(
        self, n: int, dim: int, keys_offset: int, keys_length: int, *, checksum: int, digest: str | None = None
    ) -> bytes:
        header = {
            "version": 2,
            "dtype": self.dtype.newbyteorder("<").str,
            "shape": [n, dim],
            "data_offset": getattr(self, "_data_offset", 10**18),
            "keys_offset": keys_offset,
            "keys_length": keys_length,
            "meta": self.meta,
            "finite": True,
            "matrix_xxh3": checksum,
        }
        if digest is not None:
            header["digest"] = digest
        return json.dumps(header).encode("utf-8")

    def __enter__(self) -> Self:
        self._writing = atomic_write(self.target)
        self.f = self._writing.__enter__()
        self.f.seek(self._data_offset)
        return self

    def _write(self, block: np.ndarray) -> None:
        data = np.ascontiguousarray(block, dtype=self.dtype.newbyteorder("<")).data
        self._hash.update(data)
        self.f.write(data)

    def _finish(self) -> None:
        self.warn_dups()
        keys_blob = json.dumps(self.keys, ensure_ascii=False).encode("utf-8")
        keys_offset = self.f.tell()
        self.f.write(keys_blob)
        n, dim = len(self.keys), int(self.dim or 0)
        plain = json.loads(self._header(n, dim, keys_offset, len(keys_blob), checksum=self._hash.intdigest()))
        digest = _ekv_digest(plain, keys_blob)
        header = self._header(n, dim, keys_offset, len(keys_blob), checksum=self._hash.intdigest(), digest=digest)
        self.f.seek(0)
        self.f.write(EKV_MAGIC + self._hlen.to_bytes(8, "little") + header.ljust(self._hlen))
        self.f.write(b"\x00" * (self._data_offset - len(EKV_MAGIC) - 8 - self._hlen))

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as e:
                self._writing.__exit__(type(e), e, e.__traceback__)
                raise
        return bool(self._writing.__exit__(exc_type, exc, tb))


def _ekv_digest(header: dict, keys_blob: bytes) -> str:
    plain = {k: v for k, v in header.items() if k != "digest"}
    canon = json.dumps(plain, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(canon + b"\x00" + keys_blob).hexdigest()


def write_ekv(
    path: Path,
    keys: list[str],
    matrix: np.ndarray,
    meta: dict | None = None,
    dtype: str = "float32",
    progress: Callable[[int], object] | None = None,
) -> None:
    with EkvWriter(path, meta or {}, dtype) as sink:
        sink.on_rows = progress
        feed(sink, keys, matrix)


# Matrices up to this size are checked against their XXH3-64 checksum on every load (the 400k x 50 GloVe
# matrix, 80 MB, is); larger ones only with verify=True, as a full pass defeats memory-mapping.
VERIFY_MAX_BYTES = 256 << 20


def read_ekv(
    path: Path, *, limit: int | None, mmap: bool = True, verify: bool | None = None
) -> tuple[list[str], np.ndarray, dict, Callable[[], None]]:
    """Read an .ekv file, checking its structure, the SHA-256 of its header and key list (always,
    where recorded), the checksum (XXH3-64) of its matrix (``verify=True``, or ``None`` and at most
    :data:`VERIFY_MAX_BYTES`), and that its values are finite (recorded at write time and then
    covered by the checksum; checked value by value for files that do not record it).

    The checksum runs in a thread while the keys are parsed and, by the
    caller, indexed: the caller must call the returned ``check()`` (which raises
    VectorFileError on a mismatch) before handing the result out.
    """
    try:
        size = path.stat().st_size
        f = open(path, "rb")  # noqa: SIM115 - the with below closes it; here only its errors are renamed
    except OSError as exc:
        raise file_error(path, exc) from None
    with f:
        magic = f.read(len(EKV_MAGIC))
        if magic != EKV_MAGIC:
            raise VectorFileError(path, "not an embedkit vector file (bad magic bytes)", offset=0)
        raw_len = f.read(8)
        hlen = int.from_bytes(raw_len, "little")
        if len(raw_len) < 8 or hlen > size:
            raise VectorFileError(path, "truncated header", offset=len(EKV_MAGIC))
        try:
            header = json.loads(f.read(hlen))
            version = header.get("version", 1)
            n, dim = (int(x) for x in header["shape"])
            dtype = np.dtype(str(header.get("dtype", "<f4")))
            klen = int(header["keys_length"])
            if dtype.str not in ("<f4", "<f2") or n < 0 or dim < 0 or klen < 0 or version not in (1, 2):
                raise ValueError(f"unsupported version {version}, dtype {dtype.str} or shape {[n, dim]}")
            if version == 1:
                keys_offset = len(EKV_MAGIC) + 8 + hlen
                prefix = keys_offset + klen
                offset = prefix + (-prefix) % 64
                need = offset + n * dim * dtype.itemsize
            else:
                offset, keys_offset = int(header["data_offset"]), int(header["keys_offset"])
                need = keys_offset + klen
                if offset < len(EKV_MAGIC) + 8 + hlen or keys_offset != offset + n * dim * dtype.itemsize:
                    raise ValueError("inconsistent offsets")
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise VectorFileError(path, f"corrupt header: {exc}", offset=len(EKV_MAGIC) + 8) from None
        if size != need:
            raise VectorFileError(path, f"truncated or padded: {size} bytes, expected {need}", offset=min(size, need))
        check = _start_matrix_check(path, header, offset, n * dim * dtype.itemsize, verify)
        f.seek(keys_offset)
        keys_blob = f.read(klen)
        if "digest" in header and _ekv_digest(header, keys_blob) != header["digest"]:
            raise VectorFileError(
                path,
                "the header or the key list was changed or damaged after it was written (SHA-256 mismatch)",
                offset=len(EKV_MAGIC) + 8,
            )
        try:
            keys = json.loads(keys_blob.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise VectorFileError(path, f"corrupt key list: {exc}", offset=keys_offset) from None
    if not isinstance(keys, list) or len(keys) != n or set(map(type, keys)) - {str}:
        raise VectorFileError(path, f"the key list does not hold {n} words", offset=keys_offset)
    if n * dim and header.get("finite") is not True:  # written before finiteness was recorded
        whole = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, dim))
        for s in range(0, n, 1 << 16):

            def where(r: int, s: int = s) -> dict:
                return {"offset": offset + (s + r) * dim * dtype.itemsize}

            check_finite(np.asarray(whole[s : s + (1 << 16)]), path, where)
    if limit is not None:
        n = min(n, limit)
        keys = keys[:n]
    if n == 0:
        matrix = np.zeros((0, dim), dtype.newbyteorder("="))
    elif mmap:
        matrix = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, dim))
    else:
        matrix = np.fromfile(path, dtype=dtype, count=n * dim, offset=offset).reshape(n, dim)
    return keys, matrix, header.get("meta", {}), check


def _start_matrix_check(path: Path, header: dict, offset: int, nbytes: int, verify: bool | None) -> Callable[[], None]:
    """Start checking the matrix bytes against the checksum the header records, in a thread; the
    returned ``check()`` waits for it and raises :class:`VectorFileError` on a mismatch.

    XXH3-64 (``matrix_xxh3``) was chosen over CRC-32 for speed: the check runs on every cached load,
    and XXH3 hashes several times faster (figures in docs/benchmarks.md). Files written earlier
    record ``matrix_crc32``, which is still checked.
    """
    digest: Callable[[memoryview], int] = xxhash.xxh3_64_intdigest
    want, name = header.get("matrix_xxh3"), "XXH3-64"
    if want is None:
        want, name, digest = header.get("matrix_crc32"), "CRC-32", zlib.crc32
    if not (nbytes and isinstance(want, int) and (verify or (verify is None and nbytes <= VERIFY_MAX_BYTES))):
        return lambda: None
    whole = np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=(nbytes,))
    got: list[int] = []
    worker = threading.Thread(target=lambda: got.append(digest(whole)), daemon=True)  # type: ignore[arg-type]  # a buffer
    worker.start()

    def check() -> None:
        worker.join()
        if got != [want]:
            raise VectorFileError(
                path, f"the matrix was changed or damaged after it was written ({name} mismatch)", offset=offset
            )

    return check


def write(
    vectors: Vectors, path: Path, *, format: str, dtype: str | None, progress: Callable[[int], object] | None = None
) -> None:
    """Write ``vectors`` as ``.ekv``, stored as ``dtype`` (default: the matrix's own, float16 or float32)."""
    if dtype is None:
        dtype = "float16" if vectors.matrix.dtype == np.float16 else "float32"
    elif dtype not in DTYPES:
        raise InvalidArgumentError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
    meta = {"format": "embedkit", "source": vectors.source}
    write_ekv(path, vectors.keys, vectors.matrix, meta, dtype, progress=progress)
