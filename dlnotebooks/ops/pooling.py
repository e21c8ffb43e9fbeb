"""Pooling over the spatial dimensions: avgpool, maxpool and maxunpool.

All pooling primitives are linear in their array input (maxpool is linear once the position
of each maximum is fixed), and each one's VJP is its adjoint primitive, whose VJP is the
original again, so derivatives of any order work.
"""

import autograd.numpy as anp
import numpy as np

from .._autograd import getval, isbox
from .. import _checks
from ..autodiff._engine import defvjp_fused
from ..core import dlarray
from . import _windows as win
from .activations import _relu
from ._prims import array_sampler, defvjp, primitive, sample_array
from ._registry import Case, Kink, OpRecord, register

__all__ = ["avgpool", "maxpool", "maxunpool"]


def _shape(x):
    return np.shape(getval(x))


# ---------------------------------------------------------------- average pooling


def _counts(geo, sizes, mode):
    """Divisor per output position: the window size, or the number of non-padding elements."""
    k, s, d, pads = geo
    if mode != "mean":
        return float(np.prod(k))
    nd = len(k)
    out = win.out_sizes("avgpool", sizes, k, s, d, pads)
    total = np.ones(out)
    for i in range(nd):
        start = np.arange(out[i]) * s[i] - pads[i][0]
        taps = start[:, None] + np.arange(k[i])[None, :] * d[i]
        inside = ((taps >= 0) & (taps < sizes[i])).sum(axis=1)
        total = total * inside.reshape((1,) * i + (-1,) + (1,) * (nd - i - 1))
    return total.reshape(out + (1, 1))


@primitive
def _avgpool(x, geo, mode):
    k, s, d, pads = geo
    nd = len(k)
    out = win.out_sizes("avgpool", x.shape[:nd], k, s, d, pads)
    xp = win.padded(x, pads)
    acc = np.zeros(out + x.shape[nd:], dtype=x.dtype)
    for tap in np.ndindex(*k):
        acc += xp[win.tap_slices(tap, s, d, out)]
    acc /= np.asarray(_counts(geo, x.shape[:nd], mode), dtype=x.dtype)
    return acc


@primitive
def _avgpool_t(g, geo, mode, xshape):
    """Adjoint of ``_avgpool``: spread each output gradient evenly over its window."""
    k, s, d, pads = geo
    nd = len(k)
    out = g.shape[:nd]
    scaled = g / np.asarray(_counts(geo, xshape[:nd], mode), dtype=g.dtype)
    pshape = tuple(n + a + b for n, (a, b) in zip(xshape[:nd], pads)) + tuple(xshape[nd:])
    xp = np.zeros(pshape, dtype=g.dtype)
    for tap in np.ndindex(*k):
        xp[win.tap_slices(tap, s, d, out)] += scaled
    return win.cropped(xp, pads, xshape[:nd])


defvjp(_avgpool, lambda ans, x, geo, mode: lambda g: _avgpool_t(g, geo, mode, _shape(x)))
defvjp(_avgpool_t, lambda ans, g, geo, mode, xshape: lambda h: _avgpool(h, geo, mode))


# ---------------------------------------------------------------- max pooling


def _argmax_taps(x, geo):
    """Plain NumPy: (max values, index of the first maximal tap) for every window."""
    k, s, d, pads = geo
    nd = len(k)
    out = win.out_sizes("maxpool", x.shape[:nd], k, s, d, pads)
    xp = win.padded(x, pads, value=-np.inf)
    taps = list(np.ndindex(*k))
    best = np.array(xp[win.tap_slices(taps[0], s, d, out)])
    itype = np.int8 if len(taps) <= 127 else np.int64
    idx = np.zeros(best.shape, dtype=itype)
    better = np.empty(best.shape, dtype=bool)
    step = np.empty(best.shape, dtype=itype)
    for t, tap in enumerate(taps[1:], start=1):
        cur = xp[win.tap_slices(tap, s, d, out)]
        np.greater(cur, best, out=better)  # strict: ties keep the first maximum
        np.maximum(best, cur, out=best)
        # idx = where(better, t, idx) as integer arithmetic: much faster than masked copies
        np.subtract(itype(t), idx, out=step)
        step *= better.view(np.int8) if itype is np.int8 else better
        idx += step
    return best, idx


