"""Sliding-window machinery shared by convolution and pooling.

Internal layout
---------------
The window ops work on arrays laid out as ``(*S, C, M)``: the spatial dimensions first, then
the channels, then every other dimension (B, T, U) folded into one trailing axis ``M``. This is
MATLAB's canonical order, so for the usual formats ("SSCB", "SCB", "SSSCB") getting there is a
reshape without a copy. The trailing batch axis is the fastest-varying one in memory, which
makes every window gather below copy contiguous runs of ``M`` elements.

Geometry
--------
A geometry is a hashable tuple ``(k, s, d, pads)``: kernel size, stride and dilation per window
dimension and ``(before, after)`` zero padding per window dimension. Everything here is plain
NumPy; the differentiable wrappers live in ``conv.py`` and ``pooling.py``.
"""

import functools
import itertools
import math
import numbers

import autograd.numpy as anp
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._autograd import getval
from .. import _checks

# ---------------------------------------------------------------- argument parsing


def per_dim(func, arg, value, nd, *, minimum=1):
    """An int or a per-dim sequence of ints -> tuple of ``nd`` ints, each >= ``minimum``."""
    values = _int_tuple(func, arg, value)
    if len(values) == 1:
        values = values * nd
    if len(values) != nd:
        raise _checks.fail(func, arg, f"must be an integer or have {nd} elements (one per "
                           f"window dimension)", repr(value))
    if any(v < minimum for v in values):
        raise _checks.fail(func, arg, f"must have elements >= {minimum}", repr(value))
    return values


def _int_tuple(func, arg, value):
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "iuf" or arr.ndim > 2 or arr.size == 0:
        raise _checks.fail(func, arg, "must be an integer or a sequence of integers",
                           _checks.describe(value), cls=TypeError)
    flat = arr.reshape(-1)
    if arr.dtype.kind == "f" and not np.all(flat == np.round(flat)):
        raise _checks.fail(func, arg, "must hold whole numbers", repr(value), cls=TypeError)
    return tuple(int(v) for v in flat)


