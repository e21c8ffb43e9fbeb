"""dlode45: neural ODEs solved with the adaptive Dormand–Prince 5(4) method.

Two ways to differentiate the solution:

* ``gradient_mode="direct"`` records every accepted solver step on the trace and
  differentiates through them (any order of derivatives; memory grows with the number of
  steps). The step sizes are chosen from untraced values, so the accepted step sequence is a
  constant of the trace, as in any differentiable-solver implementation.
* ``gradient_mode="adjoint"`` solves the ODE untraced, keeping only the state at the start
  of each accepted step, and in the backward pass carries the adjoint ``a = ∂L/∂y`` backwards
  through the steps: each step is redone under autograd's ``make_vjp`` and dropped, so at
  most one step's record is alive (the adjoint of the Runge–Kutta method, which gives the
  same gradient as direct mode to rounding).
"""

import math

import autograd.numpy as anp
import numpy as np

from .._autograd import defvjp_argnums, getval, isbox, make_vjp
from .. import _checks, _tree
from ..core import dlarray
from ._prims import primitive, sample_array
from ._registry import Case, OpRecord, register

__all__ = ["dlode45"]

# Dormand–Prince 5(4) tableau. Stage 7 is evaluated at the new point (first same as last).
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
)
_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84)
# Fifth-order minus embedded fourth-order weights: the local error estimate.
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)

# Continuous extension (Shampine 1986, as tabulated by Hairer, Nørsett and Wanner): the
# weight of stage i at theta in [0, 1] is sum_j _P[i][j] theta^(j+1). Each row sums to _B[i].
_P = (
    (1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432),
    (0.0, 0.0, 0.0, 0.0),
    (0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799),
    (0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072),
    (0.0, 127303824393 / 49829197408, -318862633887 / 49829197408,
     701980252875 / 199316789632),
    (0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844),
    (0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423),
)

_MAX_STEPS = 100_000


# ---------------------------------------------------------------- differentiable building block

@primitive
def _lincomb(y, coeffs, *ks):
    """y + sum_j coeffs[j] * ks[j]: one traced node per Runge–Kutta stage."""
    out = np.array(y, dtype=np.result_type(y, *ks), copy=True)
    for c, k in zip(coeffs, ks):
        if c:
            out += c * k
    return out


def _lincomb_vjp(argnums, ans, args, kwargs):
    coeffs = args[1]

    def vjp(g):
        return tuple(g if i == 0 else coeffs[i - 2] * g for i in argnums)

    return vjp


defvjp_argnums(_lincomb, _lincomb_vjp)


# ---------------------------------------------------------------- the adaptive solver

def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if np.size(x) else 0.0


def _initial_step(f_raw, t0, y0, f0, direction, span, rtol, atol):
    """Hairer–Wanner's starting step size from two untraced evaluations."""
    sc = atol + rtol * np.abs(y0)
    d0, d1 = _rms(y0 / sc), _rms(f0 / sc)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, span)
    f1 = f_raw(t0 + direction * h0, y0 + direction * h0 * f0)
    d2 = _rms((f1 - f0) / sc) / h0
    big = max(d1, d2)
    h1 = max(1e-6, h0 * 1e-3) if big <= 1e-15 else (0.01 / big) ** 0.2
    return min(100 * h0, h1, span)


def _dense_coefficients(hs, theta):
    """Weights of k1..k7 in y(t + theta*h) = y + sum_i w_i k_i (4th-order interpolant)."""
    powers = (theta, theta ** 2, theta ** 3, theta ** 4)
    return tuple(hs * sum(p * q for p, q in zip(row, powers)) for row in _P)


def _rk_step(f, t, y, hs, t_new, k1):
    """One Dormand–Prince step of signed size ``hs`` from (t, y) with k1 = f(t, y).

    Returns (the seven stages k1..k7, y at t_new); k7 = f(t_new, y_new) is the next k1.
    """
    ks = [k1]
    for i in range(1, 6):
        yi = _lincomb(y, tuple(hs * a for a in _A[i]), *ks)
        ks.append(f(t + _C[i] * hs, yi))
    y_new = _lincomb(y, tuple(hs * b for b in _B), *ks)
    ks.append(f(t_new, y_new))
    return ks, y_new


def _output(y, y_new, ks, t, hs, t_new, target):
    """The solution at ``target`` inside the step from t to t_new (continuous extension)."""
    if target == t_new:
        return y_new
    return _lincomb(y, _dense_coefficients(hs, (target - t) / hs), *ks)


