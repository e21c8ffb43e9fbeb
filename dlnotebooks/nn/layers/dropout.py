"""The dropout layer: random masks in training mode, the identity in inference mode."""

import numpy as np

from ... import _checks
from ...core import dlarray
from ._base import Layer, LayerCase, register, sample_input


class _Dropout(Layer):
    constructor = "dropoutLayer"
    default_name = "dropout"
    description = "Dropout"

    needs_rng = True

    def __init__(self, name="", *, probability, rng):
        super().__init__(name, probability=probability)
        self._rng = rng

    def _forward(self, inputs, params, state, training, rng=None):
        X = inputs[0]
        p = self._options["probability"]
        if not training or p == 0:
            return X, {}
        # The generator given to forward wins over the layer's own; there is no fallback,
        # so every mask comes from a generator the caller seeded (or chose not to).
        rng = rng if rng is not None else self._rng
        if rng is None:
            raise _checks.fail("forward", "rng", f"is needed by dropout layer '{self.name}'",
                               "None", "Pass rng=np.random.default_rng(seed) to forward, or "
                               "to dropoutLayer when you create it.", cls=RuntimeError)
        keep = rng.random(X.shape) >= p
        mask = (keep / (1.0 - p)).astype(X.dtype)
        return X * dlarray(mask, X.fmt), {}


def _sample_dropout(rng, dtype, n):
    X = sample_input(rng, dtype, (3, 2, 2, n), "SSCB")
    return [LayerCase("own-generator", dropoutLayer(0.3, rng=np.random.default_rng(0)), (X,)),
            LayerCase("forward-generator", dropoutLayer(0.5), (X,))]


def _dropout_reference(layer, inputs, learnables, state):
    return inputs[0]  # inference mode


@register(sample=_sample_dropout, reference=_dropout_reference)
def dropoutLayer(probability=0.5, *, rng=None, name=""):
    """Create a dropout layer: in training, zero each element with ``probability``.

    ``Y = X * mask / (1 - p)`` in ``forward`` (mask ~ Bernoulli(1 - p)); ``Y = X`` in
    ``predict``.

    .. math:: y = \\frac{m\\,x}{1-p},\\quad m \\sim \\mathrm{Bernoulli}(1-p)

    Parameters
    ----------
    probability : float in [0, 1), default 0.5
    rng : numpy.random.Generator, optional
        Source of the masks. When None, ``forward(net, X, rng=rng)`` must be given one.
    name : str, default ""

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        probability outside [0, 1).
    TypeError
        rng not a Generator.

    Notes
    -----
    Scaling by ``1/(1-p)`` at training time keeps the expected activation equal, so inference
    needs no rescaling. A generator passed to ``forward`` is used instead of the layer's own;
    without either, ``forward`` raises a RuntimeError rather than draw unseeded masks. The
    layer's generator is shared by every copy of the network; it is not saved by
    ``save_network``.

    MATLAB compatibility
    --------------------
    ``dropoutLayer(probability)``; the random masks differ from MATLAB's.

    Examples
    --------
    >>> import numpy as np
    >>> dropoutLayer(0.2, rng=np.random.default_rng(0)).options
    {'probability': 0.2}
    """
    func = "dropoutLayer"
    p = _checks.real_number(func, "probability", probability, low=0, high=1, high_open=True)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise _checks.fail(func, "rng", "must be a numpy.random.Generator or None",
                           _checks.describe(rng), cls=TypeError)
    return _Dropout(name, probability=p, rng=rng)
