"""Draw the example figures in docs/figures/ from the default vectors (GloVe 6B 50d).

    python docs/make_figures.py            # writes docs/figures/*.png (about a minute)
    python docs/make_figures.py --bias-only   # only bias_occupations.png and bias_weat.png

Every figure comes from the public API: ``project``, ``nearest`` and the ``plot_*`` functions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import embedkit
from embedkit import (
    plot_analogies,
    plot_neighbors,
    plot_projection,
    plot_similarity_matrix,
    plot_vectors_heatmap,
    project,
)

GROUPS = {
    "countries": [
        "france",
        "germany",
        "italy",
        "spain",
        "china",
        "japan",
        "india",
        "brazil",
        "canada",
        "mexico",
        "russia",
        "egypt",
        "kenya",
        "nigeria",
        "australia",
        "sweden",
        "norway",
        "poland",
        "greece",
        "turkey",
        "iran",
        "pakistan",
        "argentina",
        "chile",
        "peru",
        "vietnam",
        "thailand",
        "indonesia",
        "portugal",
        "ireland",
        "belgium",
    ],
    "numbers": [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
        "dozen",
    ],
    "job titles": [
        "teacher",
        "doctor",
        "nurse",
        "lawyer",
        "engineer",
        "farmer",
        "soldier",
        "pilot",
        "journalist",
        "scientist",
        "professor",
        "carpenter",
        "plumber",
        "accountant",
        "architect",
        "chef",
        "dentist",
        "pharmacist",
        "electrician",
        "banker",
    ],
}
GENDER = [
    ("man", "woman"),
    ("king", "queen"),
    ("uncle", "aunt"),
    ("brother", "sister"),
    ("nephew", "niece"),
    ("boy", "girl"),
    ("father", "mother"),
]
CAPITALS = [
    ("france", "paris"),
    ("italy", "rome"),
    ("germany", "berlin"),
    ("spain", "madrid"),
    ("japan", "tokyo"),
    ("russia", "moscow"),
    ("egypt", "cairo"),
]
HEATMAP = ["king", "queen", "man", "woman", "boy", "girl", "prince", "princess", "water", "computer", "france", "paris"]


OCCUPATIONS = [
    "homemaker",
    "receptionist",
    "nanny",
    "nurse",
    "hairdresser",
    "stylist",
    "dancer",
    "librarian",
    "teacher",
    "doctor",
    "surgeon",
    "plumber",
    "carpenter",
    "scientist",
    "programmer",
    "lawyer",
    "philosopher",
    "engineer",
    "secretary",
    "architect",
    "boss",
    "captain",
]


def bias_figures(v: embedkit.Vectors, save) -> None:
    """Occupations on the she-he direction, and the ten WEAT effect sizes before and after hard debiasing."""
    import warnings

    from embedkit.bias import WEAT_TESTS, hard_debias, plot_direction, plot_effect_sizes, project_on_direction, weat

    save(plot_direction(project_on_direction(v, OCCUPATIONS)), "bias_occupations.png")
    d = hard_debias(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weat1 drops 'gladiola'
        results = {"GloVe 6B 50d": [weat(v, t) for t in WEAT_TESTS], "hard-debiased": [weat(d, t) for t in WEAT_TESTS]}
    save(plot_effect_sizes(results, title="WEAT effect sizes, 95% bootstrap intervals"), "bias_weat.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "figures")
    ap.add_argument("--dpi", type=int, default=100)
    ap.add_argument("--keep-projection", action="store_true", help="also save the UMAP projection (NPZ)")
    ap.add_argument("--bias-only", action="store_true", help="only the two bias figures (seconds)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    v = embedkit.load()

    def save(fig, name: str) -> None:
        path = args.out / name
        fig.savefig(path, dpi=args.dpi)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")

    bias_figures(v, save)
    if args.bias_only:
        return

    # 1. the neighbours of "frog", in a PCA of the query and its neighbours
    nb = embedkit.nearest(v, "frog", k=15)
    save(plot_neighbors(nb, project(v, ["frog", *nb.words], method="pca")), "frog_neighbors.png")

    # 2. countries, numbers and job titles among the 2,000 most frequent words (t-SNE)
    extra = [w for ws in GROUPS.values() for w in ws if v.index_of(w) >= 2000]
    proj = project(v, v.keys[:2000] + extra, method="tsne", seed=0)
    save(plot_projection(proj, groups=GROUPS, labels=45), "groups_tsne.png")

    # 2b. the same groups among the 10,000 most frequent words (UMAP); --keep-projection saves it
    proj = project(v, v.keys[:10000] + [w for w in extra if v.index_of(w) >= 10000], method="umap", seed=0)
    if args.keep_projection:
        proj.save(args.out / "umap_10000.npz")
    save(plot_projection(proj, groups=GROUPS, labels=36), "groups_umap_10000.png")

    # 3. analogy arrows: each relation in a PCA of its own words, so parallel offsets show
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 6), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, pairs, rel in ((left, GENDER, "male \u2192 female"), (right, CAPITALS, "country \u2192 capital")):
        words = [w for ab in pairs for w in ab]
        plot_analogies(project(v, words, method="pca"), pairs, ax=ax, title=f"{rel}: PCA of {len(words)} words")
    save(fig, "analogies.png")

    # 4. the banded structure of the raw vectors
    save(plot_vectors_heatmap(v, HEATMAP), "heatmap.png")

    # 5. cosine similarities among the same words
    save(plot_similarity_matrix(v, HEATMAP), "similarity.png")


if __name__ == "__main__":
    main()
