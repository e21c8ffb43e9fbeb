"""onehotencode and onehotdecode."""

import numpy as np

from .. import _checks
from ..core import dlarray, extractdata
from ._registry import Case, OpRecord, register

__all__ = ["onehotencode", "onehotdecode"]


def _classes_of(func, labels, classes):
    if classes is None:
        return np.unique(labels)
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
        return np.arange(_checks.positive_int(func, "classes", classes))
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.size == 0:
        raise _checks.fail(func, "classes", "must be a non-empty 1-D list of class values or "
                           "the number of classes", _checks.describe(classes))
    return classes


_TYPENAMES = {"single": "float32", "double": "float64", "float32": "float32",
              "float64": "float64", "float16": "float16", "half": "float16",
              "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
              "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
              "logical": "bool"}


def onehotencode(labels, feature_dim, classes=None, *, class_names=None, dtype="float32"):
    """Encode class labels as one-hot vectors along dimension ``feature_dim`` (0-based).

    Parameters
    ----------
    labels : array_like of class values, shape (N,) or with a singleton ``feature_dim``
        Integer, string or other class values; a 1-D array of N labels is treated as a
        (1, N) row when ``feature_dim`` is 0 and as an (N, 1) column when it is 1.
    feature_dim : int
        0-based dimension that will hold the classes.
    classes : int or sequence, optional
        The class values, in order (row k of the encoding is ``classes[k]``), or the number
        of classes K for the integer labels 0..K-1. Default: the sorted unique values of
        ``labels`` — pass ``classes`` explicitly for mini-batches, which may miss a class.
        A label that is not among ``classes`` is an error. MATLAB's positional
        ``typename`` (``"single"``, ``"double"``, ...) is also accepted here.
    class_names : sequence, optional
        MATLAB's ``ClassNames``: the classes to encode, in order, as for ``classes``, but a
        label that is not among them is encoded as a vector of NaN (so classes can be left
        out on purpose). Needs a floating-point ``dtype``. Give ``classes`` or
        ``class_names``, not both.
    dtype : str or dtype, default "float32"

    Returns
    -------
    encoded : dlarray, unformatted; labels' shape with ``feature_dim`` of size K, e.g.
        (K, N) for 1-D labels and ``feature_dim=0``

    Raises
    ------
    ValueError
        A label that is not among ``classes``; ``feature_dim`` not singleton in ``labels``.

    Notes
    -----
    Not differentiable (the output is a constant).

    MATLAB compatibility
    --------------------
    ``onehotencode(A, featureDim, typename, 'ClassNames', classes)`` is
    ``onehotencode(a, feature_dim, dtype=typename, class_names=classes)``; ``feature_dim`` is
    0-based (MATLAB's ``onehotencode(Y, 1)`` is ``onehotencode(y, 0)`` here) and categorical
    arrays become plain arrays of class values. MATLAB's documentation: ClassNames is for
    labels that are not categorical, to "exclude any class labels from being encoded", or
    to fix the order; a label of a class not in ClassNames is encoded as NaN values (the
    page's sentence is cut off in our copy after "is encoded to a"; NaN is our reading,
    consistent with its "<undefined> values are encoded to NaN values").

    Examples
    --------
    >>> onehotencode([2, 0, 1], 0, classes=3)
    3×3 float32 dlarray
    [[0. 1. 0.]
     [0. 0. 1.]
     [1. 0. 0.]]
    """
    func = "onehotencode"
    _checks.reject_tuple_output(func, "labels", labels)
    labels = extractdata(labels) if isinstance(labels, dlarray) else np.asarray(labels)
    dim = _checks.positive_int(func, "feature_dim", feature_dim, allow_zero=True)
    if isinstance(classes, str) and classes.lower() in _TYPENAMES:
        dtype, classes = _TYPENAMES[classes.lower()], None  # MATLAB's positional typename
    exclude = class_names is not None
    if exclude:
        if classes is not None:
            raise _checks.fail(func, "class_names", "must not be given together with classes",
                               _checks.describe(class_names), "Use one of them.")
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise _checks.fail(func, "dtype", "must be a floating-point type with class_names "
                               "(labels outside class_names become NaN)", repr(dtype))
        classes = class_names
    classes = _classes_of(func, labels, classes)
    if labels.ndim == 1:
        labels = labels[None, :] if dim == 0 else labels[:, None]
    if dim == labels.ndim:
        labels = labels[..., None]
    if dim > labels.ndim or labels.shape[dim] != 1:
        raise _checks.fail(func, "feature_dim", "must be a singleton dimension of labels",
                           f"{dim} for labels of shape {labels.shape}")
    sorter = np.argsort(classes, kind="stable")
    pos = np.searchsorted(classes, labels, sorter=sorter)
    pos = np.clip(pos, 0, len(classes) - 1)
    index = sorter[pos]
    found = classes[index] == labels
    if not np.all(found) and not exclude:
        missing = np.unique(labels[~found])[:5]
        raise _checks.fail(func, "labels", "contain values that are not among classes",
                           f"{missing.tolist()}", f"classes are {classes.tolist()[:10]}. "
                           "To leave classes out on purpose (NaN vectors), use class_names.")
    k = len(classes)
    out = (np.arange(k).reshape([k if d == dim else 1 for d in range(labels.ndim)]) ==
           index).astype(dtype)
    if exclude and not np.all(found):
        out = np.where(found, out, np.asarray(np.nan, dtype=out.dtype))
    return dlarray(out)


