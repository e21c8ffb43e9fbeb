"""ctc: brute-force agreement, masks, batching, numerical range, errors."""

import itertools

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def _probs(rng, C, N, T):
    e = np.exp(rng.standard_normal((C, N, T)))
    return e / e.sum(axis=0, keepdims=True)


def _brute_force(y, labels, blank):
    """-log of the summed probability of every path of length T that collapses to labels."""
    C, T = y.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in collapsed if k != blank] == list(labels):
            total += np.prod([y[k, t] for t, k in enumerate(path)])
    return -np.log(total)


@pytest.mark.parametrize("labels,blank", [([1, 2], 0), ([1, 1], 0), ([2], 0), ([0, 1, 0], 3),
                                          ([], 0)])
def test_matches_enumeration_of_all_paths(labels, blank):
    rng = np.random.default_rng(0)
    C, T = 4, 5
    y = _probs(rng, C, 1, T)
    S = max(len(labels), 1)
    targets = np.zeros((1, S), dtype=int) + (1 if blank == 0 else 0)
    targets[0, :len(labels)] = labels
    tmask = np.zeros((1, S), dtype=bool)
    tmask[0, :len(labels)] = True
    loss = dl.ctc(dlarray(y, "CBT"), targets, np.ones((1, T)), tmask, blank_index=blank)
    assert float(loss) == pytest.approx(_brute_force(y[:, 0], labels, blank), rel=1e-12)


def test_batch_equals_observations_one_at_a_time_and_reductions():
    rng = np.random.default_rng(1)
    C, N, T, S = 6, 5, 9, 4
    Y = _probs(rng, C, N, T)
    targets = rng.integers(1, C, size=(N, S))
    tlen = np.array([1, 4, 2, 3, 0])
    ylen = np.array([9, 8, 5, 9, 3])
    tmask = np.arange(S)[None] < tlen[:, None]
    ymask = np.arange(T)[None] < ylen[:, None]
    per_obs = [float(dl.ctc(dlarray(Y[:, n:n + 1, :ylen[n]], "CBT"), targets[n:n + 1, :tlen[n]]
                            if tlen[n] else np.ones((1, 1), int), np.ones((1, ylen[n])),
                            np.ones((1, max(tlen[n], 1))) * (tlen[n] > 0)))
               for n in range(N)]
    mean = dl.ctc(dlarray(Y, "CBT"), targets, ymask, tmask)
    total = dl.ctc(dlarray(Y, "CBT"), targets, ymask, tmask, reduction="sum")
    assert float(mean) == pytest.approx(np.mean(per_obs), rel=1e-12)
    assert float(total) == pytest.approx(np.sum(per_obs), rel=1e-12)
    assert mean.fmt == "" and mean.shape == ()


def test_masks_select_entries_in_order_and_masked_steps_get_no_gradient():
    rng = np.random.default_rng(2)
    C, T = 5, 7
    Y = dlarray(_probs(rng, C, 1, T), "CBT")
    ymask = np.array([[0, 1, 1, 0, 1, 1, 1]], dtype=bool)  # left padding and a gap
    targets = np.array([[9, 3, 1, 9]])  # 9s are padding outside the mask
    tmask = np.array([[0, 1, 1, 0]], dtype=bool)
    loss = dl.ctc(Y, targets, ymask, tmask)
    compact = dlarray(extractdata(Y)[:, :, ymask[0]], "CBT")
    ref = dl.ctc(compact, np.array([[3, 1]]), np.ones((1, 5)), np.ones((1, 2)))
    assert float(loss) == pytest.approx(float(ref), rel=1e-12)
    g = dlfeval(lambda Y: dlgradient(dl.ctc(Y, targets, ymask, tmask), Y), Y)
    assert np.all(extractdata(g)[:, :, ~ymask[0]] == 0)
    assert np.all(np.isfinite(extractdata(g)))


def test_long_sequences_do_not_underflow_and_zero_probabilities_are_fine():
    rng = np.random.default_rng(3)
    C, T = 4, 800
    y = _probs(rng, C, 1, T)
    y[3] = 0.0  # a class that never occurs: log(0) must not produce warnings or NaN
    y /= y.sum(axis=0, keepdims=True)
    Y = dlarray(y, "CBT")
    loss, g = dlfeval(lambda Y: (lambda l: (l, dlgradient(l, Y)))(
        dl.ctc(Y, np.array([[1, 2, 1]]), np.ones((1, T)), np.ones((1, 3)))), Y)
    assert np.isfinite(float(loss)) and float(loss) > 100
    assert np.all(np.isfinite(extractdata(g)))


