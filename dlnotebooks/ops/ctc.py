"""ctc: the connectionist temporal classification loss.

The forward (alpha) and backward (beta) recursions run over the label sequence extended with
blanks, vectorised over the batch: one Python step per time step, never one per observation.
They run on probabilities when that is provably exact (no value can underflow) and in log
space otherwise. The gradient with respect to the probabilities is computed from alpha and
beta in a hand-written VJP; for ``ctc(softmax(Z), ...)`` dlgradient goes straight to the
logits Z (posterior minus y, no softmax VJP) when softmax's output is used by ctc alone.
"""

import numpy as np

from .._autograd import defvjp_argnums, isbox
from .. import _checks
from ..autodiff._engine import defvjp_fused
from ..core import dlarray
from ._prims import primitive
from ._registry import Case, OpRecord, register
from .activations import _softmax
from .embedding import indices

__all__ = ["ctc"]


def _raw(x):
    while isbox(x):
        x = x._value
    return np.asarray(x)


def _mask(func, arg, value, shape):
    if type(value) is np.ndarray and value.dtype == np.bool_ and value.shape == shape:
        return value  # the common case: nothing to convert or check
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
                 "nll", "log_space", "P", "p", "full", "mean", "args")


# Two ways to run the recursions, with the same results. On probabilities (float64), a step is
# a weighted sum of three neighbours on an (N, 2S+1) array (four NumPy calls); in log
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
    ymin = float(yext.min())
    if ymin == 0:  # the smallest positive y, then (slower, so not the first try)
        ymin = float(np.min(yext, where=yext > 0, initial=1.0))
    return (T + 1) * np.log(3.0 / ymin) < _LINEAR_LIMIT


def _prepare(func, tgt, ymask, tmask, C, blank):
    """Check the targets against the masks; return (ext, Tn, Sn, order).

    ext (N, 2S+1) is each target's selected labels, in order, with a blank before, between and
    after them, at the end of the row: the label positions before an observation's Sn labels
    hold the blank too (so every sequence ends at 2S, and only its start depends on Sn). order
    is None when Y_mask includes every step, else each row's included steps first, in order.
    (Few NumPy calls, and sums rather than count_nonzero: right after other work has pushed
    NumPy's code out of the CPU caches each call costs tens of us, more than its arithmetic.)"""
    N, S = tgt.shape
    Sn = tmask.sum(axis=1)
    last = np.arange(S) >= S - Sn[:, None]
    if not (tmask == last).all():  # selected entries not all at the end: move them there
        tgt = tgt[np.arange(N)[:, None], np.argsort(tmask, axis=1, kind="stable")]
    tc = np.where(last, tgt, blank)
    if tc.size and (tc.min() < 0 or tc.max() >= C):
        valid = tc[last]
        bad = valid[(valid < 0) | (valid >= C)][:3]
        raise _checks.fail(func, "targets", f"must hold 0-based class indices in [0, {C - 1}]",
                           f"values such as {bad.tolist()}",
                           "Python indices are 0-based: MATLAB's class k is k - 1 here.")
    # Entries before the Sn labels hold the blank: more blanks is a blank inside a target.
    if (tc == blank).sum() > tc.size - Sn.sum():
        raise _checks.fail(func, "targets", f"must not contain the blank index {blank}",
                           "a blank inside a target", "Mask padding with target_mask.")
    Tn = ymask.sum(axis=1)
    if Tn.min() == 0:
        n = int(np.flatnonzero(Tn == 0)[0])
        raise _checks.fail(func, "Y_mask", "must include at least one time step per "
                           "observation", f"none for observation {n}")
    # A label equal to the one before it needs a blank between them: one more time step.
    # (Equal neighbours before the labels are blanks, counted and taken off again.)
    same = tc[:, 1:] == tc[:, :-1]
    repeats = same.sum(axis=1) - np.maximum(S - 1 - Sn, 0)
    need = Sn + repeats
    if (need > Tn).any():
        n = int(np.flatnonzero(need > Tn)[0])
        raise _checks.fail(
            func, "targets", f"of observation {n} cannot fit the input length: "
            f"{int(Sn[n])} labels with {int(repeats[n])} repeated neighbours need at least "
            f"{int(need[n])} time steps", f"{int(Tn[n])} time steps in Y_mask",
            "Use longer inputs (or a lower downsampling) or shorter targets.")
    ext = np.full((N, 2 * S + 1), blank, dtype=np.int64)
    ext[:, 1::2] = tc
    order = None if Tn.min() == ymask.shape[1] else np.argsort(~ymask, axis=1, kind="stable")
    return ext, Tn, Sn, order


