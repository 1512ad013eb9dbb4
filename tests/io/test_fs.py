"""The one atomic writer (embedkit._fs): permissions under a umask, clean-up on error, stale temporaries."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import embedkit
from embedkit._fs import (
    atomic_path,
    atomic_write,
    input_kind,
    new_file_mode,
    remove_stale_temporaries,
)
from embedkit.errors import FileAccessError, FileIsADirectoryError, FileWriteError, MissingFileError
from embedkit.search import ann


@pytest.fixture(params=[0o022, 0o002, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(p: Path) -> int:
    return p.stat().st_mode & 0o777


def test_atomic_writes_get_the_users_permissions(umask, tmp_path):
    """Check that files written atomically get 0o666 less the umask (mkstemp alone gives 0o600)."""
    want = 0o666 & ~umask
    assert new_file_mode() == want
    with atomic_write(tmp_path / "a.bin") as f:
        f.write(b"x")
    with atomic_write(tmp_path / "b.txt", "w", encoding="utf-8") as f:
        f.write("é")
    with atomic_path(tmp_path / "c.bin") as tmp:
        tmp.write_bytes(b"y")
    with atomic_write(tmp_path / "d.bin") as f:
        f.write(b"z")
    assert {p.name: _mode(p) for p in tmp_path.iterdir()} == dict.fromkeys(("a.bin", "b.txt", "c.bin", "d.bin"), want)
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "é"


def test_every_writer_uses_the_users_permissions(umask, glove, tmp_path, monkeypatch):
    """Check the mode of saved vectors (each format), the cache, an HNSW index, a checkpoint, a projection (npz, csv),
    a figure and the Projector's files under a umask."""
    want = 0o666 & ~umask
    glove_head = glove.most_frequent(500)
    monkeypatch.setenv("EMBEDKIT_CACHE", str(tmp_path / "cache"))
    outs = [
        embedkit.save(glove_head, tmp_path / f"v.{fmt}", format=fmt)
        for fmt in ("glove", "word2vec", "word2vec-binary", "embedkit")
    ]
    outs.append(embedkit.save(glove_head, tmp_path / "v.txt.gz", format="glove"))
    v = embedkit.load(outs[0])
    outs += list((tmp_path / "cache").glob("*.ekv"))
    embedkit.nearest_many(v, ["the"], k=3, index="hnsw")
    outs.append(ann.index_path(v))
    torch = pytest.importorskip("torch")
    from embedkit.nn.runtime.checkpoint import save_checkpoint

    outs.append(save_checkpoint(tmp_path / "ck.pt", model_state={"w": torch.ones(2)}, config={}, vocab={}))
    p = embedkit.project(glove_head, 50, trust_k=0)
    outs += [p.save(tmp_path / "p.npz"), p.save(tmp_path / "p.csv")]
    outs.append(embedkit.save_figure(embedkit.plot_projection(p, labels=0), tmp_path / "p.png", dpi=20))
    outs += list(embedkit.export_projector(glove_head, tmp_path / "projector", 20))
    assert len(outs) == 13
    assert {p.name: _mode(p) for p in outs} == {p.name: want for p in outs}


def test_failed_write_leaves_neither_temporary_nor_target(tmp_path):
    """Check that an exception inside the writer removes the temporary and keeps the old target."""
    target = tmp_path / "t.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_write(target) as f:
        f.write(b"new, half")
        raise RuntimeError("boom")
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"] and target.read_bytes() == b"old"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EFBIG, "File too large"),
        (errno.ENOSPC, "No space left on device"),
        (errno.EROFS, "Read-only file system"),
    ],
)
def test_failed_write_is_one_error_naming_the_target(tmp_path, code, reason):
    """Check that an OSError only a write gives, raised mid-write, is a FileWriteError naming the target; old file kept."""
    target = tmp_path / "t.txt"
    target.write_bytes(b"old")
    want = rf"^{re.escape(str(target))}: cannot be written: {reason.lower()}$"
    with pytest.raises(FileWriteError, match=want) as info, atomic_write(target, "w", encoding="utf-8") as f:
        f.write("new, half")
        raise OSError(code, reason)
    assert isinstance(info.value, OSError) and info.value.path == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"] and target.read_bytes() == b"old"


def test_other_errors_inside_the_writer_pass_unchanged(tmp_path):
    """Check that an error reading another file inside the writer keeps its own type and file name."""
    target = tmp_path / "t.txt"
    with pytest.raises(FileNotFoundError, match=r"other\.txt") as info, atomic_write(target) as f:
        f.write(b"new")
        open(tmp_path / "other.txt", "rb")  # noqa: SIM115
    assert type(info.value) is FileNotFoundError
    assert list(tmp_path.iterdir()) == []


def test_nested_writers_name_the_file_that_failed(tmp_path):
    """Check that a failure writing the inner of two nested writers names the inner file and keeps both old files."""
    outer, inner = tmp_path / "outer.txt", tmp_path / "inner.txt"
    outer.write_bytes(b"old outer")
    inner.write_bytes(b"old inner")
    with (
        pytest.raises(FileWriteError, match=r"inner\.txt: cannot be written: file too large$"),
        atomic_write(outer) as f,
    ):
        f.write(b"new outer")
        with atomic_write(inner) as g:
            g.write(b"new inner, half")
            raise OSError(errno.EFBIG, "File too large")
    assert sorted((p.name, p.read_bytes()) for p in tmp_path.iterdir()) == [
        ("inner.txt", b"old inner"),
        ("outer.txt", b"old outer"),
    ]


def test_stale_temporaries_of_dead_writers_are_removed_live_ones_kept(tmp_path):
    """Check that temporaries of a dead process or untouched for a day are removed, and a live writer's and other files kept."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        from embedkit._fs import _HOST

        names = {
            "dead": f".x.ekv.{_HOST}.{dead_pid}.0123abcd.tmp",
            "live": f".x.ekv.{_HOST}.{live.pid}.0123abcd.tmp",
            "old-other-host": ".x.ekv.elsewhere.12.0123abcd.tmp",
            "new-other-host": ".y.ekv.elsewhere.12.0123abcd.tmp",
            "not-ours": ".x.ekv.tmp",
            "data": "x.ekv",
        }
        for n in names.values():
            (tmp_path / n).write_bytes(b"0" * 10)
        day_ago = time.time() - 25 * 3600
        os.utime(tmp_path / names["old-other-host"], (day_ago, day_ago))
        removed = remove_stale_temporaries(tmp_path)
        assert sorted(p.name for p in removed) == sorted([names["dead"], names["old-other-host"]])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            names[k] for k in ("live", "new-other-host", "not-ours", "data")
        )
    finally:
        live.kill()
        live.wait()


def test_input_kind(tmp_path):
    """Check which inputs are files, which streams, and the one-line refusals."""
    p = tmp_path / "v.txt"
    p.write_text("a 1\n")
    assert input_kind(p) == "file" and input_kind("-") == "stream"
    r, w = os.pipe()
    try:
        assert input_kind(f"/dev/fd/{r}") == "stream"
    finally:
        os.close(r)
        os.close(w)
    with pytest.raises(MissingFileError, match=rf"^no such file: '{tmp_path}/nope'$"):
        input_kind(tmp_path / "nope")
    with pytest.raises(FileIsADirectoryError, match=rf"^{tmp_path}: is a directory, not a vector file$"):
        input_kind(tmp_path)
    with pytest.raises(FileAccessError, match=r"^/dev/null: a character device, not a regular file"):
        input_kind("/dev/null")
