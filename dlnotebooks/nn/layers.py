"""Layer constructors with MATLAB names; each layer's forward is a composition of the ops.

A layer is an immutable description: its type, name and options. Its learnable parameters and
state live in the network (``net.learnables``, ``net.state``), not in the layer; the values a
layer is given at construction (``weights=``, ``bias=``) are only used by ``initialize``.
"""

import numbers

import numpy as np

from .. import _checks
from .. import init as _init
from .. import ops as _ops
from ..core import dlarray, extractdata

__all__ = [
    "imageInputLayer", "featureInputLayer", "sequenceInputLayer", "convolution2dLayer",
    "transposedConv2dLayer", "fullyConnectedLayer", "batchNormalizationLayer",
    "layerNormalizationLayer", "reluLayer", "leakyReluLayer", "geluLayer", "tanhLayer",
    "sigmoidLayer", "softmaxLayer", "dropoutLayer", "maxPooling2dLayer",
    "averagePooling2dLayer", "globalAveragePooling2dLayer", "flattenLayer", "lstmLayer",
    "gruLayer", "embeddingLayer", "projectAndReshapeLayer", "additionLayer",
    "concatenationLayer",
]

_INITIALIZERS = ("glorot", "he", "orthogonal", "narrow-normal", "zeros", "ones")


def _size_text(shape, fmt=""):
    if fmt:
        return "×".join(f"{n}({lab})" for n, lab in zip(shape, fmt))
    return "×".join(str(n) for n in shape)


def _name(func, name):
    if not isinstance(name, str):
        raise _checks.fail(func, "name", "must be a string", _checks.describe(name),
                           cls=TypeError)
    if "/" in name:
        raise _checks.fail(func, "name", "must not contain '/'", repr(name),
                           "'/' separates a layer name from an input name.")
    return name


def _sizes(func, arg, value, n):
    """A positive int or a tuple of n positive ints -> tuple of n ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * n
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise _checks.fail(func, arg, f"must be a positive integer or {n} of them",
                           _checks.describe(value), cls=TypeError)
    return tuple(_checks.positive_int(func, f"{arg}[{i}]", v) for i, v in enumerate(value))


def _initializer(func, arg, value, choices=_INITIALIZERS):
    if callable(value):
        return value
    return _checks.choice(func, arg, value, choices)


def _given(func, arg, value):
    if value is None:
        return None
    return dlarray(np.asarray(_checks.as_array_input(func, arg, value).__array__()))


def _make(kind, shape, rng, fan=None):
    """Create a learnable with initializer ``kind`` (a name or a callable taking the shape)."""
    if callable(kind):
        value = kind(tuple(shape))
        return dlarray(np.asarray(value.__array__() if isinstance(value, dlarray) else value,
                                  dtype=np.float32))
    num_in, num_out = fan if fan is not None else (shape[-1], shape[0])
    if kind == "glorot":
        return _init.glorot(shape, num_out, num_in, rng=rng)
    if kind == "he":
        return _init.he(shape, num_in, rng=rng)
    if kind == "orthogonal":
        return _init.orthogonal(shape, rng=rng)
    if kind == "narrow-normal":
        return _init.narrow_normal(shape, rng=rng)
    if kind == "zeros":
        return _init.zeros(shape)
    if kind == "ones":
        return _init.ones(shape)
    if kind == "unit-forget-gate":
        return _init.unit_forget_gate(shape[0] // 4)
    raise ValueError(f"unknown initializer {kind!r}")  # validated at construction


def _detach(x):
    return dlarray(extractdata(x))


class Layer:
    """Base class: a named, immutable layer description.

    Subclasses set ``constructor`` (the MATLAB function name), ``default_name``,
    ``input_names``, ``learnable_names``, ``state_names`` and implement ``_forward``; layers
    with learnables also implement ``_init_learnables``.
    """

    constructor = "layer"
    default_name = "layer"
    description = "Layer"
    learnable_names = ()
    state_names = ()
    is_input = False

    def __init__(self, name="", **options):
        self.name = _name(self.constructor, name)
        self._options = options
        self._initial = {}

    @property
    def input_names(self):
        return ("in",)

    @property
    def num_inputs(self):
        return len(self.input_names)

    @property
    def options(self):
        """The layer's options (constructor keywords), a copy."""
        return dict(self._options)

    def _with_name(self, name):
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.name = name
        return new

    def _config(self):
        """Constructor keywords for saving (no callables, no generators, no initial values)."""
        out = {}
        for key, value in self._options.items():
            if callable(value) or isinstance(value, np.random.Generator):
                continue
            out[key] = value
        return out

    def _init_learnables(self, inputs, rng):
        return {}

    def _init_state(self, inputs, learnables):
        return {}

    def _forward(self, inputs, params, state, training):
        raise NotImplementedError

    def __repr__(self):
        opts = ", ".join(f"{k}={v!r}" for k, v in self._config().items()
                         if v is not None and not isinstance(v, np.ndarray))
        name = f"name={self.name!r}" if self.name else ""
        args = ", ".join(a for a in (opts, name) if a)
        return f"{self.constructor}({args})"


