"""dlfeval, dlgradient, dlaccelerate: MATLAB's automatic differentiation on HIPS autograd."""

from ._engine import dlaccelerate, dlfeval, dlgradient

__all__ = ["dlfeval", "dlgradient", "dlaccelerate"]
