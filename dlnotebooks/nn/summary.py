"""summary(net): the layers, activation sizes and learnable counts, as text and HTML."""

import html

import numpy as np

from .. import _checks
from .layers._base import _size_text
from .network import dlnetwork

__all__ = ["summary", "NetworkSummary"]


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

