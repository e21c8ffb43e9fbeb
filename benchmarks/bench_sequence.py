"""Sequence ops beside PyTorch eager (LSTM, GRU, CTC) and dlode45's two gradient modes.

Run ``python benchmarks/bench_sequence.py`` (``--help``): every workload at 1 and 2 threads,
each thread count in a fresh interpreter, the two sides timed in alternating rounds; a ratio
is the median of the per-round ratios (dlnotebooks / reference, lower is better). dlode45's
adjoint mode is compared with its own direct mode, which the issue asks to stay within 3x.
"""

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dlnotebooks as dl  # noqa: E402
from _common import run, torch_or_none  # noqa: E402

f32 = np.float32
C, H, T, N = 32, 128, 50, 32  # LSTM/GRU 32 -> 128, T = 50, batch 32


def _lstm_data():
    rng = np.random.default_rng(0)
    X = dl.dlarray(rng.standard_normal((C, N, T)).astype(f32), "CBT")
    bound = 1 / math.sqrt(H)
    W = dl.dlarray(rng.uniform(-bound, bound, (4 * H, C)).astype(f32))
    R = dl.dlarray(rng.uniform(-bound, bound, (4 * H, H)).astype(f32))
    b = dl.dlarray(np.zeros((4 * H, 1), f32))
    h0 = dl.dlarray(np.zeros((H, N), f32))
    return X, W, R, b, h0


def _torch_input(torch, X):
    xt = torch.from_numpy(np.ascontiguousarray(np.transpose(dl.extractdata(X), (2, 1, 0))))
    return xt.requires_grad_(True)


def ours_lstm():
    X, W, R, b, h0 = _lstm_data()

    def lstm_loss(X, W, R, b):
        Y, _, _ = dl.lstm(X, h0, h0, W, R, b)
        return dl.dlgradient(np.sum(Y), X, W, R, b)

    return lambda: dl.dlfeval(lstm_loss, X, W, R, b)


def _torch_lstm(torch):
    X, W, R, _, _ = _lstm_data()
    module = torch.nn.LSTM(C, H)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(np.asarray(dl.extractdata(W))))
        module.weight_hh_l0.copy_(torch.from_numpy(np.asarray(dl.extractdata(R))))
        module.bias_ih_l0.zero_()
        module.bias_hh_l0.zero_()
    return module, _torch_input(torch, X)


def torch_lstm():
    torch = torch_or_none()
    if torch is None:
        return None
    module, xt = _torch_lstm(torch)

    def step():
        module.zero_grad()
        xt.grad = None
        y, _ = module(xt)
        y.sum().backward()

    return step


def ours_lstm_forward():
    X, W, R, b, h0 = _lstm_data()
    return lambda: dl.lstm(X, h0, h0, W, R, b)


def torch_lstm_forward():
    torch = torch_or_none()
    if torch is None:
        return None
    module, xt = _torch_lstm(torch)

    def step():
        with torch.no_grad():
            module(xt)

    return step


def ours_gru():
    X, _, _, _, h0 = _lstm_data()
    rng = np.random.default_rng(1)
    bound = 1 / math.sqrt(H)
    W = dl.dlarray(rng.uniform(-bound, bound, (3 * H, C)).astype(f32))
    R = dl.dlarray(rng.uniform(-bound, bound, (3 * H, H)).astype(f32))
    b = dl.dlarray(np.zeros((6 * H, 1), f32))

    def gru_loss(X, W, R, b):
        Y, _ = dl.gru(X, h0, W, R, b, reset_gate_mode="recurrent-bias-after-multiplication")
        return dl.dlgradient(np.sum(Y), X, W, R, b)

    return lambda: dl.dlfeval(gru_loss, X, W, R, b)


def torch_gru():
    torch = torch_or_none()
    if torch is None:
        return None
    X = _lstm_data()[0]
    module, xt = torch.nn.GRU(C, H), _torch_input(torch, X)

    def step():
        module.zero_grad()
        xt.grad = None
        y, _ = module(xt)
        y.sum().backward()

    return step


Cc, Tc, Nc, S = 11, 40, 32, 6  # CTC: 10 digits + blank, T = 40, batch 32, 1..6 digits


