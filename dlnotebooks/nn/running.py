"""Running a network: forward (training mode), predict (inference), initialize, resetState."""

import numpy as np

from .. import _checks
from ..core import dlarray
from .network import _inner, dlnetwork

__all__ = ["forward", "predict", "initialize", "resetState"]


def _run(func, net, X, training, outputs, rng=None):
    if not isinstance(net, dlnetwork):
        raise _checks.fail(func, "net", "must be a dlnetwork", _checks.describe(net),
                           cls=TypeError)
    if not net._initialized:
        raise _checks.fail(func, "net", "must be initialized", "an uninitialized dlnetwork",
                           "Call net = initialize(net) first.")
    if len(X) != len(net._inputs):
        raise _checks.fail(func, "X", f"must be {len(net._inputs)} input(s), one for each of "
                           f"{net.input_names}", f"{len(X)} inputs")
    for (label, _, _), x in zip(net._inputs, X):
        if not isinstance(x, dlarray) or not x.fmt:
            raise _checks.fail(func, "X", "must be a formatted dlarray", _checks.describe(x),
                               f"First input argument must be a formatted dlarray (input "
                               f"{label!r}): wrap it, for example dlarray(X, \"SSCB\").")
    given = {(lay, inp): x for (_, lay, inp), x in zip(net._inputs, X)}
    if outputs is None:
        wanted = list(net._outputs)
    else:
        wanted = [outputs] if isinstance(outputs, str) else list(outputs)
        names = {la.name for la in net._layers}
        for w in wanted:
            if w not in names:
                raise _checks.fail(func, "outputs", "must name layers of the network",
                                   repr(w), f"Layers: {sorted(names)}.")
    learn = dict(zip(net._learnables.keys(), net._learnables.value))
    state = dict(zip(net._state.keys(), net._state.value))
    new_state = dict(state)
    acts = {}
    for i in net._order:
        layer = net._layers[i]
        params = {n: learn[(layer.name, n)] for n in layer.learnable_names}
        st = {n: state[(layer.name, n)] for n in layer.state_names}
        if layer.is_input:
            Y, _ = layer._forward([given[(layer.name, None)]], params, st, training, func)
        else:
            ins = [acts[net._sources[(layer.name, inp)]] if (layer.name, inp) in net._sources
                   else given[(layer.name, inp)] for inp in layer.input_names]
            try:
                extra = {"rng": rng} if layer.needs_rng else {}
                Y, updated = layer._forward(ins, params, st, training, **extra)
            except (ValueError, TypeError) as err:
                raise type(err)(f"{func}: layer {layer.name!r} ({layer.constructor}): "
                                f"{_inner(err)}") from err
            if training:
                for n, v in updated.items():
                    new_state[(layer.name, n)] = v
        acts[layer.name] = Y
    Ys = tuple(acts[w] for w in wanted)
    state_table = net._state.with_values([new_state[k] for k in net._state.keys()])
    return Ys, state_table


def forward(net, *X, outputs=None, rng=None):
    """Run the network in training mode: return the outputs and the updated state.

    Dropout is active and batch normalization uses mini-batch statistics (and updates its
    running statistics in the returned state).

    .. math:: (Y, s') = f_{\\text{train}}(X; \\theta, s)

    Parameters
    ----------
    net : dlnetwork, initialized
    *X : formatted dlarrays, one per network input, e.g. "SSCB" (H, W, C, N) images
    outputs : str or list of str, optional
        Layer names whose outputs to return; default the network outputs.
    rng : numpy.random.Generator, optional
        Source of the dropout masks; used instead of the generators given to the dropout
        layers. Needed when a dropout layer has none.

    Returns
    -------
    Y : dlarray (or Y1, ..., Yk for several outputs)
    state : State, the updated state; assign it with ``net.state = state``

    Raises
    ------
    ValueError
        Unformatted input ("must be a formatted dlarray"); wrong number of inputs; input of
        the wrong size or format; uninitialized network; unknown output names.
    TypeError
        ``rng`` not a Generator.
    RuntimeError
        A dropout layer without a generator, and no ``rng`` given.

    Notes
    -----
    Call it inside the model-loss function evaluated by ``dlfeval`` to get gradients. The
    state values are detached from the trace.

    MATLAB compatibility
    --------------------
    ``[Y, state] = forward(net, X)``, ``[Y1, ..., Yk, state] = forward(net, X1, ...,
    Outputs=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer
    >>> net = dlnetwork([featureInputLayer(3), fullyConnectedLayer(2)],
    ...                 rng=np.random.default_rng(0))
    >>> Y, state = forward(net, dlarray(np.ones((3, 5), dtype="float32"), "CB"))
    >>> Y.fmt, Y.shape, len(state)
    ('CB', (2, 5), 0)
    """
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise _checks.fail("forward", "rng", "must be a numpy.random.Generator or None",
                           _checks.describe(rng), cls=TypeError)
    Ys, state = _run("forward", net, X, True, outputs, rng)
    return Ys + (state,) if len(Ys) > 1 else (Ys[0], state)


