"""Normalization layers: batch normalization (running statistics as state), layer normalization."""

from ... import _checks
from ... import init as _init
from ... import ops as _ops
from ._base import (Layer, LayerCase, _channels, _detach, _initializer, _make, register,
                    sample_input)


class _BatchNorm(Layer):
    constructor = "batchNormalizationLayer"
    default_name = "batchnorm"
    description = "Batch normalization"
    learnable_names = ("Offset", "Scale")
    state_names = ("TrainedMean", "TrainedVariance")

    def _init_learnables(self, inputs, rng):
        C = _channels(inputs[0], "initialize", self)
        return {"Offset": _make(self._options["offset_initializer"], (C, 1), rng, (1, 1)),
                "Scale": _make(self._options["scale_initializer"], (C, 1), rng, (1, 1))}

    def _init_state(self, inputs, learnables):
        C = _channels(inputs[0], "initialize", self)
        return {"TrainedMean": _init.zeros((C, 1)), "TrainedVariance": _init.ones((C, 1))}

    def _forward(self, inputs, params, state, training):
        o = self._options
        if training:
            Y, mean, var = _ops.batchnorm(
                inputs[0], params["Offset"], params["Scale"], state["TrainedMean"],
                state["TrainedVariance"], training=True, epsilon=o["epsilon"],
                mean_decay=o["mean_decay"], variance_decay=o["variance_decay"])
            return Y, {"TrainedMean": _detach(mean), "TrainedVariance": _detach(var)}
        Y = _ops.batchnorm(inputs[0], params["Offset"], params["Scale"], state["TrainedMean"],
                           state["TrainedVariance"], training=False, epsilon=o["epsilon"])
        return Y, {}


def _sample_batchnorm(rng, dtype, n):
    return [LayerCase("images", batchNormalizationLayer(epsilon=1e-3),
                      (sample_input(rng, dtype, (3, 3, 2, n), "SSCB"),)),
            LayerCase("features", batchNormalizationLayer(),
                      (sample_input(rng, dtype, (4, n), "CB"),))]


def _batchnorm_reference(layer, inputs, learnables, state):
    return _ops.batchnorm(inputs[0], learnables["Offset"], learnables["Scale"],
                          state["TrainedMean"], state["TrainedVariance"], training=False,
                          epsilon=layer.options["epsilon"])


@register(sample=_sample_batchnorm, reference=_batchnorm_reference, rtol=1e-5)
def batchNormalizationLayer(*, epsilon=1e-5, mean_decay=0.1, variance_decay=0.1,
                            offset_initializer="zeros", scale_initializer="ones", name=""):
    """Create a batch normalization layer: per-channel normalization with running statistics.

    Training (``forward``): normalize with the mini-batch statistics and update
    ``TrainedMean``/``TrainedVariance`` as ``new = decay*batch + (1-decay)*old``; inference
    (``predict``): normalize with the trained statistics.

    .. math:: Y = \\gamma \\frac{X - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta

    Parameters
    ----------
    epsilon : float > 0, default 1e-5
    mean_decay, variance_decay : float in [0, 1], default 0.1
    offset_initializer : "zeros" (default), "ones", "narrow-normal" or a function
    scale_initializer : "ones" (default), "zeros", "narrow-normal" or a function
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Offset, Scale (C, 1) and state TrainedMean (zeros),
        TrainedVariance (ones), (C, 1); output has the input's format

    Raises
    ------
    ValueError
        Non-positive epsilon; decays outside [0, 1].

    Notes
    -----
    Assign the state returned by ``forward`` (``net.state = state``) or the running statistics
    never change.

    MATLAB compatibility
    --------------------
    ``batchNormalizationLayer(Epsilon=..., MeanDecay=..., VarianceDecay=...)``; the same
    parameter and state names.

    Examples
    --------
    >>> batchNormalizationLayer().state_names
    ('TrainedMean', 'TrainedVariance')
    """
    func = "batchNormalizationLayer"
    return _BatchNorm(
        name, epsilon=_checks.real_number(func, "epsilon", epsilon, low=0, low_open=True),
        mean_decay=_checks.real_number(func, "mean_decay", mean_decay, low=0, high=1),
        variance_decay=_checks.real_number(func, "variance_decay", variance_decay, low=0,
                                           high=1),
        offset_initializer=_initializer(func, "offset_initializer", offset_initializer),
        scale_initializer=_initializer(func, "scale_initializer", scale_initializer))


class _LayerNorm(Layer):
    constructor = "layerNormalizationLayer"
    default_name = "layernorm"
    description = "Layer normalization"
    learnable_names = ("Offset", "Scale")

    def _init_learnables(self, inputs, rng):
        C = _channels(inputs[0], "initialize", self)
        return {"Offset": _make(self._options["offset_initializer"], (C, 1), rng, (1, 1)),
                "Scale": _make(self._options["scale_initializer"], (C, 1), rng, (1, 1))}

    def _forward(self, inputs, params, state, training):
        o = self._options
        return _ops.layernorm(inputs[0], params["Offset"], params["Scale"],
                              epsilon=o["epsilon"],
                              operation_dimension=o["operation_dimension"]), {}


def _sample_layernorm(rng, dtype, n):
    return [LayerCase("images", layerNormalizationLayer(epsilon=1e-4),
                      (sample_input(rng, dtype, (3, 3, 2, n), "SSCB"),)),
            LayerCase("sequences", layerNormalizationLayer(),
                      (sample_input(rng, dtype, (4, n, 3), "CBT"),))]


def _layernorm_reference(layer, inputs, learnables, state):
    o = layer.options
    return _ops.layernorm(inputs[0], learnables["Offset"], learnables["Scale"],
                          epsilon=o["epsilon"], operation_dimension=o["operation_dimension"])


@register(sample=_sample_layernorm, reference=_layernorm_reference, rtol=1e-5)
def layerNormalizationLayer(*, epsilon=1e-5, operation_dimension="auto",
                            offset_initializer="zeros", scale_initializer="ones", name=""):
    """Create a layer normalization layer: normalize each observation, then scale and offset.

    .. math:: Y = \\gamma \\frac{X - \\mu_n}{\\sqrt{\\sigma_n^2 + \\epsilon}} + \\beta

    Parameters
    ----------
    epsilon : float > 0, default 1e-5
    operation_dimension : str, default "auto" (passed to ``layernorm``)
    offset_initializer, scale_initializer : "zeros"/"ones" defaults, or a function
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Offset and Scale (C, 1)

    Raises
    ------
    ValueError
        Non-positive epsilon.

    Notes
    -----
    No state: training and inference behave the same.

    MATLAB compatibility
    --------------------
    ``layerNormalizationLayer(Epsilon=..., OperationDimension=...)``.

    Examples
    --------
    >>> layerNormalizationLayer().learnable_names
    ('Offset', 'Scale')
    """
    func = "layerNormalizationLayer"
    return _LayerNorm(
        name, epsilon=_checks.real_number(func, "epsilon", epsilon, low=0, low_open=True),
        operation_dimension=operation_dimension,
        offset_initializer=_initializer(func, "offset_initializer", offset_initializer),
        scale_initializer=_initializer(func, "scale_initializer", scale_initializer))
