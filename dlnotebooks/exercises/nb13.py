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
    if not np.allclose(got, want):
        report.stop("the rates differ from A·y; check the order and orientation of A.")
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
        report.stop(f"expected shape (C, N, steps) = {want.shape}; got {out.shape}.")
    if np.allclose(out, np.stack([trajectory[:, starts + k] for k in range(4)], axis=-1)):
        report.stop("off by one: the first target is the state one step AFTER the start.")
    if not np.allclose(out, want):
        report.stop("the values are not the states that follow each start.")
