"""embed: look up word vectors by 0-based index."""

import autograd.numpy as anp
import numpy as np

from .._autograd import getval, isbox
from .. import _checks
from ..core import dlarray
from ..core._formats import is_canonical
from ._prims import defvjp, primitive, sample_array
from ._registry import Case, OpRecord, register

__all__ = ["embed"]


def indices(func, arg, value, upper=None):
    """Integer indices from an integer array, or a float array holding whole numbers.

    Shared by embed and ctc. Returns (dlarray with the original format, int64 data).
    """
    V = _checks.as_array_input(func, arg, value)
    data = np.asarray(getval(V._data))
    while isbox(data):
        data = data._value
    if data.dtype.kind == "b" or data.dtype.kind not in "iuf":
        raise _checks.fail(func, arg, "must hold integer indices", f"dtype {data.dtype}",
                           cls=TypeError)
    if data.dtype.kind == "f":
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            bad = data[~(np.isfinite(data) & (data == np.round(data)))].ravel()[:3]
            raise _checks.fail(func, arg, "must hold integer indices", f"values such as {bad}",
                               "Indices are whole numbers, 0-based.")
    idx = data.astype(np.int64)
    if upper is not None and idx.size and (idx.min() < 0 or idx.max() >= upper):
        bad = idx[(idx < 0) | (idx >= upper)].ravel()[:3]
        raise _checks.fail(func, arg, f"must hold 0-based indices in [0, {upper - 1}]",
                           f"values such as {bad.tolist()}",
                           "Python indices are 0-based: MATLAB's index k is k - 1 here.")
    return V, idx


@primitive
def _gather(W, idx):
    """W (D, V) -> W[:, idx] of shape (D,) + idx.shape."""
    return W[:, idx]


def _gather_vjp(ans, W, idx):
    def vjp(g):
        if isbox(g) or isbox(W):
            raise RuntimeError(
                "embed: higher derivatives are not supported through embed; MATLAB does not "
                "support them either. Call dlgradient without enable_higher_derivatives=True "
                "for losses that go through embed.")
        D, V = W.shape
        flat = idx.reshape(-1)
        g2 = np.reshape(g, (D, flat.size))
        # Scatter-add: every occurrence of word k adds its column of g to column k.
        out = np.zeros((V, D), dtype=g2.dtype)
        np.add.at(out, flat, g2.T)
        return out.T.astype(W.dtype, copy=False)

    return vjp


defvjp(_gather, _gather_vjp)


