"""WEFE's WEAT numbers for Caliskan et al.'s ten tests on GloVe 6B 50d, kept as a test fixture.

WEFE 1.0.1 pins numpy<=1.26.4, so it cannot share embedkit's environment. This script, run with
embedkit's Python, (1) writes the vectors of every word of the ten tests (found as spelt or lower-cased,
as embedkit's query finds them) to a word2vec text file, and the word sets as JSON, then (2) creates a
venv of its own (``/tmp/wefe-venv``, ``pip install wefe`` unless already there) and runs itself inside it
with ``--wefe``, where WEFE reads that file with gensim and runs ``WEAT().run_query`` on each test with
identical sets (``preprocessors=[{}, {"lowercase": True}]``, the same folding). WEAT reads only the
vectors of the query's words, so the subset gives WEFE's numbers on the whole vector set.

    python benchmarks/wefe_weat_reference.py                 # writes tests/bias/wefe_weat_glove6b50d.json
    python benchmarks/wefe_weat_reference.py --hard-debias   # writes tests/bias/wefe_hard_debias_glove6b50d.json
    python benchmarks/wefe_weat_reference.py --metrics       # writes tests/bias/wefe_metrics_glove6b50d.json
    python benchmarks/wefe_weat_reference.py --timing        # prints WEFE's WEAT time with p-values (weat6, weat1)
    python benchmarks/wefe_weat_reference.py --rnsb          # writes tests/bias/wefe_rnsb_glove6b50d.json
    python benchmarks/wefe_weat_reference.py --double-hard   # writes tests/bias/wefe_double_hard_glove6b50d.json

With ``--hard-debias`` (and ``--double-hard``) it writes the whole vector set (word2vec text) instead and runs WEFE's
``HardDebias`` with embedkit's built-in word lists over all 400,000 words, keeping the debiased
vectors of a few words, the bias direction, and WEFE's WEAT effect sizes after debiasing.

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
METRICS_FIXTURE = ROOT / "tests" / "bias" / "wefe_metrics_glove6b50d.json"
DEBIAS_FIXTURE = ROOT / "tests" / "bias" / "wefe_hard_debias_glove6b50d.json"
RNSB_FIXTURE = ROOT / "tests" / "bias" / "wefe_rnsb_glove6b50d.json"
DOUBLE_HARD_FIXTURE = ROOT / "tests" / "bias" / "wefe_double_hard_glove6b50d.json"
# Words whose hard-debiased vectors the debias fixture keeps: occupations, the two gender tests' words,
# and equality pairs (one, fella/granny, is not in the seed list of gender-specific words).
DEBIAS_WORDS = [
    "nurse",
    "programmer",
    "homemaker",
    "doctor",
    "engineer",
    "receptionist",
    "architect",
    "math",
    "poetry",
    "art",
    "science",
    "physics",
    "he",
    "she",
    "him",
    "her",
    "his",
    "hers",
    "man",
    "woman",
    "king",
    "queen",
    "boy",
    "girl",
    "brother",
    "sister",
    "son",
    "daughter",
    "fella",
    "granny",
    "mary",
    "john",
]
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
    if "--hard-debias" in sys.argv or "--double-hard" in sys.argv:
        from embedkit.bias import DEFINITIONAL_PAIRS, EQUALIZE_PAIRS, GENDER_SPECIFIC_FULL

        embedkit.save(v, WORK / "glove-6b-50d.w2v.txt", format="word2vec")
        lists = {
            "definitional": [[a.lower(), b.lower()] for a, b in DEFINITIONAL_PAIRS],
            "equalize": [list(p) for p in EQUALIZE_PAIRS],
            "specific": list(GENDER_SPECIFIC_FULL),
        }
        (WORK / "debias_lists.json").write_text(json.dumps(lists), encoding="utf-8")


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


def run_wefe_hard_debias() -> None:
    """WEFE's HardDebias over all 400,000 words with embedkit's built-in lists (definitional pairs
    lower-cased, as embedkit folds them), then WEAT (population sd) of the ten tests on the result."""
    import importlib.metadata
    import time

    from gensim.models import KeyedVectors
    from wefe.debias.hard_debias import HardDebias
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    lists = json.loads((WORK / "debias_lists.json").read_text(encoding="utf-8"))
    kv = KeyedVectors.load_word2vec_format(str(WORK / "glove-6b-50d.w2v.txt"), binary=False)
    model = WordEmbeddingModel(kv, "glove-6b-50d")
    t = time.perf_counter()
    hd = HardDebias().fit(model, definitional_pairs=lists["definitional"], equalize_pairs=lists["equalize"])
    debiased = hd.transform(model, ignore=lists["specific"], copy=True)
    seconds = time.perf_counter() - t
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    after = {}
    for name, s in sets.items():
        w, tn, an = s["sets"], s["targets"], s["attributes"]
        q = Query([w[tn[0]], w[tn[1]]], [w[an[0]], w[an[1]]], tn, an)
        r = WEAT().run_query(q, debiased, preprocessors=[{}, {"lowercase": True}], lost_vocabulary_threshold=0.2)
        after[name] = float(r["effect_size"])
    record = {
        "source": "WEFE HardDebias().fit(definitional, equalize).transform(ignore=specific) on glove-6b-50d",
        "command": "python benchmarks/wefe_weat_reference.py --hard-debias",
        "wefe": importlib.metadata.version("wefe"),
        "seconds_fit_transform": round(seconds, 2),
        "bias_direction": [float(x) for x in hd.bias_direction_],
        "vectors": {w: [float(x) for x in debiased[w]] for w in DEBIAS_WORDS},
        "weat_effect_size_after": after,
    }
    DEBIAS_FIXTURE.write_text(json.dumps(record) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in record.items() if k not in ("vectors", "bias_direction")}, indent=1))


def run_wefe_metrics() -> None:
    """WEFE's RND, ECT and RIPA (two target sets against each attribute set apart) and MAC (all four sets)
    on the ten tests, on the vectors as stored (``normalize=False``, WEFE's default). RIPA is left out where
    the target sets differ in size (weat1, which loses 'gladiola')."""
    import importlib.metadata

    from gensim.models import KeyedVectors
    from wefe.metrics import ECT, MAC, RIPA, RND
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    model = WordEmbeddingModel(KeyedVectors.load_word2vec_format(str(WORK / "vectors.txt"), binary=False), "glove")
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    kw = {"preprocessors": [{}, {"lowercase": True}], "lost_vocabulary_threshold": 0.2}
    out: dict = {}
    for name, t in sets.items():
        w, tn, an = t["sets"], t["targets"], t["attributes"]
        targets = [w[tn[0]], w[tn[1]]]
        res: dict = {"rnd": {}, "ect": {}, "ripa": {}}
        for a in an:
            q = Query(targets, [w[a]], tn, [a])
            res["rnd"][a] = float(RND().run_query(q, model, **kw)["result"])
            res["ect"][a] = float(ECT().run_query(q, model, **kw)["result"])
            if name != "weat1":
                res["ripa"][a] = float(RIPA().run_query(q, model, **kw)["result"])
        res["mac"] = float(MAC().run_query(Query(targets, [w[an[0]], w[an[1]]], tn, an), model, **kw)["result"])
        out[name] = res
    record = {
        "source": "WEFE RND, ECT, RIPA (each attribute set apart) and MAC on glove-6b-50d, sets from embedkit.bias.WEAT_TESTS",
        "command": "python benchmarks/wefe_weat_reference.py --metrics",
        "wefe": importlib.metadata.version("wefe"),
        "tests": out,
    }
    METRICS_FIXTURE.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))


def run_wefe_rnsb() -> None:
    """WEFE's RNSB on the ten tests, trained on every attribute word (``holdout=False``, so no random split;
    liblinear's logistic regression, ``random_state=0``), the vectors as stored: the KL divergence and each
    target word's probability of the second attribute set."""
    import importlib.metadata

    from gensim.models import KeyedVectors
    from wefe.metrics import RNSB
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    model = WordEmbeddingModel(KeyedVectors.load_word2vec_format(str(WORK / "vectors.txt"), binary=False), "glove")
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    out = {}
    for name, t in sets.items():
        w, tn, an = t["sets"], t["targets"], t["attributes"]
        q = Query([w[tn[0]], w[tn[1]]], [w[an[0]], w[an[1]]], tn, an)
        r = RNSB().run_query(
            q,
            model,
            holdout=False,
            random_state=0,
            preprocessors=[{}, {"lowercase": True}],
            lost_vocabulary_threshold=0.2,
        )
        out[name] = {
            "rnsb": float(r["result"]),
            "negative_probability": {k: float(v) for k, v in r["negative_sentiment_probabilities"].items()},
        }
    record = {
        "source": "WEFE RNSB().run_query(holdout=False, random_state=0) on glove-6b-50d, sets from embedkit.bias.WEAT_TESTS",
        "command": "python benchmarks/wefe_weat_reference.py --rnsb",
        "wefe": importlib.metadata.version("wefe"),
        "estimator": "sklearn LogisticRegression(solver='liblinear', max_iter=10000)",
        "tests": out,
    }
    RNSB_FIXTURE.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: {"rnsb": v["rnsb"]} for k, v in out.items()}, indent=1))


