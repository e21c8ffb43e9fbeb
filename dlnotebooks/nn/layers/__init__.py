"""Layer constructors with MATLAB names, one module per family; each forward composes the ops.

Families (one module each): ``input``, ``activation``, ``combine``, ``conv``, ``dense``,
``dropout``, ``embedding``, ``normalization``, ``pooling``, ``recurrent``, ``reshape``.
Every constructor registers itself (:func:`dlnotebooks.nn.layers._base.register`);
``__all__`` and ``LAYER_TYPES`` (the table ``load_network`` reads) are built from that
registry, and ``tests/test_layer_registry.py`` generates the tests of every registered layer
from it. Adding a layer is one module here (or one function in a family module) plus its
entry in ``docs/api.md``.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from ._base import LAYER_RECORDS as _RECORDS
from ._base import LAYER_TYPES, Layer  # noqa: F401  (used by the network modules)

# Every public module of this folder is a family; importing it registers its layers, so a new
# family is a new file and nothing else.
_FAMILIES = ("input",) + tuple(sorted(
    m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_")
    and m.name != "input"))

for _family in _FAMILIES:
    _importlib.import_module(f"{__name__}.{_family}")
del _family

# Module attributes named like their family (``conv``, ``dropout``) are the modules; the
# public names are the registered constructors, bound here.
__all__ = list(_RECORDS)
globals().update({_name: _RECORDS[_name].constructor for _name in __all__})
