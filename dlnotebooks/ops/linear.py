"""fullyconnect: the fully connected (dense) operation."""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import getval
from .. import _checks
from ..core import dlarray
from ._prims import defvjp, primitive, sample_array
from ._registry import Case, OpRecord, register

__all__ = ["fullyconnect"]


@primitive
def _dense(W, X2, b):
    """W (out, in) @ X2 (in, M) + b (out, 1)."""
    out = W @ X2
    if np.result_type(out, b) == out.dtype:
        out += b  # into the fresh product: one array per layer instead of two
        return out
    return out + b


defvjp(
    _dense,
    lambda ans, W, X2, b: lambda g: anp.dot(g, anp.transpose(X2)),
    lambda ans, W, X2, b: lambda g: anp.dot(anp.transpose(W), g),
    lambda ans, W, X2, b: lambda g: anp.sum(g, axis=1, keepdims=True),
)


def fullyconnect(X, weights, bias, *, data_format=None):
    """Multiply the flattened features of each observation by ``weights`` and add ``bias``.

    ``Y = weights @ flatten(X) + bias``, where the S and C dimensions of each observation are
    flattened together in column-major (MATLAB) order.

    .. math:: Y_{o,n} = \\sum_i W_{o,i}\\, x_{i,n} + b_o

    Parameters
    ----------
    X : dlarray, format with a "C" dimension: "CB" (C, N), "SSCB" (H, W, C, N), "CBT" (C, N, T)
        Input. A T dimension is kept: the op is applied at every time step.
    weights : dlarray or array, shape (num_out, num_in), num_in = prod(S sizes) * C
    bias : dlarray or array, num_out elements, e.g. shape (num_out, 1)
    data_format : str, optional
        Format of an unformatted ``X``; the output is then unformatted, in X's order.

    Returns
    -------
    Y : dlarray, format "CB" (num_out, N), or "CBT" (num_out, N, T) when X has a T dimension

    Raises
    ------
    ValueError
        X without a C dimension or with U dimensions; weights not 2-D or with the wrong number
        of columns; bias with the wrong number of elements.

    Notes
    -----
    The weights' columns are reordered once per call to NumPy's row-major layout instead of
    transposing X, so the cost is one matrix product. Linear: second derivatives are exact.

    MATLAB compatibility
    --------------------
    ``Y = fullyconnect(X, weights, bias)``; the same weight layout (outputs × inputs) and the
    same column-major flattening, so weights trained in MATLAB can be used unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.ones((2, 2, 3, 5), dtype="float32"), "SSCB")
    >>> W = np.ones((4, 12), dtype="float32")
    >>> Y = fullyconnect(X, W, np.zeros((4, 1), dtype="float32"))
    >>> Y.fmt, Y.shape, float(Y[0, 0])
    ('CB', (4, 5), 12.0)
    """
    func = "fullyconnect"
    layout = _checks.Layout.of(func, X, data_format)
    fmt = layout.fmt
    layout.require(func, "C")
    if "U" in fmt:
        raise _checks.fail(func, "X", "must not have 'U' dimensions", f'format "{fmt}"',
                           "Relabel them as S, C, B or T.")
    W = _checks.as_array_input(func, "weights", weights)._data
    b = _checks.as_array_input(func, "bias", bias)._data
    data = layout.data
    shape = np.shape(getval(data))
    nfeat = fmt.index("C") + 1  # S... and C lead in canonical order
    feat_shape = shape[:nfeat]
    num_in = math.prod(feat_shape)  # math.prod: np.prod costs microseconds per call
    rest = shape[nfeat:]
    w_shape = np.shape(getval(W))
    if len(w_shape) != 2:
        raise _checks.fail(func, "weights", "must be a matrix of shape (num_out, num_in)",
                           f"shape {w_shape}")
    num_out = w_shape[0]
    if w_shape[1] != num_in:
        raise _checks.fail(
            func, "weights", f"have {w_shape[1]} input columns but X has {num_in} features "
            f'(format "{fmt}", shape {shape})', f"shape {w_shape}",
            f"Expected weights of shape ({num_out}, {num_in}).")
    b_shape = np.shape(getval(b))
    if math.prod(b_shape) != num_out:
        raise _checks.fail(func, "bias", f"must have {num_out} elements (one per output)",
                           f"shape {b_shape}", f"Use shape ({num_out}, 1).")
    if len(feat_shape) > 1:
        # MATLAB flattens (S1, S2, ..., C) column-major; reorder W's columns to row-major.
        W = anp.reshape(anp.transpose(anp.reshape(W, (num_out,) + feat_shape[::-1]),
                                      (0,) + tuple(range(len(feat_shape), 0, -1))),
                        (num_out, num_in))
    # Reshapes that change nothing are skipped: each would be one more node on the trace
    # (and one more VJP in the backward pass) for every layer of every step.
    num_cols = math.prod(rest)
    X2 = _reshape(data, shape, (num_in, num_cols))
    b2 = _reshape(b, b_shape, (num_out, 1))
    Y = _dense(W, X2, b2)
    out_fmt = "C" + "".join(label for label in "BT" if label in fmt)
    Y = _reshape(Y, (num_out, num_cols), (num_out,) + rest)
    return layout.restore(Y, out_fmt)


def _reshape(x, shape, new_shape):
    return x if tuple(shape) == tuple(new_shape) else anp.reshape(x, new_shape)


def _fullyconnect_reference(X, weights, bias, *, fmt):
    X = np.asarray(X, dtype=float)
    perm = sorted(range(len(fmt)), key=lambda i: "SCBTU".index(fmt[i]))
    canon = "".join(fmt[i] for i in perm)
    X = np.transpose(X, perm)
    nfeat = canon.index("C") + 1
    feat_shape = X.shape[:nfeat]
    rest = X.shape[nfeat:]
    num_out = weights.shape[0]
    out = np.zeros((num_out,) + rest)
    bias = np.ravel(bias)
    for r in np.ndindex(rest):
        column = np.asarray(X[(Ellipsis,) + r]).flatten(order="F")  # MATLAB's order
        for o in range(num_out):
            total = bias[o]
            for i in range(len(column)):
                total += weights[o, i] * column[i]
            out[(o,) + r] = total
    if fmt != canon:
        out_canon = "C" + "".join(label for label in "BT" if label in canon)
        order = [out_canon.index(label) for label in fmt if label in out_canon]
        out = np.transpose(out, order)
    return out


def _sample_fc(rng, dtype, n):
    def params(num_in, num_out=3):
        return (sample_array(rng, (num_out, num_in), dtype), sample_array(rng, (num_out, 1), dtype))

    return [
        Case("CB", (sample_array(rng, (4, n), dtype, "CB"),) + params(4), {}, "CB"),
        Case("SSCB", (sample_array(rng, (3, 2, 2, n), dtype, "SSCB"),) + params(12), {}, "CB"),
        Case("CBT", (sample_array(rng, (4, n, 3), dtype, "CBT"),) + params(4), {}, "CBT"),
        Case("unformatted BSC", (sample_array(rng, (n, 2, 3), dtype),) + params(6),
             {"data_format": "BSC"}, ""),
    ]


register(OpRecord("fullyconnect", fullyconnect, _fullyconnect_reference, _sample_fc,
                  diff_argnums=(0, 1, 2), second_order=True, kink="linear"))