def test_impossible_target_gives_inf_loss_and_zero_gradient():
    y = np.full((3, 1, 3), 1 / 3)
    y[2] = 0.0
    y /= y.sum(axis=0, keepdims=True)
    Y = dlarray(y, "CBT")
    loss, g = dlfeval(lambda Y: (lambda l: (l, dlgradient(l, Y)))(
        dl.ctc(Y, np.array([[2]]), np.ones((1, 3)), np.ones((1, 1)))), Y)
    assert float(loss) == np.inf
    assert np.all(extractdata(g) == 0)


def test_float32_stays_float32():
    rng = np.random.default_rng(4)
    Y = dlarray(_probs(rng, 5, 2, 6).astype(np.float32), "CBT")
    loss = dl.ctc(Y, np.array([[1, 2], [3, 3]]), np.ones((2, 6)), np.ones((2, 2)))
    assert loss.dtype == np.float32


def _call(**overrides):
    rng = np.random.default_rng(5)
    args = dict(Y=dlarray(_probs(rng, 4, 2, 5), "CBT"), targets=np.array([[1, 2], [3, 1]]),
                Y_mask=np.ones((2, 5)), target_mask=np.ones((2, 2)))
    args.update(overrides)
    return dl.ctc(args.pop("Y"), args.pop("targets"), args.pop("Y_mask"),
                  args.pop("target_mask"), **args)


@pytest.mark.parametrize("overrides,exc,match", [
    (dict(targets=np.array([[1, 1, 1, 2], [1, 2, 3, 1]]), target_mask=np.ones((2, 4))),
     ValueError, r"ctc: targets of observation 0 cannot fit the input length: 4 labels with 2 "
                 r"repeated neighbours need at least 6 time steps; got 5 time steps in Y_mask"),
    (dict(Y_mask=np.array([[1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])), ValueError,
     r"ctc: targets of observation 1 cannot fit the input length"),
    (dict(targets=np.array([[1, 4], [3, 1]])), ValueError,
     r"ctc: targets must hold 0-based class indices in \[0, 3\]; got values such as \[4\]"),
    (dict(targets=np.array([[1, 0], [3, 1]])), ValueError,
     r"ctc: targets must not contain the blank index 0"),
    (dict(targets=np.array([[1.5, 2], [3, 1]])), ValueError, r"ctc: targets must hold integer"),
    (dict(Y_mask=np.ones((2, 4))), ValueError, r"ctc: Y_mask must have shape \(N, T\) = "
                                               r"\(2, 5\); got shape \(2, 4\)"),
    (dict(target_mask=np.ones((3, 2))), ValueError, r"ctc: target_mask must have shape"),
    (dict(Y_mask=np.full((2, 5), 0.5)), ValueError, r"ctc: Y_mask must hold logical values"),
    (dict(Y_mask=np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]), targets=np.array([[1, 2], [3, 1]]),
          target_mask=np.array([[1, 1], [0, 0]])), ValueError,
     r"ctc: Y_mask must include at least one time step per observation; got none for "
     r"observation 1"),
    (dict(blank_index=4), ValueError, r"ctc: blank_index must be a 0-based class index below 4"),
    (dict(reduction="none"), ValueError, r"ctc: reduction must be one of 'mean', 'sum'"),
    (dict(Y=dlarray(np.ones((4, 2)), "CB")), ValueError, r'ctc: Y must have format "CBT"'),
])
def test_errors(overrides, exc, match):
    with pytest.raises(exc, match=match):
        _call(**overrides)


def test_higher_derivatives_raise():
    rng = np.random.default_rng(6)
    Z = dlarray(rng.standard_normal((4, 1, 5)), "CBT")

    def second(Z):
        loss = dl.ctc(dl.softmax(Z), np.array([[1, 2]]), np.ones((1, 5)), np.ones((1, 2)))
        g = dlgradient(loss, Z, enable_higher_derivatives=True)
        return dlgradient(np.sum(g ** 2), Z)

    with pytest.raises(RuntimeError, match=r"ctc: higher derivatives are not supported through "
                                           r"ctc; MATLAB does not support them either"):
        dlfeval(second, Z)


def _loss_and_grad(Y, targets, ymask, tmask):
    def f(Y):
        loss = dl.ctc(Y, targets, ymask, tmask, reduction="sum")
        return loss, dlgradient(loss, Y)

    loss, g = dlfeval(f, dlarray(Y, "CBT"))
    return float(loss), extractdata(g)


