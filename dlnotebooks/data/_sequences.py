"""Waveform sequences of varying length, and padding a list of sequences into one array."""

import numbers

import numpy as np

from .._checks import choice, describe, fail, positive_int
from ..core import dlarray, extractdata

CLASS_NAMES = ("sine", "square", "sawtooth", "triangle")


def _waves(kind, phase):
    """Unit-amplitude waveform ``kind`` at ``phase`` (in cycles, any shape)."""
    frac = phase % 1.0
    if kind == 0:
        return np.sin(2 * np.pi * phase)
    if kind == 1:
        return np.where(frac < 0.5, 1.0, -1.0)
    if kind == 2:
        return 2.0 * frac - 1.0
    return 1.0 - 4.0 * np.abs(frac - 0.5)


def sequences(num_sequences=1000, *, min_length=50, max_length=150, num_channels=1, seed=0):
    """Return noisy waveforms of varying length, labelled sine, square, sawtooth or triangle.

    Each sequence draws its class, a length T uniform in ``[min_length, max_length]``, a period
    of 8–32 time steps, and per channel a random phase, amplitude (0.5–1.5), offset (±0.3)
    and Gaussian noise (std 0.05–0.3 of the amplitude). All channels of one sequence share its
    class and period.

    Parameters
    ----------
    num_sequences : int, default 1000
        Number of sequences N. The classes are balanced.
    min_length, max_length : int, default 50 and 150
        Range of lengths T_i (inclusive), ``1 <= min_length <= max_length``.
    num_channels : int, default 1
        Channels C per time step.
    seed : int, default 0
        Seed of the generator. The same arguments always give the same arrays.

    Returns
    -------
    X : list of N ndarrays, shape (C, T_i), float32
        The sequences, channels by time (MATLAB's layout of one sequence).
    labels : ndarray, shape (N,), int64
        Class index 0–3.
    class_names : tuple of str
        ``("sine", "square", "sawtooth", "triangle")``, indexed by label.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If a size is not positive, ``min_length > max_length`` or ``seed`` is negative.

    Notes
    -----
    The sequences have different lengths, so they come as a list. To train on them either
    pad everything once, ``XPad, mask = padsequences(X, 1)``, giving ``(C, T, N)`` arrays with
    observations on the last axis, and serve batches with
    ``minibatchqueue(XPad, labels, mini_batch_format=("CTB", ""))``: each batch is then a
    ``"CBT"`` dlarray of shape ``(C, batch_size, T)``, what ``lstm`` and ``gru`` expect; or
    give the list itself to ``minibatchqueue`` with a ``preprocess`` function that pads each
    mini-batch (less padding). Generating 1000 sequences takes a few milliseconds, so the
    set is not cached on disk.

    MATLAB compatibility
    --------------------
    Like the cell arrays of ``C×T`` sequences in MATLAB's sequence-classification examples;
    labels are 0-based integers rather than a categorical array.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> X, labels, names = dl.data.sequences(8, min_length=20, max_length=30, seed=0)
    >>> len(X), X[0].shape[0], X[0].dtype, names[int(labels[0])] in names
    (8, 1, dtype('float32'), True)
    """
    func = "sequences"
    n = positive_int(func, "num_sequences", num_sequences)
    lo = positive_int(func, "min_length", min_length)
    hi = positive_int(func, "max_length", max_length)
    if lo > hi:
        raise fail(func, "min_length", "must not exceed max_length",
                   f"min_length={lo}, max_length={hi}")
    c = positive_int(func, "num_channels", num_channels)
    seed = positive_int(func, "seed", seed, allow_zero=True)
    rng = np.random.default_rng([seed, 0x5E9])
    labels = rng.permutation(np.arange(n) % len(CLASS_NAMES)).astype(np.int64)
    lengths = rng.integers(lo, hi + 1, size=n)
    period = rng.uniform(8.0, 32.0, size=n)
    phase = rng.uniform(0.0, 1.0, size=(n, c, 1))
    amplitude = rng.uniform(0.5, 1.5, size=(n, c, 1))
    offset = rng.uniform(-0.3, 0.3, size=(n, c, 1))
    noise = rng.uniform(0.05, 0.3, size=(n, c, 1)) * amplitude
    t = np.arange(hi)
    # Generate every sequence at the maximum length, then cut: one vectorised pass per class.
    full = np.empty((n, c, hi))
    cycles = t[None, None, :] / period[:, None, None] + phase
    for kind in range(len(CLASS_NAMES)):
        rows = labels == kind
        full[rows] = _waves(kind, cycles[rows])
    full = amplitude * full + offset + noise * rng.normal(0.0, 1.0, size=full.shape)
    full = full.astype(np.float32)
    X = [np.ascontiguousarray(full[i, :, :lengths[i]]) for i in range(n)]
    return X, labels, CLASS_NAMES


