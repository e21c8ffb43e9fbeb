"""minibatchqueue: serve shuffled mini-batches of arrays as dlarrays, MATLAB style."""

import builtins
import numbers
import warnings

import numpy as np

from .._checks import choice, describe, fail, matlab_names, positive_int, user_stacklevel
from ..core import dlarray, extractdata, parse_format

_CASTS = {"float32": np.float32, "single": np.float32, "float64": np.float64,
          "double": np.float64, "float16": np.float16, "half": np.float16}


def _is_observation_list(x):
    """A list/tuple of arrays, one per observation (MATLAB's cell array of sequences)."""
    return (isinstance(x, (list, tuple)) and len(x) > 0
            and all(isinstance(e, (np.ndarray, dlarray)) and e.ndim >= 1 for e in x))


class minibatchqueue:
    """Serve mini-batches of one or more arrays, shuffled, as dlarrays.

    Observations are on the **last axis** of every input (MATLAB's convention): images
    ``(H, W, C, N)``, features ``(C, N)``, labels ``(N,)``, padded sequences ``(C, T, N)``.
    Each call of :meth:`next` takes the next ``mini_batch_size`` observations of every input
    (the same observations for all inputs), applies ``preprocess``, casts floating-point data
    to ``output_cast`` and wraps each output in a dlarray with its ``mini_batch_format``.

    Parameters
    ----------
    *arrays : ndarray, dlarray or list of arrays
        The inputs, all with the same number of observations N. A formatted dlarray with a
        "B" dimension holds its observations along that dimension. A list (or tuple) of
        arrays is one array per observation, e.g. sequences of different lengths; its
        mini-batches reach ``preprocess`` as lists, and without ``preprocess`` they are
        stacked on a new last axis (which needs equal shapes).
    mini_batch_size : int, default 128
        Observations per mini-batch.
    mini_batch_format : str, sequence of str or None, default None
        Format of each output, in the layout the output has before wrapping (observations
        last): one string for a single output, else one entry per output; ``""`` or None
        means unformatted. The format must label every dimension; dlarray then permutes to
        MATLAB's canonical order, so ``"CTB"`` gives ``"CBT"`` batches of shape
        ``(C, batch, T)``. By default, outputs are unformatted, except that formatted
        dlarray inputs keep their format when there is no ``preprocess``.
    shuffle : bool, default True
        Shuffle the observations at construction and at every :meth:`reset`.
    partial_mini_batch : {"return", "discard"}, default "return"
        What to do with the last mini-batch of an epoch when it has fewer than
        ``mini_batch_size`` observations.
    preprocess : callable, optional
        ``preprocess(*batch_arrays) -> array or tuple of arrays``, called with the NumPy
        mini-batches of the inputs (observations last) before casting and wrapping, e.g. to
        one-hot encode labels or pad sequences. It may return a different number of outputs
        than it receives inputs.
    output_cast : str or None, default "float32"
        dtype of floating-point outputs ("float32"/"single", "float64"/"double",
        "float16"/"half"); None keeps the dtype. Integer and boolean outputs (labels, masks)
        always keep their dtype.
    rng : numpy.random.Generator or int, optional
        Random generator (or seed) for shuffling. Default: a fresh, unseeded generator.

    Attributes
    ----------
    num_observations : int
        Number of observations N of the inputs.
    mini_batch_size : int
    partial_mini_batch : str
    mini_batch_format : tuple of str or None
        The given formats (None when not given).

    Raises
    ------
    TypeError
        If an input is not an array, a flag or size has the wrong type, ``preprocess`` is not
        callable or ``rng`` is neither a Generator nor an int.
    ValueError
        If there are no inputs, an input has no dimensions, the inputs have different numbers
        of observations, ``mini_batch_size`` is not positive, ``partial_mini_batch`` or
        ``output_cast`` is unknown, or the number or length of the formats does not match the
        outputs.
    RuntimeError
        From :meth:`next` when the epoch has no data left.

    Notes
    -----
    Python iteration (``for X, T in mbq:``) yields the *remaining* mini-batches of the current
    epoch, like ``while mbq.hasdata(): X, T = mbq.next()``; the queue is its own iterator,
    so the built-in ``next(mbq)`` gives the next mini-batch (and ``StopIteration`` at the end
    of the epoch, where ``mbq.next()`` raises a RuntimeError); start each epoch with
    :meth:`reset` or :meth:`shuffle`. The queue keeps one copy of the inputs, observations
    first, so that gathering a mini-batch is a fast contiguous copy; changing an input array
    afterwards does not change the queue, and mini-batches never share memory with it.

    MATLAB compatibility
    --------------------
    MATLAB's ``minibatchqueue(ds, MiniBatchSize=..., MiniBatchFormat=..., PartialMiniBatch=...,
    MiniBatchFcn=..., OutputCast=...)`` with ``hasdata``, ``next``, ``shuffle`` and ``reset``.
    Differences: arrays take the place of the datastore (``arrayDatastore(X,
    IterationDimension=4)`` and ``combine``); ``next`` returns a tuple instead of several
    outputs (and the dlarray itself for one output); the function forms ``hasdata(mbq)``,
    ``next(mbq)``, ``shuffle(mbq)`` and ``reset(mbq)`` exist as ``dl.hasdata`` etc., and
    Python's built-in ``next(mbq)`` works too; ``shuffle=True`` also reshuffles on ``reset()`` (MATLAB's ``reset`` does not
    shuffle; pass ``shuffle=False`` and call ``shuffle()`` each epoch for MATLAB's exact
    behaviour); integer and boolean data are not cast; there is no ``OutputEnvironment``
    (everything runs on the CPU).

    Examples
    --------
    >>> import numpy as np
    >>> import dlnotebooks as dl
    >>> X = np.random.default_rng(0).random((28, 28, 1, 10))
    >>> T = np.arange(10)
    >>> mbq = dl.minibatchqueue(X, T, mini_batch_size=4, mini_batch_format=("SSCB", ""),
    ...                         rng=0)
    >>> Xb, Tb = mbq.next()
    >>> Xb
    28(S)×28(S)×1(C)×4(B) float32 dlarray
    >>> Tb.dtype
    dtype('int64')
    >>> [int(T.shape[-1]) for X, T in mbq]
    [4, 2]
    >>> mbq.hasdata()
    False
    """

    @matlab_names
    def __init__(self, *arrays, mini_batch_size=128, mini_batch_format=None, shuffle=True,
                 partial_mini_batch="return", preprocess=None, output_cast="float32",
                 rng=None):
        func = "minibatchqueue"
        if not arrays:
            raise fail(func, "arrays", "must contain at least one input", "none",
                       "Pass the data arrays, e.g. minibatchqueue(X, T).")
        self._inputs = []       # (kind, data, observation axis, format)
        sizes = []
        for i, x in enumerate(arrays):
            kind, data, axis, fmt = self._prepare_input(func, i, x)
            self._inputs.append((kind, data, axis, fmt))
            sizes.append(len(data))
        for i, n in enumerate(sizes):
            if n != sizes[0]:
                raise fail(func, f"input {i}", f"must have as many observations as input 0 "
                           f"({sizes[0]})", f"{n} observations (shape "
                           f"{self._shape_text(i)})",
                           "Observations are on the last axis of every array."
                           + self._observations_first_hint(sizes))
        if sizes[0] == 1:
            kind, data, axis, fmt = self._inputs[0]
            shape = np.moveaxis(data, 0, axis).shape if kind == "array" else ()
            if len(shape) >= 2 and shape[0] > 1 and not fmt:
                warnings.warn(
                    f"minibatchqueue: the inputs hold a single observation (the last axis of "
                    f"shape {shape} has size 1). Observations are on the last axis; if the "
                    f"{shape[0]} observations are on the first axis, pass "
                    "np.moveaxis(X, 0, -1).", UserWarning, stacklevel=user_stacklevel())
        self._n = sizes[0]
        self._batch = positive_int(func, "mini_batch_size", mini_batch_size)
        if isinstance(shuffle, (bool, np.bool_)):
            self._shuffle_on_reset = bool(shuffle)
        else:
            raise fail(func, "shuffle", "must be True or False", describe(shuffle),
                       cls=TypeError)
        self._partial = choice(func, "partial_mini_batch", partial_mini_batch,
                               ("return", "discard"))
        if preprocess is not None and not callable(preprocess):
            raise fail(func, "preprocess", "must be a function or None", describe(preprocess),
                       cls=TypeError)
        self._preprocess = preprocess
        if output_cast is None:
            self._cast = None
        else:
            try:
                name = output_cast if isinstance(output_cast, str) else np.dtype(output_cast).name
            except TypeError:
                name = None
            if name not in _CASTS:
                options = ", ".join(repr(k) for k in _CASTS)
                raise fail(func, "output_cast", f"must be None or one of {options}",
                           describe(output_cast))
            self._cast = _CASTS[name]
        self._formats = self._parse_formats(func, mini_batch_format)
        if self._formats is not None and preprocess is None:
            self._check_formats(
                [data[0].ndim + 1 if kind == "list" else data.ndim
                 for kind, data, _, _ in self._inputs],
                [data[0].ndim if kind == "list" else axis
                 for kind, data, axis, _ in self._inputs])
        if rng is None:
            rng = np.random.default_rng()
        elif isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
            rng = np.random.default_rng(int(rng))
        elif not isinstance(rng, np.random.Generator):
            raise fail(func, "rng", "must be a numpy.random.Generator, an int seed or None",
                       describe(rng), "For example rng=np.random.default_rng(0).",
                       cls=TypeError)
        self._rng = rng
        self._order = np.arange(self._n)
        self._position = 0
        if self._shuffle_on_reset:
            self._order = self._rng.permutation(self._n)

    # ---- construction helpers ----
    @staticmethod
    def _prepare_input(func, i, x):
        if _is_observation_list(x):
            items = [extractdata(e) if isinstance(e, dlarray) else e for e in x]
            return "list", items, None, None
        if isinstance(x, dlarray):
            data = extractdata(x)
            fmt = x.fmt
            axis = fmt.index("B") if "B" in fmt else data.ndim - 1
        elif isinstance(x, (np.ndarray, list, tuple, numbers.Number)):
            data = np.asarray(x)
            fmt = ""
            axis = data.ndim - 1
            if data.dtype == object or data.dtype.kind in "USV":
                raise fail(func, f"input {i}", "must be a numeric array", describe(x),
                           cls=TypeError)
        else:
            raise fail(func, f"input {i}", "must be a NumPy array, a dlarray or a list of "
                       "arrays", type(x).__name__, cls=TypeError)
        if data.ndim == 0:
            raise fail(func, f"input {i}", "must have at least one dimension (observations "
                       "on the last axis)", describe(x))
        # Store observation-major (a one-time copy): gathering a mini-batch is then a
        # contiguous row gather, many times faster than a strided gather along the last axis.
        return "array", np.ascontiguousarray(np.moveaxis(data, axis, 0)), axis, fmt

    def _observations_first_hint(self, sizes):
        """Name the inputs that hold the other inputs' count on their first axis instead."""
        notes = []
        for i, (kind, data, axis, fmt) in enumerate(self._inputs):
            if kind != "array" or fmt or data.ndim < 2:
                continue
            first = np.moveaxis(data, 0, axis).shape[0]
            if first != sizes[i] and any(first == n for j, n in enumerate(sizes) if j != i):
                notes.append(f"input {i} has {first} on its first axis: it looks "
                             "observations-first (N, ...); pass np.moveaxis(X, 0, -1)")
        return (" " + "; ".join(notes) + ".") if notes else ""

    def _shape_text(self, i):
        kind, data, axis, _ = self._inputs[i]
        if kind == "list":
            return f"list of {len(data)} arrays"
        return str(np.moveaxis(data, 0, axis).shape)

    @staticmethod
    def _parse_formats(func, formats):
        if formats is None:
            return None
        if isinstance(formats, str):
            formats = (formats,)
        elif not isinstance(formats, (list, tuple)):
            raise fail(func, "mini_batch_format", "must be a format string, a sequence of "
                       "them, or None", describe(formats), cls=TypeError)
        out = []
        for k, fmt in enumerate(formats):
            if fmt is None:
                fmt = ""
            out.append(parse_format(fmt, where=func, arg=f"mini_batch_format[{k}]"))
        return tuple(out)

    def _check_formats(self, ndims, axes):
        """Check the formats against the outputs' numbers of dimensions and batch axes.

        ``axes[k]`` is the axis of output k that holds the observations, or None when it is
        unknown (outputs of ``preprocess``, whose layout is the user's).
        """
        func = "minibatchqueue"
        if len(self._formats) != len(ndims):
            raise fail(func, "mini_batch_format", f"must give one format per output "
                       f"({len(ndims)})", f"{len(self._formats)} formats "
                       f"{list(self._formats)}",
                       'Use "" for an unformatted output, e.g. ("SSCB", "").')
        for k, (fmt, ndim) in enumerate(zip(self._formats, ndims)):
            if fmt and len(fmt) != ndim:
                raise fail(func, f"mini_batch_format[{k}]", f"must have one label per "
                           f"dimension of output {k} ({ndim})", repr(fmt),
                           "Observations are on the last axis, e.g. \"SSCB\" for "
                           "(H, W, C, N) images.")
            axis = axes[k]
            if fmt and axis is not None and "B" in fmt and fmt.index("B") != axis:
                raise fail(func, f"mini_batch_format[{k}]", f"must label axis {axis}, which "
                           f"holds the observations, 'B'", repr(fmt),
                           'For (C, T, N) sequences use "CTB"; the batches are then "CBT".')

    # ---- properties ----
    @property
    def num_observations(self):
        """Number of observations N of the inputs."""
        return self._n

    @property
    def mini_batch_size(self):
        return self._batch

    @property
    def partial_mini_batch(self):
        return self._partial

    @property
    def mini_batch_format(self):
        return self._formats

    def _end(self):
        if self._partial == "discard":
            return self._n - self._n % self._batch
        return self._n

    # ---- MATLAB methods ----
    def hasdata(self):
        """True while the current epoch has another mini-batch.

        Returns
        -------
        bool
        """
        return self._position < self._end()

    def reset(self):
        """Start a new epoch; reshuffles when the queue was made with ``shuffle=True``.

        Returns
        -------
        None
        """
        if self._shuffle_on_reset:
            self._order = self._rng.permutation(self._n)
        self._position = 0

    def shuffle(self):
        """Shuffle the observations and start a new epoch (MATLAB's ``shuffle(mbq)``).

        Returns
        -------
        None
        """
        self._order = self._rng.permutation(self._n)
        self._position = 0

    def next(self):
        """Return the next mini-batch: a dlarray for one output, else a tuple of dlarrays.

        Returns
        -------
        X : dlarray, or a tuple with one dlarray per output
            Formatted with that output's ``mini_batch_format`` (unformatted when None); the
            observation dimension holds up to ``mini_batch_size`` observations (fewer in the
            last, partial mini-batch).

        Raises
        ------
        RuntimeError
            If the epoch has no data left (``hasdata()`` is False).
        """
        if not self.hasdata():
            left = self._n - self._position
            raise fail("minibatchqueue.next", "the queue", "has no data left in this epoch",
                       f"{left} unused observations of {self._n} with mini_batch_size "
                       f"{self._batch} and partial_mini_batch {self._partial!r}",
                       "Call reset() or shuffle() to start a new epoch, and loop while "
                       "hasdata().", cls=RuntimeError)
        index = self._order[self._position:self._position + self._batch]
        self._position += len(index)
        batches = []
        for kind, data, axis, _ in self._inputs:
            if kind == "list":
                batches.append([data[i] for i in index])
            else:
                batches.append(np.ascontiguousarray(np.moveaxis(data[index], 0, axis)))
        if self._preprocess is not None:
            outputs = self._preprocess(*batches)
            outputs = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
            default_formats = [x.fmt if isinstance(x, dlarray) else "" for x in outputs]
            outputs = [extractdata(x) if isinstance(x, dlarray) else np.asarray(x)
                       for x in outputs]
            if self._formats is not None:
                self._check_formats([x.ndim for x in outputs], [None] * len(outputs))
        else:
            outputs = []
            for k, (batch, (kind, _, _, _)) in enumerate(zip(batches, self._inputs)):
                if kind == "list":
                    batch = self._stack(k, batch)
                outputs.append(batch)
            default_formats = [fmt or "" for _, _, _, fmt in self._inputs]
        formats = self._formats if self._formats is not None else default_formats
        result = []
        for x, fmt in zip(outputs, formats):
            if self._cast is not None and x.dtype.kind == "f" and x.dtype != self._cast:
                x = x.astype(self._cast)
            result.append(dlarray(x, fmt) if fmt else dlarray(x))
        return result[0] if len(result) == 1 else tuple(result)

    def _stack(self, k, items):
        shapes = {item.shape for item in items}
        if len(shapes) > 1:
            raise fail("minibatchqueue.next", f"input {k}", "holds observations of different "
                       "shapes, which cannot be stacked", f"shapes {sorted(shapes)[:3]}",
                       "Give a preprocess function that pads them, e.g. with "
                       "dl.data.padsequences(batch, 1).")
        return np.stack(items, axis=-1)

    # ---- Python protocols ----
    def __iter__(self):
        return self

    def __next__(self):
        # Python's built-in next(mbq) and for-loops; at the end of the epoch the iterator
        # protocol needs StopIteration (mbq.next() raises a RuntimeError instead, as MATLAB).
        if not self.hasdata():
            raise StopIteration("minibatchqueue: no data left in this epoch; call reset(mbq) "
                                "or shuffle(mbq) to start the next one.")
        return self.next()

    def __repr__(self):
        return (f"minibatchqueue with {len(self._inputs)} input(s), {self._n} observations, "
                f"mini_batch_size {self._batch}, position {self._position}")


