"""Exercise objects: ``check()`` with specific feedback, ``hint()``, ``solution()``.

Each notebook's exercises live in one module of this package (``nb02.py`` for notebook 02)
and register themselves with :func:`exercise`. Learners write::

    ex = dl.exercises.get("02.1")
    ex.check(my_answer)      # specific feedback: what is right, what is off and where
    ex.hint()                # the next hint each time it is called
    ex.solution()            # the solution, as code (off in graded mode)

One source per solution: each exercise's solution is a real function in its module, written
exactly as a learner writes it in the notebook (``dl.`` and ``np.`` names only). Its source is
what ``solution()`` shows and what the solved notebooks contain; the function itself is the
reference answer the tests check, so the code a learner is shown is the code that is tested.

- A *function* exercise (``def model_loss(params, X, T): ...``) is answered by a function of
  that name; its stub in the learner notebook is the ``def`` line over ``...``.
- A *value* exercise (``people = ...``) is written as a function decorated with
  :func:`solution_cell` whose body is the notebook code and whose ``return`` names the answer;
  its parameters are answers of earlier exercises (``shares`` is computed from ``people``).

A learner's stub (``...``, or a function whose body is only ``...``) is reported as "not yet"
without running the checker, so the learner notebooks run top to bottom. Each exercise also
carries plausible wrong answers, so the test suite checks that ``check()`` accepts the
solution and rejects each of them.

Graded mode: with the environment variable ``DLNOTEBOOKS_GRADED=1`` (or ``solutions``)
``solution()`` shows nothing; with ``DLNOTEBOOKS_GRADED=hints`` ``hint()`` is off too.
"""

import ast
import inspect
import os
import sys
import textwrap
import types

__all__ = ["Exercise", "Feedback", "get", "exercise", "all_exercises", "TODO", "solution_cell",
           "graded_mode", "GRADED_ENV"]

#: Environment variable that switches solutions (and optionally hints) off for graded work.
GRADED_ENV = "DLNOTEBOOKS_GRADED"

_EXERCISES = {}


class _Todo:
    """A placeholder answer, ``my_answer = dl.exercises.TODO`` (the course's stubs use ``...``;
    this stays for notebooks written with it).

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


def _blank():
    ...


def _is_blank_function(answer):
    """A function whose body is only ``...`` (or ``pass``): the learner notebook's stub."""
    code = getattr(answer, "__code__", None)
    return code is not None and code.co_code == _blank.__code__.co_code


def _is_todo(answer, depth=0):
    if answer is TODO or answer is Ellipsis or _is_blank_function(answer):
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


def graded_mode():
    """What graded mode switches off, from the environment variable ``DLNOTEBOOKS_GRADED``.

    ``1``, ``yes``, ``true`` or ``solutions``: ``{"solutions"}``; ``hints``:
    ``{"solutions", "hints"}``; unset, empty or ``0``: nothing. Any other value raises, so a
    typo in a hub's configuration does not silently leave the solutions on.

    Returns
    -------
    switched_off : set of str, subset of {"solutions", "hints"}; empty when graded mode is off

    Raises
    ------
    ValueError
        ``DLNOTEBOOKS_GRADED`` has a value other than those above.
    """
    value = os.environ.get(GRADED_ENV, "").strip().lower()
    if value in ("", "0", "no", "false", "off"):
        return set()
    if value in ("1", "yes", "true", "on", "solutions"):
        return {"solutions"}
    if value == "hints":
        return {"solutions", "hints"}
    raise ValueError(f"graded_mode: {GRADED_ENV} must be 1 (solutions off) or hints (solutions "
                     f"and hints off); got {value!r}. Unset it or set it to 0 to switch graded "
                     "mode off.")


def _public_api():
    """The names ``import dlnotebooks as dl`` gives, built from the layers below the exercises.

    Solutions are written with ``dl.`` names exactly as in the notebooks; this namespace
    gives them those names without the exercises importing the package root (which imports
    the exercises).
    """
    from .. import autodiff, core, data, init, monitor, nn, ops, optim, testing

    api = types.SimpleNamespace()
    for module in (autodiff, core, data, monitor, nn, ops, optim):
        for name in module.__all__:
            setattr(api, name, getattr(module, name))
    api.init, api.data, api.testing = init, data, testing
    api.exercises = sys.modules[__package__]
    return api


#: ``dl`` for the solutions in the exercise modules (``from ._framework import dl``).
dl = _public_api()


def solution_cell(fn):
    """Mark ``fn`` as the solution of a value exercise (``people = ...`` in the notebook).

    Parameters
    ----------
    fn : function
        Its body is the notebook code, its last statement ``return NAME`` (or ``return A, B``)
        names the answer, and its parameters are answers of earlier exercises of the same
        notebook (``def _shares_cell(people): ...``).

    Returns
    -------
    fn : the same function, marked
    """
    fn._dlnotebooks_cell = True
    return fn


