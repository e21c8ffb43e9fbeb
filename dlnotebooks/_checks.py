"""Input validation shared by all public functions: one error style.

Messages read ``"<function>: <argument> <problem>; got <observed>. <hint>"``.
"""

import functools
import inspect
import numbers
import re

import numpy as np

from ._autograd import getval
from .core import dlarray, parse_format
from .core._formats import canonical_permutation, user_order
from .core.dlarray import tuple_output_problem


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


def user_stacklevel():
    """``stacklevel`` for warnings.warn that points at the first frame outside the package.

    Public functions may be wrapped (see ``matlab_names``), so a fixed stacklevel would point
    into the package instead of at the learner's line.
    """
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("dlnotebooks"):
        frame, level = frame.f_back, level + 1
    return level


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


def reject_tuple_output(func, arg, value):
    """Raise the shared "unpack the tuple" TypeError when ``value`` holds several outputs."""
    problem = tuple_output_problem(func, arg, value)
    if problem:
        raise TypeError(problem)


def as_array_input(func, arg, X):
    """Return a dlarray for an op input; plain arrays become unformatted dlarrays."""
    if isinstance(X, dlarray):
        return X
    reject_tuple_output(func, arg, X)
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


# ---------------------------------------------------------------- MATLAB spellings of options

def snake_case(name):
    """``"DilationFactor"`` -> ``"dilation_factor"``; ``"YMask"`` -> ``"y_mask"``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _spelling_hint(name, known):
    """The keyword a MATLAB (or misspelt) option name most likely means, or None."""
    want = snake_case(name).replace("_", "")
    for k in known:
        if k.replace("_", "").lower() == want:
            return k
    import difflib

    close = difflib.get_close_matches(snake_case(name), list(known), n=1, cutoff=0.75)
    return close[0] if close else None


def matlab_names(fn):
    """Answer MATLAB spellings of options with the Python keyword to use instead.

    ``dlconv(X, W, b, DilationFactor=2)`` and ``dlconv(X, W, b, "DilationFactor", 2)`` raise
    ``TypeError: dlconv: unknown option DilationFactor; ... did you mean dilation_factor=2?``
    instead of Python's bare "unexpected keyword argument". The check runs before the call and
    only looks at names, so a correct call pays one set comparison.
    """
    sig = inspect.signature(fn)
    params = sig.parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn  # accepts any keyword; nothing to check
    keywords = tuple(name for name, p in params.items()
                     if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
    options = tuple(name for name, p in params.items()
                    if p.kind is p.KEYWORD_ONLY or p.default is not p.empty)
    allowed = frozenset(keywords)
    var_positional = any(p.kind is p.VAR_POSITIONAL for p in params.values())
    max_positional = None if var_positional else sum(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params.values())
    func = fn.__qualname__.split(".")[0] if fn.__name__ == "__init__" else fn.__name__
    skip_self = 1 if fn.__name__ == "__init__" else 0

    def unknown_keyword(name, value):
        target = _spelling_hint(name, keywords)
        hint = (f"Did you mean {target}={value!r}? Options are snake_case keywords in Python."
                if target else f"Options of {func}: {', '.join(options) or 'none'}.")
        return fail(func, "option", f"{name} is not known", f"{name}={value!r}", hint,
                    cls=TypeError)

    def name_value_pair(k, args):
        name = args[k]
        value = args[k + 1] if k + 1 < len(args) else "..."
        target = _spelling_hint(name, keywords) or snake_case(name)
        return fail(func, "option", "was given as a MATLAB 'Name', value pair",
                    f"{name!r}, {value!r}",
                    f"Python takes options as keywords: {func}(..., {target}={value!r}).",
                    cls=TypeError)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and not allowed.issuperset(kwargs):
            name = next(k for k in kwargs if k not in allowed)
            raise unknown_keyword(name, kwargs[name])
        for k in range(skip_self, len(args)):
            a = args[k]
            if isinstance(a, str) and len(a) > 1 and a[0].isalpha() and \
                    _is_option_name(a, options):
                raise name_value_pair(k, args)
        if max_positional is not None and len(args) > max_positional:
            extra = args[max_positional]
            raise fail(func, "arguments", f"are too many: at most {max_positional - skip_self} "
                       "positional arguments", f"{len(args) - skip_self}, the extra one "
                       f"{describe(extra)}", f"Give options as keywords: "
                       f"{', '.join(f'{o}=...' for o in options[:4])}.", cls=TypeError)
        return fn(*args, **kwargs)

    wrapper.__signature__ = sig
    return wrapper


def _is_option_name(text, options):
    # Only CamelCase or exact option names count: option values such as "same", "global" or
    # "none" are never also the name of an option of the same function.
    want = snake_case(text).replace("_", "")
    return any(o.replace("_", "") == want for o in options) and text not in _OPTION_VALUES


# Strings that are option values of some function and must never be read as option names.
_OPTION_VALUES = frozenset({"same", "global", "none", "auto", "sum", "mean", "causal",
                            "direct", "adjoint", "first", "last"})
