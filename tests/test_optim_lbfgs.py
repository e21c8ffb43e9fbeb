"""lbfgsupdate and lbfgsState: two-loop recursion, line searches, convergence, containers."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata, lbfgsState, lbfgsupdate
from dlnotebooks.optim.lbfgs import _two_loop

METHODS = ["weak-wolfe", "strong-wolfe", "backtracking"]


def _rosenbrock(x):
    y = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    return y, dlgradient(y, x)


def rosenbrock_loss(x):
    return dlfeval(_rosenbrock, x)


def test_two_loop_matches_dense_bfgs_recursion():
    rng = np.random.default_rng(0)
    n, m = 5, 3
    A = rng.standard_normal((n, n))
    A = A @ A.T + n * np.eye(n)  # y = A s gives positive curvature
    steps = [rng.standard_normal(n) for _ in range(m)]
    diffs = [A @ s for s in steps]
    lam = 0.7
    H = lam * np.eye(n)
    for s, y in zip(steps, diffs):  # oldest first
        rho = 1.0 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    g = rng.standard_normal(n)
    np.testing.assert_allclose(_two_loop(g, steps, diffs, lam), H @ g, rtol=1e-10)


def test_first_step_is_scaled_steepest_descent():
    # f = 0.5 x'x: with H0 = 0.5 I the first trial step a = 1 halves x and satisfies Wolfe.
    def loss(x):
        def f(x):
            y = 0.5 * np.sum(x * x)
            return y, dlgradient(y, x)
        return dlfeval(f, x)

    x0 = dlarray(np.array([2.0, -4.0]))
    x1, state = lbfgsupdate(x0, loss, lbfgsState(initial_inverse_hessian_factor=0.5))
    np.testing.assert_allclose(extractdata(x1), [1.0, -2.0])
    assert state.line_search_status == "completed"
    np.testing.assert_allclose(float(state.loss), 2.5)
    np.testing.assert_allclose(extractdata(state.gradient), [1.0, -2.0])
    np.testing.assert_allclose(extractdata(state.step_history[0]), [-1.0, 2.0])
    np.testing.assert_allclose(extractdata(state.gradients_difference_history[0]), [-1.0, 2.0])
    assert state.history_indices == [0]
    assert state.inverse_hessian_factor == pytest.approx(1.0)  # s.y / y.y for f'' = I


@pytest.mark.parametrize("method", METHODS)
def test_converges_on_quadratic(method):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    A = A @ A.T + np.eye(6)
    b = rng.standard_normal(6)
    solution = np.linalg.solve(A, b)

    def loss(x):
        def f(x):
            y = 0.5 * np.sum(x * (dlarray(A) @ x)) - np.sum(dlarray(b) * x)
            return y, dlgradient(y, x)
        return dlfeval(f, x)

    x, state = dlarray(np.zeros(6)), None
    for iteration in range(1, 31):
        x, state = lbfgsupdate(x, loss, state, line_search_method=method)
        if np.linalg.norm(extractdata(x) - solution) < 1e-8:
            break
    assert iteration <= 15
    np.testing.assert_allclose(extractdata(x), solution, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("start", [(-1.2, 1.0), (-1.0, 2.0)])
def test_converges_on_rosenbrock_well_under_100_iterations(method, start):
    x, state = dlarray(np.array(start)), None
    for iteration in range(1, 101):
        x, state = lbfgsupdate(x, rosenbrock_loss, state, line_search_method=method)
        if np.linalg.norm(extractdata(x) - 1.0) < 1e-6:
            break
    assert np.linalg.norm(extractdata(x) - 1.0) < 1e-6
    assert iteration <= 60  # measured: 33 to 48 iterations
    assert state.line_search_status == "completed"


def test_inputs_are_not_modified():
    x0 = dlarray(np.array([-1.2, 1.0]))
    state0 = lbfgsState(history_size=3)
    x1, state1 = lbfgsupdate(x0, rosenbrock_loss, state0)
    x2, state2 = lbfgsupdate(x1, rosenbrock_loss, state1)
    np.testing.assert_array_equal(extractdata(x0), [-1.2, 1.0])
    assert state0.loss is None and state0.num_iterations == 0
    assert state1.num_iterations == 1 and state2.num_iterations == 2
    assert len(state1.step_history) == 1 and len(state2.step_history) == 2


def test_history_keeps_the_last_history_size_pairs():
    x, state = dlarray(np.array([-1.2, 1.0])), lbfgsState(history_size=3)
    for _ in range(8):
        x, state = lbfgsupdate(x, rosenbrock_loss, state)
    assert len(state.step_history) <= 3
    assert len(state.history_indices) == len(state.step_history)
    assert state.history_indices == sorted(state.history_indices)
    assert state.history_indices[-1] == 7


def test_state_properties_are_read_only():
    state = lbfgsState(history_size=4, initial_inverse_hessian_factor=2)
    assert (state.history_size, state.initial_inverse_hessian_factor) == (4, 2.0)
    with pytest.raises(AttributeError):
        state.history_size = 5
    with pytest.raises(AttributeError):
        state.initial_inverse_hessian_factor = 1
    assert state.line_search_status == "" and "lbfgsState(history_size=4" in repr(state)


def test_works_on_containers_and_learnables_and_networks():
    rng = np.random.default_rng(2)
    X = dlarray(rng.standard_normal((3, 20)), "CB")
    T = dlarray(rng.standard_normal((1, 20)) * 0 + 0.5, "CB")

    def model_loss(params, X, T):
        Y = dl.fullyconnect(X, params["fc"]["W"], params["fc"]["b"])
        loss = dl.mse(Y, T)
        return loss, dlgradient(loss, params)

    params = {"fc": {"W": dlarray(np.zeros((1, 3))), "b": dlarray(np.zeros((1, 1)))}}
    state = None
    for _ in range(10):
        params, state = lbfgsupdate(params, lambda p: dlfeval(model_loss, p, X, T), state)
    assert float(state.loss) < 1e-12
    assert set(state.gradient) == {"fc"} and set(state.gradient["fc"]) == {"W", "b"}

    net = dl.dlnetwork([dl.featureInputLayer(3), dl.fullyConnectedLayer(1)],
                       rng=np.random.default_rng(0))

    def net_loss(net, X, T):
        loss = dl.mse(dl.forward(net, X)[0], T)
        return loss, dlgradient(loss, net.learnables)

    state = None
    for _ in range(10):
        new, state = lbfgsupdate(net, lambda n: dlfeval(net_loss, n, X, T), state)
        net = new
    assert isinstance(net, dl.dlnetwork)
    assert isinstance(state.gradient, dl.Learnables)
    assert float(state.loss) < 1e-8  # float32 learnables


def test_failed_line_search_keeps_params_and_reports():
    calls = []

    def wrong_gradient(x):  # gradient of the wrong sign: no trial step decreases the loss
        calls.append(1)
        v = extractdata(x)
        return float(np.sum(v ** 2)), dlarray(-2 * v)

    x0 = dlarray(np.array([1.0, 2.0]))
    x1, state = lbfgsupdate(x0, wrong_gradient, None, max_num_line_search_iterations=5)
    assert state.line_search_status == "failed"
    np.testing.assert_array_equal(extractdata(x1), extractdata(x0))
    assert len(calls) == 1 + 5  # the initial evaluation plus five trials
    assert state.step_history == []


def test_bad_inputs_raise():
    x = dlarray(np.zeros(2))
    with pytest.raises(TypeError, match="lbfgsupdate: loss_fcn must be callable"):
        lbfgsupdate(x, 3)
    with pytest.raises(ValueError, match="lbfgsupdate: line_search_method must be one of"):
        lbfgsupdate(x, rosenbrock_loss, line_search_method="exact")
    with pytest.raises(ValueError, match="lbfgsupdate: max_num_line_search_iterations must be "
                                         "positive"):
        lbfgsupdate(x, rosenbrock_loss, max_num_line_search_iterations=0)
    with pytest.raises(TypeError, match="lbfgsupdate: solver_state must be an lbfgsState"):
        lbfgsupdate(x, rosenbrock_loss, {"history": []})
    with pytest.raises(TypeError, match=r"lbfgsupdate: loss_fcn must return \(loss, gradients\)"):
        lbfgsupdate(x, lambda p: 1.0)
    with pytest.raises(ValueError, match="lbfgsupdate: the gradients returned by loss_fcn must "
                                         "have the same structure as params"):
        lbfgsupdate({"a": x}, lambda p: (1.0, {"b": x}))
    _, state = lbfgsupdate(x, rosenbrock_loss)
    with pytest.raises(ValueError, match="lbfgsupdate: solver_state belongs to parameters with "
                                         "2 values; got params with 3 values"):
        lbfgsupdate(dlarray(np.zeros(3)), lambda p: (0.0, p), state)
    with pytest.raises(ValueError, match="lbfgsupdate: loss_fcn must return a finite loss"):
        lbfgsupdate(x, lambda p: (np.inf, p))
    with pytest.raises(ValueError, match="lbfgsState: history_size must be positive"):
        lbfgsState(history_size=0)
    with pytest.raises(ValueError, match="lbfgsState: initial_inverse_hessian_factor must be > 0"):
        lbfgsState(initial_inverse_hessian_factor=0)
