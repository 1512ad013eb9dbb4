"""Optional extras: without torch the torch-free commands work, and torch commands name the extra."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Runs in a fresh interpreter in which `import torch` (and umap) fails as if the package were absent.
_BLOCK = textwrap.dedent(
    """
    import importlib.abc, sys
    class _Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"torch", "umap"}:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, _Absent())
    """
)


def _run(body: str, tmp_path) -> subprocess.CompletedProcess:
    code = _BLOCK + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300
    )


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_without_torch_core_commands_work(tmp_path, data_dir):
    """Check that without torch neighbours, analogies, evaluation and a report run and never import torch."""
    small = tmp_path / "small.txt"
    body = f"""
    import json, sys
    import embedkit
    from embedkit.cli import main
    v = embedkit.load()
    embedkit.save(v.most_frequent(3000), {str(small)!r}, format="glove")
    codes = [
        main(["neighbors", "frog", "-k", "3", "--json"]),
        main(["analogy", "man", "king", "woman", "--json"]),
        main(["evaluate", "similarity", "wordsim353", "--json"]),
        main(["evaluate", "analogies", "--restrict", "3000", "--json"]),
        main(["report", "glove-6b-50d", {str(small)!r}, "--restrict", "3000", "--no-downstream",
              "-o", "r.html", "--json", "r.json", "--quiet"]),
    ]
    print(json.dumps({{"codes": codes, "torch": "torch" in sys.modules}}), file=sys.stderr)
    """
    proc = _run(body, tmp_path)
    status = json.loads(proc.stderr.strip().splitlines()[-1])
    assert status == {"codes": [0, 0, 0, 0, 0], "torch": False}, proc.stderr[-2000:]
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert lines[0]["results"]["frog"][0]["word"] == "snake" and lines[1]["results"][0]["word"] == "queen"
    assert (tmp_path / "r.html").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--model", "lm.pt", "--prompt", "to be"],
        ["train-embeddings", "CORPUS", "--algorithm", "lstm", "-o", "out.txt"],
        ["classify", "train", "--train", "TRAIN", "--model", "cnn", "-o", "m.pt"],
    ],
    ids=["generate", "train-embeddings", "classify-train"],
)
@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_without_torch_torch_commands_name_the_extra(tmp_path, data_dir, argv):
    """Check that a command needing torch, run without it, fails in one line naming `embedkit[nn]`."""
    corpus = data_dir / "corpus" / "tinyshakespeare.txt"
    train = data_dir / "sentiment" / "mr" / "mr.txt"  # cr.txt has 4 label-only lines: a warning line before the error
    argv = [str(corpus) if a == "CORPUS" else str(train) if a == "TRAIN" else a for a in argv]
    (tmp_path / "lm.pt").write_bytes(b"not a model")
    proc = _run(f"import sys; from embedkit.cli import main; sys.exit(main({argv!r}))", tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("embedkit: error: ")
    assert err[0].endswith('needs torch, which is not installed: pip install "embedkit[nn]"'), err[0]


def test_without_umap_project_names_the_extra(tmp_path):
    """Check that `embedkit project --method umap` without umap-learn fails in one line naming `embedkit[umap]`."""
    argv = ["project", "--method", "umap", "--top", "50", "-o", "x.png"]
    proc = _run(f"import sys; from embedkit.cli import main; sys.exit(main({argv!r}))", tmp_path)
    assert proc.returncode == 1, proc.stderr
    want = "embedkit: error: UMAP projections (method='umap') needs umap, which is not installed: "
    assert proc.stderr.splitlines() == [want + 'pip install "embedkit[umap]"']
    assert not (tmp_path / "x.png").exists()


def test_without_umap_project_raises_before_any_work(tmp_path):
    """Check that `project(method="umap")` without umap-learn raises MissingDependencyError and prints nothing."""
    body = """
    import embedkit
    from embedkit.errors import MissingDependencyError
    try:
        embedkit.project(embedkit.load(), 50, method="umap", progress=True)
    except MissingDependencyError as exc:
        print(exc)
    """
    proc = _run(body, tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == (
        "UMAP projections (method='umap') needs umap, which is not installed: pip install \"embedkit[umap]\"\n"
    )
