"""A spy on the backward pass, for tests of precision.

``spy(x)`` is ``x`` passed through the identity, whose VJP records the dtype of the gradient
that reaches it in ``seen``. dlgradient casts every gradient to its leaf's dtype at the end,
which would hide a backward pass that ran in float64; the spy sees it before that cast.
"""

import numpy as np

from dlnotebooks import dlarray
from dlnotebooks._autograd import defvjp, primitive

seen = []


@primitive
def _identity(a):
    return a


defvjp(_identity, lambda ans, a: lambda g: seen.append(np.result_type(g)) or g)


def spy(x):
    """The traced dlarray ``x`` through the spy (same values and format)."""
    return dlarray(_identity(x._data), x.fmt)
