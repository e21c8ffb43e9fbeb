"""ctc: the connectionist temporal classification loss.

The forward (alpha) and backward (beta) recursions run over the label sequence extended with
blanks, vectorised over the batch: one Python step per time step, never one per observation.
They run on probabilities when that is provably exact (no value can underflow) and in log
space otherwise. The gradient with respect to the probabilities is computed from alpha and
beta in a hand-written VJP.
"""

import autograd.numpy as anp
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._autograd import defvjp_argnums, getval, isbox
from .. import _checks
from ..core import dlarray
from ._prims import primitive
from ._registry import Case, OpRecord, register
from .embedding import indices

__all__ = ["ctc"]


def _raw(x):
    while isbox(x):
        x = x._value
    return np.asarray(x)


def _mask(func, arg, value, shape):
    M = _checks.as_array_input(func, arg, value)
    m = _raw(M._data)
    if M.fmt and "C" in M.fmt:
        if m.shape[M.fmt.index("C")] != 1:
            raise _checks.fail(func, arg, "must have a C dimension of size 1 (or none)",
                               f"shape {m.shape}")
        m = np.squeeze(m, axis=M.fmt.index("C"))
    if m.shape != shape:
        raise _checks.fail(func, arg, f"must have shape (N, {'T' if arg == 'Y_mask' else 'S'}) "
                           f"= {shape}", f"shape {m.shape}",
                           "Masks are 'BT' arrays: True (1) for entries to include.")
    if m.dtype.kind not in "biuf" or not np.all((m == 0) | (m == 1)):
        raise _checks.fail(func, arg, "must hold logical values (True/False or 1/0)",
                           f"dtype {m.dtype}")
    return m.astype(bool)


class _CTCCache:
    __slots__ = ("order", "lp", "ext", "skip", "alpha", "beta", "logp", "Tn", "Sn", "Yc",
                 "nll", "log_space")


# Two ways to run the recursions, with the same results. On probabilities (float64), a step is
# a weighted sum of three neighbours on an (N, 2S+1) array (one or four NumPy calls); in log
# space it takes two logaddexp calls (an exp and a log1p per element, which NumPy does not
# vectorise) and more: measured 0.44x the time of the log-space version for a whole training
# step of the benchmark (T = 40, N = 32, S <= 6). Probabilities are exact when nothing
# underflows: a positive alpha (or beta) at step t is at least ymin^(t+1) (one path whose
# every y is at least the smallest positive y of the target's labels) and at most 3^t (at most
# 3^t paths, each at most 1), and a positive product alpha * beta at least ymin^(T+1); so
# when (T + 1) log(3 / ymin) stays below 700, every value lies within float64's normal range
# (exp(-708) to exp(709)). Otherwise (long sequences, very confident or very wrong
# predictions) the log-space recursions run.
_LINEAR_LIMIT = 700.0


def _linear_is_exact(yext, T):
    ymin = float(np.min(yext, where=yext > 0, initial=1.0))
    return (T + 1) * np.log(3.0 / ymin) < _LINEAR_LIMIT


def _end_aligned(yext, Tn):
    """yext re-indexed so every observation's steps end at T - 1 (u = t + T - Tn); the steps
    before an observation's start carry y = 1 (harmless: beta there is never used)."""
    T, N = yext.shape[:2]
    t_of_u = np.arange(T)[:, None] - (T - Tn)[None, :]
    yr = yext[np.clip(t_of_u, 0, T - 1), np.arange(N)]
    yr[t_of_u < 0] = 1.0
    return yr


_vecdot = getattr(np, "vecdot", None)  # NumPy >= 2.0


