"""Plain-NumPy matrix products of the convolutions (the primitives are in ``conv.py``).

Layouts: y is ``(*S', F, M)`` (the data's own layout) and the window matrix cols is
``(*S', g, *k, C/g, M)`` (see ``_windows.im2col``). The products work per output position p:
``cols[p]`` is a ``(g, K, M)`` stack (K = prod(k) * C/g) and ``y[p] = w cols[p]`` is
``(g, F/g, M)``, so neither side is transposed. NumPy's matmul runs one BLAS call per
(position, group) with M columns; for the course's CNNs (M = batch >= 32) that is as fast as
one big product.

Skipping the padding: near the border some window taps fall into the zero padding (for a
transposed convolution, into the cropped border), and their rows of cols are zero. ``runs``
(from ``_windows.tap_runs``) splits the positions, per window dimension, into runs that see
the same range of taps; each product then takes only the taps in range (used where that
saves at least 15% of the multiply-adds, e.g. 23% on the benchmark DCGAN generator's
4x4 -> 8x8 layer with "same" cropping). The products with ``runs`` are the masked operators
(taps out of range count as zero), so they stay each other's adjoints; ``cols`` written by
:func:`wtmul` is zero there.
"""

import functools
import itertools
import math

import numpy as np


# The weight gradient sums cols[p] y[p]^T over the positions p in chunks of positions, so the
# per-position products (chunk, g, K, F/g) stay in cache instead of being one array of
# (P, g, K, F/g) values. 1 MiB measured best on the benchmark shapes (again after the products
# were transposed: 256 KiB and 4 MiB ran the same).
_WGRAD_CHUNK_BYTES = 1 << 20


class _Geometry:
    """Shapes of one call, views of w, y and cols, and the classes of positions."""

    def __init__(self, cols_shape, nd, groups, fg, runs):
        self.nd = nd
        self.out = tuple(cols_shape[:nd])
        self.k = tuple(cols_shape[nd + 1:2 * nd + 1])
        self.g, self.fg = groups, fg
        self.cg, self.m = cols_shape[-2], cols_shape[-1]
        self.runs = runs

    def y4(self, y):
        return np.reshape(y, self.out + (self.g, self.fg, self.m))

    def _tail(self, j):
        return math.prod(self.k[j:]) * self.cg

    def w_at(self, w, j):
        """w (g, F/g, K) with the taps of dims < j as axes, the rest (and C/g) as one."""
        return np.reshape(w, (self.g, self.fg) + self.k[:j] + (self._tail(j),))

    def cols_at(self, cols, j):
        return np.reshape(cols, self.out + (self.g,) + self.k[:j] + (self._tail(j), self.m))

    def classes(self):
        """Yield (position slices, j, lead, last) per class of positions, or j None when its
        windows see only padding. The taps in range are ``lead`` (index tuples over the
        window dims < j, looped over) times ``last`` (a slice of dim j merged with the
        later dims and C/g, whose taps are all in range, so the slice is contiguous)."""
        return _classes(self.out, self.k, self.cg, self.runs)


@functools.lru_cache(maxsize=256)
def _classes(out, k, cg, runs):
    """:meth:`_Geometry.classes` as a tuple: a pure function of the shapes, cached, because
    building it took a tenth of the small layers' products on every call."""
    def tail(j):
        return math.prod(k[j:]) * cg

    combos = [tuple((0, n, 0, kk) for n, kk in zip(out, k))] \
        if runs is None else itertools.product(*runs)
    found = []
    for combo in combos:
        pos = tuple(slice(i0, i1) for i0, i1, _, _ in combo)
        taps = [(a0, a1) for _, _, a0, a1 in combo]
        if any(a1 <= a0 for a0, a1 in taps):
            found.append((pos, None, None, None))
            continue
        partial = [i for i, (t, kk) in enumerate(zip(taps, k)) if t != (0, kk)]
        j = partial[-1] if partial else 0
        last = slice(taps[j][0] * tail(j + 1), taps[j][1] * tail(j + 1))
        lead = tuple(itertools.product(*[range(a0, a1) for a0, a1 in taps[:j]]))
        found.append((pos, j, lead, last))
    return tuple(found)


def as_geometry(cols_shape, nd, groups, fg, runs):
    return _Geometry(tuple(cols_shape), nd, groups, fg, runs)


_ALL = slice(None)


