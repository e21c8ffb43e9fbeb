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
            report.stop(f"return a scalar dlarray; got {type(loss).__name__}"
                        f"{' of shape ' + str(loss.shape) if hasattr(loss, 'shape') else ''}. "
                        "Compute with np.abs and np.sum on the dlarrays themselves: extractdata "
                        "or float() give plain numbers that dlgradient cannot follow.")
        want = float(ops.l1loss(Y, T))
        got = float(loss)
        if not np.isclose(got, want):
            n_obs = shape[fmt.index("B")]
            total = want * n_obs
            where = f'for format "{fmt}" {shape}: loss {got:.4f}, expected {want:.4f}'
            squared = float(np.sum((extractdata(Y) - extractdata(T)) ** 2))
            if np.isclose(got, total / np.prod(shape)):
                report.stop(f"{where} — that is the mean over all elements; divide the sum by "
                            "the batch size N only.")
            if fmt == "CBT" and np.isclose(got, total / shape[-1]):
                report.stop(f'{where}: for "CBT" data the last dimension is T, not B — you '
                            f"divided by T = {shape[-1]} (Y.shape[-1] is N only for \"CB\" data)."
                            f" Find N where the format says: Y.shape[Y.fmt.index(\"B\")].")
            if np.isclose(got, total):
                report.stop(f"{where}: the sum was not divided by N = {n_obs}, the number of "
                            "observations.")
            if any(np.isclose(got, squared / d) for d in (1, n_obs, np.prod(shape), 2 * n_obs)):
                report.stop(f"{where}: that is the squared error (L2 loss); the L1 loss adds up "
                            "absolute values, np.abs(Y - T).")
            report.stop(f"{where}.")

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
    out = balanced_weights(labels, 3)
    w = np.asarray(extractdata(out) if isdlarray(out) else out, dtype=float)
    counts = np.array([90.0, 6.0, 4.0])
    want = len(labels) / (3 * counts)
    if w.shape != (3,):
        report.stop(f"return one weight per class, shape (3,); got shape {w.shape}.")
    if np.allclose(w, counts / len(labels)) or np.allclose(w, 1 / want):
        report.stop("these are the class frequencies (count / N), upside down: the common "
                    "class got the largest weight. Rare classes need the LARGER weights, "
                    "N / (K·count).")
    if not np.allclose(w, want):
        ratio = w / want
        if np.allclose(ratio, ratio[0]):
            if np.allclose(w, 1 / counts):
                report.stop("this is 1 / count: the proportions are right, but scale it by "
                            "N / K (here 100 / 3) so that the weighted counts add up to N.")
            if np.isclose(ratio[0], 3):
                report.stop("off by exactly K = 3: divide by the number of classes too, "
                            "N / (K·count), so that each class contributes N / K.")
            if np.isclose(w.sum(), 1):
                report.stop("your weights sum to 1; with N / (K·count) it is the weighted "
                            "counts that add up, to N (each class contributes N / K).")
            report.stop(f"the ratios between classes are right but the scale is off by "
                        f"{ratio[0]:.3g}: with N / (K·count) the weighted counts add up to N.")
        report.stop(f"expected {np.round(want, 3).tolist()}; got {np.round(w, 3).tolist()}.")
    weighted = w * counts
    report.note(f"each class now contributes {weighted[0]:.1f} 'effective examples'.")
