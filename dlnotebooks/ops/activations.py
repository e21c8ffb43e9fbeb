"""Activation functions: relu, leakyrelu, gelu (and the error function erf), sigmoid, softmax."""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import getval
from .. import _checks
from ..core import dlarray
from ._erf import erf as _erf_numpy
from ._prims import defvjp, primitive, sample_array
from ._registry import Case, Kink, OpRecord, register

__all__ = ["relu", "leakyrelu", "erf", "gelu", "sigmoid", "softmax"]


def _elementwise(func, X, data_format):
    layout = _checks.Layout.of(func, X, data_format, required=False)
    return layout


# ---------------------------------------------------------------- relu

# Measured with NumPy 2.4: np.maximum(x, 0) against a scalar runs at a third of the speed of
# the same ufunc against a zero array, so large contiguous float arrays are taken in rows of
# _RELU_ROW values against one zero row.
_RELU_ROW = 4096


@primitive
def _relu(x):
    if x.dtype.kind != "f" or x.size < _RELU_ROW or not x.flags.c_contiguous:
        return np.maximum(x, 0).astype(x.dtype, copy=False)
    out = np.empty_like(x)
    flat, res = x.reshape(-1), out.reshape(-1)
    n = x.size - x.size % _RELU_ROW
    np.maximum(flat[:n].reshape(-1, _RELU_ROW), np.zeros(_RELU_ROW, x.dtype),
               out=res[:n].reshape(-1, _RELU_ROW))
    np.maximum(flat[n:], 0, out=res[n:])
    return out


defvjp(_relu, lambda ans, x: lambda g: g * (x > 0))


def relu(X, *, data_format=None):
    """Apply the rectified linear unit: ``Y = max(X, 0)``.

    .. math:: y = \\max(x, 0)

    Parameters
    ----------
    X : dlarray, any format and shape
        Input; a plain array is treated as an unformatted dlarray.
    data_format : str, optional
        Format of an unformatted ``X`` (accepted for MATLAB compatibility; relu is
        elementwise, so it only checks the labels).

    Returns
    -------
    Y : dlarray, same format and shape as X

    Raises
    ------
    TypeError
        If X is not numeric.

    Notes
    -----
    The derivative at ``x = 0`` is taken as 0 (the same convention as MATLAB and PyTorch).
    NaN stays NaN.

    MATLAB compatibility
    --------------------
    ``Y = relu(X)``; identical.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> relu(dlarray(np.array([-1.0, 0.0, 2.0]), "C"))
    3(C) float64 dlarray
    [0. 0. 2.]
    """
    layout = _elementwise("relu", X, data_format)
    return layout.restore(_relu(layout.data), layout.fmt)


def _relu_reference(x):
    out = np.array(x, dtype=float, copy=True)
    for i in np.ndindex(out.shape):
        if out[i] < 0:
            out[i] = 0.0
    return out


def _sample_elementwise(rng, dtype, n, avoid=None):
    return [
        Case("SSCB", (sample_array(rng, (3, 2, 2, n), dtype, "SSCB", avoid=avoid),), {}, "SSCB"),
        Case("CBT", (sample_array(rng, (3, n, 4), dtype, "CBT", avoid=avoid),), {}, "CBT"),
        Case("unformatted BC", (sample_array(rng, (n, 3), dtype, avoid=avoid),),
             {"data_format": "BC"}, ""),
    ]


def _on_kink(x, grad, **kwargs):
    return [Case("at 0", (dlarray(np.array(x), "CB"),), kwargs, "CB", (np.array(grad),))]


register(OpRecord("relu", relu, _relu_reference,
                  lambda rng, dtype, n: _sample_elementwise(rng, dtype, n, avoid=0.0),
                  second_order=True, kink=Kink(
                      "The derivative at ``x = 0`` is taken as 0",
                      lambda: _on_kink([[-1.0], [0.0], [-0.0], [2.0]],
                                       [[0.0], [0.0], [0.0], [1.0]]))))


# ---------------------------------------------------------------- leakyrelu

