"""Reading and writing vector files: every format, format detection, the cache, named sets.

Formats (the ``format`` argument of :func:`load` and :func:`save`; see :mod:`embedkit.io.formats`):
``glove``, ``word2vec`` (also ``fasttext``), ``word2vec-binary``, ``fasttext-bin``, ``gensim``
(pickles: reading one needs ``allow_pickle=True``) and ``embedkit`` (``.ekv``, also the cache
format; reading it never unpickles anything). Any text or binary file may be compressed with gzip,
bzip2 or xz; compression is recognised from the content. The format is recognised from the
content too (``format="auto"``).

Text and word2vec binary files are parsed in chunks of :data:`embedkit.io.source.CHUNK` bytes and
their rows written straight into the cache file as they come, so converting a file larger than
memory needs memory for one chunk and the word list only; the cache appears under its name (an
atomic rename) only once complete.

Reliability rules (``load`` documents each):

* Inputs: a regular file, or ``-`` / ``/dev/stdin`` / ``/dev/fd/N``, which may be pipes and are
  then read exactly once (the sniffed heads are replayed), into memory, never cached. A named
  pipe, device or folder is refused after an ``os.stat``, before any ``open``.
* The cache key holds the file's path, size, mtime, ctime, device and inode.
* ``.ekv`` files record the SHA-256 of header and keys (always checked), the XXH3-64 checksum of the matrix
  (checked up to :data:`embedkit.io.ekv.VERIFY_MAX_BYTES` or with ``verify=True``) and that
  every value is finite.
* NaN and infinity are refused by every reader and by :func:`save`.
* Every file is written through :mod:`embedkit._fs` (atomic, with the user's permissions).

Modules: ``source`` (opening, decompression, pipes, chunks), ``sinks`` (where parsed rows go),
one module per format (``text``, ``word2vec_binary``, ``ekv``, ``gensim_model``) behind the one
table in ``formats``, ``detect``, ``cache``, ``named`` (registered sets, the bundled GloVe) and
``api`` (:func:`load`, :func:`save`, :func:`resolve_vectors`).
"""

from .api import load, resolve_vectors, save
from .cache import cache_dir
from .detect import detect_format
from .formats import FORMATS, write_format_for
from .named import DEFAULT_VECTORS, default_data_dir, register, registered_names

__all__ = [
    "DEFAULT_VECTORS",
    "FORMATS",
    "cache_dir",
    "default_data_dir",
    "detect_format",
    "load",
    "register",
    "registered_names",
    "resolve_vectors",
    "save",
    "write_format_for",
]
