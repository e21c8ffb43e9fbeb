"""Initializers for learnable parameters: ``dl.init.glorot(...)``, ``dl.init.he(...)``, ...

Shapes are in MATLAB weight layouts, values are float32 unformatted dlarrays by default, and
random initializers take the generator as the keyword-only argument ``rng``.
"""

from .initializers import (fan_in_out, gaussian, glorot, he, narrow_normal, ones, orthogonal,
                           uniform, unit_forget_gate, zeros)

__all__ = ["glorot", "he", "gaussian", "uniform", "orthogonal", "unit_forget_gate",
           "narrow_normal", "zeros", "ones", "fan_in_out"]
