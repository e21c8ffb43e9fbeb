"""Convolution: dlconv and dltranspconv (1-D, 2-D and 3-D, strided, dilated, grouped).

A convolution is split into a window gather and a matrix product, each with a hand-written
VJP that is itself differentiable, so derivatives of any order work (a WGAN-GP penalty through
a convolutional critic needs two):

* ``_im2col(x)``            gathers every window: x ``(*S, C, M)`` -> cols
  ``(*S', g, *k, C/g, M)``;
  its VJP is ``_col2im`` (scatter-add), whose VJP is ``_im2col`` again;
* ``_wmul(w, cols, b)``     one matrix product per output position and group, plus the bias;
  its adjoints ``_wtmul`` (w^T y, in cols) and ``_wgrad`` (y cols^T, in w) are primitives
  too, and the three are each other's VJPs (the products themselves are in ``_convmath.py``).

``dlconv`` is ``_wmul(w, _im2col(x))``; its window matrix stays on the tape, so the weight
gradient reuses it instead of gathering the windows again. ``dltranspconv``, the adjoint of a
convolution, is ``_col2im(w^T x) + b`` computed by one primitive, ``_tconv``, whose VJP is
that chain's (``im2col`` of the output gradient, then ``_wgrad`` and ``_wmul``): its window
matrix is not needed by the backward pass, so it is dropped at once instead of kept on the
tape. ``_wmul``'s VJP is made once per node for all the
gradients asked of it, so the output gradient is viewed as a stack once and shared by the
weight, input and bias gradients (no module-level cache). Weights are stored as ``(groups, F/groups,
prod(k) * C/groups)`` with the inner axis ordered (k..., c), the order of a window's values
in cols (for one group a view of the MATLAB weights, not a copy).
"""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp_argnums, getval, isbox
from .. import _checks
from . import _convmath as cm
from . import _windows as win
from ._prims import array_sampler, defvjp, primitive
from ._registry import Case, OpRecord, register

__all__ = ["dlconv", "dltranspconv"]


def _shape(x):
    return np.shape(getval(x))


@primitive
def _im2col(x, geo, out, groups):
    k, s, d, pads = geo
    return win.im2col(x, k, s, d, pads, out, groups)


@primitive
def _col2im(cols, geo, out, xshape):
    k, s, d, pads = geo
    return win.col2im(cols, k, s, d, pads, out, tuple(xshape))


defvjp(_im2col, lambda ans, x, geo, out, groups: lambda g: _col2im(g, geo, out, _shape(x)))
defvjp(_col2im, lambda ans, cols, geo, out, xshape:
       lambda g: _im2col(g, geo, out, _shape(cols)[len(out)]))


def _bias_sum(g, nd, bshape):
    """The bias gradient: g (*S', F, M) summed over all but F, differentiable when traced."""
    if isbox(g):
        return anp.reshape(anp.sum(g, axis=tuple(range(nd)) + (nd + 1,)), bshape)
    return cm.bias_grad(np.asarray(g), nd, bshape)


@primitive
def _wmul(w, cols, b, nd, runs):
    """``w cols`` per group: w (grp, Fg, K), cols (*S', g, *k, C/g, M) -> y (*S', F, M), + b.

    ``runs``: the taps in range per position (``_windows.tap_runs``), or None for all.
    """
    groups, fg, _ = w.shape
    y = cm.wmul(w, cols, cm.as_geometry(cols.shape, nd, groups, fg, runs))
    if b is not None:
        cm.add_bias(y, b, nd)
    return y


@primitive
def _wtmul(w, y, nd, cols_shape, runs):
    """``w^T y`` per group (the adjoint of ``_wmul`` in cols): y (*S', F, M) -> cols."""
    groups, fg, _ = w.shape
    return cm.wtmul(w, y, cm.as_geometry(cols_shape, nd, groups, fg, runs), cols_shape)


@primitive
def _wgrad(y, cols, nd, groups, runs):
    """``y cols^T`` per group, summed over positions (the adjoint of ``_wmul`` in w)."""
    fg = y.shape[nd] // groups
    return cm.wgrad(y, cols, cm.as_geometry(cols.shape, nd, groups, fg, runs))


def _wmul_vjp(argnums, ans, args, kwargs):
    """One VJP for every gradient asked of a ``_wmul`` node (w: 0, cols: 1, b: 2)."""
    w, cols, b, nd, runs = args
    groups, cols_shape = _shape(w)[0], _shape(cols)

    def vjp(g):
        if isbox(g) or isbox(w) or isbox(cols):
            # Higher derivatives: the differentiable adjoint primitives.
            made = {0: lambda: _wgrad(g, cols, nd, groups, runs),
                    1: lambda: _wtmul(w, g, nd, cols_shape, runs),
                    2: lambda: _bias_sum(g, nd, _shape(b))}
            return tuple(made[i]() for i in argnums)
        # Plain NumPy: the geometry (views, classes of positions) is shared by the gradients.
        lay = cm.as_geometry(cols_shape, nd, groups, _shape(w)[1], runs)
        made = {0: lambda: cm.wgrad(g, cols, lay),
                1: lambda: cm.wtmul(w, g, lay, cols_shape),
                2: lambda: _bias_sum(g, nd, _shape(b))}
        return tuple(made[i]() for i in argnums)

    return vjp