def _integrate(f, f_raw, t0, y0, times, rtol, atol, h=None, k1=None, record=None):
    """Integrate y' = f(t, y) from t0 through ``times`` (monotonic).

    Steps are chosen by the error control alone (the last one lands on ``times[-1]``); the
    solution at earlier output times comes from the method's continuous extension, a linear
    combination of the step's stages. ``f`` may return traced values (direct mode); ``f_raw``
    must return plain arrays (used for the starting step). Returns (list of y at ``times``,
    last step size, last derivative). With a list ``record``, each accepted step appends
    (t, y, signed step, t_new, the output times inside it): enough to redo it exactly.
    """
    final = times[-1]
    direction = 1.0 if final > t0 else -1.0
    t, y = t0, y0
    if k1 is None:
        k1 = f(t, y)
    if h is None:
        h = _initial_step(f_raw, t0, np.asarray(getval(y)), np.asarray(getval(k1)), direction,
                          abs(final - t0), rtol, atol)
    pending = list(times)
    outputs = []
    steps = 0
    rejected = False
    while pending:
        remaining = abs(final - t)
        land = h >= remaining * (1 - 1e-12)
        step = remaining if land else h
        hs = direction * step
        t_new = final if land else t + hs
        ks, y_new = _rk_step(f, t, y, hs, t_new, k1)
        k7 = ks[-1]
        raw = [np.asarray(getval(k)) for k in ks]
        err_vec = hs * sum(e * k for e, k in zip(_E, raw) if e)
        y_raw, y_new_raw = np.asarray(getval(y)), np.asarray(getval(y_new))
        sc = atol + rtol * np.maximum(np.abs(y_raw), np.abs(y_new_raw))
        err = _rms(err_vec / sc)
        steps += 1
        if steps > _MAX_STEPS:
            raise RuntimeError(
                f"dlode45: more than {_MAX_STEPS} steps between t = {t0:g} and t = {t:g}; "
                "the ODE may be stiff. Loosen relative_tolerance or absolute_tolerance, or "
                "shorten tspan.")
        if np.isfinite(err) and err <= 1.0:
            first = len(outputs)
            while pending and (land or direction * (pending[0] - t_new) <= 0):
                outputs.append(_output(y, y_new, ks, t, hs, t_new, pending.pop(0)))
            if record is not None:
                record.append((t, y, hs, t_new, times[first:len(outputs)]))
            t, y, k1 = t_new, y_new, k7
            factor = 5.0 if err == 0 else min(5.0, max(0.2, 0.9 * err ** -0.2))
            if rejected:
                factor = min(factor, 1.0)
            h = step * factor if not land or factor < 1 else max(h, step * factor)
            rejected = False
        else:
            factor = 0.2 if not np.isfinite(err) else max(0.2, 0.9 * err ** -0.2)
            h = step * factor
            rejected = True
            if h < 16 * np.finfo(float).eps * max(abs(t), 1.0):
                raise RuntimeError(
                    f"dlode45: the step size became too small at t = {t:g} (error estimate "
                    f"{err:.3g}); the ODE may be stiff or its solution may blow up. Check "
                    "odefun, or loosen the tolerances.")
    return outputs, h, k1


# ---------------------------------------------------------------- adjoint mode

class _Spec:
    """Everything the adjoint primitive needs besides the differentiable arrays."""

    __slots__ = ("call", "times", "rtol", "atol", "records")


def _adjoint_solve(spec, y0, leaves):
    t0, times = spec.times[0], spec.times[1:]

    def f(t, y):
        return spec.call(t, y, leaves)

    spec.records = []
    outputs, _, _ = _integrate(f, f, t0, y0, times, spec.rtol, spec.atol, record=spec.records)
    return np.stack(outputs, axis=-1)


@primitive
def _ode_adjoint(spec, y0, *leaves):
    return _adjoint_solve(spec, y0, leaves)


def _ode_adjoint_vjp(argnums, ans, args, kwargs):
    spec, y0 = args[0], args[1]
    leaves = args[2:]

    def vjp(g):
        if isbox(g) or any(isbox(v) for v in args[1:]):
            raise RuntimeError(
                "dlode45: higher derivatives are not supported with gradient_mode='adjoint'. "
                "Use gradient_mode='direct' to differentiate the gradient again.")
        grads = _adjoint_backward(spec, np.asarray(g), y0, leaves)
        return tuple(grads[i - 1] for i in argnums)

    return vjp


