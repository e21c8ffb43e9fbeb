"""avgpool, maxpool, maxunpool: semantics beyond the registry's generic checks, and bad input."""

import numpy as np
import pytest

from dlnotebooks import (avgpool, dlarray, dlfeval, dlgradient, extractdata, maxpool,
                         maxunpool, relu)


def _x(shape, fmt="SSCB", seed=0):
    return dlarray(np.random.default_rng(seed).standard_normal(shape), fmt)


def _grid():
    return dlarray(np.arange(16.0).reshape(4, 4, 1, 1), "SSCB")


def test_default_stride_is_one():
    assert maxpool(_grid(), 2).shape == (3, 3, 1, 1)
    assert avgpool(_grid(), 2).shape == (3, 3, 1, 1)


def test_avgpool_padding_counts_zeros_unless_mean():
    X = dlarray(np.ones((3, 3, 1, 1)), "SSCB")
    zeros = extractdata(avgpool(X, 2, stride=2, padding=1))
    mean = extractdata(avgpool(X, 2, stride=2, padding=1, padding_value="mean"))
    assert zeros[0, 0, 0, 0] == pytest.approx(0.25)  # one real element of four
    np.testing.assert_allclose(mean, 1.0)


def test_global_pooling_keeps_singleton_dims():
    X = _x((3, 5, 2, 4))
    A = avgpool(X, "global")
    M = maxpool(X, "global")
    assert A.shape == (1, 1, 2, 4) and A.fmt == "SSCB"
    assert M.shape == (1, 1, 2, 4)
    np.testing.assert_allclose(extractdata(A)[0, 0], extractdata(X).mean(axis=(0, 1)))
    np.testing.assert_allclose(extractdata(M)[0, 0], extractdata(X).max(axis=(0, 1)))


def test_maxpool_indices_are_zero_based_column_major_and_unpool_inverts():
    X = _grid()
    Y, idx, size = maxpool(X, 2, stride=2, return_indices=True)
    assert size == (4, 4, 1, 1)
    # maxima at (1, 1), (1, 3), (3, 1), (3, 3): column-major linear indices
    np.testing.assert_array_equal(idx.ravel(order="F"), [5, 7, 13, 15])
    Z = extractdata(maxunpool(Y, idx, size))
    expected = np.zeros((4, 4, 1, 1))
    for i, j in [(1, 1), (1, 3), (3, 1), (3, 3)]:
        expected[i, j] = 4 * i + j
    np.testing.assert_array_equal(Z, expected)


def test_maxpool_gradient_goes_to_the_first_maximum_at_ties():
    X = dlarray(np.array([[2.0, 2.0], [2.0, 1.0]]).reshape(2, 2, 1, 1), "SSCB")

    def grad(X):
        return dlgradient(np.sum(maxpool(X, 2)), X)

    g = extractdata(dlfeval(grad, X))[:, :, 0, 0]
    # taps run row-major over the window: (0, 0) comes first
    np.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("kw", [{"stride": 2}, {}, {"stride": 2, "padding": 1}])
def test_maxpool_of_relu_has_the_gradients_of_the_chain(kw):
    # maxpool(relu(X)) takes relu's mask on the pooled side in the backward pass; relu(X) * 1
    # keeps the two apart. Zeros and negative windows included; first and second order.
    data = np.round(np.random.default_rng(1).standard_normal((5, 6, 2, 3)), 1)
    data[:2, :2] = -1.0
    X = dlarray(data, "SSCB")
    W = dlarray(np.random.default_rng(2).standard_normal(maxpool(X, 2, **kw).shape), "SSCB")

    def grads(X, apart):
        R = relu(X) * 1.0 if apart else relu(X)
        g = dlgradient(np.sum(maxpool(R, 2, **kw) * W), X, enable_higher_derivatives=True)
        return g, dlgradient(np.sum(g * g * X), X)

    fused, chain = dlfeval(grads, X, False), dlfeval(grads, X, True)
    for a, b in zip(fused, chain):
        np.testing.assert_allclose(extractdata(a), extractdata(b), rtol=1e-12, atol=0)
    plain = dlfeval(lambda X: dlgradient(np.sum(maxpool(relu(X), 2, **kw) * W), X), X)
    np.testing.assert_allclose(extractdata(plain), extractdata(fused[0]), rtol=1e-12, atol=0)

    def used_twice(X, apart):  # relu's output also feeds another op: no shortcut
        R = relu(X) * 1.0 if apart else relu(X)
        return dlgradient(np.sum(maxpool(R, 2, **kw) * W) + np.sum(R * R), X)

    np.testing.assert_allclose(extractdata(dlfeval(used_twice, X, False)),
                               extractdata(dlfeval(used_twice, X, True)), rtol=1e-12, atol=0)


