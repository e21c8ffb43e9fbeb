"""Exercises of the course: ``dl.exercises.get("02.1").check(answer)``, ``.hint()``,
``.solution()``. One module per notebook (``nbNN.py``) registers that notebook's exercises."""

import importlib
import pkgutil

from ._framework import (TODO, Exercise, Feedback, all_exercises, exercise, get, graded_mode,
                         solution_cell)

__all__ = ["get", "all_exercises", "Exercise", "Feedback", "exercise", "solution_cell", "TODO",
           "graded_mode"]


def _load_all():
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f"{__name__}.{info.name}")