def _disjoint(geo):
    k, s, d, _ = geo
    return all(ss >= dd * (kk - 1) + 1 and (kk == 1 or dd == 1 or ss >= dd * kk)
               for kk, ss, dd in zip(k, s, d))


@primitive
def _take_taps(x, idx, geo, known=None):
    """Gather x at the chosen tap of every window; ``known`` is the result when already known."""
    if known is not None:
        return known
    k, s, d, pads = geo
    nd = len(k)
    out = idx.shape[:nd]
    xp = win.padded(x, pads)
    y = np.zeros(idx.shape, dtype=x.dtype)
    for t, tap in enumerate(np.ndindex(*k)):
        np.copyto(y, xp[win.tap_slices(tap, s, d, out)], where=idx == t)
    return y


@primitive
def _put_taps(g, idx, geo, xshape):
    """Adjoint of ``_take_taps``: add each output gradient to the element it came from."""
    k, s, d, pads = geo
    nd = len(k)
    out = idx.shape[:nd]
    pshape = tuple(n + a + b for n, (a, b) in zip(xshape[:nd], pads)) + tuple(xshape[nd:])
    disjoint = _disjoint(geo)
    # Windows that tile the input exactly (2x2 pooling with stride 2 of an even-sized input)
    # write every element below, so the zero fill (a pass over the input size) is skipped.
    tiled = disjoint and all(kk == ss and o * ss == n and pb == pa == 0 for kk, ss, o, n, (pb, pa)
                             in zip(k, s, out, xshape[:nd], pads))
    xp = np.empty(pshape, dtype=g.dtype) if tiled else np.zeros(pshape, dtype=g.dtype)
    mask = np.empty(idx.shape, dtype=bool)
    for t, tap in enumerate(np.ndindex(*k)):
        np.equal(idx, t, out=mask)
        target = xp[win.tap_slices(tap, s, d, out)]
        if disjoint:  # every input element belongs to one window at most: assign
            np.multiply(g, mask, out=target)
        else:
            target += g * mask
    return win.cropped(xp, pads, xshape[:nd])


defvjp(_take_taps, lambda ans, x, idx, geo, known=None: lambda g: _put_taps(g, idx, geo,
                                                                              _shape(x)))
defvjp(_put_taps, lambda ans, g, idx, geo, xshape: lambda h: _take_taps(h, idx, geo))


def _relu_maxpool_vjp(node, parent):
    """maxpool(relu(x)) differentiated with respect to x, relu's mask taken on the pooled side.

    The element a window picked is positive exactly when the window's maximum (the pooled
    output) is, so ``g * (max > 0)`` is scattered instead of scattering g and then masking
    the input-sized result by ``x > 0``: the mask and the product run over the pooled size
    (a quarter for 2x2 pooling), not the input size.
    """
    _, idx, geo, known = node.args
    if known is None:
        return None
    x = parent.args[0]
    xshape = _shape(x)
    best = node.value

    def vjp(g):
        if isbox(g):  # higher derivatives: the chain itself, differentiable
            return (_put_taps(g, idx, geo, xshape) * (x > 0),)
        return (_put_taps(np.multiply(g, best > 0), idx, geo, xshape),)

    return vjp


defvjp_fused(_take_taps, _relu, _relu_maxpool_vjp)


# ---------------------------------------------------------------- shared front end


