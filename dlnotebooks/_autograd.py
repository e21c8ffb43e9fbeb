"""The one door to autograd's internals: every name the package uses beyond ``autograd.numpy``.

Rule: a module that writes differentiable maths imports ``autograd.numpy as anp`` (autograd's
public NumPy wrapper) directly; everything else from autograd (the tracer, the core, ``extend``,
``util``, ``make_vjp``) is imported from here, so a change in autograd is met in one file.

Supported autograd versions: the range in ``pyproject.toml`` (``autograd>=1.7,<1.10``); the
names below exist with these meanings throughout it, and ``tests/test_autograd_support.py``
checks that the installed version is inside the range. Beyond the names, the backward pass
(``autodiff._engine._assembled``) calls two methods of autograd's container vector spaces,
``_kv_pairs`` and ``_map``: check them too when widening the range. This module imports
nothing from the package, so every layer (``core`` included) may use it.
"""

from autograd import make_vjp
from autograd.builtins import ContainerVSpace, DictVSpace, container_take
from autograd.core import VJPNode, add_outgrads, primitive_vjps, vspace
from autograd.extend import defvjp, defvjp_argnums, primitive
from autograd.tracer import getval, isbox, new_box, notrace_primitives, trace_stack
from autograd.util import toposort

__all__ = ["make_vjp", "ContainerVSpace", "DictVSpace", "container_take", "VJPNode",
           "add_outgrads", "primitive_vjps", "vspace", "defvjp", "defvjp_argnums", "primitive",
           "getval", "isbox", "new_box", "notrace_primitives", "trace_stack", "toposort"]
