"""Learnables and State: the (layer, parameter, value) tables of a dlnetwork.

Both are immutable, registered containers: ``dlfeval`` traces their values, ``dlgradient``
returns gradients as a table of the same rows, and the update functions and ``dlupdate``
accept and return them.
"""

import html
from collections import namedtuple

import numpy as np

from .. import _checks, _tree
from ..core import dlarray

__all__ = ["Learnables", "State"]

Row = namedtuple("Row", ["layer", "parameter", "value"])


def _size_text(value):
    shape = getattr(value, "shape", None)
    if shape is None:
        shape = np.shape(value)
    return "×".join(str(n) for n in shape) if shape else "1×1"


class _Table:
    """Rows of (layer, parameter, value); immutable."""

    __slots__ = ("_layer", "_parameter", "_value")
    _kind = "table"

    def __init__(self, layer=(), parameter=(), value=()):
        name = type(self).__name__
        layer, parameter, value = tuple(layer), tuple(parameter), tuple(value)
        if not (len(layer) == len(parameter) == len(value)):
            raise _checks.fail(name, "columns", "must have the same length",
                               f"{len(layer)} layers, {len(parameter)} parameters and "
                               f"{len(value)} values")
        for k, (lay, par) in enumerate(zip(layer, parameter)):
            if not isinstance(lay, str) or not isinstance(par, str):
                raise _checks.fail(name, "layer and parameter", "must be strings",
                                   f"{lay!r}, {par!r} in row {k}", cls=TypeError)
        self._layer = tuple(str(s) for s in layer)
        self._parameter = tuple(str(s) for s in parameter)
        self._value = value

    # ---- columns (MATLAB's t.Layer, t.Parameter, t.Value) ----
    @property
    def layer(self):
        """Layer names, an array of str (so ``t.layer == "fc"`` gives a boolean mask)."""
        return np.array(self._layer, dtype=str) if self._layer else np.zeros(0, dtype=str)

    @property
    def parameter(self):
        """Parameter names, an array of str."""
        return np.array(self._parameter, dtype=str) if self._parameter \
            else np.zeros(0, dtype=str)

    @property
    def value(self):
        """The values, a list (MATLAB's ``t.Value`` cell array)."""
        return list(self._value)

    def keys(self):
        """The (layer, parameter) pairs in row order."""
        return list(zip(self._layer, self._parameter))

    def to_dict(self):
        """Return ``{"layer.parameter": value}`` in row order."""
        return {f"{lay}.{par}": v for lay, par, v in zip(self._layer, self._parameter,
                                                         self._value)}

    def __len__(self):
        return len(self._value)

    def __iter__(self):
        for row in zip(self._layer, self._parameter, self._value):
            yield Row(*row)

    def _rows_of(self, idx):
        name = type(self).__name__
        n = len(self)
        if isinstance(idx, slice):
            return list(range(n))[idx]
        arr = np.asarray(idx.__array__() if isinstance(idx, dlarray) else idx)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise _checks.fail(name, "index", f"must be a boolean mask of {n} rows",
                                   f"shape {arr.shape}")
            return [int(i) for i in np.flatnonzero(arr)]
        if arr.dtype.kind in "iu":
            rows = [int(i) for i in arr.ravel()]
            for i in rows:
                if not -n <= i < n:
                    raise _checks.fail(name, "index", f"must be a row number in [0, {n})", i,
                                       cls=IndexError)
            return [i % n for i in rows]
        raise _checks.fail(name, "index", "must be an int, a slice, a boolean mask, a list of "
                           "row numbers or a (layer, parameter) pair", _checks.describe(idx),
                           cls=TypeError)

    def __getitem__(self, idx):
        """``t[i]`` a Row; ``t[layer, parameter]`` a value; ``t[mask]`` / ``t[rows]`` a table."""
        if isinstance(idx, tuple) and len(idx) == 2 and all(isinstance(i, str) for i in idx):
            for lay, par, v in zip(self._layer, self._parameter, self._value):
                if (lay, par) == idx:
                    return v
            raise KeyError(f"{type(self).__name__}: no row for layer {idx[0]!r} and parameter "
                           f"{idx[1]!r}; rows are {self.keys()}.")
        if isinstance(idx, (int, np.integer)) and not isinstance(idx, bool):
            rows = self._rows_of([idx])
            return Row(self._layer[rows[0]], self._parameter[rows[0]], self._value[rows[0]])
        rows = self._rows_of(idx)
        return type(self)([self._layer[i] for i in rows], [self._parameter[i] for i in rows],
                          [self._value[i] for i in rows])

    def with_rows(self, idx, other):
        """Return a copy whose rows ``idx`` take the values of table ``other`` (same rows).

        The counterpart of MATLAB's ``t(idx,:) = other``.
        """
        name = type(self).__name__
        rows = self._rows_of(idx)
        if not isinstance(other, _Table) or len(other) != len(rows):
            raise _checks.fail(name, "other", f"must be a table with {len(rows)} rows",
                               _checks.describe(other))
        values = list(self._value)
        for i, (lay, par, v) in zip(rows, other):
            if (lay, par) != (self._layer[i], self._parameter[i]):
                raise _checks.fail(name, "other", f"must have the rows {idx!r} selects",
                                   f"row ({lay!r}, {par!r}) for ({self._layer[i]!r}, "
                                   f"{self._parameter[i]!r})")
            values[i] = v
        return type(self)(self._layer, self._parameter, values)

    def with_values(self, values):
        """Return a table with the same rows and new values."""
        values = list(values)
        if len(values) != len(self):
            raise _checks.fail(type(self).__name__, "values", f"must have {len(self)} entries",
                               len(values))
        return type(self)(self._layer, self._parameter, values)

    def _paths(self):
        return [f"{lay}.{par}" for lay, par in zip(self._layer, self._parameter)]

    def __repr__(self):
        name = type(self).__name__
        if not len(self):
            return f"{name}: 0 rows"
        width_l = max(5, max(len(s) for s in self._layer))
        width_p = max(9, max(len(s) for s in self._parameter))
        lines = [f"{name}: {len(self)} rows",
                 f"  {'layer':<{width_l}}  {'parameter':<{width_p}}  value"]
        for lay, par, v in zip(self._layer, self._parameter, self._value):
            lines.append(f"  {lay:<{width_l}}  {par:<{width_p}}  {_describe_value(v)}")
        return "\n".join(lines)

    def _repr_html_(self):
        rows = "".join(
            f"<tr><td>{k + 1}</td><td>{html.escape(lay)}</td><td>{html.escape(par)}</td>"
            f"<td>{html.escape(_describe_value(v))}</td></tr>"
            for k, (lay, par, v) in enumerate(zip(self._layer, self._parameter, self._value)))
        return (f"<table><caption>{type(self).__name__} ({len(self)} rows)</caption>"
                "<thead><tr><th></th><th>Layer</th><th>Parameter</th><th>Value</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>")


