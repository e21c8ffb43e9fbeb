"""Initializers: distributions, layouts, dtypes, fan values, randomness and errors."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import extractdata


def rng(seed=0):
    return np.random.default_rng(seed)


def test_glorot_bound_and_variance():
    W = extractdata(dl.init.glorot((200, 300), 200, 300, rng=rng()))
    bound = np.sqrt(6 / 500)
    assert W.shape == (200, 300) and W.dtype == np.float32
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.99 * bound
    assert np.var(W) == pytest.approx(bound ** 2 / 3, rel=0.02)


def test_glorot_is_the_matlab_transcription():
    # initializeGlorot: b*(2*rand(sz)-1) with the same uniform draws
    expected = np.sqrt(6 / 7) * (2 * rng(3).random((3, 4)) - 1)
    W = extractdata(dl.init.glorot((3, 4), 3, 4, rng=rng(3)))
    np.testing.assert_allclose(W, expected.astype(np.float32))


def test_he_gaussian_narrow_normal_uniform_statistics():
    he = extractdata(dl.init.he((400, 100), 100, rng=rng()))
    assert np.std(he) == pytest.approx(np.sqrt(2 / 100), rel=0.02)
    g = extractdata(dl.init.gaussian((200, 200), 3.0, 0.5, rng=rng()))
    assert np.mean(g) == pytest.approx(3.0, abs=0.01) and np.std(g) == pytest.approx(0.5, rel=0.02)
    nn = extractdata(dl.init.narrow_normal((200, 200), rng=rng()))
    assert np.std(nn) == pytest.approx(0.01, rel=0.02)
    u = extractdata(dl.init.uniform((200, 200), 0.3, rng=rng()))
    assert np.abs(u).max() <= 0.3 and np.var(u) == pytest.approx(0.09 / 3, rel=0.02)


@pytest.mark.parametrize("shape", [(12, 3), (5, 5), (3, 12)])
def test_orthogonal(shape):
    W = extractdata(dl.init.orthogonal(shape, rng=rng())).astype(np.float64)
    assert W.shape == shape
    small = min(shape)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


def test_orthogonal_sign_convention():
    # Q*diag(sign(diag(R))) makes diag(R) positive: Q'Z has a positive diagonal
    Z = rng(4).standard_normal((6, 3))
    Q = extractdata(dl.init.orthogonal((6, 3), rng=rng(4))).astype(np.float64)
    assert np.all(np.diag(Q.T @ Z) > 0)


def test_unit_forget_gate_zeros_ones():
    b = extractdata(dl.init.unit_forget_gate(3))
    assert b.shape == (12, 1) and b.dtype == np.float32
    np.testing.assert_array_equal(b.ravel(), [0] * 3 + [1] * 3 + [0] * 6)
    assert extractdata(dl.init.zeros((2, 3))).sum() == 0
    assert extractdata(dl.init.ones((2, 3))).sum() == 6


def test_outputs_are_unformatted_float32_dlarrays_and_dtype_option():
    for value in (dl.init.glorot((2, 3), 2, 3, rng=rng()), dl.init.he((2, 3), 3, rng=rng()),
                  dl.init.zeros((2,)), dl.init.orthogonal((3, 3), rng=rng())):
        assert isinstance(value, dl.dlarray) and value.fmt == "" and value.dtype == np.float32
    assert dl.init.he((2, 2), 2, rng=rng(), dtype="float64").dtype == np.float64


def test_same_generator_state_gives_same_values_and_no_global_seeding():
    state = np.random.get_state()[1].copy()
    a = extractdata(dl.init.glorot((4, 4), 4, 4, rng=rng(7)))
    b = extractdata(dl.init.glorot((4, 4), 4, 4, rng=rng(7)))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("kind, shape, expected", [
    ("fullyconnect", (10, 784), (784, 10)),
    ("conv", (5, 5, 1, 20), (25, 500)),
    ("conv", (3, 3, 3, 16, 8), (27 * 16, 27 * 8)),
    ("grouped-conv", (3, 3, 4, 8, 2), (36, 72)),
    ("transposed-conv", (4, 4, 16, 32), (256, 512)),
    ("lstm", (400, 12), (12, 400)),
    ("lstm", (400, 100), (100, 400)),
    ("gru", (300, 12), (12, 300)),
    ("embedding", (50, 1000), (1000, 50)),
])
def test_fan_in_out(kind, shape, expected):
    assert dl.init.fan_in_out(kind, shape) == expected


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="glorot: rng must be a numpy.random.Generator"):
        dl.init.glorot((2, 2), 2, 2, rng=0)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'rng'"):
        dl.init.he((2, 2), 2)
    with pytest.raises(ValueError, match=r"glorot: shape\[1\] must be positive; got 0"):
        dl.init.glorot((2, 0), 2, 2, rng=rng())
    with pytest.raises(ValueError, match="he: num_in must be positive; got -1"):
        dl.init.he((2, 2), -1, rng=rng())
    with pytest.raises(ValueError, match="gaussian: std must be >= 0"):
        dl.init.gaussian((2,), 0, -1, rng=rng())
    with pytest.raises(ValueError, match="orthogonal: shape must have two dimensions"):
        dl.init.orthogonal((2, 2, 2), rng=rng())
    with pytest.raises(ValueError, match="unit_forget_gate: num_hidden must be positive"):
        dl.init.unit_forget_gate(0)
    with pytest.raises(ValueError, match="fan_in_out: kind must be one of"):
        dl.init.fan_in_out("dense", (2, 2))
    with pytest.raises(ValueError, match="fan_in_out: shape must have two dimensions"):
        dl.init.fan_in_out("lstm", (2, 2, 2))
    with pytest.raises(TypeError, match="zeros: dtype must be a floating-point type"):
        dl.init.zeros((2,), dtype="int32")


@pytest.mark.parametrize("kind, shape", [("conv", (5, 5, 1, 20)), ("fullyconnect", (10, 784)),
                                         ("lstm", (400, 12)), ("transposed-conv", (4, 4, 8, 3))])
def test_kind_computes_the_fans_from_the_shape(kind, shape):
    num_in, num_out = dl.init.fan_in_out(kind, shape)
    same = dl.init.glorot(shape, num_out, num_in, rng=rng(3))
    np.testing.assert_array_equal(np.asarray(dl.init.glorot(shape, kind=kind, rng=rng(3))),
                                  np.asarray(same))
    np.testing.assert_array_equal(np.asarray(dl.init.he(shape, kind=kind, rng=rng(4))),
                                  np.asarray(dl.init.he(shape, num_in, rng=rng(4))))


def test_kind_and_fans_are_exclusive():
    with pytest.raises(TypeError, match="glorot: num_out must be given when kind is not; got "
                                        "None. Pass num_out and num_in, or kind="):
        dl.init.glorot((2, 2), rng=rng())
    with pytest.raises(TypeError, match="glorot: num_in must be given when kind is not"):
        dl.init.glorot((2, 2), 2, rng=rng())
    with pytest.raises(TypeError, match="he: num_in must not be given together with kind; "
                                        "got 3. kind computes"):
        dl.init.he((2, 2), 3, kind="fullyconnect", rng=rng())
    with pytest.raises(ValueError, match="glorot: kind must be one of"):
        dl.init.glorot((2, 2), kind="dense", rng=rng())
    with pytest.raises(ValueError, match="glorot: shape must be \\(\\*filter_size, in, out\\) "
                                         "for kind 'conv'"):
        dl.init.glorot((2, 2), kind="conv", rng=rng())
