"""np.sum and np.mean of dlarrays: a broadcast gradient (core/_sums.py), checked against finite
differences in float64 and a naive reference, at first and second order, in every axis form."""

import itertools

import numpy as np
import pytest

from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata
from dlnotebooks.testing import check_gradients
from gradient_spy import seen, spy

pytestmark = pytest.mark.library

SHAPE = (3, 4, 5)
AXES = [None, 0, 1, 2, -1, (0, 2), (1, -1), (0, 1, 2)]


def _naive_gradient(reduce, shape, axis, weights):
    """d/dx of sum(weights * reduce(x, axis, keepdims=True)), element by element."""
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis) % len(shape)
    count = int(np.prod([shape[a] for a in axes]))
    grad = np.empty(shape)
    for index in itertools.product(*map(range, shape)):
        kept = tuple(0 if a in axes else i for a, i in enumerate(index))
        grad[index] = weights[kept] / (count if reduce == "mean" else 1)
    return grad


def _weighted_reduction(seed, reduce, axis, keepdims):
    """Random x and weights, and loss(x) = sum(weights * np.<reduce>(x, axis, keepdims))."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(SHAPE)
    weights = rng.standard_normal(np.sum(x, axis=axis, keepdims=True).shape)

    def loss(x):
        r = getattr(np, reduce)(x, axis=axis, keepdims=keepdims)
        return np.sum(r * weights.reshape(np.shape(extractdata(r))))

    return x, weights, loss


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_gradient_matches_a_naive_reference_and_finite_differences(reduce, axis, keepdims):
    x, weights, loss = _weighted_reduction(1, reduce, axis, keepdims)

    def value_and_grad(x):
        y = loss(x)
        return y, dlgradient(y, x)

    y, g = dlfeval(value_and_grad, dlarray(x))
    assert float(extractdata(y)) == pytest.approx(
        float(np.sum(getattr(np, reduce)(x, axis=axis, keepdims=True) * weights)))
    np.testing.assert_allclose(extractdata(g), _naive_gradient(reduce, SHAPE, axis, weights),
                               rtol=1e-12)
    report = check_gradients(loss, dlarray(x))
    assert report.ok, report


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_second_derivatives_pass_through(reduce):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    fn = getattr(np, reduce)

    def hessian_diagonal(x):
        y = fn(x ** 3)
        g = dlgradient(y, x, enable_higher_derivatives=True)
        return dlgradient(np.sum(g), x)

    count = x.size if reduce == "mean" else 1
    np.testing.assert_allclose(extractdata(dlfeval(hessian_diagonal, dlarray(x, "CB"))),
                               6 * x / count)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_backward_pass_keeps_the_precision_of_the_input(reduce, dtype):
    # autograd's own mean VJP divided by a NumPy integer, which made the backward pass of a
    # float32 loss run in float64 up to the leaves (where dlgradient cast it back).
    seen.clear()

    def f(x):
        h = spy(x)
        y = getattr(np, reduce)(np.tanh(h) ** 2)
        assert extractdata(y).dtype == dtype
        return dlgradient(y, x)

    g = dlfeval(f, dlarray(np.linspace(-1, 1, 12).reshape(3, 4).astype(dtype), "CB"))
    assert seen == [dtype]
    assert extractdata(g).dtype == dtype


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_a_gradient_that_is_a_broadcast_view_reaches_the_user_as_a_writable_array(reduce):
    def f(x):
        return dlgradient(getattr(np, reduce)(x), x)

    g = extractdata(dlfeval(f, dlarray(np.ones((2, 3)), "CB")))
    assert g.flags.writeable and g.flags.owndata and 0 not in g.strides
    g[0, 0] = 5.0  # the user may change it, as any array
    assert g[1, 2] == (1.0 if reduce == "sum" else 1 / 6)


def test_formatted_partial_reductions_keep_labels_and_their_gradients_line_up():
    x = dlarray(np.arange(24.0).reshape(2, 3, 4), "SCB")

    def f(x):
        m = np.mean(x, axis=(0, 2))  # keeps S and B as singletons
        assert m.fmt == "SCB" and m.shape == (1, 3, 1)
        y = np.sum(m * dlarray(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1), "SCB"))
        return dlgradient(y, x)

    g = extractdata(dlfeval(f, x))
    np.testing.assert_allclose(g, np.broadcast_to(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
                                                  / 8, (2, 3, 4)))


def test_other_reduction_arguments_still_work_through_autograds_own_rule():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)

    def f(x):
        y = np.sum(x * x, axis=0, dtype=np.float64)
        assert extractdata(y).dtype == np.float64
        return dlgradient(np.sum(y), x)

    g = extractdata(dlfeval(f, dlarray(x)))
    np.testing.assert_allclose(g, 2 * x)
    assert g.dtype == np.float32


OTHER = ["var", "std", "max", "min"]


def _autograd_gradient(reduce, x, axis, keepdims, weights, **kwargs):
    """The same gradient from autograd's own VJPs, as an independent reference."""
    import autograd
    import autograd.numpy as anp

    def f(v):
        r = getattr(anp, reduce)(v, axis=axis, keepdims=keepdims, **kwargs)
        return anp.sum(r * weights.reshape(anp.shape(r)))
    return autograd.grad(f)(x)