defvjp_argnums(_ode_adjoint, _ode_adjoint_vjp)


def _adjoint_backward(spec, G, y0, leaves):
    """Propagate the adjoint backwards through the accepted steps, one step at a time.

    The forward solve kept only the state at the start of each accepted step. Each step is
    redone under autograd, its vector-Jacobian product taken with the adjoint of its end
    state plus the output gradients that fall inside it, and its record dropped: the adjoint
    of the Runge–Kutta steps themselves (a discrete adjoint), so the gradient is the exact
    gradient of the computed solution, the same as direct mode's. Integrating the continuous
    adjoint ODE instead must restart at every output time (the adjoint jumps there), seven
    odefun products per interval: ten times slower with 40 output times.
    """
    dtype = np.result_type(G, *leaves) if leaves else G.dtype
    index = {t: k for k, t in enumerate(spec.times[1:])}
    a = np.zeros(np.shape(y0), dtype=dtype)
    grads = [np.zeros(np.shape(v), dtype=dtype) for v in leaves]
    for t, y, hs, t_new, targets in reversed(spec.records):
        def redo(packed, t=t, hs=hs, t_new=t_new, targets=targets):
            def f(tt, yy):
                return spec.call(tt, yy, packed[1:])

            y_in = packed[0]
            ks, y_new = _rk_step(f, t, y_in, hs, t_new, f(t, y_in))
            return anp.stack([y_new] + [_output(y_in, y_new, ks, t, hs, t_new, target)
                                        for target in targets])

        vjp_fun, out = make_vjp(redo)((y,) + tuple(leaves))
        cot = np.stack([a] + [G[..., index[target]] for target in targets])
        step_grads = vjp_fun(cot.astype(np.result_type(out), copy=False))
        a = np.asarray(step_grads[0], dtype=dtype)
        for acc, v in zip(grads, step_grads[1:]):
            acc += np.asarray(v, dtype=dtype)
    out = [a.astype(np.result_type(y0), copy=False)]
    out += [v.astype(np.result_type(leaf), copy=False) for v, leaf in zip(grads, leaves)]
    return out


# ---------------------------------------------------------------- public function

def _time_points(func, tspan):
    t = np.asarray(getval(tspan._data) if isinstance(tspan, dlarray) else tspan)
    while isbox(t):
        t = t._value
    if t.dtype.kind not in "iuf" or t.size < 2 or sum(d > 1 for d in t.shape) > 1:
        raise _checks.fail(func, "tspan", "must be a vector of at least two times",
                           _checks.describe(tspan), "For example np.linspace(0, 1, 11).")
    t = t.astype(float).ravel()
    d = np.diff(t)
    if not np.all(np.isfinite(t)) or not (np.all(d > 0) or np.all(d < 0)):
        raise _checks.fail(func, "tspan", "must be strictly increasing or strictly decreasing",
                           np.array2string(t, precision=4, threshold=8),
                           "Remove repeated times and sort them.")
    return t


