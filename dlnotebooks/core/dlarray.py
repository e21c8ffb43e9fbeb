"""The dlarray: a NumPy array (or an autograd box while traced) plus format labels.

Format rules (see also ``docs``):

* Construction permutes the data into the canonical order S..., C, B, T, U (stable).
* Elementwise arithmetic and ufuncs: two operands with the same format keep it; two formatted
  operands with different formats are aligned by label (missing labels become singleton
  dimensions) and give the canonical union of their formats; a formatted operand with an
  unformatted one (or a scalar) keeps the formatted operand's format when the result has the
  same number of dimensions (NumPy broadcasting, trailing dims aligned); otherwise the result is
  unformatted.
* Reductions over some axes of a formatted array keep those axes as singletons with their
  labels; a reduction over all axes gives an unformatted scalar. Unformatted arrays follow NumPy.
* Indexing with slices, integers and one 1-D index array keeps the labels of the dims that stay;
  anything else (``None``, several index arrays, boolean masks over several dims) is unformatted.
* ``np.concatenate`` of arrays with one common format keeps it; ``np.where`` and ``np.clip``
  follow the elementwise rule; reshape, transpose, matmul and every other function give
  unformatted results.
"""

import numbers

import autograd.numpy as anp
import numpy as np

from .._autograd import getval, isbox
from ._formats import LABELS, canonical_permutation, parse_format
from ._sums import (traced_max, traced_mean, traced_min, traced_std, traced_sum,
                    traced_var)
from ._where import traced_maximum, traced_minimum, traced_where

__all__ = ["dlarray"]

_NOT_GIVEN = object()

# Ufuncs whose autograd VJP turns a float32 gradient into float64 (see core/_where.py).
_PRECISE_UFUNCS = {"maximum": traced_maximum, "minimum": traced_minimum}


# Functions of the public API that return a tuple: the MATLAB habit ``Y = forward(net, X)``
# keeps the whole tuple, and the next op receives it where an array belongs.
_TUPLE_RETURNING = ("Y, state = forward(net, X)", "Y, mu, sigma_sq = batchnorm(...)",
                    "Y, hidden_state, cell_state = lstm(...)", "Y, hidden_state = gru(...)",
                    "Y, indx, input_size = maxpool(..., return_indices=True)",
                    "Y, weights = attention(..., return_weights=True)")


def tuple_output_problem(where, arg, value):
    """Message for a tuple (or list) that holds dlarrays or containers where an array belongs.

    Returns None for plain nested numbers, which are a legitimate array literal. Shared by the
    dlarray constructor and every op's input validation, so each says the same thing.
    """
    if not isinstance(value, (tuple, list)):
        return None
    if not _holds_outputs(value):
        return None
    kinds = ", ".join(
        f"dlarray {v.shape}" if isinstance(v, dlarray) else type(v).__name__ for v in value[:4])
    if len(value) > 4:
        kinds += ", ..."
    name = type(value).__name__
    hint = "; ".join(_TUPLE_RETURNING)
    return (f"{where}: {arg} must be an array, not a {name}; got a {name} of {len(value)} "
            f"({kinds}). Functions with several outputs return a tuple: unpack it, as in "
            f"{hint}. With one output, take the first element: Y = forward(net, X)[0].")


def _holds_outputs(value):
    return any(isinstance(v, (dlarray, dict)) or hasattr(v, "_trace")
               or type(v).__name__ in ("State", "Learnables")
               or (isinstance(v, (tuple, list)) and _holds_outputs(v)) for v in value)


def _as_data(data, dtype):
    if isbox(data):
        if dtype is not None:
            data = _box_astype(data, dtype)
        return data
    problem = tuple_output_problem("dlarray", "data", data)
    if problem:
        raise TypeError(problem)
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dlarray: dtype must be a NumPy numeric or logical type such as "
                            f"'float32'; got {dtype!r}.") from None
        _check_kind(dtype, f"dtype {dtype}", "dtype")
    if isinstance(data, np.ndarray):
        _check_kind(data.dtype, f"an array of dtype {data.dtype}")
        return data if dtype is None else data.astype(dtype, copy=False)
    try:
        arr = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"dlarray: data must be numeric or logical; got {type(data).__name__} ({err})."
        ) from None
    _check_kind(arr.dtype, f"{type(data).__name__} of dtype {arr.dtype}")
    return arr


