"""dlnotebooks: MATLAB's Deep Learning Toolbox custom-training-loop API on NumPy + autograd.

``import dlnotebooks as dl``; then ``dl.dlarray``, ``dl.dlfeval``, ``dl.dlgradient``, the ops
(``dl.fullyconnect``, ``dl.relu``, ...), losses, update functions, ``dl.init``, ``dl.data``,
``dl.TrainingProgressMonitor`` and ``dl.widgets``. Importing is cheap: nothing runs, nothing is
downloaded, and neither matplotlib nor ipywidgets is imported until a view is shown.

Global state
------------
Everything the package keeps beyond the values you hold, in one list (``tests/test_package.py``
fails when a module with module-level state is missing here):

* The trace stack. ``dlfeval`` opens an autograd trace level (autograd's
  ``trace_stack.top``) and pushes a context on ``_contexts`` in ``autodiff/_engine.py``; both
  are restored in a ``finally`` block, also when the function raises.
* autograd's ``notrace_primitives`` gains an entry for our tape node type at import
  (``autodiff/_engine.py``), so comparisons and ``argmax`` stay untraced on our tape as on
  autograd's. All autograd internals are reached through ``_autograd.py``.
* The allocator setting. At the first ``dlfeval`` (never at import), glibc's mmap and trim
  thresholds are raised so that a training step reuses freed array memory (``_malloc.py``
  remembers that it ran). Opt out with the environment variable
  ``DLNOTEBOOKS_MALLOC_TUNING=0``.
* Bounded caches of pure functions of shapes (``functools.lru_cache``, tuples of slices):
  the convolution geometry plans in ``ops/_windows.py`` and ``ops/_convmath.py``.
* Registries filled once at import and only read afterwards: the op registry
  (``ops/_registry.py``), the layer registry (``nn/layers/_base.py``), the container types
  of ``_tree.py`` (Learnables, State, dlnetwork) and the exercises
  (``exercises/_framework.py``).
* The monitor's view bookkeeping (``monitor/_views.py``: live views, whether a figure was
  drawn yet, IPython shells hooked; ``monitor/_kernel.py``: the comm pump of the Stop
  button).
* On disk: the dataset cache (``data/_cache.py``; ``DLNOTEBOOKS_CACHE`` chooses the folder).

Not state of the package: random generators. Every random draw takes a generator you pass
(``rng=``): initializers, ``dlnetwork``, ``minibatchqueue``, and the dropout masks
(``forward(net, X, rng=rng)`` or ``dropoutLayer(p, rng=rng)``; without either, ``forward``
raises instead of drawing unseeded masks). Nothing seeds NumPy's global generator.
"""

from . import core as _core_module  # noqa: F401  (import order: core first)
from .autodiff import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .data import hasdata, imtile, minibatchqueue, next, rescale, reset, shuffle  # noqa: F401,A004
from .monitor import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .ops import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from . import data, init, nn, testing, exercises  # noqa: F401
from . import autodiff as _autodiff, monitor as _monitor, ops as _ops, optim as _optim
from ._checks import matlab_names as _matlab_names

# autodiff sits below _checks, so its public dlgradient is given the MATLAB-spelling answers
# here (dlgradient(y, x, RetainData=True) -> "did you mean retain_data=True?"). dlfeval
# passes any keyword on to the model function and is left as it is.
dlgradient = _matlab_names(dlgradient)  # noqa: F405

#: What dl.data contributes to the top level (the datasets stay under dl.data).
_DATA_TOP_LEVEL = ["minibatchqueue", "hasdata", "next", "reset", "shuffle", "imtile", "rescale"]

# The public API: the top-level names, then the public submodules (each with its own
# __all__). dl.widgets is public too but left out, so that a star import stays cheap.
__all__ = (list(_autodiff.__all__) + list(_core_module.__all__) + _DATA_TOP_LEVEL
           + list(_monitor.__all__) + list(nn.__all__) + list(_ops.__all__)
           + list(_optim.__all__) + ["data", "init", "nn", "testing", "exercises"])

__version__ = "0.1.0"


def __getattr__(name):
    # dl.widgets imports ipywidgets lazily, so it is loaded on first use only.
    if name == "widgets":
        import importlib

        return importlib.import_module(".widgets", __name__)
    raise AttributeError(f"module 'dlnotebooks' has no attribute {name!r}")
