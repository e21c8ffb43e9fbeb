"""Layers that combine several inputs: addition and concatenation."""

import numpy as np

from ... import _checks
from ...core import dlarray, extractdata
from ._base import Layer, LayerCase, _size_text, register, sample_input


class _Combine(Layer):
    @property
    def input_names(self):
        return tuple(f"in{k + 1}" for k in range(self._options["num_inputs"]))


class _Addition(_Combine):
    constructor = "additionLayer"
    default_name = "addition"
    description = "Addition"

    def _forward(self, inputs, params, state, training):
        first = inputs[0]
        for k, X in enumerate(inputs[1:], start=2):
            if X.fmt != first.fmt or X.shape != first.shape:
                raise _checks.fail(
                    "forward", "inputs", f"of addition layer '{self.name}' must have equal "
                    "sizes and formats", f"in1 {_size_text(first.shape, first.fmt)} and "
                    f"in{k} {_size_text(X.shape, X.fmt)}")
        Y = first
        for X in inputs[1:]:
            Y = Y + X
        return Y, {}


def _sample_addition(rng, dtype, n):
    X = [sample_input(rng, dtype, (3, 2, 2, n), "SSCB") for _ in range(3)]
    return [LayerCase("two", additionLayer(), tuple(X[:2])),
            LayerCase("three", additionLayer(3), tuple(X))]


def _addition_reference(layer, inputs, learnables, state):
    return dlarray(sum(extractdata(X) for X in inputs), inputs[0].fmt)


@register(sample=_sample_addition, reference=_addition_reference)
def additionLayer(num_inputs=2, *, name=""):
    """Create an addition layer: ``Y = X1 + X2 + ...`` (inputs "in1", "in2", ...).

    .. math:: Y = \\sum_k X_k

    Parameters
    ----------
    num_inputs : int >= 2, default 2
    name : str, default ""

    Returns
    -------
    layer : Layer with inputs "in1" ... "inN"

    Raises
    ------
    ValueError
        num_inputs < 2; inputs of different sizes (when the network is built).

    Notes
    -----
    The residual connections of ResNets.

    MATLAB compatibility
    --------------------
    ``additionLayer(numInputs)``.

    Examples
    --------
    >>> additionLayer(3).input_names
    ('in1', 'in2', 'in3')
    """
    n = _checks.positive_int("additionLayer", "num_inputs", num_inputs)
    if n < 2:
        raise _checks.fail("additionLayer", "num_inputs", "must be at least 2", n)
    return _Addition(name, num_inputs=n)


class _Concatenation(_Combine):
    constructor = "concatenationLayer"
    default_name = "concat"
    description = "Concatenation"

    def _forward(self, inputs, params, state, training):
        dim = self._options["dim"]
        first = inputs[0]
        axis = first.fmt.index(dim) if isinstance(dim, str) else dim
        for k, X in enumerate(inputs[1:], start=2):
            other = [n for i, n in enumerate(X.shape) if i != axis]
            ref = [n for i, n in enumerate(first.shape) if i != axis]
            if X.fmt != first.fmt or other != ref:
                raise _checks.fail(
                    "forward", "inputs", f"of concatenation layer '{self.name}' must have "
                    f"equal formats and sizes except along dimension {dim!r}",
                    f"in1 {_size_text(first.shape, first.fmt)} and in{k} "
                    f"{_size_text(X.shape, X.fmt)}")
        if isinstance(dim, str) and dim not in first.fmt:
            raise _checks.fail("forward", "dim", f"of layer '{self.name}' must be a label of "
                               "the inputs", f"{dim!r} for format {first.fmt!r}")
        return np.concatenate(list(inputs), axis=axis), {}


def _sample_concatenation(rng, dtype, n):
    A, B = sample_input(rng, dtype, (3, n), "CB"), sample_input(rng, dtype, (2, n), "CB")
    S = [sample_input(rng, dtype, (2, k, 2, n), "SSCB") for k in (1, 3)]
    return [LayerCase("channels", concatenationLayer("C"), (A, B)),
            LayerCase("second-spatial", concatenationLayer(1), tuple(S))]


def _concatenation_reference(layer, inputs, learnables, state):
    dim, fmt = layer.options["dim"], inputs[0].fmt
    axis = fmt.index(dim) if isinstance(dim, str) else dim
    return dlarray(np.concatenate([extractdata(X) for X in inputs], axis=axis), fmt)


@register(sample=_sample_concatenation, reference=_concatenation_reference)
def concatenationLayer(dim, num_inputs=2, *, name=""):
    """Create a concatenation layer: join the inputs along one dimension.

    .. math:: Y = [X_1; X_2; \\dots] \\text{ along } \\mathrm{dim}

    Parameters
    ----------
    dim : int (0-based dimension in the canonical order) or a label such as "C"
    num_inputs : int >= 2, default 2
    name : str, default ""

    Returns
    -------
    layer : Layer with inputs "in1" ... "inN"

    Raises
    ------
    ValueError
        num_inputs < 2; inputs whose other sizes differ (when the network is built).

    Notes
    -----
    ``dim="C"`` stacks channels (MATLAB's ``depthConcatenationLayer``).

    MATLAB compatibility
    --------------------
    ``concatenationLayer(dim, numInputs)``; ``dim`` is 0-based here (MATLAB's is 1-based), and
    a label is accepted too.

    Examples
    --------
    >>> concatenationLayer("C").input_names
    ('in1', 'in2')
    """
    func = "concatenationLayer"
    if isinstance(dim, str):
        dim = _checks.choice(func, "dim", dim, ("s", "c", "b", "t", "u")).upper()
    else:
        dim = _checks.positive_int(func, "dim", dim, allow_zero=True)
    n = _checks.positive_int(func, "num_inputs", num_inputs)
    if n < 2:
        raise _checks.fail(func, "num_inputs", "must be at least 2", n)
    return _Concatenation(name, dim=dim, num_inputs=n)
