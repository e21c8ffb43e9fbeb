"""rmspropupdate: root-mean-square propagation over any parameter container."""

import numpy as np

from .. import _checks
from ._common import chunks, flatten_matching, rebuild, split_params

__all__ = ["rmspropupdate"]


def rmspropupdate(params, grad, avg_sq_g, learn_rate=0.001, sq_grad_decay=0.9, epsilon=1e-8):
    """Update parameters with root-mean-square propagation (RMSProp).

    ``v = sq_grad_decay*v + (1-sq_grad_decay)*grad**2``;
    ``params = params - learn_rate*grad/(sqrt(v) + epsilon)``.

    .. math::
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2, \\qquad
        \\theta \\leftarrow \\theta - \\frac{\\alpha\\, g}{\\sqrt{v} + \\epsilon}

    Parameters
    ----------
    params : dlarray, array, dict/list/tuple of them, Learnables or dlnetwork
        The parameters; never modified.
    grad : same structure as params
        Gradients, typically from ``dlgradient``.
    avg_sq_g : same structure as params, or None
        Moving average of the squared gradients from the previous call; None (or ``[]``) on
        the first call means zeros.
    learn_rate : float >= 0, default 0.001
    sq_grad_decay : float in [0, 1), default 0.9
    epsilon : float > 0, default 1e-8

    Returns
    -------
    params : same type and structure as params
    avg_sq_g : same structure, the new moving average v

    Raises
    ------
    ValueError
        Containers of different structure or shapes; negative learning rate; decay outside
        [0, 1); non-positive epsilon.

    Notes
    -----
    There is no bias correction, so the first steps are larger than later ones: with v
    starting at zero, the first step is ``learn_rate/sqrt(1-sq_grad_decay)`` times the sign of
    the gradient.

    MATLAB compatibility
    --------------------
    ``[params, avgSqG] = rmspropupdate(params, grad, avgSqG, learnRate, sqGradDecay, epsilon)``
    with the same equations and defaults (MATLAB's defaults are recalled from memory,
    unverified); ``[]`` for the first average may be written ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> p, v = rmspropupdate(np.array([1.0]), np.array([2.0]), None, 0.1, 0.75)
    >>> p, v
    (array([0.8]), array([1.]))
    """
    func = "rmspropupdate"
    lr = _checks.real_number(func, "learn_rate", learn_rate, low=0)
    beta = _checks.real_number(func, "sq_grad_decay", sq_grad_decay, low=0, high=1,
                               high_open=True)
    eps = _checks.real_number(func, "epsilon", epsilon, low=0, low_open=True)
    container, replace = split_params(params)
    leaves, treedef, _, st = flatten_matching(
        func, container, {"grad": grad, "avg_sq_g": avg_sq_g})
    new_p, new_v = [], []
    for i, p in enumerate(st["params"]):
        g = st["grad"][i]
        v_old = None if st["avg_sq_g"] is None else st["avg_sq_g"][i]
        if p.dtype.kind != "f":
            v = (1 - beta) * (g * g)
            if v_old is not None:
                v += beta * v_old
            step = lr * g / (np.sqrt(v) + eps)
            new_p.append((p - step).astype(p.dtype, copy=False))
            new_v.append(v.astype(p.dtype, copy=False))
            continue
        p_new, v = _rmsprop_leaf(p, g, v_old, lr, beta, eps)
        new_p.append(p_new)
        new_v.append(v)
    return replace(rebuild(treedef, leaves, new_p)), rebuild(treedef, leaves, new_v)


def _rmsprop_leaf(p, g, v_old, lr, beta, eps):
    """One RMSProp update of one floating array into two fresh arrays, chunk by chunk (the
    inputs are never written; the new parameters' chunk is the scratch)."""
    pf, gf = p.reshape(-1), np.asarray(g).reshape(-1)
    vf = None if v_old is None else np.asarray(v_old).reshape(-1)
    new_p, v = np.empty_like(pf), np.empty_like(pf)
    for c in chunks(pf.size):
        sc, gs, vs = new_p[c], gf[c], v[c]
        np.multiply(gs, gs, out=vs)
        vs *= 1 - beta
        if vf is not None:
            np.multiply(vf[c], beta, out=sc)
            vs += sc
        np.sqrt(vs, out=sc)
        sc += eps
        np.divide(gs, sc, out=sc)
        sc *= lr
        np.subtract(pf[c], sc, out=sc)
    return new_p.reshape(p.shape), v.reshape(p.shape)
