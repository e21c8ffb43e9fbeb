"""Learning-rate schedules: plain functions of the iteration number.

Each takes the 1-based ``iteration`` (the counter of MATLAB's custom training loops, which is
incremented before the update) and returns a float. Compose them: a warm-up in front of a
cosine decay is ``warmup(cosine_decay(lr, it, n), it, 100)``.
"""

import math

from .. import _checks

__all__ = ["time_based_decay", "step_decay", "piecewise_decay", "cosine_decay", "warmup"]


def _iteration(func, iteration):
    return _checks.positive_int(func, "iteration", iteration)


def time_based_decay(initial_learn_rate, decay, iteration):
    """Return ``initial_learn_rate / (1 + decay*iteration)``.

    .. math:: \\alpha_t = \\frac{\\alpha_0}{1 + d\\,t}

    Parameters
    ----------
    initial_learn_rate : float >= 0
    decay : float >= 0
    iteration : int >= 1

    Returns
    -------
    learn_rate : float

    Raises
    ------
    ValueError
        iteration < 1; negative rate or decay.
    TypeError
        Non-integer iteration.

    Notes
    -----
    The rate halves once ``iteration = 1/decay``.

    MATLAB compatibility
    --------------------
    The schedule of the "Train Network Using Custom Training Loop" example
    (``learnRate = initialLearnRate/(1 + decay*iteration)``, there with 0.01 and 0.01).

    Examples
    --------
    >>> time_based_decay(0.01, 0.01, 100)
    0.005
    """
    func = "time_based_decay"
    lr = _checks.real_number(func, "initial_learn_rate", initial_learn_rate, low=0)
    decay = _checks.real_number(func, "decay", decay, low=0)
    t = _iteration(func, iteration)
    return lr / (1.0 + decay * t)


