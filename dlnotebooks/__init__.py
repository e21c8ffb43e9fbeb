"""dlnotebooks: MATLAB's Deep Learning Toolbox custom-training-loop API on NumPy + autograd.

``import dlnotebooks as dl``; then ``dl.dlarray``, ``dl.dlfeval``, ``dl.dlgradient``, the ops
(``dl.fullyconnect``, ``dl.relu``, ...), losses, update functions, ``dl.init``, ``dl.data``,
``dl.TrainingProgressMonitor`` and ``dl.widgets``. Importing is cheap: nothing runs, nothing is
downloaded, and neither matplotlib nor ipywidgets is imported until a view is shown.
"""

from . import core as _core_module  # noqa: F401  (import order: core first)
from .autodiff import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .data import *  # noqa: F401,F403
from .monitor import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .ops import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from . import data, init, testing, exercises  # noqa: F401
from ._checks import matlab_names as _matlab_names

# autodiff sits below _checks, so its public dlgradient is given the MATLAB-spelling answers
# here (dlgradient(y, x, RetainData=True) -> "did you mean retain_data=True?"). dlfeval
# passes any keyword on to the model function and is left as it is.
dlgradient = _matlab_names(dlgradient)  # noqa: F405

__version__ = "0.1.0"


def __getattr__(name):
    # dl.widgets imports ipywidgets lazily, so it is loaded on first use only.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'dlnotebooks' has no attribute {name!r}")
