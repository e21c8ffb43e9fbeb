"""Every exercise accepts its reference solution and rejects each plausible wrong answer."""

import re

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlgradient

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



# --- wrong-answer catalogue of the reworked exercises (02.1, 03.2, 04.1, 09.1, 09.2) ---------
# Each mistake is written as a learner would write it; the regex pins the explanation the
# feedback must give, not its exact wording.


def _regularized(data_term, penalty):
    def regularized_loss(params, X, T, l2):
        Y = dl.fullyconnect(X, params["W"], params["b"])
        loss = data_term(Y, T) + penalty(params, l2)
        return loss, dlgradient(loss, params)
    return regularized_loss


def _weights_only(p, l2):
    return l2 / 2 * np.sum(p["W"] ** 2)


def _smoothed(targets=lambda T, e: (1 - e) * T + e / T.shape[0], predict=False,
              predictions=lambda Y, e: Y):
    def smoothed_model_loss(net, X, T, epsilon):
        if predict:
            Y, state = dl.predict(net, X), net.state
        else:
            Y, state = dl.forward(net, X)
        loss = dl.crossentropy(predictions(Y, epsilon), targets(T, epsilon))
        return loss, dlgradient(loss, net.learnables), state
    return smoothed_model_loss


def _hard_pairs(partner, replace=False, flip=False, p_similar=0.5):
    def make_hard_pairs(labels, confusable, num_pairs, rng):
        by_class = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
        pair_labels = (rng.random(num_pairs) < p_similar).astype(int)
        first, second = np.empty(num_pairs, int), np.empty(num_pairs, int)
        for k in range(num_pairs):
            c = rng.integers(len(by_class))
            if pair_labels[k]:
                first[k], second[k] = rng.choice(by_class[c], 2, replace=replace)
            else:
                first[k] = rng.choice(by_class[c])
                second[k] = rng.choice(by_class[partner(c, confusable, len(by_class), rng)])
        return first, second, 1 - pair_labels if flip else pair_labels
    return make_hard_pairs


def _double_margin(similar, scale=0.5, reduce=np.sum, squared_distance=False, swap=False):
    def double_margin_loss(F1, F2, T, pos_margin, neg_margin):
        if swap:
            pos_margin, neg_margin = neg_margin, pos_margin
        d2 = np.sum((F1 - F2) ** 2, axis=0)
        d = d2 if squared_distance else np.sqrt(d2 + 1e-6)
        return scale * reduce(T * similar(d, pos_margin)
                              + (1 - T) * np.maximum(neg_margin - d, 0) ** 2)
    return double_margin_loss


def _pull(d, m):
    return np.maximum(d - m, 0) ** 2


def _bn(shape_of, variance=1.0):
    def init_batchnorm(c):
        return ({"Offset": dl.init.zeros(shape_of(c)), "Scale": dl.init.ones(shape_of(c))},
                {"TrainedMean": np.zeros(shape_of(c), "float32"),
                 "TrainedVariance": np.full(shape_of(c), variance, "float32")})
    return init_batchnorm


