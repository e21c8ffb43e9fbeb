"""Input layers: they check the format and size of the network input and may normalize it."""

import numpy as np

from ... import _checks
from ...core import dlarray
from ._base import Layer, LayerCase, _size_text, register, sample_input


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


def _input_reference(layer, inputs, learnables, state):
    # The normalization written with dlarray arithmetic; the statistics in the samplers have
    # the full feature shape, so trailing singleton dimensions make them broadcast.
    X = inputs[0]
    o = layer.options
    if o["normalization"] == "none":
        return X
    def stat(value):
        value = np.asarray(value, dtype=np.float32)
        return dlarray(value.reshape(value.shape + (1,) * (X.ndim - value.ndim)))
    Y = X - stat(o["mean"])
    return Y / stat(o["std"]) if o["normalization"] == "zscore" else Y


def _sample_image_input(rng, dtype, n):
    mean = rng.standard_normal((4, 3, 2))
    std = rng.uniform(0.5, 2.0, (4, 3, 2))
    X = sample_input(rng, dtype, (4, 3, 2, n), "SSCB")
    return [LayerCase("plain", imageInputLayer((4, 3, 2)), (X,)),
            LayerCase("zscore", imageInputLayer((4, 3, 2), normalization="zscore", mean=mean,
                                                std=std), (X,))]


@register(sample=_sample_image_input, reference=_input_reference, rtol=1e-5)
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


def _sample_feature_input(rng, dtype, n):
    mean = rng.standard_normal(5)
    X = sample_input(rng, dtype, (5, n), "CB")
    return [LayerCase("plain", featureInputLayer(5), (X,)),
            LayerCase("zerocenter", featureInputLayer(5, normalization="zerocenter", mean=mean),
                      (X,))]


@register(sample=_sample_feature_input, reference=_input_reference, rtol=1e-5)
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



def _sample_sequence_input(rng, dtype, n):
    mean, std = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    X = sample_input(rng, dtype, (3, n, 4), "CBT")
    return [LayerCase("plain", sequenceInputLayer(3), (X,)),
            LayerCase("zscore", sequenceInputLayer(3, normalization="zscore", mean=mean,
                                                   std=std), (X,))]


@register(sample=_sample_sequence_input, reference=_input_reference, rtol=1e-5)
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