def _describe_value(v):
    if v is None:
        return "(not initialized)"
    dtype = getattr(v, "dtype", np.asarray(v).dtype if not isinstance(v, dlarray) else "")
    kind = "dlarray" if isinstance(v, dlarray) else type(v).__name__
    return f"{_size_text(v)} {dtype} {kind}"


class Learnables(_Table):
    """Table of a network's learnable parameters: rows (layer, parameter, value).

    ``net.learnables`` is one. Filter it like MATLAB's ``net.Learnables(idx,:)`` with a
    boolean mask (``t[t.parameter == "Weights"]``) or row numbers; ``t["fc", "Weights"]`` is
    one value; ``t.with_rows(idx, other)`` replaces rows. Pass it to ``dlgradient``, the update
    functions and ``dlupdate``: they return a table with the same rows.

    Parameters
    ----------
    layer, parameter : sequences of str
    value : sequence of dlarrays (or arrays), the same length

    Raises
    ------
    ValueError
        Columns of different lengths.

    Notes
    -----
    Tables are immutable: filtering and ``with_rows`` return new tables, so a network's
    table never changes behind its back.

    MATLAB compatibility
    --------------------
    MATLAB's table with variables ``Layer``, ``Parameter`` and ``Value`` becomes the columns
    ``layer``, ``parameter``, ``value``; row indices are 0-based.

    Examples
    --------
    >>> import numpy as np
    >>> t = Learnables(["fc", "fc"], ["Weights", "Bias"], [np.ones((2, 3)), np.zeros((2, 1))])
    >>> t[t.parameter == "Weights"]
    Learnables: 1 rows
      layer  parameter  value
      fc     Weights    2×3 float64 ndarray
    """

    __slots__ = ()


class State(_Table):
    """Table of a network's state: rows (layer, parameter, value), e.g. batch-norm statistics.

    ``net.state`` is one (``TrainedMean``/``TrainedVariance`` of batch normalization layers,
    ``HiddenState``/``CellState`` of recurrent layers); ``forward`` returns an updated one,
    which you assign back with ``net.state = state``.

    Parameters
    ----------
    layer, parameter : sequences of str
    value : sequence of dlarrays (or arrays), the same length

    Raises
    ------
    ValueError
        Columns of different lengths.

    Notes
    -----
    The values are detached from any trace (``forward`` returns them untraced), so assigning
    them never keeps a ``dlfeval`` trace alive.

    MATLAB compatibility
    --------------------
    MATLAB's ``net.State`` table; it has 0 rows when no layer has state.

    Examples
    --------
    >>> len(State())
    0
    """

    __slots__ = ()


for _cls in (Learnables, State):
    _tree.register_container(
        _cls,
        lambda t: (list(t._value), (type(t), t._layer, t._parameter)),
        lambda aux, children: aux[0](aux[1], aux[2], children))
