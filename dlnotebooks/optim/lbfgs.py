"""lbfgsupdate and lbfgsState: limited-memory BFGS with a line search, over any container."""

import math

import numpy as np

from .. import _checks, _tree
from ._common import flatten_matching, leaf_value, rebuild, split_params

__all__ = ["lbfgsupdate", "lbfgsState"]

_C1 = 1e-4  # sufficient decrease (Armijo) constant
_C2 = 0.9   # curvature constant (Wolfe)
_METHODS = ("weak-wolfe", "strong-wolfe", "backtracking")


class lbfgsState:
    """State of the L-BFGS solver: history of steps and gradient differences, loss, gradient.

    Create one with ``lbfgsState()`` before the loop and pass it to :func:`lbfgsupdate`, which
    returns an updated copy (the state you pass in is never modified).

    .. math:: H_0 = \\lambda I,\\quad d = -H g \\ \\text{(two-loop recursion over the
              last } m \\text{ pairs } (s_i, y_i))

    Parameters
    ----------
    history_size : int >= 1, default 10
        Number of (step, gradient difference) pairs m kept; 3 to 20 suit most tasks.
    initial_inverse_hessian_factor : float > 0, default 1
        The factor lambda of the first inverse-Hessian approximation ``lambda * I``.

    Attributes
    ----------
    history_size, initial_inverse_hessian_factor : read-only, as given.
    loss : the loss at the current parameters (as returned by the loss function), or None
        before the first update.
    gradient : the gradients at the current parameters (same structure as params), or None.
    step_history : list of containers s_i = params_{i+1} - params_i, oldest first.
    gradients_difference_history : list of containers y_i = grad_{i+1} - grad_i.
    history_indices : list of int, 0-based iteration numbers of the stored pairs.
    inverse_hessian_factor : float, the current lambda (``s.y / y.y`` of the newest pair).
    line_search_status : ``"completed"`` or ``"failed"`` for the last update; ``""`` before.
    num_iterations : int, updates done so far.

    Raises
    ------
    TypeError, ValueError
        Non-integer or non-positive history size; non-positive factor.

    Notes
    -----
    After the first pair is stored the initial approximation is rescaled at every step with
    ``lambda = s.y / y.y`` of the newest pair (the usual choice; MATLAB's documentation calls
    lambda the "inverse Hessian factor", and we assume it updates it the same way).

    MATLAB compatibility
    --------------------
    ``lbfgsState(HistorySize=10, InitialInverseHessianFactor=1)`` with properties ``Loss``,
    ``Gradient``, ``StepHistory``, ``GradientsDifferenceHistory``, ``HistoryIndices`` and
    ``LineSearchStatus``, here in snake_case. History indices are 0-based.

    Examples
    --------
    >>> state = lbfgsState(history_size=5)
    >>> state.history_size, state.initial_inverse_hessian_factor, state.loss
    (5, 1.0, None)
    """

    __slots__ = ("_history_size", "_initial_factor", "_factor", "_loss", "_gradient",
                 "_flat_grad", "_steps", "_diffs", "_indices", "_status", "_iterations",
                 "_unflatten")

    def __init__(self, history_size=10, initial_inverse_hessian_factor=1):
        func = "lbfgsState"
        self._history_size = _checks.positive_int(func, "history_size", history_size)
        self._initial_factor = _checks.real_number(
            func, "initial_inverse_hessian_factor", initial_inverse_hessian_factor, low=0,
            low_open=True)
        self._factor = self._initial_factor
        self._loss = None
        self._gradient = None
        self._flat_grad = None
        self._steps = ()
        self._diffs = ()
        self._indices = ()
        self._status = ""
        self._iterations = 0
        self._unflatten = None

    def _copy(self):
        new = object.__new__(lbfgsState)
        for name in self.__slots__:
            setattr(new, name, getattr(self, name))
        return new

    @property
    def history_size(self):
        return self._history_size

    @property
    def initial_inverse_hessian_factor(self):
        return self._initial_factor

    @property
    def inverse_hessian_factor(self):
        return self._factor

    @property
    def loss(self):
        return self._loss

    @property
    def gradient(self):
        return self._gradient

    @property
    def step_history(self):
        return [self._unflatten(s) for s in self._steps]

    @property
    def gradients_difference_history(self):
        return [self._unflatten(y) for y in self._diffs]

    @property
    def history_indices(self):
        return list(self._indices)

    @property
    def line_search_status(self):
        return self._status

    @property
    def num_iterations(self):
        return self._iterations

    def __repr__(self):
        loss = "None" if self._loss is None else f"{float(self._loss):.6g}"
        return (f"lbfgsState(history_size={self._history_size}, "
                f"initial_inverse_hessian_factor={self._initial_factor:g}, loss={loss}, "
                f"stored pairs={len(self._steps)}, line_search_status={self._status!r})")


