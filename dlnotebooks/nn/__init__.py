"""Networks: layer constructors, ``dlnetwork``, ``forward``/``predict``, tables and saving.

``dl.dlnetwork(layers)`` builds a network from a list of layers or a layer graph;
``dl.forward(net, X)`` runs it in training mode and returns the new state,
``dl.predict(net, X)`` in inference mode. ``net.learnables`` and ``net.state`` are
``Learnables`` and ``State`` tables that ``dlgradient``, the update functions and ``dlupdate``
accept. ``dl.nn.save_network`` / ``dl.nn.load_network`` (or ``net.save``) use ``.npz`` files
without pickle.
"""

from . import layers as _layers
from .layers import *  # noqa: F401,F403
from .graph import LayerGraph, addLayers, connectLayers, layerGraph
from .io import load_network, save_network
from .network import dlnetwork
from .running import forward, initialize, predict, resetState
from .summary import summary
from .tables import Learnables, State

__all__ = ["dlnetwork", "forward", "predict", "initialize", "summary", "resetState",
           "Learnables", "State", "LayerGraph", "layerGraph", "addLayers", "connectLayers",
           "save_network", "load_network"] + list(_layers.__all__)

import inspect as _inspect  # noqa: E402

from .._checks import matlab_names as _matlab_names  # noqa: E402

# The public bindings answer MATLAB spellings (convolution2dLayer(3, 8, "Padding", "same"),
# NumChannels=1) with the keyword to use, as the ops do; the modules keep the plain functions.
# (The layer constructors get the same from their registration.)
for _name in set(__all__) - set(_layers.__all__):
    if _inspect.isfunction(globals()[_name]):
        globals()[_name] = _matlab_names(globals()[_name])
del _name
