"""Sequence ops: LSTM forward+backward beside PyTorch eager; ctc and dlode45 at course sizes.

Run ``python benchmarks/bench_sequence.py``. Both libraries get the same number of threads
(``--threads``, default 1: the course's models are far too small to profit from BLAS threads on
a shared 2-core machine). Timings are the best of several repeats; the ratio line is what the
issue tracks (dlnotebooks time / PyTorch time, lower is better).
"""

import argparse
import math
import os
import sys


def _set_threads(n):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def paired_times(ours, theirs, repeats, warmup=2):
    """Best wall times of two steps measured alternately, so both see the same machine load."""
    import gc
    import time

    for _ in range(warmup):
        ours()
        theirs()
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for k, step in enumerate((ours, theirs)):
            gc.collect()
            start = time.perf_counter()
            step()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    _set_threads(args.threads)  # before NumPy loads its BLAS

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import numpy as np

    import dlnotebooks as dl
    from benchmarks._common import best_time, report, torch_or_none

    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    f32 = np.float32
    print(f"threads: {args.threads}, best of {args.repeats}")

    # ---- LSTM 32 -> 128, T = 50, N = 32, forward + backward of sum(Y)
    C, H, T, N = 32, 128, 50, 32
    X = dl.dlarray(rng.standard_normal((C, N, T)).astype(f32), "CBT")
    bound = 1 / math.sqrt(H)
    W = dl.dlarray(rng.uniform(-bound, bound, (4 * H, C)).astype(f32))
    R = dl.dlarray(rng.uniform(-bound, bound, (4 * H, H)).astype(f32))
    b = dl.dlarray(np.zeros((4 * H, 1), f32))
    h0 = dl.dlarray(np.zeros((H, N), f32))

    def lstm_loss(X, W, R, b):
        Y, _, _ = dl.lstm(X, h0, h0, W, R, b)
        return dl.dlgradient(np.sum(Y), X, W, R, b)

    def lstm_step():
        dl.dlfeval(lstm_loss, X, W, R, b)

    ref = None
    if torch is not None:
        module = torch.nn.LSTM(C, H)
        with torch.no_grad():
            module.weight_ih_l0.copy_(torch.from_numpy(np.asarray(dl.extractdata(W))))
            module.weight_hh_l0.copy_(torch.from_numpy(np.asarray(dl.extractdata(R))))
            module.bias_ih_l0.zero_()
            module.bias_hh_l0.zero_()
        xt = torch.from_numpy(np.ascontiguousarray(
            np.transpose(dl.extractdata(X), (2, 1, 0)))).requires_grad_(True)

        def torch_step():
            module.zero_grad()
            xt.grad = None
            y, _ = module(xt)
            y.sum().backward()

        ours, ref = paired_times(lstm_step, torch_step, args.repeats)
    else:
        ours = best_time(lstm_step, repeats=args.repeats)
    report("lstm 32->128 T=50 N=32 fwd+bwd", ours, ref)

    def lstm_forward():
        dl.lstm(X, h0, h0, W, R, b)

    if torch is not None:
        def torch_forward():
            with torch.no_grad():
                module(xt)

        fwd, ref_fwd = paired_times(lstm_forward, torch_forward, args.repeats)
    else:
        fwd, ref_fwd = best_time(lstm_forward, repeats=args.repeats), None
    report("lstm 32->128 T=50 N=32 forward", fwd, ref_fwd)

    # ---- GRU, same sizes
    Wg = dl.dlarray(rng.uniform(-bound, bound, (3 * H, C)).astype(f32))
    Rg = dl.dlarray(rng.uniform(-bound, bound, (3 * H, H)).astype(f32))
    bg = dl.dlarray(np.zeros((6 * H, 1), f32))

    def gru_loss(X, W, R, b):
        Y, _ = dl.gru(X, h0, W, R, b, reset_gate_mode="recurrent-bias-after-multiplication")
        return dl.dlgradient(np.sum(Y), X, W, R, b)

    def gru_step():
        dl.dlfeval(gru_loss, X, Wg, Rg, bg)

    ours, ref = best_time(gru_step, repeats=args.repeats), None
    if torch is not None:
        gmod = torch.nn.GRU(C, H)

        def torch_gru():
            gmod.zero_grad()
            xt.grad = None
            y, _ = gmod(xt)
            y.sum().backward()

        ours, ref = paired_times(gru_step, torch_gru, args.repeats)
    report("gru 32->128 T=50 N=32 fwd+bwd", ours, ref)

    # ---- ctc: C = 11 (10 digits + blank), T = 40, N = 32, targets of 1..6 digits
    Cc, Tc, Nc, S = 11, 40, 32, 6
    logits = rng.standard_normal((Cc, Nc, Tc)).astype(f32)
    targets = rng.integers(1, Cc, size=(Nc, S))
    lengths = rng.integers(1, S + 1, size=Nc)
    tmask = np.arange(S)[None, :] < lengths[:, None]
    ymask = np.ones((Nc, Tc), dtype=bool)
    Z = dl.dlarray(logits, "CBT")

    def ctc_loss(Z):
        loss = dl.ctc(dl.softmax(Z), targets, ymask, tmask)
        return loss, dl.dlgradient(loss, Z)

    def ctc_step():
        dl.dlfeval(ctc_loss, Z)

    ours, ref = best_time(ctc_step, repeats=args.repeats), None
    if torch is not None:
        zt = torch.from_numpy(np.ascontiguousarray(np.transpose(logits, (2, 1, 0))))
        zt.requires_grad_(True)
        flat = torch.from_numpy(targets.astype(np.int64))
        in_len = torch.full((Nc,), Tc, dtype=torch.long)
        tgt_len = torch.from_numpy(lengths.astype(np.int64))

        def torch_ctc():
            zt.grad = None
            lp = torch.log_softmax(zt, dim=2)
            loss = torch.nn.functional.ctc_loss(lp, flat, in_len, tgt_len, reduction="sum") / Nc
            loss.backward()

        ours, ref = paired_times(ctc_step, torch_ctc, args.repeats)
    report("ctc C=11 T=40 N=32 S<=6 fwd+bwd", ours, ref)

    # ---- dlode45: spiral ODE, 2-D state, MLP 2 -> 50 -> 2 (tanh), 40 times, batch 16
    Nb, hidden = 16, 50
    params = {
        "fc1": {"Weights": dl.dlarray((rng.standard_normal((hidden, 2)) * 0.3).astype(f32)),
                "Bias": dl.dlarray(np.zeros((hidden, 1), f32))},
        "fc2": {"Weights": dl.dlarray((rng.standard_normal((2, hidden)) * 0.3).astype(f32)),
                "Bias": dl.dlarray(np.zeros((2, 1), f32))},
    }
    Y0 = dl.dlarray(rng.standard_normal((2, Nb)).astype(f32), "CB")
    tspan = np.linspace(0, 2, 40)
    few = max(3, args.repeats // 3)

    def odefun(t, y, p):
        hidden_y = np.tanh(dl.fullyconnect(y, p["fc1"]["Weights"], p["fc1"]["Bias"]))
        return dl.fullyconnect(hidden_y, p["fc2"]["Weights"], p["fc2"]["Bias"])

    for mode in ("direct", "adjoint"):
        def ode_loss(Y0, p, mode=mode):
            Y = dl.dlode45(odefun, tspan, Y0, p, gradient_mode=mode)
            loss = np.mean(Y * Y)
            return loss, dl.dlgradient(loss, p)

        ours = best_time(lambda: dl.dlfeval(ode_loss, Y0, params), repeats=few)
        report(f"dlode45 {mode} 40 times N=16 fwd+bwd", ours)
    ours = best_time(lambda: dl.dlode45(odefun, tspan, Y0, params), repeats=few)
    report("dlode45 forward only", ours)


if __name__ == "__main__":
    main()