defvjp_argnums(_wmul, _wmul_vjp)
defvjp(
    _wtmul,
    lambda ans, w, y, nd, cols_shape, runs: lambda h: _wgrad(y, h, nd, _shape(w)[0], runs),
    lambda ans, w, y, nd, cols_shape, runs: lambda h: _wmul(w, h, None, nd, runs),
)
defvjp(
    _wgrad,
    lambda ans, y, cols, nd, groups, runs: lambda e: _wmul(e, cols, None, nd, runs),
    lambda ans, y, cols, nd, groups, runs: lambda e: _wtmul(e, y, nd, _shape(cols), runs),
)


def _conv(x, wm, b, geo):
    k, s, d, pads = geo
    nd = len(k)
    sizes = _shape(x)[:nd]
    out = win.out_sizes("dlconv", sizes, k, s, d, pads)
    runs = win.tap_runs(k, s, d, pads, out, sizes)
    return _wmul(wm, _im2col(x, geo, out, _shape(wm)[0]), b, nd, runs)


@primitive
def _tconv(wm, x, b, geo, yshape, runs):
    """``col2im(w^T x) + b`` in one primitive: x (*S', F, M) -> (*yshape), yshape (*S, C, M).

    The window matrix ``w^T x`` is a temporary here: the VJP needs only the window gather
    of the output gradient, so nothing of its size is kept on the tape, and the bias is the
    scatter's starting value instead of one more pass over the result.
    """
    k, s, d, pads = geo
    nd = len(k)
    groups, fg, _ = wm.shape
    cols_shape = _tconv_cols_shape(x.shape, wm.shape, k, yshape)
    # The scatter reads only the taps in range (the same ones as ``runs``'), so the others
    # of the temporary window matrix are left unwritten.
    cols = cm.wtmul(wm, x, cm.as_geometry(cols_shape, nd, groups, fg, runs), cols_shape,
                    zero_outside=False)
    return win.col2im(cols, k, s, d, pads, x.shape[:nd], yshape, bias=b)


