"""Exercises of notebook 02 (automatic differentiation)."""

import numpy as np

from .. import ops
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata
from ._framework import dl, exercise


def _data():
    # Three output channels: with two, np.mean((Y - T)**2) (sum / 2N) equals mse (sum / 2N)
    # and a wrong data term would pass.
    rng = np.random.default_rng(11)
    X = dlarray(rng.standard_normal((4, 8)), "CB")
    T = dlarray(rng.standard_normal((3, 8)), "CB")
    params = {"W": dlarray(rng.standard_normal((3, 4))), "b": dlarray(rng.standard_normal((3, 1)))}
    return params, X, T, 0.1


def _loss_with(data_term, penalty):
    """A wrong answer built from another data term or penalty, with dlgradient's gradients."""
    def regularized_loss(params, X, T, l2):
        Y = ops.fullyconnect(X, params["W"], params["b"])
        loss = data_term(Y, T) + penalty(params, l2)
        return loss, dlgradient(loss, params)
    return regularized_loss


def _half_sum_of_squares(params, l2):
    return l2 / 2 * np.sum(params["W"] ** 2)


_WRONG_TERMS = [
    # (data term, penalty, what the numbers suggest)
    (ops.mse, lambda p, l2: l2 / 2 * (np.sum(p["W"] ** 2) + np.sum(p["b"] ** 2)),
     "your penalty also covers the bias: weight decay applies to the weights only, "
     "l2/2 · Σ W²."),
    (ops.mse, lambda p, l2: l2 * np.sum(p["W"] ** 2),
     "your penalty is twice the expected one: it is l2/2 · Σ W² (the ½ makes its gradient "
     "exactly l2·W)."),
    (ops.mse, lambda p, l2: 0.0,
     "your loss is the plain mse of linear_loss above: add the weight-decay term l2/2 · Σ W²."),
    (lambda Y, T: np.mean((Y - T) ** 2), _half_sum_of_squares,
     "your data term is np.mean((Y - T)**2), the mean over every element; mse is the half "
     "mean squared error per observation: Σ (Y − T)² / (2N) with N observations, as "
     "dl.mse computes it."),
    (lambda Y, T: np.mean((Y - T) ** 2) / 2, _half_sum_of_squares,
     "your data term averages over all elements (channels too): mse divides the sum by 2N, "
     "N the number of observations — use dl.mse(Y, T)."),
    (ops.l2loss, _half_sum_of_squares,
     "your data term is l2loss; the exercise asks for mse, the half mean squared error."),
]


def regularized_loss(params, X, T, l2):
    Y = dl.fullyconnect(X, params["W"], params["b"])
    loss = dl.mse(Y, T) + l2 / 2 * np.sum(params["W"] ** 2)
    return loss, dl.dlgradient(loss, params)


def _wrong_decay_in_gradient_only(params, X, T, l2):
    Y = ops.fullyconnect(X, params["W"], params["b"])
    loss = ops.mse(Y, T)
    grads = dlgradient(loss, params)
    return loss, {"W": grads["W"] + l2 * params["W"], "b": grads["b"]}


