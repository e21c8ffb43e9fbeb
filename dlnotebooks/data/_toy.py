"""Toy 2-D distributions for classifiers and GANs."""

import numpy as np

from .._checks import choice, positive_int

_NAMES = ("ring", "moons", "spiral", "swissroll")


def _balanced(rng, n, k):
    """Labels 0..k-1, each n // k or n // k + 1 times, in random order."""
    return rng.permutation(np.arange(n) % k)


def _ring(rng, n):
    label = _balanced(rng, n, 8)
    angle = label * (2 * np.pi / 8)
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(0.0, 0.05, (2, n)), label


def _moons(rng, n):
    label = _balanced(rng, n, 2)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)])
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    points = np.where(label == 0, upper, lower) - np.array([[0.5], [0.25]])
    return points + rng.normal(0.0, 0.1, (2, n)), label


def _spiral(rng, n):
    label = _balanced(rng, n, 3)
    r = np.sqrt(rng.uniform(0.02, 1.0, n))
    angle = label * (2 * np.pi / 3) + 1.5 * np.pi * r
    points = 2.0 * r * np.stack([np.cos(angle), np.sin(angle)])
    return points + rng.normal(0.0, 0.05, (2, n)), label


def _swissroll(rng, n):
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.uniform(0.0, 1.0, n))
    points = np.stack([t * np.cos(t), t * np.sin(t)]) / 7.0
    # four bins of equal angle range along the roll
    label = np.minimum(((t / (1.5 * np.pi) - 1.0) / 2.0 * 4).astype(np.int64), 3)
    return points + rng.normal(0.0, 0.05, (2, n)), label


def toy2d(name, num_samples=1000, *, seed=0):
    """Return points of a toy 2-D distribution and a label per point.

    ============  =============================================================  ==========
    name          distribution                                                   labels
    ============  =============================================================  ==========
    "ring"        8 Gaussians (std 0.05) on a circle of radius 2                 mode 0–7
    "moons"       two interleaving half circles, noise std 0.1                   moon 0–1
    "spiral"      three spiral arms of 3/4 turn, radius ≤ 2, noise std 0.05      arm 0–2
    "swissroll"   2-D swiss roll (1.5 turns), radius ≤ 2, noise std 0.05         bin 0–3
    ============  =============================================================  ==========

    Parameters
    ----------
    name : {"ring", "moons", "spiral", "swissroll"}
        Which distribution.
    num_samples : int, default 1000
        Number of points N. For "ring", "moons" and "spiral" the labels are balanced.
    seed : int, default 0
        Seed of the generator. The same arguments always give the same arrays.

    Returns
    -------
    points : ndarray, shape (2, N), float32
        Coordinates (x, y) in rows, observations in columns (format "CB"), in random order,
        roughly within [-2.5, 2.5].
    labels : ndarray, shape (N,), int64
        The mode, moon or arm; for "swissroll", which quarter of the roll's angle range the
        point lies on (0 innermost; about N / 4 points each).

    Raises
    ------
    TypeError
        If ``num_samples`` or ``seed`` is not an integer.
    ValueError
        If ``name`` is unknown, ``num_samples`` is not positive or ``seed`` is negative.

    Notes
    -----
    Generation takes well under a millisecond per thousand points, so these sets are not
    cached on disk.

    MATLAB compatibility
    --------------------
    No single MATLAB counterpart; the sets mirror the toy data of MATLAB's GAN and
    classification examples. Labels are 0-based.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> points, labels = dl.data.toy2d("ring", 16, seed=0)
    >>> points.shape, points.dtype, sorted(set(labels.tolist()))
    ((2, 16), dtype('float32'), [0, 1, 2, 3, 4, 5, 6, 7])
    """
    func = "toy2d"
    name = choice(func, "name", name, _NAMES)
    num_samples = positive_int(func, "num_samples", num_samples)
    seed = positive_int(func, "seed", seed, allow_zero=True)
    rng = np.random.default_rng([seed, _NAMES.index(name), 0x7022])
    make = {"ring": _ring, "moons": _moons, "spiral": _spiral, "swissroll": _swissroll}[name]
    points, labels = make(rng, num_samples)
    return points.astype(np.float32), labels.astype(np.int64)