def _check_kind(dtype, got, arg="data"):
    # MATLAB's dlarray holds single, double, integer or logical (and complex) values only;
    # strings, objects, dates and structured records would fail later, deep inside NumPy.
    if dtype.kind not in "biufc" or dtype.names is not None:
        raise TypeError(
            f"dlarray: {arg} must be numeric or logical (bool, integer, float or complex); "
            f"got {got}. Convert labels to numbers first, for example with onehotencode or "
            "np.unique(labels, return_inverse=True).")


class dlarray:
    """Deep-learning array: data in MATLAB's canonical dimension order plus format labels.

    ``dlarray(data, fmt)`` permutes ``data`` so that its labels come in the order S..., C, B,
    T, U..., exactly as MATLAB does: a ``(10, 3)`` array with format ``"BC"`` becomes a
    ``(3, 10)`` array with format ``"CB"``. Repeated S and U labels keep their relative order.

    Parameters
    ----------
    data : array_like or dlarray
        Numeric or logical data. A dlarray keeps its format unless ``fmt`` is given.
    fmt : str, optional
        One label per dimension from S, C, B, T, U. C, B and T may appear at most once. More
        labels than ``data.ndim`` add trailing singleton dimensions. Default: unformatted.
    dtype : numpy dtype, optional
        Convert the data to this type. Integer and logical data otherwise keep their type.

    Examples
    --------
    >>> import numpy as np
    >>> X = dlarray(np.zeros((10, 3), dtype="float32"), "BC")
    >>> X
    3(C)×10(B) float32 dlarray
    >>> X.shape, X.fmt
    ((3, 10), 'CB')
    """

    __slots__ = ("_data", "_fmt")
    __array_priority__ = 1000

    def __init__(self, data, fmt=_NOT_GIVEN, *, dtype=None):
        if isinstance(data, dlarray):
            if fmt is _NOT_GIVEN:
                fmt = data._fmt
            data = data._data
        elif fmt is _NOT_GIVEN:
            fmt = ""
        if fmt is None:
            fmt = ""
        fmt = parse_format(fmt)
        data = _as_data(data, dtype)
        ndim = np.ndim(getval(data))
        if len(fmt) == 1 and ndim == 2 and 1 in np.shape(getval(data)):
            # MATLAB's dlarray(v, dim) for a vector v: a column, dim 1 labelled, dim 2 'U'
            # (so the documented dlarray(randn(4*H, 1), 'C') for an lstm bias works).
            data = anp.reshape(data, (np.size(getval(data)), 1))
            fmt = fmt + "U"
        if fmt:
            if len(fmt) < ndim:
                raise ValueError(
                    f"dlarray: fmt must have a label for each of the {ndim} dimensions of data; "
                    f"got {fmt!r} for shape {tuple(np.shape(getval(data)))}. "
                    "Add labels (for example 'U' for an unspecified dimension)."
                )
            if len(fmt) > ndim:
                data = anp.reshape(data, np.shape(getval(data)) + (1,) * (len(fmt) - ndim))
            perm, canon = canonical_permutation(fmt)
            if perm != tuple(range(len(fmt))):
                data = anp.transpose(data, perm)
            fmt = canon
        self._data = data
        self._fmt = fmt

    # ---- fast internal constructor (data already in canonical order) ----
    @classmethod
    def _wrap(cls, data, fmt=""):
        obj = object.__new__(cls)
        obj._data = data
        obj._fmt = fmt
        return obj

    # ---- attributes ----
    @property
    def fmt(self):
        """Format labels in canonical order, ``""`` when unformatted."""
        return self._fmt

    @property
    def shape(self):
        return np.shape(getval(self._data))

    @property
    def ndim(self):
        return np.ndim(getval(self._data))

    @property
    def size(self):
        return np.size(getval(self._data))

    @property
    def dtype(self):
        return np.result_type(getval(self._data))

    @property
    def traced(self):
        """True while this array is being traced inside ``dlfeval``."""
        return isbox(self._data)

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("dlarray: len() of a 0-d dlarray; use .size or float(X).")
        return shape[0]

    def __repr__(self):
        shape = self.shape
        if self._fmt:
            size = "×".join(f"{n}({label})" for n, label in zip(shape, self._fmt))
        else:
            size = "×".join(str(n) for n in shape) if len(shape) > 1 else (
                f"{shape[0]}" if shape else "1×1")
        head = f"{size} {self.dtype} dlarray" + (" (traced)" if self.traced else "")
        if self.size <= 20 and self.size > 0 and self.ndim <= 2:
            body = np.array2string(np.asarray(getval(self._data)), precision=4)
            return head + "\n" + body if "\n" in body or self.ndim else f"{head}\n{body}"
        return head

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self))

    # ---- conversions ----
    def __array__(self, dtype=None, copy=None):
        if self.traced:
            raise TypeError(
                "dlarray: cannot convert a traced dlarray to a NumPy array inside dlfeval; "
                "use extractdata(X) to take a value out of the trace (it is then not "
                "differentiated)."
            )
        arr = self._data
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return np.array(arr, copy=True) if copy else arr

    def __float__(self):
        return float(self._only_element("float"))

    def __int__(self):
        return int(self._only_element("int"))

    def __bool__(self):
        return bool(self._only_element("bool"))

    def __index__(self):
        if self.size != 1 or self.dtype.kind not in "iu":
            raise TypeError("dlarray: only a one-element integer dlarray can be used as an index.")
        return int(self)

    def _only_element(self, kind):
        if self.size != 1:
            raise TypeError(
                f"dlarray: {kind}() needs a one-element dlarray; got shape {self.shape}. "
                "Reduce it first, for example with np.sum(X) or np.mean(X)."
            )
        return np.asarray(getval(self._data)).reshape(-1)[0]

    def item(self):
        """Return the one element as a Python number.

        Parameters
        ----------
        None

        Returns
        -------
        value : float, int or bool

        Raises
        ------
        TypeError
            More than one element.
        """
        return self._only_element("item").item()

    def astype(self, dtype):
        """Return a copy converted to ``dtype``, keeping the format (and the trace).

        Parameters
        ----------
        dtype : NumPy dtype or its name, e.g. "float32"

        Returns
        -------
        Y : dlarray, the same format and shape as this one
        """
        data = self._data
        if isbox(data):
            return dlarray._wrap(_box_astype(data, dtype), self._fmt)
        return dlarray._wrap(data.astype(dtype), self._fmt)

    # ---- arithmetic ----
    def __add__(self, other):
        return _binary(anp.add, self, other)

    def __radd__(self, other):
        return _binary(anp.add, other, self)

    def __sub__(self, other):
        return _binary(anp.subtract, self, other)

    def __rsub__(self, other):
        return _binary(anp.subtract, other, self)

    def __mul__(self, other):
        return _binary(anp.multiply, self, other)

    def __rmul__(self, other):
        return _binary(anp.multiply, other, self)

    def __truediv__(self, other):
        return _binary(anp.true_divide, self, other)

    def __rtruediv__(self, other):
        return _binary(anp.true_divide, other, self)

    def __pow__(self, other):
        return _binary(anp.power, self, other)

    def __rpow__(self, other):
        return _binary(anp.power, other, self)

    def __matmul__(self, other):
        return dlarray._wrap(anp.matmul(self._data, _data_of(other)))

    def __rmatmul__(self, other):
        return dlarray._wrap(anp.matmul(_data_of(other), self._data))

    def __neg__(self):
        return dlarray._wrap(anp.negative(self._data), self._fmt)

    def __pos__(self):
        return self

    def __abs__(self):
        return dlarray._wrap(anp.abs(self._data), self._fmt)

    def __lt__(self, other):
        return _binary(anp.less, self, other)

    def __le__(self, other):
        return _binary(anp.less_equal, self, other)

    def __gt__(self, other):
        return _binary(anp.greater, self, other)

    def __ge__(self, other):
        return _binary(anp.greater_equal, self, other)

    def __eq__(self, other):
        return _binary(anp.equal, self, other)

    def __ne__(self, other):
        return _binary(anp.not_equal, self, other)

    __hash__ = None

    # ---- indexing ----
    def __getitem__(self, idx):
        if isinstance(idx, dlarray):
            idx = getval(idx._data)
        elif isinstance(idx, tuple):
            idx = tuple(getval(i._data) if isinstance(i, dlarray) else i for i in idx)
        data = self._data[idx]
        return dlarray._wrap(data, _index_format(self._fmt, idx, np.ndim(getval(data))))

    def __setitem__(self, idx, value):
        if self.traced or (isinstance(value, dlarray) and value.traced) or isbox(value):
            raise TypeError(
                "dlarray: assignment into a traced dlarray is not differentiable. Build a new "
                "array instead, for example Y = np.where(mask, 1 - Y, Y)."
            )
        if isinstance(idx, dlarray):
            idx = idx._data
        self._data[idx] = value._data if isinstance(value, dlarray) else value

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ---- methods mirroring NumPy ----
    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (all elements when None), like ``np.sum(X, axis)``.

        Parameters
        ----------
        axis : int, tuple of int or None, default None
        keepdims : bool, default False

        Returns
        -------
        Y : dlarray; the reduced dimensions drop out of the shape and the format (kept as
            size 1 with ``keepdims``)
        """
        return np.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (all elements when None), like ``np.mean(X, axis)``.

        Parameters
        ----------
        axis : int, tuple of int or None, default None
        keepdims : bool, default False

        Returns
        -------
        Y : dlarray; the shape and format as for :meth:`sum`
        """
        return np.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis`` (all elements when None), like ``np.max(X, axis)``.

        Parameters
        ----------
        axis : int, tuple of int or None, default None
        keepdims : bool, default False

        Returns
        -------
        Y : dlarray; the shape and format as for :meth:`sum`
        """
        return np.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis`` (all elements when None), like ``np.min(X, axis)``.

        Parameters
        ----------
        axis : int, tuple of int or None, default None
        keepdims : bool, default False

        Returns
        -------
        Y : dlarray; the shape and format as for :meth:`sum`
        """
        return np.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        """Return the data in a new shape (NumPy's C order); the result is unformatted.

        Parameters
        ----------
        *shape : ints, or one tuple of ints (one may be -1)

        Returns
        -------
        Y : dlarray, unformatted, shape ``shape``
        """
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return dlarray._wrap(anp.reshape(self._data, shape))

    def transpose(self, *axes):
        """Permute the dimensions like ``np.transpose``; the result is unformatted.

        Parameters
        ----------
        *axes : ints, or one tuple of ints; reversed order when none are given

        Returns
        -------
        Y : dlarray, unformatted, shape permuted by ``axes``
        """
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return dlarray._wrap(anp.transpose(self._data, axes or None))

    @property
    def T(self):
        return dlarray._wrap(anp.transpose(self._data))

    # ---- NumPy protocols ----
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or "out" in kwargs:
            raise TypeError(
                f"dlarray: np.{ufunc.__name__}.{method} (or out=) is not supported on dlarrays; "
                f"call np.{ufunc.__name__}(...) and use the returned array."
            )
        fun = _PRECISE_UFUNCS.get(ufunc.__name__) or getattr(anp, ufunc.__name__, None)
        if fun is None:
            raise TypeError(f"dlarray: np.{ufunc.__name__} cannot be traced on dlarrays.")
        if ufunc.nin == 2 and len(inputs) == 2:
            return _binary(fun, inputs[0], inputs[1], kwargs)
        fmts = [x._fmt for x in inputs if isinstance(x, dlarray) and x._fmt]
        out = _call_traced(fun, f"np.{ufunc.__name__}", [_data_of(x) for x in inputs], kwargs)
        if isinstance(out, tuple):
            return tuple(_wrap_like(o, fmts) for o in out)
        return _wrap_like(out, fmts)

    def __array_function__(self, func, types, args, kwargs):
        handler = _FUNCTIONS.get(func)
        if handler is not None:
            return handler(*args, **kwargs)
        name = func.__name__
        module = func.__module__ or "numpy"
        target = anp
        for part in module.split(".")[1:]:
            if part.startswith("_"):
                continue
            target = getattr(target, part, None)
            if target is None:
                break
        fun = getattr(target, name, None) if target is not None else None
        if fun is None:
            fun = getattr(anp, name, None)
        label = f"np.{name}" if module == "numpy" else f"{module}.{name}"
        if fun is None:
            raise TypeError(
                f"dlarray: {label} cannot be traced on dlarrays (autograd has no version of it). "
                "Use extractdata(X) if you do not need its gradient."
            )
        out = _call_traced(fun, label, _unwrap_tree(args), _unwrap_tree(kwargs))
        return _wrap_tree(out)


