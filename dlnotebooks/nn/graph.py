"""Layer graphs: named layers and the connections between them (MATLAB's layerGraph)."""

from .. import _checks
from .layers import Layer

__all__ = ["LayerGraph", "layerGraph", "addLayers", "connectLayers"]


class _Graphed:
    """What a layer graph and a network share: their layers and connections, read-only.

    Subclasses hold ``_layers`` (a tuple of named layers) and ``_edges`` ((source, destination,
    input name) triples), and implement ``_graph()`` (the LayerGraph they describe) and
    ``_with_graph(graph)`` (the same kind of object built from another graph), so that the
    graph functions below accept both.
    """

    __slots__ = ()

    @property
    def layers(self):
        """Tuple of layers, with their assigned names, in the order given."""
        return self._layers

    @property
    def connections(self):
        """List of (source, destination) pairs such as ``("conv_1", "add/in2")``."""
        return [_edge_text(e) for e in self._edges]


class LayerGraph(_Graphed):
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

    def _graph(self):
        return self

    def _with_graph(self, graph):
        return graph

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
    if not isinstance(lgraph, _Graphed):
        raise _checks.fail(func, "lgraph", "must be a LayerGraph or a dlnetwork",
                           _checks.describe(lgraph), cls=TypeError)
    owner, lgraph = lgraph, lgraph._graph()
    new = _assign_names(func, [la.name for la in lgraph.layers], _as_layer_list(func, layers))
    edges = list(lgraph._edges)
    for k, (prev, layer) in enumerate(zip(new, new[1:]), start=1):
        if not layer.input_names:
            raise _checks.fail(func, f"layers[{k}]", "must not be an input layer after another "
                               "layer", f"{layer.constructor} {layer.name!r} after "
                               f"{prev.name!r}", "Put input layers first.")
        edges.append((prev.name, layer.name, layer.input_names[0]))
    return owner._with_graph(LayerGraph(lgraph.layers + tuple(new), edges))


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
    if not isinstance(lgraph, _Graphed):
        raise _checks.fail(func, "lgraph", "must be a LayerGraph or a dlnetwork",
                           _checks.describe(lgraph), cls=TypeError)
    owner, lgraph = lgraph, lgraph._graph()
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
    edges = lgraph._edges + ((src.name, dst_name, inp),)
    return owner._with_graph(LayerGraph(lgraph.layers, edges))

