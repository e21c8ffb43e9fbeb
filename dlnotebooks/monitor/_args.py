"""Argument checks shared by the monitor's methods (one error style, via _checks)."""

import math

import numpy as np

from .._checks import describe, fail
from ._history import _to_float


def _names(func, arg, value):
    """Validate a name or a sequence of names; return a tuple of str."""
    if isinstance(value, str):
        value = (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        names = tuple(value)
    else:
        raise fail(func, arg, "must be a string or a sequence of strings", describe(value),
                   f'For example {arg}=("Loss", "Accuracy").', cls=TypeError)
    if any(not n.strip() for n in names):
        raise fail(func, arg, "must not contain empty names", repr(list(names)))
    if len(set(names)) != len(names):
        raise fail(func, arg, "must not repeat a name", repr(list(names)))
    return names


def _known(func, kind, name, known, hint):
    if name not in known:
        options = ", ".join(repr(k) for k in known) or "none"
        raise fail(func, f"{kind} name", f"must be one of {options}", repr(name), hint)


def _step(func, step):
    if isinstance(step, (bool, np.bool_)):
        raise fail(func, "step", "must be a real number", repr(step), cls=TypeError)
    try:
        value = _to_float(step)
    except (TypeError, ValueError):
        raise fail(func, "step", "must be a real number", describe(step),
                   "Pass the iteration or epoch counter.", cls=TypeError) from None
    if not math.isfinite(value):
        raise fail(func, "step", "must be finite", value)
    return int(value) if value == int(value) else value


def _merge(func, values, kwargs):
    if values is None:
        return dict(kwargs)
    if not isinstance(values, dict):
        raise fail(func, "values", "must be a dict of name: value (MATLAB's struct form)",
                   describe(values), cls=TypeError)
    merged = dict(values)
    merged.update(kwargs)
    return merged