class _Solution:
    """The one source of an exercise's solution: a function in the exercise module."""

    def __init__(self, fn):
        self.fn = fn
        self.is_cell = getattr(fn, "_dlnotebooks_cell", False)
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source).body[0]
        lines = source.splitlines()
        body_start = tree.body[0].lineno - 1
        def_start = tree.lineno - 1  # after any decorator
        if self.is_cell:
            last = tree.body[-1]
            if not isinstance(last, ast.Return) or last.value is None:
                raise ValueError(f"solution_cell: {fn.__name__} must end with `return NAME`; "
                                 f"got {ast.dump(last)[:60]}.")
            names = (last.value.elts if isinstance(last.value, ast.Tuple) else [last.value])
            self.answer_names = [ast.unparse(n) for n in names]
            self.params = [a.arg for a in tree.args.args]
            self.code = textwrap.dedent("\n".join(lines[body_start:last.lineno - 1])).strip()
            self.stub = "\n".join(f"{n} = ...  # your code here" for n in self.answer_names)
            self.marked = f"### BEGIN SOLUTION\n{self.code}\n### END SOLUTION"
        else:
            self.answer_names = [fn.__name__]
            self.params = []
            self.code = "\n".join(lines[def_start:]).strip()
            header = "\n".join(lines[def_start:body_start])
            body = "\n".join(lines[body_start:]).rstrip()
            self.stub = header + "\n    ...  # your code here"
            # nbgrader's region is the body only, so its release keeps the def line.
            self.marked = (f"{header}\n    ### BEGIN SOLUTION\n{body}\n"
                           "    ### END SOLUTION")


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
    solution : function
        The solution as the learner writes it in the notebook: a function answering the
        exercise, or a :func:`solution_cell` for a value answer. Its source is what
        ``solution()`` shows and what the solved notebooks contain.
    wrong_answers : list of callables
        Each builds a plausible wrong answer that ``check`` must reject (used by the tests).
    """

    def __init__(self, exercise_id, title, checker, hints, solution, wrong_answers=()):
        self.id = exercise_id
        self.title = title
        self._checker = checker
        self.hints = list(hints)
        self._source = _Solution(solution)
        self.wrong_answers = list(wrong_answers)
        self._next_hint = 0

    @property
    def solution_code(self):
        """The solution's code as it stands in a solved notebook."""
        return self._source.code

    @property
    def marked_solution(self):
        """The solution with nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers
        around what the learner writes (a function's body, a value's code)."""
        return self._source.marked

    @property
    def stub(self):
        """The learner notebook's stub: the ``def`` line over ``...``, or ``name = ...``."""
        return self._source.stub

    @property
    def answer_names(self):
        """The names the learner's code binds and ``check`` receives (``["model_loss"]``)."""
        return list(self._source.answer_names)

    def reference(self):
        """Return the solution's answer (what the tests check).

        Returns
        -------
        answer : the solution function, or the value a solution cell makes (from the answers of
            the earlier exercises it takes)
        """
        solution = self._source
        if not solution.is_cell:
            return solution.fn
        args = [_answer_named(name, before=self.id) for name in solution.params]
        return solution.fn(*args)

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
            if self._source.is_cell:
                names = " and ".join(f"`{n} = ...`" for n in self.answer_names)
                todo = f"write your code in place of the `...` of {names}"
            else:
                todo = f"write the body of `{self.answer_names[0]}` in place of its `...`"
            return Feedback(self.id, False, [f"not done yet: {todo} (ex.hint() helps)."])
        report = _Report()
        try:
            self._checker(*answer, report)
        except _Problems:
            pass
        except NotImplementedError:  # nbgrader's stub in a released assignment
            return Feedback(self.id, False, [
                "not done yet: replace `raise NotImplementedError()` with your code "
                "(ex.hint() helps)."])
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
        if "hints" in graded_mode():  # DLNOTEBOOKS_GRADED=hints
            return _Text(f"Hints are switched off for graded work ({GRADED_ENV} is set).")
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

    @property
    def _solution(self):
        # Graded mode (DLNOTEBOOKS_GRADED set) shows a note instead of the code.
        if "solutions" in graded_mode():
            return f"Solutions are switched off for graded work ({GRADED_ENV} is set)."
        return self.solution_code

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


def exercise(exercise_id, title, *, hints, solution, wrong_answers=()):
    """Decorator registering a checker function as exercise ``exercise_id``.

    Parameters
    ----------
    exercise_id, title, hints, solution, wrong_answers
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
                                           wrong_answers)
        return checker

    return register


def _answer_named(name, *, before):
    """The reference answer of the latest exercise before ``before`` in the same notebook
    whose answer is called ``name``."""
    notebook = before.split(".")[0]
    for key in sorted(_EXERCISES, reverse=True):
        ex = _EXERCISES[key]
        if key.split(".")[0] == notebook and key < before and name in ex.answer_names:
            answer = ex.reference()
            return answer[ex.answer_names.index(name)] if len(ex.answer_names) > 1 else answer
    raise ValueError(f"solution_cell: parameter {name!r} of exercise {before} is not the answer "
                     "of an earlier exercise of its notebook.")


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
