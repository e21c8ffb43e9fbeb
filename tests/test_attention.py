"""attention: heads, scale, masks, dropout, weights, errors, second derivatives."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def _qkv(rng, C=4, Cv=4, N=2, Lq=3, Lk=5):
    return (dlarray(rng.standard_normal((C, N, Lq)), "CBT"),
            dlarray(rng.standard_normal((C, N, Lk)), "CBT"),
            dlarray(rng.standard_normal((Cv, N, Lk)), "CBT"))


def _single_head(q, k, v, scale):
    """q (d, Lq), k (d, Lk), v (dv, Lk) for one observation."""
    s = scale * k.T @ q
    w = np.exp(s - s.max(axis=0))
    w /= w.sum(axis=0)
    return v @ w, w


def test_heads_take_channel_blocks_in_order_and_auto_scale():
    rng = np.random.default_rng(0)
    Q, K, V = _qkv(rng, C=6, Cv=4)
    Y, A = dl.attention(Q, K, V, 2, return_weights=True)
    q, k, v = extractdata(Q), extractdata(K), extractdata(V)
    for n in range(2):
        for h in range(2):
            y, w = _single_head(q[3 * h:3 * h + 3, n], k[3 * h:3 * h + 3, n],
                                v[2 * h:2 * h + 2, n], 1 / np.sqrt(3))
            np.testing.assert_allclose(extractdata(Y)[2 * h:2 * h + 2, n], y, rtol=1e-12)
            np.testing.assert_allclose(extractdata(A)[:, :, h, n], w, rtol=1e-12)
    assert Y.fmt == "CBT" and Y.shape == (4, 2, 3) and A.fmt == "" and A.shape == (5, 3, 2, 2)


def test_explicit_scale():
    rng = np.random.default_rng(1)
    Q, K, V = _qkv(rng)
    Y = dl.attention(Q, K, V, 1, scale=0.25)
    y, _ = _single_head(extractdata(Q)[:, 0], extractdata(K)[:, 0], extractdata(V)[:, 0], 0.25)
    np.testing.assert_allclose(extractdata(Y)[:, 0], y, rtol=1e-12)


def test_causal_mask_ignores_future_keys():
    rng = np.random.default_rng(2)
    X = dlarray(rng.standard_normal((4, 2, 6)), "CBT")
    Y = dl.attention(X, X, X, 2, attention_mask="causal")
    changed = extractdata(X).copy()
    changed[:, :, 4:] += 10.0
    Y2 = dl.attention(X, dlarray(changed, "CBT"), dlarray(changed, "CBT"), 2,
                      attention_mask="causal")
    np.testing.assert_allclose(extractdata(Y)[:, :, :4], extractdata(Y2)[:, :, :4], rtol=1e-12)
    _, A = dl.attention(X, X, X, 2, attention_mask="causal", return_weights=True)
    future = np.arange(6)[:, None] > np.arange(6)[None, :]  # key index > query index
    assert np.all(extractdata(A)[future] == 0)


def test_padding_mask_excludes_padded_keys():
    rng = np.random.default_rng(3)
    Q, K, V = _qkv(rng, N=2, Lk=5)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    Y = dl.attention(Q, K, V, 2, padding_mask=mask)
    short = dl.attention(dlarray(extractdata(Q)[:, :1], "CBT"),
                         dlarray(extractdata(K)[:, :1, :3], "CBT"),
                         dlarray(extractdata(V)[:, :1, :3], "CBT"), 2)
    np.testing.assert_allclose(extractdata(Y)[:, :1], extractdata(short), rtol=1e-12)
    # The same mask as a formatted "BT" dlarray and in the keys' layout with C of size 1.
    Yf = dl.attention(Q, K, V, 2, padding_mask=dlarray(mask, "BT"))
    Yc = dl.attention(Q, K, V, 2, padding_mask=mask.T[None, ::1].transpose(0, 2, 1))
    np.testing.assert_allclose(extractdata(Yf), extractdata(Y))
    np.testing.assert_allclose(extractdata(Yc), extractdata(Y))


def test_attention_mask_array_per_observation():
    rng = np.random.default_rng(4)
    Q, K, V = _qkv(rng, N=2, Lq=3, Lk=3)
    m = np.ones((3, 3, 2), dtype=bool)
    m[1:, :, 0] = False  # observation 0 attends to key 0 only
    Y = dl.attention(Q, K, V, 1, attention_mask=m)
    np.testing.assert_allclose(extractdata(Y)[:, 0], np.repeat(extractdata(V)[:, 0, :1], 3, 1),
                               rtol=1e-12)


def test_dropout_is_reproducible_and_scales_kept_weights():
    rng = np.random.default_rng(5)
    Q, K, V = _qkv(rng, N=3, Lq=4, Lk=6)
    _, A0 = dl.attention(Q, K, V, 2, return_weights=True)
    _, A1 = dl.attention(Q, K, V, 2, return_weights=True, dropout_probability=0.5,
                         rng=np.random.default_rng(9))
    _, A2 = dl.attention(Q, K, V, 2, return_weights=True, dropout_probability=0.5,
                         rng=np.random.default_rng(9))
    a0, a1 = extractdata(A0), extractdata(A1)
    np.testing.assert_array_equal(a1, extractdata(A2))
    kept = a1 != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(a1[kept], 2 * a0[kept], rtol=1e-12)


def test_unformatted_and_spatial_sequences():
    rng = np.random.default_rng(6)
    Q, K, V = _qkv(rng)
    Y = dl.attention(Q, K, V, 2)
    perm = (2, 0, 1)  # CBT -> TCB
    Yu = dl.attention(*(np.transpose(extractdata(x), perm) for x in (Q, K, V)), 2,
                      data_format="TCB")
    assert Yu.fmt == "" and Yu.shape == (3, 4, 2)
    np.testing.assert_allclose(Yu, np.transpose(extractdata(Y), perm), rtol=1e-12)
    Ys = dl.attention(*(dlarray(np.transpose(extractdata(x), perm), "SCB") for x in (Q, K, V)),
                      2)
    assert Ys.fmt == "SCB"
    np.testing.assert_allclose(extractdata(Ys), np.transpose(extractdata(Y), perm), rtol=1e-12)


def test_second_derivative_through_attention():
    rng = np.random.default_rng(7)
    Q, K, V = _qkv(rng)

    def penalty(Q):
        g = dlgradient(np.sum(dl.attention(Q, K, V, 2) ** 2), Q, enable_higher_derivatives=True)
        p = np.sum(g ** 2)
        return p, dlgradient(p, Q)

    p, h = dlfeval(penalty, Q)
    u = rng.standard_normal(Q.shape)
    eps = 1e-6
    plus = dlfeval(penalty, dlarray(extractdata(Q) + eps * u, "CBT"))[0]
    minus = dlfeval(penalty, dlarray(extractdata(Q) - eps * u, "CBT"))[0]
    assert float(np.sum(extractdata(h) * u)) == pytest.approx(
        (float(plus) - float(minus)) / (2 * eps), rel=1e-5)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(num_heads=3), ValueError, r"attention: queries must have a number of channels "
                                    r"divisible by num_heads = 3; got 4 channels"),
    (dict(num_heads=0), ValueError, r"attention: num_heads must be positive"),
    (dict(keys=dlarray(np.zeros((6, 2, 5)), "CBT")), ValueError,
     r"attention: keys must have as many channels as queries \(4\)"),
    (dict(values=dlarray(np.zeros((4, 2, 4)), "CBT")), ValueError,
     r"attention: values must have the sequence length of keys \(5\)"),
    (dict(keys=dlarray(np.zeros((5, 4, 2)), "SCB")), ValueError,
     r'attention: keys must have the format of queries \("CBT"\); got format "SCB"'),
    (dict(keys=dlarray(np.zeros((4, 2, 5, 1)), "CBTU")), ValueError,
     r"attention: keys must have a C dimension, one sequence dimension"),
    (dict(attention_mask=np.ones((3, 5), dtype=bool)), ValueError,
     r"attention: attention_mask must be 'none', 'causal' or a logical array of shape "
     r"\(Lk, Lq\) = \(5, 3\)"),
    (dict(attention_mask="future"), ValueError, r"attention: attention_mask must be one of"),
    (dict(padding_mask=np.ones((2, 4), dtype=bool)), ValueError,
     r"attention: padding_mask must have shape \(N, Lk\) = \(2, 5\)"),
    (dict(dropout_probability=1.0), ValueError, r"attention: dropout_probability must be < 1"),
    (dict(dropout_probability=0.1, rng=0), TypeError, r"attention: rng must be a "
                                                      r"numpy.random.Generator"),
    (dict(scale="none"), ValueError, r"attention: scale must be one of 'auto'"),
])
def test_errors(kwargs, exc, match):
    rng = np.random.default_rng(8)
    Q, K, V = _qkv(rng)
    args = dict(queries=Q, keys=K, values=V, num_heads=2)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        dl.attention(args.pop("queries"), args.pop("keys"), args.pop("values"),
                     args.pop("num_heads"), **args)
