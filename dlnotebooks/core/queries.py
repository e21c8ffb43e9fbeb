"""Query and conversion functions on dlarrays: dims, finddim, stripdims, extractdata, isdlarray."""

import numbers

import autograd.numpy as anp
import numpy as np

from .._autograd import isbox
from ._formats import LABELS, parse_format, user_order
from .dlarray import dlarray

__all__ = ["dims", "finddim", "stripdims", "extractdata", "isdlarray"]


def dims(X):
    """Return the format labels of ``X`` in canonical order (``""`` when unformatted).

    Parameters
    ----------
    X : dlarray, any format and shape

    Returns
    -------
    fmt : str, one label per dimension of X, e.g. "SSCB"

    Raises
    ------
    TypeError
        ``X`` not a dlarray.

    MATLAB compatibility
    --------------------
    ``dims(X)`` returns a char vector in MATLAB.

    Examples
    --------
    >>> import numpy as np
    >>> dims(dlarray(np.ones((5, 4, 3, 2)), "TSSU"))
    'SSTU'
    """
    _require_dlarray("dims", X)
    return X._fmt


def finddim(X, label):
    """Return the 0-based dimensions of ``X`` that carry ``label`` (an empty tuple if none).

    Parameters
    ----------
    X : dlarray, any format and shape
    label : str, one of "S", "C", "B", "T", "U"

    Returns
    -------
    dims : tuple of int, 0-based positions in ``X.shape``

    Raises
    ------
    TypeError
        ``X`` not a dlarray.
    ValueError
        An unknown label.

    MATLAB compatibility
    --------------------
    MATLAB's ``finddim`` is 1-based; here dimension numbers are 0-based like NumPy axes.

    Examples
    --------
    >>> import numpy as np
    >>> X = dlarray(np.ones((5, 4, 3, 2)), "TSSU")
    >>> finddim(X, "S"), finddim(X, "T")
    ((0, 1), (2,))
    """
    _require_dlarray("finddim", X)
    if not isinstance(label, str) or len(label) != 1 or label.upper() not in LABELS:
        raise ValueError(
            f"finddim: label must be one of 'S', 'C', 'B', 'T', 'U'; got {label!r}."
        )
    label = label.upper()
    return tuple(i for i, lab in enumerate(X._fmt) if lab == label)


def stripdims(X, fmt=None):
    """Return ``X`` unformatted; with ``fmt``, permuted so its dims follow the order of ``fmt``.

    Parameters
    ----------
    X : dlarray, any format and shape
    fmt : str, optional
        A permutation of X's format, e.g. "BC" for X in format "CB".

    Returns
    -------
    Y : dlarray, unformatted; X's shape, or permuted to the order of ``fmt``

    Raises
    ------
    TypeError
        ``X`` not a dlarray.
    ValueError
        ``fmt`` not a permutation of X's format.

    MATLAB compatibility
    --------------------
    ``stripdims(X)`` and ``stripdims(X, fmt)``; the data stay traced, like MATLAB's.

    Examples
    --------
    >>> import numpy as np
    >>> X = dlarray(np.zeros((3, 10)), "CB")
    >>> stripdims(X).fmt, stripdims(X, "BC").shape
    ('', (10, 3))
    """
    _require_dlarray("stripdims", X)
    if not fmt or not X._fmt:
        return dlarray._wrap(X._data)
    fmt = parse_format(fmt, where="stripdims")
    if sorted(fmt) != sorted(X._fmt):
        raise ValueError(
            f"stripdims: fmt must be a permutation of the format of X; got {fmt!r} for X with "
            f"format {X._fmt!r}."
        )
    order = user_order(X._fmt, fmt)
    return dlarray._wrap(anp.transpose(X._data, order) if order != tuple(range(X.ndim))
                         else X._data)


def extractdata(X):
    """Return the data of ``X`` as a NumPy array, outside any trace (no gradient flows through).

    Parameters
    ----------
    X : dlarray (any format and shape), or a NumPy array or number

    Returns
    -------
    data : numpy.ndarray, X's shape (in its canonical dimension order) and dtype

    Raises
    ------
    TypeError
        Anything else.

    MATLAB compatibility
    --------------------
    ``extractdata(X)``.

    Examples
    --------
    >>> import numpy as np
    >>> extractdata(dlarray(np.arange(3.0)))
    array([0., 1., 2.])
    """
    if isinstance(X, dlarray):
        data = X._data
    elif isbox(X) or isinstance(X, (np.ndarray, np.generic, numbers.Number, list, tuple)):
        data = X
    else:
        raise TypeError(f"extractdata: X must be a dlarray; got {type(X).__name__}.")
    while isbox(data):
        data = data._value
    return np.asarray(data)


def isdlarray(x):
    """Return True when ``x`` is a dlarray.

    Parameters
    ----------
    x : any object

    Returns
    -------
    bool

    MATLAB compatibility
    --------------------
    ``isdlarray(x)``.

    Examples
    --------
    >>> isdlarray(dlarray([1.0, 2.0])), isdlarray([1.0, 2.0])
    (True, False)
    """
    return isinstance(x, dlarray)


def _require_dlarray(name, X):
    if not isinstance(X, dlarray):
        raise TypeError(f"{name}: X must be a dlarray; got {type(X).__name__}. "
                        "Wrap it first with dlarray(X, fmt).")