def padsequences(X, padding_dim, *, length="longest", direction="right", padding_value=0):
    """Pad (or truncate) a list of sequences to one length and stack them on a new last axis.

    Parameters
    ----------
    X : list of arrays or dlarrays, each of shape (..., T_i, ...)
        Sequences of equal shape except along ``padding_dim``, e.g. ``(C, T_i)``.
    padding_dim : int
        0-based axis of each sequence along which to pad (1 for ``(C, T_i)`` sequences).
    length : "longest", "shortest" or int, default "longest"
        Target length T: the longest sequence (pad only), the shortest (truncate only), or a
        given length (pad or truncate).
    direction : {"right", "left", "both"}, default "right"
        Where padding is added and values are removed: after the data, before it, or split
        between both ends (the extra element goes to the end).
    padding_value : scalar, default 0
        Value of the padded elements.

    Returns
    -------
    XPad : ndarray, shape (..., T, ..., N)
        The padded sequences stacked along a new last axis (observations last, ready for
        ``minibatchqueue``); dtype of the inputs. For ``(C, T_i)`` sequences: ``(C, T, N)``,
        served as "CBT" mini-batches with ``mini_batch_format="CTB"``.
    mask : ndarray, same shape as XPad, bool
        True where XPad holds data, False at padding.

    Raises
    ------
    TypeError
        If ``X`` is not a non-empty list/tuple of arrays or ``length`` has the wrong type.
    ValueError
        If ``padding_dim`` is out of range, the sequences differ in another dimension, or
        ``length`` or ``direction`` is invalid.

    Notes
    -----
    Stacking on the last axis follows MATLAB: for ``C×T`` sequences ``padsequences(X, 2)``
    returns ``C×T×N``.

    MATLAB compatibility
    --------------------
    MATLAB's ``padsequences(X, paddingDim, Length=..., Direction=..., PaddingValue=...)`` with
    a 0-based ``padding_dim``. MATLAB's ``UniformOutput=false`` is not supported.

    Examples
    --------
    >>> import numpy as np
    >>> XPad, mask = padsequences([np.ones((2, 3)), np.ones((2, 5))], 1)
    >>> XPad.shape, mask[0, :, 0].tolist()
    ((2, 5, 2), [True, True, True, False, False])
    """
    func = "padsequences"
    if not isinstance(X, (list, tuple)) or not X:
        raise fail(func, "X", "must be a non-empty list of arrays (one per sequence)",
                   describe(X), cls=TypeError)
    seqs = [extractdata(x) if isinstance(x, dlarray) else np.asarray(x) for x in X]
    ndim = seqs[0].ndim
    if isinstance(padding_dim, bool) or not isinstance(padding_dim, numbers.Integral):
        raise fail(func, "padding_dim", "must be an integer axis", describe(padding_dim),
                   cls=TypeError)
    if not 0 <= padding_dim < ndim:
        raise fail(func, "padding_dim", f"must be an axis of the sequences, 0 to {ndim - 1}",
                   padding_dim, "Axes are 0-based: use 1 for (C, T) sequences.")
    other = [s.shape[:padding_dim] + s.shape[padding_dim + 1:] for s in seqs]
    for i, (s, shape) in enumerate(zip(seqs, other)):
        if s.ndim != ndim or shape != other[0]:
            raise fail(func, "X", f"sequences must have equal sizes except along axis "
                       f"{padding_dim}", f"shape {seqs[0].shape} for X[0] and {s.shape} for "
                       f"X[{i}]")
    sizes = [s.shape[padding_dim] for s in seqs]
    if isinstance(length, str):
        length = choice(func, "length", length, ("longest", "shortest"))
        target = max(sizes) if length == "longest" else min(sizes)
    else:
        target = positive_int(func, "length", length, allow_zero=True)
    direction = choice(func, "direction", direction, ("right", "left", "both"))
    dtype = np.result_type(*seqs)
    out_shape = list(seqs[0].shape)
    out_shape[padding_dim] = target
    XPad = np.full(tuple(out_shape) + (len(seqs),), padding_value, dtype=dtype)
    mask = np.zeros(XPad.shape, dtype=bool)
    for i, (s, size) in enumerate(zip(seqs, sizes)):
        keep = min(size, target)
        slack = abs(target - size)
        before = {"right": 0, "left": slack, "both": slack // 2}[direction]
        if size > target:   # truncate: remove from the same side(s) padding would go
            src = np.take(s, np.arange(before, before + keep), axis=padding_dim)
            dst = slice(0, keep)
        else:
            src = s
            dst = slice(before, before + keep)
        index = [slice(None)] * ndim + [i]
        index[padding_dim] = dst
        XPad[tuple(index)] = src
        mask[tuple(index)] = True
    return XPad, mask
