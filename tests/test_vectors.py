"""The Vectors object: lookup, immutability, derived values, conversions."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from embedkit import UnknownWordError, Vectors


@pytest.fixture
def tiny() -> Vectors:
    return Vectors(["cat", "dog", "car", "zero"], np.array([[3, 4], [4, 3], [0, -2], [0, 0]], dtype=np.float64))


def test_basic_container(tiny):
    """Check that len, dim, in, iteration and lookup behave, and the matrix is float32."""
    assert len(tiny) == 4 and tiny.dim == 2 and tiny.shape == (4, 2)
    assert "dog" in tiny and "bird" not in tiny and 3 not in tiny
    assert list(tiny) == ["cat", "dog", "car", "zero"]
    assert tiny.matrix.dtype == np.float32
    assert_array_equal(tiny["car"], [0, -2])
    assert tiny.index_of("car") == 2
    assert_array_equal(tiny.indices(["zero", "cat"]), [3, 0])
    assert_array_equal(tiny.vectors(["dog", "cat"]), [[4, 3], [3, 4]])


def test_immutable(tiny):
    """Check that the matrix and looked-up vectors are read-only and keys cannot be changed from outside."""
    with pytest.raises(ValueError, match="read-only"):
        tiny["cat"][0] = 1
    with pytest.raises(ValueError, match="read-only"):
        tiny.matrix[0, 0] = 1
    with pytest.raises(ValueError, match="read-only"):
        tiny.normalized[0, 0] = 1
    k = tiny.keys
    k.append("x")
    assert len(tiny.keys) == 4


def test_keys_view_is_read_only_without_copy(tiny):
    """Check that keys_view gives the keys in order, as one shared immutable tuple that slices like the keys."""
    view = tiny.keys_view
    assert view == ("cat", "dog", "car", "zero") and view[2] == "car" and view[1:3] == ("dog", "car")
    assert view is tiny.keys_view  # no copy per access
    with pytest.raises(TypeError):
        view[0] = "x"  # type: ignore[index]
    assert tiny.most_frequent(2).keys_view == ("cat", "dog") and tiny.keys == ["cat", "dog", "car", "zero"]


def test_normalized_hand_computed(tiny):
    """Check the unit rows by hand: (3,4)/5, (4,3)/5, (0,-1), and a zero row stays zero."""
    assert_allclose(tiny.normalized, [[0.6, 0.8], [0.8, 0.6], [0, -1], [0, 0]], rtol=1e-7)
    assert tiny.normalized is tiny.normalized  # computed once
    assert_allclose(tiny.norms, [5, 5, 2, 0])


def test_unknown_word_names_all_and_suggests(tiny, glove):
    """Check that unknown words are all named, with close spellings from the vocabulary."""
    with pytest.raises(UnknownWordError, match=r"unknown words: 'bird', 'dgo' \(did you mean 'dog'\?\)") as info:
        tiny.indices(["cat", "bird", "dgo"])
    assert info.value.words == ["bird", "dgo"]
    with pytest.raises(KeyError):  # also a KeyError, as dict users expect
        tiny["bird"]
    assert glove.suggest("Paris") == ["paris", "parts", "parish"]
    assert glove.suggest("recieve") == ["receive", "relieve", "recieved"]
    assert glove.suggest("frgo") == ["fargo", "frog", "forgo"]


def test_subset_and_most_frequent(tiny):
    """Check that subset keeps the given order and most_frequent shares the first rows."""
    s = tiny.subset(["car", "cat"])
    assert s.keys == ["car", "cat"]
    assert_array_equal(s.matrix, [[0, -2], [3, 4]])
    m = tiny.most_frequent(2)
    assert m.keys == ["cat", "dog"] and np.shares_memory(m.matrix, tiny.matrix)
    assert tiny.most_frequent(10) is tiny
    with pytest.raises(UnknownWordError):
        tiny.subset(["cat", "emu"])


def test_bad_construction():
    """Check that mismatched sizes, repeated keys and non-2-D matrices are refused."""
    with pytest.raises(ValueError, match="2 keys but the matrix has 3 rows"):
        Vectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"duplicate keys: \['a'\]"):
        Vectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must be 2-D"):
        Vectors(["a"], np.zeros(3))


def test_gensim_round_trip(glove):
    """Check that conversion to gensim and back keeps keys and matrix, and gensim answers as before."""
    head = glove.most_frequent(5000)
    kv = head.to_gensim()
    assert kv.index_to_key == head.keys and kv.get_index("king") == head.index_of("king")
    assert_array_equal(kv.vectors, head.matrix)
    assert kv.most_similar("king", topn=1)[0][0] == "prince"
    back = Vectors.from_gensim(kv)
    assert back == head


def test_to_torch(tiny):
    """Check that the torch copy has the same values and can be written without touching the Vectors."""
    t = tiny.to_torch()
    assert tuple(t.shape) == (4, 2) and str(t.dtype) == "torch.float32"
    t[0, 0] = 100
    assert tiny["cat"][0] == 3


def test_folded_index_points_each_folded_word_at_its_first_row():
    """Check that the case-folded index maps each upper-cased word to its first (most frequent) casing's row."""
    v = Vectors(["the", "Paris", "paris", "THE", "Berlin"], np.eye(5, dtype=np.float32))
    assert v.folded_index == {"THE": 0, "PARIS": 1, "BERLIN": 4}
