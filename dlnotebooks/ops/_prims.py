"""Helpers for defining ops: primitives with hand-written VJPs, and samplers for the registry."""

import numpy as np

from .._autograd import defvjp, primitive  # noqa: F401  (re-exported for op modules)
from ..core import dlarray


def array_sampler(rng, dtype):
    """``arr(shape, fmt="", **options)``: :func:`sample_array` with the sampler's rng and dtype."""
    def arr(shape, fmt="", **options):
        return sample_array(rng, shape, dtype, fmt, **options)
    return arr


def sample_array(rng, shape, dtype, fmt="", *, low=None, high=None, avoid=None):
    """A random dlarray for registry samplers; ``avoid`` keeps values away from kinks."""
    if low is not None:
        data = rng.uniform(low, high, size=shape)
    else:
        data = rng.standard_normal(size=shape)
    if avoid is not None:
        for point in np.atleast_1d(avoid):
            close = np.abs(data - point) < 0.05
            data = np.where(close, data + 0.1 * np.sign(data - point + 1e-12), data)
    return dlarray(np.asarray(data, dtype=dtype), fmt)