def dlode45(odefun, tspan, Y0, theta, *, gradient_mode="direct", relative_tolerance=1e-3,
            absolute_tolerance=1e-6, data_format=None):
    """Solve the neural ODE ``dy/dt = odefun(t, y, theta)`` from ``y(tspan[0]) = Y0``.

    Adaptive Dormand–Prince 5(4) (the method of MATLAB's ``ode45``). Returns the solution at
    ``tspan[1:]``, stacked along a new T dimension.

    .. math:: \\frac{dy}{dt} = f(t, y, \\theta), \\quad y(t_0) = Y_0, \\quad
        Y_{\\ldots,k} = y(t_{k+1})

    Parameters
    ----------
    odefun : callable ``odefun(t, y, theta) -> dy/dt``
        ``t`` is a float, ``y`` a dlarray in Y0's layout (Y0's format, or unformatted in
        Y0's order for ``data_format`` input); the result must have Y0's shape.
    tspan : array, shape (K + 1,)
        Times, strictly increasing or strictly decreasing; ``tspan[0]`` is the initial time.
    Y0 : dlarray, e.g. format "CB" shape (C, N)
        Initial state. Unformatted Y0 without ``data_format`` is used as it is.
    theta : dlarray or dict/list/tuple of dlarrays
        Parameters passed to ``odefun`` unchanged; differentiable.
    gradient_mode : {"direct", "adjoint"}, default "direct"
    relative_tolerance : float, default 1e-3
    absolute_tolerance : float, default 1e-6
    data_format : str, optional
        Format of an unformatted Y0; the output is then unformatted with T last.

    Returns
    -------
    Y : dlarray, Y0's format with "T" added, e.g. "CBT" shape (C, N, K); Y0's type
        (float32 stays float32, whatever type odefun returns)

    Raises
    ------
    ValueError
        tspan not a monotonic vector; odefun returning the wrong shape; Y0 with a T
        dimension; bad tolerances or gradient_mode.
    RuntimeError
        The step size becomes too small (stiff or blowing-up problems), more than 100000
        steps; higher derivatives with ``gradient_mode="adjoint"``.

    Notes
    -----
    The error of each step is measured in the RMS norm of ``e / (atol + rtol·max(|y|,
    |y_new|))``; a step is accepted when it is at most 1. Step sizes follow the error control
    alone; the solution at intermediate output times comes from the method's fourth-order
    continuous extension (no extra odefun calls), so a dense ``tspan`` costs no extra steps.
    ``relative_tolerance`` is raised to at least 100·eps of Y0's type, as MATLAB does.
    Direct mode differentiates the computed solution exactly (for the chosen steps) and
    supports higher derivatives; adjoint mode differentiates the same computed solution
    backwards step by step (first derivatives only), so the two agree to rounding. Adjoint mode keeps one state per accepted step (not the record of
    every operation inside ``odefun``) and redoes one step at a time in the backward pass, so
    it costs about one extra solve (eight ``odefun`` calls per step, none per output time)
    and its memory grows only by one state per step.

    MATLAB compatibility
    --------------------
    ``Y = dlode45(odefun, tspan, Y0, theta, GradientMode=m, RelativeTolerance=r,
    AbsoluteTolerance=a, DataFormat=f)`` becomes keyword arguments in snake_case. As in
    MATLAB's ode45, output times between steps are interpolated. MATLAB's adjoint mode
    solves the continuous adjoint ODE (its documentation recommends it for few output
    times); this one takes the adjoint of the solver's own steps, which needs no stop at each
    output time, so its gradients equal direct mode's where MATLAB's may differ from them by
    up to the solver tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray, extractdata
    >>> A = dlarray(np.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> Y = dlode45(lambda t, y, A: A @ y, [0.0, np.pi], dlarray(np.array([[1.0], [0.0]]), "CB"),
    ...             A, relative_tolerance=1e-8, absolute_tolerance=1e-10)
    >>> Y.fmt, Y.shape, np.round(extractdata(Y).ravel(), 6)
    ('CBT', (2, 1, 1), array([-1., -0.]))
    """
    func = "dlode45"
    if not callable(odefun):
        raise _checks.fail(func, "odefun", "must be callable", type(odefun).__name__,
                           "For example lambda t, y, theta: theta @ y.", cls=TypeError)
    mode = _checks.choice(func, "gradient_mode", gradient_mode, ("direct", "adjoint"))
    times = [float(v) for v in _time_points(func, tspan)]  # Python floats: weak scalars
    layout = _checks.Layout.of(func, Y0, data_format, arg="Y0", required=False)
    if "T" in layout.fmt:
        raise _checks.fail(func, "Y0", "must not have a T dimension (the output adds one)",
                           f'format "{layout.fmt}"')
    y0 = _checks.as_array_input(func, "Y0", Y0)._data  # Y0's own layout (what odefun sees)
    dtype = np.result_type(getval(y0))
    if dtype.kind != "f":
        y0 = y0 * np.ones((), dtype=float)
        dtype = np.dtype(float)
    rtol = _checks.real_number(func, "relative_tolerance", relative_tolerance, low=0,
                               low_open=True)
    atol = _checks.real_number(func, "absolute_tolerance", absolute_tolerance, low=0,
                               low_open=True)
    rtol = max(rtol, 100 * float(np.finfo(dtype).eps))
    y_fmt = layout.fmt if layout.user_fmt is None else ""
    y_shape = np.shape(getval(y0))

    def to_dlarray(y):
        return dlarray._wrap(y, y_fmt)

    def evaluate(t, y, th):
        out = odefun(t, to_dlarray(y), th)
        if isinstance(out, dlarray):
            if out.fmt and y_fmt and out.fmt != y_fmt:
                raise _checks.fail(func, "odefun", f'must return dy/dt with Y0\'s format '
                                   f'"{y_fmt}"', f'format "{out.fmt}"')
            out = out._data
        elif not (isbox(out) or isinstance(out, (np.ndarray, np.generic, float, int))):
            raise _checks.fail(func, "odefun", "must return a dlarray or an array",
                               type(out).__name__, cls=TypeError)
        if np.shape(getval(out)) != y_shape:
            raise _checks.fail(func, "odefun", f"must return dy/dt with the shape of Y0 "
                               f"{y_shape}", f"shape {np.shape(getval(out))}",
                               "Return one derivative per element of y.")
        if np.result_type(getval(out)) != dtype:
            # For example np.sin(t) * y is float64 for float32 y: keep Y0's type throughout.
            out = out.astype(dtype) if hasattr(out, "astype") else np.asarray(out, dtype)
        return out

    leaves, treedef = _tree.tree_flatten(theta)
    is_param = [isinstance(v, dlarray) and np.result_type(getval(v._data)).kind == "f"
                for v in leaves]

    def rebuild(datas):
        it = iter(datas)
        return _tree.tree_unflatten(
            treedef, [dlarray._wrap(next(it), v.fmt) if p else v
                      for v, p in zip(leaves, is_param)])

    if mode == "direct":
        raw_theta = rebuild([_strip(v._data) for v, p in zip(leaves, is_param) if p])

        def f(t, y):
            return evaluate(t, y, theta)

        def f_raw(t, y):
            return np.asarray(_strip(evaluate(t, y, raw_theta)))

        outputs, _, _ = _integrate(f, f_raw, times[0], y0, times[1:], rtol, atol)
        Y = anp.stack(outputs, axis=-1)
    else:
        spec = _Spec()
        spec.call = lambda t, y, datas: evaluate(t, y, rebuild(datas))
        spec.times, spec.rtol, spec.atol = times, rtol, atol
        Y = _ode_adjoint(spec, y0, *[v._data for v, p in zip(leaves, is_param) if p])
    if layout.user_fmt is not None or not layout.fmt:
        return dlarray._wrap(Y)
    return dlarray(Y, layout.fmt + "T") if "U" in layout.fmt else dlarray._wrap(
        Y, layout.fmt + "T")


