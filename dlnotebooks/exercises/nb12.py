"""Exercises of notebook 12 (CTC)."""

from ._framework import exercise


def _remove_then_merge(path, blank):
    kept = [c for c in path if c != blank]
    return [c for k, c in enumerate(kept) if k == 0 or c != kept[k - 1]]


def collapse(path, blank):
    merged = [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]
    return [c for c in merged if c != blank]


_collapse = collapse  # the checker compares with the solution


@exercise(
    "12.1", "Collapse a CTC path",
    hints=["First merge runs of the same class: keep path[k] when it differs from path[k-1].",
           "Only then drop the blanks — the order matters: a blank separates two equal labels."],
    solution=collapse,
    wrong_answers=[lambda: _remove_then_merge,
                   lambda: (lambda path, blank: [c for c in path if c != blank])],
)
def _(collapse, report):
    cases = [([0, 3, 3, 0, 3, 5, 5], 0), ([1, 1, 1], 0), ([0, 0, 0], 0), ([2, 0, 2, 2, 7], 7),
             ([4, 9, 9, 4], 0)]
    for path, blank in cases:
        got = list(collapse(list(path), blank))
        want = _collapse(path, blank)
        if got != want:
            hint = ""
            if got == _remove_then_merge(path, blank):
                hint = " You removed the blanks before merging, so the two 3s separated by a " \
                       "blank merged into one."
            elif got == [c for c in path if c != blank]:
                hint = " Repeated classes in a row must merge into one."
            elif got == [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]:
                hint = " The blanks are still there: after merging, drop every blank."
            elif blank != 0 and got == _collapse(path, 0):
                hint = (f" Use the blank argument: here the blank is {blank}, and 0 is an "
                        "ordinary class.")
            report.stop(f"collapse({path}, blank={blank}) should be {want}; got {got}.{hint}")
    report.note("merge first, then drop blanks — the blank is what lets '3 3' exist.")


def min_time_steps(labels):
    repeats = sum(1 for a, b in zip(labels, labels[1:]) if a == b)
    return len(labels) + repeats


_min_steps = min_time_steps  # the checker compares with the solution


@exercise(
    "12.2", "How many time steps does a target need?",
    hints=["Each label needs one step.",
           "Two equal neighbours need a blank between them: count the pairs labels[k] == "
           "labels[k+1]."],
    solution=min_time_steps,
    wrong_answers=[lambda: (lambda labels: len(labels)),
                   lambda: (lambda labels: 2 * len(labels) + 1)],
)
def _(min_time_steps, report):
    for labels in ([3, 1, 4], [7, 7, 7], [5, 5, 2, 2, 9], [8], [4, 9, 4, 4]):
        got = min_time_steps(list(labels))
        want = _min_steps(labels)
        if got != want:
            if got == len(labels):
                why = "Equal neighbours need a blank between them."
            elif got == 2 * len(labels) - len(set(labels)):
                why = ("Only ADJACENT equal labels need a blank between them; you counted "
                       "every repeated label, also those with other labels in between.")
            else:
                why = "Blanks are only required between equal neighbours."
            report.stop(f"{labels} needs {want} time steps; got {got}. {why}")
