"""CNN workloads, dlnotebooks vs PyTorch eager CPU in the same run.

1. A LeNet-style training step: 1x28x28 input, conv 5x5x20 "same" + batchnorm + relu +
   maxpool 2, conv 3x3x32 "same" + batchnorm + relu + maxpool 2, fullyconnect 10, softmax +
   crossentropy, Adam; batch 128, float32.
2. A DCGAN-style generator forward + backward: transposed convolutions
   1x1x64 -> 4x4x128 -> 8x8x64 -> 16x16x32 -> 32x32x1 with batchnorm + relu; batch 64.

Run: ``python benchmarks/bench_cnn.py`` (``--help``): both libraries at 1 and 2 threads, each
thread count in a fresh interpreter; the steps are timed in alternating rounds and the ratio
is the median of the per-round ratios. Peak memory is the growth of the resident set (VmHWM)
over the first step, and per step after five, in a fresh process for each library.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dlnotebooks as dl  # noqa: E402
from _common import run, torch_or_none  # noqa: E402

BATCH_CNN = 128
BATCH_GEN = 64


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


def _seeded(factory, with_torch):
    def make():
        rng = np.random.default_rng(0)
        if not with_torch:
            return factory(rng)
        torch = torch_or_none()
        return None if torch is None else factory(torch, rng)

    return make


WORKLOADS = [
    (f"LeNet train step (batch {BATCH_CNN})", _seeded(ours_cnn_step, False),
     _seeded(torch_cnn_step, True), "torch"),
    (f"DCGAN generator fwd+bwd (batch {BATCH_GEN})", _seeded(ours_gen_step, False),
     _seeded(torch_gen_step, True), "torch"),
]


def main(argv=None):
    run(__doc__.splitlines()[0], WORKLOADS, os.path.abspath(__file__), argv)


if __name__ == "__main__":
    main()
