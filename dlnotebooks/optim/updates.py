"""sgdmupdate, adamupdate and dlupdate: pure update functions over any parameter container."""

import numpy as np

from .. import _checks, _tree
from ._common import as_container, chunks, flatten_matching, rebuild, split_params

__all__ = ["sgdmupdate", "adamupdate", "dlupdate"]


def sgdmupdate(params, grad, vel, learn_rate=0.01, momentum=0.9):
    """Update parameters with stochastic gradient descent with momentum.

    ``vel = momentum*vel - learn_rate*grad``; ``params = params + vel``.

    .. math:: v \\leftarrow \\gamma v - \\alpha g, \\qquad \\theta \\leftarrow \\theta + v

    Parameters
    ----------
    params : dlarray, array, dict/list/tuple of them, Learnables or dlnetwork
        The parameters; never modified.
    grad : same structure as params
        Gradients, typically from ``dlgradient``.
    vel : same structure as params, or None
        Velocity from the previous call; None (or ``[]``) on the first call means zeros.
    learn_rate : float, default 0.01
    momentum : float in [0, 1], default 0.9

    Returns
    -------
    params : same type and structure as params
    vel : same structure, the new velocity

    Raises
    ------
    ValueError
        Containers of different structure or shapes; negative learning rate; momentum outside
        [0, 1].

    Notes
    -----
    The velocity holds the (negative) learning-rate-scaled step, so a learning rate that
    changes over time scales only the new gradient term.

    MATLAB compatibility
    --------------------
    ``[params, vel] = sgdmupdate(params, grad, vel, learnRate, momentum)``; the same equations
    and defaults; ``[]`` for the first velocity may be written ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> p, v = sgdmupdate({"w": dlarray(np.ones(2))}, {"w": dlarray(np.ones(2))}, None, 0.1)
    >>> p["w"], v["w"]
    (2 float64 dlarray
    [0.9 0.9], 2 float64 dlarray
    [-0.1 -0.1])
    """
    func = "sgdmupdate"
    lr = _checks.real_number(func, "learn_rate", learn_rate, low=0)
    mom = _checks.real_number(func, "momentum", momentum, low=0, high=1)
    container, replace = split_params(params)
    leaves, treedef, _, st = flatten_matching(func, container, {"grad": grad, "vel": vel})
    new_p, new_v = [], []
    for i, p in enumerate(st["params"]):
        g = st["grad"][i]
        v_old = None if st["vel"] is None else st["vel"][i]
        if p.dtype.kind != "f":
            v = (-lr * g if v_old is None else mom * v_old - lr * g).astype(p.dtype, copy=False)
            new_v.append(v)
            new_p.append(p + v)
            continue
        p_new, v = _sgdm_leaf(p, g, v_old, lr, mom)
        new_p.append(p_new)
        new_v.append(v)
    return replace(rebuild(treedef, leaves, new_p)), rebuild(treedef, leaves, new_v)


def _sgdm_leaf(p, g, v_old, lr, mom):
    """One SGDM update of one floating array into two fresh arrays, chunk by chunk (the
    inputs are never written; the new arrays double as scratch, no temporaries)."""
    pf, gf = p.reshape(-1), np.asarray(g).reshape(-1)
    vf = None if v_old is None else np.asarray(v_old).reshape(-1)
    new_p, v = np.empty_like(pf), np.empty_like(pf)
    for c in chunks(pf.size):
        vs, ps = v[c], new_p[c]
        np.multiply(gf[c], -lr, out=vs)
        if vf is not None:
            np.multiply(vf[c], mom, out=ps)
            vs += ps
        np.add(pf[c], vs, out=ps)
    return new_p.reshape(p.shape), v.reshape(p.shape)


def adamupdate(params, grad, avg_g, avg_sq_g, iteration, learn_rate=0.001, grad_decay=0.9,
               sq_grad_decay=0.999, epsilon=1e-8):
    """Update parameters with adaptive moment estimation (Adam), bias-corrected.

    .. math::
        m \\leftarrow \\beta_1 m + (1-\\beta_1) g,\\quad
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2,\\quad
        \\theta \\leftarrow \\theta - \\alpha\\,\\frac{m/(1-\\beta_1^t)}{\\sqrt{v/(1-\\beta_2^t)}
        + \\epsilon}

    Parameters
    ----------
    params : dlarray, array, dict/list/tuple of them, Learnables or dlnetwork
        Never modified.
    grad : same structure as params
    avg_g, avg_sq_g : same structure as params, or None
        The moving averages m and v from the previous call (uncorrected); None at the start.
    iteration : int >= 1
        The step number t used for bias correction; count from 1.
    learn_rate : float, default 0.001
    grad_decay : float in [0, 1), default 0.9
    sq_grad_decay : float in [0, 1), default 0.999
    epsilon : float, default 1e-8

    Returns
    -------
    params, avg_g, avg_sq_g : same structure as params

    Raises
    ------
    ValueError
        Mismatched containers; iteration < 1; decays outside [0, 1).
    TypeError
        Non-integer iteration.

    Notes
    -----
    The returned moving averages are the uncorrected m and v, as in MATLAB.

    MATLAB compatibility
    --------------------
    ``[params, avgG, avgSqG] = adamupdate(params, grad, avgG, avgSqG, iteration, learnRate,
    gradDecay, sqGradDecay, epsilon)``; the same defaults.

    Examples
    --------
    >>> import numpy as np
    >>> p, m, v = adamupdate(np.array([1.0]), np.array([2.0]), None, None, 1, 0.1)
    >>> p
    array([0.9])
    """
    func = "adamupdate"
    t = _checks.positive_int(func, "iteration", iteration)
    lr = _checks.real_number(func, "learn_rate", learn_rate, low=0)
    b1 = _checks.real_number(func, "grad_decay", grad_decay, low=0, high=1, high_open=True)
    b2 = _checks.real_number(func, "sq_grad_decay", sq_grad_decay, low=0, high=1,
                             high_open=True)
    eps = _checks.real_number(func, "epsilon", epsilon, low=0, low_open=True)
    container, replace = split_params(params)
    leaves, treedef, _, st = flatten_matching(
        func, container, {"grad": grad, "avg_g": avg_g, "avg_sq_g": avg_sq_g})
    step = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    eps_hat = eps * np.sqrt(1 - b2 ** t)
    new_p, new_m, new_v = [], [], []
    for i, p in enumerate(st["params"]):
        g = st["grad"][i]
        m_old = None if st["avg_g"] is None else st["avg_g"][i]
        v_old = None if st["avg_sq_g"] is None else st["avg_sq_g"][i]
        p_new, m, v = _adam_leaf(p, g, m_old, v_old, b1, b2, step, eps_hat)
        new_p.append(p_new)
        new_m.append(m)
        new_v.append(v)
    return (replace(rebuild(treedef, leaves, new_p)), rebuild(treedef, leaves, new_m),
            rebuild(treedef, leaves, new_v))


