"""Dense layers: fully connected, and project-and-reshape (fully connected, then images)."""

import numpy as np

from ... import _checks
from ... import ops as _ops
from ...core import dlarray, extractdata
from ._base import (Layer, LayerCase, _channels, _initializer, _make, _set_initial, _sizes,
                    register, sample_input)


class _FullyConnected(Layer):
    constructor = "fullyConnectedLayer"
    default_name = "fc"
    description = "Fully connected"
    learnable_names = ("Weights", "Bias")

    def _init_learnables(self, inputs, rng):
        X = inputs[0]
        _channels(X, "initialize", self)
        num_in = int(np.prod([n for n, lab in zip(X.shape, X.fmt) if lab in "SC"]))
        out = int(np.prod(self._options["output_size"]))
        o = self._options
        return {"Weights": _make(o["weights_initializer"], (out, num_in), rng, (num_in, out)),
                "Bias": _make(o["bias_initializer"], (out, 1), rng, (1, 1))}

    def _forward(self, inputs, params, state, training):
        return _ops.fullyconnect(inputs[0], params["Weights"], params["Bias"]), {}


def _sample_fc(rng, dtype, n):
    return [LayerCase("features", fullyConnectedLayer(4),
                      (sample_input(rng, dtype, (3, n), "CB"),)),
            LayerCase("images", fullyConnectedLayer(2),
                      (sample_input(rng, dtype, (3, 2, 2, n), "SSCB"),)),
            LayerCase("sequences", fullyConnectedLayer(2),
                      (sample_input(rng, dtype, (3, n, 4), "CBT"),))]


def _fc_reference(layer, inputs, learnables, state):
    return _ops.fullyconnect(inputs[0], learnables["Weights"], learnables["Bias"])


@register(sample=_sample_fc, reference=_fc_reference, rtol=1e-5)
def fullyConnectedLayer(output_size, *, weights_initializer="glorot", bias_initializer="zeros",
                        weights=None, bias=None, name=""):
    """Create a fully connected layer: ``Y = fullyconnect(X, Weights, Bias)``.

    .. math:: Y = W\\,\\mathrm{vec}(X) + b

    Parameters
    ----------
    output_size : int
    weights_initializer, bias_initializer : as for :func:`convolution2dLayer`
    weights : array (output_size, num_in), optional; bias : array, optional
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Weights (output_size, num_in) and Bias (output_size, 1);
        output "CB" (or "CBT" for sequences)

    Raises
    ------
    ValueError, TypeError
        Non-positive output size; unknown initializer.

    Notes
    -----
    ``num_in`` is the product of the input's S and C sizes (flattened column-major).

    MATLAB compatibility
    --------------------
    ``fullyConnectedLayer(outputSize, WeightsInitializer=..., BiasInitializer=...)``.

    Examples
    --------
    >>> fullyConnectedLayer(10).learnable_names
    ('Weights', 'Bias')
    """
    func = "fullyConnectedLayer"
    layer = _FullyConnected(
        name, output_size=_checks.positive_int(func, "output_size", output_size),
        weights_initializer=_initializer(func, "weights_initializer", weights_initializer),
        bias_initializer=_initializer(func, "bias_initializer", bias_initializer))
    return _set_initial(layer, func, Weights=weights, Bias=bias)


class _ProjectAndReshape(_FullyConnected):
    # The learnables of a fully connected layer with prod(output_size) outputs.
    constructor = "projectAndReshapeLayer"
    default_name = "proj"
    description = "Project and reshape"

    def _forward(self, inputs, params, state, training):
        H, W, C = self._options["output_size"]
        Y = _ops.fullyconnect(inputs[0], params["Weights"], params["Bias"])
        N = Y.shape[1]
        # column-major (H, W, C) from the P = H*W*C rows: reshape to (C, W, H, N), reverse.
        Z = Y.reshape((C, W, H, N)).transpose((2, 1, 0, 3))
        return dlarray(Z, "SSCB"), {}


def _sample_project(rng, dtype, n):
    return [LayerCase("features", projectAndReshapeLayer((2, 3, 2)),
                      (sample_input(rng, dtype, (4, n), "CB"),))]


def _project_reference(layer, inputs, learnables, state):
    # The P = H*W*C outputs of the fully connected step, read column-major (H fastest).
    Y = extractdata(_ops.fullyconnect(inputs[0], learnables["Weights"], learnables["Bias"]))
    return dlarray(Y.reshape(tuple(layer.options["output_size"]) + (-1,), order="F"), "SSCB")


@register(sample=_sample_project, reference=_project_reference, rtol=1e-5)
def projectAndReshapeLayer(output_size, *, weights_initializer="glorot",
                           bias_initializer="zeros", name=""):
    """Create a project-and-reshape layer: fully connect to H*W*C values, reshape to "SSCB".

    Used at the start of GAN generators: a "CB" noise vector becomes a small image.

    .. math:: Y = \\mathrm{reshape}_{H\\times W\\times C}(W\\,x + b)

    Parameters
    ----------
    output_size : (H, W, C) of int
    weights_initializer, bias_initializer : as for :func:`fullyConnectedLayer`
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Weights (H*W*C, num_in), Bias (H*W*C, 1); output "SSCB"

    Raises
    ------
    ValueError, TypeError
        output_size not three positive ints.

    Notes
    -----
    The reshape is column-major, as in MATLAB.

    MATLAB compatibility
    --------------------
    The ``projectAndReshapeLayer`` of MATLAB's GAN example (a built-in layer since R2021a).

    Examples
    --------
    >>> projectAndReshapeLayer((4, 4, 8)).options["output_size"]
    (4, 4, 8)
    """
    func = "projectAndReshapeLayer"
    return _ProjectAndReshape(
        name, output_size=_sizes(func, "output_size", output_size, 3),
        weights_initializer=_initializer(func, "weights_initializer", weights_initializer),
        bias_initializer=_initializer(func, "bias_initializer", bias_initializer))
