"""dlnetwork, layer graphs, forward/predict/initialize, summary, and .npz saving."""

import html
import json
import os

import numpy as np

from .. import _checks, _tree
from ..core import dlarray
from .layers import LAYER_TYPES, Layer, _size_text
from .tables import Learnables, State

__all__ = ["dlnetwork", "forward", "predict", "initialize", "summary", "resetState",
           "LayerGraph", "layerGraph", "addLayers", "connectLayers", "save_network",
           "load_network"]

_FORMAT = "dlnotebooks.dlnetwork"


# ---------------------------------------------------------------- layer graphs

class LayerGraph:
    """A graph of named layers and the connections between them (immutable).

    Build it with :func:`layerGraph`, :func:`addLayers` and :func:`connectLayers`, then make
    a network with ``dlnetwork(lgraph)``.

    Parameters
    ----------
    layers : sequence of named layers
    edges : sequence of (source layer, destination layer, input name) triples
        Prefer the functions above, which name the layers and check the connections.

    Attributes
    ----------
    layers : tuple of layers (with their assigned names)
    connections : list of (source, destination) pairs such as ``("conv_1", "add/in2")``

    Raises
    ------
    Nothing here; ``dlnetwork(lgraph)`` reports cycles and layers that do not fit.

    Notes
    -----
    Every function returns a new graph; the one you pass is never changed.

    MATLAB compatibility
    --------------------
    MATLAB's ``layerGraph`` object with ``Layers`` and ``Connections``.

    Examples
    --------
    >>> from dlnotebooks.nn import reluLayer
    >>> layerGraph([reluLayer(), reluLayer()]).connections
    [('relu_1', 'relu_2')]
    """

    __slots__ = ("_layers", "_edges")

    def __init__(self, layers=(), edges=()):
        self._layers = tuple(layers)
        self._edges = tuple(edges)  # (source layer, destination layer, input name)

    @property
    def layers(self):
        return self._layers

    @property
    def connections(self):
        return [_edge_text(e) for e in self._edges]

    def _layer(self, func, arg, name):
        for layer in self._layers:
            if layer.name == name:
                return layer
        names = ", ".join(repr(la.name) for la in self._layers) or "none"
        raise _checks.fail(func, arg, "must name a layer of the graph", repr(name),
                           f"Layers: {names}.")

    def __repr__(self):
        lines = [f"LayerGraph with {len(self._layers)} layers and {len(self._edges)} "
                 "connections"]
        lines += [f"  {la.name}: {la.constructor}" for la in self._layers]
        lines += [f"  {s} -> {d}" for s, d in self.connections]
        return "\n".join(lines)


def _edge_text(edge):
    src, dst, inp = edge
    return (src, dst if inp == "in" else f"{dst}/{inp}")


def _as_layer_list(func, layers):
    if isinstance(layers, Layer):
        return [layers]
    if not isinstance(layers, (list, tuple)):
        raise _checks.fail(func, "layers", "must be a layer or a list of layers",
                           _checks.describe(layers), cls=TypeError)
    for k, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise _checks.fail(func, f"layers[{k}]", "must be a layer",
                               _checks.describe(layer), "Create layers with the layer "
                               "constructors, for example reluLayer().", cls=TypeError)
    return list(layers)


def _assign_names(func, existing, layers):
    taken = set(existing)
    for layer in layers:
        if layer.name:
            if layer.name in taken:
                raise _checks.fail(func, "layers", "must have unique names",
                                   f"two layers named {layer.name!r}")
            taken.add(layer.name)
    counts = {}
    for layer in layers:
        if not layer.name:
            counts[layer.default_name] = counts.get(layer.default_name, 0) + 1
    out, next_index = [], {}
    for layer in layers:
        if layer.name:
            out.append(layer)
            continue
        base = layer.default_name
        if counts[base] == 1 and base not in taken:
            name = base
        else:
            k = next_index.get(base, 1)
            while f"{base}_{k}" in taken:
                k += 1
            name = f"{base}_{k}"
            next_index[base] = k + 1
        taken.add(name)
        out.append(layer._with_name(name))
    return out


