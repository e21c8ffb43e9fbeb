"""Saving and loading networks as ``.npz`` files without pickle."""

import json
import os

import numpy as np

from .. import _checks
from ..core import dlarray
from .graph import LayerGraph
from .layers import LAYER_TYPES
from .network import dlnetwork
from .running import initialize
from .tables import Learnables, State

__all__ = ["save_network", "load_network"]

_FORMAT = "dlnotebooks.dlnetwork"


def _encode(value, arrays):
    if isinstance(value, np.ndarray):
        key = f"option_{len(arrays)}"
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, (tuple, list)):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _decode(value, arrays):
    if isinstance(value, dict) and "__array__" in value:
        return arrays[value["__array__"]]
    if isinstance(value, list):
        return tuple(_decode(v, arrays) for v in value)
    return value


def save_network(net, path):
    """Save a network's architecture, learnables and state to an ``.npz`` file (no pickle).

    The file holds one array per learnable (``learnables_<k>``) and state value
    (``state_<k>``), array-valued layer options, and ``__architecture__``: a JSON text that
    describes the layers (constructor and options), connections and table rows.

    Parameters
    ----------
    net : dlnetwork
    path : str or os.PathLike
        File name; NumPy appends ".npz" if it is missing.

    Returns
    -------
    None

    Raises
    ------
    TypeError
        ``net`` not a dlnetwork.

    Notes
    -----
    Not saved: dropout generators and custom initializer functions (a loaded dropout layer has
    no generator, so pass ``rng=`` to ``forward``; loaded layers use the default initializers,
    which only matter for re-initialization).

    MATLAB compatibility
    --------------------
    MATLAB saves networks in MAT-files with ``save``; this is the NumPy equivalent.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer
    >>> net = dlnetwork([featureInputLayer(3), fullyConnectedLayer(2)],
    ...                 rng=np.random.default_rng(0))
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> save_network(net, path)
    >>> same = load_network(path)
    >>> bool(np.array_equal(same.learnables["fc", "Weights"], net.learnables["fc", "Weights"]))
    True
    """
    if not isinstance(net, dlnetwork):
        raise _checks.fail("save_network", "net", "must be a dlnetwork",
                           _checks.describe(net), cls=TypeError)
    arrays = {}
    layers = [{"constructor": la.constructor, "name": la.name,
               "options": {k: _encode(v, arrays) for k, v in la._config().items()}}
              for la in net._layers]
    arch = {"format": _FORMAT, "version": 1, "layers": layers,
            "connections": [list(e) for e in net._edges], "initialized": net._initialized,
            "learnables": [list(k) for k in net._learnables.keys()],
            "state": [list(k) for k in net._state.keys()]}
    for k, v in enumerate(net._learnables.value):
        arrays[f"learnables_{k}"] = np.asarray(v)
    for k, v in enumerate(net._state.value):
        arrays[f"state_{k}"] = np.asarray(v)
    arrays["__architecture__"] = np.array(json.dumps(arch))
    np.savez(os.fspath(path), **arrays)


def load_network(path):
    """Load a network saved by :func:`save_network`; pickled content is refused.

    Parameters
    ----------
    path : str or os.PathLike, an ``.npz`` file

    Returns
    -------
    net : dlnetwork with the saved layers, learnables and state

    Raises
    ------
    ValueError
        A file with pickled (object) arrays, or one that save_network did not write.
    FileNotFoundError
        No such file.

    Notes
    -----
    The file is read with ``np.load(path, allow_pickle=False)``, so loading never runs code
    from the file.

    MATLAB compatibility
    --------------------
    The counterpart of ``load`` for a MAT-file holding a ``dlnetwork``.

    Examples
    --------
    See :func:`save_network`.
    """
    func = "load_network"
    try:
        data = np.load(os.fspath(path), allow_pickle=False)
    except ValueError as err:
        raise _checks.fail(func, "path", "must be an .npz file without pickled data",
                           repr(os.fspath(path)), f"Refusing to unpickle ({err}).") from None
    if not hasattr(data, "files"):
        raise _checks.fail(func, "path", "must be an .npz file written by save_network",
                           f"a single array in {os.fspath(path)!r}")
    with data:
        if "__architecture__" not in data.files:
            raise _checks.fail(func, "path", "must be an .npz file written by save_network",
                               f"a file without an architecture entry ({os.fspath(path)!r})")
        arrays = {}
        for key in data.files:
            try:
                arrays[key] = data[key]
            except ValueError as err:
                raise _checks.fail(func, "path", "must not contain pickled (object) arrays",
                                   f"{key!r} in {os.fspath(path)!r}",
                                   f"Refusing to unpickle ({err}).") from None
    try:
        arch = json.loads(str(arrays["__architecture__"]))
    except json.JSONDecodeError as err:
        raise _checks.fail(func, "path", "must hold a valid architecture description",
                           str(err)) from None
    if not isinstance(arch, dict) or arch.get("format") != _FORMAT:
        raise _checks.fail(func, "path", "must be an .npz file written by save_network",
                           f"format {arch.get('format') if isinstance(arch, dict) else arch!r}")
    layers = []
    for spec in arch["layers"]:
        make = LAYER_TYPES.get(spec["constructor"])
        if make is None:
            raise _checks.fail(func, "path", "must describe known layer types",
                               repr(spec["constructor"]))
        options = {k: _decode(v, arrays) for k, v in spec["options"].items()}
        layers.append(make(**options, name=spec["name"]))
    graph = LayerGraph(layers, [tuple(e) for e in arch["connections"]])
    net = dlnetwork(graph, initialize=False)
    learn = [tuple(k) for k in arch["learnables"]]
    state = [tuple(k) for k in arch["state"]]
    net._learnables = Learnables([k[0] for k in learn], [k[1] for k in learn],
                                 [dlarray(arrays[f"learnables_{i}"]) for i in range(len(learn))])
    net._state = State([k[0] for k in state], [k[1] for k in state],
                       [dlarray(arrays[f"state_{i}"]) for i in range(len(state))])
    if arch.get("initialized"):
        if any(inp is not None for _, _, inp in net._inputs):
            net._initialized = True  # sizes of free inputs are unknown without examples
        else:
            net = initialize(net)
    return net

