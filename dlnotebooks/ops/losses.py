"""Loss functions: crossentropy, l1loss, l2loss, huber, mse.

Each returns an unformatted scalar dlarray by default. ``reduction="none"`` returns the
per-element losses (weights and mask applied, no normalisation) with the input's format.
"""

import warnings

import autograd.numpy as anp
import numpy as np

from .._autograd import getval
from .. import _checks
from ..core import dlarray
from ..core.dlarray import _align
from ..core._sums import traced_sum
from ..core._where import traced_where
from ._prims import defvjp, primitive, sample_array
from ..autodiff._engine import defvjp_fused
from .activations import _softmax, softmax, softmax_logits
from ._registry import Case, Kink, OpRecord, register

__all__ = ["crossentropy", "l1loss", "l2loss", "huber", "mse"]

_NORMALIZATIONS = ("batch-size", "all-elements", "mask-included", "none")


def _prepare(func, Y, targets, data_format):
    """Return (layout of Y, targets data in Y's canonical layout)."""
    layout = _checks.Layout.of(func, Y, data_format, arg="Y")
    T = _checks.as_array_input(func, "targets", targets)
    y_shape = np.shape(getval(layout.data))
    if T.fmt:
        if T.fmt != layout.fmt:
            if sorted(T.fmt) != sorted(layout.fmt):
                raise _checks.fail(func, "targets", f'must have the format of Y ("{layout.fmt}")',
                                   f'format "{T.fmt}"')
        t = T._data
    elif layout.user_fmt is not None:
        t = _checks.Layout.of(func, T, layout.user_fmt, arg="targets").data
    else:
        t = T._data
    if np.shape(getval(t)) != y_shape:
        raise _checks.fail(func, "targets", f"must have the same size as Y {y_shape}",
                           f"shape {np.shape(getval(t))}",
                           "For class labels, use onehotencode first.")
    return layout, t


def _expand(func, arg, value, layout, value_format=None):
    """Broadcastable data for weights or a mask, in Y's canonical layout.

    ``value_format`` is ``weights_format``: the labels of unformatted weights (MATLAB's
    ``WeightsFormat``), which are then aligned with Y by label like formatted weights.
    """
    if value is None:
        if value_format is not None:
            raise _checks.fail(func, f"{arg}_format", f"needs {arg}", repr(value_format),
                               f"Give {arg} too, or drop {arg}_format.")
        return None
    V = _checks.as_array_input(func, arg, value)
    if value_format is not None:
        if V.fmt:
            raise _checks.fail(func, f"{arg}_format", f"must not be given for formatted {arg}",
                               repr(value_format), f'{arg} already has format "{V.fmt}".')
        fmt = _checks.parse_format(value_format, where=func, arg=f"{arg}_format")
        if len(fmt) != V.ndim:
            raise _checks.fail(func, f"{arg}_format", f"must have one label per dimension of "
                               f"{arg}", f"{value_format!r} for shape {V.shape}")
        V = dlarray(V, fmt)
    data = V._data
    y_shape = np.shape(getval(layout.data))
    if V.fmt:
        if any(V.fmt.count(label) > layout.fmt.count(label) for label in set(V.fmt)):
            raise _checks.fail(func, arg, f'has labels that Y (format "{layout.fmt}") lacks',
                               f'format "{V.fmt}"')
        data = _align(data, V.fmt, layout.fmt) if V.fmt != layout.fmt else data
    else:
        v_shape = np.shape(getval(data))
        size = int(np.prod(v_shape)) if v_shape else 1
        if "C" in layout.fmt and size == y_shape[layout.fmt.index("C")] and size > 1 and \
                v_shape != y_shape:
            shape = [1] * len(y_shape)
            shape[layout.fmt.index("C")] = size
            data = anp.reshape(data, tuple(shape))
        elif layout.user_fmt is not None and len(v_shape) == len(y_shape) and \
                v_shape != y_shape:
            data = _checks.Layout.of(func, V, layout.user_fmt, arg=arg).data
    try:
        np.broadcast_shapes(np.shape(getval(data)), y_shape)
    except ValueError:
        raise _checks.fail(func, arg, f"must be broadcastable to Y's size {y_shape}",
                           f"shape {np.shape(getval(data))}",
                           "Give one value per channel or the full size of Y.") from None
    return data


