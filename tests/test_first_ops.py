"""Behaviour and bad input of the first ops: activations, fullyconnect, losses, encoding."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, extractdata


def test_fullyconnect_flattens_column_major_like_matlab():
    # feature index = s1 + S1*(s2 + S2*c), MATLAB's column-major order
    X = np.arange(12.0).reshape(2, 3, 2, 1)  # S1=2, S2=3, C=2, N=1
    W = np.zeros((1, 12))
    W[0, 1 + 2 * (2 + 3 * 1)] = 1.0  # picks X[1, 2, 1, 0]
    Y = dl.fullyconnect(dlarray(X, "SSCB"), W, np.zeros(1))
    assert float(Y) == X[1, 2, 1, 0]


def test_fullyconnect_data_format_output_follows_input_order():
    X = np.random.default_rng(0).standard_normal((5, 4))  # "BC"
    W = np.ones((3, 4))
    Y = dl.fullyconnect(X, W, np.zeros((3, 1)), data_format="BC")
    assert Y.fmt == "" and Y.shape == (5, 3)
    np.testing.assert_allclose(extractdata(Y), X @ W.T)


def test_fullyconnect_errors():
    X = dlarray(np.ones((7, 2)), "CB")
    with pytest.raises(ValueError, match=r"fullyconnect: weights have 5 input columns but X has "
                                         r"7 features \(format \"CB\""):
        dl.fullyconnect(X, np.ones((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"fullyconnect: bias must have 3 elements"):
        dl.fullyconnect(X, np.ones((3, 7)), np.zeros(4))
    with pytest.raises(ValueError, match=r"fullyconnect: weights must be a matrix"):
        dl.fullyconnect(X, np.ones(7), np.zeros(1))
    with pytest.raises(ValueError, match=r"fullyconnect: X must be a formatted dlarray or come "
                                         r"with data_format"):
        dl.fullyconnect(np.ones((7, 2)), np.ones((3, 7)), np.zeros(3))
    with pytest.raises(ValueError, match=r"fullyconnect: X must have a 'C' dimension; got "
                                         r"format \"SB\""):
        dl.fullyconnect(dlarray(np.ones((7, 2)), "SB"), np.ones((3, 7)), np.zeros(3))
    with pytest.raises(ValueError, match=r"fullyconnect: data_format must not be given for a "
                                         r"formatted input"):
        dl.fullyconnect(X, np.ones((3, 7)), np.zeros(3), data_format="CB")
    with pytest.raises(TypeError, match=r"fullyconnect: weights must be a dlarray or a numeric "
                                        r"array; got str"):
        dl.fullyconnect(X, "w", np.zeros(3))


def test_softmax_needs_channels_and_is_stable():
    with pytest.raises(ValueError, match=r"softmax: X must have a 'C' dimension"):
        dl.softmax(dlarray(np.ones((3, 2)), "SB"))
    Y = dl.softmax(dlarray(np.array([[1000.0], [0.0]]), "CB"))
    np.testing.assert_allclose(extractdata(Y)[:, 0], [1.0, 0.0])


def test_activation_option_errors():
    X = dlarray(np.ones(3), "C")
    with pytest.raises(ValueError, match=r"gelu: approximation must be one of 'none', 'tanh'; "
                                         r"got 'erf'"):
        dl.gelu(X, "erf")
    with pytest.raises(TypeError, match=r"leakyrelu: scale_factor must be a real number"):
        dl.leakyrelu(X, "big")
    with pytest.raises(ValueError, match=r"relu: data_format must have one label per "
                                         r"dimension of X"):
        dl.relu(np.ones((2, 2)), data_format="C")


def test_activations_on_plain_arrays_and_nan():
    Y = dl.relu(np.array([-1.0, np.nan, 2.0]))
    assert Y.fmt == "" and np.isnan(extractdata(Y)[1])
    assert float(dl.sigmoid(dlarray(np.array([-800.0]))).item()) == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_on_a_large_array_matches_max_and_its_gradient_the_mask(dtype):
    # Large enough for relu's row-by-row path (several rows and a ragged remainder), with
    # NaN, -0.0 and +0.0 in the first row and in the remainder.
    x = np.random.default_rng(1).standard_normal(3 * 4096 + 77).astype(dtype)
    x[[5, -3]] = np.nan
    x[[6, -2]] = -0.0
    x[[7, -1]] = 0.0
    X = dlarray(x.reshape(-1, 1), "CB")
    Y = extractdata(dl.relu(X))[:, 0]
    assert Y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(Y, np.maximum(x, 0))
    grad = dl.dlfeval(lambda X: dl.dlgradient(np.sum(dl.relu(X) * 3.0), X), X)
    np.testing.assert_array_equal(extractdata(grad)[:, 0], np.where(x > 0, 3.0, 0.0))


def test_crossentropy_matches_matlab_numeric_example():
    rng = np.random.default_rng(0)
    Y = dl.softmax(dlarray(rng.standard_normal((10, 12)) * 0.01, "CB"))
    T = dl.onehotencode(rng.integers(0, 10, 12), 0, classes=10)
    assert float(dl.crossentropy(Y, T)) == pytest.approx(np.log(10), rel=1e-2)


def test_mse_and_l2loss_normalisation():
    Y = dlarray(np.random.default_rng(1).uniform(size=(6, 6, 1, 1)), "SSCB")
    T = np.ones((6, 6, 1, 1))
    s = np.sum((extractdata(Y) - T) ** 2)
    assert float(dl.mse(Y, T)) == pytest.approx(s / 2)
    Y2 = dlarray(np.ones((10, 12)), "CB")
    assert float(dl.l2loss(Y2, np.zeros((10, 12)))) == pytest.approx(120 / 12)
    assert float(dl.l2loss(Y2, np.zeros((10, 12)),
                           normalization_factor="all-elements")) == pytest.approx(1.0)


def test_huber_is_smooth_l1_at_transition_one():
    Y = dlarray(np.array([[0.5, -3.0]]), "CB")
    assert float(dl.huber(Y, np.zeros((1, 2)))) == pytest.approx((0.125 + 2.5) / 2)


def test_targets_can_be_formatted_in_the_same_way():
    Y = dlarray(np.full((3, 2), 0.5), "CB")
    T = dlarray(np.ones((2, 3)), "BC")
    assert float(dl.l1loss(Y, T)) == pytest.approx(6 * 0.5 / 2)


def test_loss_errors():
    Y = dlarray(np.full((3, 2), 0.5), "CB")
    with pytest.raises(ValueError, match=r"crossentropy: targets must have the same size as Y "
                                         r"\(3, 2\); got shape \(2, 3\)\. For class labels, use "
                                         r"onehotencode first"):
        dl.crossentropy(Y, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"crossentropy: reduction must be one of 'sum', "
                                         r"'none'; got 'mean'"):
        dl.crossentropy(Y, np.ones((3, 2)), reduction="mean")
    with pytest.raises(ValueError, match=r"l2loss: normalization_factor must be one of"):
        dl.l2loss(Y, np.ones((3, 2)), normalization_factor="batch")
    with pytest.raises(ValueError, match=r"l1loss: weights must be broadcastable to Y's size "
                                         r"\(3, 2\); got shape \(4,\)"):
        dl.l1loss(Y, np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match=r"huber: transition_point must be > 0"):
        dl.huber(Y, np.ones((3, 2)), transition_point=0)
    with pytest.raises(ValueError, match=r"crossentropy: classification_mode must be one of"):
        dl.crossentropy(Y, np.ones((3, 2)), classification_mode="binary")
    with pytest.raises(ValueError, match=r"mse: targets must have the format of Y"):
        dl.mse(Y, dlarray(np.ones((3, 2)), "SB"))
    with pytest.raises(ValueError, match=r"mse: Y must be a formatted dlarray or come with "
                                         r"data_format"):
        dl.mse(np.ones((3, 2)), np.ones((3, 2)))


def test_crossentropy_weights_and_mask():
    Y = dlarray(np.array([[0.5, 0.25], [0.5, 0.75]]), "CB")
    T = np.array([[1.0, 0.0], [0.0, 1.0]])
    weighted = dl.crossentropy(Y, T, dlarray(np.array([2.0, 1.0]), "C"))
    assert float(weighted) == pytest.approx((-2 * np.log(0.5) - np.log(0.75)) / 2)
    masked = dl.crossentropy(Y, T, mask=np.array([[1.0, 0.0]]),
                             normalization_factor="mask-included")
    assert float(masked) == pytest.approx(-np.log(0.5))


def test_crossentropy_zero_probability_is_finite():
    Y = dlarray(np.array([[0.0], [1.0]], dtype=np.float32), "CB")
    with pytest.warns(RuntimeWarning, match=r"crossentropy: 1 predicted probabilities"):
        loss = dl.crossentropy(Y, np.array([[1.0], [0.0]], dtype=np.float32))
    assert np.isfinite(float(loss)) and loss.dtype == np.float32


def test_onehot_round_trip_and_errors():
    labels = np.array(["cat", "dog", "cat"])
    T = dl.onehotencode(labels, 0, ["cat", "dog"])
    assert T.shape == (2, 3) and T.dtype == np.float32
    np.testing.assert_array_equal(dl.onehotdecode(T, ["cat", "dog"], 0), labels)
    assert dl.onehotencode([0, 2], 1, classes=3).shape == (2, 3)
    with pytest.raises(ValueError, match=r"onehotencode: labels contain values that are not "
                                         r"among classes; got \['bird'\]"):
        dl.onehotencode(np.array(["bird"]), 0, ["cat", "dog"])
    with pytest.raises(ValueError, match=r"onehotencode: feature_dim must be a singleton"):
        dl.onehotencode(np.zeros((2, 3), dtype=int), 0, classes=3)
    with pytest.raises(ValueError, match=r"onehotdecode: classes must have one entry per "
                                         r"score along dimension 0 \(2\)"):
        dl.onehotdecode(np.ones((2, 3)), ["a", "b", "c"], 0)
    with pytest.raises(TypeError, match=r"onehotencode: feature_dim must be an integer"):
        dl.onehotencode([0, 1], 0.5, classes=2)


def test_erf_has_float64_accuracy_over_the_whole_range():
    import math

    x = np.concatenate([np.linspace(-7.0, 7.0, 280001),
                        np.geomspace(1e-300, 7.0, 20001), -np.geomspace(1e-300, 7.0, 2001),
                        [5e-324, 1.5, 2.5, 3.5, 6.0, 6.0000001, 30.0, 1e300]])
    ref = np.array([math.erf(v) for v in x])
    got = extractdata(dl.erf(dlarray(x, "C")))
    ulps = np.abs(got - ref) / np.spacing(np.abs(ref))
    assert ulps.max() <= 4, f"{ulps.max()} ulps at x = {x[ulps.argmax()]!r}"
    special = extractdata(dl.erf(dlarray(np.array([np.inf, -np.inf, np.nan, -0.0]), "C")))
    assert special[0] == 1.0 and special[1] == -1.0 and np.isnan(special[2])
    assert special[3] == 0.0 and np.signbit(special[3])
    assert dl.erf(dlarray(np.ones((2, 3), dtype="float32"), "CB")).dtype == np.float32


def test_gelu_uses_the_exact_erf():
    import math

    x = np.linspace(-5.0, 5.0, 2001)
    ref = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])
    # 1 + erf(x) cancels for negative x, so the comparison is absolute there.
    np.testing.assert_allclose(extractdata(dl.gelu(dlarray(x, "C"))), ref, rtol=1e-14,
                               atol=1e-15)