def _two_loop(g, steps, diffs, factor):
    """Return H g for the L-BFGS inverse-Hessian approximation (newest pair last)."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(steps), reversed(diffs)):
        rho = 1.0 / float(y @ s)
        a = rho * float(s @ q)
        q -= a * y
        alphas.append((rho, a))
    r = factor * q
    for (s, y), (rho, a) in zip(zip(steps, diffs), reversed(alphas)):
        b = rho * float(y @ r)
        r += (a - b) * s
    return r


def lbfgsupdate(params, loss_fcn, solver_state=None, *, line_search_method="weak-wolfe",
                max_num_line_search_iterations=20):
    """Take one limited-memory BFGS step: a quasi-Newton direction and a line search.

    ``d = -H g`` from the two-loop recursion over the stored pairs, then
    ``params = params + a*d`` with the step length ``a`` chosen by the line search
    (first trial ``a = 1``).

    .. math::
        d = -H_k \\nabla f(\\theta_k),\\quad \\theta_{k+1} = \\theta_k + a_k d,\\quad
        s_k = \\theta_{k+1}-\\theta_k,\\ y_k = \\nabla f(\\theta_{k+1}) - \\nabla f(\\theta_k)

    Parameters
    ----------
    params : dlarray, array, dict/list/tuple of them, Learnables or dlnetwork
        The parameters; never modified.
    loss_fcn : callable
        ``loss_fcn(params) -> (loss, grads, ...)``: the loss (a one-element dlarray or number)
        and its gradients (same structure as params), usually
        ``lambda p: dlfeval(model_loss, p, X, T)``. Further outputs are ignored.
    solver_state : lbfgsState or None
        From the previous call; None creates ``lbfgsState()``.
    line_search_method : {"weak-wolfe", "strong-wolfe", "backtracking"}, default "weak-wolfe"
        "weak-wolfe": sufficient decrease and ``g(a).d >= 0.9 g(0).d`` by bisection and
        doubling; "strong-wolfe": ``|g(a).d| <= 0.9 |g(0).d|`` by bracketing and zooming with
        cubic interpolation; "backtracking": halve ``a`` until the loss decreases enough
        (``f(a) <= f(0) + 1e-4 a g(0).d``).
    max_num_line_search_iterations : int >= 1, default 20
        Maximum number of loss evaluations in one line search.

    Returns
    -------
    params : same type and structure as params
    solver_state : lbfgsState, a new object with the loss and gradient at the new params,
        the updated history and ``line_search_status``.

    Raises
    ------
    TypeError
        ``loss_fcn`` not callable or not returning ``(loss, grads)``; solver_state of another
        type.
    ValueError
        Unknown line search method; gradients whose structure does not match params; a
        solver state that belongs to parameters of another size; a non-finite loss at the
        start.

    Notes
    -----
    Meant for small problems that fit in one batch: the loss must be deterministic, because
    the line search compares losses of several trial points. When the line search fails, the
    best trial point that decreased the loss is taken (the parameters stay where they are if
    none did), the status is ``"failed"`` and the history is cleared so that the next call
    starts again from ``-lambda*g``. A pair is stored only when ``s.y > 0`` (positive
    curvature); otherwise the history is cleared. Computations run in float64; results are
    cast back to each leaf's dtype. Each call evaluates ``loss_fcn`` once per line-search
    trial (plus once on the first call).

    MATLAB compatibility
    --------------------
    ``[params, solverState] = lbfgsupdate(params, lossFcn, solverState,
    LineSearchMethod=..., MaxNumLineSearchIterations=...)`` with the same defaults (recalled
    from memory, unverified). ``NumLossFunctionOutputs`` is not needed: extra outputs are
    ignored.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray, dlfeval, dlgradient
    >>> def loss_fcn(x):
    ...     def f(x):
    ...         y = np.sum((x - 3.0) ** 2)
    ...         return y, dlgradient(y, x)
    ...     return dlfeval(f, x)
    >>> x, state = dlarray(np.zeros(2)), None
    >>> for _ in range(3):
    ...     x, state = lbfgsupdate(x, loss_fcn, state)
    >>> np.round(np.asarray(x), 6), state.line_search_status
    (array([3., 3.]), 'completed')
    """
    func = "lbfgsupdate"
    if not callable(loss_fcn):
        raise _checks.fail(func, "loss_fcn", "must be callable", _checks.describe(loss_fcn),
                           "Pass a function such as lambda p: dlfeval(model_loss, p, X, T).",
                           cls=TypeError)
    method = _checks.choice(func, "line_search_method", line_search_method, _METHODS)
    max_evals = _checks.positive_int(func, "max_num_line_search_iterations",
                                     max_num_line_search_iterations)
    if solver_state is None or (isinstance(solver_state, (list, tuple))
                                and len(solver_state) == 0):
        solver_state = lbfgsState()
    if not isinstance(solver_state, lbfgsState):
        raise _checks.fail(func, "solver_state", "must be an lbfgsState or None",
                           type(solver_state).__name__, "Create one with lbfgsState().",
                           cls=TypeError)

    container, replace = split_params(params)
    leaves, treedef = _tree.tree_flatten(container)
    paths = [p for p, _ in _tree.tree_paths(container, "params")]
    arrays = [leaf_value(func, "params", leaf, path) for leaf, path in zip(leaves, paths)]
    shapes = [a.shape for a in arrays]
    dtypes = [a.dtype for a in arrays]
    sizes = [a.size for a in arrays]
    offsets = np.cumsum([0] + sizes)
    x0 = np.concatenate([a.astype(np.float64).ravel() for a in arrays]) if arrays \
        else np.zeros(0)

    def split(vec, cast=True):
        parts = [vec[offsets[i]:offsets[i + 1]].reshape(shapes[i]) for i in range(len(shapes))]
        if cast:
            parts = [p.astype(dt) for p, dt in zip(parts, dtypes)]
        return parts

    def unflatten(vec):
        return rebuild(treedef, leaves, split(vec))

    def evaluate(vec):
        p = replace(unflatten(vec))
        out = loss_fcn(p)
        if not isinstance(out, (tuple, list)) or len(out) < 2:
            raise _checks.fail(func, "loss_fcn", "must return (loss, gradients)",
                               _checks.describe(out),
                               "Return both, for example: return loss, dlgradient(loss, p).",
                               cls=TypeError)
        loss, grads = out[0], out[1]
        try:
            f = float(loss)
        except (TypeError, ValueError):
            raise _checks.fail(func, "loss_fcn", "must return a one-element loss first",
                               _checks.describe(loss), cls=TypeError) from None
        _, _, _, st = flatten_matching(func, container,
                                       {"the gradients returned by loss_fcn": grads})
        g = st["the gradients returned by loss_fcn"]
        gvec = np.concatenate([a.astype(np.float64).ravel() for a in g]) if g else np.zeros(0)
        return f, gvec, p, loss, grads

    state = solver_state._copy()
    state._unflatten = unflatten
    if state._flat_grad is not None and state._flat_grad.size != x0.size:
        raise _checks.fail(func, "solver_state", f"belongs to parameters with "
                           f"{state._flat_grad.size} values", f"params with {x0.size} values",
                           "Use a new lbfgsState() for these parameters.")
    if state._flat_grad is None:
        f0, g0, _, loss0, grads0 = evaluate(x0)
        if not math.isfinite(f0):
            raise _checks.fail(func, "loss_fcn", "must return a finite loss at the initial "
                               "parameters", f0)
        state._loss, state._gradient, state._flat_grad = loss0, grads0, g0
    f0, g0 = float(state._loss), state._flat_grad

    steps, diffs, indices = list(state._steps), list(state._diffs), list(state._indices)
    d = -_two_loop(g0, steps, diffs, state._factor)
    gd0 = float(g0 @ d)
    if not gd0 < 0:  # not a descent direction (rounding): restart from scaled steepest descent
        steps, diffs, indices = [], [], []
        d = -state._factor * g0
        gd0 = float(g0 @ d)
    if gd0 == 0:  # zero gradient: already at a stationary point
        state._status = "completed"
        state._iterations += 1
        return replace(unflatten(x0)), state

    trials = []

    def phi(a):
        x = x0 + a * d
        f, g, p, loss, grads = evaluate(x)
        trial = (f, a, x, g, p, loss, grads)
        trials.append(trial)
        return f, float(g @ d), trial

    if method == "weak-wolfe":
        accepted = _weak_wolfe(phi, f0, gd0, max_evals)
    elif method == "strong-wolfe":
        accepted = _strong_wolfe(phi, f0, gd0, max_evals)
    else:
        accepted = _backtracking(phi, f0, gd0, max_evals)

    if accepted is None:
        state._status = "failed"
        finite = [t for t in trials if math.isfinite(t[0]) and t[0] < f0]
        steps, diffs, indices = [], [], []
        if not finite:
            state._steps, state._diffs, state._indices = (), (), ()
            state._iterations += 1
            return replace(unflatten(x0)), state
        accepted = min(finite, key=lambda t: t[0])
    else:
        state._status = "completed"

    f1, a1, x1, g1, p1, loss1, grads1 = accepted
    s = x1 - x0
    y = g1 - g0
    sy = float(s @ y)
    if sy > 1e-10 * float(np.linalg.norm(s) * np.linalg.norm(y)) and sy > 0:
        steps.append(s)
        diffs.append(y)
        indices.append(state._iterations)
        state._factor = sy / float(y @ y)
        m = state._history_size
        steps, diffs, indices = steps[-m:], diffs[-m:], indices[-m:]
    else:
        # No positive curvature along the step (possible without the Wolfe condition): the
        # stored pairs no longer describe the function here, so start afresh.
        steps, diffs, indices = [], [], []
    state._steps, state._diffs, state._indices = tuple(steps), tuple(diffs), tuple(indices)
    state._loss, state._gradient, state._flat_grad = loss1, grads1, g1
    state._iterations += 1
    return p1, state


def _armijo(f, a, f0, gd0):
    return math.isfinite(f) and f <= f0 + _C1 * a * gd0


def _weak_wolfe(phi, f0, gd0, max_evals):
    lo, hi, a = 0.0, math.inf, 1.0
    for _ in range(max_evals):
        f, gd, trial = phi(a)
        if not _armijo(f, a, f0, gd0):
            hi = a
        elif gd < _C2 * gd0:
            lo = a
        else:
            return trial
        a = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * a
    return None


def _cubic_min(a, fa, ga, b, fb, gb):
    """Minimiser of the cubic through (a, fa, ga), (b, fb, gb), kept inside the interval."""
    lo, hi = min(a, b), max(a, b)
    width = hi - lo
    mid = 0.5 * (a + b)
    if not all(math.isfinite(v) for v in (fa, ga, fb, gb)) or width <= 0:
        return mid
    d1 = ga + gb - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - ga * gb
    if rad < 0:
        return mid
    d2 = math.copysign(math.sqrt(rad), b - a)
    denom = gb - ga + 2.0 * d2
    if denom == 0:
        return mid
    t = b - (b - a) * (gb + d2 - d1) / denom
    if not (lo + 0.1 * width <= t <= hi - 0.1 * width):
        return mid
    return t


def _strong_wolfe(phi, f0, gd0, max_evals):
    evals = 0
    a_prev, f_prev, g_prev = 0.0, f0, gd0
    a = 1.0

    def zoom(lo, f_lo, g_lo, hi, f_hi, g_hi, evals):
        while evals < max_evals:
            a = _cubic_min(lo, f_lo, g_lo, hi, f_hi, g_hi)
            f, gd, trial = phi(a)
            evals += 1
            if not _armijo(f, a, f0, gd0) or f >= f_lo:
                hi, f_hi, g_hi = a, f, gd
            else:
                if abs(gd) <= -_C2 * gd0:
                    return trial
                if gd * (hi - lo) >= 0:
                    hi, f_hi, g_hi = lo, f_lo, g_lo
                lo, f_lo, g_lo = a, f, gd
        return None

    while evals < max_evals:
        f, gd, trial = phi(a)
        evals += 1
        if not _armijo(f, a, f0, gd0) or (evals > 1 and f >= f_prev):
            return zoom(a_prev, f_prev, g_prev, a, f, gd, evals)
        if abs(gd) <= -_C2 * gd0:
            return trial
        if gd >= 0:
            return zoom(a, f, gd, a_prev, f_prev, g_prev, evals)
        a_prev, f_prev, g_prev = a, f, gd
        a = 2.0 * a
    return None


def _backtracking(phi, f0, gd0, max_evals):
    a = 1.0
    for _ in range(max_evals):
        f, _, trial = phi(a)
        if _armijo(f, a, f0, gd0):
            return trial
        a *= 0.5
    return None
