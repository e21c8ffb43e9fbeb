"""Model-function operations and losses; each op is registered in the file that defines it."""

import importlib as _importlib
import inspect as _inspect

from .._checks import matlab_names as _matlab_names
from ._registry import REGISTRY as _REGISTRY

_MODULES = ("activations", "linear", "conv", "pooling", "normalization", "recurrent",
            "embedding", "attention", "ctc", "ode", "losses", "encoding")

__all__ = []
for _name in _MODULES:
    # Functions such as ``attention`` and ``ctc`` share their module's name, so the modules
    # are loaded by name and only their public functions are bound here.
    _module = _importlib.import_module(f"{__name__}.{_name}")
    for _public in _module.__all__:
        _obj = getattr(_module, _public)
        # The public binding answers MATLAB spellings (DilationFactor=2, "Stride", 2) with the
        # keyword to use; the modules keep the plain functions for internal calls.
        globals()[_public] = _matlab_names(_obj) if _inspect.isfunction(_obj) else _obj
        if _public in _REGISTRY:  # the registry tests the public binding itself
            _REGISTRY[_public].fn = globals()[_public]
    __all__ += list(_module.__all__)
del _name, _module, _public, _obj
