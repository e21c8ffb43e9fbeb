"""Exercise objects: ``check()`` with specific feedback, ``hint()``, ``solution()``.

Each notebook's exercises live in one module of this package (``nb02.py`` for notebook 02)
and register themselves with :func:`exercise`. Learners write::

    ex = dl.exercises.get("02.1")
    ex.check(my_answer)      # specific feedback: what is right, what is off and where
    ex.hint()                # the next hint each time it is called
    ex.solution()            # the reference solution, as code

Each exercise also carries its reference answer and plausible wrong answers, so the test suite
checks that ``check()`` accepts the first and rejects the others.
"""

import textwrap

__all__ = ["Exercise", "Feedback", "get", "exercise", "all_exercises", "TODO"]

_EXERCISES = {}


class _Todo:
    """The placeholder answer of a student notebook: ``my_answer = dl.exercises.TODO``.

    ``check()`` reports an exercise whose answer is (or contains) ``TODO`` as not yet done
    instead of running the checker. Calling it, indexing it or taking an attribute gives
    ``TODO`` back, so a check cell such as ``ex.check(my_fn(3))`` still runs.
    """

    def __repr__(self):
        return "TODO"

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key):
        return self

    def __bool__(self):
        return False

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = _same
    __neg__ = __pos__ = __abs__ = _same


TODO = _Todo()


def _is_todo(answer, depth=0):
    if answer is TODO:
        return True
    if depth < 3 and isinstance(answer, (tuple, list)):
        return any(_is_todo(a, depth + 1) for a in answer)
    if depth < 3 and isinstance(answer, dict):
        return any(_is_todo(a, depth + 1) for a in answer.values())
    return False


class Feedback:
    """The outcome of ``Exercise.check``: ``passed`` plus a list of messages.

    Parameters
    ----------
    exercise_id : str, e.g. "02.1"
    passed : bool
    messages : iterable of str
        What the checker found (problems, or remarks on a correct answer).
    """

    def __init__(self, exercise_id, passed, messages):
        self.exercise_id = exercise_id
        self.passed = passed
        self.messages = list(messages)

    def __bool__(self):
        return self.passed

    def __repr__(self):
        head = (f"Exercise {self.exercise_id}: correct — well done." if self.passed else
                f"Exercise {self.exercise_id}: not yet.")
        return "\n".join([head] + [f"  - {m}" for m in self.messages])

    def _repr_html_(self):
        color = "#1a7f37" if self.passed else "#b35900"
        head = "✔ correct — well done" if self.passed else "✘ not yet"
        items = "".join(f"<li>{_escape(m)}</li>" for m in self.messages)
        return (f"<div style='border-left:4px solid {color};padding-left:8px'>"
                f"<b>Exercise {self.exercise_id}: {head}</b><ul>{items}</ul></div>")


def _escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Problems(Exception):
    """Raised by a checker to stop at the first decisive problem."""


class Exercise:
    """One exercise: a checker, hints and a reference solution.

    Parameters
    ----------
    exercise_id : str
        ``"NN.k"``: notebook number and exercise number.
    title : str
    checker : callable
        ``checker(answer, report)`` calls ``report.fail(message)`` for each problem it finds
        (and may stop early by raising via ``report.stop(message)``), ``report.note(message)``
        for remarks on a correct answer.
    hints : list of str
    solution : str
        Reference code, shown by ``solution()``.
    reference : callable
        Builds the reference answer (used by the tests).
    wrong_answers : list of callables
        Each builds a plausible wrong answer that ``check`` must reject (used by the tests).
    """

    def __init__(self, exercise_id, title, checker, hints, solution, reference,
                 wrong_answers=()):
        self.id = exercise_id
        self.title = title
        self._checker = checker
        self.hints = list(hints)
        self._solution = textwrap.dedent(solution).strip()
        self.reference = reference
        self.wrong_answers = list(wrong_answers)
        self._next_hint = 0

    def check(self, *answer):
        """Check an answer and return :class:`Feedback` with specific messages.

        An answer that is (or contains) :data:`TODO`, the placeholder of a student notebook,
        is reported as not yet done; the checker does not run.

        Parameters
        ----------
        *answer : what the exercise asks for (a function, an array, a number, ...)

        Returns
        -------
        Feedback
            ``passed`` and the messages; it shows as a short report in Jupyter.
        """
        if _is_todo(answer):
            return Feedback(self.id, False, [
                "not done yet: replace TODO with your code (ex.hint() helps)."])
        report = _Report()
        try:
            self._checker(*answer, report)
        except _Problems:
            pass
        except Exception as err:  # the learner's code raised: say so, do not crash
            report.fail(f"your code raised {type(err).__name__}: {err}")
        return Feedback(self.id, not report.problems, report.problems or report.notes)

    def hint(self):
        """Return the next hint (cycling through them).

        Returns
        -------
        hint : str (shown as plain text in Jupyter)
        """
        if not self.hints:
            return "No hints for this one — look at the lesson text just above."
        text = self.hints[self._next_hint % len(self.hints)]
        self._next_hint += 1
        return _Text(f"Hint {((self._next_hint - 1) % len(self.hints)) + 1}/{len(self.hints)}:"
                     f" {text}")

    def solution(self):
        """Return the reference solution as code.

        Returns
        -------
        code : str (shown as plain text in Jupyter)
        """
        return _Text(self._solution)

    def __repr__(self):
        return f"Exercise {self.id}: {self.title} — call .check(answer), .hint(), .solution()"


class _Text(str):
    def __repr__(self):
        return str(self)


class _Report:
    def __init__(self):
        self.problems = []
        self.notes = []

    def fail(self, message):
        self.problems.append(message)

    def stop(self, message):
        self.problems.append(message)
        raise _Problems()

    def note(self, message):
        self.notes.append(message)


def exercise(exercise_id, title, *, hints, solution, reference, wrong_answers=()):
    """Decorator registering a checker function as exercise ``exercise_id``.

    Parameters
    ----------
    exercise_id, title, hints, solution, reference, wrong_answers
        As for :class:`Exercise` (keyword-only after ``title``).

    Returns
    -------
    register : callable
        Applied to the checker, it registers the exercise and returns the checker unchanged.

    Raises
    ------
    ValueError
        An id registered twice.
    """

    def register(checker):
        if exercise_id in _EXERCISES:
            raise ValueError(f"exercise: {exercise_id!r} is registered twice.")
        _EXERCISES[exercise_id] = Exercise(exercise_id, title, checker, hints, solution,
                                           reference, wrong_answers)
        return checker

    return register


def get(exercise_id):
    """Return exercise ``exercise_id`` (for example ``"02.1"``).

    Parameters
    ----------
    exercise_id : str, "NN.k"

    Returns
    -------
    Exercise

    Raises
    ------
    ValueError
        Unknown exercise id (the message lists the known ones).
    """
    from . import _load_all

    _load_all()
    if exercise_id not in _EXERCISES:
        known = ", ".join(sorted(_EXERCISES)) or "none"
        raise ValueError(f"exercises.get: exercise_id {exercise_id!r} is unknown; known "
                         f"exercises are {known}.")
    return _EXERCISES[exercise_id]


def all_exercises():
    """Return every exercise of the course, by id.

    Returns
    -------
    dict of str to Exercise, sorted by id ("00.1", "01.1", ...)
    """
    from . import _load_all

    _load_all()
    return dict(sorted(_EXERCISES.items()))