def _ctc_data():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((Cc, Nc, Tc)).astype(f32)
    targets = rng.integers(1, Cc, size=(Nc, S))
    lengths = rng.integers(1, S + 1, size=Nc)
    return logits, targets, lengths


def ours_ctc():
    logits, targets, lengths = _ctc_data()
    tmask = np.arange(S)[None, :] < lengths[:, None]
    ymask = np.ones((Nc, Tc), dtype=bool)
    Z = dl.dlarray(logits, "CBT")

    def ctc_loss(Z):
        loss = dl.ctc(dl.softmax(Z), targets, ymask, tmask)
        return loss, dl.dlgradient(loss, Z)

    return lambda: dl.dlfeval(ctc_loss, Z)


def torch_ctc():
    torch = torch_or_none()
    if torch is None:
        return None
    logits, targets, lengths = _ctc_data()
    zt = torch.from_numpy(np.ascontiguousarray(np.transpose(logits, (2, 1, 0))))
    zt.requires_grad_(True)
    flat = torch.from_numpy(targets.astype(np.int64))
    in_len = torch.full((Nc,), Tc, dtype=torch.long)
    tgt_len = torch.from_numpy(lengths.astype(np.int64))

    def step():
        zt.grad = None
        lp = torch.log_softmax(zt, dim=2)
        loss = torch.nn.functional.ctc_loss(lp, flat, in_len, tgt_len, reduction="sum") / Nc
        loss.backward()

    return step


def _ode_problem():
    """Spiral ODE, 2-D state, MLP 2 -> 50 -> 2 (tanh), 40 output times, batch 16."""
    rng = np.random.default_rng(0)
    Nb, hidden = 16, 50
    params = {
        "fc1": {"Weights": dl.dlarray((rng.standard_normal((hidden, 2)) * 0.3).astype(f32)),
                "Bias": dl.dlarray(np.zeros((hidden, 1), f32))},
        "fc2": {"Weights": dl.dlarray((rng.standard_normal((2, hidden)) * 0.3).astype(f32)),
                "Bias": dl.dlarray(np.zeros((2, 1), f32))},
    }
    Y0 = dl.dlarray(rng.standard_normal((2, Nb)).astype(f32), "CB")
    tspan = np.linspace(0, 2, 40)

    def odefun(t, y, p):
        hidden_y = np.tanh(dl.fullyconnect(y, p["fc1"]["Weights"], p["fc1"]["Bias"]))
        return dl.fullyconnect(hidden_y, p["fc2"]["Weights"], p["fc2"]["Bias"])

    return odefun, tspan, Y0, params


def _ode_step(mode):
    def make():
        odefun, tspan, Y0, params = _ode_problem()

        def ode_loss(Y0, p):
            Y = dl.dlode45(odefun, tspan, Y0, p, gradient_mode=mode)
            loss = np.mean(Y * Y)
            return loss, dl.dlgradient(loss, p)

        return lambda: dl.dlfeval(ode_loss, Y0, params)

    return make


def ours_ode_forward():
    odefun, tspan, Y0, params = _ode_problem()
    return lambda: dl.dlode45(odefun, tspan, Y0, params)


WORKLOADS = [
    (f"lstm {C}->{H} T={T} N={N} fwd+bwd", ours_lstm, torch_lstm, "torch"),
    (f"lstm {C}->{H} T={T} N={N} forward", ours_lstm_forward, torch_lstm_forward, "torch"),
    (f"gru {C}->{H} T={T} N={N} fwd+bwd", ours_gru, torch_gru, "torch"),
    (f"ctc C={Cc} T={Tc} N={Nc} S<={S} fwd+bwd", ours_ctc, torch_ctc, "torch"),
    ("dlode45 adjoint 40 times N=16 fwd+bwd", _ode_step("adjoint"), _ode_step("direct"),
     "direct mode"),
    ("dlode45 forward only", ours_ode_forward, None, ""),
]


def main(argv=None):
    run(__doc__.splitlines()[0], WORKLOADS, os.path.abspath(__file__), argv)


if __name__ == "__main__":
    main()