def _geometry(func, X, pool_size, stride, padding, data_format):
    layout = _checks.Layout.of(func, X, data_format)
    wl = win.WindowLayout(func, layout.fmt, _shape(layout.data), need_c=False)
    nd = len(wl.win)
    sizes = wl.sizes
    if isinstance(pool_size, str):
        if pool_size.lower() != "global":
            raise _checks.fail(func, "pool_size", 'must be an integer, a tuple or "global"',
                               repr(pool_size))
        k, s, pads = sizes, (1,) * nd, ((0, 0),) * nd
    else:
        k = win.per_dim(func, "pool_size", pool_size, nd)
        s = win.per_dim(func, "stride", stride, nd)
        pads = win.pads_of(func, "padding", padding, nd, sizes, k, s, (1,) * nd)
        for i, (kk, (a, b)) in enumerate(zip(k, pads)):
            if a >= kk or b >= kk:
                raise _checks.fail(func, "padding", "must be smaller than pool_size in every "
                                   "dimension", f"padding ({a}, {b}) for pool size {kk} in "
                                   f"dimension {i}", "A window would hold only padding.")
    geo = (tuple(k), tuple(s), (1,) * nd, tuple(pads))
    out = win.out_sizes(func, sizes, *geo)
    return layout, wl, geo, out


# ---------------------------------------------------------------- pool_format (pooling over T)

def _pool_over(func, X, pool_format, data_format):
    """Relabel X so that the dimensions in ``pool_format`` are the S dimensions that pool.

    Returns (layout of X, canonical data, relabelled canonical format). The T dimension
    becomes the last S dimension and S dimensions that are not pooled become U, so the pooling
    code, which pools over S, pools over exactly the requested dimensions; ``pool_size``
    entries follow X's canonical order (S dimensions, then T).
    """
    layout = _checks.Layout.of(func, X, data_format)
    pf = _checks.parse_format(pool_format, where=func, arg="pool_format")
    fmt = layout.fmt
    if not pf or set(pf) - {"S", "T"}:
        raise _checks.fail(func, "pool_format", "must contain only 'S' and 'T' labels",
                           repr(pool_format), 'For example pool_format="T" pools over time.')
    if "T" in pf and "T" not in fmt:
        raise _checks.fail(func, "pool_format", "has 'T' but X has no 'T' dimension",
                           f'{pool_format!r} for format "{fmt}"')
    n_s = pf.count("S")
    if n_s not in (0, fmt.count("S")):
        raise _checks.fail(func, "pool_format", f"must pool over all {fmt.count('S')} 'S' "
                           "dimensions of X or over none", f'{pool_format!r} for format '
                           f'"{fmt}"', "Give one 'S' per spatial dimension, or only 'T'.")
    pooled_t = "T" in pf
    relabel = "".join("S" if (c == "T" and pooled_t) else ("U" if c == "S" and n_s == 0
                                                            else c) for c in fmt)
    return layout, layout.data, relabel


def _pooled_with_format(pool, func, X, pool_size, pool_format, data_format, **kw):
    """Run ``pool`` (avgpool or maxpool without pool_format) over the pool_format dims."""
    layout, data, relabel = _pool_over(func, X, pool_format, data_format)
    out = pool(dlarray._wrap(data), pool_size, data_format=relabel, **kw)
    if not isinstance(out, tuple):
        return layout.restore(out._data, layout.fmt)
    Y, indices, _ = out
    user_size = _checks.as_array_input(func, "X", X).shape
    if layout.user_fmt is not None:
        # indices count column-major through the canonical data; maxunpool expects them
        # through X as given (the user's dimension order)
        canon_shape = _shape(data)
        order = [layout.fmt.index(c) for c in layout.user_fmt]  # user axis -> canonical axis
        subs = np.unravel_index(indices, canon_shape, order="F")
        indices = np.ravel_multi_index(tuple(subs[a] for a in order), user_size, order="F")
        indices = np.transpose(indices, order)  # the layout of the restored Y
    return layout.restore(Y._data, layout.fmt), np.asarray(indices), tuple(user_size)


