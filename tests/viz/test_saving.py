"""save_figure: the format from the suffix, written atomically (a failed write keeps the old file)."""

from __future__ import annotations

import errno
import re

import pytest

from embedkit import FileWriteError, InvalidArgumentError, save_figure
from embedkit.viz.attention import plot_training_curves

HISTORY = [{"epoch": 1, "loss": 2.0, "valid_loss": 2.1}, {"epoch": 2, "loss": 1.5, "valid_loss": 1.7}]


@pytest.mark.parametrize(
    ("name", "head"), [("f.png", b"\x89PNG\r\n"), ("f.PDF", b"%PDF-"), ("f.svg", b"<?xml"), ("f.jpg", b"\xff\xd8\xff")]
)
def test_format_follows_the_suffix(tmp_path, name, head):
    """Check that the file holds the format its suffix (in any case) names, and nothing else is left."""
    path = save_figure(plot_training_curves(HISTORY), tmp_path / name, dpi=50)
    assert path.read_bytes().startswith(head)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_dpi_sets_the_pixel_size(tmp_path):
    """Check that dpi scales a PNG: the 6 x 3.6 inch training-curves figure at 50 dpi is 300 x 180 pixels."""
    import matplotlib.image

    path = save_figure(plot_training_curves(HISTORY), tmp_path / "f.png", dpi=50)
    assert matplotlib.image.imread(path).shape[:2] == (180, 300)


def test_unknown_suffix_is_refused(tmp_path):
    """Check that a suffix matplotlib cannot write is refused in one line listing those it can, before any file."""
    with pytest.raises(
        InvalidArgumentError,
        match=r"^cannot save a figure as 'f\.txt': name it with one of the suffixes .*\.png, .*\.svg",
    ):
        save_figure(plot_training_curves(HISTORY), tmp_path / "f.txt")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """Check that a write failing half-way is a FileWriteError naming the file, with the old file intact, no temporary."""
    fig = plot_training_curves(HISTORY)
    target = tmp_path / "f.png"
    target.write_bytes(b"old")

    def half(f, **kw):
        f.write(b"\x89PNG half a picture")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fig, "savefig", half)
    with pytest.raises(
        FileWriteError, match=rf"^{re.escape(str(target))}: cannot be written: no space left on device$"
    ):
        save_figure(fig, target)
    assert [(p.name, p.read_bytes()) for p in tmp_path.iterdir()] == [("f.png", b"old")]
