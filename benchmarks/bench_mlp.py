"""One MLP training step, dlnotebooks vs PyTorch eager (CPU) in the same run.

784-512-256-10, ReLU, softmax + crossentropy, Adam, batch 128, float32.

Run: ``python benchmarks/bench_mlp.py`` (PyTorch is optional: ``pip install torch``); it
times both libraries at 1 and 2 threads, each in a fresh interpreter (``--help``).
"""

import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import run, torch_or_none  # noqa: E402

import dlnotebooks as dl  # noqa: E402
from dlnotebooks import dlarray, dlfeval, dlgradient  # noqa: E402

SIZES = (784, 512, 256, 10)
BATCH = 128


def make_data(rng):
    X = rng.standard_normal((SIZES[0], BATCH)).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    return X, labels


def dl_step_factory(rng, X, labels):
    params = {}
    for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        bound = np.sqrt(6 / (n_in + n_out))
        params[f"fc{k + 1}"] = {
            "Weights": dlarray(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)),
            "Bias": dlarray(np.zeros((n_out, 1), np.float32)),
        }
    Xd = dlarray(X, "CB")
    T = dl.onehotencode(labels, 0, classes=SIZES[-1])

    def model_loss(p, X, T):
        Y = X
        for k in range(len(SIZES) - 1):
            Y = dl.fullyconnect(Y, p[f"fc{k + 1}"]["Weights"], p[f"fc{k + 1}"]["Bias"])
            if k < len(SIZES) - 2:
                Y = dl.relu(Y)
        loss = dl.crossentropy(dl.softmax(Y), T)
        return loss, dlgradient(loss, p)

    state = {"params": params, "m": None, "v": None, "t": 0}

    def step():
        state["t"] += 1
        loss, grads = dlfeval(model_loss, state["params"], Xd, T)
        state["params"], state["m"], state["v"] = dl.adamupdate(
            state["params"], grads, state["m"], state["v"], state["t"])
        return loss

    return step


def torch_step_factory(torch, X, labels):
    torch.manual_seed(0)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if k < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T))
    Tt = torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(Xt), Tt)
        loss.backward()
        opt.step()
        return loss

    return step


def import_time():
    code = "import time; t = time.perf_counter(); import dlnotebooks; " \
           "print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    return min(runs)


def _ours():
    rng = np.random.default_rng(0)
    X, labels = make_data(rng)
    return dl_step_factory(rng, X, labels)


def _torch():
    torch = torch_or_none()
    if torch is None:
        return None
    X, labels = make_data(np.random.default_rng(0))
    return torch_step_factory(torch, X, labels)


WORKLOADS = [(f"MLP {'-'.join(map(str, SIZES))} b{BATCH} Adam step", _ours, _torch, "torch")]


def main(argv=None):
    run(__doc__.splitlines()[0], WORKLOADS, os.path.abspath(__file__), argv)
    if not os.environ.get("_DLNB_BENCH_CHILD") and "--peak" not in (argv or sys.argv):
        print(f"import dlnotebooks: {import_time() * 1000:.0f} ms (best of 3, fresh "
              "interpreter)")


if __name__ == "__main__":
    main()
