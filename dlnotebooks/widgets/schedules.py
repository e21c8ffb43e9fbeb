"""Learning-rate schedule explorer: the library's schedules, plotted over the iterations."""

import numpy as np

from .._checks import choice, positive_int
from ._base import Explorer, new_figure

__all__ = ["SCHEDULES", "schedule_curve", "ScheduleExplorer"]

SCHEDULES = ("time-based", "step", "cosine", "warmup+cosine", "piecewise")


def schedule_curve(schedule, num_iterations=1000, *, initial_learn_rate=0.01, decay=0.01,
                   drop_factor=0.5, drop_period=200, warmup_iterations=100,
                   min_learn_rate=0.0):
    """Learning rate at each iteration ``1..num_iterations`` of one schedule.

    Uses ``dl.optim``'s schedules: ``time_based_decay`` (MATLAB's custom-loop example),
    ``step_decay``, ``cosine_decay``, ``warmup`` (followed by the cosine decay) and
    ``piecewise_decay`` (the rate divided by 10 at 50% and 75% of the iterations).

    Parameters
    ----------
    schedule : {"time-based", "step", "cosine", "warmup+cosine", "piecewise"}
    num_iterations : int, default 1000
    initial_learn_rate, decay, drop_factor, drop_period, warmup_iterations, min_learn_rate
        The schedules' parameters (each schedule uses the ones it needs).

    Returns
    -------
    iterations : ndarray of int, shape (num_iterations,)
    rates : ndarray of float, shape (num_iterations,)

    Raises
    ------
    ValueError
        Unknown schedule, or parameters the schedule rejects.

    Examples
    --------
    >>> from dlnotebooks.widgets import schedule_curve
    >>> it, lr = schedule_curve("step", 6, initial_learn_rate=1.0, drop_period=2)
    >>> lr.tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    func = "schedule_curve"
    schedule = choice(func, "schedule", schedule, SCHEDULES)
    num_iterations = positive_int(func, "num_iterations", num_iterations)
    from .. import optim

    iterations = np.arange(1, num_iterations + 1)
    if schedule == "time-based":
        rates = [optim.time_based_decay(initial_learn_rate, decay, int(t)) for t in iterations]
    elif schedule == "step":
        rates = [optim.step_decay(initial_learn_rate, int(t), drop_factor=drop_factor,
                                  drop_period=drop_period) for t in iterations]
    elif schedule == "cosine":
        rates = [optim.cosine_decay(initial_learn_rate, int(t), num_iterations,
                                    min_learn_rate=min_learn_rate) for t in iterations]
    elif schedule == "warmup+cosine":
        rates = [optim.warmup(optim.cosine_decay(initial_learn_rate, int(t), num_iterations,
                                                 min_learn_rate=min_learn_rate),
                              int(t), warmup_iterations) for t in iterations]
    else:
        bounds = sorted({max(1, num_iterations // 2), max(2, (3 * num_iterations) // 4)})
        values = [initial_learn_rate / 10 ** k for k in range(len(bounds) + 1)]
        rates = [optim.piecewise_decay(int(t), bounds, values) for t in iterations]
    return iterations, np.asarray(rates, dtype=float)


class ScheduleExplorer(Explorer):
    """Plot learning-rate schedules; sliders for their parameters.

    Controls: ``schedules`` (multiple selection), ``num_iterations``, ``initial_learn_rate``
    (log slider), ``decay``, ``drop_factor``, ``drop_period``, ``warmup_iterations``. A
    checkbox ``log_scale`` switches the y axis.

    Examples
    --------
    >>> from dlnotebooks.widgets import ScheduleExplorer
    >>> app = ScheduleExplorer()
    >>> app.controls["drop_period"].value = 100
    >>> app.result["step"][1][:3].tolist()
    [0.01, 0.01, 0.01]
    """

    def _controls(self):
        import ipywidgets as W

        style = {"description_width": "110px"}
        return {
            "schedules": W.SelectMultiple(options=SCHEDULES, value=("time-based", "step",
                                                                    "warmup+cosine"),
                                          rows=5, description="schedules", style=style),
            "num_iterations": W.IntSlider(value=1000, min=50, max=5000, step=50,
                                          description="iterations", style=style,
                                          continuous_update=False),
            "initial_learn_rate": W.FloatLogSlider(value=0.01, base=10, min=-5, max=0,
                                                   step=0.1, description="initial rate",
                                                   readout_format=".1e", style=style,
                                                   continuous_update=False),
            "decay": W.FloatLogSlider(value=0.01, base=10, min=-4, max=0, step=0.1,
                                      description="decay (time)", readout_format=".1e",
                                      style=style, continuous_update=False),
            "drop_factor": W.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05,
                                         description="drop factor", style=style,
                                         continuous_update=False),
            "drop_period": W.IntSlider(value=200, min=1, max=2000, step=10,
                                       description="drop period", style=style,
                                       continuous_update=False),
            "warmup_iterations": W.IntSlider(value=100, min=1, max=1000, step=10,
                                             description="warm-up", style=style,
                                             continuous_update=False),
            "log_scale": W.Checkbox(value=False, description="log y axis"),
        }

    def _compute(self, schedules, log_scale, **params):
        return {name: schedule_curve(name, **params) for name in schedules}

    def _draw(self, result):
        from ..monitor.figures import COLORS, STYLES

        fig = new_figure(7.0, 3.4)
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.15, top=0.9)
        ax = fig.add_subplot()
        for k, (name, (iterations, rates)) in enumerate(result.items()):
            ax.plot(iterations, rates, color=COLORS[k % len(COLORS)],
                    linestyle=STYLES[k % len(STYLES)], linewidth=1.6, label=name)
        positive = [r[r > 0] for _, r in result.values()]
        if self.controls["log_scale"].value and any(p.size for p in positive):
            ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel("learning rate")
        ax.set_title("learning-rate schedules", fontsize=10)
        ax.grid(True, alpha=0.3)
        if result:
            ax.legend(fontsize=8)
        ax.tick_params(labelsize=8)
        return fig
