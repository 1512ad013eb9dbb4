"""Files, once: atomic writes with the user's permissions, stale temporaries, and opening inputs.

Every file embedkit writes (saved vectors, caches, approximate indexes, reports, checkpoints) goes
through :func:`atomic_write` or :func:`atomic_path`: the data goes to a temporary file beside the
target, which is given the permissions a plain ``open(path, "w")`` would give (``0o666`` less the
umask), flushed to disk and renamed over the target. An interrupted write never leaves a partial
file under the target's name, and the temporary is removed on any error; a write that fails (a full
disk, the size limit ``ulimit -f`` sets, a read-only folder) is a :class:`~embedkit.errors.FileWriteError`
naming the target, whatever library was writing (:func:`write_error`). A process killed with
SIGKILL cannot remove its temporary; :func:`remove_stale_temporaries` (run before each write into
a folder) removes those whose writer is gone.

:func:`input_kind` decides, with ``os.stat`` and before anything is opened, whether a path is
read as a regular file or as a one-pass stream (standard input, ``/dev/fd/N``), and refuses
anything else (a named pipe nobody may ever write to, a device, a folder) with one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

from .errors import (
    FileAccessError,
    FileIsADirectoryError,
    FilePermissionError,
    FileWriteError,
    InvalidArgumentError,
    MissingFileError,
)

__all__ = [
    "STALE_AFTER_S",
    "atomic_path",
    "atomic_write",
    "file_error",
    "input_kind",
    "is_stdin_name",
    "new_file_mode",
    "remove_stale_temporaries",
    "require_file",
    "write_error",
]

STALE_AFTER_S = 24 * 3600  # a temporary untouched this long is abandoned, whoever wrote it
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
# .{target name}.{host}.{pid}.{random}.tmp
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.(?P<rand>[0-9a-f]{8})\.tmp$")


# --------------------------------------------------------------------------------------------
# permissions


def _umask() -> int:
    try:  # Linux >= 4.7: read without changing it (os.umask is process-wide, so racy in threads)
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def new_file_mode() -> int:
    """The permissions a newly created file gets: ``0o666`` less the current umask."""
    return 0o666 & ~_umask()


# --------------------------------------------------------------------------------------------
# temporaries


def _temp_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike[str], *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the temporaries of :func:`atomic_write` in ``folder`` whose writer is gone.

    A temporary is stale when it was written on this host by a process that no longer exists,
    or when it has not been modified for ``older_than_s`` seconds (a live writer keeps writing;
    this also covers temporaries left on a shared folder by another host). Temporaries of live
    writers, e.g. a concurrent cache build, are kept. Returns the paths removed.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if not m:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            dead = m["host"] == _HOST and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"]))
            if dead or now - st.st_mtime > older_than_s:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # removed meanwhile, or not ours to remove
            continue
    return removed


# errno values only a write gives: reading another file inside the ``with`` never raises these
_WRITE_ERRNOS = frozenset({errno.EFBIG, errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def write_error(path: object, exc: OSError) -> FileWriteError:
    """The :class:`FileWriteError` that names ``path``, the file being written, for ``exc``
    (``PATH: cannot be written: file too large``)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return FileWriteError(path, f"cannot be written: {reason[:1].lower()}{reason[1:]}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, clean_stale: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` for a library that writes by file name; on success it is
    given the user's permissions, flushed to disk and renamed over ``path``; on error it is removed.

    A failed write (creating the temporary, an ``OSError`` with an errno only writes give, such as
    ``EFBIG`` or ``ENOSPC``, raised inside the ``with``, or flushing and renaming) is raised as a
    :class:`~embedkit.errors.FileWriteError` naming ``path``; ``path`` is left as it was. Such an
    error raised inside the ``with`` is taken to be this file's, so write another file in the body
    of its own ``with`` (nested inside this one, to rename both only once both are complete).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> open(target).read()
    'hello'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if clean_stale:
        remove_stale_temporaries(target.parent)
    tmp = _temp_name(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise write_error(target, exc) from None
    os.close(fd)
    try:
        try:
            yield tmp
        except OSError as exc:
            if isinstance(exc, FileAccessError) or exc.errno not in _WRITE_ERRNOS:
                raise
            raise write_error(target, exc) from None
        try:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fchmod(fd, new_file_mode())
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as exc:
            raise write_error(target, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike,
    mode: Literal["wb", "w"] = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    clean_stale: bool = True,
) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing (``mode`` ``"wb"``, or ``"w"`` with ``encoding``
    and ``newline`` as for :func:`open`); on success it gets the user's
    permissions (``0o666`` less the umask), is flushed to disk and renamed over ``path``
    (atomic on POSIX); on error it is removed and ``path`` is left as it was (a failed write is a
    :class:`~embedkit.errors.FileWriteError` naming ``path``, as for :func:`atomic_path`).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.bin")
    >>> with atomic_write(target) as f:
    ...     _ = f.write(b"data")
    >>> open(target, "rb").read()
    b'data'
    """
    if mode not in ("wb", "w"):
        raise InvalidArgumentError(f"mode must be 'wb' or 'w', got {mode!r}")
    with atomic_path(path, clean_stale=clean_stale) as tmp:
        f = open(tmp, "w+b") if mode == "wb" else open(tmp, "w", encoding=encoding, newline=newline)  # noqa: SIM115
        try:
            yield f
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            # The temporary is removed: flushing what it still buffers must not hide the error itself.
            with contextlib.suppress(OSError):
                f.close()
            raise
        finally:
            f.close()


# --------------------------------------------------------------------------------------------
# inputs

_STDIN_NAMES = ("-", "/dev/stdin")
_FD_RE = re.compile(r"^/(dev/fd|proc/self/fd)/\d+$")


def is_stdin_name(name: str) -> bool:
    """Whether ``name`` explicitly names an already open input: ``-`` or ``/dev/stdin`` (standard
    input) or ``/dev/fd/N`` (what a shell's process substitution ``<(...)`` passes)."""
    return name in _STDIN_NAMES or bool(_FD_RE.match(name))


_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def file_error(path: object, exc: OSError) -> FileAccessError:
    """The :class:`FileAccessError` (a subclass matching ``exc``) that names ``path`` for ``exc``."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        return MissingFileError(path)
    if isinstance(exc, PermissionError):
        return FilePermissionError(path, "permission denied")
    if isinstance(exc, IsADirectoryError):
        return FileIsADirectoryError(path, "is a directory, not a vector file")
    if exc.errno == errno.ENXIO:
        return FileAccessError(path, "cannot be opened (no such device or address)")
    return FileAccessError(path, f"cannot be read: {reason.lower() if reason else type(exc).__name__}")


def require_file(
    path: str | os.PathLike, what: str = "file", *, hint: str | None = None, regular: bool = False
) -> Path:
    """``path`` as a ``Path``, once ``os.stat`` has found it and it is not a folder: the check every
    reader makes before it opens a file, so that a missing file is one error everywhere.

    Raises :class:`MissingFileError` (``no such WHAT: 'PATH'``, then ``(HINT)`` if given) for a path
    that does not exist, :class:`FileIsADirectoryError` (``PATH: is a directory, not a WHAT``) for a
    folder, and the matching :class:`FileAccessError` for a path that cannot be looked at. With
    ``regular=True`` (a reader that opens the file more than once) anything but a regular file is
    refused too; otherwise a pipe given as ``/dev/fd/N`` is left to the reader.

    Examples
    --------
    >>> require_file("/no/such/corpus.txt", "corpus file")
    Traceback (most recent call last):
    ...
    embedkit.errors.MissingFileError: no such corpus file: '/no/such/corpus.txt'
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):  # NotADirectoryError: a file stands in the path
        raise MissingFileError(path, what, hint=hint) from None
    except OSError as exc:
        raise file_error(path, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileIsADirectoryError(path, f"is a directory, not a {what}")
    if regular and not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise FileAccessError(path, f"{kind}, not a regular file (it is read more than once)")
    return p


def input_kind(path: str | os.PathLike) -> Literal["file", "stream"]:
    """How ``path`` is read: ``"file"`` (a regular file: seekable, with an identity to cache by)
    or ``"stream"`` (``-``, ``/dev/stdin`` or ``/dev/fd/N`` that is a pipe, a terminal or a
    socket: read exactly once). Raises :class:`FileAccessError` naming the file for anything else
    (missing, a folder, a named pipe or device given by its own name, unreadable); it is decided
    with ``os.stat`` before any ``open``, so a named pipe nobody writes to cannot hang.
    """
    name = os.fspath(path)
    if name == "-":
        return "stream"
    try:
        st = os.stat(name)
    except OSError as exc:
        raise file_error(name, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise file_error(name, IsADirectoryError(errno.EISDIR, "is a directory"))
    if stat.S_ISREG(st.st_mode):
        if not os.access(name, os.R_OK):
            raise file_error(name, PermissionError(errno.EACCES, "permission denied"))
        return "file"
    if is_stdin_name(name):
        return "stream"
    kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
    raise FileAccessError(
        name,
        f"{kind}, not a regular file: embedkit reads a pipe only as '-', /dev/stdin or /dev/fd/N "
        "(e.g. <(zcat file.gz)), so that it can never wait for a writer that does not come",
    )