def _box_astype(data, dtype):
    # autograd has no differentiable astype on boxes; multiplying by a typed one keeps the graph
    # and gives the requested floating dtype (the gradient flows back unchanged).
    return data * np.ones((), dtype=dtype)


def _data_of(x):
    return x._data if isinstance(x, dlarray) else x


def _unwrap_tree(x):
    if isinstance(x, dlarray):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap_tree(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap_tree(v) for k, v in x.items()}
    return x


def _wrap_tree(x):
    if isinstance(x, (np.ndarray, np.generic)) or isbox(x):
        return dlarray._wrap(x if isbox(x) else np.asarray(x))
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap_tree(v) for v in x)
    return x


def _call_traced(fun, label, args, kwargs):
    try:
        return fun(*args, **kwargs)
    except NotImplementedError as err:
        raise TypeError(
            f"dlarray: {label} cannot be differentiated on traced dlarrays ({err}). "
            "Use extractdata(X) if you do not need its gradient."
        ) from None


def _wrap_like(out, fmts):
    if not isbox(out) and not isinstance(out, np.ndarray):
        out = np.asarray(out)
    fmt = fmts[0] if fmts and all(f == fmts[0] for f in fmts) else ""
    if fmt and np.ndim(getval(out)) != len(fmt):
        fmt = ""
    return dlarray._wrap(out, fmt)


