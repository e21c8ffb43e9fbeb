"""Model-function operations and losses; each op is registered in the file that defines it."""

import importlib as _importlib

_MODULES = ("activations", "linear", "conv", "pooling", "normalization", "recurrent",
            "embedding", "attention", "ctc", "ode", "losses", "encoding")

__all__ = []
for _name in _MODULES:
    # Functions such as ``attention`` and ``ctc`` share their module's name, so the modules
    # are loaded by name and only their public functions are bound here.
    _module = _importlib.import_module(f"{__name__}.{_name}")
    for _public in _module.__all__:
        globals()[_public] = getattr(_module, _public)
    __all__ += list(_module.__all__)
del _name, _module, _public
