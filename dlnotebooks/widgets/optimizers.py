"""Optimizer explorer: SGDM, Adam, RMSProp and L-BFGS trajectories on 2-D test surfaces."""

import math

import numpy as np

from .._checks import choice, fail, positive_int, real_number
from ..core import dlarray, extractdata
from ._base import Explorer, new_figure

__all__ = ["SURFACES", "OPTIMIZERS", "surface_value", "optimizer_trajectory",
           "OptimizerExplorer"]

#: name -> (formula, default start, plot window (xmin, xmax, ymin, ymax), minimum or None)
SURFACES = {
    "rosenbrock": ("(1 - x)^2 + 100 (y - x^2)^2", (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0),
                   (1.0, 1.0)),
    "beale": ("(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", (-1.0, -1.0),
              (-4.5, 4.5, -4.5, 4.5), (3.0, 0.5)),
    "saddle": ("x^2 - y^2 (+ y^4 / 4, bounded below)", (-1.5, 0.01), (-2.0, 2.0, -2.5, 2.5),
               None),
    "quadratic": ("x^2 + 10 y^2 (ill-conditioned bowl)", (-1.8, 1.2), (-2.0, 2.0, -1.5, 1.5),
                  (0.0, 0.0)),
}
OPTIMIZERS = ("sgdm", "adam", "rmsprop", "lbfgs")


def _surface(name, x, y):
    """Works on floats, NumPy arrays and traced dlarrays alike."""
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    if name == "beale":
        return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
                + (2.625 - x + x * y ** 3) ** 2)
    if name == "saddle":
        return x ** 2 - y ** 2 + 0.25 * y ** 4
    return x ** 2 + 10 * y ** 2