def _option_array(func, arg, value):
    if value is None:
        return None
    return np.asarray(_checks.as_array_input(func, arg, value).__array__(), dtype=np.float32)


class _InputLayer(Layer):
    is_input = True
    fmt = ""
    _size_arg = "input_size"

    def __init__(self, input_size, *, normalization="none", mean=None, std=None, name=""):
        func = self.constructor
        norm = _checks.choice(func, "normalization", normalization,
                              ("none", "zerocenter", "zscore"))
        mean = _option_array(func, "mean", mean)
        std = _option_array(func, "std", std)
        if norm in ("zerocenter", "zscore") and mean is None:
            raise _checks.fail(func, "mean", f"must be given for normalization={norm!r}",
                               "None", "Compute it from the training data, for example "
                               "mean=np.mean(images, axis=-1).")
        if norm == "zscore" and std is None:
            raise _checks.fail(func, "std", "must be given for normalization='zscore'", "None")
        super().__init__(name, input_size=input_size, normalization=norm, mean=mean, std=std)
        self.input_size = input_size

    @property
    def input_names(self):
        return ()

    def _config(self):
        config = super()._config()
        return {self._size_arg: config.pop("input_size"), **config}

    def _example(self):
        raise NotImplementedError

    def _stat(self, value, ndim):
        # NumPy broadcasting against one observation's (feature) shape, then singleton B/T.
        arr = np.asarray(value, dtype=np.float32)
        nfeat = len(self._feature_shape())
        if arr.ndim < nfeat:
            arr = arr.reshape((1,) * (nfeat - arr.ndim) + arr.shape)
        return dlarray(arr.reshape(arr.shape + (1,) * (ndim - arr.ndim)))

    def _check(self, X, func):
        if not isinstance(X, dlarray) or not X.fmt:
            raise _checks.fail(func, "X", "must be a formatted dlarray", _checks.describe(X),
                               f"First input argument must be a formatted dlarray: wrap it, "
                               f'for example dlarray(X, "{self.fmt}").')
        if X.fmt != self.fmt:
            raise _checks.fail(func, "X", f"for input layer '{self.name}' must have format "
                               f'"{self.fmt}"', f'format "{X.fmt}" (shape {X.shape})')
        expected = self._feature_shape()
        if tuple(X.shape[:len(expected)]) != expected:
            raise _checks.fail(func, "X", f"for input layer '{self.name}' must have size "
                               f"{_size_text(expected)} in its {self.fmt[:len(expected)]} "
                               "dimensions", f"shape {X.shape}")

    def _forward(self, inputs, params, state, training, func="forward"):
        X = inputs[0]
        self._check(X, func)
        norm = self._options["normalization"]
        if norm == "none":
            return X, {}
        ndim = len(self.fmt)
        mean = self._stat(self._options["mean"], ndim)
        X = X - mean
        if norm == "zscore":
            X = X / self._stat(self._options["std"], ndim)
        return X, {}


class _ImageInput(_InputLayer):
    constructor = "imageInputLayer"
    default_name = "imageinput"
    description = "Image input"
    fmt = "SSCB"

    def _feature_shape(self):
        return self.input_size

    def _example(self):
        return dlarray(np.zeros(self.input_size + (1,), dtype=np.float32), self.fmt)


def imageInputLayer(input_size, *, normalization="none", mean=None, std=None, name=""):
    """Create an image input layer: it checks and formats "SSCB" images and normalizes them.

    ``Y = X`` (``normalization="none"``), ``X - mean`` ("zerocenter") or
    ``(X - mean) / std`` ("zscore").

    .. math:: Y = (X - \\mu) / \\sigma

    Parameters
    ----------
    input_size : tuple (H, W) or (H, W, C) of int
        Size of one image; ``C`` defaults to 1.
    normalization : {"none", "zerocenter", "zscore"}, default "none"
    mean, std : array broadcastable to (H, W, C), e.g. shape (1, 1, C), optional
        Required for "zerocenter" ("zscore" needs both).
    name : str, default "" (a name is assigned by the network)

    Returns
    -------
    layer : Layer; its output has format "SSCB", shape (H, W, C, N)

    Raises
    ------
    ValueError
        Non-positive sizes; "zerocenter"/"zscore" without the statistics.

    Notes
    -----
    ``forward`` and ``predict`` need X as a formatted "SSCB" dlarray of the declared size.

    MATLAB compatibility
    --------------------
    ``imageInputLayer(inputSize, Normalization=..., Mean=..., StandardDeviation=...)``.
    Deliberate difference: the default normalization is "none" (MATLAB's "zerocenter" needs
    statistics computed by ``trainNetwork``); pass ``mean`` explicitly for "zerocenter".

    Examples
    --------
    >>> imageInputLayer((28, 28, 1))
    imageInputLayer(input_size=(28, 28, 1), normalization='none')
    """
    func = "imageInputLayer"
    if not isinstance(input_size, (tuple, list)) or len(input_size) not in (2, 3):
        raise _checks.fail(func, "input_size", "must be (H, W) or (H, W, C)",
                           _checks.describe(input_size), cls=TypeError)
    size = tuple(_checks.positive_int(func, f"input_size[{i}]", n)
                 for i, n in enumerate(input_size))
    if len(size) == 2:
        size = size + (1,)
    layer = _ImageInput(size, normalization=normalization, mean=mean, std=std, name=name)
    return layer