def avgpool(X, pool_size, *, stride=1, padding=0, padding_value=0, pool_format=None,
            data_format=None):
    """Average over pooling windows of the spatial dimensions.

    ``Y[i, c, n] = mean of X over the window starting at i*stride`` (per channel).

    .. math:: Y_{i,c,n} = \\frac{1}{|W_i|}\\sum_{j \\in W_i} X_{j,c,n}

    Parameters
    ----------
    X : dlarray, format "SSCB" (H, W, C, N); also "SCB", "SSSCB" or with T/U dimensions
    pool_size : int, tuple of int, or "global"
        Window size per S dimension; ``"global"`` averages over all of them and keeps the S
        dimensions as singletons, shape (1, 1, C, N).
    stride : int or tuple of int, default 1
    padding : int, tuple, tuple of (before, after) pairs, or "same", default 0
    padding_value : 0 or "mean", default 0
        0 counts padding as zeros (divide by the full window size); ``"mean"`` pads with the
        mean of the window, i.e. divides by the number of real elements.
    pool_format : str, optional
        The dimensions to pool over (MATLAB's ``PoolFormat``): ``"T"`` pools over time,
        ``"ST"`` over one S and T, ``"SS"`` over the two S dimensions (the default when not
        given: every S dimension). ``pool_size``, ``stride`` and ``padding`` then have one
        entry per pooled dimension, in canonical order (S dimensions, then T). An S
        dimension is pooled over with all the others or not at all.
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format of X, shape (H', W', C, N),
        ``H' = floor((H + pad_total - pool) / stride) + 1``

    Raises
    ------
    ValueError
        X without S dimensions; a pool larger than the padded input; padding not smaller than
        the pool; a bad ``padding_value``.

    Notes
    -----
    Linear. The derivative spreads each output gradient evenly over its window; second
    derivatives are zero and supported. Cost: one pass over X per window tap.

    MATLAB compatibility
    --------------------
    ``Y = avgpool(X, poolsize, Stride=..., Padding=..., PaddingValue=..., PoolFormat=...,
    DataFormat=...)`` and ``avgpool(X, 'global')``. MATLAB's documentation: "by default,
    pools over up to three dimensions of X labeled "S"... To pool over dimensions labeled "T"
    (time), specify a pooling region with a "T" dimension using the PoolFormat option";
    ``pool_format`` does that. That pool sizes follow the canonical order and that S
    dimensions pool all together or not at all is our reading (UNVERIFIED). The stride defaults to 1 here (the API's choice; pass
    ``stride=pool_size`` for non-overlapping windows).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.arange(16.0).reshape(4, 4, 1, 1), "SSCB")
    >>> Y = avgpool(X, 2, stride=2)
    >>> Y.shape, float(Y[0, 0, 0, 0])
    ((2, 2, 1, 1), 2.5)
    """
    func = "avgpool"
    if pool_format is not None:
        return _pooled_with_format(avgpool, func, X, pool_size, pool_format, data_format,
                                   stride=stride, padding=padding, padding_value=padding_value)
    if not (isinstance(padding_value, str) and padding_value.lower() == "mean"):
        if isinstance(padding_value, str) or _checks.real_number(
                func, "padding_value", padding_value) != 0:
            raise _checks.fail(func, "padding_value", 'must be 0 or "mean"',
                               repr(padding_value))
        mode = "zero"
    else:
        mode = "mean"
    layout, wl, geo, out = _geometry(func, X, pool_size, stride, padding, data_format)
    x = wl.to_internal(layout.data)
    y = _avgpool(x, geo, mode)
    return layout.restore(wl.from_internal(y, out), layout.fmt)


