"""dlnotebooks: MATLAB's Deep Learning Toolbox custom-training-loop API on NumPy + autograd.

``import dlnotebooks as dl``; then ``dl.dlarray``, ``dl.dlfeval``, ``dl.dlgradient``, the ops
(``dl.fullyconnect``, ``dl.relu``, ...), losses, update functions, ``dl.init``, ``dl.data``,
``dl.TrainingProgressMonitor`` and ``dl.widgets``. Importing is cheap: nothing runs, nothing is
downloaded, and neither matplotlib nor ipywidgets is imported until a view is shown.
"""

from . import core as _core_module  # noqa: F401  (import order: core first)
from .autodiff import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .data import minibatchqueue  # noqa: F401  (the datasets stay under dl.data)
from .monitor import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .ops import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from . import data, init, nn, testing, exercises  # noqa: F401
from . import autodiff as _autodiff, monitor as _monitor, ops as _ops, optim as _optim

# The public API: the top-level names, then the public submodules (each with its own
# __all__). dl.widgets is public too but left out, so that a star import stays cheap.
__all__ = (list(_autodiff.__all__) + list(_core_module.__all__) + ["minibatchqueue"]
           + list(_monitor.__all__) + list(nn.__all__) + list(_ops.__all__)
           + list(_optim.__all__) + ["data", "init", "nn", "testing", "exercises"])

__version__ = "0.1.0"


def __getattr__(name):
    # dl.widgets imports ipywidgets lazily, so it is loaded on first use only.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'dlnotebooks' has no attribute {name!r}")