class _FeatureInput(_InputLayer):
    constructor = "featureInputLayer"
    default_name = "input"
    _size_arg = "num_features"
    description = "Feature input"
    fmt = "CB"

    def _feature_shape(self):
        return (self.input_size,)

    def _example(self):
        return dlarray(np.zeros((self.input_size, 1), dtype=np.float32), self.fmt)


def featureInputLayer(num_features, *, normalization="none", mean=None, std=None, name=""):
    """Create a feature input layer: it checks "CB" feature vectors and normalizes them.

    ``Y = X``, ``X - mean`` or ``(X - mean) / std`` as for :func:`imageInputLayer`.

    .. math:: Y = (X - \\mu) / \\sigma

    Parameters
    ----------
    num_features : int
    normalization : {"none", "zerocenter", "zscore"}, default "none"
    mean, std : array with num_features elements, shape (num_features,) or (num_features, 1)
    name : str, default ""

    Returns
    -------
    layer : Layer; output format "CB", shape (num_features, N)

    Raises
    ------
    ValueError
        Non-positive num_features; missing statistics.

    Notes
    -----
    X must be a formatted "CB" dlarray.

    MATLAB compatibility
    --------------------
    ``featureInputLayer(numFeatures, Normalization=...)``; default "none" as in MATLAB.

    Examples
    --------
    >>> featureInputLayer(4, name="in")
    featureInputLayer(num_features=4, normalization='none', name='in')
    """
    n = _checks.positive_int("featureInputLayer", "num_features", num_features)
    return _FeatureInput(n, normalization=normalization, mean=mean, std=std, name=name)


class _SequenceInput(_InputLayer):
    constructor = "sequenceInputLayer"
    default_name = "sequenceinput"
    description = "Sequence input"

    @property
    def fmt(self):
        return "CBT" if isinstance(self.input_size, int) else "SSCBT"

    def _feature_shape(self):
        return (self.input_size,) if isinstance(self.input_size, int) else self.input_size

    def _example(self):
        shape = self._feature_shape() + (1, 1)
        return dlarray(np.zeros(shape, dtype=np.float32), self.fmt)



def sequenceInputLayer(input_size, *, normalization="none", mean=None, std=None, name=""):
    """Create a sequence input layer: it checks "CBT" (or "SSCBT") sequences.

    ``Y = X``, ``X - mean`` or ``(X - mean) / std`` at every time step.

    .. math:: Y_t = (X_t - \\mu) / \\sigma

    Parameters
    ----------
    input_size : int (channels C: data "CBT" of shape (C, N, T)) or tuple (H, W, C) for image
        sequences ("SSCBT")
    normalization : {"none", "zerocenter", "zscore"}, default "none"
    mean, std : array with one value per feature, optional
    name : str, default ""

    Returns
    -------
    layer : Layer; output format "CBT" (C, N, T) or "SSCBT"

    Raises
    ------
    ValueError
        Non-positive sizes; missing statistics.

    Notes
    -----
    For word indices feeding an :func:`embeddingLayer` use ``sequenceInputLayer(1)``.

    MATLAB compatibility
    --------------------
    ``sequenceInputLayer(inputSize, Normalization=...)``; default "none" as in MATLAB.

    Examples
    --------
    >>> sequenceInputLayer(3).fmt
    'CBT'
    """
    func = "sequenceInputLayer"
    if isinstance(input_size, (tuple, list)):
        if len(input_size) != 3:
            raise _checks.fail(func, "input_size", "must be an int or (H, W, C)",
                               _checks.describe(input_size))
        size = tuple(_checks.positive_int(func, f"input_size[{i}]", n)
                     for i, n in enumerate(input_size))
    else:
        size = _checks.positive_int(func, "input_size", input_size)
    return _SequenceInput(size, normalization=normalization, mean=mean, std=std, name=name)


# ---------------------------------------------------------------- convolution and dense

def _channels(X, func, layer):
    if "C" not in X.fmt:
        raise _checks.fail(func, "input", f"of layer '{layer.name}' must have a 'C' dimension",
                           f'format "{X.fmt}"')
    return X.shape[X.fmt.index("C")]


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


def _set_initial(layer, func, **values):
    for key, value in values.items():
        if value is not None:
            layer._initial[key] = _given(func, key.lower(), value)
    return layer


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