def maxpool(X, pool_size, *, stride=1, padding=0, return_indices=False, pool_format=None,
            data_format=None):
    """Take the maximum over pooling windows of the spatial dimensions.

    ``Y[i, c, n] = max of X over the window starting at i*stride`` (per channel).

    .. math:: Y_{i,c,n} = \\max_{j \\in W_i} X_{j,c,n}

    Parameters
    ----------
    X : dlarray, format "SSCB" (H, W, C, N); also "SCB", "SSSCB" or with T/U dimensions
    pool_size : int, tuple of int, or "global"
    stride : int or tuple of int, default 1
    padding : int, tuple, tuple of (before, after) pairs, or "same", default 0
        Padding never wins the maximum (it acts as -inf).
    return_indices : bool, default False
        Also return where each maximum came from, for :func:`maxunpool`.
    pool_format : str, optional
        The dimensions to pool over, as in :func:`avgpool` (``"T"`` pools over time).
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format of X, shape (H', W', C, N)
    indices : numpy.ndarray of int64, shape of Y's data (only with ``return_indices=True``)
        Opaque positions for ``maxunpool``: currently the 0-based column-major (MATLAB order)
        linear index into X's data of every maximum.
    input_size : tuple of int (only with ``return_indices=True``)
        X's shape, the ``output_size`` that undoes the pooling.

    Raises
    ------
    ValueError
        X without S dimensions; a pool larger than the padded input; padding not smaller than
        the pool.

    Notes
    -----
    At ties the first maximum in the window (taps taken in row-major order over the window
    dimensions) receives the whole gradient; otherwise the derivative is 1 at the maximum and
    0 elsewhere. With the positions fixed the op is linear, so second
    derivatives are zero and supported.

    MATLAB compatibility
    --------------------
    ``Y = maxpool(X, poolsize, Stride=..., Padding=..., PoolFormat=...)`` and
    ``[Y, indx, inputSize] = maxpool(...)``; ``PoolFormat`` is ``pool_format`` as in
    :func:`avgpool`; the extra outputs come with ``return_indices=True``. MATLAB's indices are
    1-based; these are 0-based. The stride defaults to 1 here (the API's choice).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.arange(16.0).reshape(4, 4, 1, 1), "SSCB")
    >>> Y, idx, size = maxpool(X, 2, stride=2, return_indices=True)
    >>> float(Y[1, 1, 0, 0]), size
    (15.0, (4, 4, 1, 1))
    """
    func = "maxpool"
    if pool_format is not None:
        return _pooled_with_format(maxpool, func, X, pool_size, pool_format, data_format,
                                   stride=stride, padding=padding,
                                   return_indices=return_indices)
    layout, wl, geo, out = _geometry(func, X, pool_size, stride, padding, data_format)
    x = wl.to_internal(layout.data)
    best, idx = _argmax_taps(getval(x), geo)
    y = _take_taps(x, idx, geo, best)
    Y = layout.restore(wl.from_internal(y, out), layout.fmt)
    if not return_indices:
        return Y
    X = _checks.as_array_input(func, "X", X)
    size = X.shape
    ids = np.arange(int(np.prod(size)), dtype=np.int64).reshape(size, order="F")
    if layout.user_fmt is None:
        ids = dlarray._wrap(ids, layout.fmt)
    id_layout = _checks.Layout.of(func, ids, layout.user_fmt)
    picked = _take_taps(wl.to_internal(id_layout.data), idx, geo)
    indices = id_layout.restore(wl.from_internal(picked, out), layout.fmt)._data
    return Y, np.asarray(indices), tuple(size)


@primitive
def _scatter_flat(v, idx, n):
    out = np.zeros(n, dtype=v.dtype)
    np.add.at(out, idx, v)
    return out


defvjp(_scatter_flat, lambda ans, v, idx, n: lambda g: g[idx])