def test_gradient_of_a_batch_with_scattered_masks_equals_each_observation_alone():
    rng = np.random.default_rng(7)
    C, N, T, S = 5, 4, 12, 3
    Y = _probs(rng, C, N, T)
    targets = rng.integers(1, C, size=(N, S))
    ymask = rng.random((N, T)) < 0.7
    ymask[:, :S * 2 + 1] = True  # long enough for any target
    ymask[0] = True
    tmask = np.arange(S)[None] < np.array([3, 1, 2, 3])[:, None]
    _, g = _loss_and_grad(Y, targets, ymask, tmask)
    for n in range(N):
        keep = ymask[n]
        _, g_n = _loss_and_grad(Y[:, n:n + 1, keep], targets[n:n + 1, tmask[n]],
                                     np.ones((1, keep.sum())), np.ones((1, tmask[n].sum())))
        np.testing.assert_allclose(g[:, n, keep], g_n[:, 0], rtol=1e-10, atol=1e-12)
        assert np.all(g[:, n, ~keep] == 0)


def test_confident_predictions_over_long_sequences_match_log_space_reference():
    # Probabilities down to 1e-30 over 300 steps: the scaled recursion must agree with a
    # straightforward log-space evaluation.
    rng = np.random.default_rng(8)
    C, T = 4, 300
    logits = rng.standard_normal((C, 1, T)) * 25
    Y = np.exp(logits - logits.max(axis=0, keepdims=True))
    Y /= Y.sum(axis=0, keepdims=True)
    labels = [1, 2, 2, 3]
    loss, g = _loss_and_grad(Y, np.array([labels]), np.ones((1, T)), np.ones((1, 4)))
    ext = [0, 1, 0, 2, 0, 2, 0, 3, 0]
    with np.errstate(divide="ignore"):
        ly = np.log(Y[:, 0])
    a = np.full(len(ext), -np.inf)
    a[:2] = ly[ext[:2], 0]
    for t in range(1, T):
        prev = a.copy()
        for s in range(len(ext)):
            terms = [prev[s]] + ([prev[s - 1]] if s else [])
            if s > 1 and ext[s] != 0 and ext[s] != ext[s - 2]:
                terms.append(prev[s - 2])
            a[s] = np.logaddexp.reduce(terms) + ly[ext[s], t]
    assert loss == pytest.approx(-np.logaddexp(a[-1], a[-2]), rel=1e-9)
    assert np.all(np.isfinite(g))


# ---------------------------------------------------------------- ctc(softmax(Z))
# dlgradient goes from ctc straight to softmax's logits when softmax's output feeds ctc alone
# (gradient y - posterior); multiplying by 1 puts an operation between them, so the chain rule
# runs through softmax as written. The two must agree to rounding.

def _softmax_ctc_grads(Z, targets, ymask, tmask, *, between=False, extra=None, wrt_y=False,
                       **options):
    def f(Z):
        Y = dl.softmax(Z)
        loss = dl.ctc(Y * 1.0 if between else Y, targets, ymask, tmask, **options)
        if extra is not None:
            loss = loss + extra(Y)
        if wrt_y:
            return loss, dlgradient(loss, Z, Y)
        return loss, dlgradient(loss, Z)

    return dlfeval(f, Z)


def _ctc_case(rng, C=6, N=5, T=11, S=3, dtype=np.float64):
    Z = dlarray((rng.standard_normal((C, N, T)) * 2).astype(dtype), "CBT")
    targets = rng.integers(1, C, size=(N, S))
    targets[0, 1] = targets[0, 0]  # a repeated label
    tmask = np.arange(S)[None] < np.array([3, 1, 0, 2, 3])[:N, None]
    return Z, targets, tmask