def predict(net, *X, outputs=None):
    """Run the network in inference mode and return its output(s).

    Dropout is off and batch normalization uses the trained statistics in ``net.state``.

    .. math:: Y = f_{\\text{infer}}(X; \\theta, s)

    Parameters
    ----------
    net : dlnetwork, initialized
    *X : formatted dlarrays, one per network input
    outputs : str or list of str, optional

    Returns
    -------
    Y : dlarray (or a tuple for several outputs), in the format the network's last layers give,
        e.g. "CB" (num_classes, N) after a fully connected layer

    Raises
    ------
    ValueError
        As for :func:`forward`.

    Notes
    -----
    Does not change the network.

    MATLAB compatibility
    --------------------
    ``Y = predict(net, X)``; ``[Y1, ..., Yk] = predict(...)`` returns a tuple here.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> from dlnotebooks.nn import featureInputLayer, softmaxLayer
    >>> net = dlnetwork([featureInputLayer(2), softmaxLayer()])
    >>> predict(net, dlarray(np.zeros((2, 1)), "CB"))
    2(C)×1(B) float64 dlarray
    [[0.5]
     [0.5]]
    """
    Ys, _ = _run("predict", net, X, False, outputs)
    return Ys if len(Ys) > 1 else Ys[0]


def initialize(net, *example_inputs, rng=None):
    """Return an initialized copy of ``net``: unset learnables and state get initial values.

    Values that are already set are kept; new ones come from each layer's initializers, with
    sizes inferred from the input layers (or from ``example_inputs``).

    .. math:: \\theta_0 \\sim \\text{initializers}

    Parameters
    ----------
    net : dlnetwork
    *example_inputs : formatted dlarrays, one per unconnected input
    rng : numpy.random.Generator, optional
        A fresh unseeded generator when None.

    Returns
    -------
    net : dlnetwork, initialized (a new object)

    Raises
    ------
    ValueError
        Layers whose inputs do not fit; missing example inputs.
    TypeError
        ``net`` not a dlnetwork; ``rng`` not a Generator.

    Notes
    -----
    Sizes are found by running the network once on a single example observation.

    MATLAB compatibility
    --------------------
    ``net = initialize(net)``, ``initialize(net, X1, ..., XN)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer
    >>> net = dlnetwork([featureInputLayer(3), fullyConnectedLayer(2)], initialize=False)
    >>> net.initialized, initialize(net, rng=np.random.default_rng(0)).initialized
    (False, True)
    """
    func = "initialize"
    if not isinstance(net, dlnetwork):
        raise _checks.fail(func, "net", "must be a dlnetwork", _checks.describe(net),
                           cls=TypeError)
    new = net._copy()
    values = dict(zip(net._learnables.keys(), net._learnables.value))
    state = dict(zip(net._state.keys(), net._state.value))
    new._initialize(func, example_inputs, rng, values, state)
    return new


def resetState(net):
    """Return a copy of ``net`` whose recurrent states (HiddenState, CellState) are zero.

    .. math:: h_0 = c_0 = 0

    Parameters
    ----------
    net : dlnetwork

    Returns
    -------
    net : dlnetwork (a new object); batch-normalization statistics are kept

    Raises
    ------
    TypeError
        ``net`` not a dlnetwork.

    Notes
    -----
    The reset states have shape (H, 1) and broadcast over any batch size.

    MATLAB compatibility
    --------------------
    ``net = resetState(net)``.

    Examples
    --------
    >>> from dlnotebooks.nn import featureInputLayer
    >>> len(resetState(dlnetwork([featureInputLayer(2)])).state)
    0
    """
    if not isinstance(net, dlnetwork):
        raise _checks.fail("resetState", "net", "must be a dlnetwork", _checks.describe(net),
                           cls=TypeError)
    values = []
    for (lay, par), v in zip(net._state.keys(), net._state.value):
        if par in ("HiddenState", "CellState"):
            v = dlarray(np.zeros((v.shape[0], 1), dtype=v.dtype))
        values.append(v)
    return net._copy(_state=net._state.with_values(values))