def maxunpool(X, indices, output_size, *, data_format=None):
    """Undo max pooling: put every value of X back where ``maxpool`` found it, zeros elsewhere.

    .. math:: Y_{\\text{indices}[i]} = X_i,\\qquad Y_j = 0 \\text{ elsewhere}

    Parameters
    ----------
    X : dlarray, format of the pooled data, e.g. "SSCB" (H', W', C, N)
    indices : array of int, shape of X's data
        The ``indices`` returned by ``maxpool(..., return_indices=True)``.
    output_size : tuple of int
        The ``input_size`` returned by the same call.
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format of X, shape ``output_size``

    Raises
    ------
    ValueError
        ``indices`` not the shape of X; ``output_size`` with the wrong number of dimensions
        or too small for the indices.

    Notes
    -----
    When overlapping windows picked the same element, its values are added. Linear; the
    derivative gathers the gradient at ``indices``.

    MATLAB compatibility
    --------------------
    ``Y = maxunpool(X, indx, outputSize)``; indices are 0-based here.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.arange(16.0).reshape(4, 4, 1, 1), "SSCB")
    >>> Y, idx, size = maxpool(X, 2, stride=2, return_indices=True)
    >>> Z = maxunpool(Y, idx, size)
    >>> Z.shape, float(np.sum(Z)), float(Z[3, 3, 0, 0])
    ((4, 4, 1, 1), 40.0, 15.0)
    """
    func = "maxunpool"
    X = _checks.as_array_input(func, "X", X)
    if not X.fmt and data_format is None:
        raise _checks.fail(func, "X", "must be a formatted dlarray or come with data_format",
                           _checks.describe(X), 'For example dlarray(X, "SSCB").')
    if X.fmt and data_format is not None:
        raise _checks.fail(func, "data_format", "must not be given for a formatted input",
                           repr(data_format), f'X already has format "{X.fmt}".')
    if data_format is not None:
        _checks.Layout.of(func, X, data_format)  # validates the labels
    idx = np.asarray(getval(indices._data) if hasattr(indices, "_data") else indices)
    if idx.dtype.kind not in "iu":
        raise _checks.fail(func, "indices", "must be integers from maxpool(..., "
                           "return_indices=True)", _checks.describe(indices), cls=TypeError)
    if idx.shape != X.shape:
        raise _checks.fail(func, "indices", f"must have the shape of X {X.shape}",
                           f"shape {idx.shape}")
    size = win._int_tuple(func, "output_size", output_size)
    if len(size) != X.ndim or any(n < 1 for n in size):
        raise _checks.fail(func, "output_size", f"must have {X.ndim} positive sizes (one per "
                           "dimension of X)", repr(output_size))
    n = int(np.prod(size))
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise _checks.fail(func, "indices", f"must lie in 0..{n - 1} for output_size {size}",
                           f"range {idx.min()}..{idx.max()}")
    x = X._data
    flat = anp.reshape(anp.transpose(x), (-1,))  # column-major, like the indices
    y = _scatter_flat(flat, np.ravel(idx, order="F"), n)
    y = anp.transpose(anp.reshape(y, size[::-1]))
    return dlarray._wrap(y, X.fmt)


# ---------------------------------------------------------------- references and samplers


