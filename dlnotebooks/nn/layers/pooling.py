"""Pooling layers: 2-D max, average and global average pooling ("SSCB" in and out)."""

from ... import _checks
from ... import ops as _ops
from ._base import Layer, LayerCase, _sizes, register, sample_input


class _Pool(Layer):
    description = "Pooling"

    def _forward(self, inputs, params, state, training):
        o = self._options
        if self.constructor == "maxPooling2dLayer":
            return _ops.maxpool(inputs[0], o["pool_size"], stride=o["stride"],
                                padding=o["padding"]), {}
        return _ops.avgpool(inputs[0], o["pool_size"], stride=o["stride"], padding=o["padding"],
                            padding_value=o["padding_value"]), {}


class _MaxPool(_Pool):
    constructor = "maxPooling2dLayer"
    default_name = "maxpool"
    description = "2-D max pooling"


class _AvgPool(_Pool):
    constructor = "averagePooling2dLayer"
    default_name = "avgpool"
    description = "2-D average pooling"


def _pool_options(func, pool_size, stride, padding):
    if isinstance(padding, str):
        padding = _checks.choice(func, "padding", padding, ("same",))
    return {"pool_size": _sizes(func, "pool_size", pool_size, 2),
            "stride": _sizes(func, "stride", stride, 2), "padding": padding}


def _sample_maxpool(rng, dtype, n):
    X = sample_input(rng, dtype, (4, 5, 2, n), "SSCB")
    return [LayerCase("stride-2", maxPooling2dLayer(2, stride=2), (X,)),
            LayerCase("same", maxPooling2dLayer(3, padding="same"), (X,))]


def _maxpool_reference(layer, inputs, learnables, state):
    o = layer.options
    return _ops.maxpool(inputs[0], o["pool_size"], stride=o["stride"], padding=o["padding"])


@register(sample=_sample_maxpool, reference=_maxpool_reference)
def maxPooling2dLayer(pool_size, *, stride=1, padding=0, name=""):
    """Create a 2-D max pooling layer: ``Y = maxpool(X, pool_size, stride=..., padding=...)``.

    .. math:: Y_{i,j,c,n} = \\max_{(a,b) \\in \\text{window}} X_{s_1 i + a, s_2 j + b, c, n}

    Parameters
    ----------
    pool_size : int or (h, w)
    stride : int or (int, int), default 1
    padding : int, tuple or "same", default 0
    name : str, default ""

    Returns
    -------
    layer : Layer; "SSCB" in and out

    Raises
    ------
    ValueError, TypeError
        Non-positive or non-integer sizes.

    Notes
    -----
    The gradient goes to the maximum of each window.

    MATLAB compatibility
    --------------------
    ``maxPooling2dLayer(poolSize, Stride=..., Padding=...)``; MATLAB's default stride is 1
    too, so pass ``stride=2`` for the usual halving.

    Examples
    --------
    >>> maxPooling2dLayer(2, stride=2).options["stride"]
    (2, 2)
    """
    func = "maxPooling2dLayer"
    return _MaxPool(name, **_pool_options(func, pool_size, stride, padding))


def _sample_avgpool(rng, dtype, n):
    X = sample_input(rng, dtype, (4, 5, 2, n), "SSCB")
    return [LayerCase("stride-2", averagePooling2dLayer(2, stride=2), (X,)),
            LayerCase("same", averagePooling2dLayer(3, padding="same"), (X,))]


def _avgpool_reference(layer, inputs, learnables, state):
    o = layer.options
    return _ops.avgpool(inputs[0], o["pool_size"], stride=o["stride"], padding=o["padding"],
                        padding_value=o["padding_value"])


@register(sample=_sample_avgpool, reference=_avgpool_reference, rtol=1e-5)
def averagePooling2dLayer(pool_size, *, stride=1, padding=0, padding_value=0, name=""):
    """Create a 2-D average pooling layer: ``Y = avgpool(X, pool_size, ...)``.

    .. math:: Y_{i,j,c,n} = \\frac{1}{hw}\\sum_{(a,b)} X_{s_1 i + a, s_2 j + b, c, n}

    Parameters
    ----------
    pool_size : int or (h, w)
    stride : int or (int, int), default 1
    padding : int, tuple or "same", default 0
    padding_value : 0 or "mean", default 0
    name : str, default ""

    Returns
    -------
    layer : Layer; "SSCB" in and out

    Raises
    ------
    ValueError, TypeError
        Non-positive or non-integer sizes.

    Notes
    -----
    Linear in X.

    MATLAB compatibility
    --------------------
    ``averagePooling2dLayer(poolSize, Stride=..., Padding=..., PaddingValue=...)``.

    Examples
    --------
    >>> averagePooling2dLayer(2).options["pool_size"]
    (2, 2)
    """
    func = "averagePooling2dLayer"
    opts = _pool_options(func, pool_size, stride, padding)
    opts["padding_value"] = padding_value
    return _AvgPool(name, **opts)


class _GlobalAvgPool(Layer):
    constructor = "globalAveragePooling2dLayer"
    default_name = "gapool"
    description = "2-D global average pooling"

    def _forward(self, inputs, params, state, training):
        return _ops.avgpool(inputs[0], "global"), {}


def _sample_gapool(rng, dtype, n):
    return [LayerCase("images", globalAveragePooling2dLayer(),
                      (sample_input(rng, dtype, (4, 5, 2, n), "SSCB"),))]


def _gapool_reference(layer, inputs, learnables, state):
    return _ops.avgpool(inputs[0], "global")


@register(sample=_sample_gapool, reference=_gapool_reference, rtol=1e-5)
def globalAveragePooling2dLayer(*, name=""):
    """Create a global average pooling layer: the mean over both S dimensions.

    .. math:: Y_{1,1,c,n} = \\frac{1}{HW} \\sum_{i,j} X_{i,j,c,n}

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer; output "SSCB" of shape (1, 1, C, N)

    Raises
    ------
    TypeError
        Non-string name.

    Notes
    -----
    Follow it with a fully connected layer (which flattens the singleton S dims).

    MATLAB compatibility
    --------------------
    ``globalAveragePooling2dLayer``.

    Examples
    --------
    >>> globalAveragePooling2dLayer().default_name
    'gapool'
    """
    return _GlobalAvgPool(name)
