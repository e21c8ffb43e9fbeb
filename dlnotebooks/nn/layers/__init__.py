"""Layer constructors with MATLAB names, one module per family; each forward composes the ops.

Families: ``input``, ``conv``, ``dense``, ``normalization``, ``activation``, ``dropout``,
``pooling``, ``reshape``, ``recurrent``, ``embedding``, ``combine``. Every constructor
registers itself (:func:`dlnotebooks.nn.layers._base.register`); ``__all__`` and
``LAYER_TYPES`` (the table ``load_network`` reads) are built from that registry, and
``tests/test_layer_registry.py`` generates the tests of every registered layer from it.
"""

import importlib as _importlib

from ._base import LAYER_RECORDS as _RECORDS
from ._base import LAYER_TYPES, Layer  # noqa: F401  (used by the network modules)

_FAMILIES = ("input", "conv", "dense", "normalization", "activation", "dropout", "pooling",
             "reshape", "recurrent", "embedding", "combine")

for _family in _FAMILIES:
    _importlib.import_module(f"{__name__}.{_family}")
del _family

# Module attributes named like their family (``conv``, ``dropout``) are the modules; the
# public names are the registered constructors, bound here.
__all__ = list(_RECORDS)
globals().update({_name: _RECORDS[_name].constructor for _name in __all__})
