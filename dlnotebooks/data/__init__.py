"""Data: ``minibatchqueue`` and built-in offline datasets.

``dl.minibatchqueue`` (also ``dl.data.minibatchqueue``) serves mini-batches of arrays whose
observations are on the last axis. The datasets are generated deterministically from a seed,
need no network and are cached on disk: ``dl.data.digits``, ``dl.data.glyphs``,
``dl.data.toy2d``, ``dl.data.sequences`` (with ``dl.data.padsequences``) and
``dl.data.digit_strings``. ``dl.imtile`` and ``dl.rescale`` lay image batches out in a grid
for display, as MATLAB's functions of those names do.
"""

from ._images import digit_strings, digits, glyphs
from ._queue import hasdata, minibatchqueue, next, reset, shuffle  # noqa: A004
from ._sequences import padsequences, sequences
from ._tile import imtile, rescale
from .._checks import matlab_names as _matlab_names

# MATLAB spellings (Direction="left", 'GridSize', [2 4]) are answered with the keyword to use.
padsequences = _matlab_names(padsequences)
imtile = _matlab_names(imtile)
rescale = _matlab_names(rescale)
from ._toy import toy2d

__all__ = ["minibatchqueue", "hasdata", "next", "reset", "shuffle", "imtile", "rescale",
           "digits", "glyphs", "toy2d", "sequences", "padsequences", "digit_strings"]