def _batch_size(layout):
    if "B" in layout.fmt:
        return np.shape(getval(layout.data))[layout.fmt.index("B")]
    return 1


def _reduce(func, elementwise, layout, weights, mask, reduction, normalization, *, per_c=False):
    """Apply weights and mask, then reduce and normalise (or return per-element values)."""
    reduction = _checks.choice(func, "reduction", reduction, ("sum", "none"))
    normalization = _checks.choice(func, "normalization_factor", normalization, _NORMALIZATIONS)
    loss = elementwise
    if weights is not None:
        loss = loss * weights
    if mask is not None:
        loss = loss * mask
    if reduction == "none":
        return layout.restore(loss, layout.fmt)
    total = traced_sum(loss)  # a broadcast gradient: see core/_sums.py
    shape = np.shape(getval(layout.data))
    c = shape[layout.fmt.index("C")] if (per_c and "C" in layout.fmt) else 1
    if normalization == "batch-size":
        denom = _batch_size(layout)
    elif normalization == "all-elements":
        denom = int(np.prod(shape)) / c
    elif normalization == "mask-included":
        if mask is None:
            denom = int(np.prod(shape)) / c
        else:
            denom = float(np.sum(np.broadcast_to(getval(mask) != 0, shape))) / c
    else:
        denom = 1
    dtype = np.result_type(getval(layout.data))
    return dlarray._wrap(total / np.asarray(max(denom, 1e-300), dtype=dtype))


# ---------------------------------------------------------------- crossentropy

@primitive
def _neg_t_log_y(Y, T, eps):
    return -T * np.log(np.maximum(Y, eps))


defvjp(_neg_t_log_y,
       lambda ans, Y, T, eps: lambda g: -g * T * (Y > eps) / anp.maximum(Y, eps),
       lambda ans, Y, T, eps: lambda g: -g * anp.log(anp.maximum(Y, eps)))


