"""``sum`` and ``mean`` whose gradient is a broadcast view of the incoming gradient; ``var``,
``std``, ``max`` and ``min`` whose gradients keep the incoming gradient's precision.

autograd's own VJPs for ``np.sum`` and ``np.mean`` build the gradient as
``reshape(g) + zeros(x.shape)``: a new array of the input's size, filled with zeros and then
added to. ``loss = np.sum(Y)`` over an LSTM's (128, 32, 50) output thus wrote and read
800 KB before the LSTM's own backward pass began, and that pass then copied the result once
more to read it step by step. Here the gradient is ``broadcast_to(g, x.shape)``: no copy, and
an op's backward pass can see from the zero strides that every element is the same.

Two more differences from autograd, both measured on float32:

* ``mean``'s gradient keeps the input's precision. autograd divides by the element count as a
  NumPy integer, which NumPy's promotion rules turn into float64, so every VJP before the mean
  ran in double precision.
* The broadcast view is read-only. Nothing in the backward pass writes into an incoming
  gradient (autograd adds into a sum only once it owns it), and ``dlgradient`` hands the user
  a writable copy when a gradient arrives as such a view (``autodiff._engine._finish``).

``broadcast_to``, ``reshape`` and division are autograd primitives themselves, so the VJPs
stay differentiable (second-order gradients through a sum or mean).

autograd's VJPs for ``var``/``std`` (divided by ``count - ddof``) and ``max``/``min`` (divided
by the number of ties) divide by NumPy integers as well: the same float64 leak. Here the
divisors are Python floats and the tie masks are made in g's dtype; the formulas are
autograd's (ties share the gradient equally).
"""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp, getval, isbox, primitive

__all__ = ["traced_sum", "traced_mean", "traced_var", "traced_std", "traced_max", "traced_min"]


def _reduction(fun):
    """``fun(x, axis, keepdims=keepdims, **options)`` as a primitive (VJPs defined below)."""
    def reduce(x, axis=None, keepdims=False, **options):
        return fun(x, axis=axis, keepdims=keepdims, **options)

    reduce.__name__ = reduce.__qualname__ = f"traced_{fun.__name__}"
    reduce.__doc__ = (f"``np.{fun.__name__}(x, axis, keepdims=keepdims)`` with the gradient "
                      "described in the module docstring.")
    return primitive(reduce)


traced_sum, traced_mean, traced_var, traced_std, traced_max, traced_min = map(
    _reduction, (np.sum, np.mean, np.var, np.std, np.max, np.min))


def _reduced_axes(shape, axis):
    """The set of non-negative axes a reduction over ``axis`` (None: all) removes."""
    if axis is None:
        return set(range(len(shape)))
    return {a % len(shape) for a in np.atleast_1d(axis).tolist()}


def _kept_shape(shape, axis):
    """``shape`` with the reduced axes as ones (the shape of a ``keepdims=True`` result)."""
    axes = _reduced_axes(shape, axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, x, axis, keepdims, scale):
    """Broadcast the gradient ``g`` of a reduction of ``x`` back to ``x``'s shape."""
    x = getval(x)  # traced when the backward pass is itself differentiated
    shape = np.shape(x)
    # autograd's wrappers only when g is traced (second order): each call costs a few µs.
    wrap = anp if isbox(g) else np
    if not keepdims:
        g = wrap.reshape(g, _kept_shape(shape, axis))
    # The dtype autograd's ``g + zeros(shape, x.dtype)`` gives, on one element, not all.
    g = g + np.zeros((), dtype=np.result_type(x))
    if scale != 1:
        g = g / scale  # a Python number: keeps g's precision
    return wrap.broadcast_to(g, shape)


def _mean_count(x, axis):
    shape = np.shape(getval(x))
    return max(math.prod(shape[a] for a in _reduced_axes(shape, axis)), 1)


defvjp(traced_sum, lambda ans, x, axis=None, keepdims=False:
       lambda g: _spread(g, x, axis, keepdims, 1))
defvjp(traced_mean, lambda ans, x, axis=None, keepdims=False:
       lambda g: _spread(g, x, axis, keepdims, float(_mean_count(x, axis))))


def _centred(g, x, axis, keepdims, ddof, ans=None):
    """d var (or d std with ``ans``) = 2 (x - mean) g / (count - ddof) [/ (2 std)]."""
    wrap = anp if isbox(g) or isbox(x) else np
    g = _spread(g, x, axis, keepdims, 1)
    if ans is not None:  # std: d std = d var / (2 std)
        g = g / (2 * _spread(ans, x, axis, keepdims, 1))
    count = float(_mean_count(x, axis) - ddof)
    return 2.0 * g * (x - wrap.mean(x, axis=axis, keepdims=True)) / count


def _extreme(g, x, ans, axis, keepdims):
    """g over the positions of the extreme value, split equally among ties."""
    value = getval(x)
    dtype = np.result_type(getval(g))
    at = np.asarray(value == np.reshape(getval(ans), _kept_shape(np.shape(value), axis)),
                    dtype=dtype)
    at /= np.sum(at, axis=axis, keepdims=True)
    return _spread(g, x, axis, keepdims, 1) * at


defvjp(traced_var, lambda ans, x, axis=None, keepdims=False, ddof=0:
       lambda g: _centred(g, x, axis, keepdims, ddof))
defvjp(traced_std, lambda ans, x, axis=None, keepdims=False, ddof=0:
       lambda g: _centred(g, x, axis, keepdims, ddof, ans))
for _extremum in (traced_max, traced_min):
    defvjp(_extremum, lambda ans, x, axis=None, keepdims=False:
           lambda g: _extreme(g, x, ans, axis, keepdims))
