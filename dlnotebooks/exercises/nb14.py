"""Exercises of notebook 14 (Wasserstein GAN with gradient penalty)."""

import numpy as np

from .. import ops
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import dl, exercise


def _critic_parameters():
    rng = np.random.default_rng(140)
    return {"fc1": {"Weights": dlarray(rng.standard_normal((6, 2))),
                    "Bias": dlarray(rng.standard_normal((6, 1)) * 0.5)},
            "fc2": {"Weights": dlarray(rng.standard_normal((1, 6)) * 0.7),
                    "Bias": dlarray(np.zeros((1, 1)))}}


def _critic(parameters, X):
    H = ops.leakyrelu(ops.fullyconnect(X, parameters["fc1"]["Weights"],
                                       parameters["fc1"]["Bias"]), 0.2)
    return ops.fullyconnect(H, parameters["fc2"]["Weights"], parameters["fc2"]["Bias"])


def _penalty_with(norm, higher=True):
    def gradient_penalty(critic, X_hat, lam):
        gradients = dlgradient(np.sum(critic(X_hat)), X_hat, enable_higher_derivatives=higher)
        return lam * np.mean((norm(gradients) - 1) ** 2)
    return gradient_penalty


def _norm_per_observation(g):
    return np.sqrt(np.sum(g ** 2, axis=0) + 1e-10)


def _norm_over_batch(g):
    return np.sqrt(np.sum(g ** 2, axis=1) + 1e-10)


def _norm_of_everything(g):
    return np.sqrt(np.sum(g ** 2) + 1e-10)


def _squared_norm(g):
    return np.sum(g ** 2, axis=0)


def gradient_penalty(critic, X_hat, lam):
    gradients = dl.dlgradient(np.sum(critic(X_hat)), X_hat, enable_higher_derivatives=True)
    gradient_norm = np.sqrt(np.sum(gradients ** 2, axis=0) + 1e-10)
    return lam * np.mean((gradient_norm - 1) ** 2)


_reference_penalty = gradient_penalty  # the checker compares with the solution


@exercise(
    "14.1", "The gradient penalty",
    hints=[("dlgradient(np.sum(critic(X_hat)), X_hat, enable_higher_derivatives=True) gives "
           "the critic's gradient at every point — summing first is fine because each "
           "observation's score depends only on its own input."),
           ("For \"CB\" data the norm of one observation's gradient runs over the channels, "
           "axis 0: np.sqrt(np.sum(g ** 2, axis=0) + 1e-10) has one value per observation."),
           ("Without enable_higher_derivatives=True the gradient is a constant, and the "
           "penalty cannot be differentiated with respect to the critic's parameters.")],
    solution=gradient_penalty,
    wrong_answers=[lambda: _penalty_with(_norm_per_observation, higher=False),
                   lambda: _penalty_with(_norm_over_batch),
                   lambda: _penalty_with(_norm_of_everything),
                   lambda: _penalty_with(_squared_norm)],
)
def _(gradient_penalty, report):
    parameters = _critic_parameters()
    X_hat = dlarray(np.random.default_rng(141).standard_normal((2, 16)), "CB")
    lam = 10.0

    def evaluate(penalty_function, parameters, X_hat):
        penalty = penalty_function(lambda X: _critic(parameters, X), X_hat, lam)
        return penalty

    penalty = dlfeval(evaluate, gradient_penalty, parameters, X_hat)
    if not isdlarray(penalty) or penalty.size != 1:
        report.stop(f"return a scalar dlarray; got {type(penalty).__name__}"
                    f"{' of size ' + str(penalty.size) if hasattr(penalty, 'size') else ''}.")
    got = float(penalty)
    want = float(dlfeval(evaluate, _reference_penalty, parameters, X_hat))
    if not np.isclose(got, want, rtol=1e-6):
        alternatives = [
            (_norm_over_batch, ("you took the norm along the batch (axis 1), over the same "
             "channel of different observations; each observation needs the norm of its own "
             "gradient — over the channels, axis 0 for \"CB\" data.")),
            (_norm_of_everything, ("you took one norm of the whole batch's gradient; the "
             "penalty needs one norm per observation (sum over the channels, axis 0), and then "
             "the mean of (norm − 1)² over the observations.")),
            (_squared_norm, ("that is the squared norm: take np.sqrt of the sum of squares "
             "(plus 1e-10, which keeps the square root differentiable at 0).")),
        ]
        for norm, message in alternatives:
            if np.isclose(got, float(dlfeval(evaluate, _penalty_with(norm), parameters, X_hat)),
                          rtol=1e-6):
                report.stop(message)
        if np.isclose(got, want * X_hat.shape[-1], rtol=1e-6):
            report.stop(f"you summed over the observations (N = {X_hat.shape[-1]}): take the "
                        "mean of (‖∇‖ − 1)², so that the penalty's weight λ does not depend on "
                        "the mini-batch size.")
        if np.isclose(got * lam, want, rtol=1e-6):
            report.stop(f"multiply by lam (here {lam:g}): the penalty is λ·mean((‖∇‖ − 1)²).")
        report.stop(f"the penalty is {got:.5f}; expected {want:.5f} = "
                    "λ·mean((‖∇x̂ D(x̂)‖ − 1)²) with one norm per observation.")

    def grads(penalty_function, parameters, X_hat):
        return dlgradient(evaluate(penalty_function, parameters, X_hat), parameters)

    try:
        got_g = dlfeval(grads, gradient_penalty, parameters, X_hat)
    except ValueError as err:
        if "does not depend" not in str(err) and "traced" not in str(err):
            raise
        report.stop("the value is right, but the penalty does not depend on the critic's "
                    "parameters: the critic would never feel it. Pass "
                    "enable_higher_derivatives=True to the dlgradient that computes the "
                    "critic's gradient, so that it can be differentiated once more.")
    want_g = dlfeval(grads, _reference_penalty, parameters, X_hat)
    for layer in ("fc1", "fc2"):
        for name in ("Weights", "Bias"):
            if not np.allclose(extractdata(got_g[layer][name]), extractdata(want_g[layer][name]),
                               rtol=1e-5, atol=1e-9):
                report.stop(f"the value is right but its gradient with respect to "
                            f"{layer}.{name} is not: compute every step with dlarray "
                            "operations on the traced gradient.")
    report.note(f"penalty {got:.4f}, and its gradient reaches every critic parameter (a "
                "second-order derivative).")


