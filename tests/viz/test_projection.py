"""Projections: PCA against scikit-learn, t-SNE and UMAP determinism and quality, save/load, export."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from embedkit import Vectors
from embedkit.errors import UnknownWordError
from embedkit.viz.projection import Projection
from embedkit.viz.projector import export_projector
from embedkit.viz.reduce import numba_cache_dir, project, select_words, trustworthiness


def _clusters(seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(4, 20)) * 10
    X = np.vstack([c + rng.normal(size=(50, 20)) for c in centers])
    return Vectors([f"w{i}" for i in range(len(X))], X)


# --------------------------------------------------------------------------------------------
# PCA


def test_pca_matches_sklearn_on_unit_vectors(glove):
    """Check that cosine PCA equals scikit-learn's PCA of the unit-normalised vectors, signs included."""
    from sklearn.decomposition import PCA

    p = project(glove, 1000, method="pca")
    U = glove.normalized[:1000]
    sk = PCA(n_components=2).fit(U)
    assert p.coords.shape == (1000, 2)
    assert p.coords.dtype == np.float32
    assert_allclose(p.coords, sk.transform(U), atol=2e-5)
    assert_allclose(p.info["explained_variance_ratio"], sk.explained_variance_ratio_, rtol=1e-5)
    assert p.words[:3] == ("the", ",", ".")


def test_pca_euclidean_matches_sklearn_on_raw_vectors(glove):
    """Check that metric='euclidean' projects the raw vectors exactly as scikit-learn's PCA does, in 3-D."""
    from sklearn.decomposition import PCA

    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy", "frog", "toad"]
    p = project(glove, words, method="pca", metric="euclidean", dim=3)
    X = glove.vectors(words)
    assert p.words == tuple(words)
    assert_allclose(p.coords, PCA(n_components=3).fit_transform(X), atol=2e-5)


def test_pca_trustworthiness_high_on_separated_clusters():
    """Check that PCA of four well-separated 20-D clusters keeps neighbourhoods (trustworthiness 0.9326)."""
    p = project(_clusters(), method="pca")
    assert 0.9 < p.trustworthiness <= 1.0
    assert p.trustworthiness == pytest.approx(0.932577, abs=1e-6)
    assert p.params["trustworthiness"] == {"k": 10, "sample": 200}


def test_trustworthiness_equals_sklearn_and_samples_large_sets(glove):
    """Check that trustworthiness is sklearn's on small sets and sklearn's on the same random sample above `sample`."""
    from sklearn.manifold import trustworthiness as sk_trust

    X = glove.normalized[:600]
    Y = project(glove, 600, method="pca").coords
    assert trustworthiness(X, Y, k=7) == pytest.approx(sk_trust(X, Y, n_neighbors=7))
    rows = np.sort(np.random.default_rng(3).choice(600, size=200, replace=False))
    assert trustworthiness(X, Y, k=7, sample=200, seed=3) == pytest.approx(sk_trust(X[rows], Y[rows], n_neighbors=7))
    with pytest.raises(ValueError, match="at least 3 points, got 2"):
        trustworthiness(X[:2], Y[:2])


def test_select_words_forms(glove):
    """Check that words may be a list (order kept), a count of most frequent words or None, and nothing else."""
    assert select_words(glove, ["frog", "king"]).keys == ["frog", "king"]
    assert select_words(glove, 4).keys == ["the", ",", ".", "of"]
    assert select_words(glove, None) is glove
    with pytest.raises(TypeError, match="not a single string"):
        select_words(glove, "frog")
    with pytest.raises(ValueError, match="positive count"):
        select_words(glove, 0)
    with pytest.raises(UnknownWordError, match="qzxqzx"):
        project(glove, ["frog", "qzxqzx"])


def test_bad_arguments(glove):
    """Check that an unknown method or metric and too few words raise ValueError naming the problem."""
    with pytest.raises(ValueError, match="method must be one of"):
        project(glove, 10, method="mds")
    with pytest.raises(ValueError, match="metric must be one of"):
        project(glove, 10, metric="manhattan")
    with pytest.raises(ValueError, match="tsne needs at least 5 words, got 3"):
        project(glove, 3, method="tsne")


# --------------------------------------------------------------------------------------------
# t-SNE and UMAP (tiny)