def _recursion(pad, y, skip):
    """Fill pad[t, :, 2:] = (pad[t-1] at s, s - 1, and s - 2 where skip allows) * y[t], t >= 1.

    pad (T, M, L + 2) has two leading zero columns, so the neighbours are plain views. The loop
    is call overhead (a few us per step): with ``np.vecdot`` a step is one call, the dot product
    of the three neighbours (a strided view) with the weights (y, y, skip * y)."""
    T, M, L2 = pad.shape
    same = pad[:, :, 2:]
    if _vecdot is not None:
        weights = np.empty((T, M, L2 - 2, 3))
        weights[..., 0] = y
        weights[..., 1] = y
        np.multiply(y, skip, out=weights[..., 2])
        st = pad.strides
        near = as_strided(same, shape=(T, M, L2 - 2, 3), strides=st + (-st[2],),
                          writeable=False)  # near[t, m, s, j] = pad[t, m, 2 + s - j]
        for t in range(1, T):
            _vecdot(near[t - 1], weights[t], out=same[t])
        return
    tmp = np.empty((M, L2 - 2))
    prev, prev2 = pad[:, :, 1:-1], pad[:, :, :-2]  # s - 1, s - 2
    add, multiply = np.add, np.multiply
    for t in range(1, T):
        cur = same[t]
        add(same[t - 1], prev[t - 1], out=cur)
        multiply(prev2[t - 1], skip, out=tmp)
        add(cur, tmp, out=cur)
        multiply(cur, y[t], out=cur)


def _beta_start(pad, rows, yr, Sn):
    """Beta at the last (end-aligned) step in the reversed positions r = L - 1 - s of pad[0]
    (rows ``rows``): y of the last label and of the blank after it."""
    T, L = yr.shape[0], yr.shape[2]
    n = np.arange(yr.shape[1])
    has = Sn > 0
    pad[0, rows, 2 + L - 1 - 2 * Sn] = yr[T - 1, n, 2 * Sn]
    pad[0, rows[has], 2 + L - 2 * Sn[has]] = yr[T - 1, n[has], 2 * Sn[has] - 1]


def _reversed_skip(skip):
    """skip in reversed positions: r -> r - 2 there is s -> s + 2, allowed where skip[s + 2]."""
    out = np.zeros_like(skip)
    out[:, 2:] = skip[:, :1:-1]
    return out


def _ctc_forward(Y, targets, ymask, tmask, blank, with_beta=False):
    """Y (C, N, T) raw probabilities; returns a cache holding the per-observation loss.

    With ``with_beta`` (a gradient will be asked for) the beta recursion runs in the same
    loop as alpha's, on the label sequence and the time steps reversed, stacked below alpha's
    rows: one set of calls per step serves both."""
    C, N, T = Y.shape
    dtype = Y.dtype
    Tn = ymask.sum(axis=1)
    Sn = tmask.sum(axis=1)
    # Masked-in entries, moved to the front of each row in order (any mask pattern works).
    full = bool(ymask.all())  # the common case: every step of every observation
    order = None if full else np.argsort(~ymask, axis=1, kind="stable")  # (N, T)
    Yc = np.transpose(Y, (2, 1, 0))  # (T, N, C)
    if not full:
        Yc = Yc[order.T, np.arange(N)]
    t_order = np.argsort(~tmask, axis=1, kind="stable")
    tc = np.take_along_axis(targets, t_order, axis=1)
    S = targets.shape[1]
    tc = np.where(np.arange(S)[None, :] < Sn[:, None], tc, blank)
    L = 2 * S + 1
    ext = np.full((N, L), blank, dtype=np.int64)
    ext[:, 1::2] = tc
    skip = np.zeros((N, L))
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    rows = np.arange(N)
    # y of each extended label, (T, N, L); steps past an observation's end carry 1, so the
    # recursion runs on over them harmlessly (each multiplies by at most 3, as a step does)
    # and every row can share one loop.
    yext = Yc.astype(np.float64)[:, rows[:, None], ext]
    if not full:
        yext[np.arange(T)[:, None] >= Tn[None, :]] = 1.0
    if not _linear_is_exact(yext, T):
        return _ctc_forward_log(Y, targets, ymask, tmask, blank)
    pad = np.zeros((T, 2 * N if with_beta else N, L + 2))
    pad[0, :N, 2:4] = yext[0, :, :2]
    y, skip2 = yext, skip
    if with_beta:
        # Row N + n holds beta of observation n at step T - 1 - k in reversed position L-1-s.
        yr = yext if full else _end_aligned(yext, Tn)
        y = np.concatenate([yext, yr[::-1, :, ::-1]], axis=1)
        skip2 = np.concatenate([skip, _reversed_skip(skip)])
        _beta_start(pad, N + rows, yr, Sn)
    _recursion(pad, y, skip2)
    last = pad[Tn - 1, rows, 2:]
    end = last[rows, 2 * Sn] + np.where(Sn > 0, last[rows, np.maximum(2 * Sn - 1, 0)], 0)
    with np.errstate(divide="ignore"):
        logp = np.log(end)
    cache = _CTCCache()
    cache.order, cache.ext, cache.skip, cache.alpha = order, ext, skip, pad[:, :N, 2:]
    # beta by end-aligned step u: reverse the steps and the positions back.
    cache.beta = pad[::-1, N:, :1:-1] if with_beta else None
    cache.logp, cache.Tn, cache.Sn, cache.Yc = logp, Tn, Sn, Yc
    cache.log_space = False
    cache.nll = (-logp).astype(dtype)
    return cache


