"""check_gradients: compare analytic gradients with finite differences, readably."""

import numpy as np

from .. import _checks, _tree
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata

__all__ = ["check_gradients", "GradientReport"]


class GradientReport:
    """Result of :func:`check_gradients`: one row per parameter array.

    Parameters
    ----------
    rows : list of dict
        One per parameter array (see Attributes).
    rtol, atol : float
        The tolerances the rows were judged with.

    Attributes
    ----------
    ok : bool
        True when every checked element agrees within the tolerances.
    rows : list of dict
        ``name``, ``shape``, ``max_abs_error``, ``max_rel_error``, ``worst_index``,
        ``analytic`` and ``numeric`` at the worst index, ``checked`` (number of elements).
    """

    def __init__(self, rows, rtol, atol):
        self.rows = rows
        self.rtol = rtol
        self.atol = atol
        self.ok = all(r["ok"] for r in rows)

    @property
    def failures(self):
        return [r for r in self.rows if not r["ok"]]

    def __bool__(self):
        return self.ok

    def __repr__(self):
        lines = [("Gradients agree with finite differences" if self.ok else
                  "Gradients DIFFER from finite differences") +
                 f" (rtol={self.rtol:g}, atol={self.atol:g})"]
        width = max([len(r["name"]) for r in self.rows] + [9])
        lines.append(f"  {'parameter':<{width}}  {'shape':<14} {'max abs err':>11} "
                     f"{'max rel err':>11}  status")
        for r in self.rows:
            status = "ok" if r["ok"] else (
                f"WRONG at {r['worst_index']}: analytic {r['analytic']:.6g}, "
                f"numeric {r['numeric']:.6g}")
            lines.append(f"  {r['name']:<{width}}  {str(r['shape']):<14} "
                         f"{r['max_abs_error']:>11.3g} {r['max_rel_error']:>11.3g}  {status}")
        return "\n".join(lines)

    def _repr_html_(self):
        head = ("<b>" + ("Gradients agree" if self.ok else "Gradients DIFFER") +
                "</b> with finite differences")
        cells = "".join(
            f"<tr><td>{r['name']}</td><td>{r['shape']}</td><td>{r['max_abs_error']:.3g}</td>"
            f"<td>{r['max_rel_error']:.3g}</td><td>{'ok' if r['ok'] else 'WRONG at ' + str(r['worst_index'])}"
            "</td></tr>" for r in self.rows)
        return (f"<p>{head}</p><table><tr><th>parameter</th><th>shape</th><th>max abs err</th>"
                f"<th>max rel err</th><th>status</th></tr>{cells}</table>")


def _as_float64(tree):
    def convert(x):
        if isinstance(x, dlarray) and np.issubdtype(x.dtype, np.floating):
            return dlarray(extractdata(x).astype(np.float64), x.fmt)
        return x

    return _tree.tree_map(convert, tree)


def _selection(func, wrt, count):
    """``wrt`` -> sorted tuple of argument positions (0 is params, k is args[k-1])."""
    if isinstance(wrt, str):
        if wrt.lower() != "all":
            raise _checks.fail(func, "wrt", 'must be an argument position, a tuple of them or '
                               '"all"', repr(wrt))
        return tuple(range(count))
    positions = (wrt,) if not isinstance(wrt, (tuple, list)) else tuple(wrt)
    out = []
    for p in positions:
        p = _checks.positive_int(func, "wrt", p, allow_zero=True)
        if p >= count:
            raise _checks.fail(func, "wrt", f"must name arguments that fun receives: 0 for "
                               f"params, 1..{count - 1} for args", repr(wrt),
                               f"fun gets {count} arguments.")
        out.append(p)
    if not out:
        raise _checks.fail(func, "wrt", "must name at least one argument", repr(wrt))
    return tuple(sorted(set(out)))


def _differentiable(x):
    """A plain floating-point array selected with ``wrt`` becomes a float64 dlarray."""
    if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
        return dlarray(x.astype(np.float64))
    return x


