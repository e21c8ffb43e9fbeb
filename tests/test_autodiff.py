"""dlfeval / dlgradient: MATLAB semantics, containers, higher derivatives and errors."""

import numpy as np
import pytest
from autograd.tracer import trace_stack

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def rosenbrock(x):
    y = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    return y, dlgradient(y, x)


def test_rosenbrock_matlab_example():
    y, g = dlfeval(rosenbrock, dlarray(np.array([-1.0, 2.0])))
    assert float(y) == 104.0
    np.testing.assert_allclose(extractdata(g), [396.0, 200.0])
    assert not y.traced and not g.traced


def test_two_inputs_give_a_tuple():
    def rosenbrock2(x1, x2):
        y = 100 * (x2 - x1 ** 2) ** 2 + (1 - x1) ** 2
        return (y,) + dlgradient(y, x1, x2)

    y, g1, g2 = dlfeval(rosenbrock2, dlarray(-1.0), dlarray(2.0))
    assert (float(y), float(g1), float(g2)) == (104.0, 396.0, 200.0)


def test_second_derivative_of_cube():
    def f(x):
        y = x ** 3
        dy = dlgradient(y, x, enable_higher_derivatives=True)
        return dlgradient(dy, x)

    assert float(dlfeval(f, dlarray(5.0))) == 30.0


def test_third_derivative_through_repeated_replay():
    def f(x):
        d1 = dlgradient(x ** 4, x, enable_higher_derivatives=True)
        d2 = dlgradient(d1, x, enable_higher_derivatives=True)
        return dlgradient(d2, x)

    assert float(dlfeval(f, dlarray(2.0))) == pytest.approx(48.0)


def test_containers_keep_their_structure_and_unused_leaves_get_zeros():
    params = {"fc": {"W": dlarray(np.ones((2, 3))), "b": dlarray(np.zeros((2, 1)))},
              "unused": [dlarray(np.ones(4), "C")]}
    X = dlarray(np.ones((3, 5)), "CB")

    def f(p, x):
        y = np.sum(dl.fullyconnect(x, p["fc"]["W"], p["fc"]["b"]))
        return dlgradient(y, p)

    g = dlfeval(f, params, X)
    assert set(g) == {"fc", "unused"} and isinstance(g["unused"], list)
    np.testing.assert_allclose(extractdata(g["fc"]["W"]), np.full((2, 3), 5.0))
    np.testing.assert_allclose(extractdata(g["fc"]["b"]), np.full((2, 1), 5.0))
    assert g["unused"][0].fmt == "C"
    np.testing.assert_array_equal(extractdata(g["unused"][0]), np.zeros(4))


def test_gradient_with_respect_to_an_intermediate_value():
    def f(x):
        h = x * 2.0
        y = np.sum(h ** 2)
        return dlgradient(y, h)

    g = dlfeval(f, dlarray(np.array([1.0, 3.0])))
    np.testing.assert_allclose(extractdata(g), [4.0, 12.0])


def test_gradient_penalty_matches_autograd():
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 2))
    X = rng.standard_normal((4, 3))

    def loss(w, x):
        xh = x * 2.0
        s = np.sum(np.tanh(xh @ w))
        gx = dlgradient(s, xh, enable_higher_derivatives=True)
        penalty = np.sum((np.sqrt(np.sum(gx ** 2, axis=1) + 1e-10) - 1) ** 2)
        return penalty, dlgradient(penalty, w)

    p, gW = dlfeval(loss, dlarray(W), dlarray(X))

    def reference(w):
        gx = autograd.grad(lambda xh: anp.sum(anp.tanh(xh @ w)))(X * 2.0)
        return anp.sum((anp.sqrt(anp.sum(gx ** 2, axis=1) + 1e-10) - 1) ** 2)

    assert float(p) == pytest.approx(reference(W))
    np.testing.assert_allclose(extractdata(gW), autograd.grad(reference)(W), rtol=1e-10)


def test_random_draws_are_not_repeated_by_the_replay():
    draws = []

    def f(x):
        noise = np.random.default_rng(len(draws)).standard_normal(2)
        draws.append(noise)
        y = np.sum((x * noise) ** 2)
        g = dlgradient(y, x, enable_higher_derivatives=True)
        return dlgradient(np.sum(g), x)

    h = dlfeval(f, dlarray(np.ones(2)))
    assert len(draws) == 1
    np.testing.assert_allclose(extractdata(h), 2 * draws[0] ** 2)


def test_several_gradients_in_one_evaluation():
    def f(a, b):
        y1 = np.sum(a * b)
        g1 = dlgradient(y1, a, retain_data=True)
        g2 = dlgradient(np.sum(b ** 2), b)
        return g1, g2

    g1, g2 = dlfeval(f, dlarray(np.ones(2)), dlarray(np.array([2.0, 3.0])))
    np.testing.assert_allclose(extractdata(g1), [2.0, 3.0])
    np.testing.assert_allclose(extractdata(g2), [4.0, 6.0])


def test_same_object_twice_is_one_leaf():
    x = dlarray(np.array([1.0, 2.0]))

    def f(a, b):
        return dlgradient(np.sum(a * b), a)

    np.testing.assert_allclose(extractdata(dlfeval(f, x, x)), [2.0, 4.0])


def test_float32_gradients_stay_float32():
    def f(x):
        return dlgradient(np.sum(x * x), x)

    g = dlfeval(f, dlarray(np.ones(3, dtype=np.float32)))
    assert g.dtype == np.float32