def layerGraph(layers=None):
    """Create a layer graph, with ``layers`` (a list) connected one after the other.

    Parameters
    ----------
    layers : layer or list of layers, optional

    Returns
    -------
    lgraph : LayerGraph

    Raises
    ------
    TypeError
        Something other than layers.
    ValueError
        Duplicate layer names; an input layer after another layer.

    Notes
    -----
    Unnamed layers get MATLAB-style names: the layer's default name ("conv", "relu", "fc",
    ...), with ``_1``, ``_2``, ... when several unnamed layers share it.

    MATLAB compatibility
    --------------------
    ``lgraph = layerGraph(layers)``.

    Examples
    --------
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer
    >>> [la.name for la in layerGraph([featureInputLayer(3), fullyConnectedLayer(2)]).layers]
    ['input', 'fc']
    """
    graph = LayerGraph()
    if layers is None:
        return graph
    return _add("layerGraph", graph, layers)


def addLayers(lgraph, layers):
    """Add layers to a graph (or an uninitialized network), connected one after the other.

    Parameters
    ----------
    lgraph : LayerGraph or dlnetwork
    layers : layer or list of layers

    Returns
    -------
    lgraph : a new LayerGraph (or a new, uninitialized dlnetwork that keeps the learnable
        values it had)

    Raises
    ------
    TypeError
        ``lgraph`` or ``layers`` of the wrong type.
    ValueError
        Names already in the graph; an input layer after another layer.

    Notes
    -----
    The added layers are not connected to the layers already in the graph; use
    :func:`connectLayers`.

    MATLAB compatibility
    --------------------
    ``lgraph = addLayers(lgraph, layers)`` and ``net = addLayers(net, layers)``.

    Examples
    --------
    >>> from dlnotebooks.nn import reluLayer
    >>> len(addLayers(layerGraph(), [reluLayer(name="a"), reluLayer(name="b")]).layers)
    2
    """
    return _add("addLayers", lgraph, layers)


def _add(func, lgraph, layers):
    if isinstance(lgraph, dlnetwork):
        return lgraph._with_graph(_add(func, lgraph._graph(), layers))
    if not isinstance(lgraph, LayerGraph):
        raise _checks.fail(func, "lgraph", "must be a LayerGraph or a dlnetwork",
                           _checks.describe(lgraph), cls=TypeError)
    new = _assign_names(func, [la.name for la in lgraph.layers], _as_layer_list(func, layers))
    edges = list(lgraph._edges)
    for k, (prev, layer) in enumerate(zip(new, new[1:]), start=1):
        if not layer.input_names:
            raise _checks.fail(func, f"layers[{k}]", "must not be an input layer after another "
                               "layer", f"{layer.constructor} {layer.name!r} after "
                               f"{prev.name!r}", "Put input layers first.")
        edges.append((prev.name, layer.name, layer.input_names[0]))
    return LayerGraph(lgraph.layers + tuple(new), edges)


def connectLayers(lgraph, source, destination):
    """Connect the output of layer ``source`` to an input of layer ``destination``.

    Parameters
    ----------
    lgraph : LayerGraph or dlnetwork
    source : str
        A layer name (optionally ``"name/out"``).
    destination : str
        A layer name for a one-input layer, or ``"name/in2"`` for an input of a multi-input
        layer (additionLayer, concatenationLayer).

    Returns
    -------
    lgraph : a new LayerGraph (or uninitialized dlnetwork)

    Raises
    ------
    ValueError
        Unknown layers or inputs; an input that is already connected; a multi-input layer
        without an input name.
    TypeError
        Non-string names.

    Notes
    -----
    Cycles are detected when the network is built.

    MATLAB compatibility
    --------------------
    ``lgraph = connectLayers(lgraph, s, d)``; the same ``"layer/in2"`` syntax.

    Examples
    --------
    >>> from dlnotebooks.nn import additionLayer, reluLayer
    >>> g = layerGraph([reluLayer(name="r"), additionLayer(name="add")])
    >>> connectLayers(g, "r", "add/in2").connections
    [('r', 'add/in1'), ('r', 'add/in2')]
    """
    func = "connectLayers"
    if isinstance(lgraph, dlnetwork):
        return lgraph._with_graph(connectLayers(lgraph._graph(), source, destination))
    if not isinstance(lgraph, LayerGraph):
        raise _checks.fail(func, "lgraph", "must be a LayerGraph or a dlnetwork",
                           _checks.describe(lgraph), cls=TypeError)
    for arg, value in (("source", source), ("destination", destination)):
        if not isinstance(value, str):
            raise _checks.fail(func, arg, "must be a layer name", _checks.describe(value),
                               cls=TypeError)
    src_name, _, src_out = source.partition("/")
    if src_out not in ("", "out"):
        raise _checks.fail(func, "source", "must be 'name' or 'name/out'", repr(source))
    src = lgraph._layer(func, "source", src_name)
    dst_name, _, inp = destination.partition("/")
    dst = lgraph._layer(func, "destination", dst_name)
    if not dst.input_names:
        raise _checks.fail(func, "destination", "must be a layer with inputs",
                           f"input layer {dst_name!r}", "Input layers cannot be connected to.")
    if not inp:
        if len(dst.input_names) != 1:
            raise _checks.fail(func, "destination", "must name one input of a multi-input "
                               "layer", repr(destination),
                               f"Use one of {[f'{dst_name}/{i}' for i in dst.input_names]}.")
        inp = dst.input_names[0]
    if inp not in dst.input_names:
        raise _checks.fail(func, "destination", f"must name an input of layer {dst_name!r}",
                           repr(destination), f"Its inputs are {list(dst.input_names)}.")
    for s, d, i in lgraph._edges:
        if (d, i) == (dst_name, inp):
            raise _checks.fail(func, "destination", "is already connected", repr(destination),
                               f"It receives the output of {s!r}.")
    return LayerGraph(lgraph.layers, lgraph._edges + ((src.name, dst_name, inp),))


