"""WEFE's WEAT numbers for Caliskan et al.'s ten tests on GloVe 6B 50d, kept as a test fixture.

WEFE 1.0.1 pins numpy<=1.26.4, so it cannot share embedkit's environment. This script, run with
embedkit's Python, (1) writes the vectors of every word of the ten tests (found as spelt or lower-cased,
as embedkit's query finds them) to a word2vec text file, and the word sets as JSON, then (2) creates a
venv of its own (``/tmp/wefe-venv``, ``pip install wefe`` unless already there) and runs itself inside it
with ``--wefe``, where WEFE reads that file with gensim and runs ``WEAT().run_query`` on each test with
identical sets (``preprocessors=[{}, {"lowercase": True}]``, the same folding). WEAT reads only the
vectors of the query's words, so the subset gives WEFE's numbers on the whole vector set.

    python benchmarks/wefe_weat_reference.py            # writes tests/bias/wefe_weat_glove6b50d.json

The fixture holds WEFE's statistic (``weat``) and effect size (population standard deviation) per test,
WEFE's version, and this command. p-values are not taken from WEFE (it samples with replacement, unseeded).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "bias" / "wefe_weat_glove6b50d.json"
VENV = Path("/tmp/wefe-venv")
WORK = Path("/tmp/embedkit-wefe")


def export() -> None:
    sys.path.insert(0, str(ROOT))
    import embedkit
    from embedkit.bias import WEAT_TESTS

    v = embedkit.load("glove-6b-50d")
    WORK.mkdir(parents=True, exist_ok=True)
    words: dict[str, int] = {}
    for t in WEAT_TESTS.values():
        for w in (*t.x, *t.y, *t.a, *t.b):
            for form in (w, w.lower()):
                if form in v.index:
                    words.setdefault(form, v.index[form])
                    break
    with open(WORK / "vectors.txt", "w", encoding="utf-8") as f:
        f.write(f"{len(words)} {v.dim}\n")
        for w, r in words.items():
            f.write(w + " " + " ".join(repr(float(x)) for x in v.matrix[r]) + "\n")
    sets = {name: t.to_dict() for name, t in WEAT_TESTS.items()}
    (WORK / "sets.json").write_text(json.dumps(sets), encoding="utf-8")


def run_wefe() -> None:
    import importlib.metadata

    import numpy as np
    from gensim.models import KeyedVectors
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    kv = KeyedVectors.load_word2vec_format(str(WORK / "vectors.txt"), binary=False)
    model = WordEmbeddingModel(kv, "glove-6b-50d")
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    out = {}
    for name, t in sets.items():
        s = t["sets"]
        tn, an = t["targets"], t["attributes"]
        q = Query([s[tn[0]], s[tn[1]]], [s[an[0]], s[an[1]]], tn, an)
        r = WEAT().run_query(q, model, preprocessors=[{}, {"lowercase": True}], lost_vocabulary_threshold=0.2)
        out[name] = {"statistic": float(r["weat"]), "effect_size": float(r["effect_size"])}
        assert np.isfinite(out[name]["effect_size"]), name
    record = {
        "source": "WEFE WEAT().run_query on glove-6b-50d (words of the ten tests), sets from embedkit.bias.WEAT_TESTS",
        "command": "python benchmarks/wefe_weat_reference.py",
        "wefe": importlib.metadata.version("wefe"),
        "numpy": np.__version__,
        "effect_size_std": "population (numpy.std, ddof=0)",
        "tests": out,
    }
    FIXTURE.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))


def main() -> int:
    if "--wefe" in sys.argv:
        run_wefe()
        return 0
    export()
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(py), "-c", "import wefe"], check=False, capture_output=True).returncode:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "wefe"], check=True)
    return subprocess.run([str(py), __file__, "--wefe"], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