def run_wefe_double_hard() -> None:
    """WEFE's DoubleHardDebias over all 400,000 words (its defaults: 1,000 words a side, 4 candidate
    components, IncrementalPCA of 10 components), definitional pairs lower-cased, the full gender-specific
    list ignored. Its k-means is unseeded: the candidate scores are recomputed twice more to show whether
    they move. Kept: the target words, the scores, the chosen component, the bias direction, the mean and
    the candidate components (WEFE's IncrementalPCA, an approximation of the principal directions), a few
    debiased target words, the time and WEFE's WEAT effect sizes after."""
    import importlib.metadata
    import time

    import numpy as np
    from gensim.models import KeyedVectors
    from wefe.debias.double_hard_debias import DoubleHardDebias
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    lists = json.loads((WORK / "debias_lists.json").read_text(encoding="utf-8"))
    kv = KeyedVectors.load_word2vec_format(str(WORK / "glove-6b-50d.w2v.txt"), binary=False)
    model = WordEmbeddingModel(kv, "glove-6b-50d")
    scores: list = []
    original = DoubleHardDebias._kmeans_eval

    def recording(self, *a, **k):
        s = original(self, *a, **k)
        scores.append(float(s))
        return s

    DoubleHardDebias._kmeans_eval = recording
    t = time.perf_counter()
    dhd = DoubleHardDebias().fit(model, definitional_pairs=lists["definitional"], bias_representation=["he", "she"])
    debiased = dhd.transform(model, ignore=lists["specific"], copy=True)
    seconds = time.perf_counter() - t
    first = list(scores)
    reruns = []
    for _ in range(2):
        scores.clear()
        dhd._get_optimal_dimension(model, dhd.n_words, dhd.n_components)
        reruns.append(list(scores))
    chosen = int(np.argmin(first))
    targets = list(dhd.target_words)
    keep = targets[:5] + targets[-5:] + [w for w in ("nurse", "programmer", "homemaker", "doctor") if w in targets]
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    after = {}
    for name, s in sets.items():
        w, tn, an = s["sets"], s["targets"], s["attributes"]
        q = Query([w[tn[0]], w[tn[1]]], [w[an[0]], w[an[1]]], tn, an)
        r = WEAT().run_query(q, debiased, preprocessors=[{}, {"lowercase": True}], lost_vocabulary_threshold=0.2)
        after[name] = float(r["effect_size"])
    record = {
        "source": "WEFE DoubleHardDebias().fit(definitional, bias_representation=[he, she]).transform(ignore=specific) on glove-6b-50d",
        "command": "python benchmarks/wefe_weat_reference.py --double-hard",
        "wefe": importlib.metadata.version("wefe"),
        "seconds_fit_transform": round(seconds, 2),
        "scores": first,
        "scores_reruns": reruns,
        "chosen": chosen,
        "female": targets[: dhd.n_words],
        "male": targets[dhd.n_words :],
        "bias_direction": [float(x) for x in dhd.bias_direction],
        "mean": [float(x) for x in dhd.embeddings_mean],
        "components": [[float(x) for x in row] for row in dhd.pca[: dhd.n_components]],
        "vectors": {w: [float(x) for x in debiased[w]] for w in keep},
        "weat_effect_size_after": after,
    }
    DOUBLE_HARD_FIXTURE.write_text(json.dumps(record) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {k: v for k, v in record.items() if k not in ("vectors", "bias_direction", "female", "male")}, indent=1
        )
    )


