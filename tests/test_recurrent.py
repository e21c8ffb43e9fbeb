"""lstm and gru: behaviour beyond the generic registry tests (formulas, layouts, errors)."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _lstm_params(rng, C=3, H=4):
    return (rng.standard_normal((4 * H, C)), rng.standard_normal((4 * H, H)),
            rng.standard_normal((4 * H, 1)))


def test_lstm_one_step_follows_gate_order_i_f_g_o():
    rng = np.random.default_rng(0)
    C, H, N = 3, 4, 2
    W, R, b = _lstm_params(rng, C, H)
    x = rng.standard_normal((C, N))
    h0, c0 = rng.standard_normal((H, N)), rng.standard_normal((H, N))
    Y, h, c = dl.lstm(dlarray(x, "CB"), h0, c0, W, R, b)
    z = W @ x + R @ h0 + b
    i, f, g, o = _sig(z[:H]), _sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), _sig(z[3 * H:])
    c_ref = f * c0 + i * g
    np.testing.assert_allclose(extractdata(c), c_ref, rtol=1e-12)
    np.testing.assert_allclose(extractdata(h), o * np.tanh(c_ref), rtol=1e-12)
    np.testing.assert_allclose(extractdata(Y), extractdata(h), rtol=0)
    assert (Y.fmt, h.fmt, c.fmt) == ("CB", "CB", "CB")


def test_lstm_unit_forget_gate_keeps_the_cell_state():
    # Forget gate saturated at 1 and input gate at 0: the cell state is carried unchanged.
    C, H, N, T = 2, 3, 2, 6
    W = np.zeros((4 * H, C))
    R = np.zeros((4 * H, H))
    b = np.zeros(4 * H)
    b[:H] = -50  # input gate closed
    b[H:2 * H] = 50  # forget gate open
    c0 = np.arange(H * N, dtype=float).reshape(H, N) / 10
    X = dlarray(np.ones((C, N, T)), "CBT")
    _, _, c = dl.lstm(X, np.zeros((H, 1)), c0, W, R, b)
    np.testing.assert_allclose(extractdata(c), c0, atol=1e-12)


def test_shared_initial_state_equals_tiled_state_and_sums_its_gradient():
    rng = np.random.default_rng(1)
    C, H, N, T = 3, 4, 5, 3
    W, R, b = _lstm_params(rng, C, H)
    X = dlarray(rng.standard_normal((C, N, T)), "CBT")
    h0 = dlarray(rng.standard_normal((H, 1)))
    c0 = dlarray(rng.standard_normal((H, 1)))
    shared = dl.lstm(X, h0, c0, W, R, b)
    tiled = dl.lstm(X, np.tile(extractdata(h0), (1, N)), np.tile(extractdata(c0), (1, N)),
                    W, R, b)
    for a, t in zip(shared, tiled):
        np.testing.assert_allclose(extractdata(a), extractdata(t), rtol=1e-12)

    def grads(h0, c0):
        Y, _, c = dl.lstm(X, h0, c0, W, R, b)
        return dlgradient(np.sum(Y) + np.sum(c), h0, c0)

    gh, gc = dlfeval(grads, h0, c0)
    assert gh.shape == (H, 1) and gc.shape == (H, 1)
    gh_t, gc_t = dlfeval(grads, dlarray(np.tile(extractdata(h0), (1, N))),
                         dlarray(np.tile(extractdata(c0), (1, N))))
    np.testing.assert_allclose(extractdata(gh), extractdata(gh_t).sum(1, keepdims=True))
    np.testing.assert_allclose(extractdata(gc), extractdata(gc_t).sum(1, keepdims=True))


def test_data_format_gives_unformatted_output_in_input_order():
    rng = np.random.default_rng(2)
    C, H, N, T = 3, 4, 2, 5
    W, R, b = _lstm_params(rng, C, H)
    x = rng.standard_normal((T, C, N))
    Y, h, c = dl.lstm(x, np.zeros((H, 1)), np.zeros((H, 1)), W, R, b, data_format="TCB")
    assert Y.fmt == "" and Y.shape == (T, H, N) and h.fmt == "" and h.shape == (H, N)
    Yf, hf, _ = dl.lstm(dlarray(x, "TCB"), np.zeros((H, 1)), np.zeros((H, 1)), W, R, b)
    assert Yf.fmt == "CBT" and hf.fmt == "CB"
    np.testing.assert_allclose(np.transpose(extractdata(Y), (1, 2, 0)), extractdata(Yf))


def test_spatial_dims_are_flattened_with_channels_column_major():
    rng = np.random.default_rng(3)
    H, N, T = 2, 2, 3
    x = rng.standard_normal((2, 3, N, T))  # S=2, C=3
    W, R, b = _lstm_params(rng, 6, H)
    Y, _, _ = dl.lstm(dlarray(x, "SCBT"), np.zeros((H, 1)), np.zeros((H, 1)), W, R, b)
    flat = x.reshape(6, N, T, order="F")
    Y2, _, _ = dl.lstm(dlarray(flat, "CBT"), np.zeros((H, 1)), np.zeros((H, 1)), W, R, b)
    assert Y.fmt == "CBT"
    np.testing.assert_allclose(extractdata(Y), extractdata(Y2), rtol=1e-12)


def test_large_inputs_do_not_overflow():
    H = 2
    X = dlarray(np.full((1, 1, 4), 1e4), "CBT")
    Y, _, _ = dl.lstm(X, np.zeros((H, 1)), np.zeros((H, 1)), np.ones((4 * H, 1)),
                      np.ones((4 * H, H)), np.zeros(4 * H))
    assert np.all(np.isfinite(extractdata(Y)))


@pytest.mark.parametrize("T", [1, 2, 7])
def test_lstm_outputs_do_not_depend_on_tracing(T):
    # Untraced, lstm keeps no history for a backward pass; its outputs must stay the same.
    rng = np.random.default_rng(13)
    C, H, N = 3, 4, 2
    W, R, b = (dlarray(p) for p in _lstm_params(rng, C, H))
    X = dlarray(rng.standard_normal((C, N, T)), "CBT")
    h0, c0 = rng.standard_normal((H, N)), rng.standard_normal((H, 1))
    plain = dl.lstm(X, h0, c0, W, R, b)

    def traced(X):
        Y, h, c = dl.lstm(X, h0, c0, W, R, b)
        return Y, h, c, dlgradient(np.sum(Y) + np.sum(c), X)

    inside = dlfeval(traced, X)
    for a, t in zip(plain, inside[:3]):
        np.testing.assert_array_equal(extractdata(a), extractdata(t))


@pytest.mark.parametrize("wrt", [(0,), (3,), (4,), (5,), (3, 5), (1, 2), (0, 4, 5)])
def test_lstm_gradient_of_any_subset_equals_the_full_gradient(wrt):
    # lstm computes only the gradients that are asked for; each must match the full set.
    rng = np.random.default_rng(11)
    C, H, N, T = 3, 4, 2, 5
    W, R, b = _lstm_params(rng, C, H)
    args = [dlarray(rng.standard_normal((C, N, T)), "CBT"), dlarray(rng.standard_normal((H, N))),
            dlarray(rng.standard_normal((H, 1))), dlarray(W), dlarray(R), dlarray(b)]
    weights = rng.standard_normal((H, N, T))

    def grads(which, *a):
        Y, h, c = dl.lstm(*a)
        loss = np.sum(Y * weights) + np.sum(h * h) + np.sum(c)
        return dlgradient(loss, *[a[i] for i in which])

    full = dlfeval(lambda *a: grads(range(6), *a), *args)
    part = dlfeval(lambda *a: grads(wrt, *a), *args)
    part = part if isinstance(part, tuple) else (part,)
    for g, i in zip(part, wrt):
        assert g.shape == args[i].shape
        np.testing.assert_allclose(extractdata(g), extractdata(full[i]), rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.parametrize("options", [{}, {"state_activation_function": "softsign",
                                      "gate_activation_function": "hard-sigmoid"}])
def test_long_lstm_sequence_equals_chained_single_steps(options):
    # A sequence longer than the backward pass's blocks of steps, against lstm applied one
    # step at a time: the same outputs and the same gradients.
    rng = np.random.default_rng(12)
    C, H, N, T = 3, 4, 2, 19
    W, R, b = (dlarray(p) for p in _lstm_params(rng, C, H))
    h0, c0 = dlarray(rng.standard_normal((H, N))), dlarray(rng.standard_normal((H, 1)))
    xs = [rng.standard_normal((C, N)) for _ in range(T)]
    weights = rng.standard_normal((H, N, T))

    def full(W, R, b, h0, c0, X):
        Y, h, c = dl.lstm(X, h0, c0, W, R, b, **options)
        loss = np.sum(Y * weights) + np.sum(h * c)
        return Y, dlgradient(loss, W, R, b, h0, c0, X)

    def chained(W, R, b, h0, c0, *steps):
        h, c, ys, loss = h0, c0, [], 0
        for t, x in enumerate(steps):
            y, h, c = dl.lstm(x, h, c, W, R, b, **options)
            ys.append(extractdata(y))
            loss = loss + np.sum(y * weights[:, :, t])
        loss = loss + np.sum(h * c)
        return np.stack(ys, axis=2), dlgradient(loss, W, R, b, h0, c0, *steps)

    Y, g_full = dlfeval(full, W, R, b, h0, c0, dlarray(np.stack(xs, axis=2), "CBT"))
    Y_steps, g_steps = dlfeval(chained, W, R, b, h0, c0, *(dlarray(x, "CB") for x in xs))
    np.testing.assert_allclose(extractdata(Y), Y_steps, rtol=1e-12, atol=1e-12)
    for a, e in zip(g_full[:5], g_steps[:5]):
        np.testing.assert_allclose(extractdata(a), extractdata(e), rtol=1e-10, atol=1e-12)
    gX = extractdata(g_full[5])
    for t in range(T):
        np.testing.assert_allclose(gX[:, :, t], extractdata(g_steps[5 + t]), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("mode", ["after-multiplication", "before-multiplication",
                                  "recurrent-bias-after-multiplication"])
def test_gru_one_step_formulas(mode):
    rng = np.random.default_rng(4)
    C, H, N = 3, 2, 4
    W, R = rng.standard_normal((3 * H, C)), rng.standard_normal((3 * H, H))
    nb = 6 * H if mode.startswith("recurrent") else 3 * H
    b = rng.standard_normal(nb)
    x, h0 = rng.standard_normal((C, N)), rng.standard_normal((H, N))
    _, h = dl.gru(dlarray(x, "CB"), h0, W, R, b, reset_gate_mode=mode)
    bW, bR = b[:3 * H, None], (b[3 * H:, None] if nb == 6 * H else np.zeros((3 * H, 1)))
    r = _sig(W[:H] @ x + bW[:H] + R[:H] @ h0 + bR[:H])
    z = _sig(W[H:2 * H] @ x + bW[H:2 * H] + R[H:2 * H] @ h0 + bR[H:2 * H])
    if mode == "before-multiplication":
        cand = np.tanh(W[2 * H:] @ x + bW[2 * H:] + R[2 * H:] @ (r * h0))
    else:
        cand = np.tanh(W[2 * H:] @ x + bW[2 * H:] + r * (R[2 * H:] @ h0 + bR[2 * H:]))
    np.testing.assert_allclose(extractdata(h), (1 - z) * cand + z * h0, rtol=1e-12)


def test_gru_update_gate_near_one_keeps_the_state():
    C, H = 2, 3
    b = np.zeros(3 * H)
    b[H:2 * H] = 50  # z ≈ 1
    h0 = np.linspace(-1, 1, H)[:, None]
    X = dlarray(np.ones((C, 1, 5)), "CBT")
    _, h = dl.gru(X, h0, np.ones((3 * H, C)), np.ones((3 * H, H)), b)
    np.testing.assert_allclose(extractdata(h), h0, atol=1e-12)


def test_gru_modes_differ():
    rng = np.random.default_rng(5)
    X = dlarray(rng.standard_normal((3, 2, 4)), "CBT")
    W, R, b = rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), rng.standard_normal(6)
    after, _ = dl.gru(X, np.ones((2, 1)), W, R, b)
    before, _ = dl.gru(X, np.ones((2, 1)), W, R, b, reset_gate_mode="before-multiplication")
    assert not np.allclose(extractdata(after), extractdata(before))


# ---------------------------------------------------------------- bad input

def _lstm_call(**overrides):
    rng = np.random.default_rng(6)
    C, H, N = 3, 4, 2
    args = dict(X=dlarray(rng.standard_normal((C, N, 5)), "CBT"), H0=np.zeros((H, N)),
                C0=np.zeros((H, N)), weights=np.zeros((4 * H, C)),
                recurrent_weights=np.zeros((4 * H, H)), bias=np.zeros(4 * H))
    args.update(overrides)
    return dl.lstm(args.pop("X"), args.pop("H0"), args.pop("C0"), args.pop("weights"),
                   args.pop("recurrent_weights"), args.pop("bias"), **args)


@pytest.mark.parametrize("overrides,match", [
    (dict(weights=np.zeros((12, 3))), r"lstm: weights must have shape \(4\*num_hidden, "
                                      r"num_features\) = \(16, 3\)"),
    (dict(weights=np.zeros((16, 5))), r"lstm: weights .* 3 input features"),
    (dict(recurrent_weights=np.zeros((12, 4))), r"lstm: recurrent_weights must have shape "
                                                r"\(4\*num_hidden, num_hidden\)"),
    (dict(bias=np.zeros(12)), r"lstm: bias must have 16 elements"),
    (dict(H0=np.zeros((3, 2))), r"lstm: H0 must have shape \(num_hidden, N\) = \(4, 2\) or "
                                r"\(4, 1\); got shape \(3, 2\)"),
    (dict(C0=np.zeros((4, 3))), r"lstm: C0 must have shape"),
    (dict(X=dlarray(np.zeros((2, 5)), "BT")), r"lstm: X must have a 'C' dimension"),
    (dict(X=np.zeros((3, 2, 5))), r"lstm: X must be a formatted dlarray or come with "
                                  r"data_format"),
])
def test_lstm_errors(overrides, match):
    with pytest.raises(ValueError, match=match):
        _lstm_call(**overrides)


def test_gru_errors():
    X = dlarray(np.zeros((3, 2, 4)), "CBT")
    with pytest.raises(ValueError, match=r"gru: weights must have shape \(3\*num_hidden"):
        dl.gru(X, np.zeros((2, 1)), np.zeros((8, 3)), np.zeros((6, 2)), np.zeros(6))
    with pytest.raises(ValueError, match=r"gru: recurrent_weights must have shape "
                                         r"\(3\*num_hidden, num_hidden\)"):
        dl.gru(X, np.zeros((2, 1)), np.zeros((6, 3)), np.zeros((8, 2)), np.zeros(6))
    with pytest.raises(ValueError, match=r"gru: bias must have 12 elements.*input biases then "
                                         r"recurrent biases"):
        dl.gru(X, np.zeros((2, 1)), np.zeros((6, 3)), np.zeros((6, 2)), np.zeros(6),
               reset_gate_mode="recurrent-bias-after-multiplication")
    with pytest.raises(ValueError, match=r"gru: H0 must have shape"):
        dl.gru(X, np.zeros((3, 1)), np.zeros((6, 3)), np.zeros((6, 2)), np.zeros(6))
    with pytest.raises(ValueError, match=r"gru: reset_gate_mode must be one of"):
        dl.gru(X, np.zeros((2, 1)), np.zeros((6, 3)), np.zeros((6, 2)), np.zeros(6),
               reset_gate_mode="after")


@pytest.mark.parametrize("op", ["lstm", "gru"])
def test_higher_derivatives_raise_a_clear_error(op):
    rng = np.random.default_rng(7)
    G = 4 if op == "lstm" else 3
    H = 2
    X = dlarray(rng.standard_normal((3, 2, 4)), "CBT")
    W = dlarray(rng.standard_normal((G * H, 3)))
    R, b, h0 = rng.standard_normal((G * H, H)), np.zeros(G * H), np.zeros((H, 1))

    def model(X, W):
        out = dl.lstm(X, h0, h0, W, R, b) if op == "lstm" else dl.gru(X, h0, W, R, b)
        return np.sum(out[0] ** 2)

    def penalty(X, W):
        g = dlgradient(model(X, W), X, enable_higher_derivatives=True)
        return dlgradient(np.sum(g ** 2), W)

    with pytest.raises(RuntimeError, match=rf"{op}: higher derivatives are not supported "
                                           rf"through {op}; MATLAB does not support them"):
        dlfeval(penalty, X, W)
    # First derivatives still work.
    g = dlfeval(lambda X, W: dlgradient(model(X, W), W), X, W)
    assert g.shape == W.shape
