"""attention: multi-head scaled dot-product attention.

Composed from differentiable autograd.numpy operations and the softmax primitive, so
derivatives of any order work (gradient penalties, physics-informed losses).
"""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import getval
from .. import _checks
from ..core import dlarray
from ..core._where import traced_where
from ._prims import sample_array
from ._registry import Case, OpRecord, register
from .activations import _softmax

__all__ = ["attention"]


def _split(func, arg, layout, num_heads):
    """(C, N, L) canonical data -> (N, heads, L, C/heads)."""
    data = layout.data
    fmt = layout.fmt
    shape = np.shape(getval(data))
    C = shape[fmt.index("C")]
    if C % num_heads:
        raise _checks.fail(func, arg, f"must have a number of channels divisible by "
                           f"num_heads = {num_heads}", f"{C} channels",
                           "Channels are split into heads in order, C / num_heads each.")
    N = shape[fmt.index("B")] if "B" in fmt else 1
    seq = [label for label in fmt if label in "ST"]
    L = shape[fmt.index(seq[0])]
    # Canonical order puts S before C and T after B: bring the data to (C, N, L).
    if seq[0] == "S":
        data = anp.transpose(data, (1, 2, 0) if "B" in fmt else (1, 0))
    x = anp.reshape(data, (num_heads, C // num_heads, N, L))
    return anp.transpose(x, (2, 0, 3, 1)), C, N, L


def _merge(y, out_shape_fmt):
    """(N, heads, dv, L) -> canonical data of the queries' layout with C = heads * dv."""
    N, h, dv, L = np.shape(getval(y))
    x = anp.reshape(anp.transpose(y, (1, 2, 0, 3)), (h * dv, N, L))
    fmt = out_shape_fmt
    if "B" not in fmt:
        x = anp.reshape(x, (h * dv, L))
    if "S" in fmt:
        x = anp.transpose(x, (2, 0, 1) if "B" in fmt else (1, 0))
    return x


def _check_format(func, arg, layout, reference=None):
    fmt = layout.fmt
    layout.require(func, "C", arg)
    seq = [label for label in fmt if label in "ST"]
    if len(seq) != 1 or "U" in fmt:
        raise _checks.fail(func, arg, "must have a C dimension, one sequence dimension (S or T) "
                           "and optionally a B dimension", f'format "{fmt}"',
                           'For example dlarray(X, "CBT").')
    if reference is not None and fmt != reference.fmt:
        raise _checks.fail(func, arg, f'must have the format of queries ("{reference.fmt}")',
                           f'format "{fmt}"')


def attention(queries, keys, values, num_heads, *, scale="auto", padding_mask=None,
              attention_mask="none", dropout_probability=0.0, rng=None, return_weights=False,
              data_format=None):
    """Compute multi-head scaled dot-product attention.

    The channels of queries, keys and values are split into ``num_heads`` heads in order
    (head j gets channels ``j*d .. (j+1)*d - 1``). For each head and observation:
    ``A = softmax_over_keys(scale * K^T Q)`` and ``Y = V A``; the heads' outputs are
    concatenated back along C.

    .. math::
        A_{kq} = \\frac{\\exp(s\\, k_k^\\top q_q)}{\\sum_{k'} \\exp(s\\, k_{k'}^\\top q_q)},
        \\qquad y_q = \\sum_k A_{kq}\\, v_k

    Parameters
    ----------
    queries : dlarray, format "CBT" shape (C, N, Lq); also "CT", "SCB" (S as the sequence)
    keys : dlarray, same format as queries, shape (C, N, Lk)
    values : dlarray, same format, shape (Cv, N, Lk); Cv divisible by num_heads
    num_heads : int
    scale : float or "auto", default "auto"
        Multiplies the dot products; "auto" is ``1 / sqrt(C / num_heads)``.
    padding_mask : array or dlarray of bool, optional
        True for key positions that hold data, False for padding (excluded). Shape (N, Lk),
        or the keys' shape with C of size 1 or C (the first channel is used).
    attention_mask : "none", "causal" or array of bool, default "none"
        True where key k may be attended to by query q. An array has shape (Lk, Lq) or
        (Lk, Lq, N). "causal" allows key positions k <= q (0-based, both counted from the
        start of the sequence).
    dropout_probability : float in [0, 1), default 0
        Drops attention weights with this probability (and scales the rest by 1/(1-p)).
    rng : numpy.random.Generator, optional
        Random generator for dropout; a fresh unseeded one when None.
    return_weights : bool, default False
        Also return the attention weights.
    data_format : str, optional
        Format of unformatted queries, keys and values (the same for all three); the output is
        then unformatted.

    Returns
    -------
    Y : dlarray, the format of queries, shape (Cv, N, Lq)
    weights : dlarray, unformatted, shape (Lk, Lq, num_heads, N); only with
        ``return_weights=True``. These are the weights that multiplied the values (after
        masking and dropout).

    Raises
    ------
    ValueError
        Formats that differ or lack C or a sequence dimension; channels not divisible by
        num_heads; keys and queries with different channel counts; key and value lengths that
        differ; masks of the wrong shape; bad scale or dropout probability.
    TypeError
        ``rng`` that is not a ``numpy.random.Generator``.

    Notes
    -----
    Masked scores are replaced by a large negative number before the softmax, so a query whose
    keys are all masked gets uniform weights rather than NaN. Composed from differentiable
    operations: second and higher derivatives work. Cost O(N · heads · Lk · Lq · d).

    MATLAB compatibility
    --------------------
    ``[Y, weights] = attention(queries, keys, values, numHeads, Name=Value)``: ``Scale``,
    ``PaddingMask``, ``AttentionMask``, ``DropoutProbability`` become snake_case keywords;
    the weights are requested with ``return_weights=True`` instead of a second output. The
    mask conventions (True keeps) and the weights layout follow our reading of MATLAB's
    documentation (not verified against a MATLAB installation).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> rng = np.random.default_rng(0)
    >>> Q = dlarray(rng.standard_normal((8, 2, 5)), "CBT")
    >>> Y, A = attention(Q, Q, Q, 2, return_weights=True)
    >>> Y.fmt, Y.shape, A.shape
    ('CBT', (8, 2, 5), (5, 5, 2, 2))
    >>> np.allclose(np.sum(A, axis=0), 1.0)
    True
    """
    func = "attention"
    num_heads = _checks.positive_int(func, "num_heads", num_heads)
    lq = _checks.Layout.of(func, queries, data_format, arg="queries")
    _check_format(func, "queries", lq)
    lk = _checks.Layout.of(func, keys, data_format, arg="keys")
    _check_format(func, "keys", lk, lq)
    lv = _checks.Layout.of(func, values, data_format, arg="values")
    _check_format(func, "values", lv, lq)
    q, Cq, N, Lq = _split(func, "queries", lq, num_heads)
    k, Ck, Nk, Lk = _split(func, "keys", lk, num_heads)
    v, Cv, Nv, Lv = _split(func, "values", lv, num_heads)
    if Ck != Cq:
        raise _checks.fail(func, "keys", f"must have as many channels as queries ({Cq})",
                           f"{Ck} channels")
    if Nk != N or Nv != N:
        raise _checks.fail(func, "keys and values", f"must have the batch size of queries ({N})",
                           f"{Nk} and {Nv}")
    if Lv != Lk:
        raise _checks.fail(func, "values", f"must have the sequence length of keys ({Lk})",
                           f"length {Lv}")
    if isinstance(scale, str):
        _checks.choice(func, "scale", scale, ("auto",))
        s = 1.0 / math.sqrt(Cq // num_heads)
    else:
        s = _checks.real_number(func, "scale", scale)
    p = _checks.real_number(func, "dropout_probability", dropout_probability, low=0.0,
                            high=1.0, high_open=True)

    scores = anp.matmul(k, anp.swapaxes(q, 2, 3)) * s  # (N, h, Lk, Lq)
    allowed = _allowed(func, padding_mask, attention_mask, lk, N, Lk, Lq)
    if allowed is not None:
        dtype = np.result_type(getval(scores))
        scores = traced_where(allowed, scores, np.asarray(-0.5 * np.finfo(dtype).max, dtype))
    A = _softmax(scores, 2)
    if p > 0:
        gen = rng if rng is not None else np.random.default_rng()
        if not isinstance(gen, np.random.Generator):
            raise _checks.fail(func, "rng", "must be a numpy.random.Generator",
                               type(rng).__name__, cls=TypeError,
                               hint="Use np.random.default_rng(seed).")
        keep = gen.random(np.shape(getval(A))) >= p
        dtype = np.result_type(getval(A))
        A = A * (keep.astype(dtype) / np.asarray(1.0 - p, dtype))
    y = anp.matmul(anp.swapaxes(v, 2, 3), A)  # (N, h, dv, Lq)
    Y = lq.restore(_merge(y, lq.fmt), lq.fmt)
    if return_weights:
        return Y, dlarray._wrap(anp.transpose(A, (2, 3, 1, 0)))
    return Y


def _allowed(func, padding_mask, attention_mask, lk, N, Lk, Lq):
    """Boolean (N or 1, 1, Lk, Lq or 1) array of allowed (key, query) pairs, or None."""
    allowed = None
    if padding_mask is not None:
        allowed = _padding(func, padding_mask, lk, N, Lk)[:, None, :, None]
    if isinstance(attention_mask, str):
        kind = _checks.choice(func, "attention_mask", attention_mask, ("none", "causal"))
        if kind == "causal":
            causal = np.arange(Lk)[:, None] <= np.arange(Lq)[None, :]
            allowed = causal[None, None] if allowed is None else allowed & causal[None, None]
    else:
        M = _checks.as_array_input(func, "attention_mask", attention_mask)
        m = np.asarray(getval(M._data)).astype(bool)
        if m.shape == (Lk, Lq):
            m = m[None, None]
        elif m.shape == (Lk, Lq, N):
            m = np.transpose(m, (2, 0, 1))[:, None]
        else:
            raise _checks.fail(func, "attention_mask", f"must be 'none', 'causal' or a logical "
                               f"array of shape (Lk, Lq) = ({Lk}, {Lq}) or (Lk, Lq, N)",
                               f"shape {m.shape}", "True marks the pairs that may attend.")
        allowed = m if allowed is None else allowed & m
    return allowed


def _raw(x):
    data = getval(x._data)
    while hasattr(data, "_value"):
        data = data._value
    return np.asarray(data)


def _padding(func, padding_mask, lk, N, Lk):
    """The padding mask as a boolean (N, Lk) array."""
    M = _checks.as_array_input(func, "padding_mask", padding_mask)
    m = _raw(M)
    if M.fmt:
        fmt = M.fmt
    elif m.shape == (N, Lk):
        return m.astype(bool)
    else:
        fmt = lk.user_fmt or lk.fmt  # the keys' own layout
    if m.ndim != len(fmt) or any(label not in lk.fmt for label in fmt):
        raise _checks.fail(func, "padding_mask", f"must have shape (N, Lk) = ({N}, {Lk}) or "
                           "the layout of keys", f"shape {m.shape}",
                           "True marks data, False marks padding.")
    if "C" in fmt:
        m = np.take(m, 0, axis=fmt.index("C"))
        fmt = fmt.replace("C", "")
    if "B" not in fmt:
        m = m[None]
        fmt = "B" + fmt
    m = np.transpose(m, (fmt.index("B"), 1 - fmt.index("B")))
    if m.shape != (N, Lk):
        raise _checks.fail(func, "padding_mask", f"must have one value per key position "
                           f"(N, Lk) = ({N}, {Lk})", f"shape {m.shape}")
    return m.astype(bool)


def _attention_reference(queries, keys, values, num_heads, *, fmt, scale="auto",
                         padding_mask=None, attention_mask="none", return_weights=False):
    def to_cnl(x):
        x = np.asarray(x, dtype=float)
        labels = [label for label in fmt]
        order = [labels.index("C"), labels.index("B") if "B" in labels else None,
                 labels.index("S" if "S" in labels else "T")]
        if order[1] is None:
            x = np.transpose(x, (order[0], order[2]))[:, None, :]
        else:
            x = np.transpose(x, order)
        return x

    Q, K, V = to_cnl(queries), to_cnl(keys), to_cnl(values)
    C, N, Lq = Q.shape
    Lk = K.shape[2]
    d, dv = C // num_heads, V.shape[0] // num_heads
    s = 1 / math.sqrt(d) if scale == "auto" else scale
    Y = np.zeros((V.shape[0], N, Lq))
    W = np.zeros((Lk, Lq, num_heads, N))
    for n in range(N):
        for h in range(num_heads):
            for j in range(Lq):
                logits = []
                for i in range(Lk):
                    ok = True
                    if padding_mask is not None and not np.reshape(padding_mask, (N, Lk))[n, i]:
                        ok = False
                    if isinstance(attention_mask, str) and attention_mask == "causal" and i > j:
                        ok = False
                    if not isinstance(attention_mask, str) and not attention_mask[i, j]:
                        ok = False
                    value = s * sum(K[h * d + c, n, i] * Q[h * d + c, n, j] for c in range(d))
                    logits.append(value if ok else -np.inf)
                m = max(logits)
                e = [math.exp(v - m) if v > -np.inf else 0.0 for v in logits]
                w = [x / sum(e) for x in e]
                W[:, j, h, n] = w
                for c in range(dv):
                    Y[h * dv + c, n, j] = sum(w[i] * V[h * dv + c, n, i] for i in range(Lk))
    labels = "C" + ("B" if "B" in fmt else "") + ("S" if "S" in fmt else "T")
    if "B" not in fmt:
        Y = Y[:, 0]
    Y = np.transpose(Y, [labels.index(label) for label in fmt])
    return (Y, W) if return_weights else Y


def _sample_attention(rng, dtype, n):
    C, Lq, Lk = 4, 3, 5

    def x(shape, fmt=""):
        return sample_array(rng, shape, dtype, fmt)

    mask = rng.random((n, Lk)) > 0.3
    mask[:, 0] = True
    amask = rng.random((Lk, Lq)) > 0.3
    amask[0] = True
    return [
        Case("CBT 2 heads", (x((C, n, Lq), "CBT"), x((C, n, Lk), "CBT"), x((6, n, Lk), "CBT"),
                             2), {}, "CBT"),
        Case("causal self-attention", (x((C, n, Lq), "CBT"), x((C, n, Lq), "CBT"),
                                       x((C, n, Lq), "CBT"), 1),
             {"attention_mask": "causal"}, "CBT"),
        Case("padding and mask, weights", (x((C, n, Lq), "CBT"), x((C, n, Lk), "CBT"),
                                           x((2, n, Lk), "CBT"), 2),
             {"padding_mask": mask, "attention_mask": amask, "scale": 0.7,
              "return_weights": True}, ("CBT", "")),
        Case("SCB", (x((Lq, C, n), "SCB"), x((Lk, C, n), "SCB"), x((Lk, C, n), "SCB"), 2), {},
             "SCB"),
        Case("unformatted TCB", (x((Lq, C, n)), x((Lk, C, n)), x((Lk, 2, n)), 1),
             {"data_format": "TCB"}, ""),
    ]


register(OpRecord("attention", attention, _attention_reference, _sample_attention,
                  diff_argnums=(0, 1, 2), second_order=True,
                  kink="smooth (masked pairs get exactly zero weight)"))
