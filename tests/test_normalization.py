"""Normalization ops: semantics beyond the registry's generic checks, and bad input."""

import numpy as np
import pytest
from autograd.tracer import isbox

from dlnotebooks import (batchnorm, crosschannelnorm, dlarray, dlfeval, dlgradient,
                         extractdata, groupnorm, instancenorm, layernorm)


def _x(shape, fmt="SSCB", seed=0):
    return dlarray(np.random.default_rng(seed).standard_normal(shape) * 2 + 1, fmt)


def test_batchnorm_returns_biased_batch_statistics_as_column_vectors():
    X = _x((3, 4, 2, 5))
    Y, mu, var = batchnorm(X, np.zeros(2), np.ones(2))
    x = extractdata(X)
    assert mu.shape == (2, 1) and var.shape == (2, 1) and mu.fmt == ""
    np.testing.assert_allclose(extractdata(mu)[:, 0], x.mean(axis=(0, 1, 3)))
    np.testing.assert_allclose(extractdata(var)[:, 0], x.var(axis=(0, 1, 3)))
    y = extractdata(Y)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 1, 3)), x.var(axis=(0, 1, 3)) /
                               (x.var(axis=(0, 1, 3)) + 1e-5))


def test_batchnorm_running_update_uses_unbiased_variance():
    X = _x((3, 4, 2, 5))
    old_mu, old_var = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    Y, mu, var = batchnorm(X, np.zeros(2), np.ones(2), old_mu, old_var, mean_decay=0.1,
                           variance_decay=0.2)
    x = extractdata(X)
    m = 3 * 4 * 5
    np.testing.assert_allclose(extractdata(mu)[:, 0], 0.1 * x.mean(axis=(0, 1, 3)) + 0.9 * old_mu)
    np.testing.assert_allclose(extractdata(var)[:, 0], 0.2 * x.var(axis=(0, 1, 3)) * m / (m - 1)
                               + 0.8 * old_var)
    # Y still uses the batch statistics
    Y2, _, _ = batchnorm(X, np.zeros(2), np.ones(2))
    np.testing.assert_allclose(extractdata(Y), extractdata(Y2))


def test_batchnorm_inference_uses_given_statistics():
    X = _x((2, 2, 3, 4))
    mu, var = np.array([1.0, 2.0, 3.0]), np.array([4.0, 1.0, 0.25])
    Y = batchnorm(X, np.ones(3), 2 * np.ones(3), mu, var, training=False, epsilon=1e-5)
    expected = 2 * (extractdata(X) - mu[:, None]) / np.sqrt(var[:, None] + 1e-5) + 1
    np.testing.assert_allclose(extractdata(Y), expected)


def test_batchnorm_statistics_are_untraced():
    X = _x((2, 2, 3, 4))
    off, sc = dlarray(np.zeros((3, 1))), dlarray(np.ones((3, 1)))

    def f(X, off, sc):
        Y, mu, var = batchnorm(X, off, sc)
        assert not isbox(mu._data) and not isbox(var._data)
        return dlgradient(np.sum(Y ** 3), sc)

    assert dlfeval(f, X, off, sc).shape == (3, 1)


def test_groupnorm_special_cases_match_other_norms():
    X = _x((3, 2, 4, 5))
    off, sc = np.arange(4.0), np.linspace(1, 2, 4)
    np.testing.assert_allclose(extractdata(groupnorm(X, "channel-wise", off, sc)),
                               extractdata(instancenorm(X, off, sc)))
    np.testing.assert_allclose(extractdata(groupnorm(X, "all-channels", off, sc)),
                               extractdata(layernorm(X, off, sc)))
    np.testing.assert_allclose(extractdata(groupnorm(X, 4, off, sc)),
                               extractdata(instancenorm(X, off, sc)))


def test_layernorm_auto_is_channel_only_for_sequences():
    X = _x((4, 3, 5), "CBT")
    y = extractdata(layernorm(X, np.zeros(4), np.ones(4)))
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    z = extractdata(layernorm(X, np.zeros(4), np.ones(4), operation_dimension="batch-excluded"))
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0, atol=1e-12)