def crossentropy(Y, targets, weights=None, *, mask=None, reduction="sum",
                 normalization_factor="batch-size", classification_mode="single-label",
                 target_categories=None, weights_format=None, data_format=None):
    """Compute the cross-entropy loss between predicted probabilities ``Y`` and ``targets``.

    Single-label: ``loss = -sum(w * T * log(Y)) / N``. Multilabel: adds the
    ``(1 - T) * log(1 - Y)`` term. ``Y`` holds probabilities: apply ``softmax`` (or
    ``sigmoid`` for multilabel) first.

    .. math:: \\ell = -\\frac{1}{N}\\sum_{i} w_{c(i)}\\,T_i \\log Y_i

    Parameters
    ----------
    Y : dlarray, format with "C", e.g. "CB" (num_classes, N) or "CBT" (num_classes, N, T)
        Predicted probabilities.
    targets : dlarray or array, same size (and format) as Y
        One-hot (single-label) or binary (multilabel) targets.
    weights : array or dlarray, optional
        Class weights: one value per channel (num_classes,) or a "C"-formatted dlarray.
    mask : array or dlarray, optional
        Broadcastable to Y; elements where the mask is 0 do not contribute.
    reduction : {"sum", "none"}, default "sum"
    normalization_factor : {"batch-size", "all-elements", "mask-included", "none"}
        Divide the sum by N (observations), by the number of predictions numel(Y)/C, by the
        number of included mask elements divided by C, or not at all.
    classification_mode : {"single-label", "multilabel"}, default "single-label"
        MATLAB's older ``"exclusive"``/``"independent"`` are accepted as synonyms.
    target_categories : {"exclusive", "independent"}, optional
        MATLAB's older name of the mode (before ``ClassificationMode``): "exclusive" is
        single-label, "independent" multilabel. When given, it overrides
        ``classification_mode``.
    weights_format : str, optional
        Labels of unformatted ``weights``, one per dimension (MATLAB's ``WeightsFormat``),
        e.g. ``"C"`` for class weights, ``"B"`` for one weight per observation, ``"BC"``.
        The weights are then aligned with Y by label.
    data_format : str, optional
        Format of an unformatted ``Y`` (targets and mask are then in the same layout).

    Returns
    -------
    loss : dlarray, unformatted scalar; with ``reduction="none"``, Y's size and format

    Raises
    ------
    ValueError
        Y without C; targets of another size or format; weights or mask that do not broadcast;
        unknown option values.

    Warns
    -----
    RuntimeWarning
        When Y is not softmax's own output and some target-class probabilities are below eps:
        their gradient is zero (see Notes), so those samples stop learning.

    Notes
    -----
    **Softmax output (deliberate improvement over MATLAB).** When ``Y`` is exactly the
    dlarray that :func:`softmax` returned (``crossentropy(softmax(X), T)``, single-label), the
    loss is computed from the logits as ``-T * log_softmax(X)``. The values are those of
    MATLAB's formula wherever ``Y >= eps`` (up to rounding), and a sample whose true-class
    probability underflows keeps its gradient ``softmax(X) - T`` with respect to X. The
    gradient with respect to Y itself (``dlgradient(loss, Y)``) is ``-T ./ Y``, as for any Y;
    X's gradient goes straight from the loss to the logits only when Y is not asked for and
    feeds nothing else, and otherwise through softmax's VJP (the same values up to rounding).

    **Any other Y** (computed by hand, indexed, or multilabel): ``log`` is applied to
    ``max(Y, eps)`` with eps the machine epsilon of Y's type, as in MATLAB, so a zero
    probability gives a large but finite loss and the gradient is **zero** where Y < eps. A
    network whose logits grow large (above about 16 in magnitude, in float32) can then stop
    learning on its worst samples while the loss stays high; a RuntimeWarning says when this
    happens.

    MATLAB compatibility
    --------------------
    ``crossentropy(Y, targets, weights, Mask=..., Reduction=..., NormalizationFactor=...,
    ClassificationMode=..., TargetCategories=..., WeightsFormat=..., DataFormat=...)``: the
    same defaults and formulas (MATLAB's documentation: the loss is
    ``-(1/N) sum(T .* log(Y))`` over all elements, N the number of observations;
    ``TargetCategories`` is the pre-R2023 name of ``ClassificationMode``). Difference: the
    softmax-output case above keeps gradients that MATLAB's clamp at eps sets to zero
    (``log(max(Y, eps))`` is our reading of MATLAB's numerics, UNVERIFIED against a MATLAB
    installation).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> Y = dlarray(np.full((10, 2), 0.1), "CB")
    >>> T = np.eye(10)[:, :2]
    >>> round(float(crossentropy(Y, T)), 4)
    2.3026
    """
    func = "crossentropy"
    mode = _checks.choice(func, "classification_mode", classification_mode,
                          ("single-label", "multilabel", "exclusive", "independent"))
    if target_categories is not None:
        mode = _checks.choice(func, "target_categories", target_categories,
                              ("exclusive", "independent"))
    layout, t = _prepare(func, Y, targets, data_format)
    layout.require(func, "C", arg="Y")
    y = layout.data
    logits = softmax_logits(Y)
    if logits is not None and mode in ("single-label", "exclusive"):
        # Y is softmax(X): -T log softmax(X) from the logits, so a saturated sample keeps
        # its gradient softmax(X) - T (MATLAB's log(max(Y, eps)) would give it zero).
        x = _checks.Layout.of(func, logits, data_format, arg="Y").data
        loss = _neg_t_log_softmax(y, t, getval(x), layout.fmt.index("C"))
    else:
        dtype = np.result_type(getval(y))
        eps = np.asarray(np.finfo(dtype if np.issubdtype(dtype, np.floating) else float).eps,
                         dtype=dtype)
        _warn_clamped(getval(y), getval(t), eps, mode)
        loss = _neg_t_log_y(y, t, eps)
        if mode in ("multilabel", "independent"):
            loss = loss + _neg_t_log_y(1.0 - y, 1.0 - t, eps)
    w = _expand(func, "weights", weights, layout, weights_format)
    m = _expand(func, "mask", mask, layout)
    return _reduce(func, loss, layout, w, m, reduction, normalization_factor, per_c=True)


