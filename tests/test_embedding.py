"""embed: lookup, formats, scatter-add gradient, index validation."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def test_lookup_adds_a_channel_dimension():
    W = np.arange(12.0).reshape(3, 4)
    X = dlarray(np.array([[0, 3], [1, 1]]), "BT")
    Y = dl.embed(X, W)
    assert Y.fmt == "CBT" and Y.shape == (3, 2, 2)
    np.testing.assert_array_equal(extractdata(Y)[:, 0, 1], W[:, 3])
    np.testing.assert_array_equal(extractdata(Y)[:, 1, 0], W[:, 1])


def test_size_one_channel_is_replaced_and_data_format_output_is_in_input_order():
    W = np.arange(6.0).reshape(2, 3)
    idx = np.array([[2, 0, 1]])  # (T=1, N=3)
    Y = dl.embed(dlarray(idx[None], "CTB"), W)
    assert Y.fmt == "CBT" and Y.shape == (2, 3, 1)
    Yu = dl.embed(idx, W, data_format="TB")
    assert Yu.fmt == "" and Yu.shape == (1, 3, 2)  # the added C dimension goes last
    np.testing.assert_array_equal(extractdata(Yu)[0], W[:, [2, 0, 1]].T)


def test_weight_gradient_is_a_scatter_add_over_repeated_words():
    rng = np.random.default_rng(0)
    W = dlarray(rng.standard_normal((2, 5)))
    X = dlarray(np.array([[1, 1, 4], [1, 0, 4]]), "BT")
    G = rng.standard_normal((2, 2, 3))

    grad = dlfeval(lambda W: dlgradient(np.sum(dl.embed(X, W) * G), W), W)
    expected = np.zeros((2, 5))
    for n in range(2):
        for t in range(3):
            expected[:, int(extractdata(X)[n, t])] += G[:, n, t]
    np.testing.assert_allclose(extractdata(grad), expected, rtol=1e-12)
    assert np.all(extractdata(grad)[:, [2, 3]] == 0)  # unused words get no gradient


def test_float_arrays_holding_whole_numbers_are_accepted():
    W = np.eye(3)
    Y = dl.embed(dlarray(np.array([2.0, 0.0]), "B"), W)
    np.testing.assert_array_equal(extractdata(Y), W[:, [2, 0]])


@pytest.mark.parametrize("X,exc,match", [
    (dlarray(np.array([[0, 5]]), "BT"), ValueError,
     r"embed: X must hold 0-based indices in \[0, 4\]; got values such as \[5\]\. Python "
     r"indices are 0-based"),
    (dlarray(np.array([[-1, 2]]), "BT"), ValueError, r"embed: X must hold 0-based indices"),
    (dlarray(np.array([[0.5, 2.0]]), "BT"), ValueError, r"embed: X must hold integer indices"),
    (dlarray(np.array([[True, False]]), "BT"), TypeError, r"embed: X must hold integer indices"),
    (dlarray(np.zeros((2, 3, 4), dtype=int), "CBT"), ValueError,
     r"embed: X must have a C dimension of size 1"),
    (np.zeros((2, 3), dtype=int), ValueError, r"embed: X must be a formatted dlarray or come "
                                              r"with data_format"),
])
def test_bad_indices(X, exc, match):
    with pytest.raises(exc, match=match):
        dl.embed(X, np.zeros((3, 5)))


def test_bad_weights():
    with pytest.raises(ValueError, match=r"embed: weights must have shape \(embedding_dim, "
                                         r"num_words\)"):
        dl.embed(dlarray(np.array([0, 1]), "B"), np.zeros(5))


def test_higher_derivatives_raise():
    W = dlarray(np.ones((2, 3)))
    X = dlarray(np.array([[0, 2]]), "BT")

    def second(W):
        g = dlgradient(np.sum(dl.embed(X, W) ** 2), W, enable_higher_derivatives=True)
        return dlgradient(np.sum(g ** 2), W)

    with pytest.raises(RuntimeError, match=r"embed: higher derivatives are not supported "
                                           r"through embed; MATLAB does not support them"):
        dlfeval(second, W)
