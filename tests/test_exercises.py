"""Every exercise accepts its reference solution and rejects each plausible wrong answer."""

import pytest

import dlnotebooks as dl

EXERCISES = dl.exercises.all_exercises()
CASES = [pytest.param(ex, None, id=f"{key}-reference") for key, ex in EXERCISES.items()] + [
    pytest.param(ex, k, id=f"{key}-wrong{k}") for key, ex in EXERCISES.items()
    for k in range(len(ex.wrong_answers))]


def _as_args(answer):
    return answer if isinstance(answer, tuple) else (answer,)


@pytest.mark.parametrize("exercise,wrong", CASES)
def test_check_accepts_reference_and_rejects_wrong_answers(exercise, wrong):
    if wrong is None:
        feedback = exercise.check(*_as_args(exercise.reference()))
        assert feedback.passed, repr(feedback)
    else:
        feedback = exercise.check(*_as_args(exercise.wrong_answers[wrong]()))
        assert not feedback.passed
        assert feedback.messages, "a rejected answer must say what is wrong"


def test_every_exercise_has_hints_and_a_solution_and_a_wrong_answer():
    for key, ex in EXERCISES.items():
        assert ex.hints and str(ex.solution()).strip() and ex.wrong_answers, key


def test_hints_cycle_and_feedback_renders():
    ex = dl.exercises.get("01.1")
    first = ex.hint()
    assert first.startswith("Hint 1/")
    assert "Exercise 01.1" in repr(ex.check(lambda images: None))
    assert "<div" in ex.check(lambda images: None)._repr_html_()


def test_learner_errors_become_feedback_not_crashes():
    feedback = dl.exercises.get("01.2").check(lambda X: 1 / 0)
    assert not feedback.passed and "ZeroDivisionError" in feedback.messages[0]


def test_unknown_exercise_id():
    with pytest.raises(ValueError, match=r"exercises.get: exercise_id '99.9' is unknown"):
        dl.exercises.get("99.9")


# --- graded mode ----------------------------------------------------------------------------

def test_graded_mode_switches_the_solutions_off(monkeypatch):
    ex = dl.exercises.get("03.1")
    monkeypatch.setenv("DLNOTEBOOKS_GRADED", "1")
    assert "switched off for graded work" in ex.solution()
    assert "def time_based_learn_rate" not in ex.solution()
    assert ex.hint().startswith("Hint 1/")  # hints stay on
    assert ex.check(ex.reference()).passed  # and so does the feedback


def test_graded_mode_hints_switches_hints_off_too(monkeypatch):
    ex = dl.exercises.get("03.1")
    monkeypatch.setenv("DLNOTEBOOKS_GRADED", "hints")
    assert "switched off" in ex.solution() and "switched off" in ex.hint()
    monkeypatch.setenv("DLNOTEBOOKS_GRADED", "0")
    assert "def time_based_learn_rate" in ex.solution()
    assert dl.exercises.graded_mode() == set()


def test_graded_mode_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("DLNOTEBOOKS_GRADED", "hint")
    with pytest.raises(ValueError, match=r"graded_mode: DLNOTEBOOKS_GRADED must be 1 .* or "
                                         r"hints .*; got 'hint'"):
        dl.exercises.get("03.1").solution()