def pads_of(func, arg, value, nd, sizes=None, k=None, s=None, d=None):
    """Parse ``padding`` into ``((before, after), ...)``, one pair per window dimension.

    Accepts an int, a per-dim tuple, a tuple of ``(before, after)`` pairs, MATLAB's 2 x nd
    matrix ``[before...; after...]`` (``[top, left; bottom, right]`` in 2-D) as a NumPy array
    or nested list, or ``"same"`` (needs sizes, k, s, d).

    How a 2 x 2 value is read (the only ambiguous shape): a tuple of tuples is Python's pairs
    ``((top, bottom), (left, right))``; a NumPy array is MATLAB's matrix
    ``[[top, left], [bottom, right]]``; a list of lists is refused, because either reading is
    plausible. Other shapes are unambiguous: (nd, 2) are pairs and (2, nd) is MATLAB's matrix.
    """
    if isinstance(value, str):
        if value.lower() != "same":
            raise _checks.fail(func, arg, 'must be an integer, a tuple or "same"', repr(value))
        pads = []
        for n, kk, ss, dd in zip(sizes, k, s, d):
            total = max((math.ceil(n / ss) - 1) * ss + dd * (kk - 1) + 1 - n, 0)
            pads.append((total // 2, total - total // 2))  # the extra one goes after
        return tuple(pads)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)
        if value < 0:
            raise _checks.fail(func, arg, "must be non-negative", value)
        return ((value, value),) * nd
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise _checks.fail(func, arg, 'must be an integer, a tuple or "same"',
                           _checks.describe(value), cls=TypeError)
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        raise _checks.fail(func, arg, "must hold whole numbers", repr(value), cls=TypeError)
    arr = arr.astype(int)
    if np.any(arr < 0):
        raise _checks.fail(func, arg, "must be non-negative", repr(value))
    if arr.ndim == 0 or arr.size == 1:
        return ((int(arr.reshape(-1)[0]),) * 2,) * nd
    if arr.ndim == 1 and arr.size == nd:
        return tuple((int(v), int(v)) for v in arr)
    if arr.ndim == 2 and arr.shape == (2, 2) and nd == 2:
        if isinstance(value, np.ndarray):
            arr = arr.T  # MATLAB's [top, left; bottom, right]
        elif not isinstance(value, tuple):
            raise _checks.fail(
                func, arg, "is ambiguous as a 2-by-2 list", repr(value),
                f"For (before, after) pairs per dimension write a tuple of tuples, "
                f"{arg}=(({arr[0, 0]}, {arr[0, 1]}), ({arr[1, 0]}, {arr[1, 1]})); for MATLAB's "
                f"[top, left; bottom, right] matrix write np.array([[{arr[0, 0]}, "
                f"{arr[0, 1]}], [{arr[1, 0]}, {arr[1, 1]}]]).")
        return tuple((int(a), int(b)) for a, b in arr)
    if arr.ndim == 2 and arr.shape == (nd, 2):
        return tuple((int(a), int(b)) for a, b in arr)
    if arr.ndim == 2 and arr.shape == (2, nd):
        return tuple((int(a), int(b)) for a, b in arr.T)  # MATLAB's 2-by-d matrix
    raise _checks.fail(func, arg, f"must be an integer, {nd} integers, {nd} (before, after) "
                       f'pairs, a 2-by-{nd} matrix [before; after] or "same"', repr(value))


def out_sizes(func, sizes, k, s, d, pads, *, what="X"):
    """Output sizes ``floor((n + pad - d(k-1) - 1)/s) + 1``; raise when a window does not fit."""
    out = []
    for i, (n, kk, ss, dd, (pb, pa)) in enumerate(zip(sizes, k, s, d, pads)):
        span = dd * (kk - 1) + 1
        if n + pb + pa < span:
            raise _checks.fail(
                func, "X", f"is too small in window dimension {i} for a window of extent "
                f"{span} (size {kk}, dilation {dd}) with padding ({pb}, {pa})",
                f"size {n} in {what}", "Use a smaller window or more padding.")
        out.append((n + pb + pa - span) // ss + 1)
    return tuple(out)


# ---------------------------------------------------------------- layout


class WindowLayout:
    """Bring an op input to the internal ``(*S, C, M)`` layout and the result back.

    ``win`` lists the canonical axes that the window slides over (S dims, or T for a temporal
    convolution); ``rest`` the remaining non-channel axes that are folded into ``M``.
    """

    __slots__ = ("fmt", "win", "rest", "perm", "shape")

    def __init__(self, func, fmt, shape, *, use_t=False, need_c=True):
        self.fmt = fmt
        win = [i for i, label in enumerate(fmt) if label == "S"]
        if use_t:
            if "T" not in fmt:
                raise _checks.fail(func, "X", "must have a 'T' dimension to convolve over time",
                                   f'format "{fmt}"', "Remove T from weights_format or add a "
                                   "T dimension to X.")
            win.append(fmt.index("T"))
        if not win:
            raise _checks.fail(func, "X", "must have at least one 'S' dimension to slide over",
                               f'format "{fmt}"',
                               'Label the spatial dimensions, for example dlarray(X, "SSCB").')
        if need_c and "C" not in fmt:
            raise _checks.fail(func, "X", "must have a 'C' dimension", f'format "{fmt}"',
                               'Label the channel dimension, for example dlarray(X, "SSCB").')
        c = [fmt.index("C")] if "C" in fmt else []
        self.win = tuple(win)
        self.rest = tuple(i for i in range(len(fmt)) if i not in win and i not in c)
        self.perm = self.win + tuple(c) + self.rest
        self.shape = shape

    @property
    def sizes(self):
        return tuple(self.shape[i] for i in self.win)

    @property
    def channels(self):
        return self.shape[self.fmt.index("C")] if "C" in self.fmt else 1

    def to_internal(self, data):
        if self.perm != tuple(range(len(self.perm))):
            data = anp.transpose(data, self.perm)
        m = math.prod(self.shape[i] for i in self.rest)
        return _reshaped(data, self.sizes + (self.channels, m))

    def from_internal(self, y, win_sizes, channels=None):
        """``y`` is ``(*win_sizes, C', M)``; return it in canonical order with the new sizes."""
        shape = list(self.shape)
        for axis, n in zip(self.win, win_sizes):
            shape[axis] = n
        if channels is not None:
            shape[self.fmt.index("C")] = channels
        permuted = tuple(shape[i] for i in self.perm)
        y = _reshaped(y, permuted)
        if self.perm != tuple(range(len(self.perm))):
            y = anp.transpose(y, tuple(np.argsort(self.perm)))
        return y


def _reshaped(x, shape):
    """``anp.reshape`` unless x already has that shape: a traced no-op reshape still costs a
    tape node and its VJP (for "SSCB" data both layout changes above are no-ops)."""
    return x if np.shape(getval(x)) == shape else anp.reshape(x, shape)


# ---------------------------------------------------------------- gather / scatter


def padded(x, pads, value=0.0):
    """``x`` (*S, C, M) with constant padding on the window dims (a new array)."""
    nd = len(pads)
    if not any(p for pair in pads for p in pair):
        return x
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape[:nd], pads)) + x.shape[nd:]
    out = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    out[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape[:nd], pads))] = x
    return out


