"""The flatten layer: spatial and channel dimensions into one "C" dimension, column-major."""

import numpy as np

from ... import _checks
from ...core import dlarray, extractdata
from ._base import Layer, LayerCase, register, sample_input


class _Flatten(Layer):
    constructor = "flattenLayer"
    default_name = "flatten"
    description = "Flatten"

    def _forward(self, inputs, params, state, training):
        X = inputs[0]
        fmt = X.fmt
        if "C" not in fmt:
            raise _checks.fail("forward", "input", f"of layer '{self.name}' must have a 'C' "
                               "dimension", f'format "{fmt}"')
        nfeat = fmt.index("C") + 1
        if nfeat == 1:
            return X, {}
        shape = X.shape
        feat, rest = shape[:nfeat], shape[nfeat:]
        # MATLAB flattens (S..., C) column-major: reverse the feature axes, then reshape.
        order = tuple(range(nfeat - 1, -1, -1)) + tuple(range(nfeat, len(shape)))
        Y = X.transpose(order).reshape((int(np.prod(feat)),) + rest)
        return dlarray(Y, "C" + fmt[nfeat:]), {}


def _sample_flatten(rng, dtype, n):
    return [LayerCase("images", flattenLayer(), (sample_input(rng, dtype, (3, 4, 2, n), "SSCB"),)),
            LayerCase("features", flattenLayer(), (sample_input(rng, dtype, (3, n), "CB"),))]


def _flatten_reference(layer, inputs, learnables, state):
    # MATLAB's column-major order: h fastest, then w, then c.
    X = inputs[0]
    N = X.shape[X.fmt.index("B")]
    return dlarray(extractdata(X).reshape((-1, N), order="F"), "CB")


@register(sample=_sample_flatten, reference=_flatten_reference)
def flattenLayer(*, name=""):
    """Create a flatten layer: collapse the S and C dimensions into C (column-major).

    ``"SSCB"`` (H, W, C, N) becomes ``"CB"`` (H*W*C, N); ``"SSCBT"`` becomes ``"CBT"``.

    .. math:: Y_{h + H w + H W c,\\, n} = X_{h,w,c,n}

    Parameters
    ----------
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        Input without a C dimension (at run time).

    Notes
    -----
    The order matches ``fullyconnect``'s flattening, so ``flattenLayer`` followed by
    ``fullyConnectedLayer`` equals ``fullyConnectedLayer`` alone.

    MATLAB compatibility
    --------------------
    ``flattenLayer``; the same column-major order.

    Examples
    --------
    >>> flattenLayer().description
    'Flatten'
    """
    return _Flatten(name)