def onehotdecode(scores, classes, feature_dim):
    """Decode scores (or one-hot vectors) to class labels: the arg-max along ``feature_dim``.

    Parameters
    ----------
    scores : dlarray or array, e.g. "CB" (K, N)
    classes : int or sequence of length K
        Class values (or the number of classes K for labels 0..K-1).
    feature_dim : int
        0-based dimension holding the K scores.

    Returns
    -------
    labels : numpy.ndarray, the shape of ``scores`` without ``feature_dim``; e.g. (N,)

    Raises
    ------
    ValueError
        ``classes`` of a length other than the size of ``feature_dim``.

    Notes
    -----
    Ties go to the first class. Not differentiable; returns a plain array of labels.

    MATLAB compatibility
    --------------------
    ``onehotdecode(B, classes, featureDim)``; ``feature_dim`` is 0-based, the result is a
    NumPy array (MATLAB returns a categorical array with a singleton feature dimension).

    Examples
    --------
    >>> import numpy as np
    >>> onehotdecode(np.array([[0.1, 0.7], [0.9, 0.3]]), ["cat", "dog"], 0)
    array(['dog', 'cat'], dtype='<U3')
    """
    func = "onehotdecode"
    _checks.reject_tuple_output(func, "scores", scores)
    S = extractdata(scores) if isinstance(scores, dlarray) else np.asarray(scores)
    dim = _checks.positive_int(func, "feature_dim", feature_dim, allow_zero=True)
    if dim >= S.ndim:
        raise _checks.fail(func, "feature_dim", f"must be below the number of dimensions "
                           f"({S.ndim}) of scores", dim)
    if isinstance(classes, (int, np.integer)) and not isinstance(classes, bool):
        classes = np.arange(classes)
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) != S.shape[dim]:
        raise _checks.fail(func, "classes", f"must have one entry per score along dimension "
                           f"{dim} ({S.shape[dim]})", _checks.describe(classes))
    return classes[np.argmax(S, axis=dim)]


def _onehot_reference(labels, feature_dim, classes=None, *, class_names=None,
                      dtype="float32"):
    labels = np.asarray(labels).ravel()
    if class_names is not None:
        classes = class_names
    classes = list(range(classes)) if isinstance(classes, int) else list(classes)
    out = np.zeros((len(classes), len(labels)))
    for n, label in enumerate(labels):
        if label in classes:
            out[classes.index(label), n] = 1
        else:
            out[:, n] = np.nan
    return out if feature_dim == 0 else out.T


def _decode_reference(scores, classes, feature_dim):
    S = np.moveaxis(np.asarray(scores), feature_dim, 0)
    classes = list(range(classes)) if isinstance(classes, int) else list(classes)
    out = []
    for column in S.reshape(S.shape[0], -1).T:
        best = 0
        for k in range(len(column)):
            if column[k] > column[best]:
                best = k
        out.append(classes[best])
    return np.asarray(out).reshape(S.shape[1:])


def _sample_encode(rng, dtype, n):
    labels = rng.integers(0, 4, size=n)
    words = np.array(["cat", "dog", "owl", "emu"])[labels]
    return [Case("feature_dim 0", (labels, 0, 4), {}, ""),
            Case("feature_dim 1", (labels, 1, [0, 1, 2, 3]), {}, ""),
            Case("class_names order", (words, 0), {"class_names": ["owl", "cat", "dog", "emu"]},
                 ""),
            Case("class_names excluding", (words, 0), {"class_names": ["dog", "cat"]}, "")]


def _sample_decode(rng, dtype, n):
    return [Case("CB", (rng.standard_normal((4, n)).astype(dtype), [5, 6, 7, 8], 0), {}, None),
            Case("BC", (rng.standard_normal((n, 3)).astype(dtype), 3, 1), {}, None)]


register(OpRecord("onehotencode", onehotencode, _onehot_reference, _sample_encode,
                  diff_argnums=(), kink="not differentiable"))
register(OpRecord("onehotdecode", onehotdecode, _decode_reference, _sample_decode,
                  diff_argnums=(), kink="not differentiable"))