# -T log(Y) for Y = softmax(X), valued from the logits X. It is a node on Y, so dlgradient with
# respect to Y gives -T / Y; with respect to X, when Y feeds only this loss and is not itself
# differentiated, the backward pass goes straight to X with Y - T per sample (weighted by the
# incoming gradient), which stays exact where a probability underflows. Written with autograd
# NumPy throughout, so higher derivatives work on both paths.
def _log_softmax(x, axis):
    z = x - getval(x).max(axis=axis, keepdims=True)  # the shift is a constant
    return z - anp.log(anp.sum(anp.exp(z), axis=axis, keepdims=True))


@primitive
def _neg_t_log_softmax(y, t, x, axis):
    return -t * _log_softmax(x, axis)


def _tiny(y):
    dtype = np.result_type(getval(y))
    return np.finfo(dtype if np.issubdtype(dtype, np.floating) else float).tiny


defvjp(_neg_t_log_softmax,
       # d/dY of -T log Y; max(Y, tiny) keeps an underflowed probability finite in the chain
       # through softmax (there Y times this gradient is -T, as it should be).
       lambda ans, y, t, x, axis: lambda g: -g * t / anp.maximum(y, _tiny(y)),
       lambda ans, y, t, x, axis: lambda g: -g * _log_softmax(x, axis))


def _softmax_crossentropy_vjp(node, parent):
    """crossentropy(softmax(X), T) differentiated with respect to X (Y not asked for)."""
    y, t, _, axis = node.args
    if parent.args[1] != axis:
        return None
    return lambda g: (-g * t + y * anp.sum(g * t, axis=axis, keepdims=True),)


defvjp_fused(_neg_t_log_softmax, _softmax, _softmax_crossentropy_vjp)


def _warn_clamped(y, t, eps, mode):
    """Say when the eps clamp silences the gradient of samples the loss still counts."""
    low = (y < eps) & (t != 0)
    if mode in ("multilabel", "independent"):
        low = low | ((1 - y < eps) & (t != 1))
    if np.any(low):
        warnings.warn(
            f"crossentropy: {int(np.count_nonzero(low))} predicted probabilities of a target "
            f"class are below eps = {float(eps):.3g}; log(max(Y, eps)) clamps them and their "
            "gradient is zero, so these samples stop learning (MATLAB's behaviour). Pass "
            "softmax's output directly, crossentropy(softmax(X), T), to keep their gradient, "
            "or lower the learning rate.", RuntimeWarning, stacklevel=_checks.user_stacklevel())


def _crossentropy_reference(Y, T, weights=None, *, fmt, mask=None, reduction="sum",
                            normalization_factor="batch-size",
                            classification_mode="single-label", target_categories=None,
                            weights_format=None):
    if target_categories == "independent":
        classification_mode = "multilabel"
    Y = np.asarray(Y, dtype=float)
    T = np.asarray(T, dtype=float)
    c_axis = fmt.index("C")
    n = Y.shape[fmt.index("B")] if "B" in fmt else 1
    total = 0.0
    out = np.zeros_like(Y)
    for i in np.ndindex(Y.shape):
        if weights_format is not None:
            w = _weight_at(weights, weights_format, fmt, i)
        else:
            w = 1.0 if weights is None else float(np.ravel(weights)[i[c_axis]])
        m = 1.0 if mask is None else float(np.broadcast_to(mask, Y.shape)[i])
        v = -T[i] * np.log(Y[i])
        if classification_mode == "multilabel":
            v += -(1 - T[i]) * np.log(1 - Y[i])
        out[i] = w * m * v
        total += out[i]
    if reduction == "none":
        return out
    c = Y.shape[c_axis]
    denom = {"batch-size": n, "all-elements": Y.size / c, "none": 1,
             "mask-included": (np.sum(np.broadcast_to(mask, Y.shape) != 0) / c
                               if mask is not None else Y.size / c)}[normalization_factor]
    return np.asarray(total / denom)


def _probabilities(rng, shape, dtype, fmt):
    p = rng.uniform(0.05, 1.0, size=shape)
    axis = fmt.index("C")
    p = p / p.sum(axis=axis, keepdims=True)
    return dlarray(p.astype(dtype), fmt)