@exercise(
    "02.1", "A loss with weight decay",
    hints=["Start from linear_loss above: Y = dl.fullyconnect(X, params['W'], params['b']), "
           "then dl.mse(Y, T).",
           "Add the penalty to the loss before differentiating: "
           "loss = dl.mse(Y, T) + l2 / 2 * np.sum(params['W'] ** 2) — weights only, no bias.",
           "dlgradient(loss, params) then contains the decay term l2·W in the weights' "
           "gradient by itself; return (loss, gradients)."],
    solution=regularized_loss,
    wrong_answers=[lambda k=k: _loss_with(*_WRONG_TERMS[k][:2]) for k in range(len(_WRONG_TERMS))]
    + [lambda: _wrong_decay_in_gradient_only],
)
def _(regularized_loss_fn, report):
    params, X, T, l2 = _data()
    out = dlfeval(regularized_loss_fn, params, X, T, l2)
    if not (isinstance(out, tuple) and len(out) == 2):
        report.stop("return two values: (loss, gradients).")
    loss, grads = out
    ref_loss, ref_grads = dlfeval(regularized_loss, params, X, T, l2)
    if not np.isclose(float(loss), float(ref_loss)):
        for data_term, penalty, message in _WRONG_TERMS:
            candidate = float(data_term(ops.fullyconnect(X, params["W"], params["b"]), T)
                              + penalty(params, l2))
            if np.isclose(float(loss), candidate):
                report.stop(message)
        report.stop(f"the loss is {float(loss):.4f}, expected {float(ref_loss):.4f} = "
                    "mse(Y, T) + l2/2 · Σ W².")
    if not isinstance(grads, dict) or set(grads) != {"W", "b"}:
        report.stop("the gradients should be a dict with keys 'W' and 'b', like params; got "
                    f"{type(grads).__name__}.")
    for name in ("W", "b"):
        got, want = extractdata(grads[name]), extractdata(ref_grads[name])
        if got.shape != want.shape:
            report.stop(f"gradient of {name} has shape {got.shape}, expected {want.shape}.")
        if not np.allclose(got, want, rtol=1e-6, atol=1e-9):
            worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
            report.stop(f"gradient of {name} is off, most at index {tuple(map(int, worst))}: "
                        f"{got[worst]:.4f} instead of {want[worst]:.4f}. Differentiate the "
                        "whole loss, penalty included, with one dlgradient call.")
    report.note("dlgradient put the decay l2·W into the weights' gradient for you.")


def curvature(x):
    y = np.sin(x) * x ** 2
    dydx = dl.dlgradient(y, x, enable_higher_derivatives=True)
    return dl.dlgradient(dydx, x)


_reference_curvature = curvature  # the checker compares with the solution


@exercise(
    "02.2", "A second derivative",
    hints=["Take the first derivative with enable_higher_derivatives=True so it stays traced.",
           "Then call dlgradient on that first derivative, with respect to the same x."],
    solution=curvature,
    wrong_answers=[lambda: (lambda x: dlgradient(np.sin(x) * x ** 2, x))],
)
def _(curvature, report):
    for value in (0.5, 1.7, -2.0):
        try:
            got = float(dlfeval(curvature, dlarray(value)))
        except ValueError as err:
            if "traced" not in str(err) and "depend" not in str(err):
                raise
            report.stop(_untraced_cause(curvature))
        want = (2 - value ** 2) * np.sin(value) + 4 * value * np.cos(value)
        first = 2 * value * np.sin(value) + value ** 2 * np.cos(value)
        if np.isclose(got, first) and not np.isclose(first, want):
            report.stop(f"at x = {value} you returned the first derivative ({got:.4f}); "
                        "differentiate once more.")
        if np.isclose(got, (2 + value ** 2) * np.sin(value) + 4 * value * np.cos(value)):
            report.stop("you seem to have derived it by hand with a sign slip: your values match "
                        "(2 + x²) sin x + 4x cos x, but d/dx cos x = −sin x, so the x² sin x "
                        "term is negative. Let dlgradient differentiate twice instead.")
        if np.isclose(got, -want):
            report.stop(f"at x = {value} you returned minus the second derivative ({got:.4f} "
                        f"instead of {want:.4f}): check the sign.")
        if not np.isclose(got, want):
            report.stop(f"at x = {value} the second derivative is {want:.4f}; got {got:.4f}.")
    report.note("d²/dx² [x² sin x] = (2 − x²) sin x + 4x cos x — matches at three points.")


def _untraced_cause(curvature):
    """Why the second dlgradient found nothing to differentiate, from the learner's source."""
    import inspect

    try:
        source = inspect.getsource(curvature)
    except (OSError, TypeError):
        source = ""
    flag = ("the second dlgradient has nothing to follow: the first derivative was computed "
            "without enable_higher_derivatives=True, so it is a constant. Pass "
            "enable_higher_derivatives=True to the first dlgradient.")
    detached = ("the second dlgradient has nothing to follow: the first derivative went through "
                "extractdata (or float, or a new dlarray), which cuts it off from x. Keep it the "
                "dlarray that dlgradient returned.")
    if source and "enable_higher_derivatives=True" not in source.replace(" ", ""):
        return flag
    if source:
        return detached
    return (f"{flag} If you did pass it: the first derivative must also stay the dlarray that "
            "dlgradient returned — extractdata cuts it off from x.")
