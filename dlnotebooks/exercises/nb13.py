"""Exercises of notebook 13 (neural ODE)."""

import numpy as np

from ..core import dlarray, extractdata, isdlarray
from ._framework import exercise

_A = np.array([[-0.1, -1.0], [1.0, -0.1]])


def spiral_rate(t, y, A):
    return A @ y


@exercise(
    "13.1", "The right-hand side of the ODE",
    hints=["y has shape (2, N): one column per state. A @ y multiplies every column by A.",
           "Keep the layout: return an array of y's shape."],
    solution=spiral_rate,
    wrong_answers=[lambda: (lambda t, y, A: y @ A), lambda: (lambda t, y, A: A.T @ y)],
)
def _(rate, report):
    rng = np.random.default_rng(130)
    y = dlarray(rng.standard_normal((2, 2)), "CB")
    out = rate(0.0, y, dlarray(_A))
    got = extractdata(out) if isdlarray(out) else np.asarray(out)
    if got.shape != (2, 2):
        report.stop(f"return one rate per state: shape (2, N) = (2, 2); got {got.shape}.")
    want = _A @ extractdata(y)
    if np.allclose(got, extractdata(y) @ _A):
        report.stop("that is y·A: the states are columns, so the matrix goes on the left.")
    if np.allclose(got, _A.T @ extractdata(y)):
        report.stop("that is Aᵀ·y: you used the transpose of A (A.T, or y's rows as states). "
                    "The states are the columns of y: A @ y.")
    if np.allclose(got, _A * extractdata(y)):
        report.stop("that is the element-wise product A * y; the model is a matrix product, "
                    "A @ y (each rate mixes both components of its state).")
    if not np.allclose(got, want):
        report.stop("the rates differ from A·y; check the order and orientation of A.")
    if not isdlarray(out):
        report.stop(f"the values are right, but you returned {type(out).__name__}: compute A @ y "
                    "on the dlarrays themselves (no extractdata), so the result stays a dlarray "
                    "that dlode45 can trace and differentiate.")
    report.note("dlode45 will call this for every stage of every step.")


def segment_targets(trajectory, starts, steps):
    return np.stack([trajectory[:, starts + k] for k in range(1, steps + 1)], axis=-1)


_reference_targets = segment_targets  # the checker compares with the solution


@exercise(
    "13.2", "Targets of a trajectory segment",
    hints=["For start index s the targets are trajectory[:, s+1], ..., trajectory[:, s+steps].",
           "np.stack([...], axis=-1) puts time last: (C, N, steps)."],
    solution=segment_targets,
    wrong_answers=[lambda: (lambda tr, s, n: np.stack([tr[:, s + k] for k in range(n)], axis=-1)),
                   lambda: (lambda tr, s, n: np.stack([tr[:, s + k] for k in range(1, n + 1)],
                                                      axis=0))],
)
def _(segment_targets, report):
    trajectory = np.arange(2 * 30, dtype=float).reshape(2, 30)
    starts = np.array([0, 5, 11])
    out = np.asarray(segment_targets(trajectory, starts, 4))
    want = _reference_targets(trajectory, starts, 4)
    if out.shape != want.shape:
        if out.shape == (4, 2, 3):
            report.stop(f"time is on axis 0, shape (steps, C, N) = {out.shape}: stack with "
                        "axis=-1 so that time comes last, (C, N, steps).")
        if out.shape == (3, 2, 4):
            report.stop(f"the observations come first, shape (N, C, steps) = {out.shape}: the "
                        "layout is (C, N, steps), channels first and observations second.")
        if out.shape == (2, 3, 3):
            report.stop("one step short: you have steps − 1 = 3 targets per start. The targets "
                        "are the states s+1, ..., s+steps: range(1, steps + 1).")
        report.stop(f"expected shape (C, N, steps) = {want.shape}; got {out.shape}.")
    if np.allclose(out, np.stack([trajectory[:, starts + k] for k in range(4)], axis=-1)):
        report.stop("off by one: the first target is the state one step AFTER the start.")
    if not np.allclose(out, want):
        report.stop("the values are not the states that follow each start.")