# ---------------------------------------------------------------- dlnetwork

def _inner(err):
    """The message of an error raised inside a layer, without its "forward: " prefix."""
    text = str(err)
    for prefix in ("forward: ", "initialize: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _find_cycle(names, edges):
    succ = {n: [] for n in names}
    for s, d, _ in edges:
        if s in succ and d in succ:
            succ[s].append(d)
    for start in names:
        path, seen = [start], {start: 0}
        node = start
        while succ[node]:
            node = succ[node][0]
            if node in seen:
                return path[seen[node]:] + [node]
            seen[node] = len(path)
            path.append(node)
    return list(names)


class dlnetwork:
    """A neural network for custom training loops: layers, learnables and state.

    ``net = dlnetwork(layers)`` connects a list of layers one after the other (or takes a
    :class:`LayerGraph`) and initializes the learnables (Glorot weights, zero biases, ...)
    from the sizes of the input layers. ``forward(net, X)`` runs it in training mode and
    returns the new state; ``predict(net, X)`` runs it in inference mode.

    Parameters
    ----------
    layers : list of layers, LayerGraph, or None (an empty network)
    *example_inputs : formatted dlarrays, optional
        One per network input that is not an input layer (needed to initialize such
        networks).
    initialize : bool, default True
        False creates an uninitialized network; call :func:`initialize` later.
    rng : numpy.random.Generator, optional
        Source of the initial values; a fresh unseeded generator when None.

    Attributes
    ----------
    layers : tuple of layers, in the order given
    connections : list of (source, destination) pairs
    learnables : Learnables table (assignable: ``net.learnables = ...``)
    state : State table (assignable: ``net.state = state``)
    initialized : bool
    input_names, output_names : lists of str

    Raises
    ------
    ValueError
        Cycles; duplicate names; unconnected inputs without example inputs; layers whose
        inputs do not fit (naming the layers and sizes).
    TypeError
        Something other than layers.

    Notes
    -----
    The network object is a value: update functions and ``initialize`` return new networks and
    never change the one you pass in. Assigning ``net.state = state`` or ``net.learnables =
    ...`` replaces that attribute of this object only (the tables themselves are immutable),
    which is what MATLAB's ``net.State = state`` does. ``dlfeval`` traces the learnables of
    a network passed to it; ``dlgradient(loss, net.learnables)`` returns a Learnables table.

    MATLAB compatibility
    --------------------
    ``net = dlnetwork(layers)``, ``dlnetwork(layers, X1, ..., Initialize=false)``; properties
    ``Layers``, ``Connections``, ``Learnables``, ``State``, ``Initialized``, ``InputNames``,
    ``OutputNames`` in snake_case.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer, reluLayer
    >>> net = dlnetwork([featureInputLayer(3), fullyConnectedLayer(2), reluLayer()],
    ...                 rng=np.random.default_rng(0))
    >>> net.learnables
    Learnables: 2 rows
      layer  parameter  value
      fc     Weights    2×3 float32 dlarray
      fc     Bias       2×1 float32 dlarray
    """

    __slots__ = ("_layers", "_edges", "_order", "_sources", "_inputs", "_outputs",
                 "_learnables", "_state", "_initialized", "_activations")

    def __init__(self, layers=None, *example_inputs, initialize=True, rng=None):
        func = "dlnetwork"
        if layers is None:
            graph = LayerGraph()
        elif isinstance(layers, LayerGraph):
            graph = layers
        else:
            graph = _add(func, LayerGraph(), _as_layer_list(func, layers))
        self._setup(func, graph)
        self._learnables = Learnables()
        self._state = State()
        self._initialized = False
        self._activations = {}
        if initialize and self._layers:
            self._initialize(func, example_inputs, rng, {}, {})
        elif initialize:
            self._initialized = True

    # ---- structure ----
    def _setup(self, func, graph):
        self._layers = graph.layers
        self._edges = graph._edges
        names = [la.name for la in self._layers]
        index = {n: i for i, n in enumerate(names)}
        self._sources = {(d, i): s for s, d, i in self._edges}
        indegree = {n: 0 for n in names}
        succ = {n: [] for n in names}
        for s, d, _ in self._edges:
            indegree[d] += 1
            succ[s].append(d)
        ready = [n for n in names if indegree[n] == 0]
        order = []
        while ready:
            ready.sort(key=index.get)
            n = ready.pop(0)
            order.append(n)
            for d in succ[n]:
                indegree[d] -= 1
                if indegree[d] == 0:
                    ready.append(d)
        if len(order) != len(names):
            rest = [n for n in names if n not in order]
            cycle = _find_cycle(rest, self._edges)
            raise _checks.fail(func, "layers", "must not form a cycle",
                               "a cycle " + " -> ".join(repr(n) for n in cycle),
                               "Remove one of these connections.")
        self._order = tuple(index[n] for n in order)
        inputs = []
        for la in self._layers:
            if la.is_input:
                inputs.append((la.name, la.name, None))
            for inp in la.input_names:
                if (la.name, inp) not in self._sources:
                    label = la.name if len(la.input_names) == 1 else f"{la.name}/{inp}"
                    inputs.append((label, la.name, inp))
        self._inputs = tuple(inputs)
        used = {s for s, _, _ in self._edges}
        self._outputs = tuple(n for n in names if n not in used)

    def _graph(self):
        return LayerGraph(self._layers, self._edges)

    def _copy(self, **changes):
        new = object.__new__(dlnetwork)
        for name in self.__slots__:
            setattr(new, name, changes.get(name, getattr(self, name)))
        return new

    def _with_graph(self, graph):
        new = dlnetwork(graph, initialize=False)
        keep = {la.name for la in graph.layers}
        values = {k: v for k, v in zip(self._learnables.keys(), self._learnables.value)
                  if k[0] in keep}
        state = {k: v for k, v in zip(self._state.keys(), self._state.value) if k[0] in keep}
        new._learnables = Learnables([k[0] for k in values], [k[1] for k in values],
                                     list(values.values()))
        new._state = State([k[0] for k in state], [k[1] for k in state], list(state.values()))
        return new

    # ---- initialization ----
    def _initialize(self, func, example_inputs, rng, values, state_values):
        if rng is None:
            rng = np.random.default_rng()
        elif not isinstance(rng, np.random.Generator):
            raise _checks.fail(func, "rng", "must be a numpy.random.Generator or None",
                               _checks.describe(rng), cls=TypeError)
        free = [(label, lay, inp) for label, lay, inp in self._inputs if inp is not None]
        if len(example_inputs) != len(free):
            if free and not example_inputs:
                label = free[0][0]
                raise _checks.fail(func, "layers", f"input {label!r} is not connected to any "
                                   "layer; it needs an example input", "none",
                                   f"Connect it with connectLayers(lgraph, source, {label!r}) "
                                   "or pass an example formatted dlarray for it.")
            raise _checks.fail(func, "example_inputs", f"must have one formatted dlarray per "
                               f"unconnected input ({[f[0] for f in free]})",
                               f"{len(example_inputs)} inputs")
        given = {}
        for (label, lay, inp), X in zip(free, example_inputs):
            if not isinstance(X, dlarray) or not X.fmt:
                raise _checks.fail(func, "example_inputs", f"for {label!r} must be a formatted "
                                   "dlarray", _checks.describe(X))
            given[(lay, inp)] = X
        acts, learn, state = {}, {}, {}
        for i in self._order:
            layer = self._layers[i]
            if layer.is_input:
                ins, srcs = [layer._example()], ["(example)"]
            else:
                ins, srcs = [], []
                for inp in layer.input_names:
                    src = self._sources.get((layer.name, inp))
                    ins.append(acts[src] if src is not None else given[(layer.name, inp)])
                    srcs.append(f"{inp} from {src!r}" if src else f"{inp} (network input)")
            try:
                params = {n: values.get((layer.name, n), layer._initial.get(n))
                          for n in layer.learnable_names}
                if any(v is None for v in params.values()):
                    created = layer._init_learnables(ins, rng)
                    params = {n: v if v is not None else created[n] for n, v in params.items()}
                st = {n: state_values.get((layer.name, n)) for n in layer.state_names}
                if any(v is None for v in st.values()):
                    created = layer._init_state(ins, params)
                    st = {n: v if v is not None else created[n] for n, v in st.items()}
                Y, _ = layer._forward(ins, params, st, False)
            except (ValueError, TypeError, IndexError) as err:
                sizes = ", ".join(f"{s} {_size_text(X.shape, X.fmt)}"
                                  for s, X in zip(srcs, ins))
                raise ValueError(f"{func}: layer {layer.name!r} ({layer.constructor}) cannot "
                                 f"take its input ({sizes}): {_inner(err)}") from err
            acts[layer.name] = Y
            for n in layer.learnable_names:
                learn[(layer.name, n)] = params[n]
            for n in layer.state_names:
                state[(layer.name, n)] = st[n]
        rows = [(la.name, n) for la in self._layers for n in la.learnable_names]
        self._learnables = Learnables([r[0] for r in rows], [r[1] for r in rows],
                                      [learn[r] for r in rows])
        rows = [(la.name, n) for la in self._layers for n in la.state_names]
        self._state = State([r[0] for r in rows], [r[1] for r in rows],
                            [state[r] for r in rows])
        self._activations = {n: (Y.shape, Y.fmt) for n, Y in acts.items()}
        self._initialized = True

    # ---- properties ----
    @property
    def layers(self):
        return self._layers

    @property
    def connections(self):
        return [_edge_text(e) for e in self._edges]

    @property
    def initialized(self):
        return self._initialized

    @property
    def input_names(self):
        return [label for label, _, _ in self._inputs]

    @property
    def output_names(self):
        return list(self._outputs)

    @property
    def learnables(self):
        return self._learnables

    @learnables.setter
    def learnables(self, value):
        self._learnables = _check_table("dlnetwork.learnables", value, self._learnables,
                                        Learnables, shapes=True)

    @property
    def state(self):
        return self._state

    @state.setter
    def state(self, value):
        self._state = _check_table("dlnetwork.state", value, self._state, State, shapes=False)

    # ---- update-function protocol ----
    def _dl_params(self):
        return self._learnables

    def _dl_replace(self, new_learnables):
        return self._copy(_learnables=_check_table("dlnetwork", new_learnables,
                                                   self._learnables, Learnables, shapes=True))

    def save(self, path):
        """Save the network to ``path`` (.npz); see :func:`save_network`."""
        save_network(self, path)

    def _repr_html_(self):
        return summary(self)._repr_html_()

    def __repr__(self):
        n = sum(int(np.prod(v.shape)) for v in self._learnables.value)
        status = "initialized" if self._initialized else "not initialized"
        return (f"dlnetwork with {len(self._layers)} layers, {len(self._learnables)} "
                f"learnable arrays ({n} values), {status}; inputs {self.input_names}, "
                f"outputs {self.output_names}")


def _check_table(func, value, current, cls, *, shapes):
    if not isinstance(value, cls):
        raise _checks.fail(func, "value", f"must be a {cls.__name__} table",
                           _checks.describe(value), cls=TypeError)
    if value.keys() != current.keys():
        raise _checks.fail(func, "value", f"must have the rows of the network's "
                           f"{cls.__name__.lower()} {current.keys()}", value.keys())
    if shapes:
        for (lay, par), v, old in zip(value.keys(), value.value, current.value):
            if tuple(np.shape(v)) != tuple(np.shape(old)):
                raise _checks.fail(func, "value", f"must keep the shape of {lay}.{par} "
                                   f"{tuple(np.shape(old))}", f"shape {tuple(np.shape(v))}")
    return value


_tree.register_container(
    dlnetwork,
    lambda net: (list(net._learnables.value), net),
    lambda net, children: net._copy(_learnables=net._learnables.with_values(children)))
dlnetwork._paths = lambda self: self._learnables._paths()


# ---------------------------------------------------------------- running a network

def _run(func, net, X, training, outputs):
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
                Y, updated = layer._forward(ins, params, st, training)
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


def forward(net, *X, outputs=None):
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

    Returns
    -------
    Y : dlarray (or Y1, ..., Yk for several outputs)
    state : State, the updated state; assign it with ``net.state = state``

    Raises
    ------
    ValueError
        Unformatted input ("must be a formatted dlarray"); wrong number of inputs; input of
        the wrong size or format; uninitialized network; unknown output names.

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
    Ys, state = _run("forward", net, X, True, outputs)
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
    Y : dlarray, or a tuple for several outputs

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


# ---------------------------------------------------------------- summary

class NetworkSummary:
    """What :func:`summary` returns: printable text and an HTML table for Jupyter."""

    def __init__(self, header, rows, footer):
        self.header = header
        self.rows = rows
        self.footer = footer

    def __repr__(self):
        cols = ("", "name", "type", "activations", "learnables")
        table = [cols] + [tuple(str(c) for c in r) for r in self.rows]
        widths = [max(len(r[k]) for r in table) for k in range(len(cols))]
        lines = [self.header]
        for r in table:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        return "\n".join(lines + self.footer)

    __str__ = __repr__

    def _repr_html_(self):
        head = "".join(f"<th>{c}</th>" for c in ("", "Name", "Type", "Activations",
                                                 "Learnables"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) +
                       "</tr>" for r in self.rows)
        foot = "<br>".join(html.escape(f) for f in self.footer)
        return (f"<p>{html.escape(self.header)}</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table><p>{foot}</p>")


def summary(net):
    """Summarize a network: its layers, activation sizes and formats, and learnable counts.

    Parameters
    ----------
    net : dlnetwork

    Returns
    -------
    NetworkSummary
        Prints as a text table (``print(summary(net))``) and shows as an HTML table in
        Jupyter.

    Raises
    ------
    TypeError
        ``net`` not a dlnetwork.

    Notes
    -----
    Activation sizes are those of one observation (batch size 1, one time step).

    MATLAB compatibility
    --------------------
    ``summary(net)`` (R2022b) prints the initialization state, the number of learnables and
    the inputs; this also lists the layers like ``analyzeNetwork``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks.nn import featureInputLayer, fullyConnectedLayer
    >>> net = dlnetwork([featureInputLayer(3), fullyConnectedLayer(2)],
    ...                 rng=np.random.default_rng(0))
    >>> print(summary(net))
    dlnetwork: 2 layers, initialized
         name   type                 activations  learnables
      1  input  featureInputLayer    3(C)×1(B)    -
      2  fc     fullyConnectedLayer  2(C)×1(B)    Weights 2×3, Bias 2×1 (8)
    Total learnables: 8
    Inputs: input (3(C)×1(B))
    Outputs: fc
    """
    if not isinstance(net, dlnetwork):
        raise _checks.fail("summary", "net", "must be a dlnetwork", _checks.describe(net),
                           cls=TypeError)
    status = "initialized" if net._initialized else "not initialized"
    header = f"dlnetwork: {len(net._layers)} layers, {status}"
    learn = dict(zip(net._learnables.keys(), net._learnables.value))
    rows, total = [], 0
    for k, layer in enumerate(net._layers, start=1):
        act = net._activations.get(layer.name)
        act_text = _size_text(*act) if act else "?"
        parts, count = [], 0
        for n in layer.learnable_names:
            v = learn.get((layer.name, n))
            if v is not None:
                parts.append(f"{n} {_size_text(v.shape)}")
                count += int(np.prod(v.shape))
        total += count
        text = f"{', '.join(parts)} ({count})" if parts else "-"
        rows.append((k, layer.name, layer.constructor, act_text, text))
    inputs = []
    for label, lay, inp in net._inputs:
        act = net._activations.get(lay) if inp is None else None
        inputs.append(f"{label} ({_size_text(*act)})" if act else label)
    footer = [f"Total learnables: {total}", f"Inputs: {', '.join(inputs) or '-'}",
              f"Outputs: {', '.join(net._outputs) or '-'}"]
    return NetworkSummary(header, rows, footer)


# ---------------------------------------------------------------- saving

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
    Not saved: dropout generators and custom initializer functions (loaded layers use a fresh
    generator and the default initializers, which only matter for re-initialization).

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
