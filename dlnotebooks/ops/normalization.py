"""Normalization: batchnorm, groupnorm, instancenorm, layernorm, crosschannelnorm.

The first four share one primitive, ``_normalize``: subtract the mean and divide by the
standard deviation over some axes, then scale and shift. Its VJP is written in closed form
(much faster than letting autograd trace the mean/variance graph). When nothing is traced it
runs on plain NumPy with cached statistics (``_normstats.py``); under
``enable_higher_derivatives`` the same formula runs on autograd.numpy, so it can be
differentiated again.
"""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp_argnums, getval, isbox
from .. import _checks
from ..core import dlarray
from . import _windows as win
from ..core._where import sum_to_shape
from ._normstats import _fast_vjp, _row, _rows, _stats
from ._prims import array_sampler, primitive, sample_array
from ._registry import Case, OpRecord, register

__all__ = ["batchnorm", "groupnorm", "instancenorm", "layernorm", "crosschannelnorm"]


def _shape(x):
    return np.shape(getval(x))


@primitive
def _normalize(x, gamma, beta, axes, epsilon, stats):
    """``(x - mean) / sqrt(var + eps) * gamma + beta``, statistics over ``axes`` of x.

    ``stats`` = (mean, inv_std) already computed from x (plain NumPy), or None.
    """
    mu, inv = stats if stats is not None else _stats(x, axes, epsilon)[:2]
    a = gamma * inv
    shift = beta - mu * a
    rows = _rows(x, axes) if np.shape(a) == np.shape(mu) == np.shape(shift) else None
    if rows is None:
        y = x * a
        y += shift
        return y
    x2, _, m = rows
    dtype = np.result_type(x, a)
    y = np.multiply(x2, _row(a, m, dtype))
    y += _row(shift, m, dtype)
    return y.reshape(x.shape)


def _normalize_vjp(argnums, ans, args, kwargs):
    x, gamma, beta, axes, epsilon, stats = args

    def vjp(g):
        if stats is not None and not (isbox(x) or isbox(gamma) or isbox(g)):
            grads = _fast_vjp(argnums, g, x, gamma, beta, axes, stats)
        else:
            grads = _traced_vjp(argnums, g, x, gamma, beta, axes, epsilon)
        return tuple(grads[i] for i in argnums)

    return vjp


def _traced_vjp(argnums, g, x, gamma, beta, axes, epsilon):
    """The closed form in autograd.numpy, so that it can be differentiated again."""
    mu = anp.mean(x, axis=axes, keepdims=True)
    d = x - mu
    inv = 1.0 / anp.sqrt(anp.mean(d * d, axis=axes, keepdims=True) + epsilon)
    xhat = d * inv
    grads = {1: sum_to_shape(g * xhat, _shape(gamma)), 2: sum_to_shape(g, _shape(beta))}
    if 0 in argnums:
        dxhat = g * gamma
        m1 = anp.mean(dxhat, axis=axes, keepdims=True)
        m2 = anp.mean(dxhat * xhat, axis=axes, keepdims=True)
        grads[0] = inv * (dxhat - m1 - xhat * m2)
    return grads


defvjp_argnums(_normalize, _normalize_vjp)


def _norm(x, gamma, beta, axes, epsilon):
    """Normalize traced or plain ``x``; returns (y, mean, biased variance) as plain arrays."""
    mu, inv, var = _stats(getval(x), axes, epsilon)
    return _normalize(x, gamma, beta, axes, epsilon, (mu, inv)), mu, var


def _channel_shape(fmt, ndim, c):
    shape = [1] * ndim
    shape[fmt.index("C")] = c
    return tuple(shape)


def _epsilon(func, epsilon):
    return _checks.real_number(func, "epsilon", epsilon, low=0, low_open=True)


def _params(func, layout, offset, scale_factor):
    layout.require(func, "C")
    shape = _shape(layout.data)
    c = shape[layout.fmt.index("C")]
    bshape = _channel_shape(layout.fmt, len(shape), c)
    dtype = _float_dtype(layout.data)
    beta = anp.reshape(win.vector(func, "offset", offset, c, dtype), bshape)
    gamma = anp.reshape(win.vector(func, "scale_factor", scale_factor, c, dtype), bshape)
    return c, beta, gamma


