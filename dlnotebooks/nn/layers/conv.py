"""Convolution layers: 2-D convolution and transposed convolution ("SSCB" in and out)."""

from ... import _checks
from ... import init as _init
from ... import ops as _ops
from ._base import (Layer, LayerCase, _channels, _initializer, _make, _set_initial, _sizes,
                    register, sample_input)


class _Conv2d(Layer):
    constructor = "convolution2dLayer"
    default_name = "conv"
    description = "2-D convolution"
    learnable_names = ("Weights", "Bias")
    transposed = False

    def _init_learnables(self, inputs, rng):
        X = inputs[0]
        C = _channels(X, "initialize", self)
        nc = self._options.get("num_channels", "auto")
        if nc != "auto" and nc != C:
            raise _checks.fail("initialize", "input", f"of layer '{self.name}' must have "
                               f"num_channels={nc} channels", f"{C} channels")
        h, w = self._options["filter_size"]
        F = self._options["num_filters"]
        shape = (h, w, F, C) if self.transposed else (h, w, C, F)
        kind = "transposed-conv" if self.transposed else "conv"
        return {"Weights": _make(self._options["weights_initializer"], shape, rng,
                                 _init.fan_in_out(kind, shape)),
                "Bias": _make(self._options["bias_initializer"], (F, 1), rng, (1, 1))}

    def _forward(self, inputs, params, state, training):
        o = self._options
        if self.transposed:
            Y = _ops.dltranspconv(inputs[0], params["Weights"], params["Bias"],
                                  stride=o["stride"], cropping=o["cropping"])
        else:
            Y = _ops.dlconv(inputs[0], params["Weights"], params["Bias"], stride=o["stride"],
                            dilation_factor=o["dilation_factor"], padding=o["padding"],
                            padding_value=o["padding_value"])
        return Y, {}


def _conv_options(func, filter_size, num_filters, stride, num_channels, weights_initializer,
                  bias_initializer):
    out = {"filter_size": _sizes(func, "filter_size", filter_size, 2),
           "num_filters": _checks.positive_int(func, "num_filters", num_filters),
           "stride": _sizes(func, "stride", stride, 2)}
    if num_channels != "auto":
        num_channels = _checks.positive_int(func, "num_channels", num_channels)
    out["num_channels"] = num_channels
    out["weights_initializer"] = _initializer(func, "weights_initializer", weights_initializer)
    out["bias_initializer"] = _initializer(func, "bias_initializer", bias_initializer)
    return out


def _sample_conv(rng, dtype, n):
    X = sample_input(rng, dtype, (5, 6, 2, n), "SSCB")
    return [LayerCase("same", convolution2dLayer(3, 4, padding="same"), (X,)),
            LayerCase("strided-dilated", convolution2dLayer((3, 2), 3, stride=(2, 1),
                                                            dilation_factor=(1, 2), padding=1),
                      (X,))]


def _conv_reference(layer, inputs, learnables, state):
    o = layer.options
    return _ops.dlconv(inputs[0], learnables["Weights"], learnables["Bias"], stride=o["stride"],
                       dilation_factor=o["dilation_factor"], padding=o["padding"],
                       padding_value=o["padding_value"])