# ---------------------------------------------------------------- MATLAB's function-call forms

def _queue(func, mbq):
    if not isinstance(mbq, minibatchqueue):
        raise fail(func, "mbq", "must be a minibatchqueue", describe(mbq),
                   "Create one with mbq = minibatchqueue(X, T, mini_batch_size=...).",
                   cls=TypeError)
    return mbq


def hasdata(mbq):
    """MATLAB's ``hasdata(mbq)``: True while the epoch has another mini-batch.

    The same as ``mbq.hasdata()``.

    Parameters
    ----------
    mbq : minibatchqueue

    Returns
    -------
    tf : bool
        True while another mini-batch is left in this epoch.

    Raises
    ------
    TypeError
        ``mbq`` is not a minibatchqueue.

    MATLAB compatibility
    --------------------
    ``tf = hasdata(mbq)``, identical.
    """
    return _queue("hasdata", mbq).hasdata()


def shuffle(mbq):
    """MATLAB's ``shuffle(mbq)``: reshuffle the observations and start a new epoch.

    The same as ``mbq.shuffle()``.

    Parameters
    ----------
    mbq : minibatchqueue

    Returns
    -------
    None
        The queue changes in place.

    Raises
    ------
    TypeError
        ``mbq`` is not a minibatchqueue.

    MATLAB compatibility
    --------------------
    ``shuffle(mbq)``, identical: ``minibatchqueue`` is a handle object in MATLAB too.
    """
    _queue("shuffle", mbq).shuffle()


