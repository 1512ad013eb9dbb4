"""Inputs that are not regular files (pipes, standard input, FIFOs) and file errors reported in one line."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from numpy.testing import assert_array_equal

import embedkit
from embedkit import EmbedkitError, VectorFileError
from embedkit.errors import FileAccessError, FilePermissionError

ROOT = Path(__file__).resolve().parent.parent.parent


# ---- inputs that are not regular files ---------------------------------------------------------


def _feed_pipe(data: bytes) -> tuple[int, threading.Thread]:
    """A real OS pipe, written by a thread; returns the read end and the thread."""
    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as f, contextlib.suppress(BrokenPipeError):
            f.write(data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return r, t


@pytest.mark.parametrize(
    "fmt, compress",
    [
        ("glove", None),
        ("word2vec", gzip.compress),
        ("word2vec-binary", None),
        ("glove", bz2.compress),
        ("glove", lzma.compress),
    ],
)
@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_pipe_is_read_exactly_once(fmt, compress, glove, tmp_path, cache):
    """Check that a pipe (also compressed) passed as /dev/fd/N gives the whole matrix, identical to the file, and caches nothing."""
    v = glove.most_frequent(10_000)
    p = embedkit.save(v, tmp_path / "v", format=fmt)
    data = p.read_bytes()
    r, t = _feed_pipe(compress(data) if compress else data)
    try:
        got = embedkit.load(f"/dev/fd/{r}")
    finally:
        os.close(r)
        t.join(10)
    assert got.keys == v.keys and got.format == fmt
    assert_array_equal(got.matrix, v.matrix)
    assert not got.is_memmap and not cache.exists()


def test_pipe_with_limit_and_errors_name_the_line(tmp_path, cache):
    """Check that a pipe's errors name the real line (never a misleading one from a re-read), and that limit reads the first rows."""
    body = b"".join(b"w%d %d %d\n" % (i, i, i + 1) for i in range(20_000)) + b"bad 1\n"
    r, t = _feed_pipe(body)
    with pytest.raises(
        VectorFileError, match=r"^/dev/fd/\d+, line 20001: expected a word and 2 values, found 1 values$"
    ):
        embedkit.load(f"/dev/fd/{r}")
    os.close(r)
    t.join(10)
    r, t = _feed_pipe(body)
    v = embedkit.load(f"/dev/fd/{r}", limit=3)
    os.close(r)
    t.join(10)
    assert v.keys == ["w0", "w1", "w2"] and v.matrix.tolist() == [[0, 1], [1, 2], [2, 3]]


def test_pipe_of_random_access_format_is_refused(glove_head, tmp_path):
    """Check that an .ekv file read from a pipe is refused with the reason, not half read."""
    data = embedkit.save(glove_head, tmp_path / "v.ekv").read_bytes()
    r, t = _feed_pipe(data)
    with pytest.raises(VectorFileError, match=r"a embedkit file cannot be read from a pipe or standard input"):
        embedkit.load(f"/dev/fd/{r}")
    os.close(r)
    t.join(10)


def _cli(*args, stdin=None, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, "-m", "embedkit.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_cli_convert_from_stdin_writes_the_whole_file(glove, tmp_path, cache):
    """Check that 'convert - OUT' and 'convert /dev/stdin OUT' fed gzip through a pipe write every vector."""
    v = glove.most_frequent(10_000)
    src = embedkit.save(v, tmp_path / "v.txt.gz", format="glove").read_bytes()
    for name in ("-", "/dev/stdin"):
        out = tmp_path / f"out{len(name)}.txt"
        res = _cli("convert", name, str(out), "--to", "glove", stdin=src)
        assert res.returncode == 0, res.stderr
        assert out.read_bytes() == gzip.decompress(src)


def test_named_fifo_is_refused_without_blocking(tmp_path):
    """Check that a named pipe nobody writes to is refused at once, naming it, instead of hanging in open()."""
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    res = _cli("info", "--vectors", str(fifo), timeout=60)
    assert res.returncode == 1 and res.stdout == b""
    assert res.stderr.decode() == (
        f"embedkit: error: {fifo}: a named pipe (FIFO), not a regular file: embedkit reads a pipe only as '-', "
        "/dev/stdin or /dev/fd/N (e.g. <(zcat file.gz)), so that it can never wait for a writer that does not come\n"
    )
    with pytest.raises(FileAccessError, match="a named pipe"):
        embedkit.detect_format(fifo)


# ---- errors as one line ------------------------------------------------------------------------


def test_unreadable_file_says_permission_denied(tmp_path, monkeypatch, cache):
    """Check that a vector file that may not be read is a PermissionError (and an EmbedkitError) naming the file."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    p.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make access() answer as for an ordinary user
        real = os.access
        monkeypatch.setattr(os, "access", lambda f, m, **kw: False if str(f) == str(p) else real(f, m, **kw))
    with pytest.raises(PermissionError, match=rf"^{p}: permission denied$") as info:
        embedkit.load(p)
    assert isinstance(info.value, EmbedkitError) and isinstance(info.value, FileAccessError)


def test_open_failing_after_stat_is_still_one_error(tmp_path, monkeypatch, cache):
    """Check that an OSError raised by open() inside a loader (e.g. NFS root squash) becomes a FileAccessError naming the file."""
    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    real_open = open

    def deny(f, *a, **kw):
        if str(f) == str(p):
            raise PermissionError(13, "Permission denied", str(f))
        return real_open(f, *a, **kw)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(FilePermissionError, match=rf"^{p}: permission denied$"):
        embedkit.load(p)


def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys):
    """Check the CLI's one-line errors for an empty --vectors, a folder, and an unreadable file."""
    from embedkit.cli import main

    p = tmp_path / "v.txt"
    p.write_text("a 1 2\n")
    real = os.access
    monkeypatch.setattr(os, "access", lambda f, m, **kw: False if str(f) == str(p) else real(f, m, **kw))
    for argv, err in [
        (
            ["info", "--vectors", ""],
            ("--vectors is empty: give a registered name (e.g. glove-6b-50d), a path, or - for standard input"),
        ),
        (
            ["convert", "", "x.txt", "--to", "glove"],
            ("SOURCE is empty: give a registered name (e.g. glove-6b-50d), a path, or - for standard input"),
        ),
        (["info", "--vectors", str(tmp_path)], f"{tmp_path}: is a directory, not a vector file"),
        (["info", "--vectors", str(p)], f"{p}: permission denied"),
    ]:
        assert main(argv) == 1
        out, errtext = capsys.readouterr()
        assert (out, errtext) == ("", f"embedkit: error: {err}\n")
    assert main(["info", "--json", "--vectors", str(p)]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": f"{p}: permission denied", "type": "FilePermissionError"}
    with pytest.raises(ValueError, match="the vector source is empty"):
        embedkit.load("")


def test_info_prints_the_format_and_the_source_apart(capsys, tmp_path, cache):
    """Check that 'info' on a registered name prints the storage format, not the name, and the name as the source."""
    from embedkit.cli import main

    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["source"], info["registered"], info["format"], info["count"]) == (
        "glove-6b-50d",
        True,
        "npy+parquet",
        400_000,
    )
    p = tmp_path / "v.txt"
    p.write_text("3 2\na 1 2\nb 3 4\nc 5 6\n")
    assert main(["info", "--vectors", str(p)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [f"source         {p}", "format         word2vec", "count          3"]