def test_crosschannelnorm_edges_use_fewer_terms():
    X = dlarray(np.array([1.0, 2.0, 3.0, 4.0]).reshape(4, 1), "CB")
    y = extractdata(crosschannelnorm(X, 3, alpha=1.0, beta=1.0, k=1e-5))[:, 0]
    ss = np.array([1 + 4, 1 + 4 + 9, 4 + 9 + 16, 9 + 16])
    np.testing.assert_allclose(y, np.array([1.0, 2.0, 3.0, 4.0]) / (1e-5 + ss / 3))


def test_float32_statistics_stay_float32():
    X = dlarray(np.ones((2, 2, 3, 4), "float32"), "SSCB")
    Y, mu, var = batchnorm(X, np.zeros(3, "float32"), np.ones(3, "float32"))
    assert Y.dtype == mu.dtype == var.dtype == np.float32


@pytest.mark.parametrize("call,exc,match", [
    (lambda: batchnorm(_x((3, 4), "SB"), np.zeros(1), np.ones(1)), ValueError,
     r"batchnorm: X must have a 'C' dimension"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(2), np.ones(3)), ValueError,
     r"batchnorm: offset must have 3 elements \(one per channel\)"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(3), np.zeros(3)), ValueError,
     r"batchnorm: variance must be given together with mean"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(3), training=False), ValueError,
     r"batchnorm: mean must be given when training=False"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(3), np.zeros(3), np.ones(3),
                       mean_decay=1.5), ValueError, r"batchnorm: mean_decay must be <= 1"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(3), epsilon=0), ValueError,
     r"batchnorm: epsilon must be > 0"),
    (lambda: batchnorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(3), np.zeros(2), np.ones(3)),
     ValueError, r"batchnorm: mean must have 3 elements"),
    (lambda: groupnorm(_x((2, 2, 3, 4)), 2, np.zeros(3), np.ones(3)), ValueError,
     r"groupnorm: num_groups must divide the number of channels \(3\)"),
    (lambda: groupnorm(_x((2, 2, 3, 4)), "some", np.zeros(3), np.ones(3)), ValueError,
     r"groupnorm: num_groups must be one of"),
    (lambda: groupnorm(_x((2, 2, 3, 4)), 0, np.zeros(3), np.ones(3)), ValueError,
     r"groupnorm: num_groups must be positive"),
    (lambda: instancenorm(_x((2, 2, 3, 4)), np.zeros(3), np.ones(4)), ValueError,
     r"instancenorm: scale_factor must have 3 elements"),
    (lambda: layernorm(_x((3, 4), "CB"), np.zeros(3), np.ones(3),
                       operation_dimension="time"), ValueError,
     r"layernorm: operation_dimension must be one of"),
    (lambda: layernorm(np.ones((3, 4)), np.zeros(3), np.ones(3)), ValueError,
     r"layernorm: X must be a formatted dlarray or come with data_format"),
    (lambda: crosschannelnorm(_x((3, 4), "CB"), 0), ValueError,
     r"crosschannelnorm: window_size must be positive"),
    (lambda: crosschannelnorm(_x((3, 4), "SB"), 3), ValueError,
     r"crosschannelnorm: X must have a 'C' dimension"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_float64_parameters_do_not_promote_float32_data():
    X = dlarray(np.random.default_rng(0).standard_normal((2, 2, 3, 4)).astype("float32"),
                "SSCB")
    Y, _, _ = batchnorm(X, np.zeros(3), np.ones(3), np.zeros(3), np.ones(3))
    assert Y.dtype == np.float32
    Y = batchnorm(X, np.zeros(3), np.ones(3), np.zeros(3), np.ones(3), training=False)
    assert Y.dtype == np.float32
    assert layernorm(X, np.zeros(3), np.ones(3)).dtype == np.float32
