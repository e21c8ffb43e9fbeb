"""Plain-NumPy statistics and the closed-form backward pass of the normalization ops.

Everything here works on untraced arrays (``normalization.py`` holds the differentiable
wrappers). The statistics are taken over ``axes``; when the kept axes are adjacent, x is
viewed as ``(P, K, M)`` (K statistics) without a copy, and per-statistic values are applied
as one materialised row of K*M elements: NumPy's inner loop then runs over K*M contiguous
elements instead of M elements against a stride-0 operand, 2-3x faster in batchnorm's
(S, C, B) layout.
"""

import math

import numpy as np

from .._autograd import getval
from ..core._where import sum_to_shape


def _shape(x):
    return np.shape(getval(x))


def _kept_block(shape, axes):
    """(P, K) when the kept axes are adjacent (so x reshapes to (P, K, M) for free), else None."""
    kept = [i for i in range(len(shape)) if i not in axes]
    if kept and kept == list(range(kept[0], kept[-1] + 1)):
        # math.prod on the int shape: np.prod costs a few microseconds per call, and the
        # statistics ask for these sizes several times per batchnorm call and its VJP
        return (math.prod(shape[:kept[0]]), math.prod(shape[kept[0]:kept[-1] + 1]))
    return None


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _sum_keep(v, axes, w=None):
    """Plain NumPy ``sum(v * w)`` (or ``sum(v)``) over ``axes`` with keepdims, no temporaries
    when the kept axes are adjacent (one einsum pass)."""
    block = _kept_block(v.shape, axes)
    if block is None:
        return np.sum(v if w is None else v * w, axis=axes, keepdims=True)
    v3 = v.reshape(block + (-1,))
    total = np.einsum("pkm->k", v3) if w is None else \
        np.einsum("pkm,pkm->k", v3, w.reshape(block + (-1,)))
    return total.reshape(_keep_shape(v.shape, axes))


def _rows(x, axes):
    """``(x2, k, m)`` with ``x2 = x`` reshaped to ``(P, K*M)`` when the kept axes are adjacent
    (the statistic of column j is j // M), else None.

    Per-statistic values are then applied as one materialised row of K*M elements instead of
    a (1, K, 1) broadcast: NumPy's inner loop runs over K*M contiguous elements, not over M
    elements with a stride-0 operand. In batchnorm's (S, C, B) layout that is 2-3x faster.
    """
    block = _kept_block(x.shape, axes)
    if block is None:
        return None
    p, k = block
    m = x.size // (p * k) if p * k else 0
    return np.reshape(x, (p, k * m)), k, m


def _per_stat(total, k, m):
    """Column sums (K*M,) -> per-statistic sums (K,)."""
    return total.reshape(k, m).sum(axis=1)


def _row(v, m, dtype):
    """Per-statistic values (any shape with K elements) -> the (K*M,) row to broadcast."""
    return np.repeat(np.reshape(v, -1).astype(dtype, copy=False), m)


def _stats(x, axes, epsilon):
    """Plain NumPy: (mean, 1/sqrt(var + eps), biased var), each keepdims over ``axes``."""
    n = math.prod(x.shape[i] for i in axes)
    rows = _rows(x, axes)
    if rows is None:
        mu = (_sum_keep(x, axes) / n).astype(x.dtype, copy=False)
        d = x - mu
        var = _sum_keep(d, axes, d) / n
    else:
        # Two passes (mean, then the centred sum of squares), stable for any offset.
        x2, k, m = rows
        keep = _keep_shape(x.shape, axes)
        mu = (_per_stat(np.add.reduce(x2, axis=0), k, m) / n).astype(x.dtype, copy=False)
        d = x2 - _row(mu, m, x.dtype)
        var = (_per_stat(np.einsum("pj,pj->j", d, d), k, m) / n).reshape(keep)
        mu = mu.reshape(keep)
    inv = 1.0 / np.sqrt(var + epsilon)
    return mu, inv.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


def _fast_vjp(argnums, g, x, gamma, beta, axes, stats):
    """Plain NumPy closed form with the forward's statistics; few passes over x."""
    mu, inv = stats
    n = math.prod(x.shape[i] for i in axes)
    per_stat = all(np.shape(gamma)[i] == 1 for i in axes)  # gamma constant within a group
    rows = _rows(x, axes) if per_stat and np.shape(gamma) == np.shape(mu) else None
    if rows is not None:
        return _fast_vjp_rows(argnums, g, x, gamma, beta, rows, mu, inv, n)
    xhat = x - mu
    xhat *= inv
    grads = {}
    if per_stat:
        sg = _sum_keep(g, axes)
        sgx = _sum_keep(g, axes, xhat)
        grads[1] = sum_to_shape(sgx, np.shape(gamma))
        grads[2] = sum_to_shape(sg, np.shape(beta))
        if 0 in argnums:
            a = gamma * inv
            # dx = a * (g - mean(g) - xhat * mean(g * xhat)), three passes into xhat's buffer
            np.multiply(xhat, -a * sgx / n, out=xhat)
            xhat += -a * sg / n
            xhat += g * a
            grads[0] = xhat
        return grads
    gx = g * xhat
    grads[1] = sum_to_shape(gx, np.shape(gamma))
    grads[2] = sum_to_shape(g, np.shape(beta))
    if 0 in argnums:
        dxhat = g * gamma
        m1 = _sum_keep(dxhat, axes) / n
        np.multiply(dxhat, xhat, out=gx)
        m2 = _sum_keep(gx, axes) / n
        np.multiply(xhat, m2, out=gx)
        dxhat -= m1
        dxhat -= gx
        dxhat *= inv
        grads[0] = dxhat
    return grads


def _fast_vjp_rows(argnums, g, x, gamma, beta, rows, mu, inv, n):
    """:func:`_fast_vjp` for one gamma per statistic and adjacent kept axes, on (P, K*M) rows.

    dx = a (g - mean(g) - xhat mean(g xhat)) with a = gamma * inv is computed as
    ``a g + c1 (x - mu) + c0`` (c1, c0 per statistic): two reductions and four passes.
    """
    x2, k, m = rows
    dtype = x.dtype
    g2 = np.reshape(g, x2.shape)
    d = x2 - _row(mu, m, dtype)
    sg = _per_stat(np.add.reduce(g2, axis=0), k, m)
    sgx = _per_stat(np.einsum("pj,pj->j", g2, d), k, m) * np.reshape(inv, -1)
    grads = {1: sgx.reshape(np.shape(gamma)).astype(np.result_type(gamma), copy=False),
             2: sg.reshape(np.shape(beta)).astype(np.result_type(beta), copy=False)}
    if 0 in argnums:
        a = np.reshape(gamma * inv, -1)
        np.multiply(d, _row(-a * np.reshape(inv, -1) * sgx / n, m, dtype), out=d)
        d += _row(-a * sg / n, m, dtype)
        d += g2 * _row(a, m, dtype)
        grads[0] = d.reshape(x.shape)
    return grads