def embed(X, weights, *, data_format=None):
    """Replace each 0-based word index in X by its column of ``weights``.

    ``Y[:, ...] = weights[:, X[...]]``: the output gains a C dimension of size
    ``embedding_dim`` in front.

    .. math:: Y_{:, n, t} = W_{:, X_{n, t}}

    Parameters
    ----------
    X : dlarray or array of integer indices in [0, num_words), format e.g. "BT" shape (N, T),
        "CBT" with C of size 1, or "B"; a float array holding whole numbers is accepted.
    weights : dlarray or array, shape (embedding_dim, num_words)
    data_format : str, optional
        Format of an unformatted ``X``; the output is then unformatted, in X's order with
        the new C dimension last (or in the place of a size-1 C of ``data_format``).

    Returns
    -------
    Y : dlarray, format "CBT" shape (embedding_dim, N, T) for "BT" input: X's format with a
        C dimension of size embedding_dim.

    Raises
    ------
    TypeError
        X not holding integers.
    ValueError
        Indices out of range; weights not 2-D; X with a C dimension larger than 1.
    RuntimeError
        When asked for higher derivatives through embed.

    Notes
    -----
    The gradient with respect to ``weights`` is a scatter-add: word k receives the sum of the
    output gradients at every position where it occurs. X is not differentiable.

    MATLAB compatibility
    --------------------
    ``Y = embed(X, weights)``. Indices are 0-based here (MATLAB's are 1-based: subtract 1).
    The weights layout (embedding dimension × number of words) is MATLAB's. MATLAB's
    ``WeightsFormat`` option is not supported. Higher derivatives are not supported, as in
    MATLAB.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> W = np.arange(6.0).reshape(2, 3)
    >>> Y = embed(dlarray(np.array([[0, 2, 2]]), "BT"), W)
    >>> Y.fmt, Y.shape
    ('CBT', (2, 1, 3))
    >>> Y[:, 0, :]
    2(C)×3(T) float64 dlarray
    [[0. 2. 2.]
     [3. 5. 5.]]
    """
    func = "embed"
    Wd = _checks.as_array_input(func, "weights", weights)._data
    w_shape = np.shape(getval(Wd))
    if len(w_shape) != 2:
        raise _checks.fail(func, "weights", "must have shape (embedding_dim, num_words)",
                           f"shape {w_shape}")
    V, idx = indices(func, "X", X, upper=w_shape[1])
    if V.fmt:
        if data_format is not None:
            raise _checks.fail(func, "data_format", "must not be given for a formatted input",
                               repr(data_format), f'X already has format "{V.fmt}".')
        fmt, user = V.fmt, None
    else:
        if data_format is None:
            raise _checks.fail(func, "X", "must be a formatted dlarray or come with data_format",
                               _checks.describe(X), 'For example dlarray(X, "BT").')
        user = _checks.parse_format(data_format, where=func, arg="data_format")
        if len(user) != idx.ndim:
            raise _checks.fail(func, "data_format", "must have one label per dimension of X",
                               f"{data_format!r} for shape {idx.shape}")
        perm, fmt = _checks.canonical_permutation(user)
        idx = np.transpose(idx, perm)
    if "C" in fmt:
        c = fmt.index("C")
        if idx.shape[c] != 1:
            raise _checks.fail(func, "X", "must have a C dimension of size 1 (or none)",
                               f"size {idx.shape[c]}", "X holds one index per position.")
        idx = np.squeeze(idx, axis=c)
        fmt = fmt.replace("C", "")
    n_s = fmt.count("S")
    Y = _gather(Wd, idx)  # (D,) + idx.shape
    if n_s:
        Y = anp.moveaxis(Y, 0, n_s)  # canonical order: S..., C, B, T, U...
    out_fmt = fmt[:n_s] + "C" + fmt[n_s:]
    if user is None:
        return dlarray._wrap(Y, out_fmt)
    return _checks.Layout(None, out_fmt, user).restore(Y, out_fmt)


def _embed_reference(X, weights, *, fmt):
    X = np.asarray(X)
    labels = fmt
    if "C" in fmt:
        X = np.squeeze(X, axis=fmt.index("C"))
        labels = fmt.replace("C", "")
    out = np.zeros(X.shape + (weights.shape[0],))
    for pos in np.ndindex(X.shape):
        out[pos] = weights[:, int(X[pos])]
    labels += "C"  # out is in X's own order with C last
    if is_canonical(fmt):  # a formatted input: canonical output
        target = "".join(sorted(labels, key="SCBTU".index))
    else:  # data_format input: the input's order, an added C last
        target = fmt if "C" in fmt else labels
    return np.transpose(out, [labels.index(label) for label in target])


def _sample_embed(rng, dtype, n):
    D, V = 3, 7

    def words(shape):
        return rng.integers(0, V, size=shape)

    return [
        Case("BT", (dlarray(words((n, 5)), "BT"), sample_array(rng, (D, V), dtype)), {}, "CBT"),
        Case("CBT size-1 C", (dlarray(words((1, n, 4)), "CBT"),
                              sample_array(rng, (D, V), dtype)), {}, "CBT"),
        Case("unformatted TB", (words((4, n)), sample_array(rng, (D, V), dtype)),
             {"data_format": "TB"}, ""),
        Case("B float indices", (dlarray(words((n,)).astype(float), "B"),
                                 sample_array(rng, (D, V), dtype)), {}, "CB"),
    ]


register(OpRecord("embed", embed, _embed_reference, _sample_embed, diff_argnums=(1,),
                  kink="linear in weights; X not differentiable"))