class _FullyConnected(Layer):
    constructor = "fullyConnectedLayer"
    default_name = "fc"
    description = "Fully connected"
    learnable_names = ("Weights", "Bias")

    def _init_learnables(self, inputs, rng):
        X = inputs[0]
        _channels(X, "initialize", self)
        num_in = int(np.prod([n for n, lab in zip(X.shape, X.fmt) if lab in "SC"]))
        out = self._options["output_size"]
        shape = (out, num_in)
        return {"Weights": _make(self._options["weights_initializer"], shape, rng,
                                 (num_in, out)),
                "Bias": _make(self._options["bias_initializer"], (out, 1), rng, (1, 1))}

    def _forward(self, inputs, params, state, training):
        return _ops.fullyconnect(inputs[0], params["Weights"], params["Bias"]), {}


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


# ---------------------------------------------------------------- normalization

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


# ---------------------------------------------------------------- activations

class _Elementwise(Layer):
    def _forward(self, inputs, params, state, training):
        return self._fn(inputs[0]), {}


def _activation(constructor, default_name, description, fn):
    return type(f"_{constructor}", (_Elementwise,), {
        "constructor": constructor, "default_name": default_name,
        "description": description, "_fn": fn})


_Relu = _activation("reluLayer", "relu", "ReLU", lambda self, X: _ops.relu(X))
_Tanh = _activation("tanhLayer", "tanh", "Tanh", lambda self, X: np.tanh(X))
_Sigmoid = _activation("sigmoidLayer", "sigmoid", "Sigmoid", lambda self, X: _ops.sigmoid(X))
_Softmax = _activation("softmaxLayer", "softmax", "Softmax", lambda self, X: _ops.softmax(X))
_LeakyRelu = _activation("leakyReluLayer", "leakyrelu", "Leaky ReLU",
                         lambda self, X: _ops.leakyrelu(X, self._options["scale"]))
_Gelu = _activation("geluLayer", "gelu", "GELU",
                    lambda self, X: _ops.gelu(X, self._options["approximation"]))


def reluLayer(*, name=""):
    """Create a ReLU layer: ``Y = relu(X) = max(X, 0)``.

    .. math:: y = \\max(x, 0)

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer; output has the input's format and shape

    Raises
    ------
    TypeError
        Non-string name.

    Notes
    -----
    Derivative 0 at x = 0.

    MATLAB compatibility
    --------------------
    ``reluLayer``.

    Examples
    --------
    >>> reluLayer(name="act")
    reluLayer(name='act')
    """
    return _Relu(name)


def leakyReluLayer(scale=0.01, *, name=""):
    """Create a leaky ReLU layer: ``Y = leakyrelu(X, scale)``.

    .. math:: y = x \\text{ if } x \\ge 0 \\text{ else } s x

    Parameters
    ----------
    scale : float, default 0.01
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    TypeError
        Non-numeric scale.

    Notes
    -----
    The GAN examples use ``scale=0.2``.

    MATLAB compatibility
    --------------------
    ``leakyReluLayer(scale)``.

    Examples
    --------
    >>> leakyReluLayer(0.2).options
    {'scale': 0.2}
    """
    return _LeakyRelu(name, scale=_checks.real_number("leakyReluLayer", "scale", scale))


def geluLayer(*, approximation="none", name=""):
    """Create a GELU layer: ``Y = gelu(X, approximation)``.

    .. math:: y = x\\,\\Phi(x)

    Parameters
    ----------
    approximation : {"none", "tanh"}, default "none"
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        Unknown approximation.

    Notes
    -----
    Smooth everywhere.

    MATLAB compatibility
    --------------------
    ``geluLayer(Approximation=...)``.

    Examples
    --------
    >>> geluLayer(approximation="tanh").options
    {'approximation': 'tanh'}
    """
    approx = _checks.choice("geluLayer", "approximation", approximation, ("none", "tanh"))
    return _Gelu(name, approximation=approx)


def tanhLayer(*, name=""):
    """Create a hyperbolic tangent layer: ``Y = tanh(X)``.

    .. math:: y = \\tanh x

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    TypeError
        Non-string name.

    Notes
    -----
    Uses ``np.tanh`` on the dlarray (differentiable through autograd).

    MATLAB compatibility
    --------------------
    ``tanhLayer``.

    Examples
    --------
    >>> tanhLayer().description
    'Tanh'
    """
    return _Tanh(name)


def sigmoidLayer(*, name=""):
    """Create a sigmoid layer: ``Y = sigmoid(X) = 1/(1 + exp(-X))``.

    .. math:: y = \\frac{1}{1 + e^{-x}}

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    TypeError
        Non-string name.

    Notes
    -----
    Use it before a binary or multi-label cross-entropy.

    MATLAB compatibility
    --------------------
    ``sigmoidLayer``.

    Examples
    --------
    >>> sigmoidLayer().constructor
    'sigmoidLayer'
    """
    return _Sigmoid(name)