def test_tsne_shape_seed_quality_and_progress(glove, capsys):
    """Check that t-SNE of 300 words is deterministic per seed, trustworthy (0.881) and shows progress when asked."""
    a = project(glove, 300, method="tsne", seed=0)
    assert capsys.readouterr().err == ""
    b = project(glove, 300, method="tsne", seed=0, progress=True)
    err = capsys.readouterr().err
    # tqdm redraws at most every 0.1 s, so on a busy machine the last frame shown may be before 750.
    assert "t-SNE: optimising" in err and re.search(r"\d+/750", err)
    c = project(glove, 300, method="tsne", seed=1)
    assert a.coords.shape == (300, 2)
    assert_array_equal(a.coords, b.coords)
    assert np.abs(a.coords - c.coords).max() > 1.0
    assert a.trustworthiness == pytest.approx(0.8808, abs=0.01)
    assert a.params["implementation"].startswith("openTSNE ")
    assert a.params["perplexity"] == 30.0 and a.params["negative_gradient_method"] == "bh"
    assert a.info["kl_divergence"] > 0


@pytest.mark.slow  # fault injection / subprocess / browser: seconds each
def test_tsne_never_imports_pynndescent():
    """Check that t-SNE builds openTSNE's default affinities itself, identical, without importing pynndescent (its numba compile)."""
    import tempfile

    import openTSNE

    code = (
        "import sys, numpy as np, openTSNE\n"
        "from embedkit.viz.reduce import tsne_affinities\n"
        "X = np.random.default_rng(0).normal(size=(1200, 8))\n"
        "a = tsne_affinities(X, 30.0, seed=0, n_jobs=1)\n"
        "assert 'pynndescent' not in sys.modules, 'pynndescent was imported'\n"
        "np.save(sys.argv[1], a.P.toarray())\n"
    )
    with tempfile.TemporaryDirectory() as d:
        out = f"{d}/p.npy"
        subprocess.run([sys.executable, "-c", code, out], check=True, timeout=120)
        X = np.random.default_rng(0).normal(size=(1200, 8))
        ref = openTSNE.affinity.MultiscaleMixture(X, [30.0], method="annoy", random_state=0)
        assert_array_equal(np.load(out), ref.P.toarray())


def test_tsne_lowers_perplexity_for_tiny_sets(glove):
    """Check that t-SNE of 16 words runs with perplexity (16 - 1) / 3 = 5."""
    p = project(glove, 16, method="tsne", trust_k=0)
    assert p.params["perplexity"] == 5.0
    assert p.trustworthiness is None


def test_umap_fits_and_caches_compiled_code(glove):
    """Check that UMAP of 300 words is trustworthy and leaves numba's compiled code in embedkit's cache."""
    p = project(glove, 300, method="umap", seed=0)
    assert p.coords.shape == (300, 2)
    assert p.trustworthiness > 0.85
    assert p.params["n_neighbors"] == 15 and p.params["n_epochs"] == 500
    # umap compiles its layout optimiser without cache=True; embedkit switches caching on for it.
    cached = {f.name.split("-")[0] for f in numba_cache_dir().rglob("*.nbi")}
    assert {"layouts._optimize_layout_euclidean_single_epoch", "umap_.smooth_knn_dist"} <= cached, cached


# --------------------------------------------------------------------------------------------
# save / load


@pytest.mark.parametrize("suffix", [".npz", ".csv"])
def test_save_load_round_trip(tmp_path, suffix):
    """Check that a projection with awkward words round-trips exactly through NPZ and CSV."""
    words = ("the", ",", '"quoted"', "#", "naïve", "a,b", "x\ty", "日本")
    rng = np.random.default_rng(1)
    p = Projection(
        words,
        rng.normal(size=(len(words), 2)) * 1e3,
        "tsne",
        {"perplexity": 2.0, "seed": 0},
        0.9123,
        {"kl_divergence": 1.5},
        {"fit": 0.25},
        "glove-6b-50d",
    )
    path = p.save(tmp_path / f"p{suffix}")
    q = Projection.load(path)
    assert q.words == words
    assert_array_equal(q.coords, p.coords)
    assert (q.method, q.params, q.trustworthiness, q.info, q.timings, q.source) == (
        "tsne",
        {"perplexity": 2.0, "seed": 0},
        0.9123,
        {"kl_divergence": 1.5},
        {"fit": 0.25},
        "glove-6b-50d",
    )