@pytest.mark.parametrize("masks", ["full", "scattered"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_then_ctc_gradient_equals_the_chain_through_softmax(masks, reduction):
    rng = np.random.default_rng(10)
    Z, targets, tmask = _ctc_case(rng)
    ymask = np.ones((5, 11), dtype=bool)
    if masks == "scattered":
        ymask[1, [0, 4, 5]] = False
        ymask[3, 8:] = False
    loss, g = _softmax_ctc_grads(Z, targets, ymask, tmask, reduction=reduction)
    loss_ref, g_ref = _softmax_ctc_grads(Z, targets, ymask, tmask, between=True,
                                         reduction=reduction)
    assert float(loss) == float(loss_ref)
    assert g.fmt == "CBT" and g.dtype == np.float64
    np.testing.assert_allclose(extractdata(g), extractdata(g_ref), rtol=1e-10, atol=1e-13)
    assert np.all(extractdata(g)[:, ~ymask] == 0)


def test_softmax_then_ctc_gradient_matches_finite_differences():
    rng = np.random.default_rng(11)
    Z, targets, tmask = _ctc_case(rng, N=4, T=8)
    ymask = np.ones((4, 8), dtype=bool)
    ymask[2, 6:] = False
    _, g = _softmax_ctc_grads(Z, targets, ymask, tmask)
    z = extractdata(Z)
    h = 1e-6
    for _ in range(4):
        v = rng.standard_normal(z.shape)
        plus = float(dl.ctc(dl.softmax(dlarray(z + h * v, "CBT")), targets, ymask, tmask))
        minus = float(dl.ctc(dl.softmax(dlarray(z - h * v, "CBT")), targets, ymask, tmask))
        assert float(np.sum(extractdata(g) * v)) == pytest.approx((plus - minus) / (2 * h),
                                                                  rel=1e-6, abs=1e-9)


def test_softmax_output_used_elsewhere_or_differentiated_too():
    rng = np.random.default_rng(12)
    Z, targets, tmask = _ctc_case(rng)
    ymask = np.ones((5, 11), dtype=bool)
    W = rng.standard_normal((6, 5, 11))

    def extra(Y):
        return np.sum(Y * Y * W)

    _, g = _softmax_ctc_grads(Z, targets, ymask, tmask, extra=extra)
    _, g_ref = _softmax_ctc_grads(Z, targets, ymask, tmask, extra=extra, between=True)
    np.testing.assert_allclose(extractdata(g), extractdata(g_ref), rtol=1e-10, atol=1e-13)
    # Asking for the gradient with respect to softmax's output as well.
    _, (gz, gy) = _softmax_ctc_grads(Z, targets, ymask, tmask, wrt_y=True)
    _, g_ref = _softmax_ctc_grads(Z, targets, ymask, tmask, between=True)
    np.testing.assert_allclose(extractdata(gz), extractdata(g_ref), rtol=1e-10, atol=1e-13)
    Y = dl.softmax(Z)
    _, gy_ref = _loss_and_grad(extractdata(Y), targets, ymask, tmask)
    np.testing.assert_allclose(extractdata(gy), gy_ref / 5, rtol=1e-10, atol=1e-13)


def test_softmax_then_ctc_in_float32_impossible_targets_and_log_space():
    rng = np.random.default_rng(13)
    Z, targets, tmask = _ctc_case(rng, dtype=np.float32)
    ymask = np.ones((5, 11), dtype=bool)
    loss, g = _softmax_ctc_grads(Z, targets, ymask, tmask)
    _, g_ref = _softmax_ctc_grads(Z, targets, ymask, tmask, between=True)
    assert loss.dtype == np.float32 and g.dtype == np.float32
    np.testing.assert_allclose(extractdata(g), extractdata(g_ref), rtol=1e-4, atol=1e-7)
    # A class whose probability underflows to 0 makes observation 0's target impossible.
    z = extractdata(Z).astype(np.float64)
    z[targets[0, 0], 0] = -1e4
    loss, g = _softmax_ctc_grads(dlarray(z, "CBT"), targets, ymask, tmask, reduction="sum")
    _, g_ref = _softmax_ctc_grads(dlarray(z, "CBT"), targets, ymask, tmask, reduction="sum",
                                  between=True)
    assert float(loss) == np.inf
    assert np.all(extractdata(g)[:, 0] == 0)
    np.testing.assert_allclose(extractdata(g), extractdata(g_ref), rtol=1e-10, atol=1e-13)
    # Confident predictions over many steps: the log-space recursions.
    z = rng.standard_normal((4, 2, 300)) * 25
    t = np.array([[1, 2, 2], [3, 1, 1]])
    args = (np.ones((2, 300), dtype=bool), np.ones((2, 3), dtype=bool))
    loss, g = _softmax_ctc_grads(dlarray(z, "CBT"), t, *args)
    loss_ref, g_ref = _softmax_ctc_grads(dlarray(z, "CBT"), t, *args, between=True)
    assert np.isfinite(float(loss)) and float(loss) == float(loss_ref)
    np.testing.assert_allclose(extractdata(g), extractdata(g_ref), rtol=1e-9, atol=1e-12)


def test_softmax_then_ctc_gradient_stays_finite_where_the_float32_chain_overflows():
    # p(target) = y_1 = e^-100 / 2, a float32 subnormal: dloss/dy_1 = -1 / y_1 overflows
    # float32, but dloss/dz = y - posterior = (0.5, -1, 0.5) does not.
    Z = dlarray(np.array([[[0.0]], [[-100.0]], [[0.0]]], dtype=np.float32), "CBT")
    args = (np.array([[1]]), np.ones((1, 1), dtype=bool), np.ones((1, 1), dtype=bool))
    loss, g = _softmax_ctc_grads(Z, *args)
    y1 = float(extractdata(dl.softmax(Z))[1, 0, 0])
    assert 0 < y1 < 1e-43 and float(loss) == pytest.approx(-np.log(y1), rel=1e-6)
    np.testing.assert_allclose(extractdata(g)[:, 0, 0], [0.5, -1.0, 0.5], rtol=1e-6)
    with np.errstate(all="ignore"):
        _, g_chain = _softmax_ctc_grads(Z, *args, between=True)
    assert not np.all(np.isfinite(extractdata(g_chain)))