def _align(data, fmt, target):
    """Insert singleton dims so that ``data`` (format ``fmt``) lines up with format ``target``."""
    shape = list(np.shape(getval(data)))
    new_shape = []
    i = 0
    for label in target:
        if i < len(fmt) and fmt[i] == label:
            new_shape.append(shape[i])
            i += 1
        else:
            new_shape.append(1)
    return anp.reshape(data, tuple(new_shape))


def _union_format(fa, fb):
    out = []
    for label in LABELS:
        na, nb = fa.count(label), fb.count(label)
        if na and nb and na != nb:
            raise ValueError(
                f"dlarray: cannot combine formats {fa!r} and {fb!r}: they have {na} and {nb} "
                f"'{label}' dimensions. Use stripdims or give both the same format."
            )
        out.append(label * max(na, nb))
    return "".join(out)


def _binary(fun, a, b, kwargs=None):
    for operand in (a, b):
        if isinstance(operand, (tuple, list)):
            problem = tuple_output_problem(f"dlarray {fun.__name__}", "operand", operand)
            if problem:
                raise TypeError(problem)
    fa = a._fmt if isinstance(a, dlarray) else ""
    fb = b._fmt if isinstance(b, dlarray) else ""
    da = a._data if isinstance(a, dlarray) else a
    db = b._data if isinstance(b, dlarray) else b
    if fa and fb and fa != fb:
        fmt = _union_format(fa, fb)
        da, db = _align(da, fa, fmt), _align(db, fb, fmt)
    else:
        fmt = fa or fb
    try:
        out = fun(da, db, **kwargs) if kwargs else fun(da, db)
    except ValueError as err:
        sa, sb = np.shape(getval(da)), np.shape(getval(db))
        raise ValueError(
            f"dlarray: {fun.__name__} needs operands of compatible shapes; got {sa} "
            f"{('(' + fa + ')') if fa else ''} and {sb} {('(' + fb + ')') if fb else ''}. "
            f"({err})"
        ) from None
    if fmt and np.ndim(getval(out)) != len(fmt):
        fmt = ""
    if not isbox(out) and not isinstance(out, np.ndarray):
        out = np.asarray(out)
    return dlarray._wrap(out, fmt)


