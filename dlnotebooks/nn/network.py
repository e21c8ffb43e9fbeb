"""dlnetwork: layers, learnables and state; a value whose update returns a new network."""

import numpy as np

from .. import _checks, _tree
from ..core import dlarray
from .graph import LayerGraph, _add, _as_layer_list, _Graphed
from .layers._base import _size_text
from .tables import Learnables, State

__all__ = ["dlnetwork"]


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


class dlnetwork(_Graphed):
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

    # ---- properties (layers and connections come from _Graphed) ----
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
        """Save the network to ``path`` (.npz); see :func:`save_network`.

        Parameters
        ----------
        path : str or os.PathLike, an ``.npz`` file

        Returns
        -------
        None
        """
        from .io import save_network  # io builds on this module

        save_network(self, path)

    def _repr_html_(self):
        from .summary import summary  # summary builds on this module

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

