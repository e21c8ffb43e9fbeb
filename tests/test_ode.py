"""dlode45: accuracy, layouts, direct vs adjoint gradients, higher derivatives, errors."""

import math

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def _linear(t, y, a):
    return a * y


def test_exponential_growth_to_tolerance_with_output_layout():
    y0 = dlarray(np.array([[1.0, 2.0], [0.5, -1.0]]), "CB")
    tspan = np.linspace(0, 1, 5)
    for rtol in (1e-3, 1e-6, 1e-9):
        Y = dl.dlode45(_linear, tspan, y0, dlarray(np.array(0.7)), relative_tolerance=rtol,
                       absolute_tolerance=rtol * 1e-3)
        exact = extractdata(y0)[..., None] * np.exp(0.7 * tspan[1:])
        assert Y.fmt == "CBT" and Y.shape == (2, 2, 4)
        assert np.max(np.abs(extractdata(Y) - exact) / np.abs(exact)) < 30 * rtol


def test_backwards_in_time_and_unformatted_layouts():
    y0 = np.array([[1.0, 2.0, 3.0]])  # (N=1, C=3) with data_format "BC"
    Y = dl.dlode45(_linear, [1.0, 0.5, 0.0], y0, dlarray(np.array(-1.0)), data_format="BC",
                   relative_tolerance=1e-9, absolute_tolerance=1e-12)
    assert Y.fmt == "" and Y.shape == (1, 3, 2)
    np.testing.assert_allclose(extractdata(Y)[..., 1], y0 * math.e, rtol=1e-7)
    plain = dl.dlode45(_linear, [0.0, 1.0], np.array([1.0, 2.0]), 1.0)
    assert plain.fmt == "" and plain.shape == (2, 1)


def test_odefun_sees_y_in_the_layout_of_Y0():
    seen = {}

    def f(t, y, theta):
        seen["fmt"], seen["shape"] = y.fmt, y.shape
        return -y

    dl.dlode45(f, [0, 1], dlarray(np.ones((2, 3)), "CB"), None)
    assert seen == {"fmt": "CB", "shape": (2, 3)}
    dl.dlode45(f, [0, 1], np.ones((3, 2)), None, data_format="BC")
    assert seen == {"fmt": "", "shape": (3, 2)}


def _mlp_case(rng):
    params = {"W1": dlarray(rng.standard_normal((8, 2)) * 0.5),
              "b1": dlarray(np.zeros((8, 1))),
              "W2": dlarray(rng.standard_normal((2, 8)) * 0.5)}

    def odefun(t, y, p):
        return dl.fullyconnect(np.tanh(dl.fullyconnect(y, p["W1"], p["b1"])), p["W2"],
                               np.zeros(2))

    y0 = dlarray(rng.standard_normal((2, 3)), "CB")
    return odefun, y0, params


def test_direct_and_adjoint_gradients_agree_with_each_other_and_finite_differences():
    rng = np.random.default_rng(0)
    odefun, y0, params = _mlp_case(rng)
    tspan = np.linspace(0, 1.5, 4)
    R = rng.standard_normal((2, 3, 3))

    def loss(y0, p, mode):
        Y = dl.dlode45(odefun, tspan, y0, p, gradient_mode=mode, relative_tolerance=1e-9,
                       absolute_tolerance=1e-11)
        value = np.sum(Y * R)
        return value, dlgradient(value, y0, p)

    ld, (gy_d, gp_d) = dlfeval(loss, y0, params, "direct")
    la, (gy_a, gp_a) = dlfeval(loss, y0, params, "adjoint")
    assert float(ld) == pytest.approx(float(la), rel=1e-12)
    np.testing.assert_allclose(extractdata(gy_a), extractdata(gy_d), rtol=1e-6, atol=1e-8)
    for name in params:
        assert gp_a[name].shape == params[name].shape
        np.testing.assert_allclose(extractdata(gp_a[name]), extractdata(gp_d[name]),
                                   rtol=1e-6, atol=1e-8)
    # Finite differences on the adjoint gradient with respect to W1.
    u = rng.standard_normal((8, 2))
    h = 1e-5

    def value(W1):
        p = dict(params, W1=dlarray(W1))
        Y = dl.dlode45(odefun, tspan, y0, p, relative_tolerance=1e-11,
                       absolute_tolerance=1e-13)
        return float(np.sum(extractdata(Y) * R))

    W1 = extractdata(params["W1"])
    numeric = (value(W1 + h * u) - value(W1 - h * u)) / (2 * h)
    assert float(np.sum(extractdata(gp_a["W1"]) * u)) == pytest.approx(numeric, rel=1e-5)