def leakyrelu(X, scale_factor=0.01, *, data_format=None):
    """Apply the leaky rectified linear unit: ``Y = X`` where ``X >= 0``, else ``scale_factor*X``.

    .. math:: y = \\begin{cases} x & x \\ge 0 \\\\ s\\,x & x < 0 \\end{cases}

    Parameters
    ----------
    X : dlarray, any format and shape
    scale_factor : float, default 0.01
        Slope for negative inputs.
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, same format and shape as X

    Raises
    ------
    TypeError
        If ``scale_factor`` is not a real number.

    Notes
    -----
    The derivative at ``x = 0`` is taken as ``scale_factor``.

    MATLAB compatibility
    --------------------
    ``Y = leakyrelu(X, scaleFactor)``; default scale 0.01 as in MATLAB.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> leakyrelu(dlarray(np.array([-2.0, 3.0]), "C"), 0.5)
    2(C) float64 dlarray
    [-1.  3.]
    """
    scale = _checks.real_number("leakyrelu", "scale_factor", scale_factor)
    layout = _elementwise("leakyrelu", X, data_format)
    return layout.restore(_leakyrelu(layout.data, scale), layout.fmt)


# One primitive instead of autograd's where(x > 0, x, s*x): that was three traced calls
# forward and five backward (where's VJP fills a zeros array for each branch). The slope is
# a constant of x (its derivative is zero almost everywhere), so g * slope stays
# differentiable in g for second derivatives, as relu's g * (x > 0).
@primitive
def _leakyrelu(x, scale):
    return np.where(x > 0, x, x * scale)


