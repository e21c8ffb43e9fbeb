"""Update rules (sgdmupdate, adamupdate, rmspropupdate) driven by one table of records.

Each record has the update function, a hand transcription of its equations, and settings
that make it converge on a quadratic and on the Rosenbrock function.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import Learnables, dlarray, extractdata


@dataclass
class Rule:
    name: str
    step: Callable  # step(params, grad, state, iteration, learn_rate) -> (params, state)
    reference: Callable  # reference(p, g, state, iteration, learn_rate) -> (p, state), NumPy
    quad_lr: float
    rosen_lr: float
    rosen_iters: int
    rosen_tol: float = 1e-2
    decay: float = 0.0  # time-based learning-rate decay used in the convergence tests


def _sgdm(params, grad, state, t, lr):
    return dl.sgdmupdate(params, grad, state, lr, 0.9)


def _sgdm_ref(p, g, v, t, lr):
    v = np.zeros_like(p) if v is None else v
    v = 0.9 * v - lr * g
    return p + v, v


def _adam(params, grad, state, t, lr):
    m, v = state if state is not None else (None, None)
    params, m, v = dl.adamupdate(params, grad, m, v, t, lr, 0.9, 0.999, 1e-8)
    return params, (m, v)


def _adam_ref(p, g, state, t, lr):
    m, v = state if state is not None else (np.zeros_like(p), np.zeros_like(p))
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g ** 2
    mhat = m / (1 - 0.9 ** t)
    vhat = v / (1 - 0.999 ** t)
    return p - lr * mhat / (np.sqrt(vhat) + 1e-8), (m, v)


def _rmsprop(params, grad, state, t, lr):
    return dl.rmspropupdate(params, grad, state, lr, 0.9, 1e-8)


def _rmsprop_ref(p, g, v, t, lr):
    v = np.zeros_like(p) if v is None else v
    v = 0.9 * v + 0.1 * g ** 2
    return p - lr * g / (np.sqrt(v) + 1e-8), v


RULES = [
    Rule("sgdmupdate", _sgdm, _sgdm_ref, quad_lr=0.05, rosen_lr=0.002, rosen_iters=1500),
    Rule("adamupdate", _adam, _adam_ref, quad_lr=0.05, rosen_lr=0.05, rosen_iters=1500),
    # RMSProp takes sign-like steps of size ~ learn_rate: it needs a decaying rate to settle,
    # and it crawls along Rosenbrock's curved valley.
    Rule("rmspropupdate", _rmsprop, _rmsprop_ref, quad_lr=0.02, rosen_lr=0.02,
         rosen_iters=2000, rosen_tol=0.1, decay=0.01),
]
IDS = [r.name for r in RULES]


def _leaf(state, k):
    """The k-th leaf of a (possibly tuple-of-containers) state, as a NumPy array."""
    if isinstance(state, tuple):
        return tuple(_leaf(s, k) for s in state)
    return extractdata(state[k])


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_matches_hand_transcription(rule):
    rng = np.random.default_rng(0)
    params = {"w": dlarray(rng.standard_normal((3, 2))), "b": dlarray(rng.standard_normal((3, 1)))}
    ref = {k: extractdata(v) for k, v in params.items()}
    ref_state = {k: None for k in params}
    state = None
    for t in range(1, 5):
        grad = {k: dlarray(rng.standard_normal(v.shape)) for k, v in params.items()}
        params, state = rule.step(params, grad, state, t, 0.01)
        for k in ref:
            ref[k], ref_state[k] = rule.reference(ref[k], extractdata(grad[k]), ref_state[k],
                                                  t, 0.01)
            np.testing.assert_allclose(extractdata(params[k]), ref[k], rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(_leaf(state, k), ref_state[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_converges_on_quadratic(rule):
    scales = np.array([1.0, 10.0])
    x, state = dlarray(np.array([1.0, -1.0])), None
    for t in range(1, 601):
        x, state = rule.step(x, dlarray(scales * extractdata(x)), state, t,
                             dl.time_based_decay(rule.quad_lr, 5 * rule.decay, t))
    assert np.linalg.norm(extractdata(x)) < 1e-3


def _rosenbrock_grad(x):
    a, b = x
    return np.array([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)])


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_converges_on_rosenbrock(rule):
    x, state = np.array([-1.2, 1.0]), None
    for t in range(1, rule.rosen_iters + 1):
        lr = dl.time_based_decay(rule.rosen_lr, rule.decay, t)
        x, state = rule.step(x, _rosenbrock_grad(x), state, t, lr)
    assert np.linalg.norm(x - 1.0) < rule.rosen_tol
    assert 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2 < 1e-2  # from 24.2


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_inputs_are_not_modified_and_containers_are_kept(rule):
    rng = np.random.default_rng(1)
    params = [dlarray(rng.standard_normal((2, 2)).astype("float32")),
              {"x": np.ones(3, dtype="float32")}]
    grad = [dlarray(np.ones((2, 2), dtype="float32")), {"x": np.ones(3, dtype="float32")}]
    before = [extractdata(params[0]).copy(), params[1]["x"].copy()]
    new, state = rule.step(params, grad, None, 1, 0.1)
    new, _ = rule.step(new, grad, state, 2, 0.1)
    np.testing.assert_array_equal(extractdata(params[0]), before[0])
    np.testing.assert_array_equal(params[1]["x"], before[1])
    assert isinstance(new, list) and isinstance(new[0], dl.dlarray)
    assert isinstance(new[1]["x"], np.ndarray)
    assert new[0].dtype == np.float32 and new[1]["x"].dtype == np.float32


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_accepts_learnables_tables(rule):
    table = Learnables(["fc", "fc"], ["Weights", "Bias"],
                       [dlarray(np.ones((2, 3))), dlarray(np.zeros((2, 1)))])
    grads = table.with_values([dlarray(np.ones((2, 3))), dlarray(np.ones((2, 1)))])
    new, _ = rule.step(table, grads, None, 1, 0.1)
    assert isinstance(new, Learnables) and new.keys() == table.keys()
    assert float(extractdata(new["fc", "Bias"])[0, 0]) < 0
    np.testing.assert_array_equal(extractdata(table["fc", "Bias"]), 0)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_mismatched_containers_raise(rule):
    params = {"w": np.ones(2), "b": np.ones(1)}
    with pytest.raises(ValueError, match=rf"{rule.name}: grad must have the same structure"):
        rule.step(params, {"w": np.ones(2)}, None, 1, 0.1)
    with pytest.raises(ValueError, match=rf"{rule.name}: grad must match the shape"):
        rule.step(params, {"w": np.ones(3), "b": np.ones(1)}, None, 1, 0.1)


def test_rmspropupdate_bad_state_and_options():
    with pytest.raises(ValueError, match="rmspropupdate: avg_sq_g must have the same structure"):
        dl.rmspropupdate({"w": np.ones(2)}, {"w": np.ones(2)}, {"v": np.ones(2)})
    with pytest.raises(ValueError, match=r"rmspropupdate: sq_grad_decay must be < 1"):
        dl.rmspropupdate(np.ones(2), np.ones(2), None, 0.1, 1.0)
    with pytest.raises(ValueError, match=r"rmspropupdate: learn_rate must be >= 0"):
        dl.rmspropupdate(np.ones(2), np.ones(2), None, -0.1)
    with pytest.raises(ValueError, match=r"rmspropupdate: epsilon must be > 0"):
        dl.rmspropupdate(np.ones(2), np.ones(2), None, 0.1, 0.9, 0)


def test_adamupdate_iteration_below_one_raises():
    with pytest.raises(ValueError, match="adamupdate: iteration must be positive; got 0"):
        dl.adamupdate(np.ones(2), np.ones(2), None, None, 0)


def _arrays(state):
    """The arrays of a state (one container, or a tuple of them for Adam) under key "w"."""
    return tuple(s["w"] for s in state) if isinstance(state, tuple) else (state["w"],)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_large_arrays_match_the_reference_and_stay_untouched(rule):
    # More elements than one cache-sized chunk, an odd count (a short last chunk), float32.
    rng = np.random.default_rng(3)
    p = rng.standard_normal(200_003).astype("float32")
    g = rng.standard_normal(200_003).astype("float32")
    p_copy, g_copy = p.copy(), g.copy()
    new1, state1 = rule.step({"w": p}, {"w": g}, None, 1, 0.01)
    state1_copy = [a.copy() for a in _arrays(state1)]
    new2, state2 = rule.step(new1, {"w": g}, state1, 2, 0.01)
    ref1, ref_state1 = rule.reference(p.astype(float), g.astype(float), None, 1, 0.01)
    ref2, ref_state2 = rule.reference(ref1, g.astype(float), ref_state1, 2, 0.01)
    np.testing.assert_allclose(new2["w"], ref2, rtol=1e-5, atol=1e-6)
    refs = ref_state2 if isinstance(ref_state2, tuple) else (ref_state2,)
    for ours, ref in zip(_arrays(state2), refs, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-8)
    # Pure: neither the inputs nor the previous state were written, nothing is shared.
    np.testing.assert_array_equal(p, p_copy)
    np.testing.assert_array_equal(g, g_copy)
    for before, after in zip(state1_copy, _arrays(state1), strict=True):
        np.testing.assert_array_equal(after, before)
    outputs = [new2["w"], *_arrays(state2)]
    for out in outputs:
        assert out.dtype == np.float32
        assert not any(np.shares_memory(out, x) for x in (p, g, new1["w"], *_arrays(state1)))
