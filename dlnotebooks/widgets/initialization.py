"""Initialization explorer: how the initializer, the depth and the activation shape the
activations and gradients of a deep fully connected network at initialization."""

import numpy as np

from .._checks import choice, fail, positive_int
from ..core import dlarray, extractdata
from ._base import Explorer, new_figure

__all__ = ["init_statistics", "InitializationExplorer", "INITIALIZERS", "ACTIVATIONS"]


def _initializers():
    from .. import init

    return {
        "glorot": lambda shape, rng: init.glorot(shape, shape[0], shape[1], rng=rng),
        "he": lambda shape, rng: init.he(shape, shape[1], rng=rng),
        "orthogonal": lambda shape, rng: init.orthogonal(shape, rng=rng),
        "narrow-normal": lambda shape, rng: init.narrow_normal(shape, rng=rng),
        "gaussian": lambda shape, rng: init.gaussian(shape, 0.0, 0.01, rng=rng),
        "uniform": lambda shape, rng: init.uniform(shape, 0.1, rng=rng),
    }


def _activations():
    from .. import ops

    return {
        "relu": ops.relu,
        "leakyrelu": ops.leakyrelu,
        "tanh": lambda X: 2 * ops.sigmoid(2 * X) - 1,
        "sigmoid": ops.sigmoid,
        "linear": lambda X: X,
    }


INITIALIZERS = ("glorot", "he", "orthogonal", "narrow-normal", "gaussian", "uniform")
ACTIVATIONS = ("relu", "leakyrelu", "tanh", "sigmoid", "linear")