def _pool_reference(x, fmt, pool_size, stride, padding, reduce):
    from .conv import _canon_internal, _ref_pads, _ref_tuple

    xi, restore = _canon_internal(x, fmt)
    nd = xi.ndim - 2
    sizes = xi.shape[:nd]
    if isinstance(pool_size, str):
        k, s, pads = sizes, (1,) * nd, [(0, 0)] * nd
    else:
        k, s = _ref_tuple(pool_size, nd), _ref_tuple(stride, nd)
        pads = _ref_pads(padding, nd, sizes, k, s, (1,) * nd)
    out = [(n + a + b - kk) // ss + 1 for n, (a, b), kk, ss in zip(sizes, pads, k, s)]
    y = np.zeros(tuple(out) + xi.shape[nd:])
    arg = np.zeros(y.shape, dtype=np.int64)
    for pos in np.ndindex(*out):
        for c in range(xi.shape[nd]):
            for m in range(xi.shape[nd + 1]):
                values, where = [], []
                for tap in np.ndindex(*k):
                    src = tuple(pos[i] * s[i] + tap[i] - pads[i][0] for i in range(nd))
                    inside = all(0 <= j < n for j, n in zip(src, sizes))
                    values.append(xi[src + (c, m)] if inside else None)
                    where.append(src)
                y[pos + (c, m)], arg[pos + (c, m)] = reduce(values, where, k, sizes, c, m)
    return restore(y), restore(arg)


def _relabel_ref(fmt, pool_format):
    """Reference: pool over pool_format's dims by calling T "S" and unpooled S "U"."""
    if pool_format is None:
        return fmt
    return "".join("S" if c == "T" and "T" in pool_format else
                   "U" if c == "S" and "S" not in pool_format else c for c in fmt)


def _avgpool_reference(X, pool_size, *, stride=1, padding=0, padding_value=0, fmt,
                       pool_format=None):
    fmt = _relabel_ref(fmt, pool_format)

    def reduce(values, where, k, sizes, c, m):
        real = [v for v in values if v is not None]
        return sum(real) / (len(real) if padding_value == "mean" else len(values)), 0

    return _pool_reference(X, fmt, pool_size, stride, padding, reduce)[0]


def _maxpool_reference(X, pool_size, *, stride=1, padding=0, return_indices=False, fmt,
                       pool_format=None):
    fmt = _relabel_ref(fmt, pool_format)
    x = np.asarray(X, dtype=float)
    perm = sorted(range(len(fmt)), key=lambda i: "SCBTU".index(fmt[i]))
    canon_shape = tuple(x.shape[i] for i in perm)

    def reduce(values, where, k, sizes, c, m):
        best, pick = -np.inf, None
        for v, src in zip(values, where):
            if v is not None and v > best:
                best, pick = v, src
        return best, _linear(pick + (c,), m)

    def _linear(sub, m):
        # canonical (S..., C, rest...) subscript -> column-major index into X as given
        rest = canon_shape[len(sub):]
        full = sub + tuple(np.unravel_index(m, rest)) if rest else sub
        user = [0] * len(fmt)
        for canon_axis, user_axis in enumerate(perm):
            user[user_axis] = full[canon_axis]
        return int(np.ravel_multi_index(tuple(user), x.shape, order="F"))

    y, arg = _pool_reference(X, fmt, pool_size, stride, padding, reduce)
    if not return_indices:
        return y
    return y, arg, tuple(x.shape)


def _sample_pool(rng, dtype, n, kind):
    arr = array_sampler(rng, dtype)

    cases = [
        Case("SSCB 2x2 stride 2", (arr((4, 6, 3, n), "SSCB"), 2), {"stride": 2}, "SSCB"),
        Case("SSCB overlapping", (arr((5, 4, 2, n), "SSCB"), (3, 2)), {"stride": (1, 2)},
             "SSCB"),
        Case("SSCB padding same", (arr((5, 5, 2, n), "SSCB"), 3),
             {"stride": 2, "padding": "same"}, "SSCB"),
        Case("pad pairs", (arr((4, 5, 2, n), "SSCB"), 2),
             {"stride": 2, "padding": ((1, 0), (1, 1))}, "SSCB"),
        Case("SCB", (arr((7, 2, n), "SCB"), 3), {"stride": 2, "padding": 1}, "SCB"),
        Case("SSSCB", (arr((4, 4, 3, 2, n), "SSSCB"), 2), {"stride": 2}, "SSSCB"),
        Case("global", (arr((3, 4, 2, n), "SSCB"), "global"), {}, "SSCB"),
        Case("unformatted BCSS", (arr((n, 2, 4, 4)), 2), {"stride": 2, "data_format": "BCSS"},
             ""),
        Case("pool_format T", (arr((3, n, 7), "CBT"), 3), {"stride": 2, "pool_format": "T"},
             "CBT"),
        Case("pool_format T of SCBT", (arr((4, 2, n, 6), "SCBT"), 2),
             {"stride": 2, "padding": 1, "pool_format": "T"}, "SCBT"),
        Case("pool_format ST", (arr((4, 2, n, 5), "SCBT"), (2, 3)),
             {"stride": (2, 1), "pool_format": "ST"}, "SCBT"),
        Case("pool_format T global", (arr((3, n, 5), "CBT"), "global"), {"pool_format": "T"},
             "CBT"),
        Case("pool_format T unformatted TCB", (arr((6, 3, n)), 2),
             {"stride": 2, "pool_format": "T", "data_format": "TCB"}, ""),
    ]
    if kind == "avg":
        cases.append(Case("padding mean", (arr((5, 5, 2, n), "SSCB"), 3),
                          {"stride": 2, "padding": 1, "padding_value": "mean"}, "SSCB"))
    else:
        cases.append(Case("return_indices", (arr((4, 4, 2, n), "SSCB"), 2),
                          {"stride": 2, "return_indices": True}, ("SSCB",)))
        cases.append(Case("return_indices unformatted", (arr((n, 2, 5, 4)), 2),
                          {"stride": (2, 1), "padding": 1, "return_indices": True,
                           "data_format": "BCSS"}, None))
        cases.append(Case("return_indices pool_format T", (arr((2, n, 6), "CBT"), 2),
                          {"stride": 2, "return_indices": True, "pool_format": "T"},
                          ("CBT",)))
        cases.append(Case("return_indices pool_format T unformatted", (arr((6, 2, n)), 2),
                          {"stride": 2, "return_indices": True, "pool_format": "T",
                           "data_format": "TCB"}, None))
    return cases


register(OpRecord("avgpool", avgpool, _avgpool_reference,
                  lambda rng, dtype, n: _sample_pool(rng, dtype, n, "avg"),
                  second_order=True, kink="linear"))
register(OpRecord("maxpool", maxpool, _maxpool_reference,
                  lambda rng, dtype, n: _sample_pool(rng, dtype, n, "max"),
                  second_order=True, kink=Kink(
                      "At ties the first maximum in the window (taps taken in row-major order "
                      "over the window dimensions) receives the whole gradient",
                      lambda: _maxpool_ties())))


def _maxpool_ties():
    # 2x3 image, 2x2 windows at columns 0-1 and 1-2. The first window has two maxima, at
    # (0, 1) and (1, 0): row-major order makes (0, 1) the first (column-major would not);
    # the second window's maximum is (0, 1) too, so it receives both gradients.
    X = np.array([[0.0, 5.0, 1.0], [5.0, 0.0, 2.0]]).reshape(2, 3, 1, 1)
    grad = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]).reshape(2, 3, 1, 1)
    flat = np.full((2, 2, 1, 1), 3.0)  # all four taps tie: the first, (0, 0), takes it
    flat_grad = np.zeros((2, 2, 1, 1))
    flat_grad[0, 0] = 1.0
    return [Case("two maxima", (dlarray(X, "SSCB"), 2), {}, "SSCB", (grad,)),
            Case("all equal", (dlarray(flat, "SSCB"), 2), {}, "SSCB", (flat_grad,))]