def softmaxLayer(*, name=""):
    """Create a softmax layer: ``Y = softmax(X)`` over the C dimension.

    .. math:: y_c = \\frac{e^{x_c}}{\\sum_k e^{x_k}}

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    TypeError
        Non-string name.

    Notes
    -----
    Its output is what ``crossentropy`` expects.

    MATLAB compatibility
    --------------------
    ``softmaxLayer``.

    Examples
    --------
    >>> softmaxLayer().default_name
    'softmax'
    """
    return _Softmax(name)


class _Dropout(Layer):
    constructor = "dropoutLayer"
    default_name = "dropout"
    description = "Dropout"

    def __init__(self, name="", *, probability, rng):
        super().__init__(name, probability=probability)
        self._rng = rng

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        p = self._options["probability"]
        if not training or p == 0:
            return X, {}
        if self._rng is None:
            self._rng = np.random.default_rng()
        keep = self._rng.random(X.shape) >= p
        mask = (keep / (1.0 - p)).astype(X.dtype)
        return X * dlarray(mask, X.fmt), {}


def dropoutLayer(probability=0.5, *, rng=None, name=""):
    """Create a dropout layer: in training, zero each element with ``probability``.

    ``Y = X * mask / (1 - p)`` in ``forward`` (mask ~ Bernoulli(1 - p)); ``Y = X`` in
    ``predict``.

    .. math:: y = \\frac{m\\,x}{1-p},\\quad m \\sim \\mathrm{Bernoulli}(1-p)

    Parameters
    ----------
    probability : float in [0, 1), default 0.5
    rng : numpy.random.Generator, optional
        Source of the masks; a fresh unseeded generator when None.
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        probability outside [0, 1).
    TypeError
        rng not a Generator.

    Notes
    -----
    Scaling by ``1/(1-p)`` at training time keeps the expected activation equal, so inference
    needs no rescaling. The generator is shared by every copy of the network; it is not saved
    by ``save_network``.

    MATLAB compatibility
    --------------------
    ``dropoutLayer(probability)``; the random masks differ from MATLAB's.

    Examples
    --------
    >>> import numpy as np
    >>> dropoutLayer(0.2, rng=np.random.default_rng(0)).options
    {'probability': 0.2}
    """
    func = "dropoutLayer"
    p = _checks.real_number(func, "probability", probability, low=0, high=1, high_open=True)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise _checks.fail(func, "rng", "must be a numpy.random.Generator or None",
                           _checks.describe(rng), cls=TypeError)
    return _Dropout(name, probability=p, rng=rng)


# ---------------------------------------------------------------- pooling and reshaping

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


class _Flatten(Layer):
    constructor = "flattenLayer"
    default_name = "flatten"
    description = "Flatten"

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        fmt = X.fmt
        if "C" not in fmt:
            raise _checks.fail("forward", "input", f"of layer '{self.name}' must have a 'C' "
                               "dimension", f'format "{fmt}"')
        nfeat = fmt.index("C") + 1
        if nfeat == 1:
            return X, {}
        shape = X.shape
        feat, rest = shape[:nfeat], shape[nfeat:]
        # MATLAB flattens (S..., C) column-major: reverse the feature axes, then reshape.
        order = tuple(range(nfeat - 1, -1, -1)) + tuple(range(nfeat, len(shape)))
        Y = X.transpose(order).reshape((int(np.prod(feat)),) + rest)
        return dlarray(Y, "C" + fmt[nfeat:]), {}


def flattenLayer(*, name=""):
    """Create a flatten layer: collapse the S and C dimensions into C (column-major).

    ``"SSCB"`` (H, W, C, N) becomes ``"CB"`` (H*W*C, N); ``"SSCBT"`` becomes ``"CBT"``.

    .. math:: Y_{h + H w + H W c,\\, n} = X_{h,w,c,n}

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        Input without a C dimension (at run time).

    Notes
    -----
    The order matches ``fullyconnect``'s flattening, so ``flattenLayer`` followed by
    ``fullyConnectedLayer`` equals ``fullyConnectedLayer`` alone.

    MATLAB compatibility
    --------------------
    ``flattenLayer``; the same column-major order.

    Examples
    --------
    >>> flattenLayer().description
    'Flatten'
    """
    return _Flatten(name)


# ---------------------------------------------------------------- recurrent and embedding

