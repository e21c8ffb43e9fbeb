"""Exercises of notebook 03 (custom training loop with dlnetwork)."""

import numpy as np

from .. import nn, ops, optim
from ..autodiff import dlfeval, dlgradient
from ..core import dlarray, extractdata
from ._framework import dl, exercise


def time_based_learn_rate(initial_learn_rate, decay, iteration):
    return initial_learn_rate / (1 + decay * iteration)


@exercise(
    "03.1", "Time-based learning-rate decay",
    hints=["MATLAB's example: learnRate = initialLearnRate / (1 + decay*iteration)."],
    solution=time_based_learn_rate,
    wrong_answers=[lambda: (lambda a, d, t: a / (1 + d) ** t),
                   lambda: (lambda a, d, t: a * (1 - d * t))],
)
def _(schedule, report):
    for t in (1, 10, 100, 1000):
        got = float(schedule(0.01, 0.01, t))
        want = optim.time_based_decay(0.01, 0.01, t)
        if not np.isclose(got, want):
            report.stop(f"at iteration {t}: {got:.6g}, expected {want:.6g} = 0.01 / (1 + 0.01·{t}).")
    report.note("halves the learning rate after 1/decay = 100 iterations.")


def _tiny_network():
    layers = [nn.featureInputLayer(3), nn.fullyConnectedLayer(4), nn.batchNormalizationLayer(),
              nn.reluLayer(), nn.fullyConnectedLayer(2), nn.softmaxLayer()]
    net = nn.dlnetwork(layers, rng=np.random.default_rng(30))
    rng = np.random.default_rng(31)
    X = dlarray(rng.standard_normal((3, 6)).astype("float32"), "CB")
    T = ops.onehotencode(rng.integers(0, 2, 6), 0, classes=2)
    return net, X, T


def _with_predict(net, X, T):
    Y = nn.predict(net, X)
    loss = ops.crossentropy(Y, T)
    return loss, dlgradient(loss, net.learnables), net.state


def model_loss_with_state(net, X, T):
    Y, state = dl.forward(net, X)
    loss = dl.crossentropy(Y, T)
    gradients = dl.dlgradient(loss, net.learnables)
    return loss, gradients, state


_reference = model_loss_with_state  # the checker compares with the solution


@exercise(
    "03.2", "The model-loss function with state",
    hints=["dl.forward(net, X) returns (Y, state) and uses batch statistics (training mode).",
           "Differentiate with respect to net.learnables; return (loss, gradients, state)."],
    solution=model_loss_with_state,
    wrong_answers=[lambda: _with_predict],
)
def _(model_loss, report):
    net, X, T = _tiny_network()
    out = dlfeval(model_loss, net, X, T)
    if not (isinstance(out, tuple) and len(out) == 3):
        report.stop("return three values: (loss, gradients, state).")
    loss, grads, state = out
    ref_loss, ref_grads, ref_state = dlfeval(_reference, net, X, T)
    if not np.isclose(float(loss), float(ref_loss), rtol=1e-5):
        report.fail(f"the loss is {float(loss):.5f}, expected {float(ref_loss):.5f}: use "
                    "dl.forward (training mode), not dl.predict, inside the loss.")
    got_state = [extractdata(v) for v in state.value] if hasattr(state, "value") else []
    want_state = [extractdata(v) for v in ref_state.value]
    if len(got_state) != len(want_state) or not all(
            np.allclose(a, b, rtol=1e-5) for a, b in zip(got_state, want_state)):
        report.fail("the returned state is not the one forward computed: return the state "
                    "from dl.forward so the batch-norm running statistics get updated.")
    got = [extractdata(g) for g in grads.value] if hasattr(grads, "value") else []
    want = [extractdata(g) for g in ref_grads.value]
    if len(got) != len(want):
        report.stop("the gradients should be a Learnables table like net.learnables: "
                    "dlgradient(loss, net.learnables).")
    for (layer, parameter), a, b in zip(ref_grads.keys(), got, want):
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-4, atol=1e-6):
            report.fail(f"the gradient of {layer}.{parameter} differs from the reference.")
            break
