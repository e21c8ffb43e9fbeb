"""Exercises of notebook 07 (update functions)."""

import numpy as np

from ..core import dlarray, extractdata, isdlarray
from ..optim import dlupdate, sgdmupdate
from ._framework import dl, exercise


def _torch_style_sgdm(params, grads, vel, learn_rate, momentum):
    if vel is None:
        vel = dlupdate(lambda g: 0 * g, grads)
    vel = dlupdate(lambda v, g: momentum * v + g, vel, grads)
    return dlupdate(lambda p, v: p - learn_rate * v, params, vel), vel


def _problem(seed=70):
    rng = np.random.default_rng(seed)
    params = {"W": dlarray(rng.standard_normal((2, 3))), "b": dlarray(rng.standard_normal((2, 1)))}
    grads = [{k: dlarray(rng.standard_normal(v.shape)) for k, v in params.items()}
             for _ in range(3)]
    return params, grads


def my_sgdm(params, grads, vel, learn_rate, momentum):
    if vel is None:
        vel = dl.dlupdate(lambda g: 0 * g, grads)
    vel = dl.dlupdate(lambda v, g: momentum * v - learn_rate * g, vel, grads)
    params = dl.dlupdate(lambda p, v: p + v, params, vel)
    return params, vel


_reference_sgdm = my_sgdm  # the checker compares with the solution


@exercise(
    "07.1", "One SGDM step by hand",
    hints=["The velocity update is v = momentum*v - learn_rate*g, then params = params + v.",
           "dlupdate(lambda v, g: ..., vel, grads) pairs each velocity with its gradient.",
           "On the first call vel is None: start from zeros shaped like the gradients."],
    solution=my_sgdm,
    wrong_answers=[lambda: _torch_style_sgdm],
)
def _(my_sgdm, report):
    params, grads = _problem()
    rates = [0.1, 0.05, 0.025]  # a changing learning rate tells the conventions apart
    momentum = 0.9
    try:
        first = my_sgdm(params, grads[0], None, rates[0], momentum)
    except Exception as err:
        zeros = dlupdate(lambda g: 0 * g, grads[0])
        try:
            my_sgdm(params, grads[0], zeros, rates[0], momentum)
        except Exception:
            raise err from None
        report.stop("your function fails on the first call, where vel is None (there is no "
                    "velocity yet): start from zeros shaped like the gradients, "
                    f"dlupdate(lambda g: 0 * g, grads). ({type(err).__name__}: {err})")
    mine = [first]
    for g, lr in zip(grads[1:], rates[1:]):
        if not (isinstance(mine[-1], tuple) and len(mine[-1]) == 2):
            break
        mine.append(my_sgdm(mine[-1][0], g, mine[-1][1], lr, momentum))
    if not all(isinstance(m, tuple) and len(m) == 2 for m in mine):
        report.stop("return two values: (params, vel).")

    def as_arrays(tree):
        return {k: _plain(v) for k, v in tree.items()}

    def trajectory(step):
        p, v, out = as_arrays(params), None, []
        for g, lr in zip(grads, rates):
            g = as_arrays(g)
            v = {k: np.zeros_like(x) for k, x in g.items()} if v is None else v
            p, v = step(p, g, v, lr, momentum)
            out.append((p, v))
        return out

    def same(tree, want):
        return isinstance(tree, dict) and set(tree) == set(want) and all(
            np.shape(_plain(tree[k])) == want[k].shape and np.allclose(_plain(tree[k]), want[k])
            for k in want)

    ref, state = [], (params, None)
    for g, lr in zip(grads, rates):
        state = sgdmupdate(state[0], g, state[1], lr, momentum)
        ref.append((as_arrays(state[0]), as_arrays(state[1])))
    params_ok = all(same(m[0], r[0]) for m, r in zip(mine, ref))
    vel_ok = all(same(m[1], r[1]) for m, r in zip(mine, ref))
    if params_ok and vel_ok:
        report.note("three steps with a decaying learning rate match sgdmupdate exactly.")
        return
    slips = {
        "old velocity": "the order of the updates: you moved params with the OLD velocity and "
                        "updated the velocity afterwards (so at step 1 params did not move at "
                        "all). Update the velocity first, then add the new velocity to params.",
        "torch": "MATLAB's velocity includes the learning rate: v = momentum*v - lr*g, then "
                 "params + v. Yours looks like PyTorch's convention (v = momentum*v + g, "
                 "params - lr*v), which differs as soon as the learning rate changes.",
        "uphill": "params moved uphill: with v = momentum*v - lr*g the velocity already points "
                  "downhill, so the update is params + vel, not params - vel.",
    }
    for name, message in slips.items():
        alternative = trajectory(lambda p, g, v, lr, m, name=name: _step(p, g, v, lr, m, name))
        if all(same(m[0], a[0]) for m, a in zip(mine, alternative)):
            report.stop(message)
    if params_ok:
        if all(same({k: -_plain(x) for k, x in m[1].items()}, r[1]) for m, r in zip(mine, ref)):
            report.stop("params are right, but vel has the opposite sign of sgdmupdate's: "
                        "MATLAB's velocity is the step itself, v = momentum*v - lr*g, which is "
                        "added to params. Return that velocity.")
        report.stop("params are right, but the returned vel differs from sgdmupdate's: return "
                    "the updated velocity, v = momentum*v - lr*g.")
    for step, (m, r, lr) in enumerate(zip(mine, ref, rates), start=1):
        for name in ("W", "b"):
            got, want = _plain(m[0][name]), r[0][name]
            if got.shape != want.shape or not np.allclose(got, want):
                report.stop(f"after step {step} (learning rate {lr}) params['{name}'] differs "
                            f"from sgdmupdate by up to {np.max(np.abs(got - want)):.3g}. MATLAB's"
                            " velocity includes the learning rate: v = momentum*v - lr*g.")


