"""Exercises of notebook 00 (welcome): how exercises work."""

import numpy as np

from .. import ops
from ..core import dlarray, extractdata, isdlarray
from ._framework import dl, exercise, solution_cell

PEOPLE = np.array([[1.62, 55.0, 31], [1.80, 80.0, 45], [1.75, 72.0, 23], [1.58, 49.0, 60]])


@solution_cell
def _people_cell():
    people = dl.dlarray(PEOPLE, "BC")
    return people


@exercise(
    "00.1", "Your first dlarray",
    hints=["Each row of PEOPLE is one person: an observation (B). Each column is a feature (C).",
           "dlarray(PEOPLE, 'BC') — dlarray puts C first."],
    solution=_people_cell,
    wrong_answers=[lambda: dlarray(PEOPLE, "CB"), lambda: PEOPLE],
)
def _(people, report):
    if not isdlarray(people):
        report.stop(f"make a dlarray; got {type(people).__name__}.")
    if people.fmt != "CB" or people.shape != (3, 4):
        report.stop(f'expected format "CB" with shape (3 features, 4 people); got '
                    f'"{people.fmt}" {people.shape}. Which dimension holds the people?')
    if not np.allclose(extractdata(people), PEOPLE.T):
        report.stop("the values are not those of PEOPLE.")
    report.note("rows became columns: observations (B) come after channels (C).")


@solution_cell
def _shares_cell(people):
    shares = dl.softmax(people)
    return shares


@exercise(
    "00.2", "Apply an operation",
    hints=["Operations are functions: dl.softmax(X) normalises over the C dimension."],
    solution=_shares_cell,
    wrong_answers=[lambda: ops.softmax(dlarray(PEOPLE, "CB")),
                   lambda: ops.sigmoid(dlarray(PEOPLE, "BC"))],
)
def _(shares, report):
    if not isdlarray(shares) or shares.shape != (3, 4):
        report.stop("apply dl.softmax to the (3, 4) 'CB' array from exercise 00.1.")
    sums = extractdata(np.sum(shares, axis=0))
    if not np.allclose(sums, 1.0):
        report.stop(f"each person's values should sum to 1 over the features; got sums "
                    f"{np.round(sums.ravel(), 3).tolist()}. Softmax normalises over C.")
    if not np.allclose(extractdata(shares), extractdata(ops.softmax(dlarray(PEOPLE, "BC")))):
        report.stop("the sums are right but the values are not the softmax of PEOPLE.")