def _adam_leaf(p, g, m_old, v_old, b1, b2, step, eps_hat):
    """One Adam update of one array, in cache-sized chunks (the step is memory-bound).

    Returns new arrays (p, m, v) of p's dtype; the inputs are never written.
    """
    dtype = p.dtype
    shape = p.shape
    pf = p.reshape(-1)
    gf = np.asarray(g, dtype=dtype).reshape(-1)
    mf = None if m_old is None else np.asarray(m_old, dtype=dtype).reshape(-1)
    vf = None if v_old is None else np.asarray(v_old, dtype=dtype).reshape(-1)
    new_p, m, v = np.empty_like(pf), np.empty_like(pf), np.empty_like(pf)
    for c in chunks(pf.size):
        # new_p's chunk is the scratch until the last line writes the result into it
        sc, gs, ms, vs = new_p[c], gf[c], m[c], v[c]
        np.multiply(gs, 1 - b1, out=ms)
        if mf is not None:
            np.multiply(mf[c], b1, out=sc)
            ms += sc
        np.multiply(gs, gs, out=vs)
        vs *= 1 - b2
        if vf is not None:
            np.multiply(vf[c], b2, out=sc)
            vs += sc
        # theta - lr * mhat / (sqrt(vhat) + eps), rearranged to avoid two extra passes
        np.sqrt(vs, out=sc)
        sc += eps_hat
        np.divide(ms, sc, out=sc)
        sc *= step
        np.subtract(pf[c], sc, out=sc)
    return new_p.reshape(shape), m.reshape(shape), v.reshape(shape)


def dlupdate(fun, params, *more):
    """Apply ``fun`` to each learnable array: ``fun(p, a1, ..., an)`` leaf by leaf.

    Parameters
    ----------
    fun : callable
        Takes one array per container (dlarrays where the containers hold dlarrays) and returns
        an array, or a tuple of arrays.
    params : dlarray, array, dict/list/tuple of them, Learnables or dlnetwork
        Never modified.
    *more : containers with the same structure as params
        Their matching leaves are passed as extra arguments.

    Returns
    -------
    params : same type and structure as params; a tuple of such containers when ``fun``
        returns a tuple (the first rebuilt like ``params``, the rest as plain containers).

    Raises
    ------
    ValueError
        Containers of different structure.
    TypeError
        ``fun`` not callable.

    Notes
    -----
    Use it for weight decay (``dlupdate(lambda g, w: g + 1e-4 * w, grads, params)``), gradient
    clipping, or a plain SGD step.

    MATLAB compatibility
    --------------------
    ``[params, X1, ...] = dlupdate(fun, params, A1, ...)``; several outputs come back as a
    tuple.

    Examples
    --------
    >>> import numpy as np
    >>> dlupdate(lambda w, g: w - 0.5 * g, {"w": np.ones(2)}, {"w": np.ones(2)})
    {'w': array([0.5, 0.5])}
    """
    func = "dlupdate"
    if not callable(fun):
        raise _checks.fail(func, "fun", "must be callable", type(fun).__name__,
                           "Pass a function, for example lambda w, g: w - 0.01 * g.",
                           cls=TypeError)
    container, replace = split_params(params)
    leaves, treedef = _tree.tree_flatten(container)
    others = []
    for k, other in enumerate(more):
        other = as_container(other)
        other_leaves, _ = _tree.tree_flatten(other)
        if not _tree.tree_structure_equal(container, other) or len(other_leaves) != len(leaves):
            raise _checks.fail(func, f"more[{k}]", "must have the same structure as params",
                               f"{type(other).__name__} with {len(other_leaves)} arrays for "
                               f"params with {len(leaves)}")
        others.append(other_leaves)
    outputs = [fun(*args) for args in zip(leaves, *others)]
    if outputs and isinstance(outputs[0], tuple):
        columns = list(zip(*outputs))
        first = replace(_tree.tree_unflatten(treedef, list(columns[0])))
        return (first,) + tuple(_tree.tree_unflatten(treedef, list(c)) for c in columns[1:])
    return replace(_tree.tree_unflatten(treedef, outputs))