def _maxunpool_reference(X, indices, output_size, *, fmt=None):
    x = np.asarray(X, dtype=float)
    out = np.zeros(tuple(output_size))
    for pos in np.ndindex(*x.shape):
        sub = np.unravel_index(int(indices[pos]), tuple(output_size), order="F")
        out[sub] += x[pos]
    return out


def _sample_maxunpool(rng, dtype, n):
    cases = []
    for name, shape, fmt, pool, kw, out_fmt in [
        ("SSCB", (4, 6, 2, n), "SSCB", 2, {"stride": 2}, "SSCB"),
        ("overlapping", (5, 5, 2, n), "SSCB", 3, {"stride": 1}, "SSCB"),
        ("SCB", (6, 2, n), "SCB", 2, {"stride": 2}, "SCB"),
    ]:
        X = sample_array(rng, shape, dtype, fmt)
        Y, idx, size = maxpool(X, pool, return_indices=True, **kw)
        Y = sample_array(rng, Y.shape, dtype, fmt)
        cases.append(Case(name, (Y, idx, size), {}, out_fmt))
    X = sample_array(rng, (n, 2, 4, 4), dtype)
    Y, idx, size = maxpool(X, 2, stride=2, return_indices=True, data_format="BCSS")
    cases.append(Case("unformatted BCSS", (sample_array(rng, Y.shape, dtype), idx, size),
                      {"data_format": "BCSS"}, ""))
    return cases


register(OpRecord("maxunpool", maxunpool, _maxunpool_reference, _sample_maxunpool,
                  second_order=True, kink="linear"))