def _onehot(rng, shape, dtype, axis):
    k = shape[axis]
    labels = rng.integers(0, k, size=shape[:axis] + shape[axis + 1:])
    return np.moveaxis(np.eye(k, dtype=dtype)[labels], -1, axis)


def _sample_crossentropy(rng, dtype, n):
    Y = _probabilities(rng, (4, n), dtype, "CB")
    T = _onehot(rng, (4, n), dtype, 0)
    Yt = _probabilities(rng, (3, n, 5), dtype, "CBT")
    Tt = _onehot(rng, (3, n, 5), dtype, 0)
    mask = (rng.uniform(size=(1, n, 5)) > 0.3).astype(dtype)
    mask[..., 0] = 1
    Ym = dlarray(rng.uniform(0.05, 0.95, size=(3, n)).astype(dtype), "CB")
    Tm = (rng.uniform(size=(3, n)) > 0.5).astype(dtype)
    w = np.array([0.5, 1.0, 2.0, 1.5], dtype=dtype)
    return [
        Case("CB", (Y, T), {}, ""),
        Case("class weights", (Y, T, w), {}, ""),
        Case("CBT mask-included", (Yt, Tt), {"mask": mask,
                                             "normalization_factor": "mask-included"}, ""),
        Case("all-elements", (Yt, Tt), {"normalization_factor": "all-elements"}, ""),
        Case("multilabel", (Ym, Tm), {"classification_mode": "multilabel"}, ""),
        Case("target_categories independent", (Ym, Tm), {"target_categories": "independent"},
             ""),
        Case("weights_format BC", (Y, T, rng.uniform(0.5, 2.0, (n, 4)).astype(dtype)),
             {"weights_format": "BC"}, ""),
        Case("weights_format C", (Yt, Tt, np.array([0.5, 1.0, 2.0], dtype=dtype)),
             {"weights_format": "C"}, ""),
        Case("reduction none", (Y, T), {"reduction": "none"}, "CB"),
        Case("unformatted BC", (dlarray(np.ascontiguousarray(Y._data.T)),
                                np.ascontiguousarray(T.T)), {"data_format": "BC"}, ""),
    ]


register(OpRecord("crossentropy", crossentropy, _crossentropy_reference, _sample_crossentropy,
                  diff_argnums=(0,), second_order=True,
                  kink="log is taken of max(Y, eps): zero gradient where Y < eps, unless Y "
                       "is softmax's output (then computed from the logits)"))


# ---------------------------------------------------------------- l1 / l2 / huber

def l1loss(Y, targets, weights=None, *, mask=None, reduction="sum",
           normalization_factor="batch-size", weights_format=None, data_format=None):
    """Compute the L1 loss: ``sum(w * |Y - T|) / N``.

    .. math:: \\ell = \\frac{1}{N}\\sum_i w_i\\,|Y_i - T_i|

    Parameters
    ----------
    Y : dlarray, any format, e.g. "CB" (C, N)
        Predictions.
    targets : dlarray or array, same size as Y
    weights : array or dlarray, optional
        Broadcastable to Y; one value per channel is applied along C.
    mask : array or dlarray, optional
        Broadcastable to Y; zeros exclude elements.
    reduction : {"sum", "none"}, default "sum"
    normalization_factor : {"batch-size", "all-elements", "mask-included", "none"}
        Divide by N (observations), numel(Y), the number of included elements, or 1.
    weights_format : str, optional
        Labels of unformatted ``weights``, one per dimension (MATLAB's ``WeightsFormat``),
        e.g. ``"B"`` for one weight per observation; the weights are aligned with Y by label.
    data_format : str, optional
        Format of an unformatted ``Y``.

    Returns
    -------
    loss : dlarray, unformatted scalar; with ``reduction="none"``, Y's size and format

    Raises
    ------
    ValueError
        Targets of another size; weights or mask that do not broadcast; unknown options.

    Notes
    -----
    The derivative of ``|e|`` at ``e = 0`` is taken as 0. Both Y and targets are
    differentiable.

    MATLAB compatibility
    --------------------
    ``l1loss(Y, targets, weights, Mask=..., Reduction=..., NormalizationFactor=...)``.
    ``WeightsFormat`` is ``weights_format``: the labels of unformatted weights, as
    MATLAB documents it for l2loss and crossentropy (for l1loss by analogy, UNVERIFIED).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> float(l1loss(dlarray(np.array([[1.0, 2.0]]), "CB"), np.array([[0.0, 0.0]])))
    1.5
    """
    layout, t = _prepare("l1loss", Y, targets, data_format)
    diff = layout.data - t
    return _reduce("l1loss", anp.abs(diff), layout,
                   _expand("l1loss", "weights", weights, layout, weights_format),
                   _expand("l1loss", "mask", mask, layout), reduction, normalization_factor)