def _ctc_backward(cache, g, C):
    if cache.log_space:
        return _ctc_backward_log(cache, g, C)
    ext, alpha, logp, Tn, Yc = cache.ext, cache.alpha, cache.logp, cache.Tn, cache.Yc
    T, N = alpha.shape[:2]
    rows = np.arange(N)
    full = cache.order is None
    beta = cache.beta  # (T, N, L) by end-aligned step u = t + T - Tn; Y was traced
    # dL/dy = -(posterior occupation) / y = -alpha * beta / (p y^2), alpha and beta both
    # holding y. The factor -g / p per observation is applied to alpha * beta first (zero for
    # an impossible target, p = 0); the steps past an observation's end get zero.
    with np.errstate(divide="ignore"):
        factor = np.where(logp > -np.inf, -np.asarray(g, dtype=np.float64) / np.exp(logp), 0.0)
    if full:
        occ = alpha * beta
        occ *= factor[:, None]
    else:
        uc = np.minimum(np.arange(T)[:, None] + (T - Tn)[None, :], T - 1)
        occ = alpha * beta[uc, rows]  # beta on real steps
        occ *= np.where(np.arange(T)[:, None] < Tn[None, :], factor[None, :], 0.0)[:, :, None]
    onehot = (ext[:, :, None] == np.arange(C)[None, None, :]).astype(np.float64)
    # Sum over the states of each class: (N, T, L) @ (N, L, C).
    gamma = np.transpose(np.matmul(np.transpose(occ, (1, 0, 2)), onehot), (1, 0, 2))
    ysq = np.square(Yc, dtype=np.float64)
    dYc = np.zeros(Yc.shape, dtype=Yc.dtype)
    np.divide(gamma, ysq, out=dYc, where=ysq > 0, casting="same_kind")
    if full:
        dY = dYc
    else:
        dY = np.empty_like(dYc)
        dY[cache.order.T, rows] = dYc
    return np.transpose(dY, (2, 1, 0))