def _leaky_slope(x, scale):
    x = getval(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.result_type(float)
    return np.where(x > 0, dtype.type(1), dtype.type(scale))


defvjp(_leakyrelu, lambda ans, x, scale: lambda g: g * _leaky_slope(x, scale))


def _leakyrelu_reference(x, scale_factor=0.01):
    out = np.array(x, dtype=float, copy=True)
    for i in np.ndindex(out.shape):
        if out[i] < 0:
            out[i] *= scale_factor
    return out


def _sample_leaky(rng, dtype, n):
    cases = _sample_elementwise(rng, dtype, n, avoid=0.0)
    cases.append(Case("scale 0.2", (sample_array(rng, (4, n), dtype, "CB", avoid=0.0), 0.2),
                      {}, "CB"))
    return cases


register(OpRecord("leakyrelu", leakyrelu, _leakyrelu_reference, _sample_leaky,
                  second_order=True, kink=Kink(
                      "The derivative at ``x = 0`` is taken as ``scale_factor``",
                      lambda: _on_kink([[-1.0], [0.0], [2.0]], [[0.2], [0.2], [1.0]],
                                       scale_factor=0.2))))


# ---------------------------------------------------------------- gelu

@primitive
def _erf(x):
    return _erf_numpy(x)


defvjp(_erf, lambda ans, x: lambda g: g * (2.0 / math.sqrt(math.pi)) * anp.exp(-x * x))


def erf(X, *, data_format=None):
    """Apply the Gauss error function elementwise: ``Y = 2/sqrt(pi) * integral_0^X exp(-t^2) dt``.

    .. math:: \\operatorname{erf}(x) = \\frac{2}{\\sqrt{\\pi}} \\int_0^x e^{-t^2}\\,dt

    Parameters
    ----------
    X : dlarray, any format and shape
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, same format, shape and floating dtype as X, values in [-1, 1]

    Raises
    ------
    TypeError
        ``X`` not numeric.

    Notes
    -----
    Derivative ``2/sqrt(pi) * exp(-x^2)``; smooth everywhere. Vectorised NumPy (a series near
    0, Chebyshev interpolants of ``erfc(x) exp(x^2)`` beyond), within a few units in the last
    place of float64 of ``math.erf`` over the whole range; no SciPy.

    MATLAB compatibility
    --------------------
    ``Y = erf(X)``, one of the functions MATLAB supports on dlarray.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> erf(dlarray(np.array([0.0, 1.0]), "C"))
    2(C) float64 dlarray
    [0.     0.8427]
    """
    layout = _elementwise("erf", X, data_format)
    return layout.restore(_erf(layout.data), layout.fmt)


def _erf_reference(x):
    out = np.empty(np.shape(x))
    for i in np.ndindex(out.shape):
        out[i] = math.erf(float(x[i]))
    return out


register(OpRecord("erf", erf, _erf_reference, lambda rng, dtype, n: _sample_elementwise(
    rng, dtype, n), second_order=True))


def gelu(X, approximation="none", *, data_format=None):
    """Apply the Gaussian error linear unit: ``Y = X/2 * (1 + erf(X/sqrt(2)))``.

    .. math:: y = \\tfrac{x}{2}\\left(1 + \\operatorname{erf}(x/\\sqrt{2})\\right)

    With ``approximation="tanh"``, erf(x/√2) is replaced by tanh(√(2/π)(x + 0.044715x³)).

    Parameters
    ----------
    X : dlarray, any format and shape
    approximation : {"none", "tanh"}, default "none"
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, same format and shape as X

    Raises
    ------
    ValueError
        Unknown ``approximation``.

    Notes
    -----
    Smooth everywhere. The exact form uses a vectorised erf accurate to a few units in the
    last place of float64 (NumPy has none; see ``dlnotebooks/ops/_erf.py``).

    MATLAB compatibility
    --------------------
    ``Y = gelu(X, Approximation=method)`` becomes ``gelu(X, approximation=method)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> gelu(dlarray(np.array([0.0, 1.0]), "C"))
    2(C) float64 dlarray
    [0.     0.8413]
    """
    method = _checks.choice("gelu", "approximation", approximation, ("none", "tanh"))
    layout = _elementwise("gelu", X, data_format)
    x = layout.data
    if method == "none":
        y = 0.5 * x * (1.0 + _erf(x * (1.0 / math.sqrt(2.0))))
    else:
        y = 0.5 * x * (1.0 + anp.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return layout.restore(y, layout.fmt)


def _gelu_reference(x, approximation="none"):
    out = np.empty(np.shape(x))
    for i in np.ndindex(out.shape):
        v = float(x[i])
        if approximation == "none":
            out[i] = 0.5 * v * (1 + math.erf(v / math.sqrt(2)))
        else:
            out[i] = 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
    return out


def _sample_gelu(rng, dtype, n):
    cases = _sample_elementwise(rng, dtype, n)
    cases.append(Case("tanh", (sample_array(rng, (4, n), dtype, "CB"), "tanh"), {}, "CB"))
    return cases


register(OpRecord("gelu", gelu, _gelu_reference, _sample_gelu, second_order=True,
                  float32_rtol=1e-3))


# ---------------------------------------------------------------- sigmoid

@primitive
def _sigmoid(x):
    # 0.5 * (1 + tanh(x/2)) never overflows, unlike 1 / (1 + exp(-x)).
    return (0.5 * (np.tanh(0.5 * x) + 1.0)).astype(x.dtype, copy=False)


defvjp(_sigmoid, lambda ans, x: lambda g: g * ans * (1.0 - ans))


def sigmoid(X, *, data_format=None):
    """Apply the logistic sigmoid: ``Y = 1 / (1 + exp(-X))``.

    .. math:: y = \\frac{1}{1 + e^{-x}}

    Parameters
    ----------
    X : dlarray, any format and shape
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, same format and shape as X, values in (0, 1)

    Raises
    ------
    TypeError
        If X is not numeric.

    Notes
    -----
    Computed as ``(1 + tanh(x/2)) / 2``, which does not overflow for large ``|x|``.
    The derivative is ``y (1 - y)``.

    MATLAB compatibility
    --------------------
    ``Y = sigmoid(X)``; identical.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> sigmoid(dlarray(np.array([0.0]), "C"))
    1(C) float64 dlarray
    [0.5]
    """
    layout = _elementwise("sigmoid", X, data_format)
    return layout.restore(_sigmoid(layout.data), layout.fmt)


def _sigmoid_reference(x):
    out = np.empty(np.shape(x))
    for i in np.ndindex(out.shape):
        out[i] = 1.0 / (1.0 + math.exp(-float(x[i])))
    return out


register(OpRecord("sigmoid", sigmoid, _sigmoid_reference,
                  lambda rng, dtype, n: _sample_elementwise(rng, dtype, n), second_order=True))


# ---------------------------------------------------------------- softmax

@primitive
def _softmax(x, axis):
    # Array methods rather than np.max / np.sum: the same reductions without NumPy's Python
    # dispatch layers, which cost tens of us when they have dropped out of the CPU caches.
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _softmax_vjp(ans, x, axis):
    def vjp(g):
        return ans * (g - anp.sum(g * ans, axis=axis, keepdims=True))

    return vjp


defvjp(_softmax, _softmax_vjp)


def softmax(X, *, data_format=None):
    """Apply the softmax over the channel (C) dimension.

    .. math:: y_c = \\frac{e^{x_c}}{\\sum_k e^{x_k}}

    Parameters
    ----------
    X : dlarray, format with a "C" dimension, e.g. "CB" shape (num_classes, N)
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, same format and shape as X; sums to 1 over C

    Raises
    ------
    ValueError
        If X has no C dimension.

    Notes
    -----
    The maximum over C is subtracted first, so large inputs do not overflow.

    MATLAB compatibility
    --------------------
    ``Y = softmax(X)`` and ``softmax(X, 'DataFormat', FMT)``; identical.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> softmax(dlarray(np.zeros((4, 1)), "CB"))
    4(C)×1(B) float64 dlarray
    [[0.25]
     [0.25]
     [0.25]
     [0.25]]
    """
    layout = _checks.Layout.of("softmax", X, data_format)
    layout.require("softmax", "C")
    axis = layout.fmt.index("C")
    Y = layout.restore(_softmax(layout.data, axis), layout.fmt)
    return SoftmaxOutput._of(Y, _checks.as_array_input("softmax", "X", X))


class SoftmaxOutput(dlarray):
    """The dlarray softmax returns: an ordinary dlarray that remembers its logits.

    ``crossentropy(softmax(X), T)`` computes ``-T * log_softmax(X)`` from the logits, so a
    sample whose true-class probability underflows (below eps) keeps its gradient
    ``softmax(X) - T`` instead of MATLAB's zero from ``log(max(Y, eps))``. Every operation on
    it (indexing, arithmetic) gives a plain dlarray, so only softmax's own output is
    recognised.
    """

    __slots__ = ("_logits",)

    @classmethod
    def _of(cls, Y, logits):
        out = cls._wrap(Y._data, Y._fmt)
        out._logits = logits
        return out


def softmax_logits(Y):
    """The logits X when ``Y`` is exactly ``softmax(X)``'s output, else None."""
    return getattr(Y, "_logits", None) if type(Y) is SoftmaxOutput else None


def _softmax_naive(x, axis):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    moved = np.moveaxis(x, axis, 0)
    out_m = np.moveaxis(out, axis, 0)
    for idx in np.ndindex(moved.shape[1:]):
        column = moved[(slice(None),) + idx]
        exps = [math.exp(v - max(column)) for v in column]
        total = sum(exps)
        out_m[(slice(None),) + idx] = [e / total for e in exps]
    return out


def _sample_softmax(rng, dtype, n):
    return [
        Case("CB", (sample_array(rng, (5, n), dtype, "CB"),), {}, "CB"),
        Case("SSCB", (sample_array(rng, (2, 2, 3, n), dtype, "SSCB"),), {}, "SSCB"),
        Case("CBT", (sample_array(rng, (3, n, 2), dtype, "CBT"),), {}, "CBT"),
        Case("unformatted BC", (sample_array(rng, (n, 4), dtype),), {"data_format": "BC"}, ""),
    ]


def _softmax_ref(x, *, fmt):
    return _softmax_naive(x, fmt.index("C"))


register(OpRecord("softmax", softmax, _softmax_ref, _sample_softmax, second_order=True))