def test_default_tolerances_give_gradients_that_agree_to_solver_tolerance():
    rng = np.random.default_rng(1)
    odefun, y0, params = _mlp_case(rng)
    tspan = np.linspace(0, 2, 9)

    def loss(y0, p, mode):
        Y = dl.dlode45(odefun, tspan, y0, p, gradient_mode=mode)
        value = np.sum(Y ** 2)
        return dlgradient(value, p)

    gd = dlfeval(loss, y0, params, "direct")
    ga = dlfeval(loss, y0, params, "adjoint")
    for name in params:
        scale = np.max(np.abs(extractdata(gd[name])))
        assert np.max(np.abs(extractdata(ga[name]) - extractdata(gd[name]))) < 1e-2 * scale


def test_analytic_gradient_and_second_derivative_in_direct_mode():
    # y' = a y: Y(t) = y0 exp(a t); dY/da = t Y; d2Y/da2 = t^2 Y.
    y0 = dlarray(np.array([[1.5]]), "CB")
    a = dlarray(np.array(0.4))
    t1 = 2.0

    def second(a):
        Y = dl.dlode45(_linear, [0.0, t1], y0, a, relative_tolerance=1e-10,
                       absolute_tolerance=1e-12)
        g = dlgradient(np.sum(Y), a, enable_higher_derivatives=True)
        return g, dlgradient(g, a)

    g, g2 = dlfeval(second, a)
    Y = 1.5 * math.exp(0.4 * t1)
    assert float(g) == pytest.approx(t1 * Y, rel=1e-8)
    assert float(g2) == pytest.approx(t1 ** 2 * Y, rel=1e-7)


def test_adjoint_mode_refuses_higher_derivatives():
    y0 = dlarray(np.array([[1.0]]), "CB")

    def second(a):
        Y = dl.dlode45(_linear, [0.0, 1.0], y0, a, gradient_mode="adjoint")
        g = dlgradient(np.sum(Y), a, enable_higher_derivatives=True)
        return dlgradient(g, a)

    with pytest.raises(RuntimeError, match=r"dlode45: higher derivatives are not supported "
                                           r"with gradient_mode='adjoint'"):
        dlfeval(second, dlarray(np.array(0.3)))


def test_blow_up_gives_a_clear_error():
    with pytest.raises(RuntimeError, match=r"dlode45: the step size became too small at "
                                           r"t = 0\.99"):
        dl.dlode45(lambda t, y, p: y * y, [0.0, 2.0], dlarray(np.ones((1, 1)), "CB"), None)


