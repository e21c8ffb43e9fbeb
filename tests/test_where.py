"""np.where on dlarrays (core/_where.py): gradients against finite differences and a naive
reference, with broadcast branches, at second order, and in the input's precision."""

import numpy as np
import pytest

from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata
from dlnotebooks.testing import check_gradients
from gradient_spy import seen, spy

pytestmark = pytest.mark.library

SHAPES = [((3, 4), (3, 4)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((3, 4), (4,)), ((3, 4), ())]


@pytest.mark.parametrize("x_shape,y_shape", SHAPES)
def test_gradients_of_both_branches_with_broadcasting(x_shape, y_shape):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    cond = rng.random((3, 4)) > 0.5
    w = rng.standard_normal((3, 4))

    def loss(params):
        return np.sum(np.where(cond, params["x"] ** 2, params["y"] * 3.0) * w)

    def grads(params):
        return dlgradient(loss(params), params)

    g = dlfeval(grads, {"x": dlarray(x), "y": dlarray(y)})
    # Naive reference: element by element, adding into the broadcast source.
    gx, gy = np.zeros(x_shape), np.zeros(y_shape)
    yb = np.broadcast_to(np.arange(max(np.size(y), 1)).reshape(y_shape), (3, 4))
    for i, j in np.ndindex(3, 4):
        if cond[i, j]:
            gx[i, j] += 2 * x[i, j] * w[i, j]
        else:
            gy[np.unravel_index(yb[i, j], y_shape) if y_shape else ()] += 3.0 * w[i, j]
    np.testing.assert_allclose(extractdata(g["x"]), gx, rtol=1e-12)
    np.testing.assert_allclose(extractdata(g["y"]), gy, rtol=1e-12)
    report = check_gradients(loss, {"x": dlarray(x), "y": dlarray(y)})
    assert report.ok, report


@pytest.mark.parametrize("x_shape,y_shape", SHAPES)
def test_leaves_taken_directly_get_gradients_of_their_own_shape(x_shape, y_shape):
    rng = np.random.default_rng(3)
    cond = rng.random((3, 4)) > 0.5

    def grads(x, y):
        return dlgradient(np.sum(np.where(cond, x, y)), x, y)

    gx, gy = dlfeval(grads, dlarray(rng.standard_normal(x_shape)),
                     dlarray(rng.standard_normal(y_shape)))
    assert gx.shape == x_shape and gy.shape == y_shape
    np.testing.assert_array_equal(extractdata(gx), cond * 1.0)
    expected_y = np.sum(~cond, axis=tuple(range(2 - len(y_shape)))) if len(y_shape) < 2 \
        else np.sum(~cond, axis=tuple(i for i, n in enumerate(y_shape) if n == 1),
                    keepdims=True)
    np.testing.assert_array_equal(extractdata(gy), expected_y)


def test_second_derivatives_pass_through():
    x = np.array([[0.5, -1.0, 2.0]])

    def second(x):
        y = np.sum(np.where(extractdata(x) > 0, x ** 3, -(x ** 2)))
        g = dlgradient(y, x, enable_higher_derivatives=True)
        return dlgradient(np.sum(g), x)

    np.testing.assert_allclose(extractdata(dlfeval(second, dlarray(x, "CB"))),
                               np.where(x > 0, 6 * x, -2.0))


def test_a_float32_backward_pass_stays_float32():
    # autograd's own where VJP filled the other branch with float64 zeros.
    seen.clear()

    def f(x):
        h = spy(x)
        return dlgradient(np.sum(np.where(extractdata(x) > 0, h, h * 0.5)), x)

    g = dlfeval(f, dlarray(np.linspace(-1, 1, 6).astype(np.float32).reshape(2, 3), "CB"))
    assert seen == [np.float32] and extractdata(g).dtype == np.float32
    np.testing.assert_allclose(extractdata(g), [[0.5, 0.5, 0.5], [1.0, 1.0, 1.0]])


def test_formats_follow_the_elementwise_rule():
    x = dlarray(np.ones((2, 3)), "CB")
    assert np.where(extractdata(x) > 0, x, 0.0).fmt == "CB"


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum])
@pytest.mark.parametrize("other_shape", [(3, 4), (1, 4), ()])
def test_maximum_and_minimum_gradients_share_ties_and_keep_float32(ufunc, other_shape):
    rng = np.random.default_rng(4)
    x = rng.integers(-2, 3, (3, 4)).astype(np.float32)  # integers: many exact ties
    y = rng.integers(-2, 3, other_shape).astype(np.float32)
    w = rng.standard_normal((3, 4)).astype(np.float32)

    def grads(x, y):
        return dlgradient(np.sum(ufunc(x, y) * w), x, y)

    gx, gy = dlfeval(grads, dlarray(x), dlarray(y))
    # Naive reference, autograd's convention: the chosen operand gets g, a tie half each.
    yb = np.broadcast_to(y, (3, 4))
    pick = (lambda a, b: a > b) if ufunc is np.maximum else (lambda a, b: a < b)
    ex, ey = np.zeros((3, 4)), np.zeros((3, 4))
    for i, j in np.ndindex(3, 4):
        share = 0.5 if x[i, j] == yb[i, j] else float(pick(x[i, j], yb[i, j]))
        ex[i, j] = w[i, j] * share
        ey[i, j] = w[i, j] * (0.5 if x[i, j] == yb[i, j] else 1 - share)
    ey = {(3, 4): ey, (1, 4): np.sum(ey, axis=0, keepdims=True), (): np.sum(ey)}[other_shape]
    np.testing.assert_allclose(extractdata(gx), ex, rtol=1e-6)
    np.testing.assert_allclose(extractdata(gy), ey, rtol=1e-6)
    assert extractdata(gx).dtype == np.float32


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum])
def test_maximum_and_minimum_against_finite_differences_and_at_second_order(ufunc):
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))  # no ties
    report = check_gradients(lambda p: np.sum(ufunc(p["x"], p["y"]) ** 2),
                             {"x": dlarray(x), "y": dlarray(y)})
    assert report.ok, report

    def second(x):
        g = dlgradient(np.sum(ufunc(x, 0.0) ** 3), x, enable_higher_derivatives=True)
        return dlgradient(np.sum(g), x)

    side = (x > 0) if ufunc is np.maximum else (x < 0)
    np.testing.assert_allclose(extractdata(dlfeval(second, dlarray(x))), 6 * x * side)


def test_maximum_keeps_a_float32_backward_pass_in_float32():
    seen.clear()

    def f(x):
        h = spy(x)
        return dlgradient(np.sum(np.maximum(h, 0)), x)

    dlfeval(f, dlarray(np.linspace(-1, 1, 6).astype(np.float32).reshape(2, 3), "CB"))
    assert seen == [np.float32]
