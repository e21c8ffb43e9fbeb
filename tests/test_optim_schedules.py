"""Learning-rate schedules: values from their formulas, and errors."""

import math

import pytest

import dlnotebooks as dl


def test_time_based_decay_matches_the_custom_training_loop_example():
    # learnRate = initialLearnRate/(1 + decay*iteration) with 0.01 and 0.01
    for it in (1, 10, 100, 1000):
        assert dl.time_based_decay(0.01, 0.01, it) == pytest.approx(0.01 / (1 + 0.01 * it))


def test_step_decay():
    values = [dl.step_decay(0.1, it, drop_factor=0.5, drop_period=3) for it in range(1, 10)]
    assert values == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025] * 3)


def test_piecewise_decay():
    values = [dl.piecewise_decay(it, [3, 5], [1.0, 0.5, 0.1]) for it in range(1, 8)]
    assert values == [1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_cosine_decay():
    n = 10
    for it in range(1, 15):
        expected = 0.01 + 0.5 * (1.0 - 0.01) * (1 + math.cos(math.pi * min(it - 1, n) / n))
        assert dl.cosine_decay(1.0, it, n, min_learn_rate=0.01) == pytest.approx(expected)
    assert dl.cosine_decay(1.0, 1, n) == 1.0
    assert dl.cosine_decay(1.0, n + 1, n) == pytest.approx(0.0)


def test_warmup_composes_with_other_schedules():
    assert [dl.warmup(0.4, it, 4) for it in (1, 2, 3, 4, 5)] == pytest.approx(
        [0.1, 0.2, 0.3, 0.4, 0.4])
    assert dl.warmup(1.0, 1, 2, initial_factor=0.5) == pytest.approx(0.75)
    combined = dl.warmup(dl.cosine_decay(0.1, 3, 100), 3, 10)
    assert combined == pytest.approx(0.3 * dl.cosine_decay(0.1, 3, 100))


@pytest.mark.parametrize("call, match", [
    (lambda: dl.time_based_decay(0.01, 0.01, 0), "time_based_decay: iteration must be positive"),
    (lambda: dl.time_based_decay(0.01, -1, 1), "time_based_decay: decay must be >= 0"),
    (lambda: dl.step_decay(0.1, 0), "step_decay: iteration must be positive"),
    (lambda: dl.step_decay(0.1, 1, drop_period=0), "step_decay: drop_period must be positive"),
    (lambda: dl.step_decay(0.1, 1, drop_factor=2), "step_decay: drop_factor must be <= 1"),
    (lambda: dl.piecewise_decay(1, [5, 3], [1, 2, 3]),
     "piecewise_decay: boundaries must be strictly increasing"),
    (lambda: dl.piecewise_decay(1, [5], [1]), "piecewise_decay: values must have"),
    (lambda: dl.cosine_decay(0.1, 1, 0), "cosine_decay: num_iterations must be positive"),
    (lambda: dl.warmup(0.1, -1, 5), "warmup: iteration must be positive"),
])
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_integer_iteration_raises():
    with pytest.raises(TypeError, match="time_based_decay: iteration must be an integer"):
        dl.time_based_decay(0.01, 0.01, 1.5)