def init_statistics(initializer="glorot", depth=10, activation="relu", *, width=64,
                    batch_size=256, seed=0):
    """Per-layer activation and gradient statistics of a freshly initialized deep MLP.

    The network is ``depth`` fully connected layers of ``width`` units (zero biases), each
    followed by ``activation``, fed with standard normal inputs. Gradients are those of
    ``sum(Y * R) / batch_size`` for a fixed standard normal ``R``, i.e. a random backward
    signal of unit scale.

    Parameters
    ----------
    initializer : {"glorot", "he", "orthogonal", "narrow-normal", "gaussian", "uniform"}
        Weight initializer from ``dl.init`` ("gaussian": std 0.01, "uniform": bound 0.1, the
        MATLAB defaults).
    depth : int, default 10
        Number of layers.
    activation : {"relu", "leakyrelu", "tanh", "sigmoid", "linear"}
    width : int, default 64
    batch_size : int, default 256
    seed : int, default 0
        Seed of the generator for weights, inputs and ``R``.

    Returns
    -------
    stats : dict
        ``"layer"`` (1..depth), ``"activation_mean"``, ``"activation_std"``,
        ``"gradient_std"`` (of each layer's weight gradient), each of shape ``(depth,)``,
        and ``"samples"``: ``{layer: up to 2000 activation values}`` for the first, middle
        and last layers.

    Raises
    ------
    ValueError
        Unknown initializer or activation; depth, width or batch size not positive.

    Examples
    --------
    >>> from dlnotebooks.widgets import init_statistics
    >>> s = init_statistics("he", depth=6, activation="relu", width=32, batch_size=64)
    >>> s["activation_std"].shape
    (6,)
    >>> bool(s["activation_std"][-1] > 0.1)
    True
    """
    func = "init_statistics"
    initializer = choice(func, "initializer", initializer, INITIALIZERS)
    activation = choice(func, "activation", activation, ACTIVATIONS)
    depth = positive_int(func, "depth", depth)
    width = positive_int(func, "width", width)
    batch_size = positive_int(func, "batch_size", batch_size)
    if depth > 100:
        raise fail(func, "depth", "must be at most 100", depth)
    from ..autodiff import dlfeval, dlgradient
    from ..ops import fullyconnect

    rng = np.random.default_rng(seed)
    make = _initializers()[initializer]
    act = _activations()[activation]
    weights = [make((width, width), rng) for _ in range(depth)]
    bias = dlarray(np.zeros((width, 1), dtype=np.float32))
    X = dlarray(rng.standard_normal((width, batch_size)).astype(np.float32), "CB")
    R = rng.standard_normal((width, batch_size)).astype(np.float32)

    def forward(weights, X):
        H, outputs = X, []
        for W in weights:
            H = act(fullyconnect(H, W, bias))
            outputs.append(H)
        loss = (H * R).sum() / batch_size
        return dlgradient(loss, weights), outputs

    grads, outputs = dlfeval(forward, weights, X)
    acts = [np.asarray(extractdata(H), dtype=np.float64) for H in outputs]
    gstd = [float(np.std(np.asarray(extractdata(g), dtype=np.float64))) for g in grads]
    picks = sorted({1, (depth + 1) // 2, depth})
    stride = max(1, acts[0].size // 2000)
    return {
        "layer": np.arange(1, depth + 1),
        "activation_mean": np.array([a.mean() for a in acts]),
        "activation_std": np.array([a.std() for a in acts]),
        "gradient_std": np.array(gstd),
        "samples": {k: acts[k - 1].reshape(-1)[::stride][:2000] for k in picks},
    }


def _positive(values, floor=1e-30):
    return np.maximum(np.nan_to_num(values, nan=floor, posinf=1e30), floor)


class InitializationExplorer(Explorer):
    """Initializer x depth x activation -> per-layer activation and gradient statistics.

    Controls: ``initializer`` and ``activation`` (dropdowns), ``depth`` (slider 1-50),
    ``width`` (slider). The figure shows the standard deviation of the activations and of the
    weight gradients per layer (log scale: vanishing shows as a fall, exploding as a rise) and
    the distribution of the activations of the first, middle and last layers.

    Parameters
    ----------
    initializer : str, default "glorot"
        One of ``INITIALIZERS``; the starting value of the dropdown.
    depth : int, default 10
        Number of fully connected layers (1 to 50).
    activation : str, default "relu"
        One of ``ACTIVATIONS``.
    width : int, default 64
        Units per layer.

    Examples
    --------
    >>> from dlnotebooks.widgets import InitializationExplorer
    >>> app = InitializationExplorer(depth=4)
    >>> app.controls["initializer"].value = "he"
    >>> app.result["activation_std"].shape
    (4,)
    """

    def __init__(self, initializer="glorot", depth=10, activation="relu", width=64):
        self._initial = dict(initializer=initializer, depth=depth, activation=activation,
                             width=width)
        super().__init__()

    def _controls(self):
        import ipywidgets as W

        start = self._initial
        style = {"description_width": "80px"}
        return {
            "initializer": W.Dropdown(options=INITIALIZERS, value=start["initializer"],
                                      description="initializer", style=style),
            "activation": W.Dropdown(options=ACTIVATIONS, value=start["activation"],
                                     description="activation", style=style),
            "depth": W.IntSlider(value=start["depth"], min=1, max=50, description="depth",
                                 continuous_update=False, style=style),
            "width": W.IntSlider(value=start["width"], min=8, max=256, step=8,
                                 description="width", continuous_update=False, style=style),
        }

    def _compute(self, initializer, activation, depth, width):
        return init_statistics(initializer, depth, activation, width=width, batch_size=128)

    def _draw(self, s):
        from ..monitor.figures import COLORS

        fig = new_figure(10.5, 3.0)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.35)
        axes = fig.subplots(1, 3)
        layers = s["layer"]
        axes[0].semilogy(layers, _positive(s["activation_std"]), "o-", color=COLORS[0],
                         markersize=3)
        axes[0].set_title("activation std per layer", fontsize=10)
        axes[1].semilogy(layers, _positive(s["gradient_std"]), "s--", color=COLORS[1],
                         markersize=3)
        axes[1].set_title("weight-gradient std per layer", fontsize=10)
        for ax in axes[:2]:
            ax.set_xlabel("layer")
            ax.grid(True, alpha=0.3)
        for k, (layer, sample) in enumerate(s["samples"].items()):
            finite = sample[np.isfinite(sample)]
            if finite.size:
                axes[2].hist(finite, bins=40, histtype="step", color=COLORS[k % len(COLORS)],
                             linestyle=("-", "--", ":")[k % 3], label=f"layer {layer}")
        axes[2].set_title("activation values", fontsize=10)
        axes[2].set_xlabel("value")
        axes[2].legend(fontsize=8)
        for ax in axes:
            ax.tick_params(labelsize=8)
        return fig
