"""Tests for embedkit.bias.seat: May et al.'s templates, and SEAT's exact p and effect size computed by hand from
the encoded sentences (a fixed encoder, and MiniLM)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from embedkit.bias import Query, seat, seat_query, seat_sentences
from embedkit.cli import main


def test_sentences_by_kind():
    """Check the templates chosen for a name, a noun (article, plural), a person noun, pronouns, adjectives, mass
    nouns, verbs and plural nouns, as the authors' generator does."""
    assert seat_sentences("Adam") == (
        "This is Adam.",
        "That is Adam.",
        "There is Adam.",
        "Here is Adam.",
        "Adam is here.",
        "Adam is there.",
        "Adam is a person.",
        "The person's name is Adam.",
    )
    rose = seat_sentences("aster")
    assert rose[:2] == ("This is an aster.", "That is an aster.") and len(rose) == 14
    assert rose[6:8] == ("An aster is a thing.", "It is an aster.") and rose[-1] == "Asters are things."
    assert seat_sentences("grandfather")[6] == "A grandfather is a person." and seat_sentences("grandfather")[-1] == (
        "Grandfathers are people."
    )
    assert seat_sentences("he") == ("He is here.", "He is there.", "Here he is.", "There he is.", "He is a person.")
    assert seat_sentences("him") == ("It is him.", "This is him.", "That is him.")
    assert seat_sentences("brief") == ("This is brief.", "That is brief.", "They are brief.")
    assert seat_sentences("math") == ("This is math.", "That is math.", "There is math.", "It is math.")
    assert seat_sentences("kill")[-1] == "That may kill." and len(seat_sentences("kill")) == 8
    assert seat_sentences("numbers")[0] == "This is a number." and seat_sentences("numbers")[8] == "These are numbers."
    assert seat_sentences("daisy")[-1] == "Daisies are things."


def test_query_of_a_test():
    """Check the SEAT version of weat7: every word's sentences, each set named as the test's."""
    q = seat_query("weat7")
    assert [len(s) for s in q.sets] == [72, 82, 80, 80] and q.name == "seat-weat7"
    assert q.target_names == ("math", "arts") and q.x[:4] == seat_sentences("math")


def _by_hand(e: np.ndarray, nx: int, na: int) -> tuple[float, float, int]:
    """Effect size (sample sd) and exact one-sided p over every partition, from unit rows X, Y, A, B in order."""
    u = e / np.linalg.norm(e, axis=1, keepdims=True)
    t, a, b = u[: 2 * nx], u[2 * nx : 2 * nx + na], u[2 * nx + na :]
    s = (t @ a.T).mean(axis=1) - (t @ b.T).mean(axis=1)
    effect = (s[:nx].mean() - s[nx:].mean()) / s.std(ddof=1)
    observed = s[:nx].sum() - s[nx:].sum()
    stats = [2 * s[list(c)].sum() - s.sum() for c in itertools.combinations(range(2 * nx), nx)]
    larger = sum(st > observed + 1e-9 for st in stats)
    return float(effect), larger / len(stats), len(stats)


TINY = Query(["brief"], ["stable"], ["fleeting"], ["constant"], name="tiny")  # 3 sentences each


def test_exact_p_and_effect_with_a_fixed_encoder():
    """Check SEAT with a fixed encoder: 20 partitions enumerated, effect size and p equal to the hand computation."""
    rng = np.random.default_rng(0)
    table: dict[str, np.ndarray] = {}

    def encoder(sentences: list[str]) -> np.ndarray:
        return np.stack([table.setdefault(s, rng.normal(size=6)) for s in sentences]).astype(np.float32)

    r = seat(TINY, encoder=encoder, n_boot=0)
    q = seat_query(TINY)
    e = np.stack([table[s] for s in (*q.x, *q.y, *q.a, *q.b)]).astype(np.float32).astype(np.float64)
    effect, p, count = _by_hand(e, 3, 3)
    assert r.p_method == "exact" and r.p_count == count == 20
    assert r.effect_size == pytest.approx(effect, abs=1e-5)
    assert r.p_value == pytest.approx(p, abs=1e-12)


@pytest.mark.slow  # loads a 90 MB model: seconds
def test_minilm_by_hand(minilm):
    """Check SEAT with MiniLM: the effect size and exact p equal a direct numpy computation on encode()'s vectors."""
    from embedkit.contextual import encode

    r = seat(TINY, model=minilm, n_boot=0)
    q = seat_query(TINY)
    e = encode([*q.x, *q.y, *q.a, *q.b], model=minilm).astype(np.float64)
    effect, p, count = _by_hand(e, 3, 3)
    assert r.p_count == count == 20 and r.name == "seat-tiny"
    assert r.effect_size == pytest.approx(effect, abs=1e-4)
    assert r.p_value == pytest.approx(p, abs=1e-12)


@pytest.mark.slow  # loads a 90 MB model: seconds
def test_cli_encoder(minilm, tmp_path, capsys):
    """Check `bias weat --encoder minilm` on word files: the SEAT query's JSON with its exact p."""
    for name, word in (("x", "brief"), ("y", "stable"), ("a", "fleeting"), ("b", "constant")):
        (tmp_path / f"{name}.txt").write_text(word + "\n", encoding="utf-8")
    t = tmp_path
    argv = ["bias", "weat", "--encoder", "minilm", "--targets", str(t / "x.txt"), str(t / "y.txt")]
    assert main([*argv, "--attributes", str(t / "a.txt"), str(t / "b.txt"), "--n-boot", "0", "--json"]) == 0
    (d,) = json.loads(capsys.readouterr().out)["tests"]
    assert d["p_method"] == "exact" and d["p_count"] == 20 and d["sizes"] == {"x": 3, "y": 3, "a": 3, "b": 3}
    assert d["effect_size"] == pytest.approx(seat(TINY, model=minilm, n_boot=0).effect_size, abs=1e-5)