def run_wefe_timing() -> None:
    """WEFE's WEAT with its p-value (1,000 iterations, its default test type) on weat6 (8+8 targets) and
    weat1 (25+25): the time per test, for the comparison in docs/bias.md (not a fixture)."""
    import importlib.metadata
    import time

    from gensim.models import KeyedVectors
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    model = WordEmbeddingModel(KeyedVectors.load_word2vec_format(str(WORK / "vectors.txt"), binary=False), "glove")
    sets = json.loads((WORK / "sets.json").read_text(encoding="utf-8"))
    out = {}
    for name in ("weat6", "weat1"):
        w, tn, an = sets[name]["sets"], sets[name]["targets"], sets[name]["attributes"]
        q = Query([w[tn[0]], w[tn[1]]], [w[an[0]], w[an[1]]], tn, an)
        t = time.perf_counter()
        r = WEAT().run_query(
            q, model, calculate_p_value=True, p_value_iterations=1000, preprocessors=[{}, {"lowercase": True}]
        )
        out[name] = {"seconds": round(time.perf_counter() - t, 2), "p_value": float(r["p_value"])}
    print(json.dumps({"wefe": importlib.metadata.version("wefe"), "p_value_iterations": 1000, "tests": out}))


def main() -> int:
    if "--wefe" in sys.argv:
        if "--timing" in sys.argv:
            run_wefe_timing()
        elif "--metrics" in sys.argv:
            run_wefe_metrics()
        elif "--hard-debias" in sys.argv:
            run_wefe_hard_debias()
        elif "--rnsb" in sys.argv:
            run_wefe_rnsb()
        elif "--double-hard" in sys.argv:
            run_wefe_double_hard()
        else:
            run_wefe()
        return 0
    export()
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if subprocess.run([str(py), "-c", "import wefe"], check=False, capture_output=True).returncode:
        subprocess.run([str(py), "-m", "pip", "install", "-q", "wefe"], check=True)
    extra = [a for a in ("--hard-debias", "--metrics", "--timing", "--rnsb", "--double-hard") if a in sys.argv]
    return subprocess.run([str(py), __file__, "--wefe", *extra], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