def l2loss(Y, targets, weights=None, *, mask=None, reduction="sum",
           normalization_factor="batch-size", weights_format=None, data_format=None):
    """Compute the L2 loss: ``sum(w * (Y - T)^2) / N`` (no factor 1/2).

    .. math:: \\ell = \\frac{1}{N}\\sum_i w_i\\,(Y_i - T_i)^2

    Parameters
    ----------
    Y : dlarray, any format, e.g. "CB" (C, N)
        Predictions.
    targets : dlarray or array, same size as Y
    weights : array or dlarray, optional
        Broadcastable to Y; one value per channel is applied along C.
    mask : array or dlarray, optional
        Broadcastable to Y; zeros exclude elements.
    reduction : {"sum", "none"}, default "sum"
    normalization_factor : {"batch-size", "all-elements", "mask-included", "none"}
    weights_format : str, optional
        Labels of unformatted ``weights``, one per dimension (MATLAB's ``WeightsFormat``),
        e.g. ``"B"`` for one weight per observation; the weights are aligned with Y by label.
    data_format : str, optional
        Format of an unformatted ``Y``.

    Returns
    -------
    loss : dlarray, unformatted scalar; with ``reduction="none"``, Y's size and format

    Raises
    ------
    ValueError
        Targets of another size; weights or mask that do not broadcast; unknown options.

    Notes
    -----
    ``mse`` is half of this with the default normalisation.

    MATLAB compatibility
    --------------------
    ``l2loss(Y, targets, weights, Mask=..., Reduction=..., NormalizationFactor=...)``.
    ``WeightsFormat`` is ``weights_format``: the labels of unformatted weights (MATLAB's
    documentation lists ``WeightsFormat`` among l2loss's options).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> float(l2loss(dlarray(np.array([[1.0, 2.0]]), "CB"), np.array([[0.0, 0.0]])))
    2.5
    """
    layout, t = _prepare("l2loss", Y, targets, data_format)
    diff = layout.data - t
    return _reduce("l2loss", diff * diff, layout,
                   _expand("l2loss", "weights", weights, layout, weights_format),
                   _expand("l2loss", "mask", mask, layout), reduction, normalization_factor)


