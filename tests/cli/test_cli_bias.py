"""Tests for `embedkit bias weat`, `bias metrics` and `bias debias`: JSON contract, tables, word files, errors."""

from __future__ import annotations

import json

import pytest

from embedkit.cli import main


def test_weat_json(capsys):
    """Check the --json contract of one built-in test: exact p over 12,870 partitions."""
    assert main(["bias", "weat", "--test", "weat7", "--json", "--n-boot", "200"]) == 0
    d = json.loads(capsys.readouterr().out)
    (t,) = d["tests"]
    assert t["name"] == "weat7" and t["targets"] == ["math", "arts"]
    assert t["p_method"] == "exact" and t["p_count"] == 12870
    assert t["p_value"] * 12870 == pytest.approx(2)
    assert t["effect_size"] == pytest.approx(1.4951, abs=1e-4)
    lo, hi = t["effect_size_ci"]
    assert lo < t["effect_size"] < hi
    assert t["missing"] == {"math": [], "arts": [], "male_terms": [], "female_terms": []}


def test_weat_table_all_ten(capsys):
    """Check the text table of the ten tests, the Monte-Carlo lines and the missing-word warning."""
    assert main(["bias", "weat", "--permutations", "2000", "--n-boot", "0", "-q"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 11 and lines[0].split()[:2] == ["test", "effect"]
    assert lines[1].split()[:2] == ["weat1", "1.080"] and "(2,000 permutations)" in lines[1]
    assert "< 0.0005 (none of 2,000 permutations)" in lines[2]
    assert lines[7].split()[:2] == ["weat7", "1.495"] and lines[7].endswith("0.000155 exact over 12,870")
    assert err == "embedkit: warning: weat1: dropped words missing from the vectors (flowers: 'gladiola')\n"


def test_weat_word_files(tmp_path, capsys):
    """Check --targets/--attributes from two word files and from one TSV, and the two-sided option."""
    (tmp_path / "math.txt").write_text("math\nalgebra\ngeometry\ncalculus\nequations\ncomputation\nnumbers\naddition\n")
    (tmp_path / "arts.txt").write_text("poetry\nart\ndance\nliterature\nnovel\nsymphony\ndrama\nsculpture\n")
    attrs = tmp_path / "gender.tsv"
    attrs.write_text(
        "".join(f"male\t{w}\n" for w in ["male", "man", "boy", "brother", "he", "him", "his", "son"])
        + "".join(f"female\t{w}\n" for w in ["female", "woman", "girl", "sister", "she", "her", "hers", "daughter"])
    )
    argv = [
        "bias",
        "weat",
        "--targets",
        str(tmp_path / "math.txt"),
        str(tmp_path / "arts.txt"),
        "--attributes",
        str(attrs),
    ]
    assert main([*argv, "--json", "--n-boot", "0", "--two-sided"]) == 0
    (t,) = json.loads(capsys.readouterr().out)["tests"]
    assert t["name"] == "math/arts vs male/female" and t["attributes"] == ["male", "female"]
    assert t["two_sided"] and t["p_value"] * 12870 == pytest.approx(4)


def test_weat_errors(tmp_path, capsys):
    """Check the one-line errors: unknown test, missing file, one file with three sets, missing words."""
    assert main(["bias", "weat", "--test", "weat11"]) == 1
    assert capsys.readouterr().err.startswith("embedkit: error: unknown WEAT test 'weat11': choose one of weat1,")
    assert main(["bias", "weat", "--targets", str(tmp_path / "x.txt"), "y.txt", "--attributes", "a", "b"]) == 1
    assert capsys.readouterr().err == f"embedkit: error: no such word file: '{tmp_path / 'x.txt'}'\n"
    three = tmp_path / "three.tsv"
    three.write_text("a\tx\nb\ty\nc\tz\n")
    assert main(["bias", "weat", "--targets", str(three), "--attributes", str(three)]) == 1
    assert (
        capsys.readouterr().err
        == f"embedkit: error: --targets: {three} holds 3 sets (a, b, c); a single file needs exactly two\n"
    )
    x, y = tmp_path / "x.txt", tmp_path / "y.txt"
    x.write_text("rose\nqqzzx\n")
    y.write_text("ant\nwasp\n")
    (tmp_path / "a.txt").write_text("love\n")
    (tmp_path / "b.txt").write_text("war\n")
    argv = ["--attributes", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-q"]
    assert main(["bias", "weat", "--targets", str(x), str(y), *argv]) == 1
    err = capsys.readouterr().err
    assert err == "embedkit: error: x/y vs a/b: set 'x' would lose 1 of 2 words, more than 0.2: missing 'qqzzx'\n"
    assert main(["bias", "weat", "--targets", str(x)]) == 1
    assert capsys.readouterr().err == "embedkit: error: --targets and --attributes go together\n"


def test_debias_writes_vectors(tmp_path, capsys):
    """Check that `bias debias` writes vectors that `bias weat` reads, with the overshoot on weat7."""
    out = tmp_path / "hard.ekv"
    assert main(["bias", "debias", "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["count"] == 400000 and info["output"] == str(out)
    assert (
        main(["bias", "weat", "--vectors", str(out), "--test", "weat7", "--ddof", "0", "--n-boot", "0", "--json"]) == 0
    )
    (t,) = json.loads(capsys.readouterr().out)["tests"]
    assert t["effect_size"] == pytest.approx(-1.153, abs=1e-3)


@pytest.mark.slow  # debiases and writes 400,000 vectors
def test_debias_double_hard(tmp_path, capsys):
    """Check `bias debias --method double-hard`: the vectors written, and weat7 after it (population sd)."""
    out = tmp_path / "dhd.ekv"
    assert main(["bias", "debias", "--method", "double-hard", "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().out == f"wrote 400,000 double-hard-debiased vectors to {out}\n"
    argv = ["bias", "weat", "--vectors", str(out), "--test", "weat7", "--ddof", "0", "--n-boot", "0", "--json"]
    assert main(argv) == 0
    (t,) = json.loads(capsys.readouterr().out)["tests"]
    assert t["effect_size"] == pytest.approx(-1.1992, abs=1e-3)


def test_metrics_json_and_table(capsys):
    """Check `bias metrics`: WEFE's values on weat7, and RIPA refused (not fatal) where the target sets differ in size."""
    assert main(["bias", "metrics", "--test", "weat7", "weat1", "--json", "-q"]) == 0
    t7, t1 = json.loads(capsys.readouterr().out)["tests"]
    assert t7["rnd"]["male_terms"] == pytest.approx(0.78857, abs=1e-5)
    assert t7["ect"]["female_terms"] == pytest.approx(0.11905, abs=1e-5)
    assert t7["ripa"]["male_terms"] == pytest.approx(-0.76708, abs=1e-5)
    assert t7["mac"] == pytest.approx(0.75846, abs=1e-5)
    assert t7["rnsb"] == pytest.approx(0.186382, abs=1e-5)
    assert t1["ripa"] == {"error": "weat1: RIPA pairs X with Y word by word, but they hold 24 and 25 words"}
    assert main(["bias", "metrics", "--test", "weat7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["test", "attribute", "rnd", "ect", "ripa", "rnsb", "mac"]
    assert lines[1].split() == ["weat7", "male_terms", "0.7886", "0.5952", "-0.7671", "0.1864", "0.7585"]
    assert lines[2].split() == ["female_terms", "1.0656", "0.1190", "-1.0482"]


@pytest.mark.slow
def test_debias_word_files(tmp_path, capsys):
    """Check `bias debias --definitional/--equalize/--specific` from files, and a malformed pairs file."""
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("she he\nwoman\tman\n# comment\nher his\n")
    spec = tmp_path / "specific.txt"
    spec.write_text("she\nhe\nwoman\nman\nher\nhis\n")
    out = tmp_path / "d.txt"
    argv = ["bias", "debias", "--vectors", "glove-6b-50d", "-o", str(out), "--to", "glove", "-q"]
    assert main([*argv, "--definitional", str(pairs), "--equalize", str(pairs), "--specific", str(spec)]) == 0
    assert capsys.readouterr().out == f"wrote 400,000 hard-debiased vectors to {out}\n"
    bad = tmp_path / "bad.txt"
    bad.write_text("she he\nwoman\n")
    assert main(["bias", "debias", "-o", str(tmp_path / "e.ekv"), "--definitional", str(bad)]) == 1
    assert capsys.readouterr().err == f"embedkit: error: {bad}, line 2: expected two words, got 1\n"
    assert not (tmp_path / "e.ekv").exists()


OCCUPATIONS = ["nurse", "engineer", "homemaker", "programmer", "receptionist", "boss"]


def _png(fig, path):
    from embedkit.viz.saving import save_figure

    return save_figure(fig, path, dpi=120).read_bytes()


def test_direction_table_and_json_equal_the_api(glove, capsys):
    """Check that `bias direction` gives project_on_direction's cosines, sorted she-most first, and the direction's pairs."""
    from embedkit.bias import bias_subspace, project_on_direction

    ref = project_on_direction(glove, OCCUPATIONS)
    assert main(["bias", "direction", *OCCUPATIONS, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["words"] == OCCUPATIONS and d["values"] == list(ref.values)
    assert d["positive"] == "she" and d["negative"] == "he" and d["missing"] == [] and d["plot"] is None
    sub = bias_subspace(glove)
    assert d["direction"]["explained_variance_ratio"] == list(sub.explained_variance_ratio)
    assert ["she", "he"] in d["direction"]["pairs"] and "components" not in d["direction"]
    assert main(["bias", "direction", *OCCUPATIONS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["word", "cosine", "(she", "+,", "he", "-)"]
    rows = [line.split() for line in lines[1:]]
    order = sorted(range(6), key=lambda i: -ref.values[i])
    assert [r[0] for r in rows] == [OCCUPATIONS[i] for i in order]
    assert [float(r[1]) for r in rows] == pytest.approx([ref.values[i] for i in order], abs=5e-5)
    assert rows[0][0] == "homemaker" and rows[-1][0] == "boss"


def test_direction_orient_words_file_and_definitional(glove, tmp_path, capsys):
    """Check --orient he she (signs flip), --words-file beside WORD (deduplicated), a missing word's warning and --definitional."""
    from embedkit.bias import bias_subspace, project_on_direction

    words = tmp_path / "w.txt"
    words.write_text("engineer\nxyzzyq\nnurse\n", encoding="utf-8")
    assert main(["bias", "direction", "nurse", "--words-file", str(words), "--orient", "he", "she", "--json"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    ref = project_on_direction(glove, ["nurse", "engineer"])
    assert d["words"] == ["nurse", "engineer"] and d["missing"] == ["xyzzyq"]
    assert d["values"] == pytest.approx([-x for x in ref.values], abs=1e-12)
    assert err == "embedkit: warning: dropped words missing from the vectors: 'xyzzyq'\n"
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("woman man\ngirl boy\nmother father\n", encoding="utf-8")
    assert main(["bias", "direction", "nurse", "engineer", "--definitional", str(pairs), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    sub = bias_subspace(glove, [("woman", "man"), ("girl", "boy"), ("mother", "father")])
    assert d["values"] == list(project_on_direction(glove, ["nurse", "engineer"], subspace=sub).values)
    assert d["direction"]["pairs"] == [["woman", "man"], ["girl", "boy"], ["mother", "father"]]


def test_direction_plot_is_the_api_figure(glove, tmp_path, capsys):
    """Check that --plot writes the very PNG that plot_direction draws for the same words and title."""
    from embedkit.bias import plot_direction, project_on_direction

    out = tmp_path / "d.png"
    assert main(["bias", "direction", *OCCUPATIONS, "--plot", str(out), "--title", "occupations"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out}"
    ref = _png(plot_direction(project_on_direction(glove, OCCUPATIONS), title="occupations"), tmp_path / "ref.png")
    assert out.read_bytes() == ref and ref[:8] == b"\x89PNG\r\n\x1a\n"


def test_weat_plot_is_the_api_figure(glove, tmp_path, capsys):
    """Check that `bias weat --plot` writes plot_effect_sizes' figure of the tests run, labelled by the vectors."""
    from embedkit.bias import Query, plot_effect_sizes, weat

    out = tmp_path / "w.png"
    assert main(["bias", "weat", "--test", "weat7", "weat8", "--n-boot", "100", "--plot", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["plot"] == str(out) and [t["name"] for t in d["tests"]] == ["weat7", "weat8"]
    results = [weat(glove, Query.from_test(t), n_boot=100, seed=0) for t in ("weat7", "weat8")]
    assert [r.effect_size_ci for r in results] == [tuple(t["effect_size_ci"]) for t in d["tests"]]
    fig = plot_effect_sizes({glove.source: results}, title=f"WEAT effect sizes, {glove.source}")
    assert out.read_bytes() == _png(fig, tmp_path / "ref.png")
    assert main(["bias", "weat", "--test", "weat7", "--n-boot", "0", "--plot", str(tmp_path / "w.svg"), "-q"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {tmp_path / 'w.svg'}"
    assert (tmp_path / "w.svg").read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.slow
def test_report_plot_draws_each_column(glove, tmp_path, capsys):
    """Check that `bias report --plot` draws the vectors and each method's result, the table's effect sizes."""
    from embedkit.bias import plot_effect_sizes
    from embedkit.bias.report import debias_report

    out, fig_path = tmp_path / "r.md", tmp_path / "r.png"
    argv = ["bias", "report", "--test", "weat7", "--benchmarks", "wordsim353", "--methods", "hard"]
    assert main([*argv, "--n-boot", "50", "-q", "-o", str(out), "--plot", str(fig_path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"wrote {out} and {fig_path}"
    r = debias_report(glove, ("hard",), tests=["weat7"], benchmarks=("wordsim353",), n_boot=50, seed=0)
    assert len(r.columns) == 2
    fig = plot_effect_sizes(
        {c: r.weat[i] for i, c in enumerate(r.columns)}, title="WEAT effect sizes before and after debiasing"
    )
    assert fig_path.read_bytes() == _png(fig, tmp_path / "ref.png")