def _recursion(P, w0, w2):
    """P[k + 1] = w0[k] * (P[k] + P[k] shifted by 1) + w2[k] * (P[k] shifted by 2), k < T.

    P (T + 1, M) and w (T, M) are flat rows of (M / (L + 2)) padded sequences whose first two
    entries are zero in P and in both w: a shift moves the last states of a sequence onto the
    padding of the next, where the zero weights drop them. A step is four NumPy calls on the
    whole batch; the loop costs their call overhead (zip hands out the row views for less
    than indexing would)."""
    add, multiply = np.add, np.multiply
    tmp = np.empty(P.shape[1] - 2)
    same = P[:, 2:]
    for cur, a, a1, a2, y, y2 in zip(same[1:], same, P[:, 1:-1], P[:, :-2], w0[:, 2:],
                                     w2[:, 2:]):
        add(a, a1, out=cur)
        multiply(cur, y, out=cur)
        multiply(a2, y2, out=tmp)
        add(cur, tmp, out=cur)


def _ctc_forward(Y, ext, Tn, Sn, order, with_beta=False):
    """Y (C, N, T) raw probabilities; returns a cache holding the per-observation loss, or
    None when the probability-space recursion would not be exact (see _LINEAR_LIMIT).

    Rows n < N run alpha over the extended labels ext[n] and the included steps in order.
    With ``with_beta`` (a gradient will be asked for) rows N + n run beta in the same loop:
    the same recursion on the reversed labels and steps, so one set of calls serves both.
    P[k + 1] holds step k; P[0] is a virtual step before the first, one state set to 1, so
    the first step is an ordinary step too."""
    C, N, T = Y.shape
    L = ext.shape[1]
    M = 2 * N if with_beta else N
    rows = np.arange(M)
    # y of each class per step and row, with a class C of zeros for the padding positions.
    yt = np.empty((T, M, C + 1))
    yt[:, :, C] = 0.0
    if order is None:
        yt[:, :N, :C] = Y.transpose(2, 1, 0)
        if with_beta:
            yt[:, N:, :C] = yt[::-1, :N, :C]
    else:
        # Compact steps: row n's k-th included step, then ones (a step past an observation's
        # end multiplies by at most 3, as a step does, and is never read).
        k = np.arange(T)[:, None]
        inside = k < Tn
        when = np.where(inside, order.T, T)
        if with_beta:
            back = order[rows[:N], np.maximum(Tn - 1 - k, 0)]
            when = np.concatenate([when, np.where(inside, back, T)], axis=1)
        padded = np.ones((C, N, T + 1))
        padded[:, :, :T] = Y
        yt[:, :, :C] = padded[:, rows % N, when].transpose(1, 2, 0)
    # Each row's extended labels after four padding positions of class C: ext2 = labels[:, 2:]
    # (two padding positions, L states) and the skip test below compare s with s - 2.
    labels = np.empty((M, L + 4), dtype=np.int64)
    labels.fill(C)
    labels[:N, 4:] = ext
    if with_beta:
        labels[N:, 4:] = ext[:, ::-1]
    ext2 = labels[:, 2:]
    # y of each row's extended labels per step, (T, M (L + 2)) flat: one take of whole rows.
    w0 = yt.reshape(T, -1).take((rows[:, None] * (C + 1) + ext2).ravel(), axis=1)
    # The bound of _LINEAR_LIMIT over alpha's rows (beta's hold the same values), not padding.
    if not _linear_is_exact(w0[:, :N * (L + 2)].reshape(T, N, L + 2)[:, :, 2:], T):
        return None
    # A skip from s - 2 to s where the labels differ (repeats and blanks never skip). Where a
    # label sequence starts (after the padding blanks) this also lets alpha flow from states
    # that stay 0, and beta flow on into states that are never read.
    skip = np.empty((M, L + 2))
    np.not_equal(ext2, labels[:, :-2], out=skip)
    w2 = w0 * skip.reshape(-1)
    P = np.zeros((T + 1, M, L + 2))
    P[0, rows[:N], L + 1 - 2 * Sn] = 1.0  # alpha starts at the blank before the labels
    if with_beta:
        P[0, N:, 2] = 1.0  # beta at the last blank (reversed positions)
    _recursion(P.reshape(T + 1, -1), w0, w2)
    last = P[T, :N] if order is None else P[Tn, rows[:N]]
    p = last[:, L] + last[:, L + 1]  # the last label and the blank after it
    if p.min() > 0:
        logp = np.log(p)
    else:
        with np.errstate(divide="ignore"):
            logp = np.log(p)
    cache = _CTCCache()
    cache.P, cache.p, cache.logp, cache.ext, cache.Tn, cache.order = P, p, logp, ext, Tn, order
    cache.log_space = False
    cache.nll = (-logp).astype(Y.dtype)
    return cache


