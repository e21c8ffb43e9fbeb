"""CNN workloads, dlnotebooks vs PyTorch eager CPU in the same run.

1. A LeNet-style training step: 1x28x28 input, conv 5x5x20 "same" + batchnorm + relu +
   maxpool 2, conv 3x3x32 "same" + batchnorm + relu + maxpool 2, fullyconnect 10, softmax +
   crossentropy, Adam; batch 128, float32.
2. A DCGAN-style generator forward + backward: transposed convolutions
   1x1x64 -> 4x4x128 -> 8x8x64 -> 16x16x32 -> 32x32x1 with batchnorm + relu; batch 64.

Run: ``python benchmarks/bench_cnn.py``. PyTorch uses as many threads as NumPy's BLAS
(``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` when set, else all cores); set
``OPENBLAS_NUM_THREADS=1`` for a single-thread comparison, which is much steadier on a busy
machine. The two libraries' steps are timed alternately (best of 25 each) and the process CPU
time is printed next to the wall time. Peak memory is the growth of the resident set during
one step, measured for each library in a fresh process (VmHWM), so both count the same way.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dlnotebooks as dl  # noqa: E402
from _common import peak_memory, report, torch_or_none  # noqa: E402

BATCH_CNN = 128
BATCH_GEN = 64


def _threads():
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return os.cpu_count() or 1


# ---------------------------------------------------------------- LeNet training step


def cnn_params(rng):
    def he(shape, fan_in):
        return dl.dlarray((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype("float32"))

    def zeros(n):
        return dl.dlarray(np.zeros((n, 1), "float32"))

    def ones(n):
        return dl.dlarray(np.ones((n, 1), "float32"))

    return {
        "conv1": {"W": he((5, 5, 1, 20), 25), "b": zeros(20)},
        "bn1": {"offset": zeros(20), "scale": ones(20)},
        "conv2": {"W": he((3, 3, 20, 32), 180), "b": zeros(32)},
        "bn2": {"offset": zeros(32), "scale": ones(32)},
        "fc": {"W": he((10, 7 * 7 * 32), 7 * 7 * 32), "b": zeros(10)},
    }


def cnn_model(p, X):
    Y = dl.dlconv(X, p["conv1"]["W"], p["conv1"]["b"], padding="same")
    Y, _, _ = dl.batchnorm(Y, p["bn1"]["offset"], p["bn1"]["scale"])
    Y = dl.maxpool(dl.relu(Y), 2, stride=2)
    Y = dl.dlconv(Y, p["conv2"]["W"], p["conv2"]["b"], padding="same")
    Y, _, _ = dl.batchnorm(Y, p["bn2"]["offset"], p["bn2"]["scale"])
    Y = dl.maxpool(dl.relu(Y), 2, stride=2)
    return dl.softmax(dl.fullyconnect(Y, p["fc"]["W"], p["fc"]["b"]))


def cnn_loss(p, X, T):
    loss = dl.crossentropy(cnn_model(p, X), T)
    return loss, dl.dlgradient(loss, p)


def ours_cnn_step(rng):
    params = cnn_params(rng)
    X = dl.dlarray(rng.random((28, 28, 1, BATCH_CNN), dtype=np.float32), "SSCB")
    labels = rng.integers(0, 10, BATCH_CNN)
    T = dl.dlarray(np.eye(10, dtype="float32")[:, labels], "CB")
    state = {"params": params, "avg": None, "avg_sq": None, "it": 0}

    def loss_fcn(params):
        # X and T reach the model through the closure, untraced, as the input of the PyTorch
        # model is (requires_grad=False): only the parameters' gradients are computed.
        return cnn_loss(params, X, T)

    def step():
        loss, grads = dl.dlfeval(loss_fcn, state["params"])
        state["it"] += 1
        state["params"], state["avg"], state["avg_sq"] = dl.adamupdate(
            state["params"], grads, state["avg"], state["avg_sq"], state["it"])
        return loss

    return step


def torch_cnn_step(torch, rng):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 20, 5, padding="same"), nn.BatchNorm2d(20), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 32, 3, padding="same"), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    X = torch.from_numpy(rng.random((BATCH_CNN, 1, 28, 28), dtype=np.float32))
    T = torch.from_numpy(rng.integers(0, 10, BATCH_CNN))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), T)
        loss.backward()
        opt.step()
        return loss

    return step


# ---------------------------------------------------------------- DCGAN generator


GEN_LAYERS = [  # (filter, in channels, out channels, stride, cropping)
    (4, 64, 128, 1, 0),
    (4, 128, 64, 2, "same"),
    (4, 64, 32, 2, "same"),
    (4, 32, 1, 2, "same"),
]


def gen_params(rng):
    params = []
    for k, cin, cout, _, _ in GEN_LAYERS:
        params.append({
            "W": dl.dlarray((rng.standard_normal((k, k, cout, cin)) * 0.02).astype("float32")),
            "b": dl.dlarray(np.zeros((cout, 1), "float32")),
            "offset": dl.dlarray(np.zeros((cout, 1), "float32")),
            "scale": dl.dlarray(np.ones((cout, 1), "float32")),
        })
    return params


def gen_model(params, Z):
    Y = Z
    last = len(GEN_LAYERS) - 1
    for i, ((_, _, _, stride, crop), p) in enumerate(zip(GEN_LAYERS, params)):
        Y = dl.dltranspconv(Y, p["W"], p["b"], stride=stride, cropping=crop)
        if i < last:
            Y, _, _ = dl.batchnorm(Y, p["offset"], p["scale"])
            Y = dl.relu(Y)
    return Y


def gen_loss(params, Z, R):
    loss = np.sum(gen_model(params, Z) * R)
    return loss, dl.dlgradient(loss, params)


def ours_gen_step(rng):
    params = gen_params(rng)
    Z = dl.dlarray(rng.standard_normal((1, 1, 64, BATCH_GEN)).astype("float32"), "SSCB")
    R = dl.dlarray(rng.standard_normal((32, 32, 1, BATCH_GEN)).astype("float32"), "SSCB")
    return lambda: dl.dlfeval(lambda p: gen_loss(p, Z, R), params)


def torch_gen_step(torch, rng):
    nn = torch.nn
    layers = []
    for i, (k, cin, cout, stride, crop) in enumerate(GEN_LAYERS):
        pad = 0 if crop == 0 else (k - stride) // 2
        layers.append(nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=pad))
        if i < len(GEN_LAYERS) - 1:
            layers += [nn.BatchNorm2d(cout), nn.ReLU()]
    model = nn.Sequential(*layers)
    Z = torch.from_numpy(rng.standard_normal((BATCH_GEN, 64, 1, 1)).astype("float32"))
    R = torch.from_numpy(rng.standard_normal((BATCH_GEN, 1, 32, 32)).astype("float32"))

    def step():
        model.zero_grad(set_to_none=True)
        loss = (model(Z) * R).sum()
        loss.backward()
        return loss

    return step


def interleaved_best(ours, ref, *, rounds=25, warmup=2):
    """Best wall and CPU times of each step, measured alternately so both see the same load.

    Returns ``((wall_ours, cpu_ours), (wall_ref, cpu_ref))``. The CPU time (of the whole
    process, all threads) is less sensitive to other processes on a shared machine.
    """
    import gc
    import time

    steps = [ours] + ([ref] if ref is not None else [])
    for _ in range(warmup):
        for step in steps:
            step()
    best = [[float("inf"), float("inf")] for _ in steps]
    for _ in range(rounds):
        for k, step in enumerate(steps):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            step()
            best[k][0] = min(best[k][0], time.perf_counter() - wall)
            best[k][1] = min(best[k][1], time.process_time() - cpu)
    return tuple(best[0]), (tuple(best[1]) if ref is not None else (None, None))


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _child_peak(which):
    """In a fresh process: extra resident memory at the peak of the first step (bytes)."""
    rng = np.random.default_rng(0)
    torch = torch_or_none() if which.startswith("torch") else None
    if torch is not None:
        torch.set_num_threads(_threads())
    factory = {"ours-cnn": ours_cnn_step, "ours-gen": ours_gen_step,
               "torch-cnn": torch_cnn_step, "torch-gen": torch_gen_step}[which]
    step = factory(torch, rng) if torch is not None else factory(rng)
    before = _rss_bytes()
    step()
    # VmHWM is this address space's peak RSS (ru_maxrss would inherit the parent's at fork)
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM"))
    print(max(peak - before, 0))


def rss_peak(which):
    """Peak extra resident memory of one step, measured in a fresh process (bytes) or None."""
    import subprocess

    try:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--peak", which],
                             capture_output=True, text=True, check=True, timeout=600)
        return int(out.stdout.strip().splitlines()[-1])
    except Exception:  # noqa: BLE001 - memory measurement is best effort
        return None


def main():
    threads = _threads()
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"threads: {threads} (NumPy BLAS and torch)", flush=True)
    rng = np.random.default_rng(0)
    ratios = {}
    for name, ours_factory, torch_factory in [
        (f"LeNet train step (batch {BATCH_CNN})", ours_cnn_step, torch_cnn_step),
        (f"DCGAN generator fwd+bwd (batch {BATCH_GEN})", ours_gen_step, torch_gen_step),
    ]:
        ours = ours_factory(rng)
        ref = torch_factory(torch, rng) if torch is not None else None
        (t_ours, cpu_ours), (t_ref, cpu_ref) = interleaved_best(ours, ref)
        mem_ours = peak_memory(ours)
        ratios[name] = report(name, t_ours, t_ref)
        report("  (process CPU time)", cpu_ours, cpu_ref)
        print(f"{'':<38} peak NumPy allocations (tracemalloc): dlnotebooks "
              f"{mem_ours / 2**20:6.1f} MiB", flush=True)
        key = "cnn" if "LeNet" in name else "gen"
        rss_ours = rss_peak("ours-" + key)
        rss_ref = rss_peak("torch-" + key) if torch is not None else None
        if rss_ours is not None:
            line = f"{'':<38} peak RSS growth: dlnotebooks {rss_ours / 2**20:6.1f} MiB"
            if rss_ref:
                line += f", torch {rss_ref / 2**20:6.1f} MiB, ratio {rss_ours / rss_ref:5.2f}"
            print(line, flush=True)
    return ratios


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--peak":
        _child_peak(sys.argv[2])
    else:
        main()