@pytest.mark.parametrize("reduce", OTHER)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_std_max_min_match_autograd_and_finite_differences(reduce, axis, keepdims):
    x, weights, loss = _weighted_reduction(6, reduce, axis, keepdims)

    g = dlfeval(lambda x: dlgradient(loss(x), x), dlarray(x))
    np.testing.assert_allclose(extractdata(g),
                               _autograd_gradient(reduce, x, axis, keepdims, weights),
                               rtol=1e-10, atol=1e-12)
    report = check_gradients(loss, dlarray(x))
    assert report.ok, report


def test_var_and_std_take_ddof_and_tied_extremes_share_the_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.5, 2.0]])
    for reduce in ("var", "std"):
        g = dlfeval(lambda v: dlgradient(getattr(np, reduce)(v, ddof=1), v), dlarray(x))
        np.testing.assert_allclose(extractdata(g), _autograd_gradient(
            reduce, x, None, False, np.ones(()), ddof=1), rtol=1e-12)
    g = dlfeval(lambda v: dlgradient(np.max(v), v), dlarray(x))
    np.testing.assert_array_equal(extractdata(g), [[0, 0.5, 0.5], [0, 0, 0]])
    g = dlfeval(lambda v: dlgradient(np.sum(np.min(v, axis=1)), v), dlarray(x))
    np.testing.assert_array_equal(extractdata(g), [[1, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize("reduce", OTHER)
def test_var_std_max_min_keep_a_float32_backward_pass_in_float32(reduce):
    seen.clear()

    def f(x):
        h = spy(x)
        return dlgradient(getattr(np, reduce)(h * h), x)

    g = dlfeval(f, dlarray(np.linspace(-1, 2, 12).reshape(3, 4).astype(np.float32), "CB"))
    assert seen == [np.float32] and extractdata(g).dtype == np.float32


@pytest.mark.parametrize("reduce", ["var", "std"])
def test_var_and_std_second_derivatives(reduce):
    x = np.array([[0.5, -1.0, 2.0, 0.25]])

    def hess_sum(v):
        g = dlgradient(getattr(np, reduce)(v), v, enable_higher_derivatives=True)
        return dlgradient(np.sum(g * g), v)

    import autograd
    import autograd.numpy as anp
    ref = autograd.grad(lambda v: anp.sum(autograd.grad(getattr(anp, reduce))(v) ** 2))(x)
    np.testing.assert_allclose(extractdata(dlfeval(hess_sum, dlarray(x, "CB"))), ref,
                               rtol=1e-10, atol=1e-12)