def _ctc_forward_log(Y, targets, ymask, tmask, blank):
    """Y (C, N, T) raw probabilities; returns a cache holding the per-observation loss."""
    C, N, T = Y.shape
    dtype = Y.dtype
    Tn = ymask.sum(axis=1)
    Sn = tmask.sum(axis=1)
    # Masked-in entries, moved to the front of each row in order (any mask pattern works).
    order = np.argsort(~ymask, axis=1, kind="stable")  # (N, T)
    Yc = np.transpose(Y, (2, 1, 0))[order.T, np.arange(N)]  # (T, N, C)
    t_order = np.argsort(~tmask, axis=1, kind="stable")
    tc = np.take_along_axis(targets, t_order, axis=1)
    S = targets.shape[1]
    tc = np.where(np.arange(S)[None, :] < Sn[:, None], tc, blank)
    L = 2 * S + 1
    ext = np.full((N, L), blank, dtype=np.int64)
    ext[:, 1::2] = tc
    skip = np.zeros((N, L), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    with np.errstate(divide="ignore"):
        logY = np.log(Yc)
    lp = np.take_along_axis(logY, np.broadcast_to(ext[None], (T, N, L)), axis=2)
    # alpha with two leading -inf columns, so the s-1 and s-2 neighbours are plain views.
    pad = np.full((T, N, L + 2), -np.inf, dtype=dtype)
    skip_add = np.where(skip, 0.0, -np.inf).astype(dtype)
    pad[0, :, 2] = lp[0, :, 0]
    if L > 1:
        pad[0, :, 3] = lp[0, :, 1]
    active = (np.arange(T)[:, None] < Tn[None, :])[:, :, None]  # (T, N, 1)
    buf = np.empty((N, L), dtype=dtype)
    for t in range(1, T):
        a = pad[t - 1]
        np.logaddexp(a[:, 2:], a[:, 1:-1], out=buf)
        np.logaddexp(buf, a[:, :-2] + skip_add, out=buf)
        buf += lp[t]
        np.copyto(pad[t, :, 2:], np.where(active[t], buf, a[:, 2:]))
    alpha = pad[:, :, 2:]
    last = alpha[T - 1]
    rows = np.arange(N)
    end = last[rows, 2 * Sn]
    before = np.where(Sn > 0, last[rows, np.maximum(2 * Sn - 1, 0)], -np.inf)
    logp = np.logaddexp(end, before)
    cache = _CTCCache()
    cache.order, cache.lp, cache.ext, cache.skip, cache.alpha = order, lp, ext, skip, alpha
    cache.logp, cache.Tn, cache.Sn, cache.Yc, cache.log_space = logp, Tn, Sn, Yc, True
    cache.nll = (-logp).astype(dtype)
    return cache


def _ctc_backward_log(cache, g, C):
    lp, ext, skip, alpha, logp, Tn, Sn, Yc = (cache.lp, cache.ext, cache.skip, cache.alpha,
                                               cache.logp, cache.Tn, cache.Sn, cache.Yc)
    T, N, L = lp.shape
    rows = np.arange(N)
    # beta with two trailing -inf columns, so the s+1 and s+2 neighbours are plain views.
    pad = np.full((T, N, L + 2), -np.inf, dtype=lp.dtype)
    skip_up = np.full((N, L), -np.inf, dtype=lp.dtype)  # 0 where s -> s + 2 is allowed
    skip_up[:, :-2] = np.where(skip[:, 2:], 0.0, -np.inf)
    # Each observation starts at its own last step, in its last two extended positions.
    last = Tn - 1
    start = np.full((N, L), -np.inf, dtype=lp.dtype)
    start[rows, 2 * Sn] = lp[last, rows, 2 * Sn]
    has = Sn > 0
    start[rows[has], 2 * Sn[has] - 1] = lp[last[has], rows[has], 2 * Sn[has] - 1]
    buf = np.empty((N, L), dtype=lp.dtype)
    for t in range(T - 1, -1, -1):
        b = pad[t + 1] if t + 1 < T else pad[t]
        np.logaddexp(b[:, :-2], b[:, 1:-1], out=buf)
        np.logaddexp(buf, b[:, 2:] + skip_up, out=buf)
        buf += lp[t]
        np.copyto(pad[t, :, :-2], np.where((t == last)[:, None], start,
                                           np.where((t < last)[:, None], buf, -np.inf)))
    beta = pad[:, :, :-2]
    finite = np.isfinite(logp)
    with np.errstate(invalid="ignore"):
        occ = np.exp(alpha + beta - np.where(finite, logp, 0.0)[None, :, None])
    occ = np.where(finite[None, :, None], occ, 0.0)
    onehot = (ext[:, :, None] == np.arange(C)[None, None, :]).astype(lp.dtype)
    gamma = np.einsum("tnl,nlc->tnc", occ, onehot)  # = y * posterior occupation
    with np.errstate(divide="ignore", invalid="ignore"):
        dYc = np.where(Yc > 0, -gamma / (Yc * Yc), 0.0) * np.asarray(g)[None, :, None]
    dY = np.empty_like(dYc)
    dY[cache.order.T, rows] = dYc
    return np.transpose(dY, (2, 1, 0)).astype(Yc.dtype, copy=False)


@primitive
def _ctc_core(Y, cache):
    return cache.nll


def _ctc_vjp(argnums, ans, args, kwargs):
    Y, cache = args

    def vjp(g):
        if isbox(g) or isbox(Y):
            raise RuntimeError(
                "ctc: higher derivatives are not supported through ctc; MATLAB does not "
                "support them either. Call dlgradient without enable_higher_derivatives=True "
                "for losses that include ctc.")
        return (_ctc_backward(cache, g, np.shape(Y)[0]),)

    return vjp


defvjp_argnums(_ctc_core, _ctc_vjp)


def ctc(Y, targets, Y_mask, target_mask, *, blank_index=0, reduction="mean",
        data_format=None):
    """Compute the connectionist temporal classification (CTC) loss.

    For each observation, the loss is ``-log p(target | Y)``, where p sums the probabilities
    of every alignment (a class per time step, with blanks and repeats) that collapses to the
    target after merging repeats and removing blanks. ``reduction="mean"`` averages the
    per-observation losses over the batch; ``"sum"`` adds them.

    .. math::
        \\mathcal{L} = -\\frac{1}{N}\\sum_n \\log \\sum_{\\pi \\in \\mathcal{B}^{-1}(l_n)}
        \\prod_t Y_{\\pi_t, n, t}

    Parameters
    ----------
    Y : dlarray, format "CBT" shape (C, N, T)
        Class probabilities per time step (apply softmax first); C includes the blank. An
        unformatted Y is taken to be in "CBT" order.
    targets : integer array or dlarray, "BT" shape (N, S)
        0-based class indices; entries outside ``target_mask`` are ignored.
    Y_mask : logical array or dlarray, "BT" shape (N, T)
        True for the time steps of Y to include.
    target_mask : logical array or dlarray, "BT" shape (N, S)
        True for the target entries to include.
    blank_index : int, default 0
        0-based index of the blank class in C.
    reduction : {"mean", "sum"}, default "mean"
    data_format : str, optional
        Format of an unformatted ``Y``, a permutation of "CBT" such as ``"TBC"`` (MATLAB's
        ``DataFormat``). Without it an unformatted Y is read as (C, N, T). The masks and
        targets keep their (N, T) and (N, S) layouts.

    Returns
    -------
    loss : dlarray, unformatted scalar

    Raises
    ------
    ValueError
        Masks of the wrong shape; targets out of range or equal to the blank; a target that
        cannot fit the input length (its labels plus one blank between each pair of equal
        neighbours need more time steps than Y_mask includes); an observation without time
        steps; an unknown reduction.
    TypeError
        Targets not holding integers.
    RuntimeError
        When asked for higher derivatives through ctc.

    Notes
    -----
    Masks may select any entries; the selected entries are taken in order. The recursions run
    in log space, so long sequences do not underflow. If Y gives the target zero probability
    the loss is ``inf`` and that observation's gradient is set to zero. Cost O(T · N · S).

    MATLAB compatibility
    --------------------
    ``loss = ctc(Y, targets, YMask, targetsMask, BlankIndex=i, Reduction=r, DataFormat=f)``
    (``DataFormat`` is ``data_format``; MATLAB requires it for unformatted Y, here "CBT" is
    the default reading): the blank
    index is 0-based here (MATLAB's default 1 is 0 here), and so are the class indices in
    ``targets`` (subtract 1 from MATLAB's). Y is "CBT" and targets/masks are "BT" arrays.
    ``"mean"`` averages the per-observation losses over the batch, as MATLAB documents it (it
    does not divide by the target lengths, unlike PyTorch's ``ctc_loss``). Higher derivatives
    are not supported, as in MATLAB.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> Y = dlarray(np.full((3, 1, 4), 1 / 3), "CBT")
    >>> loss = ctc(Y, np.array([[1, 2]]), np.ones((1, 4)), np.ones((1, 2)))
    >>> round(float(loss), 4)  # 15 of the 81 paths collapse to [1, 2]: -log(15/81)
    1.6864
    """
    func = "ctc"
    Yv = _checks.as_array_input(func, "Y", Y)
    if data_format is not None:
        layout = _checks.Layout.of(func, Yv, data_format, arg="Y")
        if layout.fmt != "CBT":
            raise _checks.fail(func, "data_format", "must label the C, B and T dimensions of "
                               "Y, once each", repr(data_format), 'For example "TBC".')
        Yv = dlarray._wrap(layout.data, "CBT")
    if Yv.fmt:
        if any(label not in Yv.fmt for label in "CBT") or len(Yv.fmt) != 3:
            raise _checks.fail(func, "Y", 'must have format "CBT"', f'format "{Yv.fmt}"',
                               "Y holds class probabilities per observation and time step.")
    elif Yv.ndim != 3:
        raise _checks.fail(func, "Y", 'must be a "CBT" array of shape (C, N, T)',
                           f"shape {Yv.shape}")
    data = Yv._data
    C, N, T = np.shape(getval(data))
    blank = _checks.positive_int(func, "blank_index", blank_index, allow_zero=True)
    if blank >= C:
        raise _checks.fail(func, "blank_index", f"must be a 0-based class index below {C}",
                           blank)
    reduction = _checks.choice(func, "reduction", reduction, ("mean", "sum"))
    _, tgt = indices(func, "targets", targets)
    if tgt.ndim != 2 or tgt.shape[0] != N:
        raise _checks.fail(func, "targets", f"must have shape (N, S) with N = {N}",
                           f"shape {tgt.shape}")
    ymask = _mask(func, "Y_mask", Y_mask, (N, T))
    tmask = _mask(func, "target_mask", target_mask, tgt.shape)
    _check_targets(func, tgt, ymask, tmask, C, blank)
    cache = _ctc_forward(_raw(data), tgt, ymask, tmask, blank, with_beta=isbox(data))
    nll = _ctc_core(data, cache)
    loss = anp.mean(nll) if reduction == "mean" else anp.sum(nll)
    return dlarray._wrap(loss if isbox(loss) else np.asarray(loss))


def _check_targets(func, tgt, ymask, tmask, C, blank):
    valid = tgt[tmask]
    if valid.size and (valid.min() < 0 or valid.max() >= C):
        bad = valid[(valid < 0) | (valid >= C)][:3]
        raise _checks.fail(func, "targets", f"must hold 0-based class indices in [0, {C - 1}]",
                           f"values such as {bad.tolist()}",
                           "Python indices are 0-based: MATLAB's class k is k - 1 here.")
    if np.any(valid == blank):
        raise _checks.fail(func, "targets", f"must not contain the blank index {blank}",
                           "a blank inside a target", "Mask padding with target_mask.")
    Tn = ymask.sum(axis=1)
    if np.any(Tn == 0):
        n = int(np.flatnonzero(Tn == 0)[0])
        raise _checks.fail(func, "Y_mask", "must include at least one time step per "
                           "observation", f"none for observation {n}")
    # Entries selected by the mask, moved to the front of each row (as the recursion sees them).
    S = tgt.shape[1]
    compact = np.take_along_axis(tgt, np.argsort(~tmask, axis=1, kind="stable"), axis=1)
    Sn = tmask.sum(axis=1)
    repeats = np.sum((compact[:, 1:] == compact[:, :-1]) & (np.arange(1, S) < Sn[:, None]),
                     axis=1)
    need = Sn + repeats
    short = np.flatnonzero(need > Tn)
    if short.size:
        n = int(short[0])
        raise _checks.fail(
            func, "targets", f"of observation {n} cannot fit the input length: "
            f"{int(Sn[n])} labels with {int(repeats[n])} repeated neighbours need at least "
            f"{int(need[n])} time steps", f"{int(Tn[n])} time steps in Y_mask",
            "Use longer inputs (or a lower downsampling) or shorter targets.")


def _ctc_reference(Y, targets, Y_mask, target_mask, *, blank_index=0, reduction="mean",
                   fmt=""):
    Y = np.asarray(Y, dtype=float)
    if fmt and fmt != "CBT":
        Y = np.transpose(Y, [fmt.index(c) for c in "CBT"])
    C, N, T = Y.shape
    losses = []
    for n in range(N):
        y = Y[:, n, np.asarray(Y_mask[n], dtype=bool)]
        labels = [int(v) for v, m in zip(targets[n], target_mask[n]) if m]
        ext = [blank_index]
        for label in labels:
            ext += [label, blank_index]
        alpha = np.zeros(len(ext))
        alpha[0] = y[ext[0], 0]
        if len(ext) > 1:
            alpha[1] = y[ext[1], 0]
        for t in range(1, y.shape[1]):
            new = np.zeros(len(ext))
            for s in range(len(ext)):
                total = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
                if s >= 2 and ext[s] != blank_index and ext[s] != ext[s - 2]:
                    total += alpha[s - 2]
                new[s] = total * y[ext[s], t]
            alpha = new
        p = alpha[-1] + (alpha[-2] if len(ext) > 1 else 0.0)
        losses.append(-np.log(p))
    return np.mean(losses) if reduction == "mean" else np.sum(losses)


def _sample_ctc(rng, dtype, n):
    def probs(C, T):
        z = rng.standard_normal((C, n, T))
        e = np.exp(z)
        return dlarray((e / e.sum(axis=0, keepdims=True)).astype(dtype), "CBT")

    C, T, S = 5, 7, 3
    targets = rng.integers(1, C, size=(n, S))
    targets[0, 1] = targets[0, 0]  # a repeated label needs a blank between
    ymask = np.ones((n, T), dtype=bool)
    tmask = np.ones((n, S), dtype=bool)
    if n > 1:
        ymask[1, 5:] = False
        tmask[1, 2:] = False
        targets[1, 2] = -1  # padding outside the mask is ignored
    last = rng.integers(0, C - 1, size=(n, S))
    return [
        Case("CBT", (probs(C, T), targets, ymask, tmask), {}, ""),
        Case("blank last, sum", (probs(C, T), dlarray(last, "BT"), ymask, tmask),
             {"blank_index": C - 1, "reduction": "sum"}, ""),
        Case("unformatted, empty target", (probs(C, 3)._data, targets[:, :1],
                                           np.ones((n, 3)), np.zeros((n, 1))), {}, ""),
        Case("data_format TBC", (np.ascontiguousarray(np.transpose(probs(C, T)._data,
                                                                   (2, 1, 0))),
                                 targets, ymask, tmask), {"data_format": "TBC"}, ""),
    ]


register(OpRecord("ctc", ctc, _ctc_reference, _sample_ctc, diff_argnums=(0,),
                  kink="smooth for positive probabilities"))