def check_gradients(fun, params, *args, wrt=0, grads=None, step=1e-6, rtol=1e-4, atol=1e-6,
                    max_elements=20, rng=None):
    """Check the gradients of a scalar function against central finite differences.

    ``fun(params, *args)`` must return a scalar (a dlarray, or a tuple whose first element is
    the scalar loss), so a model-loss function that returns ``(loss, gradients)`` can be
    passed as it is. The analytic gradient is ``dlgradient(loss, params)`` evaluated with
    ``dlfeval``, unless you pass your own ``grads`` (same structure as ``params``) to check
    gradients you derived by hand.

    .. math:: \\frac{\\partial f}{\\partial \\theta_i} \\approx
              \\frac{f(\\theta + h e_i) - f(\\theta - h e_i)}{2h}

    Parameters
    ----------
    fun : callable
        ``fun(params, *args) -> loss`` (or ``(loss, ...)``).
    params : dlarray or dict/list/tuple of dlarrays
        The parameters to check; computed in float64 for the check.
    *args
        Further arguments to ``fun`` (data, targets).
    wrt : int, tuple of int or "all", default 0
        Which arguments of ``fun`` to check the gradient with respect to: 0 is ``params``,
        k is ``args[k-1]``. ``wrt=1`` checks the gradient with respect to the data passed
        as the first of ``args``, e.g. the interpolated images of a gradient penalty
        (see Examples); ``"all"`` checks every argument that holds floating-point arrays.
    grads : optional
        Gradients to check instead of those of ``dlgradient``: the structure of params (for
        the default ``wrt=0``), else a tuple with one entry per selected argument.
    step : float, default 1e-6
        Finite-difference step h.
    rtol, atol : float
        An element is wrong when ``|analytic - numeric| > atol + rtol * |numeric|``.
    max_elements : int, default 20
        Elements checked per parameter array (chosen at random when there are more).
    rng : numpy.random.Generator, optional
        Chooses the elements; default ``np.random.default_rng(0)``.

    Returns
    -------
    report : GradientReport
        ``report.ok`` and a readable table: which parameter is off, where, by how much.

    Raises
    ------
    TypeError
        ``fun`` not callable; params without dlarrays.
    ValueError
        ``fun`` does not return a scalar.

    Notes
    -----
    Everything is converted to float64 first, so float32 round-off does not hide or fake
    errors. Kinks (relu at 0, abs at 0) within ``step`` of an element give false alarms.

    MATLAB compatibility
    --------------------
    No MATLAB counterpart; it automates the finite-difference checks of MATLAB's examples.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray
    >>> report = check_gradients(lambda p: np.sum(p["w"] ** 2), {"w": dlarray(np.ones(3))})
    >>> report.ok
    True

    The gradient with respect to data, as a gradient penalty (WGAN-GP) uses it: the critic's
    gradient at interpolated images ``X_hat``, and the penalty's gradient through it.

    >>> import dlnotebooks as dl
    >>> w = {"w": dlarray(np.array([[0.5, -1.0, 2.0]]))}
    >>> X_hat = dlarray(np.array([[0.2], [0.1], [-0.3]]), "CB")
    >>> critic = lambda p, X: np.sum(np.tanh(dl.fullyconnect(X, p["w"], 0)))
    >>> check_gradients(critic, w, X_hat, wrt=1).ok
    True
    >>> def penalty(p, X):
    ...     g = dl.dlgradient(critic(p, X), X, enable_higher_derivatives=True)
    ...     return (np.sqrt(np.sum(g ** 2)) - 1) ** 2
    >>> check_gradients(penalty, w, X_hat, wrt="all").ok
    True
    """
    func = "check_gradients"
    if not callable(fun):
        raise _checks.fail(func, "fun", "must be callable", type(fun).__name__, cls=TypeError)
    rng = np.random.default_rng(0) if rng is None else rng
    items = [_as_float64(params)] + [_as_float64(a) for a in args]
    positions = _selection(func, wrt, len(items))
    for i in positions:
        if i > 0:  # data given as a NumPy array; params must be dlarrays, as for dlgradient
            items[i] = _tree.tree_map(_differentiable, items[i])
    names = ["params" if i == 0 else f"args[{i - 1}]" for i in positions]
    selected = tuple(items[i] for i in positions)
    leaves, treedef = _tree.tree_flatten(selected)
    paths = [p for name, item in zip(names, selected) for p, _ in _tree.tree_paths(item, name)]
    if not leaves or not all(isinstance(x, dlarray) for x in leaves):
        what = "params" if positions == (0,) else "the arguments chosen by wrt"
        raise _checks.fail(func, what, "must be a dlarray or a container of dlarrays",
                           ", ".join(type(x).__name__ for x in selected), cls=TypeError)

    def loss_of(sel):
        full = list(items)
        for i, value in zip(positions, sel):
            full[i] = value
        out = fun(*full)
        loss = out[0] if isinstance(out, tuple) else out
        if not isinstance(loss, dlarray) or loss.size != 1:
            raise _checks.fail(func, "fun", "must return a scalar loss (or a tuple starting "
                               "with one)", _checks.describe(loss))
        return loss

    if grads is None:
        analytic = dlfeval(lambda sel: dlgradient(loss_of(sel), sel), selected)
    else:
        analytic = (grads,) if positions == (0,) else grads
    analytic_leaves = [extractdata(g).astype(np.float64) if isinstance(g, dlarray)
                       else np.asarray(g, dtype=np.float64)
                       for g in _tree.tree_leaves(analytic)]
    if len(analytic_leaves) != len(leaves):
        raise _checks.fail(func, "grads", "must have the same structure as params",
                           f"{len(analytic_leaves)} arrays for {len(leaves)} parameters")

    base = [extractdata(x).copy() for x in leaves]

    def evaluate(values):
        sel = _tree.tree_unflatten(treedef,
                                   [dlarray(v, x.fmt) for v, x in zip(values, leaves)])
        # through dlfeval, so that a fun that calls dlgradient itself works here too
        return float(extractdata(dlfeval(loss_of, sel)).reshape(-1)[0])

    rows = []
    for k, (path, value, g) in enumerate(zip(paths, base, analytic_leaves)):
        if g.shape != value.shape:
            raise _checks.fail(func, "grads", f"must match the shape of {path} {value.shape}",
                               f"shape {g.shape}")
        flat_indices = np.arange(value.size)
        if value.size > max_elements:
            flat_indices = rng.choice(value.size, size=max_elements, replace=False)
        worst = (0.0, 0.0, None, 0.0, 0.0)
        ok = True
        for flat in flat_indices:
            index = np.unravel_index(flat, value.shape)
            values = list(base)
            plus = value.copy()
            plus[index] += step
            minus = value.copy()
            minus[index] -= step
            values[k] = plus
            f_plus = evaluate(values)
            values[k] = minus
            f_minus = evaluate(values)
            numeric = (f_plus - f_minus) / (2 * step)
            a = float(g[index])
            err = abs(a - numeric)
            rel = err / max(abs(numeric), abs(a), 1e-12)
            if err > atol + rtol * abs(numeric):
                ok = False
            if err >= worst[0]:
                worst = (err, rel, tuple(int(i) for i in index), a, numeric)
        rows.append({"name": path, "shape": value.shape, "max_abs_error": worst[0],
                     "max_rel_error": worst[1], "worst_index": worst[2], "analytic": worst[3],
                     "numeric": worst[4], "checked": len(flat_indices), "ok": ok})
    return GradientReport(rows, rtol, atol)
