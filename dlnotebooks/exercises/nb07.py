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
    mine, ref = (params, None), (params, None)
    rates = [0.1, 0.05, 0.025]  # a changing learning rate tells the conventions apart
    for step, (g, lr) in enumerate(zip(grads, rates), start=1):
        mine = my_sgdm(mine[0], g, mine[1], lr, 0.9)
        ref = sgdmupdate(ref[0], g, ref[1], lr, 0.9)
        if not (isinstance(mine, tuple) and len(mine) == 2):
            report.stop("return two values: (params, vel).")
        for name in ("W", "b"):
            got = extractdata(mine[0][name])
            want = extractdata(ref[0][name])
            if not np.allclose(got, want):
                report.stop(f"after step {step} (learning rate {lr}) params['{name}'] differs "
                            f"from sgdmupdate by up to {np.max(np.abs(got - want)):.3g}. MATLAB's"
                            " velocity includes the learning rate: v = momentum*v - lr*g.")
    report.note("three steps with a decaying learning rate match sgdmupdate exactly.")


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
    out = clip(grads, 6.5)
    if not isinstance(out, dict) or set(out) != {"W", "b"}:
        report.stop("return a dict with the same keys as grads.")
    got = {k: extractdata(v) if isdlarray(v) else np.asarray(v) for k, v in out.items()}
    norm = np.sqrt(sum(np.sum(v ** 2) for v in got.values()))
    if not np.isclose(norm, 6.5):
        report.fail(f"the clipped global norm should be 6.5 (the original is 13); got {norm:.4g}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = [got[k] / extractdata(grads[k]) for k in ("W", "b")]
    flat = np.concatenate([r[np.isfinite(r)].ravel() for r in ratios])
    if flat.size and not np.allclose(flat, flat[0]):
        report.fail("the gradients were not all scaled by the same factor, so their direction "
                    "changed: use one scale from the global norm for every parameter.")
    small = clip(grads, 100.0)
    if not np.allclose(extractdata(small["b"]), 12.0):
        report.fail("with max_norm larger than the norm, gradients must stay unchanged.")