def test_float32_stays_float32_even_when_odefun_promotes():
    Y0 = dlarray(np.ones((2, 2), np.float32), "CB")
    Y = dl.dlode45(_linear, [0.0, 0.5, 1.0], Y0, dlarray(np.array(-1.0, np.float32)))
    assert Y.dtype == np.float32
    np.testing.assert_allclose(extractdata(Y)[0, 0], np.exp([-0.5, -1.0]), rtol=1e-3)

    def promoting(t, y, a):
        return a * y + np.sin(t) * 0  # np.sin(t) is a float64 scalar

    for mode in ("direct", "adjoint"):
        def loss(Y0, a, mode=mode):
            Y = dl.dlode45(promoting, [0.0, 1.0], Y0, a, gradient_mode=mode)
            return Y, dlgradient(np.sum(Y), a)

        Y, g = dlfeval(loss, Y0, dlarray(np.array(-1.0, np.float32)))
        assert Y.dtype == np.float32 and g.dtype == np.float32


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(tspan=[0.0, 1.0, 0.5]), ValueError,
     r"dlode45: tspan must be strictly increasing or strictly decreasing; got \[0\.  1\.  "
     r"0\.5\]"),
    (dict(tspan=[0.0, 0.0, 1.0]), ValueError, r"dlode45: tspan must be strictly increasing"),
    (dict(tspan=1.0), ValueError, r"dlode45: tspan must be a vector of at least two times"),
    (dict(tspan=np.zeros((2, 2))), ValueError, r"dlode45: tspan must be a vector"),
    (dict(odefun=lambda t, y, p: np.zeros((3, 2))), ValueError,
     r"dlode45: odefun must return dy/dt with the shape of Y0 \(2, 2\); got shape \(3, 2\)"),
    (dict(odefun=lambda t, y, p: "fast"), TypeError, r"dlode45: odefun must return a dlarray"),
    (dict(odefun=None), TypeError, r"dlode45: odefun must be callable"),
    (dict(Y0=dlarray(np.ones((2, 2, 3)), "CBT")), ValueError,
     r"dlode45: Y0 must not have a T dimension"),
    (dict(gradient_mode="backprop"), ValueError, r"dlode45: gradient_mode must be one of"),
    (dict(relative_tolerance=0.0), ValueError, r"dlode45: relative_tolerance must be > 0"),
    (dict(absolute_tolerance=-1.0), ValueError, r"dlode45: absolute_tolerance must be > 0"),
])
def test_errors(kwargs, exc, match):
    args = dict(odefun=_linear, tspan=[0.0, 1.0], Y0=dlarray(np.ones((2, 2)), "CB"),
                theta=dlarray(np.array(1.0)))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        dl.dlode45(args.pop("odefun"), args.pop("tspan"), args.pop("Y0"), args.pop("theta"),
                   **args)


def test_dense_tspan_is_interpolated_without_extra_steps():
    calls = []

    def rotate(t, y, theta):
        calls.append(t)
        return np.concatenate([y[1:2], -y[0:1]])  # y'' = -y

    y0 = dlarray(np.array([[1.0], [0.0]]), "CB")
    few = dl.dlode45(rotate, [0.0, 3.0], y0, None, relative_tolerance=1e-6,
                     absolute_tolerance=1e-9)
    n_few = len(calls)
    calls.clear()
    tspan = np.linspace(0.0, 3.0, 101)
    many = dl.dlode45(rotate, tspan, y0, None, relative_tolerance=1e-6, absolute_tolerance=1e-9)
    assert len(calls) == n_few
    np.testing.assert_allclose(extractdata(many)[0, 0], np.cos(tspan[1:]), atol=1e-5)
    np.testing.assert_allclose(extractdata(many)[..., -1], extractdata(few)[..., 0], rtol=1e-12)


def test_adjoint_gradient_equals_direct_and_does_not_stop_at_every_output_time():
    rng = np.random.default_rng(2)
    odefun, y0, params = _mlp_case(rng)
    calls = []

    def counted(t, y, p):
        calls.append(t)
        return odefun(t, y, p)

    tspan = np.linspace(0.0, 2.0, 41)

    def loss(y0, p, mode):
        Y = dl.dlode45(counted, tspan, y0, p, gradient_mode=mode)
        return dlgradient(np.sum(Y ** 2), y0, p)

    forward = dl.dlode45(counted, tspan, y0, params)
    n_forward = len(calls)
    calls.clear()
    gy_d, gp_d = dlfeval(loss, y0, params, "direct")
    calls.clear()
    gy_a, gp_a = dlfeval(loss, y0, params, "adjoint")
    # The backward pass redoes each accepted step once (8 calls), whatever the output times.
    assert n_forward < 40 and len(calls) <= 3 * n_forward
    assert forward.shape == (2, 3, 40)
    np.testing.assert_allclose(extractdata(gy_a), extractdata(gy_d), rtol=1e-10, atol=1e-12)
    for name in params:
        np.testing.assert_allclose(extractdata(gp_a[name]), extractdata(gp_d[name]),
                                   rtol=1e-10, atol=1e-12)