def _strip(x):
    while isbox(x):
        x = x._value
    return x


def _dlode45_reference(odefun, tspan, Y0, theta, *, fmt="", **options):
    """Classic fixed-step RK4 with many small steps, one output time at a time."""
    y = np.asarray(Y0, dtype=float)
    theta = np.asarray(theta, dtype=float)
    outs = []
    tspan = np.asarray(tspan, dtype=float)
    for t0, t1 in zip(tspan[:-1], tspan[1:]):
        n = 2000
        h = (t1 - t0) / n
        t = t0
        for _ in range(n):
            k1 = np.asarray(odefun(t, y, theta))
            k2 = np.asarray(odefun(t + h / 2, y + h / 2 * k1, theta))
            k3 = np.asarray(odefun(t + h / 2, y + h / 2 * k2, theta))
            k4 = np.asarray(odefun(t + h, y + h * k3, theta))
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t += h
        outs.append(y)
    return np.stack(outs, axis=-1)


def _spiral(t, y, theta):
    """dy/dt = tanh(A y) + sin(t) * b for "CB" y of shape (2, N); theta = [A | b] (2, 3)."""
    return np.tanh(theta[:, :2] @ y) + math.sin(t) * theta[:, 2:]


def _spiral_bc(t, y, theta):
    """The same field for "BC" y of shape (N, 2)."""
    return np.tanh(y @ theta[:, :2].T) + math.sin(t) * theta[:, 2:].T


def _sample_ode(rng, dtype, n):
    tol = {"relative_tolerance": 1e-10, "absolute_tolerance": 1e-12} if dtype == np.float64 \
        else {"relative_tolerance": 1e-5, "absolute_tolerance": 1e-7}
    theta = sample_array(rng, (2, 3), dtype) * 0.8
    return [
        Case("CB", (_spiral, np.array([0.0, 0.3, 0.7]), sample_array(rng, (2, n), dtype, "CB"),
                    theta), dict(tol), "CBT"),
        Case("backwards in time, unformatted BC",
             (_spiral_bc, np.array([1.0, 0.6]), sample_array(rng, (n, 2), dtype), theta),
             dict(tol, data_format="BC"), ""),
    ]


register(OpRecord("dlode45", dlode45, _dlode45_reference, _sample_ode, diff_argnums=(2, 3),
                  rtol=1e-8, atol=1e-9, grad_rtol=1e-5, grad_atol=1e-7, second_order=True,
                  float32_rtol=1e-4,
                  kink="smooth; step sizes are constants of the trace"))