class _Recurrent(Layer):
    learnable_names = ("InputWeights", "RecurrentWeights", "Bias")
    gates = 4

    def _init_learnables(self, inputs, rng):
        X = inputs[0]
        C = _channels(X, "initialize", self)
        H = self._options["num_hidden_units"]
        G = self.gates
        o = self._options
        bias_rows = 2 * G * H if o.get("reset_gate_mode") == \
            "recurrent-bias-after-multiplication" else G * H
        kind = "lstm" if G == 4 else "gru"
        return {
            "InputWeights": _make(o["input_weights_initializer"], (G * H, C), rng,
                                  _init.fan_in_out(kind, (G * H, C))),
            "RecurrentWeights": _make(o["recurrent_weights_initializer"], (G * H, H), rng,
                                      _init.fan_in_out(kind, (G * H, H))),
            "Bias": _make(o["bias_initializer"], (bias_rows, 1), rng, (1, 1)),
        }

    def _init_state(self, inputs, learnables):
        H = self._options["num_hidden_units"]
        return {name: _init.zeros((H, 1)) for name in self.state_names}

    def _initial_states(self, X, state):
        N = X.shape[X.fmt.index("B")] if "B" in X.fmt else 1
        out = []
        for key in self.state_names:
            value = state[key]
            n = value.shape[-1] if value.ndim == 2 else 1
            if n not in (1, N):
                raise _checks.fail(
                    "forward", "state", f"{key} of layer '{self.name}' has batch size {n} but "
                    f"the input has {N} observations", f"shape {value.shape}",
                    "Call resetState(net) before a batch of another size.")
            out.append(value)
        return out

    def _finish(self, Y, new_states, training):
        if self._options["output_mode"] == "last" and "T" in Y.fmt:
            Y = Y[(slice(None),) * Y.fmt.index("T") + (-1,)]
        state = {k: _detach(v) for k, v in zip(self.state_names, new_states)}
        return Y, state


class _Lstm(_Recurrent):
    constructor = "lstmLayer"
    default_name = "lstm"
    description = "LSTM"
    state_names = ("HiddenState", "CellState")

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        H0, C0 = self._initial_states(X, state)
        Y, h, c = _ops.lstm(X, H0, C0, params["InputWeights"], params["RecurrentWeights"],
                            params["Bias"])
        return self._finish(Y, (h, c), training)


class _Gru(_Recurrent):
    constructor = "gruLayer"
    default_name = "gru"
    description = "GRU"
    state_names = ("HiddenState",)
    gates = 3

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        (H0,) = self._initial_states(X, state)
        Y, h = _ops.gru(X, H0, params["InputWeights"], params["RecurrentWeights"],
                        params["Bias"], reset_gate_mode=self._options["reset_gate_mode"])
        return self._finish(Y, (h,), training)


def _recurrent_options(func, num_hidden_units, output_mode, iw, rw, b, bias_choices):
    return {"num_hidden_units": _checks.positive_int(func, "num_hidden_units",
                                                     num_hidden_units),
            "output_mode": _checks.choice(func, "output_mode", output_mode,
                                          ("sequence", "last")),
            "input_weights_initializer": _initializer(func, "input_weights_initializer", iw),
            "recurrent_weights_initializer": _initializer(func,
                                                          "recurrent_weights_initializer", rw),
            "bias_initializer": _initializer(func, "bias_initializer", b, bias_choices)}


def lstmLayer(num_hidden_units, *, output_mode="sequence", input_weights_initializer="glorot",
              recurrent_weights_initializer="orthogonal", bias_initializer="unit-forget-gate",
              name=""):
    """Create an LSTM layer: ``Y, h, c = lstm(X, HiddenState, CellState, ...)``.

    Gates in MATLAB's order (input, forget, cell candidate, output), each a block of
    ``num_hidden_units`` rows.

    .. math:: c_t = f_t \\odot c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh c_t

    Parameters
    ----------
    num_hidden_units : int, H
    output_mode : {"sequence", "last"}, default "sequence"
        "sequence": output "CBT" (H, N, T); "last": the last time step, "CB" (H, N).
    input_weights_initializer : default "glorot"
    recurrent_weights_initializer : default "orthogonal"
    bias_initializer : default "unit-forget-gate"
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables InputWeights (4H, C), RecurrentWeights (4H, H), Bias (4H, 1)
        and state HiddenState, CellState (zeros (H, 1) at first)

    Raises
    ------
    ValueError
        Non-positive H; unknown output mode or initializer.

    Notes
    -----
    Like MATLAB, the network state carries the final hidden and cell states: ``forward``
    returns them (shape (H, N)) and the next call starts from the stored state when you
    assign it (``net.state = state``). Call ``resetState(net)`` to start from zeros again;
    a stored state whose batch size differs from the input's (and is not 1) is an error.

    MATLAB compatibility
    --------------------
    ``lstmLayer(numHiddenUnits, OutputMode=..., InputWeightsInitializer=...,
    RecurrentWeightsInitializer=..., BiasInitializer=...)``.

    Examples
    --------
    >>> lstmLayer(8, output_mode="last").state_names
    ('HiddenState', 'CellState')
    """
    func = "lstmLayer"
    return _Lstm(name, **_recurrent_options(func, num_hidden_units, output_mode,
                                            input_weights_initializer,
                                            recurrent_weights_initializer, bias_initializer,
                                            _INITIALIZERS + ("unit-forget-gate",)))


