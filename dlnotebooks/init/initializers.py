"""Initializers for learnable parameters, in MATLAB weight layouts, float32 by default.

Each function returns an unformatted dlarray. Random initializers take the random generator as
the keyword-only argument ``rng`` (a ``numpy.random.Generator``); nothing here seeds or touches
NumPy's global random state.
"""

import math
import numbers

import numpy as np

from .. import _checks
from ..core import dlarray

__all__ = ["glorot", "he", "gaussian", "uniform", "orthogonal", "unit_forget_gate",
           "narrow_normal", "zeros", "ones", "fan_in_out"]


def _shape(func, shape):
    if isinstance(shape, (numbers.Integral,)) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not shape:
        raise _checks.fail(func, "shape", "must be a non-empty tuple of positive integers",
                           _checks.describe(shape), "For example (10, 784).", cls=TypeError)
    return tuple(_checks.positive_int(func, f"shape[{i}]", n) for i, n in enumerate(shape))


def _rng(func, rng):
    if not isinstance(rng, np.random.Generator):
        raise _checks.fail(func, "rng", "must be a numpy.random.Generator",
                           _checks.describe(rng),
                           "Create one with rng = np.random.default_rng(0) and pass rng=rng.",
                           cls=TypeError)
    return rng


def _dtype(func, dtype):
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise _checks.fail(func, "dtype", "must be a floating-point type", str(dt),
                           'Use "float32" (the default) or "float64".', cls=TypeError)
    return dt


def _wrap(values, dtype):
    return dlarray(np.asarray(values, dtype=dtype))


def _fans(func, shape, kind, given):
    """The sizes named in ``given`` ("num_in", "num_out"): from ``kind`` and the shape, or as
    given; never both."""
    if kind is None:
        if any(v is None for v in given.values()):
            missing = [k for k, v in given.items() if v is None]
            raise _checks.fail(func, missing[0], "must be given when kind is not", "None",
                               f"Pass {' and '.join(given)}, or kind= (one of "
                               f"{', '.join(repr(k) for k in _FAN_KINDS)}) to compute them "
                               "from the shape.", cls=TypeError)
        return [_checks.positive_int(func, k, v) for k, v in given.items()]
    extra = [k for k, v in given.items() if v is not None]
    if extra:
        raise _checks.fail(func, extra[0], "must not be given together with kind",
                           repr(given[extra[0]]), "kind computes the fans from the shape.",
                           cls=TypeError)
    fans = dict(zip(("num_in", "num_out"), _fan_in_out(func, kind, shape)))
    return [fans[k] for k in given]


def glorot(shape, num_out=None, num_in=None, *, kind=None, rng, dtype="float32"):
    """Draw Glorot (Xavier) uniform weights: ``U(-b, b)`` with ``b = sqrt(6/(num_in+num_out))``.

    .. math:: W_{ij} \\sim \\mathcal{U}\\left(-\\sqrt{\\tfrac{6}{n_{in}+n_{out}}},
              \\sqrt{\\tfrac{6}{n_{in}+n_{out}}}\\right)

    Parameters
    ----------
    shape : tuple of int
        Shape of the weights in MATLAB layout, e.g. ``(num_out, num_in)`` for fully connected
        weights or ``(h, w, C, F)`` for convolution weights.
    num_out, num_in : int, optional
        Fan-out and fan-in. Give both, or ``kind`` instead.
    kind : str, optional
        The kind of weights (``"fullyconnect"``, ``"conv"``, ``"lstm"``, ... — see
        :func:`fan_in_out`): the fans are computed from ``shape``, so
        ``glorot((5, 5, 1, 20), kind="conv", rng=rng)`` needs no arithmetic.
    rng : numpy.random.Generator
        Source of randomness (keyword-only, required).
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    TypeError
        ``rng`` not a Generator; non-integer sizes; neither the fans nor ``kind`` given, or
        both.
    ValueError
        Non-positive sizes; unknown ``kind`` or a shape that does not fit it.

    Notes
    -----
    The variance ``b^2/3 = 2/(num_in+num_out)`` keeps activations and gradients at similar scales
    in both directions through a layer.

    MATLAB compatibility
    --------------------
    ``initializeGlorot(sz, numOut, numIn)`` from the "Initialize Learnable Parameters for Model
    Function" page: ``b*(2*rand(sz,'single')-1)``. The random numbers differ from MATLAB's.

    Examples
    --------
    >>> import numpy as np
    >>> W = glorot((3, 4), 3, 4, rng=np.random.default_rng(0))
    >>> W.shape, W.dtype, bool(np.all(np.abs(np.asarray(W)) <= np.sqrt(6 / 7)))
    ((3, 4), dtype('float32'), True)
    >>> W = glorot((5, 5, 1, 20), kind="conv", rng=np.random.default_rng(0))  # fans 25, 500
    >>> bool(np.all(np.abs(np.asarray(W)) <= np.sqrt(6 / 525)))
    True
    """
    func = "glorot"
    shape = _shape(func, shape)
    num_out, num_in = _fans(func, shape, kind, {"num_out": num_out, "num_in": num_in})
    rng = _rng(func, rng)
    dt = _dtype(func, dtype)
    bound = math.sqrt(6.0 / (num_in + num_out))
    return _wrap(bound * (2.0 * rng.random(shape) - 1.0), dt)


