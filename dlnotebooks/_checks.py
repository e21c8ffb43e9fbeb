"""Input validation shared by all public functions: one error style.

Messages read ``"<function>: <argument> <problem>; got <observed>. <hint>"``.
"""

import numbers

import numpy as np

from ._autograd import getval
from .core import dlarray, parse_format
from .core._formats import canonical_permutation, user_order


def describe(x):
    """Short description of a value for error messages."""
    if isinstance(x, dlarray):
        fmt = f' format "{x.fmt}"' if x.fmt else " unformatted"
        return f"dlarray of shape {x.shape}{fmt}"
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} ({x.dtype})"
    if isinstance(x, (list, tuple)) and len(x) > 6:
        return f"{type(x).__name__} of length {len(x)}"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(func, arg, problem, got, hint="", cls=ValueError):
    """Build the standard error: ``func: arg problem; got <got>. hint``."""
    message = f"{func}: {arg} {problem}; got {got}."
    if hint:
        message += f" {hint}"
    return cls(message)


def positive_int(func, arg, value, *, allow_zero=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral,)):
        raise fail(func, arg, "must be an integer", describe(value), cls=TypeError)
    if value < 0 or (value == 0 and not allow_zero):
        raise fail(func, arg, "must be positive" if not allow_zero else "must be non-negative",
                   value)
    return int(value)


def real_number(func, arg, value, *, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, dlarray) and value.size == 1:
        value = float(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise fail(func, arg, "must be a real number", describe(value), cls=TypeError)
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise fail(func, arg, f"must be {bound}", value)
    if high is not None and (value > high or (high_open and value == high)):
        bound = f"< {high}" if high_open else f"<= {high}"
        raise fail(func, arg, f"must be {bound}", value)
    return value


def choice(func, arg, value, choices):
    if not isinstance(value, str) or value.lower() not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise fail(func, arg, f"must be one of {options}", repr(value))
    return value.lower()


def as_array_input(func, arg, X):
    """Return a dlarray for an op input; plain arrays become unformatted dlarrays."""
    if isinstance(X, dlarray):
        return X
    if isinstance(X, (np.ndarray, np.generic, numbers.Number, list, tuple)):
        arr = np.asarray(X)
        if arr.dtype == object or arr.dtype.kind in "USV":
            raise fail(func, arg, "must be numeric", describe(X), cls=TypeError)
        return dlarray._wrap(arr)
    if hasattr(X, "_trace") and hasattr(X, "_value"):
        return dlarray._wrap(X)
    raise fail(func, arg, "must be a dlarray or a numeric array", type(X).__name__,
               cls=TypeError)


class Layout:
    """How an op input is laid out: canonical data and format, and how to restore the output.

    ``Layout.of(func, X, data_format)`` accepts a formatted dlarray, or an unformatted one with
    ``data_format``. ``layout.data`` and ``layout.fmt`` are in canonical order; ``restore(out,
    out_fmt)`` wraps an op result: formatted for formatted input, or unformatted in the input's
    own dimension order for ``data_format`` input (MATLAB's rule).
    """

    __slots__ = ("data", "fmt", "user_fmt")

    def __init__(self, data, fmt, user_fmt):
        self.data = data
        self.fmt = fmt
        self.user_fmt = user_fmt

    @classmethod
    def of(cls, func, X, data_format=None, *, arg="X", required=True):
        original = X
        X = as_array_input(func, arg, X)
        if X.fmt:
            if data_format is not None:
                raise fail(func, "data_format", "must not be given for a formatted input",
                           repr(data_format), f'{arg} already has format "{X.fmt}".')
            return cls(X._data, X.fmt, None)
        if data_format is None:
            if not required:
                return cls(X._data, "", None)
            raise fail(func, arg, "must be a formatted dlarray or come with data_format",
                       describe(original),
                       f'For example dlarray(X, "SSCB") or data_format="CB".')
        fmt = parse_format(data_format, where=func, arg="data_format")
        ndim = np.ndim(getval(X._data))
        if len(fmt) != ndim:
            raise fail(func, "data_format", f"must have one label per dimension of {arg}",
                       f"{data_format!r} for shape {X.shape}")
        perm, canon = canonical_permutation(fmt)
        data = X._data
        if perm != tuple(range(ndim)):
            import autograd.numpy as anp

            data = anp.transpose(data, perm)
        return cls(data, canon, fmt)

    def restore(self, out, out_fmt):
        if self.user_fmt is None:
            return dlarray._wrap(out, out_fmt)
        order = user_order(out_fmt, self.user_fmt)
        if order != tuple(range(len(order))):
            import autograd.numpy as anp

            out = anp.transpose(out, order)
        return dlarray._wrap(out, "")

    def require(self, func, labels, arg="X"):
        """Raise unless the format contains each label in ``labels``."""
        for label in labels:
            if label not in self.fmt:
                raise fail(func, arg, f"must have a '{label}' dimension",
                           f'format "{self.fmt}"',
                           'Label the dimensions, for example dlarray(X, "SSCB").')
