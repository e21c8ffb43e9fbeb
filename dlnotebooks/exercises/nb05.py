"""Exercises of notebook 05 (initializing learnable parameters)."""

import numpy as np

from .. import init
from ..core import extractdata, isdlarray
from ._framework import dl, exercise


def _values(w, report):
    if not isdlarray(w) and not isinstance(w, np.ndarray):
        report.stop(f"return a dlarray; got {type(w).__name__}.")
    return np.asarray(extractdata(w) if isdlarray(w) else w, dtype=float)


def init_conv(filter_size, num_channels, num_filters, rng):
    shape = tuple(filter_size) + (num_channels, num_filters)
    num_in, num_out = dl.init.fan_in_out("conv", shape)
    return dl.init.glorot(shape, num_out, num_in, rng=rng)


_reference_conv = init_conv  # the checker compares with the solution


@exercise(
    "05.1", "Glorot weights for a convolution",
    hints=["MATLAB's convolution weights are (h, w, num_channels, num_filters).",
           "dl.init.fan_in_out('conv', shape) gives (num_in, num_out) = (h·w·C, h·w·F).",
           "dl.init.glorot(shape, num_out, num_in, rng=rng) — note num_out comes first."],
    solution=init_conv,
    wrong_answers=[
        lambda: (lambda fs, c, f, rng: init.glorot(tuple(fs) + (f, c), 9 * f, 9 * c, rng=rng)),
        lambda: (lambda fs, c, f, rng: init.glorot(tuple(fs) + (c, f), c, f, rng=rng)),
    ],
)
def _(init_conv, report):
    try:
        w = _values(init_conv((3, 3), 4, 32, np.random.default_rng(0)), report)
    except (TypeError, ValueError) as err:
        if "(3, 3)" not in str(err):
            raise
        report.stop("filter_size is a tuple (h, w), here (3, 3), not a single number: build the "
                    "shape as tuple(filter_size) + (num_channels, num_filters). "
                    f"({type(err).__name__}: {err})")
    if w.shape == (3, 3, 32, 4):
        report.stop("the channels and filters are swapped: MATLAB's layout is (h, w, C, F) = "
                    "(3, 3, 4, 32), the number of filters last.")
    if w.shape != (3, 3, 4, 32):
        report.stop(f"expected MATLAB's layout (h, w, C, F) = (3, 3, 4, 32); got {w.shape}.")
    bound = np.sqrt(6 / (9 * 4 + 9 * 32))
    std = float(np.std(w))
    # Uniform values on ±b have max |w| = b ≈ 1.73 std; normal ones reach 3 std and more.
    if np.max(np.abs(w)) > 2.2 * std:
        report.stop(f"the values look normal (Gaussian), std {std:.3f}, reaching "
                    f"{np.max(np.abs(w)):.3f}: that is He (or another normal) initialization. "
                    f"Glorot is uniform on ±√(6/(num_in + num_out)) = ±{bound:.3f}.")
    if np.max(np.abs(w)) > bound * 1.0001:
        report.stop(f"values reach {np.max(np.abs(w)):.3f}, beyond the Glorot bound {bound:.3f}"
                    " = √(6/(9·4 + 9·32)): include the filter area in the fans.")
    if np.max(np.abs(w)) < 0.9 * bound or abs(np.mean(w)) > 0.1 * bound:
        report.stop(f"the values should be uniform on ±{bound:.3f}; got range "
                    f"[{w.min():.3f}, {w.max():.3f}].")
    again = _values(init_conv((3, 3), 4, 32, np.random.default_rng(0)), report)
    if not np.array_equal(again, w):
        report.stop("two calls with equally seeded generators gave different weights: draw the "
                    "values from the rng argument (pass rng=rng), so that runs are repeatable.")
    report.note(f"uniform on ±{bound:.3f}, in the (h, w, C, F) layout.")


def init_relu_layer(num_out, num_in, rng):
    return dl.init.he((num_out, num_in), num_in, rng=rng)


@exercise(
    "05.2", "Weights for a ReLU layer",
    hints=["For ReLU, He initialization keeps the spread: std = √(2 / num_in).",
           "dl.init.he((num_out, num_in), num_in, rng=rng)."],
    solution=init_relu_layer,
    wrong_answers=[lambda: (lambda o, i, rng: init.glorot((o, i), o, i, rng=rng)),
                   lambda: (lambda o, i, rng: init.he((o, i), o, rng=rng))],
)
def _(init_relu_layer, report):
    w = _values(init_relu_layer(800, 50, np.random.default_rng(1)), report)
    if w.shape != (800, 50):
        report.stop(f"fully connected weights are (num_out, num_in) = (800, 50); got {w.shape}.")
    want = np.sqrt(2 / 50)
    std = float(np.std(w))

    def near(value):
        # 40 000 samples estimate the std to well under 1 %: 2 % tells √(2/800) from √(2/850)
        return abs(std - value) <= 0.02 * value

    if abs(std - want) > 0.05 * want:
        if near(np.sqrt(2 / (50 + 800))):
            report.stop(f"the standard deviation is {std:.4f} ≈ √(2/(num_in + num_out)): that is "
                        "Glorot's spread, made for tanh and sigmoid. A ReLU zeroes half of its "
                        f"inputs, so He uses √(2/num_in) = {want:.4f}.")
        if near(np.sqrt(2 / 800)):
            report.stop(f"the standard deviation is {std:.4f} ≈ √(2/800): you used num_out as "
                        "the fan. He scales by the number of inputs each output adds up, "
                        f"num_in = 50: √(2/50) = {want:.4f}.")
        if near(np.sqrt(1 / 50)):
            report.stop(f"the standard deviation is {std:.4f} ≈ √(1/num_in): the factor 2 is "
                        "missing. A ReLU zeroes half of its inputs, which halves the variance; "
                        f"He makes up for it with √(2/num_in) = {want:.4f}.")
        report.stop(f"the standard deviation is {std:.4f}; a ReLU layer needs "
                    f"√(2/50) = {want:.4f} (50 inputs).")
    again = _values(init_relu_layer(800, 50, np.random.default_rng(1)), report)
    if not np.array_equal(again, w):
        report.stop("two calls with equally seeded generators gave different weights: draw the "
                    "values from the rng argument (pass rng=rng), so that runs are repeatable.")
    report.note(f"std {std:.4f} ≈ √(2/num_in): He initialization.")