def wmul(w, cols, geo):
    """``y[p] = w cols[p]`` per group -> y (*S', F, M)."""
    y = np.empty(geo.out + (geo.g * geo.fg, geo.m), dtype=np.result_type(w, cols))
    y4 = geo.y4(y)
    for pos, j, lead, last in geo.classes():
        if j is None:
            y4[pos] = 0
            continue
        wj, cj = geo.w_at(w, j), geo.cols_at(cols, j)
        for n, idx in enumerate(lead):
            a, c = wj[(_ALL, _ALL) + idx + (last,)], cj[pos + (_ALL,) + idx + (last,)]
            if n:
                y4[pos] += np.matmul(a, c)
            else:
                np.matmul(a, c, out=y4[pos])
    return y


def wtmul(w, y, geo, cols_shape, zero_outside=True):
    """``cols[p] = w^T y[p]`` per group -> cols (zero at the taps out of range).

    ``zero_outside=False`` leaves the taps out of range unwritten, for a caller that reads
    only the taps in range (the scatter of a transposed convolution).
    """
    cols = np.empty(cols_shape, dtype=np.result_type(w, y))
    y4 = geo.y4(y)
    for pos, j, lead, last in geo.classes():
        if zero_outside and (j is None or len(lead) > 1 or last != slice(0, geo._tail(0))):
            geo.cols_at(cols, 0)[pos] = 0
        if j is None:
            continue
        taps = (tuple(slice(i[0], i[-1] + 1) for i in zip(*lead)) if j else ()) + (last,)
        wsub = np.moveaxis(geo.w_at(w, j)[(_ALL, _ALL) + taps], 1, -1)
        ysub = y4[pos + (_ALL,) + (None,) * j]
        np.matmul(wsub, ysub, out=geo.cols_at(cols, j)[pos + (_ALL,) + taps])
    return cols


def wgrad(y, cols, geo):
    """``sum_p y[p] cols[p]^T`` per group -> (g, F/g, K).

    Computed transposed, as ``sum_p cols[p] y[p]^T`` (g, K, F/g), then transposed once (a
    copy of the small result): BLAS takes the window block cols[p] (K, M) as it is stored
    instead of reading it transposed, measured 25-30% faster per product at 1 thread on the
    benchmark shapes (LeNet's 3x3x20 layer 3.3 -> 2.3 ms, the DCGAN generator's 8x8 layer
    2.1 -> 1.6 ms), and its K rows split better over 2 BLAS threads.
    """
    dtype = np.result_type(y, cols)
    y4 = geo.y4(y)
    total = np.zeros((geo.g, geo._tail(0), geo.fg), dtype=dtype)
    for pos, j, lead, last in geo.classes():
        if j is None:
            continue
        tj = np.reshape(total, (geo.g,) + geo.k[:j] + (geo._tail(j), geo.fg))
        cj = geo.cols_at(cols, j)
        rows = range(geo.out[0])[pos[0]]
        rest = math.prod(len(range(n)[p]) for n, p in zip(geo.out[1:], pos[1:]))
        width = geo.g * geo.fg * (last.stop - last.start)
        step = max(1, _WGRAD_CHUNK_BYTES // max(1, rest * width * total.itemsize))
        for idx in lead:
            acc = tj[(_ALL,) + idx + (last, _ALL)]
            for i in range(rows.start, rows.stop, step):
                sub = (slice(i, min(i + step, rows.stop)),) + pos[1:]
                c = cj[sub + (_ALL,) + idx + (last,)]
                prod = np.matmul(c, np.swapaxes(y4[sub], -1, -2))
                prod = prod.reshape((-1,) + prod.shape[geo.nd:])
                # one position: its product is the sum (no reduction, no copy)
                acc += prod[0] if len(prod) == 1 else np.add.reduce(prod, axis=0)
    return np.ascontiguousarray(np.swapaxes(total, 1, 2))


def add_bias(y, b, nd):
    """y (*S', F, M) += b (F, 1) in place, as one materialised (F*M) row."""
    f, m = y.shape[nd], y.shape[nd + 1]
    rows = y.reshape(-1, f * m)
    rows += np.repeat(np.reshape(b, -1).astype(y.dtype, copy=False), m)


def bias_grad(g, nd, bshape):
    f, m = g.shape[nd], g.shape[nd + 1]
    cols = np.add.reduce(np.reshape(g, (-1, f * m)), axis=0)
    return cols.reshape(f, m).sum(axis=1).reshape(bshape)