def step_decay(initial_learn_rate, iteration, *, drop_factor=0.1, drop_period=10):
    """Multiply the rate by ``drop_factor`` after every ``drop_period`` iterations.

    ``initial_learn_rate * drop_factor ** floor((iteration - 1) / drop_period)``

    .. math:: \\alpha_t = \\alpha_0\\, f^{\\lfloor (t-1)/P \\rfloor}

    Parameters
    ----------
    initial_learn_rate : float >= 0
    iteration : int >= 1
    drop_factor : float in [0, 1], default 0.1
    drop_period : int >= 1, default 10

    Returns
    -------
    learn_rate : float

    Raises
    ------
    ValueError
        iteration < 1; drop_factor outside [0, 1]; drop_period < 1.
    TypeError
        Non-integer iteration or drop_period.

    Notes
    -----
    Iterations 1 to ``drop_period`` use the initial rate. Pass an epoch number as
    ``iteration`` for a per-epoch schedule.

    MATLAB compatibility
    --------------------
    ``trainingOptions``' ``"piecewise"`` schedule with ``LearnRateDropFactor`` (0.1) and
    ``LearnRateDropPeriod`` (10), written as a function for custom loops.

    Examples
    --------
    >>> [round(step_decay(1.0, t, drop_period=2), 3) for t in (1, 2, 3, 5)]
    [1.0, 1.0, 0.1, 0.01]
    """
    func = "step_decay"
    lr = _checks.real_number(func, "initial_learn_rate", initial_learn_rate, low=0)
    t = _iteration(func, iteration)
    factor = _checks.real_number(func, "drop_factor", drop_factor, low=0, high=1)
    period = _checks.positive_int(func, "drop_period", drop_period)
    return lr * factor ** ((t - 1) // period)


def piecewise_decay(iteration, boundaries, values):
    """Return ``values[k]``, where ``k`` is the number of boundaries below ``iteration``.

    ``values[0]`` for ``iteration <= boundaries[0]``, ``values[1]`` up to ``boundaries[1]``,
    ..., ``values[-1]`` after the last boundary.

    .. math:: \\alpha_t = v_k,\\quad k = |\\{ j : b_j < t \\}|

    Parameters
    ----------
    iteration : int >= 1
    boundaries : sequence of int, strictly increasing
        The last iteration of each piece but the last.
    values : sequence of float >= 0, ``len(boundaries) + 1`` of them

    Returns
    -------
    learn_rate : float

    Raises
    ------
    ValueError
        iteration < 1; boundaries not increasing; wrong number of values.

    Notes
    -----
    A step schedule with irregular steps.

    MATLAB compatibility
    --------------------
    No MATLAB function; written for custom training loops.

    Examples
    --------
    >>> [piecewise_decay(t, [2, 4], [0.1, 0.01, 0.001]) for t in (1, 2, 3, 5)]
    [0.1, 0.1, 0.01, 0.001]
    """
    func = "piecewise_decay"
    t = _iteration(func, iteration)
    bounds = [_checks.positive_int(func, f"boundaries[{i}]", b)
              for i, b in enumerate(boundaries)]
    if any(b >= c for b, c in zip(bounds, bounds[1:])):
        raise _checks.fail(func, "boundaries", "must be strictly increasing", bounds)
    vals = [_checks.real_number(func, f"values[{i}]", v, low=0) for i, v in enumerate(values)]
    if len(vals) != len(bounds) + 1:
        raise _checks.fail(func, "values", f"must have len(boundaries) + 1 = {len(bounds) + 1} "
                           "entries", f"{len(vals)}", "One value per piece.")
    k = sum(1 for b in bounds if b < t)
    return vals[k]


def cosine_decay(initial_learn_rate, iteration, num_iterations, *, min_learn_rate=0.0):
    """Decay from ``initial_learn_rate`` to ``min_learn_rate`` along half a cosine.

    ``min + (initial - min) * (1 + cos(pi * p)) / 2`` with
    ``p = min(iteration - 1, num_iterations) / num_iterations``.

    .. math:: \\alpha_t = \\alpha_{min} + \\tfrac12(\\alpha_0-\\alpha_{min})
              \\left(1 + \\cos \\pi p\\right)

    Parameters
    ----------
    initial_learn_rate : float >= 0
    iteration : int >= 1
    num_iterations : int >= 1
        Length of the decay; from iteration ``num_iterations + 1`` on the rate is the minimum.
    min_learn_rate : float >= 0, default 0.0

    Returns
    -------
    learn_rate : float

    Raises
    ------
    ValueError
        iteration or num_iterations < 1; negative rates.

    Notes
    -----
    Iteration 1 uses the full initial rate.

    MATLAB compatibility
    --------------------
    Like MATLAB's ``cosineLearnRate`` schedule object (R2024a), as a plain function;
    no warm restarts.

    Examples
    --------
    >>> [round(cosine_decay(1.0, t, 4), 3) for t in (1, 3, 5, 9)]
    [1.0, 0.5, 0.0, 0.0]
    """
    func = "cosine_decay"
    lr = _checks.real_number(func, "initial_learn_rate", initial_learn_rate, low=0)
    t = _iteration(func, iteration)
    n = _checks.positive_int(func, "num_iterations", num_iterations)
    low = _checks.real_number(func, "min_learn_rate", min_learn_rate, low=0)
    progress = min(t - 1, n) / n
    return low + 0.5 * (lr - low) * (1.0 + math.cos(math.pi * progress))


def warmup(learn_rate, iteration, warmup_iterations, *, initial_factor=0.0):
    """Ramp the rate linearly up to ``learn_rate`` over the first ``warmup_iterations``.

    ``learn_rate * (f + (1 - f) * min(iteration, W) / W)`` with ``f = initial_factor``.

    .. math:: \\alpha_t = \\alpha\\left(f + (1-f)\\tfrac{\\min(t, W)}{W}\\right)

    Parameters
    ----------
    learn_rate : float >= 0
        The rate after the warm-up (may come from another schedule).
    iteration : int >= 1
    warmup_iterations : int >= 1
    initial_factor : float in [0, 1], default 0.0
        Fraction of the rate at iteration 0.

    Returns
    -------
    learn_rate : float

    Raises
    ------
    ValueError
        iteration or warmup_iterations < 1; initial_factor outside [0, 1].

    Notes
    -----
    Warm-up keeps the first, noisy updates of adaptive optimizers small.

    MATLAB compatibility
    --------------------
    Like MATLAB's ``warmupLearnRate`` schedule object (R2024a), as a plain function.

    Examples
    --------
    >>> [warmup(0.1, t, 4) for t in (1, 2, 4, 10)]
    [0.025, 0.05, 0.1, 0.1]
    """
    func = "warmup"
    lr = _checks.real_number(func, "learn_rate", learn_rate, low=0)
    t = _iteration(func, iteration)
    w = _checks.positive_int(func, "warmup_iterations", warmup_iterations)
    f = _checks.real_number(func, "initial_factor", initial_factor, low=0, high=1)
    return lr * (f + (1.0 - f) * min(t, w) / w)
