"""``where(condition, x, y)`` whose gradient keeps the precision of the incoming gradient.

autograd's VJP for ``np.where`` is ``where(c, g, zeros(g.shape))``: the zeros are float64, so
a float32 gradient came out as float64 and every VJP before it ran in double precision (found
by the op registry's float32 test, which watches the gradient inside the backward pass: huber
and masked attention). Here the gradient of ``x`` is ``g * c`` and of ``y`` is ``g * ~c``,
the boolean mask keeping g's dtype, summed back over the dimensions that were broadcast.
The mask is a constant, so the VJPs stay differentiable in ``g`` (second derivatives).
"""

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp, getval, isbox, primitive

__all__ = ["traced_where"]


@primitive
def traced_where(condition, x, y):
    """``np.where(condition, x, y)``; ``condition`` is not differentiated."""
    return np.where(condition, x, y)


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` over the dimensions NumPy broadcast."""
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
       lambda ans, c, x, y: lambda g: _unbroadcast(g * _mask(c, ans, False), np.shape(x)),
       lambda ans, c, x, y: lambda g: _unbroadcast(g * _mask(c, ans, True), np.shape(y)))