REWORKED_CATALOGUE = {
    "02.1": [
        ("np.mean for mse", _regularized(lambda Y, T: np.mean((Y - T) ** 2), _weights_only),
         r"np\.mean\(\(Y - T\)\*\*2\).*mse is the half mean squared error"),
        ("decay on the bias", _regularized(
            dl.mse, lambda p, l2: l2 / 2 * (np.sum(p["W"] ** 2) + np.sum(p["b"] ** 2))),
         r"also covers the bias"),
        ("no ½ in the penalty", _regularized(dl.mse, lambda p, l2: l2 * np.sum(p["W"] ** 2)),
         r"twice the expected"),
        ("no penalty", _regularized(dl.mse, lambda p, l2: 0.0), r"plain mse.*add the weight"),
        ("l2loss", _regularized(dl.l2loss, _weights_only), r"data term is l2loss"),
    ],
    "03.2": [
        ("no smoothing", _smoothed(targets=lambda T, e: T), r"without label smoothing"),
        ("no ε/K", _smoothed(targets=lambda T, e: (1 - e) * T), r"no longer sum to 1"),
        ("no (1 − ε)", _smoothed(targets=lambda T, e: T + e / T.shape[0]),
         r"sum to 1 \+ ε"),
        ("ε over N", _smoothed(targets=lambda T, e: (1 - e) * T + e / T.shape[1]),
         r"number of observations"),
        ("smooth Y", _smoothed(targets=lambda T, e: T,
                               predictions=lambda Y, e: (1 - e) * Y + e / Y.shape[0]),
         r"predictions Y instead of the targets"),
        ("predict", _smoothed(predict=True), r"inference mode"),
    ],
    "04.1": [
        ("(C,) shapes", _bn(lambda c: (c,)), r"shape \(6,\); expected \(num_channels, 1\)"),
        ("(1, C) shapes", _bn(lambda c: (1, c)), r"shape \(1, 6\); expected"),
        ("variance 0", _bn(lambda c: (c, 1), variance=0.0), r"TrainedVariance should start at 1"),
    ],
    "09.1": [
        ("any other class", _hard_pairs(lambda c, conf, k, rng: (c + rng.integers(1, k)) % k),
         r"hard negatives.*confusable\[c\]"),
        ("reverse lookup", _hard_pairs(
            lambda c, conf, k, rng: int(np.flatnonzero(np.asarray(conf) == c)[0])),
         r"wrong way round: the second image's class is confusable\[c\]"),
        ("same image twice", _hard_pairs(lambda c, conf, k, rng: conf[c], replace=True),
         r"same image twice"),
        ("labels flipped", _hard_pairs(lambda c, conf, k, rng: conf[c], flip=True),
         r"labels are the wrong way round"),
        ("no coin flip", _hard_pairs(lambda c, conf, k, rng: conf[c], p_similar=0.1),
         r"similar.*coin flip"),
    ],
    "09.2": [
        ("contrastive d²", _double_margin(lambda d, m: d ** 2), r"still pay d²"),
        ("no clamp", _double_margin(lambda d, m: (d - m) ** 2), r"clamp it with max"),
        ("not squared", _double_margin(lambda d, m: np.maximum(d - m, 0)), r"not squared"),
        ("margins swapped", _double_margin(_pull, swap=True), r"margins are swapped"),
        ("mean", _double_margin(_pull, reduce=np.mean), r"mean over the pairs"),
        ("no ½", _double_margin(_pull, scale=1.0), r"twice the expected"),
        ("squared distance", _double_margin(_pull, squared_distance=True), r"not its square"),
    ],
}


@pytest.mark.parametrize("key,name,answer,pattern", [
    pytest.param(key, name, answer, pattern, id=f"{key}-{name}")
    for key, entries in REWORKED_CATALOGUE.items() for name, answer, pattern in entries])
def test_reworked_exercise_names_each_mistake(key, name, answer, pattern):
    feedback = dl.exercises.get(key).check(answer)
    text = "\n".join(feedback.messages)
    assert not feedback.passed, f"{key}: the wrong answer '{name}' was accepted"
    assert re.search(pattern, text, re.IGNORECASE | re.DOTALL), f"{key} '{name}': {text}"


def test_every_reworked_exercise_has_at_least_three_catalogued_mistakes():
    assert all(len(v) >= 3 for v in REWORKED_CATALOGUE.values())
    assert set(REWORKED_CATALOGUE) == {"02.1", "03.2", "04.1", "09.1", "09.2"}


def test_a_solution_cell_must_end_with_return_name():
    @dl.exercises.solution_cell
    def cell():
        answer = 42
        print(answer)

    with pytest.raises(ValueError, match=r"solution_cell: cell must end with `return NAME`"):
        dl.exercises.Exercise("99.1", "t", lambda a, report: None, [], cell)


def test_a_solution_cell_parameter_must_be_an_earlier_answer():
    @dl.exercises.solution_cell
    def cell(nobody):
        answer = nobody
        return answer

    ex = dl.exercises.Exercise("99.2", "t", lambda a, report: None, [], cell)
    assert ex.stub == "answer = ...  # your code here"
    with pytest.raises(ValueError, match=r"solution_cell: parameter 'nobody' of exercise 99.2 "
                                         r"is not the answer of an earlier exercise"):
        ex.reference()


def test_nbgraders_stub_is_not_yet_done():
    def time_based_learn_rate(initial_learn_rate, decay, iteration):
        # YOUR CODE HERE
        raise NotImplementedError()

    feedback = dl.exercises.get("03.1").check(time_based_learn_rate)
    assert not feedback.passed
    assert "not done yet: replace `raise NotImplementedError()`" in feedback.messages[0]