def he(shape, num_in=None, *, kind=None, rng, dtype="float32"):
    """Draw He (Kaiming) normal weights: mean 0, standard deviation ``sqrt(2/num_in)``.

    .. math:: W_{ij} \\sim \\mathcal{N}\\left(0, \\tfrac{2}{n_{in}}\\right)

    Parameters
    ----------
    shape : tuple of int
        Shape of the weights in MATLAB layout.
    num_in : int, optional
        Fan-in. Give it, or ``kind`` instead.
    kind : str, optional
        The kind of weights (see :func:`fan_in_out`); the fan-in is computed from ``shape``.
    rng : numpy.random.Generator
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    TypeError
        ``rng`` not a Generator; non-integer sizes; neither ``num_in`` nor ``kind`` given,
        or both.
    ValueError
        Non-positive sizes; unknown ``kind`` or a shape that does not fit it.

    Notes
    -----
    Suited to layers followed by ReLU, which zeroes half of its inputs on average.

    MATLAB compatibility
    --------------------
    ``initializeHe(sz, numIn)``: ``randn(sz,'single')*sqrt(2/numIn)``.

    Examples
    --------
    >>> import numpy as np
    >>> W = he((200, 50), 50, rng=np.random.default_rng(0))
    >>> round(float(np.std(np.asarray(W))), 1)
    0.2
    """
    func = "he"
    shape = _shape(func, shape)
    (num_in,) = _fans(func, shape, kind, {"num_in": num_in})
    rng = _rng(func, rng)
    dt = _dtype(func, dtype)
    return _wrap(rng.standard_normal(shape) * math.sqrt(2.0 / num_in), dt)