def huber(Y, targets, weights=None, *, transition_point=1.0, mask=None, reduction="sum",
          normalization_factor="batch-size", weights_format=None, data_format=None):
    """Compute the Huber loss: quadratic for small errors, linear for large ones.

    Element loss ``0.5*e^2`` where ``|e| <= delta``, else ``delta*|e| - 0.5*delta^2``, with
    ``e = Y - T`` and ``delta = transition_point``; summed and divided by N.

    .. math:: h(e) = \\begin{cases} \\tfrac12 e^2 & |e| \\le \\delta \\\\
              \\delta |e| - \\tfrac12\\delta^2 & |e| > \\delta \\end{cases}

    Parameters
    ----------
    Y : dlarray, any format, e.g. "CB" (C, N)
    targets : dlarray or array, same size as Y
    weights : array or dlarray, optional
        Broadcastable to Y; one value per channel is applied along C.
    transition_point : float, default 1.0
        delta; must be positive. With 1 this is the smooth-L1 loss.
    mask : array or dlarray, optional
        Broadcastable to Y; zeros exclude elements.
    reduction : {"sum", "none"}, default "sum"
    normalization_factor : {"batch-size", "all-elements", "mask-included", "none"}
    weights_format : str, optional
        Labels of unformatted ``weights``, one per dimension (MATLAB's ``WeightsFormat``),
        e.g. ``"B"`` for one weight per observation; the weights are aligned with Y by label.
    data_format : str, optional

    Returns
    -------
    loss : dlarray, unformatted scalar; with ``reduction="none"``, Y's size and format

    Raises
    ------
    ValueError
        Non-positive transition point; size mismatches; unknown options.

    Notes
    -----
    Continuous with a continuous first derivative; the second derivative jumps at
    ``|e| = delta``.

    MATLAB compatibility
    --------------------
    ``huber(Y, targets, weights, TransitionPoint=..., Mask=..., Reduction=...,
    NormalizationFactor=...)``.
    ``WeightsFormat`` is ``weights_format``: the labels of unformatted weights, as
    MATLAB documents it for l2loss and crossentropy (for huber by analogy, UNVERIFIED).

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> float(huber(dlarray(np.array([[0.5, 3.0]]), "CB"), np.zeros((1, 2))))
    1.3125
    """
    delta = _checks.real_number("huber", "transition_point", transition_point, low=0,
                                low_open=True)
    layout, t = _prepare("huber", Y, targets, data_format)
    e = anp.abs(layout.data - t)
    elem = traced_where(e <= delta, 0.5 * e * e, delta * e - 0.5 * delta * delta)
    return _reduce("huber", elem, layout, _expand("huber", "weights", weights, layout, weights_format),
                   _expand("huber", "mask", mask, layout), reduction, normalization_factor)


def mse(Y, targets, *, data_format=None):
    """Compute the half mean squared error: ``sum((Y - T)^2) / (2N)``, N = observations.

    .. math:: \\ell = \\frac{1}{2N}\\sum_i (Y_i - T_i)^2

    Parameters
    ----------
    Y : dlarray, any format, e.g. "CB" (C, N) or "SSCB"
    targets : dlarray or array, same size as Y
    data_format : str, optional
        Format of an unformatted ``Y``.

    Returns
    -------
    loss : dlarray, unformatted scalar

    Raises
    ------
    ValueError
        Targets of another size.

    Notes
    -----
    N is the size of the B dimension (1 when there is none), not the number of elements.

    MATLAB compatibility
    --------------------
    ``mse(Y, targets)``: the same half-MSE normalised by observations.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> float(mse(dlarray(np.array([[1.0, 2.0]]), "CB"), np.zeros((1, 2))))
    1.25
    """
    layout, t = _prepare("mse", Y, targets, data_format)
    diff = layout.data - t
    n = _batch_size(layout)
    dtype = np.result_type(getval(layout.data))
    return dlarray._wrap(traced_sum(diff * diff) / np.asarray(2 * n, dtype=dtype))


def _weight_at(weights, weights_format, fmt, i):
    """Reference: the weight of Y's element i, weights labelled by weights_format."""
    w = np.asarray(weights, dtype=float)
    return float(w[tuple(i[fmt.index(label)] for label in weights_format)])


def _regression_reference(kind):
    def reference(Y, T, weights=None, *, fmt, transition_point=1.0, mask=None,
                  reduction="sum", normalization_factor="batch-size", weights_format=None):
        Y = np.asarray(Y, dtype=float)
        T = np.asarray(T, dtype=float)
        n = Y.shape[fmt.index("B")] if "B" in fmt else 1
        out = np.zeros_like(Y)
        for i in np.ndindex(Y.shape):
            e = Y[i] - T[i]
            if kind == "l1":
                v = abs(e)
            elif kind == "l2":
                v = e * e
            elif kind == "mse":
                v = e * e / 2
            else:
                d = transition_point
                v = 0.5 * e * e if abs(e) <= d else d * abs(e) - 0.5 * d * d
            w = 1.0
            if weights_format is not None:
                w = _weight_at(weights, weights_format, fmt, i)
            elif weights is not None:
                wb = np.asarray(weights, dtype=float)
                if wb.ndim == 1:
                    w = wb[i[fmt.index("C")]]
                else:
                    w = np.broadcast_to(wb, Y.shape)[i]
            m = 1.0 if mask is None else float(np.broadcast_to(mask, Y.shape)[i])
            out[i] = w * m * v
        if reduction == "none":
            return out
        denom = {"batch-size": n, "all-elements": Y.size, "none": 1,
                 "mask-included": (np.sum(np.broadcast_to(mask, Y.shape) != 0)
                                   if mask is not None else Y.size)}[normalization_factor]
        return np.asarray(out.sum() / denom)

    return reference