def cropped(xp, pads, sizes):
    if not any(p for pair in pads for p in pair) and xp.shape[:len(sizes)] == tuple(sizes):
        return xp
    return np.ascontiguousarray(xp[tuple(slice(a, a + n) for n, (a, _) in zip(sizes, pads))])


def im2col(x, k, s, d, pads, out, groups=1):
    """Window gather: ``x`` (*S, C, M) -> contiguous ``(*out, g, *k, C/g, M)``.

    ``cols[i.., gi, a.., c, m] = x_padded[i*s + a*d, gi*C/g + c, m]``: one strided view, one
    copy. Position-major with (C/g, M) innermost: each window row is a contiguous run of
    C*M values in x, so the copy (and :func:`col2im`'s adds) move long runs, and for every
    output position i the block ``cols[i]`` is one ``(g, K, M)`` stack of matrices, which
    is what the per-position matrix products in ``conv.py`` take.
    """
    nd = len(k)
    cg = x.shape[nd] // groups
    if cg * x.shape[nd + 1] >= _LONG_RUN and any(p for pair in pads for p in pair):
        # Long runs: one copy per tap straight from x and zeros where the tap is in the
        # padding, instead of first building the padded copy of x (two more passes).
        cols = np.empty(tuple(out) + (groups,) + tuple(k) + (cg, x.shape[nd + 1]),
                        dtype=x.dtype)
        xg = x.reshape(x.shape[:nd] + (groups, cg, x.shape[nd + 1]))
        for src, dst in _gather_plan(tuple(k), tuple(s), tuple(d), tuple(pads), tuple(out),
                                     tuple(x.shape[:nd])):
            cols[dst] = 0 if src is None else xg[src]
        return cols
    xp = padded(x, pads)
    st = xp.strides
    cg = xp.shape[nd] // groups
    shape = tuple(out) + (groups,) + tuple(k) + (cg, xp.shape[nd + 1])
    strides = (tuple(st[i] * s[i] for i in range(nd)) + (st[nd] * cg,)
               + tuple(st[i] * d[i] for i in range(nd)) + (st[nd], st[nd + 1]))
    return np.ascontiguousarray(as_strided(xp, shape, strides, writeable=False))


# Window rows of at least this many values (C/g * M) are gathered tap by tap (see im2col):
# measured faster for the DCGAN generator's 64- and 32-channel layers (C*M = 4096, 2048),
# slower for its 1-channel layer (64).
_LONG_RUN = 1024


@functools.lru_cache(maxsize=256)
def _gather_plan(k, s, d, pads, out, sizes):
    """(source index in x or None for zeros, destination index in cols) per window tap:
    the tap's positions inside x, then the slabs of positions where it is in the padding."""
    nd = len(k)
    every = (slice(None),)
    plan = []
    for tap in itertools.product(*[range(kk) for kk in k]):
        inside = _tap_inside(tap, s, d, pads, out, sizes)
        if inside is None:
            plan.append((None, every * (nd + 1) + tap))
            continue
        pos, src = inside
        plan.append((src, pos + every + tap))
        for dim in range(nd):
            for part in (slice(0, pos[dim].start), slice(pos[dim].stop, out[dim])):
                if part.stop > part.start:
                    index = pos[:dim] + (part,) + every * (nd - dim - 1)
                    plan.append((None, index + every + tap))
    return tuple(plan)


def _tap_inside(tap, s, d, pads, out, sizes):
    """(output positions, input slices), one per window dimension, where window tap ``tap``
    lands inside the unpadded input; None when it lands there nowhere."""
    pos, src = [], []
    for a, ss, dd, (pb, _), o, n in zip(tap, s, d, pads, out, sizes):
        i, j = _tap_range(a, ss, dd, pb, o, n)
        if i is None:
            return None
        pos.append(i)
        src.append(j)
    return tuple(pos), tuple(src)


def tap_slices(tap, s, d, out):
    """Slices of the padded input that window tap ``tap`` sees, one per output position."""
    return tuple(slice(a * dd, a * dd + ss * (o - 1) + 1, ss)
                 for a, ss, dd, o in zip(tap, s, d, out))


