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
        report.stop(f"make a dlarray; got {type(people).__name__}. Wrap PEOPLE: dlarray(PEOPLE, "
                    "labels), one label per dimension of PEOPLE (its rows, then its columns).")
    if people.fmt == "":
        report.stop(f"the dlarray has no format (shape {people.shape}): give it labels, one per "
                    "dimension of PEOPLE — what is a row, what is a column?")
    if people.fmt == "CB" and people.shape == PEOPLE.shape:
        report.stop('each row of PEOPLE is one person, an observation (B), and each column a '
                    'feature (C); you labelled the rows C, so dlarray took the 4 people for '
                    'channels. Label the rows B and the columns C.')
    others = sorted(set(people.fmt) - set("CB"))
    if others:
        names = {"S": "spatial (S)", "T": "time (T)", "U": "unspecified (U)"}
        report.stop(f'the features are channels (C), not {" or ".join(names[o] for o in others)};'
                    f' got format "{people.fmt}". Label the columns of PEOPLE C.')
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
    reference = extractdata(ops.softmax(dlarray(PEOPLE, "BC")))
    if not isdlarray(shares):
        report.stop(f"make a dlarray; got {type(shares).__name__}. Use dl.softmax on the dlarray "
                    "people from exercise 00.1: it returns a dlarray that keeps the labels.")
    if shares.shape == PEOPLE.shape and shares.fmt == "CB":
        report.stop('this is the softmax of a (4, 3) "CB" array: with the people labelled C, '
                    "softmax normalised over the people. Start from people of exercise 00.1, "
                    'format "CB" with shape (3 features, 4 people).')
    if shares.shape != (3, 4):
        report.stop(f"apply dl.softmax to the (3, 4) 'CB' array from exercise 00.1; got shape "
                    f"{shares.shape}.")
    values = extractdata(shares)
    sums = values.sum(axis=0)
    if not np.allclose(sums, 1.0):
        if np.allclose(values.sum(axis=1), 1.0):
            report.stop("the values sum to 1 over the people instead of over each person's "
                        "features: you normalised across B. Softmax normalises over C.")
        if np.allclose(values, 1 / (1 + np.exp(-PEOPLE.T))):
            report.stop("this is the sigmoid: it squashes each value on its own, so a "
                        f"person's values do not sum to 1 (sums {np.round(sums, 3).tolist()}). "
                        "Softmax normalises them over C.")
        report.stop(f"each person's values should sum to 1 over the features; got sums "
                    f"{np.round(sums.ravel(), 3).tolist()}. Softmax normalises over C.")
    if not np.allclose(values, reference):
        report.stop("the sums are right but the values are not the softmax of PEOPLE.")
