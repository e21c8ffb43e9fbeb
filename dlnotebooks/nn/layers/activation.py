"""Activation layers: elementwise nonlinearities and softmax; no learnables."""

import numpy as np

from ... import _checks
from ... import ops as _ops
from ._base import Layer, LayerCase, register, sample_input


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


def _sample_elementwise(make):
    """A sampler for a layer that acts on each element (or each C vector): images, features."""
    def sample(rng, dtype, n):
        return [LayerCase("images", make(), (sample_input(rng, dtype, (3, 2, 2, n), "SSCB"),)),
                LayerCase("features", make(), (sample_input(rng, dtype, (4, n), "CB"),))]
    return sample


@register(sample=_sample_elementwise(lambda: reluLayer()),
          reference=lambda layer, inputs, learnables, state: _ops.relu(inputs[0]))
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


@register(sample=_sample_elementwise(lambda: leakyReluLayer(0.2)),
          reference=lambda layer, inputs, learnables, state: _ops.leakyrelu(
              inputs[0], layer.options["scale"]))
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


@register(sample=_sample_elementwise(lambda: geluLayer(approximation="tanh")),
          reference=lambda layer, inputs, learnables, state: _ops.gelu(
              inputs[0], layer.options["approximation"]))
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


@register(sample=_sample_elementwise(lambda: tanhLayer()),
          reference=lambda layer, inputs, learnables, state: np.tanh(inputs[0]))
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


@register(sample=_sample_elementwise(lambda: sigmoidLayer()),
          reference=lambda layer, inputs, learnables, state: _ops.sigmoid(inputs[0]))
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


@register(sample=_sample_elementwise(lambda: softmaxLayer()),
          reference=lambda layer, inputs, learnables, state: _ops.softmax(inputs[0]))
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