def _ctc_backward(cache, g, Y, fused=False):
    """The gradient with respect to Y (C, N, T) of sum_n g[n] * loss[n]; with ``fused``, the
    gradient with respect to Z for Y = softmax(Z) over C instead (the same as applying
    softmax's VJP to the first, up to rounding).

    alpha_t(s) beta_t(s) (both holding y_t(s)) is y_t(s) p times the posterior probability
    that the path is in state s at step t; summed over the states of class c it gives
    gamma = y * p * posterior(c). Then dloss/dy = -posterior / y = -gamma / (p y^2), and
    through softmax dloss/dz = y * (dloss/dy - sum_c y dloss/dy) = y - posterior, since the
    posteriors of a step sum to 1: gamma / (p y) subtracted from y, no softmax VJP needed."""
    if cache.log_space:
        dY = _ctc_backward_log(cache, g, Y.shape[0])
        if fused:
            dY = Y * (dY - np.sum(dY * Y, axis=0, keepdims=True))
        return dY
    P, ext, Tn, order, p = cache.P, cache.ext, cache.Tn, cache.order, cache.p
    C, N, T = Y.shape
    L = ext.shape[1]
    if p.min() > 0:
        weight, factor = g, g / p
    else:  # an impossible target (p = 0) gets no gradient
        weight = np.where(p > 0, g, 0.0)
        factor = weight / np.where(p > 0, p, 1.0)
    alpha = P[1:, :N, 2:]
    if order is None:
        beta = P[T:0:-1, N:, L + 1:1:-1]  # reversed steps and positions, back in order
    else:
        u = Tn - 1 - np.arange(T)[:, None]  # beta's step for compact step t
        beta = P[1 + np.maximum(u, 0), N + np.arange(N), L + 1:1:-1]
        beta[u < 0] = 0.0  # steps past an observation's end
        weight = weight[:, None] * (np.arange(T) < Tn[:, None])
    occ = np.empty((N, L, T))
    np.multiply(alpha.transpose(1, 2, 0), beta.transpose(1, 2, 0), out=occ)
    # (g / p) * (sum over the states of each class) = g y posterior: (N, C, L) @ (N, L, T).
    # With fused, the sign is kept for the subtraction below. The rest runs in this (N, C, T)
    # layout in float64 (same layout, one dtype: no strided or casting loops), then one copy.
    onehot = (ext[:, None, :] == np.arange(C)[:, None]) * (factor if fused else -factor)[:, None,
                                                                                           None]
    gamma = np.matmul(onehot, occ)
    y = np.empty((N, C, T))
    y[...] = (Y if order is None else np.take_along_axis(Y, order[None], axis=2)).transpose(
        1, 0, 2)
    if not fused:
        np.multiply(y, y, out=y)  # dloss/dy = -(g / p) (sum) / y^2
    if y.min() > 0:
        np.divide(gamma, y, out=gamma)
    else:  # gamma is 0 where y is (alpha and beta hold y): 0, not 0 / 0
        np.divide(gamma, y, out=gamma, where=y > 0)
    if fused:  # g y - g posterior
        y *= weight[:, None, None] if order is None else weight[:, None, :]
        np.subtract(y, gamma, out=gamma)
    out = np.empty((C, N, T), dtype=Y.dtype)
    out[...] = gamma.transpose(1, 0, 2)
    if order is not None:
        compact, out = out, np.empty_like(out)
        out[:, np.arange(N)[:, None], order] = compact
    return out


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
    """The loss reduced over the batch; ``cache`` holds the recursions, computed from Y."""
    return cache.nll.mean() if cache.mean else cache.nll.sum()


