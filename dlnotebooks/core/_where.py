"""``where``, ``maximum`` and ``minimum`` whose gradients keep the incoming gradient's precision.

autograd's VJP for ``np.where`` is ``where(c, g, zeros(g.shape))``: the zeros are float64, so
a float32 gradient came out as float64 and every VJP before it ran in double precision (found
by the op registry's float32 test, which watches the gradient inside the backward pass: huber
and masked attention). Here the gradient of ``x`` is ``g * c`` and of ``y`` is ``g * ~c``,
the boolean mask keeping g's dtype, summed back over the dimensions that were broadcast.
The mask is a constant, so the VJPs stay differentiable in ``g`` (second derivatives).

``np.maximum``/``np.minimum`` had the same leak through autograd's tie rule
``(x == ans) / (1.0 + (x == y))`` (a float64 division): here the same weights, 1 for the
chosen operand and 1/2 each at a tie, are made in g's dtype.
"""

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp, getval, isbox, primitive

__all__ = ["traced_where", "traced_maximum", "traced_minimum", "sum_to_shape"]


@primitive
def traced_where(condition, x, y):
    """``np.where(condition, x, y)``; ``condition`` is not differentiated."""
    return np.where(condition, x, y)


def sum_to_shape(g, shape):
    """Sum ``g`` down to ``shape`` over the dimensions NumPy broadcast (autograd's NumPy
    only when ``g`` is traced)."""
    wrap = anp if isbox(g) else np
    extra = np.ndim(getval(g)) - len(shape)
    if extra > 0:
        g = wrap.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(getval(g))[i] != 1)
    if axes:
        g = wrap.sum(g, axis=axes, keepdims=True)
    return g


def _mask(condition, ans, invert):
    c = np.asarray(getval(condition), dtype=bool)
    return np.broadcast_to(~c if invert else c, np.shape(ans))


defvjp(traced_where, None,
       lambda ans, c, x, y: lambda g: sum_to_shape(g * _mask(c, ans, False), np.shape(x)),
       lambda ans, c, x, y: lambda g: sum_to_shape(g * _mask(c, ans, True), np.shape(y)))


@primitive
def traced_maximum(x, y):
    """``np.maximum(x, y)``; at a tie each operand gets half the gradient (as autograd)."""
    return np.maximum(x, y)


@primitive
def traced_minimum(x, y):
    """``np.minimum(x, y)``; at a tie each operand gets half the gradient (as autograd)."""
    return np.minimum(x, y)


def _chosen(g, mine, other, ans):
    """g times the share of ``mine`` in ``ans``: 1 where it was chosen, 1/2 at a tie."""
    mine, other, ans = getval(mine), getval(other), getval(ans)
    dtype = np.result_type(getval(g))
    share = np.asarray(mine == ans, dtype=dtype) / np.asarray(1 + (mine == other), dtype=dtype)
    return sum_to_shape(g * share, np.shape(mine))


for _choose in (traced_maximum, traced_minimum):
    defvjp(_choose,
           lambda ans, x, y: lambda g: _chosen(g, x, y, ans),
           lambda ans, x, y: lambda g: _chosen(g, y, x, ans))