def _float_dtype(x):
    dtype = np.result_type(getval(x))
    return dtype if np.issubdtype(dtype, np.floating) else None


# ---------------------------------------------------------------- batchnorm


def batchnorm(X, offset, scale_factor, mean=None, variance=None, *, training=True,
              epsilon=1e-5, mean_decay=0.1, variance_decay=0.1, data_format=None):
    """Normalize each channel over the mini-batch, then scale and shift.

    ``Y = (X - mu_c) / sqrt(var_c + epsilon) * scale_factor_c + offset_c`` with the mean and
    variance per channel over every S, B, T and U dimension.

    .. math:: y = \\gamma_c\\,\\frac{x - \\mu_c}{\\sqrt{\\sigma_c^2 + \\epsilon}} + \\beta_c

    Parameters
    ----------
    X : dlarray, format with a "C" dimension: "SSCB" (H, W, C, N), "CB" (C, N), "CBT", ...
    offset : dlarray or array, C elements (beta)
    scale_factor : dlarray or array, C elements (gamma)
    mean, variance : array or dlarray, C elements, optional
        Running statistics. With ``training=True`` they are updated; with
        ``training=False`` they normalize X.
    training : bool, default True
    epsilon : float, default 1e-5
    mean_decay, variance_decay : float in [0, 1], default 0.1
        ``new = decay * batch_statistic + (1 - decay) * old``.
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format and shape of X
    new_mean, new_variance : dlarray, shape (C, 1), untraced (only with ``training=True``)
        The batch mean and (biased) batch variance when no running statistics are given;
        otherwise the updated running statistics.

    Raises
    ------
    ValueError
        X without a C dimension; vectors with the wrong number of elements; ``training=False``
        without statistics; only one of ``mean`` and ``variance``; decays outside [0, 1];
        ``epsilon`` not positive.

    Notes
    -----
    Y uses the biased batch variance (divide by M, the number of values per channel). The
    running variance is updated with the unbiased batch variance ``M/(M-1) * var`` (as PyTorch
    does; M = 1 uses the biased one). The derivative is the closed-form batch-norm backward
    pass (the gradient flows through the batch mean and variance); the returned statistics
    are plain values and carry no gradient. Second derivatives are supported.

    MATLAB compatibility
    --------------------
    ``[Y, mu, sigmaSq] = batchnorm(X, offset, scaleFactor)``,
    ``[Y, runMu, runSigmaSq] = batchnorm(X, offset, scaleFactor, runMu, runSigmaSq)`` and the
    inference form ``Y = batchnorm(X, offset, scaleFactor, trainedMu, trainedSigmaSq)``.
    MATLAB picks the mode from the number of outputs; here ``training=False`` selects
    inference. Whether MATLAB corrects the running variance by M/(M-1) is unverified.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.array([[1.0, 3.0], [2.0, 6.0]]), "CB")
    >>> Y, mu, var = batchnorm(X, np.zeros(2), np.ones(2))
    >>> mu.shape, [float(v) for v in mu[:, 0]], [float(v) for v in var[:, 0]]
    ((2, 1), [2.0, 4.0], [1.0, 4.0])
    """
    func = "batchnorm"
    layout = _checks.Layout.of(func, X, data_format)
    c, beta, gamma = _params(func, layout, offset, scale_factor)
    eps = _epsilon(func, epsilon)
    if (mean is None) != (variance is None):
        raise _checks.fail(func, "mean" if mean is None else "variance",
                           "must be given together with " +
                           ("variance" if mean is None else "mean"), "None",
                           "Pass both running statistics or neither.")
    x = layout.data
    shape = _shape(x)
    cax = layout.fmt.index("C")
    bshape = _channel_shape(layout.fmt, len(shape), c)
    if not training:
        if mean is None:
            raise _checks.fail(func, "mean", "must be given when training=False", "None",
                               "Pass the trained (running) mean and variance.")
        dtype = _float_dtype(x)
        mu = anp.reshape(win.vector(func, "mean", mean, c, dtype), bshape)
        var = anp.reshape(win.vector(func, "variance", variance, c, dtype), bshape)
        a = gamma / anp.sqrt(var + eps)
        return layout.restore(x * a + (beta - mu * a), layout.fmt)
    md = _checks.real_number(func, "mean_decay", mean_decay, low=0, high=1)
    vd = _checks.real_number(func, "variance_decay", variance_decay, low=0, high=1)
    axes = tuple(i for i in range(len(shape)) if i != cax)
    y, mu, var = _norm(x, gamma, beta, axes, eps)
    mu = mu.reshape(c, 1)
    var = var.reshape(c, 1)
    if mean is not None:
        old_mu = np.reshape(getval(win.vector(func, "mean", mean, c)), (c, 1))
        old_var = np.reshape(getval(win.vector(func, "variance", variance, c)), (c, 1))
        m = math.prod(shape) // c
        unbiased = var * (m / (m - 1)) if m > 1 else var
        mu = (md * mu + (1 - md) * old_mu).astype(mu.dtype, copy=False)
        var = (vd * unbiased + (1 - vd) * old_var).astype(var.dtype, copy=False)
    return layout.restore(y, layout.fmt), dlarray._wrap(mu), dlarray._wrap(var)


