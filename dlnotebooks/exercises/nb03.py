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
    steps = (1, 10, 100, 1000)
    got = [float(schedule(0.01, 0.01, t)) for t in steps]
    want = [optim.time_based_decay(0.01, 0.01, t) for t in steps]
    if np.allclose(got, want):
        report.note("halves the learning rate after 1/decay = 100 iterations.")
        return
    slips = [
        (lambda a, d, t: a / (1 + d) ** t,
         "this is exponential decay, a / (1 + decay)^iteration: it shrinks the rate by the same "
         "factor every step. Time-based decay divides by (1 + decay·iteration)."),
        (lambda a, d, t: a * (1 - d * t),
         "this is linear decay, a·(1 − decay·iteration): it reaches 0 at iteration 100 and then "
         "turns negative. Time-based decay divides: a / (1 + decay·iteration)."),
        (lambda a, d, t: a / 1 + d * t,
         "operator precedence: a / 1 + decay * iteration divides by 1 and then adds "
         "decay·iteration, so the rate grows. Put parentheses around the denominator: "
         "a / (1 + decay * iteration)."),
        (lambda a, d, t: a / (1 + t),
         "decay is not used: a / (1 + iteration) decays 100 times too fast here. Multiply the "
         "iteration by decay."),
        (lambda a, d, t: a / (1 + d * (t - 1)),
         "off by one: you used iteration − 1. MATLAB's loop counts iterations from 1 and uses "
         "the current one: a / (1 + decay·iteration)."),
    ]
    for formula, message in slips:
        if np.allclose(got, [formula(0.01, 0.01, t) for t in steps]):
            report.stop(message)
    for t, g, w in zip(steps, got, want):
        if not np.isclose(g, w):
            report.stop(f"at iteration {t}: {g:.6g}, expected {w:.6g} = 0.01 / (1 + 0.01·{t}).")


def _tiny_network():
    # Three classes and five observations: spreading epsilon over the wrong dimension (N
    # instead of K) gives a different number.
    layers = [nn.featureInputLayer(3), nn.fullyConnectedLayer(4), nn.batchNormalizationLayer(),
              nn.reluLayer(), nn.fullyConnectedLayer(3), nn.softmaxLayer()]
    net = nn.dlnetwork(layers, rng=np.random.default_rng(30))
    rng = np.random.default_rng(31)
    X = dlarray(rng.standard_normal((3, 5)).astype("float32"), "CB")
    T = ops.onehotencode(np.array([0, 2, 1, 2, 0]), 0, classes=3)
    return net, X, T, 0.1


def smoothed_model_loss(net, X, T, epsilon):
    Y, state = dl.forward(net, X)
    num_classes = T.shape[0]
    T_smooth = (1 - epsilon) * T + epsilon / num_classes
    loss = dl.crossentropy(Y, T_smooth)
    gradients = dl.dlgradient(loss, net.learnables)
    return loss, gradients, state


def _smoothing(targets=None, predictions=None, predict=False):
    """A wrong answer: other targets or predictions, or inference mode."""
    def smoothed(net, X, T, epsilon):
        if predict:
            Y, state = nn.predict(net, X), net.state
        else:
            Y, state = nn.forward(net, X)
        if predictions is not None:
            Y = predictions(Y, epsilon)
        target = targets(T, epsilon) if targets is not None else T
        loss = ops.crossentropy(Y, target)
        return loss, dlgradient(loss, net.learnables), state
    return smoothed


def _right_targets(T, epsilon):
    return (1 - epsilon) * T + epsilon / T.shape[0]


_WRONG = [
    (dict(), "this is the loss without label smoothing: build the smoothed targets "
             "(1 − ε)·T + ε/K and give them to crossentropy."),
    (dict(targets=lambda T, e: (1 - e) * T),
     "your targets (1 − ε)·T no longer sum to 1 over the classes: add ε/K to every class."),
    (dict(targets=lambda T, e: T + e / T.shape[0]),
     "your targets T + ε/K sum to 1 + ε: scale T by (1 − ε) first."),
    (dict(targets=lambda T, e: (1 - e) * T + e / T.shape[1]),
     "ε is spread over T.shape[1], the number of observations: K is the number of classes, "
     "T.shape[0]."),
    (dict(targets=_right_targets, predictions=lambda Y, e: (1 - e) * Y + e / Y.shape[0]),
     "you smoothed the predictions Y as well: smooth only the targets T."),
    (dict(predictions=lambda Y, e: (1 - e) * Y + e / Y.shape[0]),
     "you smoothed the predictions Y instead of the targets T."),
    (dict(targets=_right_targets, predict=True),
     "the loss is computed in inference mode: use dl.forward (training mode, batch "
     "statistics), not dl.predict, inside the loss."),
]


@exercise(
    "03.2", "A model loss with label smoothing",
    hints=["Start from model_loss above; only the targets change.",
           "K = T.shape[0] classes (T is one-hot, format \"CB\"): T_smooth = (1 - epsilon) * T "
           "+ epsilon / K puts 1 − ε + ε/K on the right class and ε/K on the others.",
           "loss = dl.crossentropy(Y, T_smooth); gradients = dl.dlgradient(loss, "
           "net.learnables); return loss, gradients, state."],
    solution=smoothed_model_loss,
    wrong_answers=[lambda k=k: _smoothing(**_WRONG[k][0]) for k in range(len(_WRONG))],
)
def _(model_loss, report):
    net, X, T, epsilon = _tiny_network()
    out = dlfeval(model_loss, net, X, T, epsilon)
    if not (isinstance(out, tuple) and len(out) == 3):
        report.stop("return three values: (loss, gradients, state).")
    loss, grads, state = out
    ref_loss, ref_grads, ref_state = dlfeval(smoothed_model_loss, net, X, T, epsilon)
    if not np.isclose(float(loss), float(ref_loss), rtol=1e-5):
        for options, message in _WRONG:
            candidate = dlfeval(_smoothing(**options), net, X, T, epsilon)[0]
            if np.isclose(float(loss), float(candidate), rtol=1e-5):
                report.stop(message)
        report.stop(f"the loss is {float(loss):.5f}, expected {float(ref_loss):.5f} = "
                    "crossentropy(Y, (1 − ε)·T + ε/K) with Y from dl.forward.")
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
    report.note("with ε = 0.1 the network is never pushed to put probability 1 on a class.")