def _tconv_cols_shape(xshape, wshape, k, yshape):
    nd = len(k)
    groups = wshape[0]
    return tuple(xshape[:nd]) + (groups,) + tuple(k) + (yshape[nd] // groups, xshape[nd + 1])


def _tconv_vjp(argnums, ans, args, kwargs):
    """w: 0, x: 1, b: 2. The same gradients as the chain _col2im(_wtmul(w, x)) + b gives:
    the output gradient's windows h = im2col(g), then ``h x^T`` (w) and ``w h`` (x)."""
    wm, x, b, geo, yshape, runs = args
    k = geo[0]
    nd = len(k)
    wshape = _shape(wm)
    groups = wshape[0]
    out = _shape(x)[:nd]

    def vjp(g):
        if isbox(g) or isbox(wm) or isbox(x):
            # Higher derivatives: the differentiable primitives of the unfused chain.
            h = _im2col(g, geo, out, groups) if (0 in argnums or 1 in argnums) else None
            made = {0: lambda: _wgrad(x, h, nd, groups, runs),
                    1: lambda: _wmul(wm, h, None, nd, runs),
                    2: lambda: _bias_sum(g, nd, _shape(b))}
            return tuple(made[i]() for i in argnums)
        cols_shape = _tconv_cols_shape(_shape(x), wshape, k, yshape)
        rows = _chunk_rows(cols_shape, runs, np.result_type(g))
        if rows < out[0] and (0 in argnums or 1 in argnums):
            made = dict(zip((0, 1), _tconv_grads_in_chunks(g, wm, x, geo, cols_shape, rows)))
        elif 0 in argnums or 1 in argnums:
            kk, s, d, pads = geo
            h = win.im2col(g, kk, s, d, pads, out, groups)
            lay = cm.as_geometry(cols_shape, nd, groups, wshape[1], runs)
            made = {0: cm.wgrad(x, h, lay) if 0 in argnums else None,
                    1: cm.wmul(wm, h, lay) if 1 in argnums else None}
        else:
            made = {}
        if 2 in argnums:
            made[2] = _bias_sum(g, nd, _shape(b))
        return tuple(made[i] for i in argnums)

    return vjp


defvjp_argnums(_tconv, _tconv_vjp)

# The plain backward of _tconv gathers the output gradient's windows in chunks of rows of
# positions of at most this size, each used by the weight and the input gradient while it is
# still in cache. Measured on the DCGAN generator's 8x8 -> 16x16 layer (8.4 MB of windows):
# 6% faster with 2 MiB chunks than with one gather, also with the cache flushed before.
_TCONV_CHUNK_BYTES = 2 << 20


def _chunk_rows(cols_shape, runs, dtype):
    """Rows of positions (first window dim) per chunk; all of them when chunks do not pay.

    Only without tap skipping (``runs`` None): its classes of positions span all rows.
    """
    rows = cols_shape[0]
    if runs is not None:
        return rows
    row_bytes = math.prod(cols_shape[1:]) * np.dtype(dtype).itemsize
    return max(1, min(rows, _TCONV_CHUNK_BYTES // max(1, row_bytes)))


def _tconv_grads_in_chunks(g, wm, x, geo, cols_shape, rows):
    """(w gradient, x gradient) of ``_tconv`` for plain g, windows gathered ``rows`` at a time."""
    k, s, d, pads = geo
    nd = len(k)
    groups, fg, kdim = wm.shape
    gp = win.padded(g, pads)
    nopad = ((0, 0),) * nd
    out = cols_shape[:nd]
    gw = np.zeros((groups, fg, kdim), dtype=np.result_type(x, g))
    gx = np.empty(x.shape, dtype=np.result_type(wm, g))
    for r0 in range(0, out[0], rows):
        r1 = min(out[0], r0 + rows)
        part = gp[r0 * s[0]:(r1 - 1) * s[0] + d[0] * (k[0] - 1) + 1]
        sub = (r1 - r0,) + tuple(out[1:])
        h = win.im2col(part, k, s, d, nopad, sub, groups)
        lay = cm.as_geometry(sub + tuple(cols_shape[nd:]), nd, groups, fg, None)
        gw += cm.wgrad(x[r0:r1], h, lay)
        gx[r0:r1] = cm.wmul(wm, h, lay)
    return gw, gx


def _transposed(x, wm, b, geo, yshape):
    """Adjoint of ``_conv`` in x, plus b: x (*S', F, M) -> (*yshape), yshape = (*S, C, M)."""
    k, s, d, pads = geo
    nd = len(k)
    runs = win.tap_runs(k, s, d, pads, _shape(x)[:nd], yshape[:nd])
    return _tconv(wm, x, b, geo, tuple(yshape), runs)


# ---------------------------------------------------------------- padding values

_PAD_MODES = {"symmetric-include-edge": "symmetric", "symmetric-exclude-edge": "reflect",
              "replicate": "edge"}


def _pad_values(x, pads, mode, value):
    """Differentiable padding of the window dims of x (*S, C, M) by index gather or constant."""
    if mode is None:
        widths = tuple(pads) + ((0, 0), (0, 0))
        return anp.pad(x, widths, mode="constant", constant_values=value)
    for axis, (before, after) in enumerate(pads):
        if before or after:
            idx = np.pad(np.arange(_shape(x)[axis]), (before, after), mode=_PAD_MODES[mode])
            x = x[(slice(None),) * axis + (idx,)]
    return x


def _padding_value(func, value, pads, sizes):
    if isinstance(value, str):
        mode = _checks.choice(func, "padding_value", value, tuple(_PAD_MODES))
        if mode == "symmetric-exclude-edge":
            for i, ((before, after), n) in enumerate(zip(pads, sizes)):
                if max(before, after) > n - 1:
                    raise _checks.fail(func, "padding", "must be smaller than the input size "
                                       f"for padding_value={value!r}",
                                       f"padding ({before}, {after}) for size {n} in "
                                       f"window dimension {i}")
        return mode, 0.0
    val = _checks.real_number(func, "padding_value", value)
    return None, val


# ---------------------------------------------------------------- weights


def _weights(func, weights, weights_format, nd_x_s, transposed):
    """Return (w data in MATLAB order (*k, A, B[, g]), nd, use_s, use_t)."""
    W = _checks.as_array_input(func, "weights", weights)
    data = W._data
    wfmt = W.fmt
    if weights_format is not None:
        if wfmt:
            raise _checks.fail(func, "weights_format", "must not be given for formatted "
                               "weights", repr(weights_format), f'weights have format "{wfmt}".')
        wfmt = _checks.parse_format(weights_format, where=func, arg="weights_format")
        if len(wfmt) != np.ndim(getval(data)):
            raise _checks.fail(func, "weights_format", "must have one label per dimension of "
                               "weights", f"{weights_format!r} for shape {_shape(data)}")
    if wfmt:
        # window dims (S..., then T) first, then the rest in their given order
        order = ([i for i, c in enumerate(wfmt) if c == "S"]
                 + [i for i, c in enumerate(wfmt) if c == "T"]
                 + [i for i, c in enumerate(wfmt) if c not in "ST"])
        if order != list(range(len(order))):
            data = anp.transpose(data, order)
        use_t = "T" in wfmt
        nd_s = wfmt.count("S")
        if nd_s and nd_s != nd_x_s:
            raise _checks.fail(func, "weights", f"have {nd_s} 'S' dimensions but X has {nd_x_s}",
                               f'format "{wfmt}"')
        nd = nd_s + int(use_t)
        use_s = nd_s > 0
    else:
        use_t, use_s, nd = False, True, nd_x_s
    shape = _shape(data)
    if nd == 0 or len(shape) not in (nd + 2, nd + 3):
        names = ("(k..., F, C)", "(k..., F/g, C/g, g)") if transposed else \
            ("(k..., C, F)", "(k..., C/g, F/g, g)")
        raise _checks.fail(func, "weights", f"must have {nd + 2} dimensions {names[0]} or "
                           f"{nd + 3} dimensions {names[1]} for {nd} window dimension(s)",
                           f"shape {shape}", "The number of S dimensions of X sets the "
                           "convolution dimension.")
    if len(shape) == nd + 2:
        data = anp.reshape(data, shape + (1,))
    return data, nd, use_s, use_t


def _internal_weights(w, nd):
    """MATLAB (*k, A, B, g) -> (g, B, prod(k)*A) with the inner axis ordered (k..., a).

    That is the order of a window's values in cols, and for one group a free view of the
    MATLAB array (its transpose as a (B, K) matrix), so no weight copy is made per call.
    """
    shape = _shape(w)
    k = shape[:nd]
    a, b, g = shape[nd:]
    wm = anp.transpose(w, (nd + 2, nd + 1) + tuple(range(nd)) + (nd,))
    return anp.reshape(wm, (g, b, a * int(np.prod(k)))), tuple(k), a, b, g


def _prepare(func, X, weights, weights_format, data_format, transposed):
    layout = _checks.Layout.of(func, X, data_format)
    fmt = layout.fmt
    if "C" not in fmt:
        raise _checks.fail(func, "X", "must have a 'C' dimension", f'format "{fmt}"',
                           'Label the channel dimension, for example dlarray(X, "SSCB").')
    w, nd, use_s, use_t = _weights(func, weights, weights_format, fmt.count("S"), transposed)
    wl = win.WindowLayout(func, fmt, _shape(layout.data), use_t=use_t)
    if not use_s and fmt.count("S"):
        wl = _t_only_layout(wl)
    if len(wl.win) != nd:
        raise _checks.fail(func, "weights", f"have {nd} window dimension(s) but X has "
                           f"{len(wl.win)}", f"shape {_shape(w)}")
    return layout, wl, w, nd


def _t_only_layout(wl):
    fmt = wl.fmt
    t = fmt.index("T")
    c = fmt.index("C")
    wl.win = (t,)
    wl.rest = tuple(i for i in range(len(fmt)) if i not in (t, c))
    wl.perm = wl.win + (c,) + wl.rest
    return wl


def _bias(func, bias, num_f, dtype):
    if bias is None:
        return None
    b = _checks.as_array_input(func, "bias", bias)._data
    if isinstance(b, np.ndarray) and np.issubdtype(dtype, np.floating) and b.dtype != dtype:
        b = b.astype(dtype)  # an untraced float64 bias must not promote float32 data
    size = int(np.size(getval(b)))
    if size == 1 and num_f != 1:
        return anp.reshape(b, (1, 1)) * np.ones((num_f, 1), dtype=dtype)
    if size != num_f:
        raise _checks.fail(func, "bias", f"must have {num_f} elements (one per filter) or 1",
                           f"shape {_shape(b)}", f"Use shape ({num_f}, 1).")
    return b if _shape(b) == (num_f, 1) else anp.reshape(b, (num_f, 1))


def dlconv(X, weights, bias, *, stride=1, dilation_factor=1, padding=0, padding_value=0,
           weights_format=None, data_format=None):
    """Convolve X with a bank of filters and add a bias (deep-learning cross-correlation).

    ``Y[i, f, n] = sum over window a and channels c of W[a, c, f] * X[i*stride + a*dilation, c,
    n] + bias[f]`` in each window dimension (no kernel flip).

    .. math:: Y_{i,f,n} = \\sum_{a}\\sum_{c} W_{a,c,f}\\, X_{s i + d a,\\, c,\\, n} + b_f

    Parameters
    ----------
    X : dlarray, format "SSCB" (H, W, C, N); also "SCB" (1-D), "SSSCB" (3-D) or with a T
        dimension. The convolution runs over every S dimension, or over T when the weights
        have a T dimension (``weights_format="TCU"`` for a 1-D temporal convolution of "CBT"
        data). Other dimensions (B, T, U) are batch-like.
    weights : dlarray or array, shape (h, w, C, F) for 2-D, (h, C, F) for 1-D, (h, w, d, C, F)
        for 3-D; grouped (h, w, C/g, F/g, g) with ``g`` groups (channel-wise separable:
        (h, w, 1, F/C, C)).
    bias : dlarray, array, scalar or None; F elements or one value for all filters
    stride : int or tuple of int, default 1
    dilation_factor : int or tuple of int, default 1
    padding : int, tuple, tuple of (before, after) pairs, or "same", default 0
        ``"same"`` gives output size ``ceil(in / stride)``; an odd total padding puts the
        extra row/column after (bottom/right).
    padding_value : 0, number, "symmetric-include-edge", "symmetric-exclude-edge" or "replicate"
    weights_format : str, optional
        Format of unformatted weights, e.g. "SSCU" or "TCU".
    data_format : str, optional
        Format of an unformatted ``X``; the output is then unformatted in X's order.

    Returns
    -------
    Y : dlarray, format of X, shape (H', W', F, N) with
        ``H' = floor((H + pad_total - dilation*(h-1) - 1) / stride) + 1``

    Raises
    ------
    ValueError
        X without C or S dimensions; weights of the wrong rank; channel mismatch between X and
        the weights; bias with the wrong number of elements; a window larger than the padded
        input; negative padding; a non-positive stride or dilation.
    TypeError
        Non-integer stride, dilation or padding.

    Notes
    -----
    The forward gathers all windows with one strided view and one copy (im2col without Python
    loops over pixels) and contracts them with the weights, one matrix product per output
    position and group (taps that fall into wide padding are skipped). The derivative in
    X is a transposed convolution and the derivative in the weights a correlation of X with
    the output gradient; both are primitives whose own derivatives are convolutions again, so
    second derivatives (``enable_higher_derivatives=True``) work. Linear in X, in the weights
    and in the bias.

    MATLAB compatibility
    --------------------
    ``Y = dlconv(X, weights, bias, Stride=..., DilationFactor=..., Padding=...,
    PaddingValue=..., WeightsFormat=..., DataFormat=...)``; options become snake_case keywords.
    The weight layout is MATLAB's, so trained weights carry over unchanged. MATLAB's 2-by-d
    padding matrix ``[top, left; bottom, right]`` is accepted as a NumPy array,
    ``padding=np.array([[top, left], [bottom, right]])`` (rows: before, after), and d pairs
    ``((top, bottom), (left, right))`` as a tuple of tuples are Python's spelling. A 2-by-2
    *list* of lists is refused as ambiguous (it could be either); other shapes are read by
    their shape, (d, 2) as pairs and (2, d) as MATLAB's matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.ones((5, 5, 2, 1), dtype="float32"), "SSCB")
    >>> W = np.ones((3, 3, 2, 4), dtype="float32")
    >>> Y = dlconv(X, W, 0, padding="same")
    >>> Y.fmt, Y.shape, float(Y[2, 2, 0, 0]), float(Y[0, 0, 0, 0])
    ('SSCB', (5, 5, 4, 1), 18.0, 8.0)
    """
    func = "dlconv"
    layout, wl, w, nd = _prepare(func, X, weights, weights_format, data_format, False)
    k_shape = _shape(w)
    cg, fg, groups = k_shape[nd:]
    num_c = wl.channels
    if cg * groups != num_c:
        raise _checks.fail(
            func, "weights", f"have {cg} channel(s) per group x {groups} group(s) but X has "
            f"{num_c} channels", f"shape {k_shape}",
            f"Expected weights of shape (k..., {num_c // groups if num_c % groups == 0 else num_c}"
            f", F{'/g, g' if groups > 1 else ''}).")
    k = k_shape[:nd]
    s = win.per_dim(func, "stride", stride, nd)
    d = win.per_dim(func, "dilation_factor", dilation_factor, nd)
    pads = win.pads_of(func, "padding", padding, nd, wl.sizes, k, s, d)
    mode, value = _padding_value(func, padding_value, pads, wl.sizes)
    out = win.out_sizes(func, wl.sizes, k, s, d, pads)
    x = wl.to_internal(layout.data)
    if mode is not None or value != 0.0:
        x = _pad_values(x, pads, mode, value)
        pads = ((0, 0),) * nd
    wm, k, _, _, _ = _internal_weights(w, nd)
    num_f = fg * groups
    b = _bias(func, bias, num_f, np.result_type(getval(x)))
    y = _conv(x, wm, b, (k, s, d, pads))
    return layout.restore(wl.from_internal(y, out, num_f), layout.fmt)


def dltranspconv(X, weights, bias, *, stride=1, dilation_factor=1, cropping=0,
                 weights_format=None, data_format=None):
    """Apply a transposed convolution (the adjoint of ``dlconv``) and add a bias.

    Every input pixel scatters ``X[i, c] * W[a, f, c]`` to output position
    ``i*stride + a*dilation``; then ``cropping`` is removed from the borders.

    .. math:: Y_{j,f,n} = \\sum_{i,a:\\ s i + d a = j + p}\\ \\sum_c W_{a,f,c}\\, X_{i,c,n} + b_f

    Parameters
    ----------
    X : dlarray, format "SSCB" (H, W, C, N); also "SCB" or "SSSCB"
    weights : dlarray or array, shape (h, w, F, C) (note: filters before channels), or
        grouped (h, w, F/g, C/g, g)
    bias : dlarray, array, scalar or None; F elements or one value
    stride : int or tuple of int, default 1
    dilation_factor : int or tuple of int, default 1
    cropping : int, tuple, tuple of (before, after) pairs, or "same", default 0
        ``"same"`` gives output size ``H * stride`` (the extra row/column is cropped after).
    weights_format : str, optional
        Format of unformatted weights, e.g. "SSUC" or "TUC".
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format of X, shape (H', W', F, N),
        ``H' = (H - 1)*stride + dilation*(h - 1) + 1 - crop_total``

    Raises
    ------
    ValueError
        X without C or S dimensions; weights of the wrong rank; channel mismatch; bias size;
        cropping larger than the output; ``"same"`` cropping impossible (stride larger than
        the dilated filter).

    Notes
    -----
    Computed as the X-derivative of a convolution: matrix products (one per input position),
    then a scatter-add per filter tap (a loop over the taps, not over pixels). Its
    derivatives are convolutions, so second derivatives work.

    MATLAB compatibility
    --------------------
    ``Y = dltranspconv(X, weights, bias, Stride=..., DilationFactor=..., Cropping=...)``.
    MATLAB's weight layout ``(h, w, numFilters, numChannels)`` is kept.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.ones((4, 4, 3, 2), dtype="float32"), "SSCB")
    >>> Y = dltranspconv(X, np.ones((4, 4, 8, 3), dtype="float32"), 0, stride=2,
    ...                  cropping="same")
    >>> Y.fmt, Y.shape
    ('SSCB', (8, 8, 8, 2))
    """
    func = "dltranspconv"
    layout, wl, w, nd = _prepare(func, X, weights, weights_format, data_format, True)
    k_shape = _shape(w)
    fg, cg, groups = k_shape[nd:]
    num_c = wl.channels
    if cg * groups != num_c:
        raise _checks.fail(
            func, "weights", f"have {cg} channel(s) per group x {groups} group(s) but X has "
            f"{num_c} channels", f"shape {k_shape}",
            f"Expected weights of shape (k..., F, {num_c}); transposed-convolution weights "
            "put the filters before the channels.")
    k = k_shape[:nd]
    s = win.per_dim(func, "stride", stride, nd)
    d = win.per_dim(func, "dilation_factor", dilation_factor, nd)
    full = tuple((n - 1) * ss + dd * (kk - 1) + 1 for n, ss, dd, kk in zip(wl.sizes, s, d, k))
    if isinstance(cropping, str):
        if cropping.lower() != "same":
            raise _checks.fail(func, "cropping", 'must be an integer, a tuple or "same"',
                               repr(cropping))
        crops = []
        for i, (f, n, ss) in enumerate(zip(full, wl.sizes, s)):
            total = f - n * ss
            if total < 0:
                raise _checks.fail(func, "cropping", '"same" needs a dilated filter at least '
                                   "as large as the stride", f"stride {ss} and filter extent "
                                   f"{f - (n - 1) * ss} in window dimension {i}")
            crops.append((total // 2, total - total // 2))
        crops = tuple(crops)
    else:
        crops = win.pads_of(func, "cropping", cropping, nd)
    out = tuple(f - a - b for f, (a, b) in zip(full, crops))
    if any(o < 1 for o in out):
        raise _checks.fail(func, "cropping", "must leave at least one output element",
                           repr(cropping), f"The uncropped output size is {full}.")
    x = wl.to_internal(layout.data)
    wm, k, _, _, _ = _internal_weights(w, nd)
    num_f = fg * groups
    m = _shape(x)[-1]
    b = _bias(func, bias, num_f, np.result_type(getval(x)))
    y = _transposed(x, wm, b, (k, s, d, crops), out + (num_f, m))
    return layout.restore(wl.from_internal(y, out, num_f), layout.fmt)


# ---------------------------------------------------------------- naive references


def _canon_internal(x, fmt, conv_t=False):
    """Reference helper: (x in user order, fmt) -> (array (*win, C, M), restore function)."""
    x = np.asarray(x, dtype=float)
    perm = sorted(range(len(fmt)), key=lambda i: "SCBTU".index(fmt[i]))
    canon = "".join(fmt[i] for i in perm)
    x = np.transpose(x, perm)
    win_axes = [i for i, c in enumerate(canon) if c == "S"] + \
        ([canon.index("T")] if conv_t else [])
    c_axis = canon.index("C")
    rest = [i for i in range(len(canon)) if i not in win_axes and i != c_axis]
    order = win_axes + [c_axis] + rest
    xi = np.transpose(x, order)
    rest_shape = xi.shape[len(win_axes) + 1:]
    xi = xi.reshape(xi.shape[:len(win_axes) + 1] + (-1,))

    def restore(y):
        y = y.reshape(y.shape[:-1] + rest_shape)
        y = np.transpose(y, np.argsort(order))
        return np.transpose(y, np.argsort(perm)) if canon != fmt else y

    return xi, restore


def _ref_pads(padding, nd, sizes, k, s, d):
    if isinstance(padding, str):
        pads = []
        for n, kk, ss, dd in zip(sizes, k, s, d):
            outn = -(-n // ss)
            total = max((outn - 1) * ss + dd * (kk - 1) + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    p = np.asarray(padding)
    if p.ndim == 0:
        return [(int(p), int(p))] * nd
    if p.ndim == 1:
        return [(int(v), int(v)) for v in p]
    if isinstance(padding, np.ndarray) and p.shape == (2, nd):
        return [(int(p[0, i]), int(p[1, i])) for i in range(nd)]  # MATLAB [before; after]
    return [(int(a), int(b)) for a, b in p]


def _ref_tuple(v, nd):
    return (v,) * nd if np.ndim(v) == 0 else tuple(v)


def _ref_pad_index(i, n, mode):
    """Source index for padded position i (may be outside 0..n-1) under a padding mode."""
    if 0 <= i < n:
        return i
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    if mode == "symmetric-include-edge":
        return -i - 1 if i < 0 else 2 * n - 1 - i
    return -i if i < 0 else 2 * n - 2 - i  # symmetric-exclude-edge


def _dlconv_reference(X, weights, bias, *, stride=1, dilation_factor=1, padding=0,
                      padding_value=0, weights_format=None, fmt):
    conv_t = weights_format is not None and "T" in weights_format
    x, restore = _canon_internal(X, fmt, conv_t)
    nd = x.ndim - 2
    w = np.asarray(weights, dtype=float)
    if w.ndim == nd + 2:
        w = w[..., None]
    k = w.shape[:nd]
    cg, fg, groups = w.shape[nd:]
    s, d = _ref_tuple(stride, nd), _ref_tuple(dilation_factor, nd)
    sizes = x.shape[:nd]
    pads = _ref_pads(padding, nd, sizes, k, s, d)
    out = [(n + a + b - dd * (kk - 1) - 1) // ss + 1
           for n, (a, b), kk, ss, dd in zip(sizes, pads, k, s, d)]
    bias = np.zeros(fg * groups) if bias is None else np.ravel(bias) * np.ones(fg * groups)
    y = np.zeros(tuple(out) + (fg * groups, x.shape[-1]))
    for pos in np.ndindex(*out):
        for gi in range(groups):
            for f in range(fg):
                for m in range(x.shape[-1]):
                    total = bias[gi * fg + f]
                    for tap in np.ndindex(*k):
                        src = []
                        inside = True
                        for i in range(nd):
                            j = pos[i] * s[i] + tap[i] * d[i] - pads[i][0]
                            if not 0 <= j < sizes[i]:
                                if isinstance(padding_value, str):
                                    j = _ref_pad_index(j, sizes[i], padding_value)
                                else:
                                    inside = False
                            src.append(j)
                        for c in range(cg):
                            v = x[tuple(src) + (gi * cg + c, m)] if inside else \
                                float(padding_value)
                            total += w[tap + (c, f, gi)] * v
                    y[pos + (gi * fg + f, m)] = total
    return restore(y)


def _dltranspconv_reference(X, weights, bias, *, stride=1, dilation_factor=1, cropping=0,
                            fmt):
    x, restore = _canon_internal(X, fmt)
    nd = x.ndim - 2
    w = np.asarray(weights, dtype=float)
    if w.ndim == nd + 2:
        w = w[..., None]
    k = w.shape[:nd]
    fg, cg, groups = w.shape[nd:]
    s, d = _ref_tuple(stride, nd), _ref_tuple(dilation_factor, nd)
    sizes = x.shape[:nd]
    full = [(n - 1) * ss + dd * (kk - 1) + 1 for n, ss, dd, kk in zip(sizes, s, d, k)]
    if isinstance(cropping, str):
        crops = [((f - n * ss) // 2, f - n * ss - (f - n * ss) // 2)
                 for f, n, ss in zip(full, sizes, s)]
    else:
        crops = _ref_pads(cropping, nd, None, None, None, None)
    yfull = np.zeros(tuple(full) + (fg * groups, x.shape[-1]))
    for pos in np.ndindex(*sizes):
        for tap in np.ndindex(*k):
            dst = tuple(pos[i] * s[i] + tap[i] * d[i] for i in range(nd))
            for gi in range(groups):
                for c in range(cg):
                    for f in range(fg):
                        for m in range(x.shape[-1]):
                            yfull[dst + (gi * fg + f, m)] += \
                                w[tap + (f, c, gi)] * x[pos + (gi * cg + c, m)]
    y = yfull[tuple(slice(a, f - b) for f, (a, b) in zip(full, crops))]
    y = y + (np.zeros(fg * groups) if bias is None else np.ravel(bias))[:, None]
    return restore(y)


# ---------------------------------------------------------------- samplers


def _sample_dlconv(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("SSCB", (arr((5, 4, 3, n), "SSCB"), arr((3, 2, 3, 2)), arr((2, 1))), {}, "SSCB"),
        Case("SSCB stride dilation same", (arr((6, 7, 2, n), "SSCB"), arr((3, 2, 2, 3)),
                                          arr((3,))),
             {"stride": (2, 1), "dilation_factor": (1, 2), "padding": "same"}, "SSCB"),
        Case("SSCB pad pairs", (arr((4, 5, 2, n), "SSCB"), arr((2, 3, 2, 2)), arr((2, 1))),
             {"padding": ((1, 0), (2, 1)), "stride": 2}, "SSCB"),
        Case("MATLAB padding matrix", (arr((5, 4, 2, n), "SSCB"), arr((3, 2, 2, 3)), arr((3, 1))),
             {"padding": np.array([[2, 0], [1, 1]]), "stride": 1}, "SSCB"),
        Case("SCB", (arr((7, 3, n), "SCB"), arr((3, 3, 2)), arr((2, 1))),
             {"padding": 1}, "SCB"),
        Case("SSSCB", (arr((4, 3, 3, 2, n), "SSSCB"), arr((2, 2, 2, 2, 3)), arr((3, 1))),
             {"padding": (1, 0, 1)}, "SSSCB"),
        Case("groups", (arr((4, 4, 4, n), "SSCB"), arr((2, 2, 2, 3, 2)), arr((6, 1))), {},
             "SSCB"),
        Case("channel-wise separable", (arr((4, 3, 3, n), "SSCB"), arr((3, 2, 1, 2, 3)),
                                        arr((6, 1))), {"padding": 1}, "SSCB"),
        Case("replicate", (arr((4, 4, 2, n), "SSCB"), arr((3, 3, 2, 2)), arr((2, 1))),
             {"padding": 2, "padding_value": "replicate"}, "SSCB"),
        Case("symmetric-include-edge", (arr((4, 3, 2, n), "SSCB"), arr((3, 3, 2, 2)),
                                        arr((2, 1))),
             {"padding": (2, 1), "padding_value": "symmetric-include-edge"}, "SSCB"),
        Case("symmetric-exclude-edge", (arr((4, 3, 2, n), "SSCB"), arr((3, 2, 2, 1)),
                                        arr((1, 1))),
             {"padding": "same", "padding_value": "symmetric-exclude-edge"}, "SSCB"),
        Case("constant padding 0.5", (arr((3, 3, 1, n), "SSCB"), arr((2, 2, 1, 2)),
                                      arr((2, 1))),
             {"padding": 1, "padding_value": 0.5}, "SSCB"),
        Case("unformatted BCSS", (arr((n, 2, 5, 4)), arr((3, 3, 2, 2)), arr((2, 1))),
             {"data_format": "BCSS", "padding": 1}, ""),
        Case("temporal CBT", (arr((2, n, 6), "CBT"), arr((3, 2, 3)), arr((3, 1))),
             {"weights_format": "TCU", "stride": 2}, "CBT"),
    ]


register(OpRecord("dlconv", dlconv, _dlconv_reference, _sample_dlconv, diff_argnums=(0, 1, 2),
                  second_order=True, kink="linear (bilinear in X and weights)"))


def _sample_dltranspconv(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("SSCB", (arr((3, 2, 3, n), "SSCB"), arr((2, 3, 2, 3)), arr((2, 1))), {}, "SSCB"),
        Case("stride 2 same", (arr((3, 3, 2, n), "SSCB"), arr((4, 4, 3, 2)), arr((3,))),
             {"stride": 2, "cropping": "same"}, "SSCB"),
        Case("stride dilation crop", (arr((3, 2, 2, n), "SSCB"), arr((3, 2, 2, 2)),
                                      arr((2, 1))),
             {"stride": (2, 3), "dilation_factor": (1, 2), "cropping": ((1, 0), (0, 2))},
             "SSCB"),
        Case("SCB", (arr((4, 2, n), "SCB"), arr((3, 3, 2)), arr((3, 1))),
             {"stride": 2, "cropping": 1}, "SCB"),
        Case("SSSCB", (arr((2, 3, 2, 2, n), "SSSCB"), arr((2, 2, 2, 2, 2)), arr((2, 1))),
             {"stride": 2}, "SSSCB"),
        Case("groups", (arr((3, 3, 4, n), "SSCB"), arr((2, 2, 3, 2, 2)), arr((6, 1))),
             {"stride": 2}, "SSCB"),
        Case("unformatted CSSB", (arr((2, 3, 3, n)), arr((3, 3, 2, 2)), arr((2, 1))),
             {"data_format": "CSSB", "stride": 2, "cropping": "same"}, ""),
    ]


register(OpRecord("dltranspconv", dltranspconv, _dltranspconv_reference, _sample_dltranspconv,
                  diff_argnums=(0, 1, 2), second_order=True,
                  kink="linear (bilinear in X and weights)"))