def _tap_range(a, s, d, pb, o, n):
    """Output positions ``i`` whose tap ``a`` lands inside the unpadded input (size n), and the
    input slice they land on: ``j = i*s + a*d - pb``."""
    lo = max(0, -(-(pb - a * d) // s))
    hi = min(o - 1, (n - 1 + pb - a * d) // s)
    if hi < lo:
        return None, None
    j = lo * s + a * d - pb
    return slice(lo, hi + 1), slice(j, j + (hi - lo) * s + 1, s)


@functools.lru_cache(maxsize=256)
def tap_runs(k, s, d, pads, out, sizes, *, min_saving=0.15, max_classes=64):
    """Per window dimension, runs ``(i0, i1, a0, a1)``: output positions i0..i1-1 see the taps
    a0..a1-1 inside the unpadded input (size ``sizes``), the others fall into the padding.

    None when skipping the padding would save less than ``min_saving`` of the products, or
    would split them into more than ``max_classes`` classes of positions: the border classes
    take several small matrix products each. Measured: LeNet's "same" 5x5 and 3x3
    convolutions (8-9% saved) ran slower, the DCGAN generator's 8x8 -> 16x16 layer (12%)
    broke even, its 4x4 -> 8x8 layer (23%) ran 10-20% faster. Cached: a pure function of
    the (tuple) shapes, asked again at every call.
    """
    runs, valid, classes = [], 1.0, 1
    for kk, ss, dd, (pb, _), o, n in zip(k, s, d, pads, out, sizes):
        dim, count = [], 0
        for i in range(o):
            lo = max(0, -(-(pb - i * ss) // dd))
            hi = min(kk, (n - 1 + pb - i * ss) // dd + 1)
            lo, hi = (lo, hi) if hi > lo else (0, 0)
            count += hi - lo
            if dim and dim[-1][2:] == [lo, hi]:
                dim[-1][1] = i + 1
            else:
                dim.append([i, i + 1, lo, hi])
        runs.append(tuple(tuple(r) for r in dim))
        valid *= count / (o * kk)
        classes *= len(dim)
    if 1.0 - valid < min_saving or classes > max_classes:
        return None
    return tuple(runs)


def col2im(cols, k, s, d, pads, out, xshape, bias=None):
    """Adjoint of :func:`im2col`: scatter-add ``cols`` (*out, g, *k, C/g, M) into ``xshape``.

    One strided add per window tap, straight into the unpadded result (taps that fall in the
    padding are clipped away), each moving runs of C*M contiguous values. With ``bias`` (C
    values) the result starts from the bias instead of zeros, which saves a separate pass
    (and array) for a transposed convolution's bias.
    """
    nd = len(k)
    groups, cg = cols.shape[nd], cols.shape[-2]
    xshape = tuple(xshape)
    if bias is None:
        x = np.zeros(xshape, dtype=cols.dtype)
    else:
        x = np.empty(xshape, dtype=np.result_type(cols, bias))
        c, m = xshape[nd], xshape[nd + 1]
        x.reshape(-1, c * m)[...] = np.repeat(np.reshape(bias, -1), m)
    xg = x.reshape(xshape[:nd] + (groups, cg, xshape[nd + 1]))
    for dst, src in _scatter_plan(tuple(k), tuple(s), tuple(d), tuple(pads), tuple(out),
                                  xshape[:nd]):
        xg[dst] += cols[src]
    return x


@functools.lru_cache(maxsize=256)
def _scatter_plan(k, s, d, pads, out, sizes):
    """(destination index in x, source index in cols) per window tap that lands in x.

    A pure function of the shapes, cached: building the slices took as long as the adds
    themselves on small layers (the DCGAN generator's 16 taps per layer, every step).
    """
    plan = []
    for tap in itertools.product(*[range(kk) for kk in k]):
        inside = _tap_inside(tap, s, d, pads, out, sizes)
        if inside is not None:
            pos, dst = inside
            plan.append((dst, pos + (slice(None),) + tap))
    return tuple(plan)


def vector(func, arg, value, n, dtype=None):
    """A learnable vector (bias, offset, scale, statistic) with ``n`` elements, as data.

    Untraced values are cast to ``dtype`` (the input's), so float32 data stays float32.
    """
    V = _checks.as_array_input(func, arg, value)
    data = V._data
    size = int(np.size(getval(data)))
    if size != n:
        raise _checks.fail(func, arg, f"must have {n} elements (one per channel)",
                           f"shape {np.shape(getval(data))}", f"Use shape ({n}, 1).")
    if dtype is not None and isinstance(data, np.ndarray) and data.dtype != dtype:
        data = data.astype(dtype)
    return data