def _weights(g, Y, cache):
    """Each observation's weight in the loss, from the gradient g of the reduced loss."""
    if isbox(g) or isbox(Y):
        raise RuntimeError(
            "ctc: higher derivatives are not supported through ctc; MATLAB does not "
            "support them either. Call dlgradient without enable_higher_derivatives=True "
            "for losses that include ctc.")
    g = float(g)
    return np.full(len(cache.nll), g / len(cache.nll) if cache.mean else g)


def _ctc_vjp(argnums, ans, args, kwargs):
    Y, cache = args
    return lambda g: (_ctc_backward(cache, _weights(g, Y, cache), Y),)


defvjp_argnums(_ctc_core, _ctc_vjp)


def _softmax_ctc_vjp(node, parent):
    """ctc(softmax(Z)): the gradient with respect to Z in one step (see _ctc_backward), used
    by dlgradient when softmax's output feeds only ctc and is not itself differentiated."""
    if parent.args[1] not in (0, -3):  # softmax over another axis than ctc's C
        return None
    Y, cache = node.args
    return lambda g: (_ctc_backward(cache, _weights(g, Y, cache), Y, fused=True),)


defvjp_fused(_ctc_core, _softmax, _softmax_ctc_vjp)


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
    on probabilities where that is exact and in log space otherwise, so long sequences do not
    underflow. If Y gives the target zero probability the loss is ``inf`` and that
    observation's gradient is set to zero. Cost O(T · N · S).

    For ``ctc(softmax(Z), ...)`` differentiated with respect to Z, the gradient is computed
    directly as ``y - posterior`` per step (the chain rule through softmax, to rounding),
    unless softmax's output is also used elsewhere or differentiated itself. In float32 this
    also stays finite where the gradient with respect to Y, ``-posterior / y``, overflows.

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
    raw = _raw(data)
    C, N, T = raw.shape
    blank = _checks.positive_int(func, "blank_index", blank_index, allow_zero=True)
    if blank >= C:
        raise _checks.fail(func, "blank_index", f"must be a 0-based class index below {C}",
                           blank)
    reduction = _checks.choice(func, "reduction", reduction, ("mean", "sum"))
    if type(targets) is np.ndarray and targets.dtype.kind in "iu":
        tgt = targets.astype(np.int64, copy=False)  # what indices() gives, without a copy
    else:
        _, tgt = indices(func, "targets", targets)
    if tgt.ndim != 2 or tgt.shape[0] != N:
        raise _checks.fail(func, "targets", f"must have shape (N, S) with N = {N}",
                           f"shape {tgt.shape}")
    ymask = _mask(func, "Y_mask", Y_mask, (N, T))
    tmask = _mask(func, "target_mask", target_mask, tgt.shape)
    ext, Tn, Sn, order = _prepare(func, tgt, ymask, tmask, C, blank)
    cache = _ctc_forward(raw, ext, Tn, Sn, order, with_beta=isbox(data))
    if cache is None:
        cache = _ctc_forward_log(raw, tgt, ymask, tmask, blank)
    cache.mean = reduction == "mean"
    loss = _ctc_core(data, cache)
    return dlarray._wrap(loss if isbox(loss) else np.asarray(loss))


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