def gruLayer(num_hidden_units, *, output_mode="sequence",
             reset_gate_mode="after-multiplication", input_weights_initializer="glorot",
             recurrent_weights_initializer="orthogonal", bias_initializer="zeros", name=""):
    """Create a GRU layer: ``Y, h = gru(X, HiddenState, ...)``.

    Gates in the order reset, update, candidate.

    .. math:: h_t = (1 - z_t) \\odot \\tilde h_t + z_t \\odot h_{t-1}

    Parameters
    ----------
    num_hidden_units : int, H
    output_mode : {"sequence", "last"}, default "sequence"
    reset_gate_mode : {"after-multiplication", "before-multiplication",
        "recurrent-bias-after-multiplication"}, default "after-multiplication"
    input_weights_initializer : default "glorot"
    recurrent_weights_initializer : default "orthogonal"
    bias_initializer : default "zeros"
    name : str, default ""

    Returns
    -------
    layer : Layer with learnables InputWeights (3H, C), RecurrentWeights (3H, H), Bias (3H, 1)
        (6H, 1 for "recurrent-bias-after-multiplication") and state HiddenState (H, 1)

    Raises
    ------
    ValueError
        Non-positive H; unknown mode or initializer.

    Notes
    -----
    The state behaves as for :func:`lstmLayer`.

    MATLAB compatibility
    --------------------
    ``gruLayer(numHiddenUnits, OutputMode=..., ResetGateMode=...)``.

    Examples
    --------
    >>> gruLayer(4).learnable_names
    ('InputWeights', 'RecurrentWeights', 'Bias')
    """
    func = "gruLayer"
    opts = _recurrent_options(func, num_hidden_units, output_mode, input_weights_initializer,
                              recurrent_weights_initializer, bias_initializer, _INITIALIZERS)
    opts["reset_gate_mode"] = _checks.choice(
        func, "reset_gate_mode", reset_gate_mode,
        ("after-multiplication", "before-multiplication", "recurrent-bias-after-multiplication"))
    return _Gru(name, **opts)


class _Embedding(Layer):
    constructor = "embeddingLayer"
    default_name = "embedding"
    description = "Word embedding"
    learnable_names = ("Weights",)

    def _init_learnables(self, inputs, rng):
        o = self._options
        shape = (o["embedding_dimension"], o["num_words"])
        return {"Weights": _make(o["weights_initializer"], shape, rng,
                                 _init.fan_in_out("embedding", shape))}

    def _forward(self, inputs, params, state, training):
        return _ops.embed(inputs[0], params["Weights"]), {}


def embeddingLayer(embedding_dimension, num_words, *, weights_initializer="narrow-normal",
                   weights=None, name=""):
    """Create a word embedding layer: ``Y = embed(X, Weights)``, one column per word index.

    .. math:: Y_{:, n, t} = W_{:, x_{n,t}}

    Parameters
    ----------
    embedding_dimension : int, D
    num_words : int, V
    weights_initializer : default "narrow-normal" (Gaussian, mean 0, std 0.01)
    weights : array (D, V), optional
    name : str, default ""

    Returns
    -------
    layer : Layer with learnable Weights (D, V); input 0-based word indices (e.g. "CBT" with
        C = 1 from ``sequenceInputLayer(1)``), output with a C dimension of size D

    Raises
    ------
    ValueError
        Non-positive sizes.

    Notes
    -----
    Indices are 0-based (MATLAB's are 1-based).

    MATLAB compatibility
    --------------------
    ``wordEmbeddingLayer(dimension, numWords)`` (Text Analytics Toolbox); renamed here.

    Examples
    --------
    >>> embeddingLayer(8, 100).options["num_words"]
    100
    """
    func = "embeddingLayer"
    layer = _Embedding(
        name, embedding_dimension=_checks.positive_int(func, "embedding_dimension",
                                                       embedding_dimension),
        num_words=_checks.positive_int(func, "num_words", num_words),
        weights_initializer=_initializer(func, "weights_initializer", weights_initializer))
    return _set_initial(layer, func, Weights=weights)


class _ProjectAndReshape(Layer):
    constructor = "projectAndReshapeLayer"
    default_name = "proj"
    description = "Project and reshape"
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
        H, W, C = self._options["output_size"]
        Y = _ops.fullyconnect(inputs[0], params["Weights"], params["Bias"])
        N = Y.shape[1]
        # column-major (H, W, C) from the P = H*W*C rows: reshape to (C, W, H, N), reverse.
        Z = Y.reshape((C, W, H, N)).transpose((2, 1, 0, 3))
        return dlarray(Z, "SSCB"), {}


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


# ---------------------------------------------------------------- combining layers

class _Combine(Layer):
    @property
    def input_names(self):
        return tuple(f"in{k + 1}" for k in range(self._options["num_inputs"]))


class _Addition(_Combine):
    constructor = "additionLayer"
    default_name = "addition"
    description = "Addition"

    def _forward(self, inputs, params, state, training):
        first = inputs[0]
        for k, X in enumerate(inputs[1:], start=2):
            if X.fmt != first.fmt or X.shape != first.shape:
                raise _checks.fail(
                    "forward", "inputs", f"of addition layer '{self.name}' must have equal "
                    "sizes and formats", f"in1 {_size_text(first.shape, first.fmt)} and "
                    f"in{k} {_size_text(X.shape, X.fmt)}")
        Y = first
        for X in inputs[1:]:
            Y = Y + X
        return Y, {}


