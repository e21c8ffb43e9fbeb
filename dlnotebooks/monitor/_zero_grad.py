"""Gradients that are zero by construction: a bias feeding a normalization layer.

A normalization layer subtracts a mean over (at least) the positions a per-channel bias is
added to, so the bias has no effect on the loss and its gradient is zero up to rounding. The
monitor notes such a gradient instead of raising a vanishing-gradient alert.
"""

from .._checks import describe, fail

#: Layers that subtract a mean over (at least) the positions a per-channel bias is added to,
#: so that a bias feeding them has no effect on the loss and a zero gradient.
NORMALIZATIONS = ("batchNormalizationLayer", "instanceNormalizationLayer",
                  "groupNormalizationLayer", "layerNormalizationLayer")
#: A bias gradient this many times smaller than its layer's weight gradient is zero up to
#: rounding (float32 rounding leaves about 1e-7 of the summed terms, far below this).
ZERO_RATIO = 1e-4


def _normalized_biases(func, network, prefix=""):
    """``{bias path: (normalization layer, its constructor)}`` from a network's graph."""
    from ..nn import dlnetwork  # nn is below the monitor; imported when a network is given

    def join(name):
        return f"{prefix}.{name}" if prefix else str(name)

    if isinstance(network, dlnetwork):
        layers = {layer.name: layer for layer in network.layers}
        consumers = {}
        for source, destination in network.connections:
            consumers.setdefault(source.split("/")[0], []).append(destination.split("/")[0])
        found = {}
        for name, destinations in consumers.items():
            target = layers.get(destinations[0])
            if len(destinations) == 1 and getattr(target, "constructor", "") in NORMALIZATIONS:
                found[join(f"{name}.Bias")] = (target.name, target.constructor)
        return found
    if isinstance(network, dict):
        found = {}
        for key, value in network.items():
            found.update(_normalized_biases(func, value, join(key)))
        return found
    if isinstance(network, (list, tuple)):
        found = {}
        for index, value in enumerate(network):
            found.update(_normalized_biases(func, value, f"{prefix}[{index}]"))
        return found
    raise fail(func, "network", "must be a dlnetwork or a dict, list or tuple of them",
               describe(network), "Pass the network the gradients belong to, e.g. network=net.",
               cls=TypeError)
