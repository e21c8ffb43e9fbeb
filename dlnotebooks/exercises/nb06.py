"""Exercises of notebook 06 (custom loss functions)."""

import numpy as np

from .. import ops
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise


def my_l1(Y, T):
    return np.sum(np.abs(Y - T)) / Y.shape[Y.fmt.index("B")]


_reference_l1 = my_l1  # the checker compares with the solution


@exercise(
    "06.1", "Your own L1 loss",
    hints=["np.abs(Y - T) works on dlarrays and is differentiable.",
           "Divide the sum by N, the size of the B dimension: Y.shape[Y.fmt.index('B')]."],
    solution=my_l1,
    wrong_answers=[lambda: (lambda Y, T: np.mean(np.abs(Y - T))),
                   lambda: (lambda Y, T: np.sum((Y - T) ** 2) / Y.shape[-1])],
)
def _(my_l1, report):
    rng = np.random.default_rng(60)
    for fmt, shape in (("CB", (3, 5)), ("CBT", (2, 4, 3))):
        Y = dlarray(rng.standard_normal(shape), fmt)
        T = dlarray(rng.standard_normal(shape), fmt)
        loss = my_l1(Y, T)
        if not isdlarray(loss) or loss.size != 1:
            report.stop(f"return a scalar dlarray; got {type(loss).__name__}.")
        want = float(ops.l1loss(Y, T))
        if not np.isclose(float(loss), want):
            n_obs = shape[fmt.index("B")]
            hint = (" — that is the mean over all elements; divide by the batch size N only"
                    if np.isclose(float(loss), want * n_obs / np.prod(shape)) else "")
            report.stop(f'for format "{fmt}" {shape}: loss {float(loss):.4f}, expected '
                        f"{want:.4f}{hint}.")

        def grads(Y):
            return dlgradient(my_l1(Y, T), Y)

        g = extractdata(dlfeval(grads, Y))
        want_g = np.sign(extractdata(Y) - extractdata(T)) / shape[fmt.index("B")]
        if not np.allclose(g, want_g):
            report.stop("the value matches but the gradient does not: use dlarray operations "
                        "(np.abs, np.sum) on Y so that dlgradient can follow them.")
    report.note("matches dl.l1loss in value and gradient for CB and CBT inputs.")


def balanced_weights(labels, num_classes):
    counts = np.bincount(labels, minlength=num_classes)
    return len(labels) / (num_classes * counts)


@exercise(
    "06.2", "Balanced class weights",
    hints=["np.bincount(labels, minlength=num_classes) counts each class.",
           "weight_k = N / (K * count_k): a class with half the average count weighs 2."],
    solution=balanced_weights,
    wrong_answers=[lambda: (lambda labels, k: np.bincount(labels, minlength=k) / len(labels)),
                   lambda: (lambda labels, k: 1.0 / np.bincount(labels, minlength=k))],
)
def _(balanced_weights, report):
    labels = np.array([0] * 90 + [1] * 6 + [2] * 4)
    w = np.asarray(extractdata(balanced_weights(labels, 3)) if isdlarray(
        balanced_weights(labels, 3)) else balanced_weights(labels, 3), dtype=float)
    want = len(labels) / (3 * np.array([90.0, 6.0, 4.0]))
    if w.shape != (3,):
        report.stop(f"return one weight per class, shape (3,); got shape {w.shape}.")
    if np.allclose(w, 1 / want):
        report.stop("these are the class frequencies (upside down): rare classes need the "
                    "LARGER weights.")
    if not np.allclose(w, want):
        ratio = w / want
        if np.allclose(ratio, ratio[0]):
            report.stop(f"the ratios between classes are right but the scale is off by "
                        f"{ratio[0]:.3g}: with N / (K·count) the weighted counts add up to N.")
        report.stop(f"expected {np.round(want, 3).tolist()}; got {np.round(w, 3).tolist()}.")
    weighted = w * np.array([90, 6, 4])
    report.note(f"each class now contributes {weighted[0]:.1f} 'effective examples'.")