def reset(mbq):
    """MATLAB's ``reset(mbq)``: start a new epoch (reshuffles when made with ``shuffle=True``).

    The same as ``mbq.reset()``.

    Parameters
    ----------
    mbq : minibatchqueue

    Returns
    -------
    None
        The queue changes in place.

    Raises
    ------
    TypeError
        ``mbq`` is not a minibatchqueue.

    MATLAB compatibility
    --------------------
    ``reset(mbq)``. MATLAB's ``reset`` does not reshuffle; a queue made with
    ``shuffle=False`` behaves exactly so (call ``shuffle(mbq)`` each epoch then).
    """
    _queue("reset", mbq).reset()


def next(mbq, *default):  # noqa: A001 -- MATLAB's name; other iterators go to builtins.next
    """MATLAB's ``next(mbq)``: the next mini-batch, a dlarray for one output, else a tuple.

    ``X, T = next(mbq)`` works with this function and with Python's built-in ``next``. For
    anything that is not a minibatchqueue it is Python's ``next(iterator[, default])``, so
    ``from dlnotebooks import *`` does not break other iterators.

    Parameters
    ----------
    mbq : minibatchqueue or iterator
    *default : optional
        For other iterators only: Python's default when the iterator is exhausted.

    Returns
    -------
    X : dlarray, or tuple of dlarray
        One mini-batch, formatted as ``mini_batch_format`` says, observations last
        (e.g. ``"SSCB"``, shape (H, W, C, mini_batch_size)); a tuple when the queue has
        several outputs.

    Raises
    ------
    RuntimeError
        When the epoch has no data left (``hasdata(mbq)`` is False); call ``reset(mbq)``.

    MATLAB compatibility
    --------------------
    ``[X, T] = next(mbq)`` becomes ``X, T = next(mbq)``; a single output comes back as the
    dlarray itself, not a 1-tuple.
    """
    if isinstance(mbq, minibatchqueue):
        if default and not mbq.hasdata():
            return default[0]
        return mbq.next()
    return builtins.next(mbq, *default)