def _one_epsilon(X, X_generated, rng):
    epsilon = rng.random()
    return epsilon * X + (1 - epsilon) * X_generated


def _epsilon_per_element(X, X_generated, rng):
    epsilon = dlarray(rng.random(X.shape).astype(X.dtype), "CB")
    return epsilon * X + (1 - epsilon) * X_generated


def _midpoint(X, X_generated, rng):
    return 0.5 * X + 0.5 * X_generated


def _normal_epsilon(X, X_generated, rng):
    epsilon = dlarray(rng.standard_normal((1, X.shape[-1])).astype(X.dtype), "CB")
    return epsilon * X + (1 - epsilon) * X_generated


def interpolate(X, X_generated, rng):
    epsilon = dl.dlarray(rng.random((1, X.shape[-1])).astype("float32"), "CB")
    return epsilon * X + (1 - epsilon) * X_generated


_reference_interpolate = interpolate  # the checker compares with the solution


@exercise(
    "14.2", "Points between real and generated",
    hints=[("One ε per observation, uniform on [0, 1]: rng.random((1, N)) with N = "
           "X.shape[-1]; as a \"CB\" dlarray it broadcasts over the channels."),
           "x̂ = ε·x + (1 − ε)·G(z) lies on the straight line from G(z) (ε = 0) to x (ε = 1)."],
    solution=interpolate,
    wrong_answers=[lambda: _one_epsilon, lambda: _epsilon_per_element, lambda: _midpoint,
                   lambda: _normal_epsilon],
)
def _(interpolate, report):
    n = 2000
    rng = np.random.default_rng(142)
    X = dlarray(rng.standard_normal((2, n)).astype("float32"), "CB")
    offset = rng.choice([-1.0, 1.0], (2, n)) * rng.uniform(0.5, 2.0, (2, n))
    X_generated = dlarray((extractdata(X) + offset).astype("float32"), "CB")
    X_hat = interpolate(X, X_generated, np.random.default_rng(1))
    if not isdlarray(X_hat) or X_hat.fmt != "CB" or X_hat.shape != X.shape:
        report.stop(f'return a "CB" dlarray of size {X.shape}, like X; got '
                    f"{type(X_hat).__name__} {getattr(X_hat, 'fmt', '')!r} "
                    f"{getattr(X_hat, 'shape', '')}.")
    x, g, h = extractdata(X), extractdata(X_generated), extractdata(X_hat)
    t = (h - g) / (x - g)                       # the ε of each element: x̂ = ε x + (1 − ε) g
    if not np.allclose(t[0], t[1], atol=1e-4):
        report.stop("the two channels of an observation were mixed with different ε: x̂ left "
                    "the straight line between G(z) and x. Draw one ε per observation, shape "
                    "(1, N), shared by all its channels.")
    t = t[0]
    if np.ptp(t) < 1e-6:
        if np.isclose(t[0], 0.5):
            report.stop("every x̂ is the midpoint (ε = 0.5): ε must be random, uniform on "
                        "[0, 1], so that the penalty is enforced all along the line.")
        report.stop(f"every observation used the same ε = {t[0]:.3f}: draw one ε per "
                    "observation, rng.random((1, N)).")
    outside = np.sum((t < -1e-5) | (t > 1 + 1e-5))
    if outside:
        report.stop(f"{outside} of {n} points x̂ lie outside the segment between G(z) and x "
                    f"(ε from {t.min():.2f} to {t.max():.2f}): ε must be uniform on [0, 1] "
                    "(rng.random), not normal.")
    if abs(t.mean() - 0.5) > 0.04 or abs(np.mean(t < 0.25) - 0.25) > 0.04:
        report.stop(f"ε should be uniform on [0, 1]; yours have mean {t.mean():.2f} and "
                    f"{np.mean(t < 0.25):.0%} below 0.25 (expected 0.5 and 25 %).")
    again = extractdata(interpolate(X, X_generated, np.random.default_rng(1)))
    if not np.allclose(again, h):
        report.stop("two calls with equally seeded generators gave different points: draw ε "
                    "from the rng argument, not np.random.")

    def grad(X):
        return dlgradient(np.sum(interpolate(X, X_generated, np.random.default_rng(1))), X)

    gx = extractdata(dlfeval(grad, X))
    if not np.allclose(gx, np.broadcast_to(t, gx.shape), atol=1e-4):
        report.stop("the points are right but the gradient does not reach X: compute x̂ from "
                    "the dlarrays with dlarray arithmetic.")
    report.note(f"{n} points spread along their segments (mean ε {t.mean():.2f}).")