def surface_value(surface, x, y):
    """Evaluate a test surface at ``(x, y)`` (arrays broadcast).

    Parameters
    ----------
    surface : str, one of ``SURFACES``
    x, y : float or array, broadcastable against each other

    Returns
    -------
    z : float or array, the broadcast shape of x and y

    Examples
    --------
    >>> from dlnotebooks.widgets import surface_value
    >>> float(surface_value("rosenbrock", 1.0, 1.0))
    0.0
    """
    surface = choice("surface_value", "surface", surface, tuple(SURFACES))
    return _surface(surface, np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def optimizer_trajectory(surface="rosenbrock", optimizer="adam", *, learn_rate=0.01,
                         momentum=0.9, num_steps=200, start=None):
    """Run one optimizer on a 2-D surface with the library's update functions.

    The parameters are a dict ``{"x": dlarray, "y": dlarray}``; each step evaluates the
    surface and its gradient with ``dlfeval``/``dlgradient`` and applies ``sgdmupdate``
    (``momentum``), ``adamupdate``, ``rmspropupdate`` or ``lbfgsupdate`` (which chooses its own
    step length by line search and ignores ``learn_rate``).

    Parameters
    ----------
    surface : {"rosenbrock", "beale", "saddle", "quadratic"}
    optimizer : {"sgdm", "adam", "rmsprop", "lbfgs"}
    learn_rate : float > 0, default 0.01
    momentum : float in [0, 1), default 0.9
        SGDM's momentum (Adam's gradient decay is left at its default 0.9).
    num_steps : int, default 200
    start : (float, float), optional
        Starting point; default the surface's own.

    Returns
    -------
    points : ndarray, shape (num_steps + 1, 2)
        The trajectory, starting point first. A run that diverges stops early: the rest is
        NaN.
    losses : ndarray, shape (num_steps + 1,)

    Raises
    ------
    ValueError
        Unknown surface or optimizer; learn rate not positive; momentum outside [0, 1).

    Examples
    --------
    >>> from dlnotebooks.widgets import optimizer_trajectory
    >>> points, losses = optimizer_trajectory("quadratic", "sgdm", learn_rate=0.02,
    ...                                       num_steps=100)
    >>> points.shape, bool(losses[-1] < 1e-3 * losses[0])
    ((101, 2), True)
    """
    func = "optimizer_trajectory"
    surface = choice(func, "surface", surface, tuple(SURFACES))
    optimizer = choice(func, "optimizer", optimizer, OPTIMIZERS)
    learn_rate = real_number(func, "learn_rate", learn_rate, low=0, low_open=True)
    momentum = real_number(func, "momentum", momentum, low=0, high=1, high_open=True)
    num_steps = positive_int(func, "num_steps", num_steps)
    if start is None:
        start = SURFACES[surface][1]
    if len(start) != 2:
        raise fail(func, "start", "must be a pair (x, y)", repr(start))
    from .. import optim
    from ..autodiff import dlfeval, dlgradient

    def loss_and_grad(p):
        loss = _surface(surface, p["x"], p["y"])
        return loss, dlgradient(loss, p)

    def evaluate(p):
        return dlfeval(loss_and_grad, p)

    params = {"x": dlarray(np.array([[float(start[0])]])),
              "y": dlarray(np.array([[float(start[1])]]))}
    points = np.full((num_steps + 1, 2), np.nan)
    losses = np.full(num_steps + 1, np.nan)
    points[0] = start
    losses[0] = float(_surface(surface, float(start[0]), float(start[1])))
    state = [None, None]
    with np.errstate(all="ignore"):
        for step in range(1, num_steps + 1):
            if optimizer == "lbfgs":
                params, state[0] = optim.lbfgsupdate(params, evaluate, state[0])
            else:
                _, grads = evaluate(params)
                if optimizer == "sgdm":
                    params, state[0] = optim.sgdmupdate(params, grads, state[0], learn_rate,
                                                        momentum)
                elif optimizer == "adam":
                    params, state[0], state[1] = optim.adamupdate(
                        params, grads, state[0], state[1], step, learn_rate)
                else:
                    params, state[0] = optim.rmspropupdate(params, grads, state[0],
                                                           learn_rate)
            x = float(np.asarray(extractdata(params["x"])).reshape(-1)[0])
            y = float(np.asarray(extractdata(params["y"])).reshape(-1)[0])
            value = float(_surface(surface, x, y))
            if not (math.isfinite(value) and abs(x) < 1e6 and abs(y) < 1e6):
                break
            points[step] = (x, y)
            losses[step] = value
            if optimizer == "lbfgs" and np.allclose(points[step], points[step - 1],
                                                    rtol=0, atol=1e-12):
                # Converged (or stuck): further line searches would only repeat this point.
                points[step:] = points[step]
                losses[step:] = value
                break
    return points, losses


class OptimizerExplorer(Explorer):
    """Compare optimizer trajectories on a 2-D surface, with learning-rate/momentum sliders.

    Controls: ``surface`` (dropdown), ``optimizers`` (multiple selection), ``learn_rate``
    (SGDM's) and ``adaptive_learn_rate`` (Adam's and RMSProp's) log sliders, ``momentum``
    and ``num_steps`` (sliders); L-BFGS chooses its own step by line search. The figure
    shows the contour map with each trajectory, and the loss per step (log scale).

    Parameters
    ----------
    surface : str, default "rosenbrock"
        One of ``SURFACES``.
    optimizers : sequence of str, default all of ``OPTIMIZERS``
    learn_rate : float, default 0.002
        SGDM's learning rate.
    adaptive_learn_rate : float, default 0.05
        Adam's and RMSProp's learning rate.
    momentum : float, default 0.9
    num_steps : int, default 300

    Examples
    --------
    >>> from dlnotebooks.widgets import OptimizerExplorer
    >>> app = OptimizerExplorer(num_steps=20)
    >>> app.controls["surface"].value = "saddle"
    >>> sorted(app.result)
    ['adam', 'lbfgs', 'rmsprop', 'sgdm']
    """

    def __init__(self, surface="rosenbrock", optimizers=OPTIMIZERS, learn_rate=0.002,
                 adaptive_learn_rate=0.05, momentum=0.9, num_steps=300):
        self._initial = dict(surface=surface, optimizers=tuple(optimizers),
                             learn_rate=learn_rate, adaptive_learn_rate=adaptive_learn_rate,
                             momentum=momentum, num_steps=num_steps)
        super().__init__()

    def _controls(self):
        import ipywidgets as W

        start = self._initial
        style = {"description_width": "110px"}
        return {
            "surface": W.Dropdown(options=tuple(SURFACES), value=start["surface"],
                                  description="surface", style=style),
            "optimizers": W.SelectMultiple(options=OPTIMIZERS, value=start["optimizers"],
                                           rows=4, description="optimizers", style=style),
            "learn_rate": W.FloatLogSlider(value=start["learn_rate"], base=10, min=-4, max=0,
                                           step=0.1, description="SGDM rate",
                                           readout_format=".4f", continuous_update=False,
                                           style=style),
            "adaptive_learn_rate": W.FloatLogSlider(
                value=start["adaptive_learn_rate"], base=10, min=-4, max=0, step=0.1,
                description="Adam/RMS rate", readout_format=".4f", continuous_update=False,
                style=style),
            "momentum": W.FloatSlider(value=start["momentum"], min=0.0, max=0.99, step=0.01,
                                      description="momentum", continuous_update=False,
                                      style=style),
            "num_steps": W.IntSlider(value=start["num_steps"], min=10, max=500, step=10,
                                     description="steps", continuous_update=False,
                                     style=style),
        }

    def _compute(self, surface, optimizers, learn_rate, adaptive_learn_rate, momentum,
                 num_steps):
        # Adam and RMSProp take steps of about their learning rate whatever the gradient's
        # size, SGDM of the rate times the gradient: one slider each.
        return {name: optimizer_trajectory(
                    surface, name, momentum=momentum, num_steps=num_steps,
                    learn_rate=learn_rate if name == "sgdm" else adaptive_learn_rate)
                for name in optimizers}

    def _draw(self, result):
        from ..monitor.figures import COLORS, STYLES

        surface = self.controls["surface"].value
        formula, _, (x0, x1, y0, y1), minimum = SURFACES[surface]
        fig = new_figure(10.5, 4.2)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        ax, loss_ax = fig.subplots(1, 2, width_ratios=(1.2, 1.0))
        xs, ys = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
        zs = surface_value(surface, xs, ys)
        shifted = zs - zs.min() + 1e-3
        levels = np.geomspace(shifted.min() * 10, shifted.max(), 18)
        ax.contour(xs, ys, shifted, levels=levels, colors="0.6", linewidths=0.6)
        if minimum is not None:
            ax.plot(*minimum, marker="*", color="black", markersize=11, linestyle="none")
        for k, (name, (points, losses)) in enumerate(result.items()):
            color, style = COLORS[k % len(COLORS)], STYLES[k % len(STYLES)]
            ax.plot(points[:, 0], points[:, 1], color=color, linestyle=style, linewidth=1.6,
                    marker="o", markersize=2, label=name)
            finite = losses[np.isfinite(losses)]
            floor = finite - (zs.min() if surface == "saddle" else 0)
            loss_ax.plot(np.arange(finite.size), np.maximum(floor, 1e-12), color=color,
                         linestyle=style, label=name)
        ax.plot(*points[0], marker="s", color="black", markersize=6) if result else None
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{surface}: {formula}", fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        loss_ax.set_yscale("log")
        loss_ax.set_title("loss per step" + (" (minus the plot's minimum)"
                                              if surface == "saddle" else ""), fontsize=10)
        loss_ax.set_xlabel("step")
        loss_ax.grid(True, alpha=0.3)
        if result:
            ax.legend(fontsize=8, loc="upper left")
        for a in (ax, loss_ax):
            a.tick_params(labelsize=8)
        return fig