def test_maxpool_padding_never_wins():
    X = dlarray(-np.ones((2, 2, 1, 1)), "SSCB")
    np.testing.assert_array_equal(extractdata(maxpool(X, 2, stride=2, padding=1)), -1.0)


def test_unformatted_indices_follow_the_input_order():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4))  # B C S S
    Y, idx, size = maxpool(x, 2, stride=2, return_indices=True, data_format="BCSS")
    assert size == x.shape and idx.shape == Y.shape
    np.testing.assert_array_equal(x.ravel(order="F")[idx], extractdata(Y))
    Z = maxunpool(Y, idx, size, data_format="BCSS")
    assert Z.shape == x.shape and Z.fmt == ""


def test_pooling_over_T_and_U_dims_is_batch_like():
    X = _x((4, 2, 3, 5), "SCBT")
    Y = maxpool(X, 2, stride=2)
    assert Y.fmt == "SCBT" and Y.shape == (2, 2, 3, 5)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: maxpool(_x((3, 3, 1, 1)), 4), ValueError, r"maxpool: X is too small"),
    (lambda: avgpool(_x((3, 3, 1, 1)), 2, padding=2), ValueError,
     r"avgpool: padding must be smaller than pool_size"),
    (lambda: maxpool(_x((3, 3, 1, 1)), 0), ValueError,
     r"maxpool: pool_size must have elements >= 1"),
    (lambda: maxpool(_x((3, 3, 1, 1)), "local"), ValueError,
     r'maxpool: pool_size must be an integer, a tuple or "global"'),
    (lambda: maxpool(_x((3, 3, 1, 1)), 2, stride=(1, 1, 1)), ValueError,
     r"maxpool: stride must be an integer or have 2 elements"),
    (lambda: maxpool(_x((3, 1), "CB"), 2), ValueError,
     r"maxpool: X must have at least one 'S' dimension"),
    (lambda: avgpool(_x((3, 3, 1, 1)), 2, padding_value="replicate"), ValueError,
     r'avgpool: padding_value must be 0 or "mean"'),
    (lambda: avgpool(np.ones((3, 3)), 2), ValueError,
     r"avgpool: X must be a formatted dlarray or come with data_format"),
    (lambda: maxunpool(_x((2, 2, 1, 1)), np.zeros((2, 2), int), (4, 4, 1, 1)), ValueError,
     r"maxunpool: indices must have the shape of X"),
    (lambda: maxunpool(_x((2, 2, 1, 1)), np.zeros((2, 2, 1, 1), int), (4, 4)), ValueError,
     r"maxunpool: output_size must have 4 positive sizes"),
    (lambda: maxunpool(_x((2, 2, 1, 1)), np.full((2, 2, 1, 1), 99), (4, 4, 1, 1)), ValueError,
     r"maxunpool: indices must lie in 0\.\.15"),
    (lambda: maxunpool(_x((2, 2, 1, 1)), np.zeros((2, 2, 1, 1)), (4, 4, 1, 1)), TypeError,
     r"maxunpool: indices must be integers"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