def test_integer_dlarrays_are_not_traced():
    def f(x, labels):
        assert not labels.traced
        return dlgradient(np.sum(x), x)

    dlfeval(f, dlarray(np.ones(2)), dlarray(np.array([1, 2])))


def test_outside_dlfeval_is_an_error():
    with pytest.raises(RuntimeError, match=r"dlgradient: must be called inside a function "
                                           r"evaluated by dlfeval"):
        dlgradient(dlarray(1.0), dlarray(1.0))


def test_non_scalar_y_is_an_error():
    def f(x):
        return dlgradient(x * 2, x)

    with pytest.raises(ValueError, match=r"dlgradient: y must be a traced real scalar; got "
                                         r"shape \(10, 1\)\. Reduce it"):
        dlfeval(f, dlarray(np.ones((10, 1))))


def test_complex_y_is_an_error():
    def f(x):
        return dlgradient(np.sum(x * 1j), x)

    with pytest.raises(ValueError, match=r"got a complex value"):
        dlfeval(f, dlarray(np.ones(1)))


def test_untraced_y_is_an_error():
    def f(x):
        return dlgradient(dlarray(3.0), x)

    with pytest.raises(ValueError, match=r"does not depend on any traced input"):
        dlfeval(f, dlarray(1.0))


def test_untraced_x_is_an_error():
    other = dlarray(np.ones(2))

    def f(x):
        return dlgradient(np.sum(x), {"w": other})

    with pytest.raises(ValueError, match=r"dlgradient: x is not traced \(x\.w\)"):
        dlfeval(f, dlarray(np.ones(2)))


def test_non_dlarray_x_is_an_error():
    def f(x):
        return dlgradient(np.sum(x), {"w": 3.0})

    with pytest.raises(TypeError, match=r"dlgradient: x must be a dlarray or a container of "
                                        r"dlarrays; got float at x\.w"):
        dlfeval(f, dlarray(np.ones(2)))


def test_errors_in_user_function_propagate_and_close_the_trace():
    top = trace_stack.top

    def f(x):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        dlfeval(f, dlarray(1.0))
    assert trace_stack.top == top
    with pytest.raises(RuntimeError, match=r"must be called inside"):
        dlgradient(dlarray(1.0), dlarray(1.0))


def test_dlfeval_needs_a_callable():
    with pytest.raises(TypeError, match=r"dlfeval: fun must be callable; got int"):
        dlfeval(3)


def test_dlaccelerate_is_identity():
    assert dl.dlaccelerate(rosenbrock) is rosenbrock
    with pytest.raises(TypeError, match=r"dlaccelerate: fun must be callable"):
        dl.dlaccelerate(None)


def test_vjps_are_built_only_for_parents_that_lead_to_a_requested_gradient():
    from autograd.extend import defvjp, primitive

    calls = []

    @primitive
    def scale(x, w):
        return x * w

    def vjp_x(ans, x, w):
        def vjp(g):
            calls.append("x")
            return g * w
        return vjp

    def vjp_w(ans, x, w):
        def vjp(g):
            calls.append("w")
            return np.sum(g * x)
        return vjp

    defvjp(scale, vjp_x, vjp_w)

    def f(x, w):
        return dlgradient(dlarray(np.sum(scale(x._data, w._data))), w)

    g = dlfeval(f, dlarray(np.array([1.0, 2.0])), dlarray(3.0))
    assert float(g) == 3.0 and calls == ["w"]


def _lstm_parts(seed=0, H=3):
    rng = np.random.default_rng(seed)
    X = dlarray(rng.standard_normal((2, 4, 5)), "CBT")
    W, R = dlarray(rng.standard_normal((4 * H, 2))), dlarray(rng.standard_normal((4 * H, H)))
    b = dlarray(rng.standard_normal((4 * H, 1)))
    weights = (rng.standard_normal((H, 4, 5)), rng.standard_normal((H, 4)),
               rng.standard_normal((H, 4)))
    return X, W, R, b, weights, np.zeros((H, 1))


@pytest.mark.parametrize("used", [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2),
                                  (0, 0), (2, 1, 2, 0)])
def test_gradient_through_the_outputs_of_a_multi_output_op_adds_up(used):
    # The outputs of one primitive (lstm's Y, hidden state, cell state), each used any number
    # of times: the gradient is the sum of the gradients of the separate terms.
    X, W, R, b, weights, Z = _lstm_parts()

    def loss(X, W, R, b, terms):
        outs = dl.lstm(X, Z, Z, W, R, b)
        y = sum(np.sum(outs[k] * weights[k]) for k in terms)
        return dlgradient(y, X, W, R, b)

    together = dlfeval(loss, X, W, R, b, used)
    apart = [dlfeval(loss, X, W, R, b, (k,)) for k in used]
    for i, g in enumerate(together):
        np.testing.assert_allclose(extractdata(g), sum(extractdata(a[i]) for a in apart),
                                   rtol=1e-12, atol=1e-12)


def test_gradient_with_respect_to_one_output_of_a_multi_output_op():
    X, W, R, b, weights, Z = _lstm_parts(1)

    def loss(X, W, R, b):
        Y, h, c = dl.lstm(X, Z, Z, W, R, b)
        y = np.sum(Y * weights[0]) + np.sum(h * weights[1]) + np.sum(c * weights[2])
        return dlgradient(y, h, Y)

    gh, gY = dlfeval(loss, X, W, R, b)
    np.testing.assert_allclose(extractdata(gY), weights[0])
    # h is Y's last step as well as an output of its own; asked for as the node h, its
    # gradient is the weight on h alone.
    np.testing.assert_allclose(extractdata(gh), weights[1])