def additionLayer(num_inputs=2, *, name=""):
    """Create an addition layer: ``Y = X1 + X2 + ...`` (inputs "in1", "in2", ...).

    .. math:: Y = \\sum_k X_k

    Parameters
    ----------
    num_inputs : int >= 2, default 2
    name : str, default ""

    Returns
    -------
    layer : Layer with inputs "in1" ... "inN"

    Raises
    ------
    ValueError
        num_inputs < 2; inputs of different sizes (when the network is built).

    Notes
    -----
    The residual connections of ResNets.

    MATLAB compatibility
    --------------------
    ``additionLayer(numInputs)``.

    Examples
    --------
    >>> additionLayer(3).input_names
    ('in1', 'in2', 'in3')
    """
    n = _checks.positive_int("additionLayer", "num_inputs", num_inputs)
    if n < 2:
        raise _checks.fail("additionLayer", "num_inputs", "must be at least 2", n)
    return _Addition(name, num_inputs=n)


class _Concatenation(_Combine):
    constructor = "concatenationLayer"
    default_name = "concat"
    description = "Concatenation"

    def _forward(self, inputs, params, state, training):
        dim = self._options["dim"]
        first = inputs[0]
        axis = first.fmt.index(dim) if isinstance(dim, str) else dim
        for k, X in enumerate(inputs[1:], start=2):
            other = [n for i, n in enumerate(X.shape) if i != axis]
            ref = [n for i, n in enumerate(first.shape) if i != axis]
            if X.fmt != first.fmt or other != ref:
                raise _checks.fail(
                    "forward", "inputs", f"of concatenation layer '{self.name}' must have "
                    f"equal formats and sizes except along dimension {dim!r}",
                    f"in1 {_size_text(first.shape, first.fmt)} and in{k} "
                    f"{_size_text(X.shape, X.fmt)}")
        if isinstance(dim, str) and dim not in first.fmt:
            raise _checks.fail("forward", "dim", f"of layer '{self.name}' must be a label of "
                               "the inputs", f"{dim!r} for format {first.fmt!r}")
        return np.concatenate(list(inputs), axis=axis), {}


def concatenationLayer(dim, num_inputs=2, *, name=""):
    """Create a concatenation layer: join the inputs along one dimension.

    .. math:: Y = [X_1; X_2; \\dots] \\text{ along } \\mathrm{dim}

    Parameters
    ----------
    dim : int (0-based dimension in the canonical order) or a label such as "C"
    num_inputs : int >= 2, default 2
    name : str, default ""

    Returns
    -------
    layer : Layer with inputs "in1" ... "inN"

    Raises
    ------
    ValueError
        num_inputs < 2; inputs whose other sizes differ (when the network is built).

    Notes
    -----
    ``dim="C"`` stacks channels (MATLAB's ``depthConcatenationLayer``).

    MATLAB compatibility
    --------------------
    ``concatenationLayer(dim, numInputs)``; ``dim`` is 0-based here (MATLAB's is 1-based), and
    a label is accepted too.

    Examples
    --------
    >>> concatenationLayer("C").input_names
    ('in1', 'in2')
    """
    func = "concatenationLayer"
    if isinstance(dim, str):
        dim = _checks.choice(func, "dim", dim, ("s", "c", "b", "t", "u")).upper()
    else:
        dim = _checks.positive_int(func, "dim", dim, allow_zero=True)
    n = _checks.positive_int(func, "num_inputs", num_inputs)
    if n < 2:
        raise _checks.fail(func, "num_inputs", "must be at least 2", n)
    return _Concatenation(name, dim=dim, num_inputs=n)


LAYER_TYPES = {
    "imageInputLayer": imageInputLayer, "featureInputLayer": featureInputLayer,
    "sequenceInputLayer": sequenceInputLayer, "convolution2dLayer": convolution2dLayer,
    "transposedConv2dLayer": transposedConv2dLayer, "fullyConnectedLayer": fullyConnectedLayer,
    "batchNormalizationLayer": batchNormalizationLayer,
    "layerNormalizationLayer": layerNormalizationLayer, "reluLayer": reluLayer,
    "leakyReluLayer": leakyReluLayer, "geluLayer": geluLayer, "tanhLayer": tanhLayer,
    "sigmoidLayer": sigmoidLayer, "softmaxLayer": softmaxLayer, "dropoutLayer": dropoutLayer,
    "maxPooling2dLayer": maxPooling2dLayer, "averagePooling2dLayer": averagePooling2dLayer,
    "globalAveragePooling2dLayer": globalAveragePooling2dLayer, "flattenLayer": flattenLayer,
    "lstmLayer": lstmLayer, "gruLayer": gruLayer, "embeddingLayer": embeddingLayer,
    "projectAndReshapeLayer": projectAndReshapeLayer, "additionLayer": additionLayer,
    "concatenationLayer": concatenationLayer,
}
