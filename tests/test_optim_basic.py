"""sgdmupdate, adamupdate, dlupdate: equations, purity, containers, errors, convergence."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, extractdata


def test_sgdm_matches_hand_transcription_over_steps():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(4)
    params = {"w": dlarray(w.copy(), "C")}
    vel = None
    v_ref = np.zeros(4)
    for step in range(3):
        g = rng.standard_normal(4)
        lr = 0.1 / (1 + step)
        params, vel = dl.sgdmupdate(params, {"w": dlarray(g, "C")}, vel, lr, 0.8)
        v_ref = 0.8 * v_ref - lr * g
        w = w + v_ref
    np.testing.assert_allclose(extractdata(params["w"]), w)
    np.testing.assert_allclose(extractdata(vel["w"]), v_ref)
    assert params["w"].fmt == "C"


def test_adam_matches_hand_transcription_over_steps():
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((3, 2)).astype(np.float32)
    p = [dlarray(theta.copy())]
    m = v = None
    m_ref = np.zeros_like(theta, dtype=np.float64)
    v_ref = np.zeros_like(theta, dtype=np.float64)
    ref = theta.astype(np.float64)
    for t in range(1, 5):
        g = rng.standard_normal((3, 2)).astype(np.float32)
        p, m, v = dl.adamupdate(p, [dlarray(g)], m, v, t, 0.01, 0.5, 0.9, 1e-8)
        m_ref = 0.5 * m_ref + 0.5 * g
        v_ref = 0.9 * v_ref + 0.1 * g.astype(np.float64) ** 2
        m_hat = m_ref / (1 - 0.5 ** t)
        v_hat = v_ref / (1 - 0.9 ** t)
        ref = ref - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    assert p[0].dtype == np.float32
    np.testing.assert_allclose(extractdata(p[0]), ref, rtol=1e-5)
    np.testing.assert_allclose(extractdata(m[0]), m_ref, rtol=1e-5)
    np.testing.assert_allclose(extractdata(v[0]), v_ref, rtol=1e-5)


def test_updates_never_modify_their_inputs():
    w = dlarray(np.ones(3))
    g = dlarray(np.ones(3))
    m = dlarray(np.ones(3))
    v = dlarray(np.ones(3))
    before = [extractdata(a).copy() for a in (w, g, m, v)]
    dl.adamupdate(w, g, m, v, 2)
    dl.sgdmupdate(w, g, m)
    for a, b in zip((w, g, m, v), before):
        np.testing.assert_array_equal(extractdata(a), b)


def test_matlab_empty_state_is_accepted():
    p, vel = dl.sgdmupdate({"a": np.ones(2)}, {"a": np.ones(2)}, [], 0.5, 0.9)
    np.testing.assert_allclose(p["a"], [0.5, 0.5])


@pytest.mark.parametrize("update", ["sgdm", "adam"])
def test_converges_on_a_quadratic(update):
    target = np.array([3.0, -2.0])

    def loss(p):
        r = p["x"] - target
        return np.sum(r * r), dl.dlgradient(np.sum(r * r), p)

    params = {"x": dlarray(np.zeros(2))}
    s1 = s2 = None
    for t in range(1, 400):
        _, g = dl.dlfeval(loss, params)
        if update == "sgdm":
            params, s1 = dl.sgdmupdate(params, g, s1, 0.05, 0.9)
        else:
            params, s1, s2 = dl.adamupdate(params, g, s1, s2, t, 0.1)
    np.testing.assert_allclose(extractdata(params["x"]), target, atol=1e-3)


def test_update_errors():
    p = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"adamupdate: iteration must be positive; got 0"):
        dl.adamupdate(p, p, None, None, 0)
    with pytest.raises(TypeError, match=r"adamupdate: iteration must be an integer; got 1.5"):
        dl.adamupdate(p, p, None, None, 1.5)
    with pytest.raises(ValueError, match=r"sgdmupdate: grad must have the same structure as "
                                         r"params; got dict with 2 arrays for params with 1"):
        dl.sgdmupdate(p, {"w": np.ones(2), "b": np.ones(1)}, None)
    with pytest.raises(ValueError, match=r"sgdmupdate: grad must match the shape of params\.w "
                                         r"\(2,\); got shape \(3,\)"):
        dl.sgdmupdate(p, {"w": np.ones(3)}, None)
    with pytest.raises(ValueError, match=r"sgdmupdate: momentum must be <= 1"):
        dl.sgdmupdate(p, p, None, 0.1, 1.5)
    with pytest.raises(ValueError, match=r"adamupdate: grad_decay must be < 1"):
        dl.adamupdate(p, p, None, None, 1, 0.1, 1.0)
    with pytest.raises(TypeError, match=r"sgdmupdate: grad must hold dlarrays or numeric "
                                        r"arrays; got str at grad\.w"):
        dl.sgdmupdate(p, {"w": "x"}, None)
    with pytest.raises(TypeError, match=r"dlupdate: fun must be callable"):
        dl.dlupdate(3, p)
    with pytest.raises(ValueError, match=r"dlupdate: more\[0\] must have the same structure"):
        dl.dlupdate(lambda a, b: a, p, [np.ones(2)])


def test_dlupdate_weight_decay_clipping_and_several_outputs():
    grads = {"W": dlarray(np.array([10.0, -0.5]))}
    params = {"W": dlarray(np.array([1.0, 2.0]))}
    decayed = dl.dlupdate(lambda g, w: g + 0.1 * w, grads, params)
    np.testing.assert_allclose(extractdata(decayed["W"]), [10.1, -0.3])
    clipped = dl.dlupdate(lambda g: np.clip(g, -1, 1), grads)
    np.testing.assert_allclose(extractdata(clipped["W"]), [1.0, -0.5])
    a, b = dl.dlupdate(lambda w: (w * 2, w * 3), params)
    np.testing.assert_allclose(extractdata(b["W"]), [3.0, 6.0])


def test_tables_with_other_rows_are_rejected():
    a = dl.Learnables(["fc", "fc"], ["Weights", "Bias"], [np.ones(2), np.ones(1)])
    b = dl.Learnables(["fc", "out"], ["Weights", "Bias"], [np.ones(2), np.ones(1)])
    with pytest.raises(ValueError, match=r"sgdmupdate: grad must have the same structure"):
        dl.sgdmupdate(a, b, None)
