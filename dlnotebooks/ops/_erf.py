"""A vectorised error function, accurate to a few units in the last place of float64.

NumPy has no erf, and SciPy is not a dependency. Two pieces, both derived here, not copied:

* ``|x| <= 1.5``: the Maclaurin series ``erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) /
  (n! (2n+1))``, 30 terms in Horner form in ``x^2`` (the first omitted term is below 1e-17).
* ``1.5 < |x| <= 6``: ``erf(x) = 1 - exp(-x^2) Q(x)`` with ``Q(x) = erfc(x) exp(x^2)``, a
  smooth, slowly varying function, as Chebyshev interpolants of degree 14 on three intervals.
  Their coefficients are computed once, when this module is imported (45 calls of
  ``math.erfc``, well under a millisecond), so no table of magic numbers is kept in the source.
* ``|x| > 6``: ``erfc(6) < 2.2e-17``, so erf is ±1 in float64.

``tests/test_first_ops.py`` checks the result against ``math.erf`` over the whole range
(within 4 units in the last place); on a quiet machine it takes about half the time of
``math.erf`` applied element by element.
"""

import math

import numpy as np

__all__ = ["erf"]

_SERIES_END = 1.5
_TAYLOR = np.array([(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(30)]) \
    * (2.0 / math.sqrt(math.pi))


def _chebyshev_fit(f, lo, hi, degree):
    """Coefficients of the interpolant of f at the degree+1 Chebyshev points of [lo, hi]."""
    n = degree + 1
    theta = np.pi * (np.arange(n) + 0.5) / n
    values = np.array([f((hi - lo) / 2 * math.cos(t) + (hi + lo) / 2) for t in theta])
    coef = 2.0 / n * np.cos(np.outer(np.arange(n), theta)) @ values
    coef[0] /= 2
    return lo, hi, coef


def _clenshaw(u, coef):
    """sum_k coef[k] T_k(u) by Clenshaw's recurrence (stable for u in [-1, 1])."""
    b1 = np.zeros_like(u)
    b2 = np.zeros_like(u)
    for c in coef[:0:-1]:
        b1, b2 = 2 * u * b1 - b2 + c, b1
    return u * b1 - b2 + coef[0]


_TAIL = tuple(_chebyshev_fit(lambda x: math.erfc(x) * math.exp(x * x), lo, hi, 14)
              for lo, hi in ((_SERIES_END, 2.5), (2.5, 3.5), (3.5, 6.0)))


def erf(x):
    """Return erf(x) elementwise, in x's floating dtype (float64 for other inputs).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    y : ndarray, x's shape; ``erf(±inf) = ±1``, ``erf(nan) = nan``, ``erf(-0.0) = -0.0``.

    Examples
    --------
    >>> import math
    >>> bool(abs(erf(0.5) - math.erf(0.5)) < 1e-16)
    True
    """
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    a = np.abs(x.astype(np.float64))
    out = np.ones_like(a)
    near = a <= _SERIES_END
    t = a[near]
    u = t * t
    acc = np.full_like(t, _TAYLOR[-1])
    for c in _TAYLOR[-2::-1]:
        acc *= u
        acc += c
    out[near] = t * acc
    for lo, hi, coef in _TAIL:
        part = (a > lo) & (a <= hi)
        v = a[part]
        out[part] = 1.0 - np.exp(-v * v) * _clenshaw((2 * v - (lo + hi)) / (hi - lo), coef)
    out[np.isnan(a)] = np.nan
    return np.copysign(out, x).astype(dtype, copy=False)