def _plain(value):
    return extractdata(value) if isdlarray(value) else np.asarray(value)


def _step(p, g, v, lr, m, convention):
    """One SGDM step on dicts of arrays, in the reference or in a mistaken convention."""
    if convention == "old velocity":
        return {k: p[k] + v[k] for k in p}, {k: m * v[k] - lr * g[k] for k in v}
    if convention == "torch":
        v = {k: m * v[k] + g[k] for k in v}
        return {k: p[k] - lr * v[k] for k in p}, v
    v = {k: m * v[k] - lr * g[k] for k in v}
    sign = -1 if convention == "uphill" else 1
    return {k: p[k] + sign * v[k] for k in p}, v


def clip_by_global_norm(grads, max_norm):
    total = 0.0
    for g in grads.values():
        total += float(np.sum(g * g))
    norm = np.sqrt(total)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return dl.dlupdate(lambda g: g * scale, grads)


_reference_clip = clip_by_global_norm  # the checker compares with the solution


@exercise(
    "07.2", "Clip gradients by global norm",
    hints=["First add up np.sum(g * g) over all gradients, then take the square root.",
           "Scale every gradient by the same factor min(1, max_norm / norm)."],
    solution=clip_by_global_norm,
    wrong_answers=[lambda: (lambda grads, m: dlupdate(lambda g: np.clip(g, -m, m), grads)),
                   lambda: (lambda grads, m: dlupdate(
                       lambda g: g * min(1.0, m / float(np.sqrt(np.sum(g * g)))), grads))],
)
def _(clip, report):
    grads = {"W": dlarray(np.array([[3.0, 4.0], [0.0, 0.0]])), "b": dlarray(np.array([[12.0]]))}
    # max_norm a quarter of the norm 13: every element of W stays below it, so clipping element
    # by element, by each parameter's own norm, and by the global norm all give different results
    max_norm = 3.25
    out = clip(grads, max_norm)
    if not isinstance(out, dict) or set(out) != {"W", "b"}:
        report.stop("return a dict with the same keys as grads.")
    plain = [k for k, v in out.items() if not isdlarray(v)]
    if plain:
        report.stop(f"return dlarrays, like the gradients you were given; got "
                    f"{type(out[plain[0]]).__name__} for {plain[0]!r}. dlupdate(lambda g: "
                    "g * scale, grads) keeps them dlarrays.")
    got = {k: extractdata(v) for k, v in out.items()}
    original = {k: extractdata(v) for k, v in grads.items()}

    def matches(candidate):
        return all(np.shape(got[k]) == np.shape(candidate[k]) and np.allclose(got[k],
                   candidate[k]) for k in got)

    if matches({k: np.clip(g, -max_norm, max_norm) for k, g in original.items()}):
        report.stop("you clipped each element to ±max_norm (np.clip), element by element: that "
                    "changes the gradient's direction. Scale every gradient by one factor, "
                    "max_norm / global norm.")
    if matches({k: g * min(1.0, max_norm / np.sqrt(np.sum(g ** 2))) for k, g in original.items()}):
        report.stop("each parameter's gradient was scaled by its own norm, so their directions "
                    "relative to each other changed: compute one global norm, √(Σ‖g‖²) over "
                    "all parameters, and one scale for all.")
    if matches({k: g * max_norm / 169.0 for k, g in original.items()}):
        report.stop("you divided by the squared norm (169) instead of the norm (13): take the "
                    "square root of the sum of squares.")
    norm = np.sqrt(sum(np.sum(v ** 2) for v in got.values()))
    if np.isclose(norm, 13.0):
        report.stop(f"nothing was clipped: the global norm 13 exceeds max_norm = {max_norm}, so "
                    "every gradient must be scaled by max_norm / norm.")
    if not np.isclose(norm, max_norm):
        report.fail(f"the clipped global norm should be max_norm = {max_norm} (the original is "
                    f"13); got {norm:.4g}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = [got[k] / original[k] for k in ("W", "b")]
    flat = np.concatenate([r[np.isfinite(r)].ravel() for r in ratios])
    if flat.size and not np.allclose(flat, flat[0]):
        report.fail("the gradients were not all scaled by the same factor, so their direction "
                    "changed: use one scale from the global norm for every parameter.")
    small = clip(grads, 100.0)
    b = extractdata(small["b"]) if isdlarray(small["b"]) else np.asarray(small["b"])
    if np.allclose(b, 12.0 * 100 / 13):
        report.fail("with max_norm 100 above the norm 13 you scaled the gradients UP to norm "
                    "100: use scale = min(1, max_norm / norm), so that small gradients stay "
                    "unchanged.")
    elif not np.allclose(b, 12.0):
        report.fail("with max_norm larger than the norm, gradients must stay unchanged.")