def _index_format(fmt, idx, out_ndim):
    if not fmt:
        return ""
    if not isinstance(idx, tuple):
        idx = (idx,)
    n_ellipsis = sum(1 for i in idx if i is Ellipsis)
    if n_ellipsis > 1:
        return ""
    n_real = len(idx) - n_ellipsis
    expanded = []
    for i in idx:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (len(fmt) - n_real))
        else:
            expanded.append(i)
    expanded.extend([slice(None)] * (len(fmt) - len(expanded)))
    labels = []
    n_arrays = 0
    for label, i in zip(fmt, expanded):
        if i is None:
            return ""
        if isinstance(i, slice):
            labels.append(label)
        elif isinstance(i, (numbers.Integral, np.integer)):
            continue
        else:
            arr = np.asarray(getval(i))
            if arr.ndim != 1:
                return ""
            n_arrays += 1
            labels.append(label)
    if n_arrays > 1 or len(expanded) > len(fmt):
        return ""
    out = "".join(labels)
    return out if len(out) == out_ndim else ""


# ---- format-aware NumPy functions ----

def _normalize_axes(name, axis, a):
    """The reduction's axes of dlarray ``a`` as sorted non-negative ints, checked (a wrong
    axis was taken modulo ndim before, reducing a different dimension without a word)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim, fmt = a.ndim, a._fmt
    labels = ", ".join(f"{label}={i}" for i, label in enumerate(fmt))
    this = (f'this dlarray: format "{fmt}", axes {labels}' if fmt else
            'this dlarray has no format; give it one first, e.g. dlarray(x, "CB")')
    out = []
    for ax in axes:
        if isinstance(ax, str) and ax.lower() == "all":
            raise TypeError(f'np.{name}: axis="all" is MATLAB\'s {name}(X, "all"); in NumPy '
                            f"leave the axis out: np.{name}(X).")
        if isinstance(ax, str) and len(ax) == 1 and ax in LABELS:
            raise TypeError(
                f"np.{name}: axis must be an integer or a tuple of integers; got {ax!r}. For "
                f"the dimensions labelled {ax!r} pass axis=finddim(X, {ax!r}) ({this}).")
        if isinstance(ax, str):
            raise TypeError(f"np.{name}: axis must be an integer or a tuple of integers; got "
                            f"{ax!r} ({this}).")
        if isinstance(ax, bool) or not isinstance(ax, (numbers.Integral, np.integer)):
            raise TypeError(f"np.{name}: axis must be an integer or a tuple of integers; got "
                            f"{type(ax).__name__} {ax!r}.")
        if not -ndim <= ax < ndim:
            raise np.exceptions.AxisError(
                f"np.{name}: axis {ax} is out of range for a {ndim}-D dlarray of format "
                f'"{fmt}" (axes {labels}). Axes count from 0 as in NumPy, so MATLAB\'s '
                "dimension k is axis k-1; finddim(X, label) gives the axis of a label.")
        out.append(int(ax) % ndim)
    return tuple(sorted(set(out)))


def _make_reduction(name):
    general = getattr(anp, name)
    # See core/_sums.py: autograd's VJPs for these fill or divide in float64.
    precise = {"sum": traced_sum, "mean": traced_mean, "var": traced_var,
                     "std": traced_std, "max": traced_max, "amax": traced_max,
                     "min": traced_min, "amin": traced_min}.get(name)
    extra = ("ddof",) if name in ("var", "std") else ()  # keywords they take as well

    def reduction(a, axis=None, *args, keepdims=False, **kwargs):
        if not isinstance(a, dlarray):
            return _wrap_tree(general(a, axis, *args, keepdims=keepdims, **kwargs))
        simple = not args and all(k in extra for k in kwargs)
        fun = precise if precise is not None and simple else general
        if isinstance(axis, str) or (isinstance(axis, (tuple, list))
                                     and any(isinstance(ax, str) for ax in axis)):
            _normalize_axes(name, axis, a)  # raises the error that names finddim
        if a._fmt:
            axes = _normalize_axes(name, axis, a)
            if axes is None or len(axes) == a.ndim:
                out = _call_traced(fun, f"np.{name}", [a._data, None] + list(args), kwargs)
                return dlarray._wrap(out if isbox(out) else np.asarray(out))
            out = _call_traced(fun, f"np.{name}", [a._data, axes] + list(args),
                               dict(kwargs, keepdims=True))
            return dlarray._wrap(out, a._fmt)
        out = _call_traced(fun, f"np.{name}", [a._data, axis] + list(args),
                           dict(kwargs, keepdims=keepdims))
        return dlarray._wrap(out if isbox(out) else np.asarray(out))

    reduction.__name__ = name
    return reduction


def _concatenate(arrays, axis=0, **kwargs):
    fmts = {a._fmt if isinstance(a, dlarray) else "" for a in arrays}
    out = anp.concatenate([_data_of(a) for a in arrays], axis=axis, **kwargs)
    fmt = fmts.pop() if len(fmts) == 1 else ""
    return dlarray._wrap(out, fmt)


def _where(condition, x=None, y=None):
    if x is None and y is None:
        return _wrap_tree(np.where(getval(_data_of(condition))))
    cond = getval(_data_of(condition))
    fmts = [v._fmt for v in (condition, x, y) if isinstance(v, dlarray) and v._fmt]
    out = traced_where(cond, _data_of(x), _data_of(y))  # see core/_where.py
    return _wrap_like(out, fmts)


def _clip(a, a_min=None, a_max=None, **kwargs):
    out = anp.clip(_data_of(a), _data_of(a_min), _data_of(a_max), **kwargs)
    return _wrap_like(out, [a._fmt] if isinstance(a, dlarray) and a._fmt else [])


_FUNCTIONS = {getattr(np, name): _make_reduction(name)
              for name in ("sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var",
                           "any", "all") if hasattr(np, name)}
_FUNCTIONS[np.concatenate] = _concatenate
_FUNCTIONS[np.where] = _where
_FUNCTIONS[np.clip] = _clip