def test_csv_reads_with_pandas_and_wrong_files_fail(tmp_path, glove):
    """Check that the CSV is word,x,y under one header line, and that other files are refused."""
    import pandas as pd

    p = project(glove, ["king", "queen", "man", "woman"], method="pca")
    df = pd.read_csv(p.save(tmp_path / "p.csv"), skiprows=1, keep_default_na=False)
    assert list(df.columns) == ["word", "x", "y"]
    assert df["word"].tolist() == ["king", "queen", "man", "woman"]
    assert_allclose(df[["x", "y"]].to_numpy(), p.coords, rtol=1e-6)
    with pytest.raises(ValueError, match=r"as \.npz or \.csv"):
        p.save(tmp_path / "p.json")
    (tmp_path / "other.csv").write_text("word,x,y\nking,1,2\n")
    with pytest.raises(ValueError, match="not an embedkit projection"):
        Projection.load(tmp_path / "other.csv")


def test_projection_access_and_dict(glove):
    """Check coords_of, len, dim, repr and to_dict on a real projection."""
    p = project(glove, ["king", "queen", "frog"], method="pca", trust_k=0)
    assert len(p) == 3 and p.dim == 2
    assert_array_equal(p.coords_of(["frog", "king"]), p.coords[[2, 0]])
    with pytest.raises(KeyError, match="toad"):
        p.coords_of(["toad"])
    d = p.to_dict(coords=True)
    assert d["method"] == "pca" and d["count"] == 3 and d["words"] == ["king", "queen", "frog"]
    assert repr(p) == "<Projection pca 3 words x 2>"
    with pytest.raises(ValueError):
        p.coords[0, 0] = 1.0


# --------------------------------------------------------------------------------------------
# TensorFlow Embedding Projector


def test_export_projector(tmp_path, glove):
    """Check that vectors.tsv holds the exact float32 vectors and metadata.tsv the words (and groups)."""
    vec, meta = export_projector(glove, tmp_path / "tf", 100)
    M = np.loadtxt(vec, delimiter="\t", dtype=np.float64).astype(np.float32)
    assert M.shape == (100, 50)
    assert_array_equal(M, glove.matrix[:100])
    assert meta.read_text(encoding="utf-8").splitlines() == glove.keys[:100]
    _, meta2 = export_projector(
        glove, tmp_path / "tf2", ["frog", "toad", "paris"], groups={"animals": ["frog", "toad"]}
    )
    assert meta2.read_text().splitlines() == ["word\tgroup", "frog\tanimals", "toad\tanimals", "paris\t"]


def test_import_embedkit_stays_light():
    """Check that importing embedkit (and every embedkit.viz module) loads no matplotlib, umap, openTSNE or sklearn.manifold."""
    code = (
        "import sys, embedkit, embedkit.viz.projection, embedkit.viz.reduce, embedkit.viz.plots, embedkit.viz.labels\n"
        "import embedkit.viz.projector, embedkit.viz.confusion, embedkit.viz.groups\n"
        "bad = [m for m in ('matplotlib', 'umap', 'openTSNE', 'sklearn.manifold', 'numba') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_trustworthiness_equals_sklearn_without_importing_it():
    """Check that trustworthiness gives sklearn's value (float32 rounding) and never imports scikit-learn (2 s)."""
    code = (
        "import sys, numpy as np\n"
        "from embedkit.viz.reduce import trustworthiness\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(300, 50)).astype(np.float32)\n"
        "Y = X[:, :2] + 0.5 * rng.normal(size=(300, 2)).astype(np.float32)\n"
        "print(trustworthiness(X, Y, k=10), 'sklearn' in sys.modules)\n"
    )
    value, imported = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert imported == "False"
    from sklearn.manifold import trustworthiness as sk_trust

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 50)).astype(np.float32)
    Y = X[:, :2] + 0.5 * rng.normal(size=(300, 2)).astype(np.float32)
    assert float(value) == pytest.approx(sk_trust(X, Y, n_neighbors=10), abs=1e-6)


def test_umap_compiled_reads_numbas_cache(tmp_path, monkeypatch):
    """Check that umap_compiled is False for an empty numba cache and True once it holds UMAP's code."""
    from embedkit.viz.reduce import umap_compiled

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert umap_compiled() is False
    (tmp_path / "umap_0123").mkdir()
    (tmp_path / "umap_0123" / "utils.fast_knn_indices-14.py311.nbi").write_bytes(b"")
    assert umap_compiled() is True