def gaussian(shape, mean=0.0, std=0.01, *, rng, dtype="float32"):
    """Draw normally distributed values: ``mean + std * N(0, 1)``.

    .. math:: W_{ij} \\sim \\mathcal{N}(\\mu, \\sigma^2)

    Parameters
    ----------
    shape : tuple of int
    mean : float, default 0.0
    std : float >= 0, default 0.01
    rng : numpy.random.Generator
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    TypeError
        ``rng`` not a Generator; non-numeric mean or std.
    ValueError
        Negative ``std``; non-positive sizes.

    Notes
    -----
    The default (mean 0, std 0.01) is MATLAB's default for word embeddings.

    MATLAB compatibility
    --------------------
    ``initializeGaussian(sz, mu, sigma)``: ``randn(sz,'single')*sigma + mu``.

    Examples
    --------
    >>> import numpy as np
    >>> W = gaussian((2, 3), 1.0, 0.0, rng=np.random.default_rng(0))
    >>> np.asarray(W)
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    func = "gaussian"
    shape = _shape(func, shape)
    mean = _checks.real_number(func, "mean", mean)
    std = _checks.real_number(func, "std", std, low=0)
    rng = _rng(func, rng)
    dt = _dtype(func, dtype)
    return _wrap(rng.standard_normal(shape) * std + mean, dt)


def narrow_normal(shape, *, rng, dtype="float32"):
    """Draw narrow normal values: mean 0, standard deviation 0.01.

    .. math:: W_{ij} \\sim \\mathcal{N}(0, 0.01^2)

    Parameters
    ----------
    shape : tuple of int
    rng : numpy.random.Generator
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    TypeError
        ``rng`` not a Generator.
    ValueError
        Non-positive sizes.

    Notes
    -----
    The same as ``gaussian(shape, 0, 0.01, rng=rng)``.

    MATLAB compatibility
    --------------------
    The ``"narrow-normal"`` initializer option of MATLAB's layers.

    Examples
    --------
    >>> import numpy as np
    >>> W = narrow_normal((1000,), rng=np.random.default_rng(0))
    >>> bool(abs(float(np.std(np.asarray(W))) - 0.01) < 1e-3)
    True
    """
    return gaussian(_shape("narrow_normal", shape), 0.0, 0.01,
                    rng=_rng("narrow_normal", rng), dtype=_dtype("narrow_normal", dtype))


def uniform(shape, bound=0.1, *, rng, dtype="float32"):
    """Draw uniform values on ``[-bound, bound]``.

    .. math:: W_{ij} \\sim \\mathcal{U}(-b, b)

    Parameters
    ----------
    shape : tuple of int
    bound : float >= 0, default 0.1
    rng : numpy.random.Generator
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    TypeError
        ``rng`` not a Generator.
    ValueError
        Negative bound; non-positive sizes.

    Notes
    -----
    Glorot is ``uniform`` with ``bound = sqrt(6/(num_in+num_out))``.

    MATLAB compatibility
    --------------------
    ``initializeUniform(sz, bound)``: ``bound*(2*rand(sz,'single')-1)``.

    Examples
    --------
    >>> import numpy as np
    >>> W = uniform((100,), 0.5, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(np.asarray(W)) <= 0.5))
    True
    """
    func = "uniform"
    shape = _shape(func, shape)
    bound = _checks.real_number(func, "bound", bound, low=0)
    rng = _rng(func, rng)
    dt = _dtype(func, dtype)
    return _wrap(bound * (2.0 * rng.random(shape) - 1.0), dt)


def orthogonal(shape, *, rng, dtype="float32"):
    """Draw a matrix with orthonormal columns (or rows, when it is wider than tall).

    ``Z = randn(shape)``; ``Q, R = qr(Z)`` (reduced); ``W = Q * sign(diag(R))``.

    .. math:: W = Q\\,\\mathrm{diag}(\\mathrm{sign}(\\mathrm{diag}\\,R)), \\quad Z = QR

    Parameters
    ----------
    shape : tuple of two ints (rows, cols)
        For example ``(4*num_hidden, num_hidden)`` for LSTM recurrent weights.
    rng : numpy.random.Generator
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``; ``W.T @ W = I`` when rows >= cols, otherwise
        ``W @ W.T = I``.

    Raises
    ------
    ValueError
        ``shape`` not two-dimensional; non-positive sizes.
    TypeError
        ``rng`` not a Generator.

    Notes
    -----
    Multiplying by the signs of R's diagonal makes Q uniformly distributed over orthogonal
    matrices (the plain QR factor is not). A wide shape is handled by factoring the transpose.

    MATLAB compatibility
    --------------------
    ``initializeOrthogonal(sz)``: ``[Q,R] = qr(randn(sz,'single'),0); Q = Q*diag(sign(diag(R)))``.
    MATLAB's version assumes a tall matrix; the wide case is an extension.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.asarray(orthogonal((8, 2), rng=np.random.default_rng(0)))
    >>> np.allclose(W.T @ W, np.eye(2), atol=1e-6)
    True
    """
    func = "orthogonal"
    shape = _shape(func, shape)
    if len(shape) != 2:
        raise _checks.fail(func, "shape", "must have two dimensions (rows, cols)", shape,
                           "Orthogonal initialization is defined for matrices.")
    rng = _rng(func, rng)
    dt = _dtype(func, dtype)
    rows, cols = shape
    wide = rows < cols
    Z = rng.standard_normal((cols, rows) if wide else shape)
    Q, R = np.linalg.qr(Z, mode="reduced")
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    Q = Q * signs
    return _wrap(Q.T if wide else Q, dt)


def unit_forget_gate(num_hidden, *, dtype="float32"):
    """Return the LSTM bias with the forget-gate block set to one and the rest zero.

    The bias has ``4*num_hidden`` rows in MATLAB's gate order (input, forget, cell candidate,
    output); rows ``num_hidden`` to ``2*num_hidden - 1`` (0-based) are 1.

    .. math:: b = [\\mathbf{0}_H;\\ \\mathbf{1}_H;\\ \\mathbf{0}_H;\\ \\mathbf{0}_H]

    Parameters
    ----------
    num_hidden : int
        Number of hidden units H.
    dtype : float dtype, default "float32"

    Returns
    -------
    bias : dlarray, unformatted, shape (4*num_hidden, 1)

    Raises
    ------
    ValueError
        ``num_hidden`` not positive.

    Notes
    -----
    A forget gate that starts near sigmoid(1) keeps the cell state at first, which helps the
    gradient flow over long sequences.

    MATLAB compatibility
    --------------------
    ``initializeUnitForgetGate(numHiddenUnits)``: MATLAB's rows ``H+1:2H`` (1-based).

    Examples
    --------
    >>> np.asarray(unit_forget_gate(2)).ravel()
    array([0., 0., 1., 1., 0., 0., 0., 0.], dtype=float32)
    """
    func = "unit_forget_gate"
    H = _checks.positive_int(func, "num_hidden", num_hidden)
    dt = _dtype(func, dtype)
    bias = np.zeros((4 * H, 1), dtype=dt)
    bias[H:2 * H] = 1
    return dlarray(bias)


def zeros(shape, *, dtype="float32"):
    """Return zeros of the given shape.

    .. math:: W = 0

    Parameters
    ----------
    shape : tuple of int
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    ValueError
        Non-positive sizes.

    Notes
    -----
    The default for biases and batch-normalization offsets.

    MATLAB compatibility
    --------------------
    ``initializeZeros(sz)``: ``zeros(sz,'single')``.

    Examples
    --------
    >>> zeros((2, 1)).shape
    (2, 1)
    """
    return dlarray(np.zeros(_shape("zeros", shape), dtype=_dtype("zeros", dtype)))


def ones(shape, *, dtype="float32"):
    """Return ones of the given shape.

    .. math:: W = 1

    Parameters
    ----------
    shape : tuple of int
    dtype : float dtype, default "float32"

    Returns
    -------
    W : dlarray, unformatted, shape ``shape``

    Raises
    ------
    ValueError
        Non-positive sizes.

    Notes
    -----
    The default for batch-normalization scale factors.

    MATLAB compatibility
    --------------------
    ``initializeOnes(sz)``: ``ones(sz,'single')``.

    Examples
    --------
    >>> float(np.sum(np.asarray(ones((2, 3)))))
    6.0
    """
    return dlarray(np.ones(_shape("ones", shape), dtype=_dtype("ones", dtype)))


_FAN_KINDS = ("fullyconnect", "conv", "grouped-conv", "transposed-conv", "lstm", "gru",
              "embedding")


def fan_in_out(kind, shape):
    """Return ``(num_in, num_out)`` for weights of a given kind and MATLAB-layout shape.

    =================  ===============================  ==========================  ===========
    kind               shape                            num_in                      num_out
    =================  ===============================  ==========================  ===========
    "fullyconnect"     (num_out, num_in)                num_in                      num_out
    "conv"             (filter…, C, F)                  prod(filter)·C              prod(filter)·F
    "grouped-conv"     (filter…, C/g, F/g, g)           prod(filter)·C/g            prod(filter)·F/g
    "transposed-conv"  (filter…, F, C)                  prod(filter)·F              prod(filter)·C
    "lstm"             (4H, input) or (4H, H)           input (or H)                4H
    "gru"              (3H, input) or (3H, H)           input (or H)                3H
    "embedding"        (embedding_dim, num_words)       num_words                   embedding_dim
    =================  ===============================  ==========================  ===========

    Parameters
    ----------
    kind : str
        One of the kinds in the table.
    shape : tuple of int
        The weights' shape in MATLAB layout.

    Returns
    -------
    num_in, num_out : int

    Raises
    ------
    ValueError
        Unknown kind; a shape with the wrong number of dimensions for the kind.

    Notes
    -----
    For transposed convolution the roles of channels and filters are swapped relative to
    convolution (MATLAB's weights are ``(h, w, numFilters, numChannels)``), which makes the
    formula the same by position: fan-in uses the second-to-last size.

    MATLAB compatibility
    --------------------
    The fan values of the "Initialize Learnable Parameters for Model Function" page. The
    grouped and transposed convolution entries are our reading of that page (unverified).

    Examples
    --------
    >>> fan_in_out("conv", (5, 5, 1, 20))
    (25, 500)
    >>> fan_in_out("lstm", (400, 12))
    (12, 400)
    """
    return _fan_in_out("fan_in_out", kind, shape)


def _fan_in_out(func, kind, shape):
    kind = _checks.choice(func, "kind", kind, _FAN_KINDS)
    shape = _shape(func, shape)
    need = {"fullyconnect": 2, "lstm": 2, "gru": 2, "embedding": 2}
    if kind in need and len(shape) != 2:
        raise _checks.fail(func, "shape", f"must have two dimensions for kind {kind!r}", shape)
    if kind in ("conv", "transposed-conv") and len(shape) < 3:
        raise _checks.fail(func, "shape", f"must be (*filter_size, in, out) for kind {kind!r}",
                           shape)
    if kind == "grouped-conv":
        if len(shape) < 4:
            raise _checks.fail(func, "shape", "must be (*filter_size, C/g, F/g, g) for kind "
                               "'grouped-conv'", shape)
        area = int(np.prod(shape[:-3]))
        return area * shape[-3], area * shape[-2]
    if kind in ("conv", "transposed-conv"):
        area = int(np.prod(shape[:-2]))
        return area * shape[-2], area * shape[-1]
    return shape[1], shape[0]