# ---------------------------------------------------------------- groupnorm / instancenorm


def _grouped(func, X, num_groups, offset, scale_factor, epsilon, data_format):
    layout = _checks.Layout.of(func, X, data_format)
    c, beta, gamma = _params(func, layout, offset, scale_factor)
    eps = _epsilon(func, epsilon)
    if isinstance(num_groups, str):
        choice = _checks.choice(func, "num_groups", num_groups, ("all-channels", "channel-wise"))
        groups = 1 if choice == "all-channels" else c
    else:
        groups = _checks.positive_int(func, "num_groups", num_groups)
        if c % groups:
            raise _checks.fail(func, "num_groups", f"must divide the number of channels ({c})",
                               groups)
    x = layout.data
    fmt = layout.fmt
    shape = _shape(x)
    cax = fmt.index("C")
    split = shape[:cax] + (groups, c // groups) + shape[cax + 1:]
    keep = {cax} | ({fmt.index("B") + 1} if "B" in fmt else set())
    axes = tuple(i for i in range(len(split)) if i not in keep)
    gshape = tuple(n if i in (cax, cax + 1) else 1 for i, n in enumerate(split))
    y, _, _ = _norm(anp.reshape(x, split), anp.reshape(gamma, gshape),
                    anp.reshape(beta, gshape), axes, eps)
    return layout.restore(anp.reshape(y, shape), fmt)


def groupnorm(X, num_groups, offset, scale_factor, *, epsilon=1e-5, data_format=None):
    """Normalize each group of channels of each observation, then scale and shift per channel.

    The mean and variance are taken per observation and per group over the group's channels
    and every S, T and U dimension.

    .. math:: y = \\gamma_c\\,\\frac{x - \\mu_{g,n}}{\\sqrt{\\sigma_{g,n}^2 + \\epsilon}}
              + \\beta_c

    Parameters
    ----------
    X : dlarray, format with a "C" dimension, e.g. "SSCB" (H, W, C, N)
    num_groups : int dividing C, "all-channels" (one group) or "channel-wise" (C groups)
    offset, scale_factor : dlarray or array, C elements
    epsilon : float, default 1e-5
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format and shape of X

    Raises
    ------
    ValueError
        X without a C dimension; ``num_groups`` not dividing C; vectors of the wrong size.

    Notes
    -----
    Closed-form derivative through the group statistics; second derivatives supported.
    Channels are grouped consecutively: group g holds channels g*C/G ... (g+1)*C/G - 1.

    MATLAB compatibility
    --------------------
    ``Y = groupnorm(X, numGroups, offset, scaleFactor, Epsilon=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.arange(8.0).reshape(2, 4, 1), "SCB")
    >>> Y = groupnorm(X, 2, np.zeros(4), np.ones(4))
    >>> round(float(np.mean(Y[:, :2, :])), 6), Y.shape
    (0.0, (2, 4, 1))
    """
    return _grouped("groupnorm", X, num_groups, offset, scale_factor, epsilon, data_format)


def instancenorm(X, offset, scale_factor, *, epsilon=1e-5, data_format=None):
    """Normalize each channel of each observation over its S, T and U dimensions.

    .. math:: y = \\gamma_c\\,\\frac{x - \\mu_{c,n}}{\\sqrt{\\sigma_{c,n}^2 + \\epsilon}}
              + \\beta_c

    Parameters
    ----------
    X : dlarray, format with a "C" dimension, e.g. "SSCB" (H, W, C, N)
    offset, scale_factor : dlarray or array, C elements
    epsilon : float, default 1e-5
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format and shape of X

    Raises
    ------
    ValueError
        X without a C dimension; vectors of the wrong size.

    Notes
    -----
    The same as ``groupnorm(X, "channel-wise", ...)``. Second derivatives supported.

    MATLAB compatibility
    --------------------
    ``Y = instancenorm(X, offset, scaleFactor, Epsilon=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.arange(12.0).reshape(3, 2, 2), "SCB")
    >>> Y = instancenorm(X, np.zeros(2), np.ones(2))
    >>> [round(float(v), 4) for v in Y[:, 0, 0]]
    [-1.2247, 0.0, 1.2247]
    """
    return _grouped("instancenorm", X, "channel-wise", offset, scale_factor, epsilon,
                    data_format)


# ---------------------------------------------------------------- layernorm

_OPERATION_DIMS = ("auto", "channel-only", "spatial-channel", "batch-excluded")


def layernorm(X, offset, scale_factor, *, epsilon=1e-5, operation_dimension="auto",
              data_format=None):
    """Normalize each observation over its features, then scale and shift per channel.

    .. math:: y = \\gamma_c\\,\\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta_c

    Parameters
    ----------
    X : dlarray, format with a "C" dimension: "CB", "CBT", "SSCB", ...
    offset, scale_factor : dlarray or array, C elements
    epsilon : float, default 1e-5
    operation_dimension : str, default "auto"
        Which dimensions the statistics run over: ``"channel-only"`` (C; separately for every
        S, B and T position), ``"spatial-channel"`` (S and C, per B and T),
        ``"batch-excluded"`` (everything but B), or ``"auto"``: "spatial-channel" when X has
        S dimensions, else "channel-only".
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format and shape of X

    Raises
    ------
    ValueError
        X without a C dimension; vectors of the wrong size; unknown ``operation_dimension``.

    Notes
    -----
    Closed-form derivative; second derivatives supported.

    MATLAB compatibility
    --------------------
    ``Y = layernorm(X, offset, scaleFactor, Epsilon=..., OperationDimension=...)``. The
    "auto" rule follows the newer releases (channel-only for sequence and feature data);
    older releases normalized over S, T, C and U (``"batch-excluded"`` here). Unverified.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.array([[1.0, 2.0], [3.0, 6.0]]), "CB")
    >>> Y = layernorm(X, np.zeros(2), np.ones(2))
    >>> [round(float(v), 4) for v in Y[:, 0]]
    [-1.0, 1.0]
    """
    func = "layernorm"
    layout = _checks.Layout.of(func, X, data_format)
    c, beta, gamma = _params(func, layout, offset, scale_factor)
    eps = _epsilon(func, epsilon)
    mode = _checks.choice(func, "operation_dimension", operation_dimension, _OPERATION_DIMS)
    fmt = layout.fmt
    if mode == "auto":
        mode = "spatial-channel" if "S" in fmt else "channel-only"
    labels = {"channel-only": "C", "spatial-channel": "SC", "batch-excluded": "SCTU"}[mode]
    axes = tuple(i for i, label in enumerate(fmt) if label in labels)
    y, _, _ = _norm(layout.data, gamma, beta, axes, eps)
    return layout.restore(y, fmt)


# ---------------------------------------------------------------- crosschannelnorm


def crosschannelnorm(X, window_size, *, alpha=1e-4, beta=0.75, k=2, data_format=None):
    """Normalize each element by the energy of the neighbouring channels (local response).

    ``Y = X / (k + alpha * ss / window_size) ** beta``, where ``ss`` is the sum of squares
    over the ``window_size`` channels centred on the element's channel at the same position.

    .. math:: y_c = \\frac{x_c}{\\left(k + \\frac{\\alpha}{n}\\sum_{c' \\in W(c)}
              x_{c'}^2\\right)^{\\beta}}

    Parameters
    ----------
    X : dlarray, format with a "C" dimension, e.g. "SSCB" (H, W, C, N)
    window_size : int
        Number of channels in the window ``n``; channels at the edges use fewer terms (the
        sum still divides by ``n``).
    alpha : float, default 1e-4
    beta : float, default 0.75
    k : float, default 2
    data_format : str, optional
        Format of an unformatted ``X``.

    Returns
    -------
    Y : dlarray, format and shape of X

    Raises
    ------
    ValueError
        X without a C dimension; ``window_size`` not a positive integer.

    Notes
    -----
    For an even ``window_size`` the window holds ``(n-1)//2`` channels before and ``n//2``
    after the centre. Composed of autograd.numpy operations, so every derivative order
    works.

    MATLAB compatibility
    --------------------
    ``Y = crosschannelnorm(X, windowSize, Alpha=..., Beta=..., K=...)``. The defaults
    (alpha 1e-4, beta 0.75, k 2) and the even-window placement are unverified.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> X = dlarray(np.ones((3, 1)), "CB")
    >>> Y = crosschannelnorm(X, 3, alpha=1.0, beta=1.0, k=0.0)
    >>> [round(float(v), 4) for v in Y[:, 0]]
    [1.5, 1.0, 1.5]
    """
    func = "crosschannelnorm"
    layout = _checks.Layout.of(func, X, data_format)
    layout.require(func, "C")
    n = _checks.positive_int(func, "window_size", window_size)
    a = _checks.real_number(func, "alpha", alpha)
    b = _checks.real_number(func, "beta", beta)
    kk = _checks.real_number(func, "k", k)
    x = layout.data
    shape = _shape(x)
    cax = layout.fmt.index("C")
    c = shape[cax]
    before, after = (n - 1) // 2, n // 2
    sq = x * x
    widths = [(0, 0)] * len(shape)
    widths[cax] = (before, after)
    padded = anp.pad(sq, widths, mode="constant")
    ss = 0.0
    for j in range(n):
        ss = ss + padded[(slice(None),) * cax + (slice(j, j + c),)]
    y = x / (kk + (a / n) * ss) ** b
    return layout.restore(y, layout.fmt)


# ---------------------------------------------------------------- references and samplers


def _canon(x, fmt):
    x = np.asarray(x, dtype=float)
    perm = sorted(range(len(fmt)), key=lambda i: "SCBTU".index(fmt[i]))
    canon = "".join(fmt[i] for i in perm)
    return np.transpose(x, perm), canon, (lambda y: np.transpose(y, np.argsort(perm)))


def _normalize_reference(x, canon, gamma, beta, group_of, eps, mean=None, var=None):
    """Naive: for every element, gather the elements that share its statistics group."""
    c_axis = canon.index("C")
    groups = {}
    for pos in np.ndindex(*x.shape):
        groups.setdefault(group_of(pos), []).append(pos)
    y = np.zeros(x.shape)
    for key, members in groups.items():
        vals = [x[p] for p in members]
        mu = sum(vals) / len(vals) if mean is None else mean
        v = sum((t - mu) ** 2 for t in vals) / len(vals) if var is None else var
        for p in members:
            ch = p[c_axis]
            y[p] = gamma[ch] * (x[p] - mu) / math.sqrt(v + eps) + beta[ch]
    return y


def _batchnorm_reference(X, offset, scale_factor, mean=None, variance=None, *, training=True,
                         epsilon=1e-5, mean_decay=0.1, variance_decay=0.1, fmt):
    x, canon, back = _canon(X, fmt)
    c_axis = canon.index("C")
    beta, gamma = np.ravel(offset), np.ravel(scale_factor)
    c = x.shape[c_axis]
    y = np.zeros(x.shape)
    mus, vars_ = np.zeros((c, 1)), np.zeros((c, 1))
    for ch in range(c):
        vals = np.moveaxis(x, c_axis, 0)[ch].ravel()
        m = len(vals)
        mu = sum(vals) / m
        v = sum((t - mu) ** 2 for t in vals) / m
        if not training:
            mu, v = np.ravel(mean)[ch], np.ravel(variance)[ch]
        mus[ch, 0], vars_[ch, 0] = mu, v
        if training and mean is not None:
            mus[ch, 0] = mean_decay * mu + (1 - mean_decay) * np.ravel(mean)[ch]
            unbiased = v * m / (m - 1) if m > 1 else v
            vars_[ch, 0] = variance_decay * unbiased + (1 - variance_decay) * \
                np.ravel(variance)[ch]
        for pos in np.ndindex(*x.shape):
            if pos[c_axis] == ch:
                y[pos] = gamma[ch] * (x[pos] - mu) / math.sqrt(v + epsilon) + beta[ch]
    if not training:
        return back(y)
    return back(y), mus, vars_


def _sample_batchnorm(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    def pos(shape):
        return sample_array(rng, shape, dtype, low=0.5, high=2.0)

    return [
        Case("SSCB", (arr((3, 2, 4, n), "SSCB"), arr((4, 1)), arr((4, 1))), {},
             ("SSCB", "", "")),
        Case("CB", (arr((3, n + 1), "CB"), arr((3,)), arr((3,))), {}, ("CB", "", "")),
        Case("running statistics", (arr((2, 2, 3, n), "SSCB"), arr((3, 1)), arr((3, 1)),
                                    arr((3, 1)), pos((3, 1))),
             {"mean_decay": 0.2, "variance_decay": 0.3}, ("SSCB", "", "")),
        Case("inference", (arr((2, 3, 3, n), "SSCB"), arr((3, 1)), arr((3, 1)), arr((3, 1)),
                           pos((3, 1))), {"training": False}, "SSCB"),
        Case("CBT", (arr((3, n, 4), "CBT"), arr((3, 1)), arr((1, 3))), {}, ("CBT", "", "")),
        Case("SSSCB", (arr((2, 2, 2, 2, n), "SSSCB"), arr((2, 1)), arr((2, 1))), {},
             ("SSSCB", "", "")),
        Case("unformatted BCSS", (arr((n, 2, 3, 2)), arr((2, 1)), arr((2, 1))),
             {"data_format": "BCSS"}, ("", "", "")),
    ]


register(OpRecord("batchnorm", batchnorm, _batchnorm_reference, _sample_batchnorm,
                  diff_argnums=(0, 1, 2), second_order=True, outputs=(0,),
                  float32_rtol=1e-3))


def _grouped_reference(X, num_groups, offset, scale_factor, epsilon, fmt):
    x, canon, back = _canon(X, fmt)
    c_axis = canon.index("C")
    c = x.shape[c_axis]
    groups = {"all-channels": 1, "channel-wise": c}.get(num_groups, num_groups)
    b_axis = canon.index("B") if "B" in canon else None

    def group_of(p):
        return (p[c_axis] // (c // groups), p[b_axis] if b_axis is not None else 0)

    return back(_normalize_reference(x, canon, np.ravel(scale_factor), np.ravel(offset),
                                     group_of, epsilon))


def _groupnorm_reference(X, num_groups, offset, scale_factor, *, epsilon=1e-5, fmt):
    return _grouped_reference(X, num_groups, offset, scale_factor, epsilon, fmt)


def _instancenorm_reference(X, offset, scale_factor, *, epsilon=1e-5, fmt):
    return _grouped_reference(X, "channel-wise", offset, scale_factor, epsilon, fmt)


def _sample_groupnorm(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("SSCB 2 groups", (arr((3, 2, 4, n), "SSCB"), 2, arr((4, 1)), arr((4, 1))), {},
             "SSCB"),
        Case("all-channels", (arr((2, 3, 3, n), "SSCB"), "all-channels", arr((3,)),
                              arr((3,))), {}, "SSCB"),
        Case("channel-wise", (arr((4, 3, n), "SCB"), "channel-wise", arr((3, 1)),
                              arr((3, 1))), {"epsilon": 1e-3}, "SCB"),
        Case("CBT", (arr((4, n, 3), "CBT"), 2, arr((4, 1)), arr((4, 1))), {}, "CBT"),
        Case("unformatted BCSS", (arr((n, 6, 2, 2)), 3, arr((6, 1)), arr((6, 1))),
             {"data_format": "BCSS"}, ""),
    ]


register(OpRecord("groupnorm", groupnorm, _groupnorm_reference, _sample_groupnorm,
                  diff_argnums=(0, 2, 3), second_order=True, float32_rtol=1e-3))


def _sample_instancenorm(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("SSCB", (arr((3, 2, 3, n), "SSCB"), arr((3, 1)), arr((3, 1))), {}, "SSCB"),
        Case("SCB", (arr((5, 2, n), "SCB"), arr((2,)), arr((2,))), {"epsilon": 1e-3}, "SCB"),
        Case("CBT", (arr((2, n, 4), "CBT"), arr((2, 1)), arr((2, 1))), {}, "CBT"),
        Case("unformatted BCSS", (arr((n, 2, 3, 2)), arr((2, 1)), arr((2, 1))),
             {"data_format": "BCSS"}, ""),
    ]


register(OpRecord("instancenorm", instancenorm, _instancenorm_reference, _sample_instancenorm,
                  diff_argnums=(0, 1, 2), second_order=True, float32_rtol=1e-3))


def _layernorm_reference(X, offset, scale_factor, *, epsilon=1e-5, operation_dimension="auto",
                         fmt):
    x, canon, back = _canon(X, fmt)
    mode = operation_dimension
    if mode == "auto":
        mode = "spatial-channel" if "S" in canon else "channel-only"
    labels = {"channel-only": "C", "spatial-channel": "SC", "batch-excluded": "SCTU"}[mode]
    kept = [i for i, label in enumerate(canon) if label not in labels]
    return back(_normalize_reference(x, canon, np.ravel(scale_factor), np.ravel(offset),
                                     lambda p: tuple(p[i] for i in kept), epsilon))


def _sample_layernorm(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("CB", (arr((5, n), "CB"), arr((5, 1)), arr((5, 1))), {}, "CB"),
        Case("CBT channel-only", (arr((4, n, 3), "CBT"), arr((4,)), arr((4,))), {}, "CBT"),
        Case("SSCB spatial-channel", (arr((3, 2, 3, n), "SSCB"), arr((3, 1)), arr((3, 1))), {},
             "SSCB"),
        Case("CBT batch-excluded", (arr((3, n, 4), "CBT"), arr((3, 1)), arr((3, 1))),
             {"operation_dimension": "batch-excluded"}, "CBT"),
        Case("SSCB channel-only", (arr((2, 2, 3, n), "SSCB"), arr((3, 1)), arr((3, 1))),
             {"operation_dimension": "channel-only"}, "SSCB"),
        Case("unformatted TCB", (arr((3, 4, n)), arr((4, 1)), arr((4, 1))),
             {"data_format": "TCB"}, ""),
    ]


register(OpRecord("layernorm", layernorm, _layernorm_reference, _sample_layernorm,
                  diff_argnums=(0, 1, 2), second_order=True, float32_rtol=1e-3))


def _crosschannelnorm_reference(X, window_size, *, alpha=1e-4, beta=0.75, k=2, fmt):
    x, canon, back = _canon(X, fmt)
    c_axis = canon.index("C")
    c = x.shape[c_axis]
    before = (window_size - 1) // 2
    y = np.zeros(x.shape)
    for pos in np.ndindex(*x.shape):
        ch = pos[c_axis]
        ss = 0.0
        for j in range(ch - before, ch - before + window_size):
            if 0 <= j < c:
                other = list(pos)
                other[c_axis] = j
                ss += x[tuple(other)] ** 2
        y[pos] = x[pos] / (k + alpha * ss / window_size) ** beta
    return back(y)


def _sample_crosschannelnorm(rng, dtype, n):
    arr = array_sampler(rng, dtype)

    return [
        Case("SSCB window 3", (arr((2, 2, 5, n), "SSCB"), 3), {"alpha": 0.5, "k": 1.0},
             "SSCB"),
        Case("CB window 4 defaults", (arr((6, n), "CB"), 4), {}, "CB"),
        Case("CB window 5", (arr((4, n), "CB"), 5), {"alpha": 1.0, "beta": 0.5, "k": 1.5},
             "CB"),
        Case("unformatted BSC", (arr((n, 3, 4)), 2), {"alpha": 0.3, "data_format": "BSC"}, ""),
    ]


register(OpRecord("crosschannelnorm", crosschannelnorm, _crosschannelnorm_reference,
                  _sample_crosschannelnorm, second_order=True))
