"""Data: ``minibatchqueue`` and built-in offline datasets.

``dl.minibatchqueue`` (also ``dl.data.minibatchqueue``) serves mini-batches of arrays whose
observations are on the last axis. The datasets are generated deterministically from a seed,
need no network and are cached on disk: ``dl.data.digits``, ``dl.data.glyphs``,
``dl.data.toy2d``, ``dl.data.sequences`` (with ``dl.data.padsequences``) and
``dl.data.digit_strings``.
"""

from ._images import digit_strings, digits, glyphs
from ._queue import minibatchqueue
from ._sequences import padsequences, sequences
from ._toy import toy2d

__all__ = ["minibatchqueue", "digits", "glyphs", "toy2d", "sequences", "padsequences",
           "digit_strings"]
