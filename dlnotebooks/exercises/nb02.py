"""Exercises of notebook 02 (automatic differentiation)."""

import numpy as np

from .. import ops
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata
from ._framework import dl, exercise


def _data():
    rng = np.random.default_rng(11)
    X = dlarray(rng.standard_normal((3, 8)), "CB")
    T = dlarray(rng.standard_normal((2, 8)), "CB")
    params = {"W": dlarray(rng.standard_normal((2, 3))), "b": dlarray(rng.standard_normal((2, 1)))}
    return params, X, T


def _wrong_l2loss(params, X, T):
    loss = ops.l2loss(ops.fullyconnect(X, params["W"], params["b"]), T)
    return loss, dlgradient(loss, params)


def _wrong_bias_gradient(params, X, T):
    loss, grads = _reference_model_loss(params, X, T)
    return loss, {"W": grads["W"], "b": grads["b"] * 0.5}


def model_loss(params, X, T):
    Y = dl.fullyconnect(X, params["W"], params["b"])
    loss = dl.mse(Y, T)
    return loss, dl.dlgradient(loss, params)


_reference_model_loss = model_loss  # the checker compares with the solution


@exercise(
    "02.1", "Loss and gradients of a linear model",
    hints=["Y = fullyconnect(X, params['W'], params['b']); loss = mse(Y, T).",
           "dlgradient(loss, params) returns a dict with the same keys as params.",
           "Return the pair (loss, gradients); dlfeval runs your function with tracing."],
    solution=model_loss,
    wrong_answers=[lambda: _wrong_l2loss, lambda: _wrong_bias_gradient],
)
def _(model_loss, report):
    params, X, T = _data()
    out = dlfeval(model_loss, params, X, T)
    if not (isinstance(out, tuple) and len(out) == 2):
        report.stop("return two values: (loss, gradients).")
    loss, grads = out
    ref_loss, ref_grads = dlfeval(_reference_model_loss, params, X, T)
    if not np.isclose(float(loss), float(ref_loss)):
        ratio = float(loss) / float(ref_loss)
        extra = (" — twice the expected value: mse is the *half* mean squared error"
                 if np.isclose(ratio, 2.0) else "")
        report.fail(f"the loss is {float(loss):.4f}, expected {float(ref_loss):.4f}{extra}.")
    if not isinstance(grads, dict) or set(grads) != {"W", "b"}:
        report.stop("the gradients should be a dict with keys 'W' and 'b', like params; got "
                    f"{type(grads).__name__}.")
    for name in ("W", "b"):
        got, want = extractdata(grads[name]), extractdata(ref_grads[name])
        if got.shape != want.shape:
            report.fail(f"gradient of {name} has shape {got.shape}, expected {want.shape}.")
        elif not np.allclose(got, want, rtol=1e-6, atol=1e-9):
            worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
            report.fail(f"gradient of {name} is off, most at index {tuple(map(int, worst))}: "
                        f"{got[worst]:.4f} instead of {want[worst]:.4f}.")


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
        got = float(dlfeval(curvature, dlarray(value)))
        want = (2 - value ** 2) * np.sin(value) + 4 * value * np.cos(value)
        first = 2 * value * np.sin(value) + value ** 2 * np.cos(value)
        if np.isclose(got, first) and not np.isclose(first, want):
            report.stop(f"at x = {value} you returned the first derivative ({got:.4f}); "
                        "differentiate once more.")
        if not np.isclose(got, want):
            report.stop(f"at x = {value} the second derivative is {want:.4f}; got {got:.4f}.")
    report.note("d²/dx² [x² sin x] = (2 − x²) sin x + 4x cos x — matches at three points.")