def _sample_regression(kind):
    def sample(rng, dtype, n):
        Y = sample_array(rng, (3, n), dtype, "CB")
        T = sample_array(rng, (3, n), dtype, "CB")
        if kind in ("l1", "huber"):
            # keep |Y - T| away from the kinks at 0 and at the transition point
            e = np.asarray(Y._data - T._data)
            e = np.where(np.abs(e) < 0.1, e + 0.3, e)
            e = np.where(np.abs(np.abs(e) - 1.0) < 0.1, e * 1.3, e)
            T = dlarray((np.asarray(Y._data) - e).astype(dtype), "CB")
        cases = [Case("CB", (Y, T), {}, "")]
        if kind == "mse":
            Ys = sample_array(rng, (2, 2, 1, n), dtype, "SSCB")
            cases.append(Case("SSCB", (Ys, sample_array(rng, (2, 2, 1, n), dtype, "SSCB")),
                              {}, ""))
            cases.append(Case("unformatted BC", (dlarray(np.ascontiguousarray(Y._data.T)),
                                                 dlarray(np.ascontiguousarray(T._data.T))),
                              {"data_format": "BC"}, ""))
            return cases
        mask = (rng.uniform(size=(3, n)) > 0.3).astype(dtype)
        mask[:, 0] = 1
        cases += [
            Case("channel weights", (Y, T, np.array([1.0, 2.0, 0.5], dtype=dtype)), {}, ""),
            Case("mask-included", (Y, T), {"mask": mask,
                                           "normalization_factor": "mask-included"}, ""),
            Case("all-elements", (Y, T), {"normalization_factor": "all-elements"}, ""),
            Case("reduction none", (Y, T), {"reduction": "none"}, "CB"),
        ]
        if kind == "huber":
            cases.append(Case("transition 0.5", (Y, T), {"transition_point": 0.5}, ""))
        cases += [
            Case("weights_format B", (Y, T, rng.uniform(0.5, 2.0, n).astype(dtype)),
                 {"weights_format": "B"}, ""),
            Case("weights_format BC", (Y, T, rng.uniform(0.5, 2.0, (n, 3)).astype(dtype)),
                 {"weights_format": "BC"}, ""),
        ]
        return cases

    return sample


def _regression_kink(Y, grad, **kwargs):
    """One observation (N = 1, so no normalization), targets 0: dL/dT = -dL/dY."""
    Y, grad = np.array(Y)[:, None], np.array(grad)[:, None]
    return Case("on the kink", (dlarray(Y, "CB"), dlarray(np.zeros_like(Y), "CB")), kwargs, "",
                (grad, -grad))


register(OpRecord("l1loss", l1loss, _regression_reference("l1"), _sample_regression("l1"),
                  diff_argnums=(0, 1), second_order=True, kink=Kink(
                      "The derivative of ``|e|`` at ``e = 0`` is taken as 0",
                      lambda: [_regression_kink([0.0, 1.0, -1.0], [0.0, 1.0, -1.0])])))
register(OpRecord("l2loss", l2loss, _regression_reference("l2"), _sample_regression("l2"),
                  diff_argnums=(0, 1), second_order=True))
register(OpRecord("huber", huber, _regression_reference("huber"),
                  _sample_regression("huber"), diff_argnums=(0, 1), second_order=True,
                  kink=Kink("Continuous with a continuous first derivative",
                            lambda: [_regression_kink([1.0, -1.0, 0.3], [1.0, -1.0, 0.3]),
                                     _regression_kink([0.5, -0.5, 2.0], [0.5, -0.5, 0.5],
                                                      transition_point=0.5)])))
register(OpRecord("mse", mse, _regression_reference("mse"), _sample_regression("mse"),
                  diff_argnums=(0, 1), second_order=True))
