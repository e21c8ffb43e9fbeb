"""Shared plumbing of the update functions: containers, leaves and state.

Update functions take ``params`` as a dlarray, a NumPy array, a nested dict/list/tuple of
them, a ``Learnables`` table or a ``dlnetwork``. A network exposes its learnables through
``_dl_params()`` and is rebuilt with ``_dl_replace(new_learnables)``.
"""

import numpy as np

from .._autograd import getval
from .. import _checks, _tree
from ..core import dlarray


def split_params(params):
    """Return (container of learnables, function that rebuilds params from a new container)."""
    getter = getattr(params, "_dl_params", None)
    if getter is not None:
        return getter(), params._dl_replace
    return params, lambda new: new


def as_container(value):
    getter = getattr(value, "_dl_params", None)
    return getter() if getter is not None else value


def leaf_value(func, arg, leaf, path):
    if isinstance(leaf, dlarray):
        return np.asarray(getval(leaf._data))
    if isinstance(leaf, (np.ndarray, np.generic, float, int)) and not isinstance(leaf, bool):
        return np.asarray(leaf)
    raise _checks.fail(func, arg, "must hold dlarrays or numeric arrays", f"{type(leaf).__name__}"
                       f" at {path}", cls=TypeError)


def like(template, value):
    """Wrap ``value`` (a NumPy array) the way ``template`` is wrapped."""
    if isinstance(template, dlarray):
        return dlarray._wrap(value, template.fmt)
    return value


def flatten_matching(func, params, others):
    """Flatten ``params`` and the containers in ``others`` (name -> container or None).

    Returns (param leaves, treedef, paths, {name: list of NumPy arrays or None}).
    """
    container = as_container(params)
    leaves, treedef = _tree.tree_flatten(container)
    paths = [p for p, _ in _tree.tree_paths(container, "params")]
    values = {}
    for name, other in others.items():
        if other is None or (isinstance(other, (list, tuple)) and len(other) == 0
                             and len(leaves) > 0):
            values[name] = None
            continue
        other = as_container(other)
        other_leaves, _ = _tree.tree_flatten(other)
        if not _tree.tree_structure_equal(container, other) or len(other_leaves) != len(leaves):
            raise _checks.fail(
                func, name, "must have the same structure as params",
                f"{type(other).__name__} with {len(other_leaves)} arrays for params with "
                f"{len(leaves)}", "Pass the gradients returned by dlgradient for these params.")
        arrays = []
        for leaf, other_leaf, path in zip(leaves, other_leaves, paths):
            array = leaf_value(func, name, other_leaf, path.replace("params", name, 1))
            expected = np.shape(leaf_value(func, "params", leaf, path))
            if array.shape != expected:
                raise _checks.fail(func, name, f"must match the shape of {path} {expected}",
                                   f"shape {array.shape}")
            arrays.append(array)
        values[name] = arrays
    return leaves, treedef, paths, values


def rebuild(treedef, leaves, arrays):
    return _tree.tree_unflatten(treedef, [like(t, a) for t, a in zip(leaves, arrays)])