@register(sample=_sample_conv, reference=_conv_reference, rtol=1e-5)
def convolution2dLayer(filter_size, num_filters, *, stride=1, dilation_factor=1, padding=0,
                       padding_value=0, num_channels="auto", weights_initializer="glorot",
                       bias_initializer="zeros", weights=None, bias=None, name=""):
    """Create a 2-D convolution layer: ``Y = dlconv(X, Weights, Bias, ...)``.

    .. math:: Y_{i,j,f,n} = \\sum_{a,b,c} W_{a,b,c,f} X_{s_1 i+d_1 a,\\, s_2 j+d_2 b,\\, c,\\, n}
              + b_f

    Parameters
    ----------
    filter_size : int or (h, w)
    num_filters : int, F
    stride, dilation_factor : int or (int, int), default 1
    padding : int, tuple, tuple of (before, after) pairs, or "same", default 0
    padding_value : number or padding mode, default 0
    num_channels : int or "auto", default "auto" (taken from the input at initialization)
    weights_initializer : "glorot" (default), "he", "narrow-normal", "zeros", "ones" or a
        function ``f(shape) -> array``
    bias_initializer : "zeros" (default), "ones", "narrow-normal" or a function
    weights : array (h, w, C, F), optional; bias : array with F elements, optional
        Initial values used by ``initialize`` instead of the initializers.
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Weights (h, w, C, F) and Bias (F, 1); input and output
        "SSCB"

    Raises
    ------
    ValueError, TypeError
        Non-positive or non-integer sizes; unknown initializer.

    Notes
    -----
    Glorot fan values: ``num_in = h*w*C``, ``num_out = h*w*F``.

    MATLAB compatibility
    --------------------
    ``convolution2dLayer(filterSize, numFilters, Stride=..., DilationFactor=..., Padding=...,
    PaddingValue=..., NumChannels=..., WeightsInitializer=..., BiasInitializer=...)``. The bias
    is (F, 1) rather than MATLAB's 1×1×F (the library's rule for vectors).

    Examples
    --------
    >>> convolution2dLayer(3, 8, padding="same").options["filter_size"]
    (3, 3)
    """
    func = "convolution2dLayer"
    opts = _conv_options(func, filter_size, num_filters, stride, num_channels,
                         weights_initializer, bias_initializer)
    opts["dilation_factor"] = _sizes(func, "dilation_factor", dilation_factor, 2)
    if isinstance(padding, str):
        padding = _checks.choice(func, "padding", padding, ("same",))
    opts["padding"] = padding
    opts["padding_value"] = padding_value
    layer = _Conv2d(name, **opts)
    return _set_initial(layer, func, Weights=weights, Bias=bias)


class _TransposedConv2d(_Conv2d):
    constructor = "transposedConv2dLayer"
    default_name = "transposed-conv"
    description = "2-D transposed convolution"
    transposed = True


def _sample_transposed_conv(rng, dtype, n):
    X = sample_input(rng, dtype, (3, 4, 2, n), "SSCB")
    return [LayerCase("stride-2", transposedConv2dLayer(2, 3, stride=2), (X,)),
            LayerCase("cropped", transposedConv2dLayer(3, 2, cropping=1), (X,))]


def _transposed_conv_reference(layer, inputs, learnables, state):
    o = layer.options
    return _ops.dltranspconv(inputs[0], learnables["Weights"], learnables["Bias"],
                             stride=o["stride"], cropping=o["cropping"])


@register(sample=_sample_transposed_conv, reference=_transposed_conv_reference, rtol=1e-5)
def transposedConv2dLayer(filter_size, num_filters, *, stride=1, cropping=0,
                          num_channels="auto", weights_initializer="glorot",
                          bias_initializer="zeros", weights=None, bias=None, name=""):
    """Create a 2-D transposed convolution layer: ``Y = dltranspconv(X, Weights, Bias, ...)``.

    Upsamples: the output size is ``stride*(H - 1) + h - cropping`` per spatial dimension.

    .. math:: Y_{s i + a,\\, f} \\mathrel{+}= W_{a, f, c}\\, X_{i, c}

    Parameters
    ----------
    filter_size : int or (h, w)
    num_filters : int, F (output channels)
    stride : int or (int, int), default 1
    cropping : int, tuple or "same", default 0
    num_channels : int or "auto", default "auto"
    weights_initializer, bias_initializer : as for :func:`convolution2dLayer`
    weights : array (h, w, F, C), optional; bias : array with F elements, optional
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables Weights (h, w, F, C) and Bias (F, 1); "SSCB" in and out

    Raises
    ------
    ValueError, TypeError
        Non-positive or non-integer sizes; unknown initializer.

    Notes
    -----
    Glorot fan values by :func:`dl.init.fan_in_out` with kind "transposed-conv".

    MATLAB compatibility
    --------------------
    ``transposedConv2dLayer(filterSize, numFilters, Stride=..., Cropping=...)``; weights in
    MATLAB's (h, w, numFilters, numChannels) layout.

    Examples
    --------
    >>> transposedConv2dLayer(4, 16, stride=2).options["stride"]
    (2, 2)
    """
    func = "transposedConv2dLayer"
    opts = _conv_options(func, filter_size, num_filters, stride, num_channels,
                         weights_initializer, bias_initializer)
    if isinstance(cropping, str):
        cropping = _checks.choice(func, "cropping", cropping, ("same",))
    opts["cropping"] = cropping
    layer = _TransposedConv2d(name, **opts)
    return _set_initial(layer, func, Weights=weights, Bias=bias)
